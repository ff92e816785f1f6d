"""The beneficiary registry screens: beneficiaries, documents, declarations, communications.

Thin views: every rule is in workflow/registry.py, every file goes through
workflow/storage.py; these classes collect input, show problems next to the
fields and pick what each role sees (masked ID and phone for viewer/committee).
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import abort, flash, g, has_request_context, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual
from flask_admin.model.form import InlineFormAdmin
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from admin_views.audit import field_label
from admin_views.base import SecureModelView, record_id, role_in
from admin_views.branches import BranchFieldMixin, BranchFilter, branch_select_field
from admin_views.lookups import BeneficiaryLoader
from admin_views.performance import count_cap, count_selected
from extensions import db
from forms.dates import DateField
from forms.registry import (
    BeneficiaryForm,
    LazyChoicesSelectField,
    StoredFileField,
    existing_link,
    relation_choices,
    show_problems,
)
from models.application import Application, ApplicationEvent, Status
from models.audit import AuditEntry
from models.beneficiary import (
    Beneficiary,
    Communication,
    Declaration,
    DeclarationMethod,
    DeclarationText,
    Direction,
    Document,
    HouseholdMember,
)
from models.organisation import OrganisationProfile
from models.reference import Channel, DocumentType
from models.types import utcnow
from workflow.audit import record_access
from workflow.bidi import ltr
from workflow.dates import dual_date, to_local
from workflow.identity import mask_national_id
from workflow.notify import delivery_label
from workflow.phones import mask_phone
from workflow.registry import (
    DOCUMENT_STATE_LABELS,
    EXPIRING_SOON_DAYS,
    FIELDS,
    GENDER_LABELS,
    MARITAL_LABELS,
    RELATION_LABELS,
    check_declaration,
    check_document,
    check_household,
    clean_beneficiary,
    clean_household_member,
    current_declaration_text,
    declaration_text_in_use,
    deletion_problem,
    document_state,
    duplicates_of,
    missing_documents,
    nationality_label,
    next_declaration_version,
    expired_document_counts,
    name_matches,
    open_request_counts,
    record_declaration,
    region_choices,
    region_label,
    search_clause,
    searches_names_only,
)
from workflow.state_machine import EVENT_LABELS, status_label
from workflow.storage import purge_files
from workflow.branches import visible_branch_ids
from workflow.kept import FILTER_GROUPS, kept, seconds_for
from workflow.roles import ADMIN_OFFICER, ADMIN_ONLY, ALL, BENEFICIARY_READ, PRIVACY_MASKED, REPORT_ROLES, Role

CATEGORY = _l("Registry")


def masked() -> bool:
    """Viewer and committee see national IDs and phones masked, everywhere."""
    return role_in(PRIVACY_MASKED)


def shown_id(value: str | None) -> str:
    return mask_national_id(value) if masked() else (value or "")


def shown_phone(value: str | None) -> str:
    return mask_phone(value) if masked() else (value or "")


def _lang() -> str:
    try:
        return str(get_locale() or "ar")
    except Exception:
        return "ar"


def _ltr(text: str) -> Markup:
    return ltr(text)


LABELS = {
    "national_id": _l("National ID / iqama"), "first_name": _l("First name"), "father_name": _l("Father's name"),
    "grandfather_name": _l("Grandfather's name"), "family_name": _l("Family name"), "gender": _l("Gender"),
    "birth_date": _l("Birth date"), "nationality": _l("Nationality"), "phone": _l("Mobile"), "email": _l("Email"),
    "region": _l("Region"), "city": _l("City"), "district": _l("District"), "address": _l("Address"),
    "marital_status": _l("Marital status"), "monthly_income": _l("Monthly income (SAR)"), "notes": _l("Notes"),
    "full_name": _l("Full name"), "open_requests": _l("Open requests"), "created_at": _l("Registered at"),
    "updated_at": _l("Last changed"), "household": _l("Household members"), "documents": _l("Documents"),
    "name_search": _l("Name"), "document_alerts": _l("Document alerts"), "branch": _l("Branch"),
}


# --- files of deleted records ------------------------------------------------------

class PurgeFilesOnDelete:
    """Deleting a record deletes its uploaded files too (rows and bytes), after the delete commits."""

    def files_of(self, model) -> list:
        return []

    def on_model_delete(self, model):
        g.setdefault("files_to_purge", []).extend(self.files_of(model))

    def after_model_delete(self, model):
        purge_files(g.pop("files_to_purge", []))

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        purge_files(g.pop("files_to_purge", []))  # files replaced by a new upload


# --- beneficiary look-ups in forms (folded Arabic search) ------------------------

def _prefill_beneficiary(form):
    """?beneficiary_id=N on a create page (links from the beneficiary's page) pre-selects the person."""
    raw = request.args.get("beneficiary_id", "")
    if request.method == "GET" and raw.isdigit() and hasattr(form, "beneficiary"):
        # The form's own look-up decides (anonymised records and other branches are not offered).
        loader = getattr(form.beneficiary, "loader", None)
        form.beneficiary.data = loader.get_one(raw) if loader is not None else db.session.get(Beneficiary, int(raw))


# --- filters -----------------------------------------------------------------------

class ChoiceFilter(FilterEqual):
    """Equality filter whose options are built (and translated) per request."""

    def __init__(self, column, name, factory, **kwargs):
        self._factory = factory
        super().__init__(column, name, options=self._options, **kwargs)

    def _options(self):
        if not has_request_context():  # Flask-Admin builds filters once at start-up
            return [("", "")]
        return [(k, str(v)) for k, v in self._factory()]


class RefreshFilters:
    """Filters whose option lists follow the data (the cities in use, the branches) and the
    language: rebuilt when a page shows them, and kept a minute per process for each language and
    set of visible branches (FILTER_OPTIONS_CACHE_SECONDS; building them was a tenth of a list
    page). A branch saved on this server drops them at once (admin_views.branches)."""

    def _get_filter_groups(self):
        ids = visible_branch_ids()
        key = (self.endpoint, str(get_locale()), tuple(ids) if ids is not None else None)

        def build():
            self._refresh_filters_cache()
            return super(RefreshFilters, self)._get_filter_groups()

        return kept(FILTER_GROUPS, key, seconds_for("FILTER_OPTIONS_CACHE_SECONDS"), build)


class DocumentStateFilter(BaseSQLAFilter):
    """Expired / expiring soon / without a file / valid, as the officer thinks of them."""

    def __init__(self, name):
        super().__init__(Document.expiry_date, name,
                         options=lambda: [(k, str(v)) for k, v in DOCUMENT_STATE_LABELS.items()]
                         if has_request_context() else [("", "")])

    def apply(self, query, value, alias=None):
        from datetime import timedelta

        today = to_local(utcnow()).date()
        soon = today + timedelta(days=EXPIRING_SOON_DAYS)
        if value == "no_file":
            return query.filter(Document.file_id.is_(None))
        if value == "expired":
            return query.filter(Document.file_id.isnot(None), Document.expiry_date < today)
        if value == "expiring":
            return query.filter(Document.file_id.isnot(None), Document.expiry_date >= today,
                                Document.expiry_date <= soon)
        if value == "valid":
            return query.filter(Document.file_id.isnot(None),
                                or_(Document.expiry_date.is_(None), Document.expiry_date > soon))
        return query

    def operation(self):
        return _l("is")


# --- inline forms -----------------------------------------------------------------

class HouseholdInline(InlineFormAdmin):
    form_columns = ("id", "name", "relation", "birth_date", "national_id", "monthly_income", "has_disability",
                    "notes")
    form_overrides = {"relation": LazyChoicesSelectField, "national_id": StringField, "monthly_income": StringField,
                      "birth_date": DateField, "name": StringField}
    form_args = {
        "name": {"label": _l("Name")},
        "relation": {"label": _l("Relation"), "choices_factory": relation_choices},
        "birth_date": {"label": _l("Birth date"), "validators": [Optional()], "render_kw": {"type": "date"}},
        "national_id": {"label": _l("ID (optional)"), "render_kw": {"dir": "ltr", "inputmode": "numeric"}},
        "monthly_income": {"label": _l("Monthly income (SAR)")},
        "has_disability": {"label": _l("Health condition or disability")},
        "notes": {"label": _l("Notes")},
    }


class DocumentInline(InlineFormAdmin):
    form_columns = ("id", "document_type", "issue_date", "expiry_date", "upload", "notes")
    form_overrides = {"issue_date": DateField, "expiry_date": DateField}
    form_args = {
        "document_type": {"label": _l("Document type"),
                          "query_factory": lambda: db.session.scalars(
                              select(DocumentType).where(DocumentType.active).order_by(DocumentType.sort_order))},
        "issue_date": {"label": _l("Issue date"), "validators": [Optional()], "render_kw": {"type": "date"}},
        "expiry_date": {"label": _l("Expiry date"), "validators": [Optional()], "render_kw": {"type": "date"}},
        "notes": {"label": _l("Notes")},
    }
    form_extra_fields = {"upload": StoredFileField(_l("File (PDF, JPEG or PNG)"), target="file")}


# --- beneficiaries --------------------------------------------------------------------

def _open_requests(view, context, model, name):
    return getattr(model, "_open_requests", 0)


def _document_alerts(view, context, model, name):
    count = getattr(model, "_document_alerts", 0)
    if not count:
        return ""
    return Markup('<span class="badge badge-danger" data-alerts="{}">{}</span>').format(
        count, _("%(n)d expired or missing", n=count))


class BeneficiaryAdmin(BranchFieldMixin, PurgeFilesOnDelete, RefreshFilters, SecureModelView):
    roles_read = BENEFICIARY_READ
    roles_create = roles_edit = roles_delete = ADMIN_OFFICER
    roles_export = REPORT_ROLES
    audit_reads = True

    details_template = "admin/registry/beneficiary_details.html"
    column_list = ("full_name", "national_id", "phone", "city", "open_requests", "document_alerts", "created_at")
    column_sortable_list = (("full_name", "name_search"), "city", "created_at")
    # Newest registered first. Ids are given in the order people are registered (created_at is
    # never edited), so this is the registration order, and the name search's page is read from
    # the matching ids' own order instead of sorting every match by date (Django's admin: -pk).
    column_default_sort = ("id", True)
    column_searchable_list = ("name_search",)
    column_details_list = FIELDS + ("branch", "created_at", "updated_at")
    column_export_list = FIELDS[:-1] + ("branch", "open_requests", "created_at")
    column_labels = LABELS
    inline_models = (HouseholdInline(HouseholdMember), DocumentInline(Document))
    form_columns = FIELDS

    @property
    def column_filters(self):  # built on first use: options are translated per request
        return [
            ChoiceFilter(Beneficiary.region, _l("Region"), region_choices),
            ChoiceFilter(Beneficiary.city, _l("City"), lambda: [(city, city) for city in _cities_in_use()]),
            BranchFilter(Beneficiary.branch_id, _l("Branch")),
            ChoiceFilter(Beneficiary.gender, _l("Gender"), lambda: list(GENDER_LABELS.items())),
            ChoiceFilter(Beneficiary.nationality, _l("Nationality"),
                         lambda: [(code, nationality_label(code, _lang())) for code in _nationalities_in_use()]),
            "created_at",
        ]

    @column_filters.setter
    def column_filters(self, value):
        pass

    def _fmt(self, name, value):
        if name == "national_id":
            return _ltr(shown_id(value))
        if name == "phone":
            return _ltr(shown_phone(value))
        return value

    @property
    def column_formatters(self):
        # Read for every cell of a list: built once (each formatter looks at the role when it runs).
        if getattr(self, "_formatters", None) is None:
            self._formatters = self._build_formatters()
        return self._formatters

    def _build_formatters(self):
        return {
            "full_name": lambda v, c, m, n: m.full_name,
            "national_id": lambda v, c, m, n: _ltr(shown_id(m.national_id)),
            "phone": lambda v, c, m, n: _ltr(shown_phone(m.phone)),
            "open_requests": _open_requests,
            "document_alerts": _document_alerts,
            "created_at": lambda v, c, m, n: dual_date(m.created_at),
            "updated_at": lambda v, c, m, n: dual_date(m.updated_at, with_time=True),
            "birth_date": lambda v, c, m, n: dual_date(m.birth_date),
            "gender": lambda v, c, m, n: str(GENDER_LABELS.get(m.gender, m.gender)),
            "marital_status": lambda v, c, m, n: str(MARITAL_LABELS.get(m.marital_status, m.marital_status or "")),
            "region": lambda v, c, m, n: region_label(m.region),
            "nationality": lambda v, c, m, n: nationality_label(m.nationality, _lang()),
        }

    @column_formatters.setter
    def column_formatters(self, value):
        pass

    @property
    def column_formatters_detail(self):
        return self.column_formatters

    @column_formatters_detail.setter
    def column_formatters_detail(self, value):
        pass

    @property
    def column_formatters_export(self):
        return {
            "national_id": lambda v, c, m, n: shown_id(m.national_id),
            "phone": lambda v, c, m, n: shown_phone(m.phone),
            "open_requests": _open_requests,
            "created_at": lambda v, c, m, n: m.created_at.isoformat() if m.created_at else "",
            "birth_date": lambda v, c, m, n: m.birth_date.isoformat() if m.birth_date else "",
            "gender": lambda v, c, m, n: str(GENDER_LABELS.get(m.gender, m.gender)),
            "marital_status": lambda v, c, m, n: str(MARITAL_LABELS.get(m.marital_status, m.marital_status or "")),
            "region": lambda v, c, m, n: region_label(m.region),
            "monthly_income": lambda v, c, m, n: "" if m.monthly_income is None else str(m.monthly_income),
        }

    @column_formatters_export.setter
    def column_formatters_export(self, value):
        pass

    # -- list: search and counts ----------------------------------------------
    def search_placeholder(self):
        return _("Name, national ID or mobile")

    def _apply_search(self, query, count_query, joins, count_joins, search):
        clause = search_clause(search)
        if clause is None:
            return query, count_query, joins, count_joins
        query = query.filter(clause)
        if count_query is not None:
            count_query = count_query.filter(clause)
        return query, count_query, joins, count_joins

    def indexed_count(self, search, filters, page, page_size):
        # A name search of the whole registry is counted on the name-word index alone: reading
        # each matching beneficiary's row only to count it cost more than the page itself.
        if not search or filters or visible_branch_ids() is not None or not searches_names_only(search):
            return None
        return count_selected(db.session, name_matches(search), page, page_size, count_cap())

    def annotate_rows(self, rows) -> None:
        ids = [r.id for r in rows]
        counts = open_request_counts(ids)  # one grouped query per page
        alerts = expired_document_counts(ids)  # and one more
        for row in rows:
            row._open_requests = counts.get(row.id, 0)
            row._document_alerts = alerts.get(row.id, 0)

    def get_one(self, id):
        record = super().get_one(id)
        if record is not None:
            record._open_requests = open_request_counts([record.id]).get(record.id, 0)
        return record

    # -- form -------------------------------------------------------------------
    def scaffold_form(self):
        form_class = type("BeneficiaryEditForm", (BeneficiaryForm,), {"branch": branch_select_field()})
        return self.scaffold_inline_form_models(form_class)

    def _with_current_files(self, form):
        documents = getattr(form, "documents", None)
        if documents is not None:
            for entry in documents.entries:
                entry.form.upload.populate_current(entry.object_data)
        return form

    def create_form(self, obj=None):
        return self._with_current_files(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._with_current_files(super().edit_form(obj))

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method != "POST" or not hasattr(form, "first_name"):
            return valid
        current_id = record_id(request.args.get("id")) if request.endpoint.endswith("edit_view") else None
        raw = {name: getattr(form, name).data for name in FIELDS}
        for name in ("birth_date",):
            field = getattr(form, name)
            if field.errors:  # wtforms already said it is not a date
                raw[name] = None
        raw["monthly_income"] = form.monthly_income.raw_data[0] if form.monthly_income.raw_data else ""
        cleaned = clean_beneficiary(raw, current_id=current_id)
        show_problems(form, cleaned.problems, link_for=existing_link)
        ok = valid and cleaned.ok
        ok = self._validate_household(form, cleaned.values) and ok
        ok = self._validate_documents(form) and ok
        if ok:
            for name in FIELDS:
                getattr(form, name).data = cleaned.values[name]
        return ok

    def _validate_household(self, form, values) -> bool:
        household = getattr(form, "household", None)
        if household is None:
            return True
        ok = True
        relations = []
        for entry in household.entries:
            if household.should_delete(entry):
                continue
            sub = entry.form
            raw = {name: getattr(sub, name).data for name in ("name", "relation", "birth_date", "national_id",
                                                                "has_disability", "notes")}
            raw["monthly_income"] = sub.monthly_income.raw_data[0] if sub.monthly_income.raw_data else ""
            if sub.birth_date.errors:
                raw["birth_date"] = None
            birth = values.get("birth_date") if not isinstance(values.get("birth_date"), str) else None
            cleaned = clean_household_member(raw, beneficiary_birth=birth,
                                             beneficiary_id_number=values.get("national_id"))
            show_problems(sub, cleaned.problems)
            if cleaned.ok:
                for name, value in cleaned.values.items():
                    if hasattr(sub, name):
                        getattr(sub, name).data = value
                relations.append(cleaned.values["relation"])
            else:
                ok = False
        for problem in check_household(relations):
            flash(str(problem), "error")
            ok = False
        return ok

    def _validate_documents(self, form) -> bool:
        documents = getattr(form, "documents", None)
        if documents is None:
            return True
        ok = True
        for entry in documents.entries:
            if documents.should_delete(entry):
                continue
            sub = entry.form
            problems = check_document(sub.document_type.data, sub.issue_date.data, sub.expiry_date.data)
            if not sub.upload.has_file and not sub.upload.errors:
                sub.upload.errors = list(sub.upload.errors or []) + [_("Choose a file to upload.")]
                ok = False
            show_problems(sub, problems)
            ok = ok and not problems and not sub.upload.errors
        return ok

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.created_by_id = current_user.id
        model.refresh_search_name()

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        warn_duplicates(model)

    def files_of(self, model):
        return [d.file for d in model.documents] + [d.scan_file for d in model.declarations]

    def on_model_delete(self, model):
        problem = deletion_problem(model)
        if problem:
            raise ValidationError(str(problem))  # Flask-Admin shows it and deletes nothing
        super().on_model_delete(model)

    # -- details ----------------------------------------------------------------
    def details_extras(self, model: Beneficiary) -> dict:
        # The newest entries first; "Show older entries" asks for the long timeline.
        whole = request.args.get("timeline") == "all"
        return beneficiary_overview(model, TIMELINE_LONG if whole else TIMELINE_LENGTH)

    @expose("/<int:beneficiary_id>/declaration.print")
    def declaration_print(self, beneficiary_id: int):
        if not role_in(ADMIN_OFFICER):
            abort(403)
        beneficiary = self.get_one(str(beneficiary_id))  # branch scope applies
        if beneficiary is None:
            abort(404)
        record_access("print", "beneficiary", beneficiary.id, "declaration form")
        profile = db.session.get(OrganisationProfile, 1)
        text = current_declaration_text()
        return self.render("admin/registry/declaration_print.html", beneficiary=beneficiary, profile=profile,
                           text=text, today=to_local(utcnow()), gender_labels=GENDER_LABELS,
                           nationality=nationality_label(beneficiary.nationality, _lang()),
                           region=region_label(beneficiary.region))


def _nationalities_in_use() -> list[str]:
    """The nationality filter's options: the few codes in use, found by hopping along the index.

    SELECT DISTINCT read all 100,000 index entries on PostgreSQL (13 ms on every list page);
    this recursive query asks the index for "the next code after the last one" a dozen times.
    """
    return _values_in_use(Beneficiary.nationality)


def _cities_in_use() -> list[str]:
    """The city filter's options: the cities as stored (an equality on the indexed column;
    the old "contains" filter read every row)."""
    return [city for city in _values_in_use(Beneficiary.city) if city]


_VALUES_IN_USE: dict = {}


def _values_in_use(code) -> list[str]:
    """The distinct values of an indexed column, one index probe per value. The statement is
    built once per column (building the recursive query cost more than running it)."""
    statement = _VALUES_IN_USE.get(code.key)
    if statement is None:
        codes = select(func.min(code).label("code")).cte("codes", recursive=True)
        following = select(select(func.min(code)).where(code > codes.c.code).scalar_subquery().label("code")) \
            .where(codes.c.code.is_not(None))
        codes = codes.union_all(following)
        statement = _VALUES_IN_USE[code.key] = select(codes.c.code).where(codes.c.code.is_not(None)) \
            .order_by(codes.c.code)
    return list(db.session.scalars(statement))


def warn_duplicates(model: Beneficiary) -> None:
    """The 'possible duplicate' warning after a save (never merges anything)."""
    dupes = duplicates_of(model)
    if not dupes:
        return
    links = Markup(", ").join(
        Markup('<a href="{}" class="alert-link">{}</a> ({})').format(
            url_for("beneficiary.details_view", id=d.beneficiary.id), d.beneficiary.full_name,
            "، ".join(str(r) for r in d.reasons) if _lang() == "ar" else ", ".join(str(r) for r in d.reasons))
        for d in dupes)
    flash(Markup("{} {}").format(_("Possible duplicate: please check these records."), links), "warning")


TIMELINE_LENGTH = 100  # newest entries shown on a beneficiary's page
TIMELINE_LONG = 1000  # with "Show older entries"


def beneficiary_overview(model: Beneficiary, limit: int = TIMELINE_LENGTH) -> dict:
    """Everything the details page shows besides the fields: duplicates, flags, household, timeline."""
    today = to_local(utcnow()).date()
    hide = masked()
    documents = [{"doc": d, "state": document_state(d, today),
                  "state_label": DOCUMENT_STATE_LABELS[document_state(d, today)]} for d in model.documents]
    household = [{"member": m, "relation": RELATION_LABELS.get(m.relation, m.relation),
                  "national_id": (mask_national_id(m.national_id) if hide else m.national_id) or ""}
                 for m in model.household]
    timeline = []
    for item in documents:
        d = item["doc"]
        timeline.append({"at": d.created_at, "kind": "document", "icon": "fa-file",
                         "title": str(d.document_type), "detail": str(item["state_label"]),
                         "url": url_for("storedfile.download", file_id=d.file_id) if d.file_id else ""})
    for dec in model.declarations:
        how = _("in person (signed paper)") if dec.method == DeclarationMethod.IN_PERSON else _("online")
        timeline.append({"at": dec.signed_at, "kind": "declaration", "icon": "fa-pencil",
                         "title": _("Declaration signed %(how)s", how=how),
                         "detail": _("text version %(v)s", v=dec.text.version if dec.text else "?"),
                         "url": url_for("storedfile.download", file_id=dec.scan_file_id) if dec.scan_file_id else ""})
    for comm in model.communications:
        direction = _("Incoming") if comm.direction == Direction.INCOMING else _("Outgoing")
        timeline.append({"at": comm.at, "kind": "communication", "icon": "fa-comments",
                         "title": f"{direction}: {comm.subject}",
                         "detail": " · ".join(x for x in (str(comm.channel or ""), comm.staff.full_name if comm.staff else "",
                                                          delivery_label(comm.delivery) if comm.delivery else "",
                                                          comm.summary[:200]) if x),
                         "url": url_for("communication.details_view", id=comm.id)})
    # The newest `limit` events are all the timeline can show, however many requests there were
    # (one more tells whether older entries exist).
    # Specialists open only the requests assigned to them (the request list's scope).
    specialist_id = current_user.id if role_in({Role.SPECIALIST}) else None
    arrow = "←" if _lang().startswith("ar") else "→"  # from → to, read in the page's direction
    events = db.session.execute(
        select(ApplicationEvent, Application.reference, Application.assigned_specialist_id).join(Application)
        .where(Application.beneficiary_id == model.id)
        .order_by(ApplicationEvent.at.desc(), ApplicationEvent.id.desc()).limit(limit + 1)).all()
    # Up to `limit` rows: translate each label and build the link once, not per row.
    steps = {name: str(label) for name, label in EVENT_LABELS.items()}
    statuses = {name: status_label(name) for name in Status.ALL}
    request_page = url_for("application.details_view")
    for event, reference, assigned_to in events:
        can_open = specialist_id is None or assigned_to == specialist_id
        moved = (f"{statuses.get(event.from_status, event.from_status) if event.from_status else '—'} {arrow} "
                 f"{statuses.get(event.to_status, event.to_status)}")
        timeline.append({"at": event.at, "kind": "request", "icon": "fa-inbox",
                         "title": f"{reference}: {steps.get(event.action, event.action)}",
                         "detail": moved + (f" · {event.note}" if event.note else ""),
                         "url": f"{request_page}?{urlencode({'id': event.application_id})}" if can_open else ""})
    member_ids = [str(m.id) for m in model.household]
    audit_rows = db.session.scalars(
        select(AuditEntry).where(or_(
            and_(AuditEntry.table_name == "beneficiary", AuditEntry.record_id == str(model.id)),
            and_(AuditEntry.table_name == "household_member", AuditEntry.record_id.in_(member_ids or ["-"]))),
            AuditEntry.action.in_(("create", "update", "delete")))
        .order_by(AuditEntry.id.desc()).limit(limit + 1)).all()
    for entry in audit_rows:
        timeline.append({"at": entry.at, "kind": "change", "icon": "fa-history",
                         "title": _("%(who)s: %(action)s", who=entry.actor,
                                    action=str(_AUDIT_ACTIONS.get(entry.action, entry.action))),
                         "changes": _change_lines(entry, hide), "url": ""})
    timeline.sort(key=lambda item: item["at"] or datetime.min, reverse=True)
    return {
        "duplicates": duplicates_of(model),
        "documents": documents,
        "missing": missing_documents(model, today),
        "household": household,
        "timeline": timeline[:limit],
        "timeline_more": len(timeline) > limit,
        "can_edit": role_in(ADMIN_OFFICER),
        "masked": hide,
        **_messages_extra(model),
    }


def _messages_extra(model) -> dict:
    """The messages sent to this person and their preferences (admin_views/outbox.py)."""
    from admin_views.outbox import CHANNEL_LABELS, STATE_LABELS, messages_of, preferences_form

    editable = role_in(ADMIN_OFFICER)
    return {"messages": messages_of(model) if editable else [], "message_states": STATE_LABELS,
            "message_channels": CHANNEL_LABELS, "preferences": preferences_form(model) if editable else None}


_AUDIT_ACTIONS = {"create": _l("created"), "update": _l("changed"), "delete": _l("deleted")}
_SENSITIVE = {"national_id", "phone"}
_HIDDEN_IN_CHANGES = {"name_search", "updated_at", "created_at", "id", "beneficiary_id", "created_by_id",
                      "anonymised_at"}


def _readable(key: str, value):
    """Codes in the audit trail shown as people read them (male -> Male, riyadh -> Riyadh)."""
    if value in (None, ""):
        return value
    if key == "gender":
        return str(GENDER_LABELS.get(value, value))
    if key == "marital_status":
        return str(MARITAL_LABELS.get(value, value))
    if key == "region":
        return region_label(value)
    if key == "nationality":
        return nationality_label(value, _lang())
    if key == "relation":
        return str(RELATION_LABELS.get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def _change_lines(entry: AuditEntry, hide: bool) -> list[tuple]:
    """[(field label, before or None, after)] for the timeline."""
    lines = []
    for key, value in (entry.changes or {}).items():
        if key in _HIDDEN_IN_CHANGES:
            continue
        label = str(LABELS.get(key) or field_label(entry.table_name, key))
        if isinstance(value, list) and len(value) == 2:
            before, after = value
        else:
            before, after = None, value
        if hide and key in _SENSITIVE:
            mask = mask_phone if key == "phone" else mask_national_id
            before, after = (mask(before) if before else before), (mask(after) if after else after)
        before, after = _readable(key, before), _readable(key, after)
        if entry.action == "update":
            lines.append((label, "—" if before in (None, "") else str(before), "—" if after in (None, "") else str(after)))
        elif after not in (None, "", False, _("No")):
            lines.append((label, None, str(after)))
    return lines


# --- documents ------------------------------------------------------------------------

class DocumentAdmin(PurgeFilesOnDelete, RefreshFilters, SecureModelView):
    roles_read = BENEFICIARY_READ
    roles_create = roles_edit = roles_delete = ADMIN_OFFICER
    roles_export = REPORT_ROLES
    audit_reads = True

    column_list = ("beneficiary", "document_type", "issue_date", "expiry_date", "state", "file", "created_at")
    column_export_list = ("beneficiary", "document_type", "issue_date", "expiry_date", "state", "created_at")
    column_sortable_list = ("issue_date", "expiry_date", "created_at")
    column_default_sort = ("created_at", True)
    form_columns = ("beneficiary", "document_type", "issue_date", "expiry_date", "upload", "notes")
    form_ajax_refs = {"beneficiary": BeneficiaryLoader("beneficiary")}
    form_overrides = {"issue_date": DateField, "expiry_date": DateField}
    form_extra_fields = {"upload": StoredFileField(_l("File (PDF, JPEG or PNG)"), target="file")}
    column_labels = {
        "beneficiary": _l("Beneficiary"), "document_type": _l("Document type"), "issue_date": _l("Issue date"),
        "expiry_date": _l("Expiry date"), "state": _l("State"), "file": _l("File"), "created_at": _l("Added at"),
        "notes": _l("Notes"), "upload": _l("File (PDF, JPEG or PNG)"), "verified_at": _l("Verified at"),
        "verified_by": _l("Verified by"), "application": _l("Request"),
    }
    column_details_list = ("beneficiary", "document_type", "issue_date", "expiry_date", "state", "file", "notes",
                           "created_at")

    @property
    def form_args(self):
        return {
            "document_type": {"query_factory": lambda: db.session.scalars(
                select(DocumentType).where(DocumentType.active).order_by(DocumentType.sort_order)).all()},
            "issue_date": {"validators": [Optional()], "render_kw": {"type": "date"}},
            "expiry_date": {"validators": [Optional()], "render_kw": {"type": "date"}},
        }

    @form_args.setter
    def form_args(self, value):
        pass

    @property
    def column_filters(self):
        return [DocumentStateFilter(_l("State")), "document_type", "expiry_date", "created_at"]

    @column_filters.setter
    def column_filters(self, value):
        pass

    column_formatters = {
        "beneficiary": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            url_for("beneficiary.details_view", id=m.beneficiary_id), m.beneficiary.full_name),
        "state": lambda v, c, m, n: _state_badge(m),
        "file": lambda v, c, m, n: _file_link(m.file),
        "issue_date": lambda v, c, m, n: dual_date(m.issue_date),
        "expiry_date": lambda v, c, m, n: dual_date(m.expiry_date),
        "created_at": lambda v, c, m, n: dual_date(m.created_at),
    }
    column_formatters_export = {
        "beneficiary": lambda v, c, m, n: m.beneficiary.full_name,
        "document_type": lambda v, c, m, n: str(m.document_type),
        "state": lambda v, c, m, n: str(DOCUMENT_STATE_LABELS[document_state(m)]),
        "issue_date": lambda v, c, m, n: m.issue_date.isoformat() if m.issue_date else "",
        "expiry_date": lambda v, c, m, n: m.expiry_date.isoformat() if m.expiry_date else "",
        "created_at": lambda v, c, m, n: m.created_at.isoformat() if m.created_at else "",
    }

    def files_of(self, model):
        return [model.file]

    def get_query(self):
        return super().get_query().options(joinedload(Document.beneficiary))

    def create_form(self, obj=None):
        form = super().create_form(obj)
        _prefill_beneficiary(form)
        form.upload.required = True
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.upload.populate_current(obj)
        form.upload.required = True
        return form

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method != "POST" or not hasattr(form, "document_type"):
            return valid
        problems = check_document(form.document_type.data, form.issue_date.data, form.expiry_date.data)
        if form.beneficiary.data is None:
            form.beneficiary.errors = list(form.beneficiary.errors or []) + [_("Choose the beneficiary.")]
            valid = False
        show_problems(form, problems)
        return valid and not problems

    def get_save_return_url(self, model, is_created=False):
        if request.args.get("beneficiary_id"):
            return url_for("beneficiary.details_view", id=model.beneficiary_id)
        return super().get_save_return_url(model, is_created)


def _state_badge(document: Document) -> Markup:
    state = document_state(document)
    css = {"expired": "danger", "expiring": "warning", "no_file": "secondary", "valid": "success"}[state]
    return Markup('<span class="badge badge-{}" data-state="{}">{}</span>').format(css, state,
                                                                               DOCUMENT_STATE_LABELS[state])


def _file_link(stored) -> Markup | str:
    if stored is None:
        return ""
    link = Markup('<a href="{}"><bdi>{}</bdi></a>').format(url_for("storedfile.download", file_id=stored.id),
                                                           stored.original_name)
    if role_in(BENEFICIARY_READ) and stored.mime in ("application/pdf", "image/jpeg", "image/png"):
        link += Markup(' <a class="small" href="{}" target="_blank" rel="noopener">({})</a>').format(
            url_for("storedfile.download", file_id=stored.id, inline=1), _l("preview"))
    return link


# --- declarations ---------------------------------------------------------------------

class DeclarationTextAdmin(SecureModelView):
    """The versioned wording: a text already signed is never changed, a new version is added."""

    roles_read = ALL
    roles_create = ADMIN_ONLY
    roles_edit = ADMIN_ONLY
    roles_delete = frozenset()
    roles_export = frozenset()

    column_list = ("version", "text_ar", "created_at")
    column_default_sort = ("version", True)
    form_columns = ("text_ar", "text_en")
    column_labels = {"version": _l("Version"), "text_ar": _l("Text (Arabic)"), "text_en": _l("Text (English)"),
                     "created_at": _l("Added at")}
    column_formatters = {
        "text_ar": lambda v, c, m, n: (m.text_ar[:160] + "…") if len(m.text_ar) > 160 else m.text_ar,
        "created_at": lambda v, c, m, n: dual_date(m.created_at),
    }
    column_formatters_detail = {"created_at": lambda v, c, m, n: dual_date(m.created_at)}

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method == "POST" and hasattr(form, "text_ar"):
            if not (form.text_ar.data or "").strip():
                form.text_ar.errors = list(form.text_ar.errors or []) + [_("The Arabic text is required.")]
                valid = False
            if request.endpoint.endswith("edit_view"):
                text = db.session.get(DeclarationText, record_id(request.args.get("id")) or 0)
                if text is not None and declaration_text_in_use(text):
                    form.text_ar.errors = list(form.text_ar.errors or []) + [
                        _("This version has been signed already; add a new version instead.")]
                    valid = False
        return valid

    def on_model_change(self, form, model, is_created):
        if is_created:
            with db.session.no_autoflush:  # the new row is already in the session, without its number
                model.version = next_declaration_version()


class DeclarationAdmin(PurgeFilesOnDelete, SecureModelView):
    roles_read = BENEFICIARY_READ
    roles_create = ADMIN_OFFICER
    roles_edit = frozenset()  # a signed statement is not edited; record a new one
    roles_delete = ADMIN_ONLY
    roles_export = REPORT_ROLES
    audit_reads = True

    column_list = ("beneficiary", "method", "signed_at", "text", "signed_name", "scan_file", "recorded_by")
    column_default_sort = ("signed_at", True)
    column_filters = ("method", "signed_at")
    form_columns = ("beneficiary", "method", "scan", "signed_name", "agreed")
    form_ajax_refs = {"beneficiary": BeneficiaryLoader("beneficiary")}
    form_overrides = {"method": SelectField}
    form_extra_fields = {
        "scan": StoredFileField(_l("Scan of the signed paper (in person)"), target="scan_file"),
        "agreed": BooleanField(_l("The beneficiary ticked “I accept the declaration” (online)")),
    }
    column_labels = {
        "beneficiary": _l("Beneficiary"), "method": _l("How it was signed"), "signed_at": _l("Signed at"),
        "text": _l("Text version"), "signed_name": _l("Typed name (online)"), "scan_file": _l("Signed scan"),
        "recorded_by": _l("Recorded by"), "ip_address": _l("IP address"), "scan": _l("Signed scan"),
        "agreed": _l("Accepted"),
    }
    column_details_list = ("beneficiary", "method", "signed_at", "text", "signed_name", "ip_address", "scan_file",
                           "recorded_by")
    column_export_list = ("beneficiary", "method", "signed_at", "text", "signed_name", "recorded_by")
    column_formatters = {
        "beneficiary": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            url_for("beneficiary.details_view", id=m.beneficiary_id), m.beneficiary.full_name),
        "method": lambda v, c, m, n: _method_label(m.method),
        "signed_at": lambda v, c, m, n: dual_date(m.signed_at, with_time=True),
        "scan_file": lambda v, c, m, n: _file_link(m.scan_file),
        "recorded_by": lambda v, c, m, n: m.recorded_by.full_name if m.recorded_by else "",
    }
    column_formatters_export = {
        "beneficiary": lambda v, c, m, n: m.beneficiary.full_name,
        "method": lambda v, c, m, n: _method_label(m.method),
        "signed_at": lambda v, c, m, n: m.signed_at.isoformat(),
        "text": lambda v, c, m, n: str(m.text),
        "recorded_by": lambda v, c, m, n: m.recorded_by.full_name if m.recorded_by else "",
    }

    def files_of(self, model):
        return [model.scan_file]

    def get_query(self):
        return super().get_query().options(joinedload(Declaration.beneficiary), joinedload(Declaration.recorded_by),
                                           joinedload(Declaration.scan_file))

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.method.choices = [(DeclarationMethod.IN_PERSON, _("In person, on paper (upload the signed scan)")),
                               (DeclarationMethod.ONLINE, _("Online (typed full name and consent)"))]
        _prefill_beneficiary(form)
        return form

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method != "POST" or not hasattr(form, "method"):
            return valid
        problems = check_declaration(form.beneficiary.data, form.method.data, has_scan=form.scan.has_file,
                                     signed_name=form.signed_name.data or "", agreed=bool(form.agreed.data))
        show_problems(form, problems, field_map={"scan": "scan", "beneficiary": "beneficiary"})
        return valid and not problems

    def on_model_change(self, form, model, is_created):
        with db.session.no_autoflush:  # the new row is in the session already, not yet complete
            self._record(form, model)

    def _record(self, form, model):
        record_declaration(model.beneficiary, model.method, actor=current_user, scan=model.scan_file,
                           signed_name=form.signed_name.data or "", agreed=bool(form.agreed.data),
                           ip_address=request.remote_addr or "", declaration=model)

    def get_save_return_url(self, model, is_created=False):
        if request.args.get("beneficiary_id"):
            return url_for("beneficiary.details_view", id=model.beneficiary_id)
        return super().get_save_return_url(model, is_created)


def _method_label(method: str) -> str:
    return _("In person") if method == DeclarationMethod.IN_PERSON else _("Online")


# --- communications -------------------------------------------------------------------

class CommunicationAdmin(BranchFieldMixin, RefreshFilters, SecureModelView):
    roles_read = BENEFICIARY_READ
    roles_create = roles_edit = roles_delete = ADMIN_OFFICER
    roles_export = REPORT_ROLES
    audit_reads = True

    column_list = ("at", "beneficiary", "channel", "direction", "subject", "staff", "follow_up_on")
    column_default_sort = ("at", True)
    column_searchable_list = ("subject", "summary")
    form_columns = ("beneficiary", "channel", "direction", "subject", "summary", "at", "follow_up_on",
                    "follow_up_done")
    form_ajax_refs = {"beneficiary": BeneficiaryLoader("beneficiary")}
    form_overrides = {"direction": SelectField, "follow_up_on": DateField}
    column_labels = {
        "at": _l("Time"), "beneficiary": _l("Beneficiary"), "channel": _l("Channel"), "direction": _l("Direction"),
        "subject": _l("Subject"), "summary": _l("Summary"), "staff": _l("Staff member"),
        "follow_up_on": _l("Follow up on"), "follow_up_done": _l("Follow-up done"), "delivery": _l("Delivery"),
        "application": _l("Request"),
    }
    column_details_list = ("at", "beneficiary", "channel", "direction", "subject", "summary", "staff",
                           "follow_up_on", "follow_up_done", "delivery")
    column_export_list = ("at", "beneficiary", "channel", "direction", "subject", "summary", "staff",
                          "follow_up_on", "follow_up_done")

    @property
    def column_filters(self):
        return ["channel", ChoiceFilter(Communication.direction, _l("Direction"), _direction_choices),
                BranchFilter(Communication.branch_id, _l("Branch")), "at", "follow_up_on", "follow_up_done"]

    @column_filters.setter
    def column_filters(self, value):
        pass

    @property
    def form_args(self):
        return {
            "channel": {"query_factory": lambda: db.session.scalars(
                select(Channel).where(Channel.active).order_by(Channel.sort_order)).all()},
            "subject": {"validators": []},
            "follow_up_on": {"validators": [Optional()], "render_kw": {"type": "date"}},
        }

    @form_args.setter
    def form_args(self, value):
        pass

    column_formatters = {
        "at": lambda v, c, m, n: dual_date(m.at, with_time=True),
        "beneficiary": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            url_for("beneficiary.details_view", id=m.beneficiary_id), m.beneficiary.full_name) if m.beneficiary
        else _contact_of(m),
        "direction": lambda v, c, m, n: dict(_direction_choices()).get(m.direction, m.direction),
        "staff": lambda v, c, m, n: m.staff.full_name if m.staff else "",
        "follow_up_on": lambda v, c, m, n: dual_date(m.follow_up_on),
        "delivery": lambda v, c, m, n: delivery_label(m.delivery),
    }
    column_formatters_export = {
        "at": lambda v, c, m, n: m.at.isoformat(),
        "beneficiary": lambda v, c, m, n: m.beneficiary.full_name if m.beneficiary else _contact_of(m),
        "channel": lambda v, c, m, n: str(m.channel or ""),
        "direction": lambda v, c, m, n: str(dict(_direction_choices()).get(m.direction, m.direction)),
        "staff": lambda v, c, m, n: m.staff.full_name if m.staff else "",
        "follow_up_on": lambda v, c, m, n: m.follow_up_on.isoformat() if m.follow_up_on else "",
    }

    def get_query(self):
        return super().get_query().options(joinedload(Communication.beneficiary))

    def _choices(self, form):
        form.direction.choices = [(k, str(v)) for k, v in _direction_choices()]
        return form

    def create_form(self, obj=None):
        form = self._choices(super().create_form(obj))
        if request.method == "GET":  # now, shown in local time by the field (forms/dates.py)
            form.at.data = utcnow().replace(second=0, microsecond=0)
        _prefill_beneficiary(form)
        return form

    def edit_form(self, obj=None):
        form = self._choices(super().edit_form(obj))
        return form

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method != "POST" or not hasattr(form, "subject"):
            return valid
        if form.beneficiary.data is None:
            form.beneficiary.errors = list(form.beneficiary.errors or []) + [_("Choose the beneficiary.")]
            valid = False
        if not (form.subject.data or "").strip():
            form.subject.errors = list(form.subject.errors or []) + [_("Write a short subject.")]
            valid = False
        if form.direction.data not in Direction.ALL:
            form.direction.errors = list(form.direction.errors or []) + [_("Choose incoming or outgoing.")]
            valid = False
        return valid

    def on_model_change(self, form, model, is_created):
        if is_created and model.staff_id is None:
            model.staff_id = current_user.id
        if is_created and model.branch_id is None and model.beneficiary is not None and visible_branch_ids() is None:
            model.branch = model.beneficiary.branch  # head office recording a branch beneficiary's contact
        if model.at is None:
            model.at = utcnow()
        elif model.at.tzinfo is None:  # typed in local time
            from workflow.dates import local_zone

            model.at = model.at.replace(tzinfo=local_zone())

    def get_save_return_url(self, model, is_created=False):
        if request.args.get("beneficiary_id"):
            return url_for("beneficiary.details_view", id=model.beneficiary_id)
        return super().get_save_return_url(model, is_created)


def _contact_of(communication) -> str:
    """A contact about a group's or an organisation's request: that applicant's name."""
    from models.application import Application

    application = db.session.get(Application, communication.application_id) if communication.application_id else None
    return application.applicant if application is not None else ""


def _direction_choices():
    return [(Direction.INCOMING, _l("Incoming")), (Direction.OUTGOING, _l("Outgoing"))]
