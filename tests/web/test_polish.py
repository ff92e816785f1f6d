"""Issue 15 (everyday-use polish) over HTTP: each test names the item it covers."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from extensions import db
from models.organisation import OrganisationProfile
from tests import factories as f
from tests.conftest import csrf_token
from tests.conftest import login as _login
from workflow.policy_templates import apply_template

KEYS = ["child_development", "dawa", "endowment", "food_preservation", "health_care"]


def login(client, email, lang="en"):
    _login(client, email)
    client.get(f"/admin/?lang={lang}")


def _html(response):
    return response.get_data(as_text=True)


# -- 2. a template sets or clears every field it defines, after a preview ----------------------
def test_applying_templates_in_turn_leaves_nothing_of_the_previous_one(client, users):
    login(client, "admin@example.org")
    for key in KEYS:
        token = csrf_token(_html(client.get("/admin/policy-templates/")))
        response = client.post("/admin/policy-templates/", data={"csrf_token": token, "key": key,
                                                                 "include_organisation": "y"})
        assert response.status_code == 302
        policy = _html(client.get("/policy?lang=ar"))
        assert ("05057" in policy) == (key == "food_preservation"), key
        profile = db.session.get(OrganisationProfile, 1)
        db.session.refresh(profile)
        assert (profile.licence_no == "05057") == (key == "food_preservation")
    # health_care (the last) has no board approval: dawa's resolution 17 must be gone too
    assert profile.board_resolution_no == "" and profile.board_approval_date is None


def test_preview_lists_what_will_change_and_changes_nothing(client, users):
    apply_template("food_preservation", include_organisation=True)
    db.session.commit()
    login(client, "admin@example.org")
    page = client.get("/admin/policy-templates/")
    assert 'name="preview"' in _html(page) and "Preview the changes" in _html(page)
    preview = _html(client.get("/admin/policy-templates/?preview=dawa&include_organisation=y"))
    table = preview[preview.index('id="template-changes"'):]
    row = re.search(r'<tr data-field="licence_no">(.*?)</tr>', table, re.S).group(1)
    assert "Licence number" in row and "05057" in row and "(empty)" in row
    assert 'data-field="board_resolution_no"' in table and "17" in table
    assert 'name="key" value="dawa"' in preview and 'name="include_organisation" value="y"' in preview
    db.session.expire_all()
    assert db.session.get(OrganisationProfile, 1).licence_no == "05057"  # nothing applied yet
    assert client.get("/admin/policy-templates/?preview=nope").status_code == 302


BENEFICIARY = {"national_id": "1058529940", "first_name": "أحمد", "father_name": "محمد", "grandfather_name": "علي",
               "family_name": "الغامدي", "gender": "male", "birth_date": "1985-03-01", "nationality": "SA",
               "phone": "0551138821", "email": "", "region": "riyadh", "city": "الرياض", "district": "",
               "address": "", "marital_status": "married", "monthly_income": "3000", "notes": ""}


@pytest.fixture
def seeded(app):
    from workflow.reference import load_defaults

    load_defaults()


def _post_beneficiary(client, **changes):
    token = csrf_token(_html(client.get("/admin/beneficiary/new/")))
    return client.post("/admin/beneficiary/new/", data={**BENEFICIARY, **changes, "csrf_token": token},
                       content_type="multipart/form-data")


# -- 1. times are typed and pre-filled in the organisation's time zone, kept in UTC --------------
def test_new_communication_prefills_local_time_and_stores_utc(client, users, seeded):
    from models.beneficiary import Beneficiary, Communication
    from models.types import utcnow
    from workflow.dates import to_local

    login(client, "officer@example.org")
    assert _post_beneficiary(client).status_code == 302
    person = db.session.scalar(db.select(Beneficiary))
    before = to_local(utcnow()).strftime("%Y-%m-%dT%H:")
    form = _html(client.get(f"/admin/communication/new/?beneficiary_id={person.id}"))
    after = to_local(utcnow()).strftime("%Y-%m-%dT%H:")
    value = re.search(r'<input[^>]*name="at"[^>]*>', form).group(0)
    assert 'type="datetime-local"' in value and 'dir="ltr"' in value
    assert f'value="{before}' in value or f'value="{after}' in value  # Riyadh time, not UTC
    response = client.post(f"/admin/communication/new/?beneficiary_id={person.id}", data={
        "csrf_token": csrf_token(form), "beneficiary": str(person.id), "direction": "incoming",
        "subject": "اتصال", "at": "2025-09-15T13:17"})
    assert response.status_code == 302
    comm = db.session.scalar(db.select(Communication))
    assert comm.at == datetime(2025, 9, 15, 10, 17, tzinfo=timezone.utc)
    details = _html(client.get(f"/admin/communication/details/?id={comm.id}"))
    assert "2025-09-15 13:17" in details


# -- 6. dates typed in Hijri as well as Gregorian -----------------------------------------------
def test_birth_date_typed_in_hijri_is_stored_and_shown_in_both(client, users, seeded):
    from models.beneficiary import Beneficiary

    login(client, "officer@example.org")
    form = _html(client.get("/admin/beneficiary/new/"))
    assert 'name="birth_date_hijri"' in form and 'name="birth_date" type="date"' in form.replace(
        'id="birth_date" ', "")
    response = _post_beneficiary(client, birth_date="", birth_date_hijri="١٤٤٧/٠٣/٢٣")
    assert response.status_code == 302, _html(response)[:2000]
    person = db.session.scalar(db.select(Beneficiary))
    assert person.birth_date == date(2025, 9, 15)
    details = _html(client.get(f"/admin/beneficiary/details/?id={person.id}"))
    assert "2025-09-15" in details and "1447-03-23" in details
    edit = _html(client.get(f"/admin/beneficiary/edit/?id={person.id}"))
    assert re.search(r'name="birth_date_hijri"[^>]*value="1447-03-23"', edit)
    assert re.search(r'value="2025-09-15"', edit)


def test_hijri_and_gregorian_that_disagree_or_do_not_exist_are_refused_at_the_field(client, users, seeded):
    from models.beneficiary import Beneficiary

    login(client, "officer@example.org")
    page = _html(_post_beneficiary(client, birth_date="1985-03-01", birth_date_hijri="1447-03-23"))
    assert "different days" in page
    page = _html(_post_beneficiary(client, birth_date="", birth_date_hijri="1447-14-01"))
    assert "Not a valid Hijri date" in page and 'value="1447-14-01"' in page  # what was typed stays
    assert db.session.scalar(db.select(db.func.count()).select_from(Beneficiary)) == 0


# -- 7. one native date input (localised by the browser) on every date field ---------------------
def test_committee_session_date_uses_the_native_date_input(client, users):
    login(client, "admin@example.org", lang="ar")
    form = _html(client.get("/admin/committeesession/new/"))
    held_on = re.search(r'<input[^>]*name="held_on"[^>]*>', form).group(0)
    assert 'type="date"' in held_on and 'data-role="datepicker"' not in held_on
    assert 'name="held_on_hijri"' in form


# -- 8. a date-time typed into a date field: "not a valid date", with the format ----------------
def test_a_date_time_in_a_required_date_field_says_not_a_valid_date(client, users):
    from models.committee import CommitteeSession

    login(client, "admin@example.org")
    form = _html(client.get("/admin/committeesession/new/"))
    response = client.post("/admin/committeesession/new/", data={
        "csrf_token": csrf_token(form), "number": "7", "held_on": "2025-09-15 10:00", "place": "المقر",
        "members": str(users["committee"].id)})
    page = _html(response)
    assert response.status_code == 200
    assert "Not a valid date: write it as YYYY-MM-DD, for example 2025-09-15." in page
    assert "This field is required" not in page and 'value="2025-09-15 10:00"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(CommitteeSession)) == 0


# -- 3. one region list, stored by code, for every form, eligibility and report ----------------
def test_public_request_offers_the_13_regions_and_stores_the_code(client, app):
    from tests.web.public.conftest import post_form, request_data
    from tests.web.public.conftest import catalogue as _catalogue  # noqa: F401
    from models.beneficiary import Beneficiary, DeclarationText
    from models.reference import Channel
    from models.service import EligibilityCriterion, ServiceType
    from workflow.eligibility import evaluate

    app.config["PUBLIC_MIN_FILL_SECONDS"] = 0
    food = ServiceType(name_ar="سلة غذائية", name_en="Food basket", active=True, decision_period_days=14)
    db.session.add_all([food, Channel(code="website", name_ar="الموقع الإلكتروني", name_en="Website"),
                        DeclarationText(version=1, text_ar="أقر بصحة البيانات.", text_en="I declare.")])
    db.session.commit()
    page = _html(client.get("/request?lang=ar"))
    select = re.search(r'<select[^>]*name="region".*?</select>', page, re.S).group(0)
    assert len(re.findall(r"<option", select)) == 14  # "Choose…" and the 13 regions
    assert '<option value="jouf">الجوف</option>' in select
    response = post_form(client, "/request", request_data({"food": food}, region="jouf"), page_html=page)
    assert response.status_code == 303
    person = db.session.scalar(db.select(Beneficiary))
    assert person.region == "jouf"
    criterion = EligibilityCriterion(field="region", operator="eq", value="jouf", explanation_ar="من الجوف")
    assert evaluate(criterion, person, date.today()).outcome == "pass"
    # a region that is not one of the 13 is refused at the field, not stored as typed
    refused = post_form(client, "/request", request_data({"food": food}, region="الجوف الشمالي",
                                                         national_id="1000000016"))
    assert refused.status_code == 400
    region_select = re.search(r'<select[^>]*name="region"[^>]*>', _html(refused)).group(0)
    assert "is-invalid" in region_select and 'aria-invalid="true"' in region_select
    assert db.session.scalar(db.select(db.func.count()).select_from(Beneficiary)) == 1


def test_reports_region_filter_lists_each_region_once_by_name(client, users):
    from tests.registry_helpers import make_beneficiary

    make_beneficiary(region="riyadh")
    login(client, "officer@example.org", lang="ar")
    page = _html(client.get("/admin/reports/"))
    select = re.search(r'<select[^>]*name="region".*?</select>', page, re.S).group(0)
    assert select.count(">الرياض<") == 1 and 'value="riyadh"' in select and len(re.findall("<option", select)) == 14


def test_migration_polish1_turns_region_texts_into_codes(app):
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from models.beneficiary import Beneficiary
    from models.service import EligibilityCriterion, ServiceType
    from tests.registry_helpers import make_beneficiary

    online = make_beneficiary()
    staff = make_beneficiary(national_id="1000000008")
    odd = make_beneficiary(national_id="1000000016")
    for person, stored in ((online, "الرياض"), (staff, "riyadh"), (odd, "حي النسيم")):  # as the old forms stored
        db.session.execute(db.update(Beneficiary).where(Beneficiary.id == person.id).values(region=stored))
    service = ServiceType(name_ar="كفالة")
    service.criteria.append(EligibilityCriterion(field="region", operator="in", value="منطقة الجوف، حائل",
                                                 explanation_ar="الشمال"))
    db.session.add(service)
    db.session.commit()
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "polish_regions.py"
    spec = importlib.util.spec_from_file_location("polish_regions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as conn:
        with Operations.context(MigrationContext.configure(conn)):
            module.upgrade()
    db.session.expire_all()
    assert [db.session.get(Beneficiary, b.id).region for b in (online, staff, odd)] == ["riyadh", "riyadh", "حي النسيم"]
    assert db.session.scalar(db.select(EligibilityCriterion.value)) == "jouf,hail"


# -- 4. the criteria editor offers each field's own values, in the reader's language ---------
def test_criteria_editor_offers_the_fields_values_and_refuses_unknown_ones(client, users):
    import html
    import json

    from models.service import ServiceType

    login(client, "admin@example.org", lang="ar")
    form = _html(client.get("/admin/servicetype/new/"))
    assert "js/criteria.js" in form
    template = html.unescape(form)  # the row Flask-Admin's "Add" button clones, kept as escaped text
    choices = json.loads(html.unescape(re.search(r'data-criterion-choices="([^"]+)"', template).group(1)))
    assert ["male", "ذكر"] in choices["gender"] and ["widowed", "أرمل/أرملة"] in choices["marital_status"]
    assert ["riyadh", "الرياض"] in choices["region"] and "age" not in choices
    assert "(male/female)" not in form
    data = {"csrf_token": csrf_token(form), "name_ar": "كفالة أيتام", "name_en": "", "active": "y",
            "cooldown_days": "0", "criteria-0-field": "gender", "criteria-0-operator": "eq",
            "criteria-0-value": "ذكر", "criteria-0-explanation_ar": "للذكور", "criteria-0-sort_order": "1"}
    client.post("/admin/servicetype/new/", data=data)
    assert db.session.scalar(db.select(db.func.count()).select_from(ServiceType)) == 0
    data["criteria-0-value"] = "female"
    assert client.post("/admin/servicetype/new/", data=data).status_code == 302


# -- 9. the reports' date filters say "from date / to date", on the page and in the export ------
def test_report_date_filters_are_labelled_as_dates_on_page_and_in_excel(client, users):
    import io

    from openpyxl import load_workbook

    login(client, "officer@example.org", lang="ar")
    page = _html(client.get("/admin/reports/?date_from=2025-09-01&date_to=2025-09-30&region=jouf"))
    assert '<label for="date_from" class="small mb-0">من تاريخ</label>' in page
    assert '<label for="date_to" class="small mb-0">إلى تاريخ</label>' in page
    assert "من حالة" not in page and "إلى حالة" not in page
    assert "المنطقة: الجوف" in page  # the printed filter line names the region
    workbook = load_workbook(io.BytesIO(client.get(
        "/admin/reports/export/all.xlsx?date_from=2025-09-01&date_to=2025-09-30&region=jouf").data))
    cells = [[c.value for c in row] for row in workbook.worksheets[0].iter_rows(max_row=6)]
    assert ["من تاريخ", "2025-09-01"] in [r[:2] for r in cells] and ["إلى تاريخ", "2025-09-30"] in [r[:2] for r in cells]
    assert ["المنطقة", "الجوف"] in [r[:2] for r in cells]


# -- 12. Flask-Admin's Arabic mistakes are corrected from the project's catalogue --------------
def test_flask_admin_buttons_read_correct_arabic(client, users):
    login(client, "admin@example.org", lang="ar")
    form = _html(client.get("/admin/committeesession/new/"))
    assert "إالغاء" not in form and ">إلغاء<" in form.replace("\n", "").replace("  ", "")
    listing = _html(client.get("/admin/application/"))
    assert "إالغاء" not in listing and "مع تحديد" not in listing
    assert "إجراء على المحدد" in listing
    assert "؟?" not in listing
    english = client.get("/admin/committeesession/new/?lang=en")
    assert ">Cancel<" in _html(english).replace("\n", "").replace(" ", "")


# -- 11. the timeline and the audit trail name fields in the reader's language -------------------
def test_timeline_and_audit_trail_show_field_labels_not_keys(client, users):
    from models.beneficiary import HouseholdMember
    from tests.registry_helpers import make_beneficiary

    person = make_beneficiary()
    db.session.add(HouseholdMember(beneficiary=person, name="سارة", relation="daughter", has_disability=True))
    db.session.commit()
    login(client, "admin@example.org", lang="ar")
    details = _html(client.get(f"/admin/beneficiary/details/?id={person.id}"))
    timeline = details[details.index("fa-history"):]
    assert "صلة القرابة" in timeline and "has_disability" not in timeline and "relation" not in timeline
    audit = _html(client.get("/admin/auditentry/?search=household_member"))
    audit = audit if "سارة" in audit else _html(client.get("/admin/auditentry/"))
    changes = audit[audit.index("audit-changes"):]
    assert "صلة القرابة" in changes and "الاسم" in changes
    assert "<code>relation</code>" not in changes and "<code>has_disability</code>" not in changes
    english = _html(client.get("/admin/auditentry/?lang=en"))
    assert "Relation" in english and "<code>name</code>" not in english


# -- 15. the home page says what each screen does; required fields are marked and required -------
@pytest.mark.parametrize("role, screen, action", [
    ("admin", "/admin/policy-templates", "تطبيق"), ("admin", "/admin/beneficiary-import", "استيراد"),
    ("specialist", "/admin/referral", "تسجيل البحث"),
])
def test_home_does_not_call_acting_screens_read_only(client, users, role, screen, action):
    login(client, f"{role}@example.org", lang="ar")
    home = _html(client.get("/admin/"))
    item = re.search(r'<li class="list-group-item[^"]*">\s*<a href="' + re.escape(screen) + r'/?".*?</li>', home, re.S)
    assert item, screen
    assert "اطلاع فقط" not in item.group(0) and action in item.group(0)


def test_required_fields_are_marked_and_required_in_the_browser(client, users, seeded):
    login(client, "officer@example.org")
    form = _html(client.get("/admin/beneficiary/new/"))
    for name in ("national_id", "first_name", "father_name", "family_name", "gender", "phone"):
        tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', form).group(0)
        assert re.search(r"\brequired\b", tag), name
        label = re.search(rf'<label for="{name}"[^>]*>.*?</label>', form, re.S).group(0)
        assert "*" in label or "&#42;" in label, name
    tag = re.search(r'<input[^>]*name="grandfather_name"[^>]*>', form).group(0)
    assert "required" not in tag


# -- 16. "Record research" is a clear button; the referral form asks for several mechanisms -----
def test_referral_list_has_a_record_research_button_and_referral_asks_for_mechanisms(client, users):
    from workflow import state_machine as sm

    st = f.service_type(mechanisms=["administrative_review", "field_visit", "personal_interview"])
    application = f.application(st=st, actor=users["officer"])
    db.session.commit()
    login(client, "officer@example.org")
    form = _html(client.get(f"/admin/application/transition/refer_to_specialist/?ids={application.id}"))
    assert re.search(r'<option selected value="interview">|<option value="interview" selected>', form)
    assert re.search(r'<option selected value="field_visit">|<option value="field_visit" selected>', form)
    response = client.post(f"/admin/application/transition/refer_to_specialist/?ids={application.id}", data={
        "csrf_token": csrf_token(form), "ids": str(application.id),
        "versions": f"{application.id}:{application.version}", "specialist": str(users["specialist"].id),
        "reason": "زيارة ومقابلة", "mechanisms": ["field_visit", "interview"]})
    assert response.status_code == 302
    db.session.expire_all()
    application = db.session.get(type(application), application.id)
    assert sorted(r.mechanism for r in sm.open_researches(application)) == ["field_visit", "interview"]
    client.post("/logout", data={"csrf_token": csrf_token(_html(client.get("/admin/")))})
    login(client, "specialist@example.org")
    queue = _html(client.get("/admin/referral/"))
    button = re.search(r'<a class="btn btn-primary btn-sm[^"]*record-research" href="([^"]+)">Record research</a>', queue)
    assert button and "Field visit" in queue and "Personal interview" in queue
    page = _html(client.get(html_unescape(button.group(1))))
    mechanism = re.search(r'<select[^>]*name="mechanism".*?</select>', page, re.S).group(0)
    assert "field_visit" in mechanism and "interview" in mechanism and "document_review" not in mechanism
    home = _html(client.get("/admin/"))
    assert "fa-pencil-square-o" not in queue and "Record research" in queue and home


def html_unescape(text):
    import html

    return html.unescape(text)


# -- 13. left-to-right values isolated everywhere, through the shared helpers --------------------
def test_phones_ids_emails_and_references_are_ltr_islands_in_lists_details_letters_and_public_pages(client, users):
    from models.beneficiary import Beneficiary

    st = f.service_type()
    application = f.application(st=st, actor=users["officer"])
    person = db.session.get(Beneficiary, application.beneficiary_id)
    db.session.add(OrganisationProfile(id=1, name_ar="جمعية", phone="+966146240000", email="info@example.org",
                                       licence_no="05057"))
    db.session.commit()
    ref = application.reference
    login(client, "officer@example.org", lang="ar")
    listing = _html(client.get("/admin/application/"))
    assert f'<bdi class="reference" dir="ltr">{ref}</bdi>' in listing
    details = _html(client.get(f"/admin/application/details/?id={application.id}"))
    assert f'<bdi class="reference" dir="ltr">{ref}</bdi>' in details
    people = _html(client.get("/admin/beneficiary/"))
    assert re.search(r'<bdi class="ltr-value" dir="ltr">[^<]*\d{4}</bdi>', people)  # the (masked) mobile
    edit = _html(client.get(f"/admin/beneficiary/edit/?id={person.id}"))
    for name in ("national_id", "phone", "email"):
        assert _ltr_input(edit, name), name
    public = _html(client.get("/?lang=ar"))
    assert '<bdi class="ltr-value" dir="ltr">+966146240000</bdi>' in public
    assert _ltr_input(_html(client.get("/status?lang=ar")), "reference")
    request_form = _html(client.get("/request?lang=ar"))
    assert all(_ltr_input(request_form, name) for name in ("national_id", "phone", "email"))
    client.post("/logout", data={"csrf_token": csrf_token(_html(client.get("/admin/")))})
    login(client, "admin@example.org", lang="ar")
    assert _ltr_input(_html(client.get("/admin/servicetype/new/")), "name_en")  # an English text box
    assert "bdi.reference" in client.get("/static/css/app.css").get_data(as_text=True)


def _ltr_input(page: str, name: str) -> bool:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    return bool(tag and 'dir="ltr"' in tag.group(0))


# -- 14. Arabic agrees with the noun it describes ------------------------------------------------
def test_session_status_and_presence_agree_in_arabic(client, users):
    from workflow import committee as rules

    member = users["committee"]
    session = f.session([member], present=[member], number="12")
    session.status = rules.CLOSED
    db.session.commit()
    login(client, "admin@example.org", lang="ar")
    listing = _html(client.get("/admin/committeesession/"))
    assert ">مغلقة<" in listing.replace("\n", "").replace(" ", "") and ">مغلق<" not in listing.replace(" ", "")
    details = _html(client.get(f"/admin/committeesession/details/?id={session.id}"))
    assert ">حضور</span>" in details and ">حاضر</span>" not in details  # a noun: right for a woman and a man
    english = _html(client.get(f"/admin/committeesession/?lang=en"))
    assert ">Closed<" in english.replace("\n", "").replace(" ", "") and "(session)" not in english
