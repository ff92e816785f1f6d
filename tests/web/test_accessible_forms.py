"""What a screen reader gets from a failed form (WCAG 2.1: 1.3.1, 3.3.1, 3.3.2, 4.1.2), on the public
pages and in the panel: each message has an id the field points at (aria-describedby), the field says
it is invalid, required fields are announced, and the form opens with a summary linking to the fields.
The browser suite (tests/browser/test_accessibility.py) runs axe-core on the same pages."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from extensions import db
from tests.conftest import csrf_token, login
from tests.web.public.conftest import catalogue, no_fill_delay, post_form, request_data, volunteer_data  # noqa: F401


class Elements(HTMLParser):
    """Every element with an id: its tag, attributes and text."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.all: list[dict] = []
        self._open: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.all.append(element)
        if element["attrs"].get("id"):
            self.by_id[element["attrs"]["id"]] = element
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def described_by(self, element_id: str) -> str:
        ids = self.by_id[element_id]["attrs"].get("aria-describedby", "").split()
        assert ids, f"#{element_id} has no aria-describedby"
        for i in ids:
            assert i in self.by_id, f"#{element_id} points at #{i}, which is not on the page"
        return " ".join(" ".join(self.by_id[i]["text"].split()) for i in ids)

    def summary_links(self) -> list[str]:
        assert "error-summary" in self.by_id, "no error summary"
        return [e["attrs"]["href"] for e in self.all if e["tag"] == "a" and e["attrs"].get("class") == "alert-link"]


def test_failed_volunteer_form_ties_each_message_to_its_field(client, app):
    response = post_form(client, "/volunteer?lang=en", volunteer_data(full_name="", national_id="1234567890",
                                                                      availability_days=[], consent=""))
    assert response.status_code == 400
    page = Elements(response.get_data(as_text=True))
    for field in ("full_name", "national_id", "consent"):
        assert page.by_id[field]["attrs"].get("aria-invalid") == "true", field
    assert "required" in page.described_by("full_name")
    assert page.described_by("consent") == "Please read and accept the privacy notice."
    # A group of check boxes: the fieldset and every box point at the group's message.
    assert page.described_by("availability_days") == "Choose at least one day."
    assert page.described_by("availability_days-0") == "Choose at least one day."
    # The summary at the top links to each field (a group's first box), in the form's order.
    links = page.summary_links()
    assert links == ["#full_name", "#national_id", "#availability_days-0", "#consent"]
    assert all(link[1:] in page.by_id for link in links)
    # Valid fields are not marked; required ones are announced.
    assert "aria-invalid" not in page.by_id["phone"]["attrs"]
    assert page.by_id["city"]["attrs"].get("aria-required") == "true"
    assert "aria-required" not in page.by_id["email"]["attrs"]
    assert page.by_id["main-content"]["tag"] == "main"
    assert response.get_data(as_text=True).count('class="skip-link"') == 1


def test_help_text_and_error_both_describe_the_field(client, app, catalogue):
    response = post_form(client, "/request?lang=en", request_data(catalogue, phone="12"))
    assert response.status_code == 400
    page = Elements(response.get_data(as_text=True))
    described = page.described_by("phone")
    assert "last 4 digits" in described and "mobile" in described.lower()
    assert page.summary_links() == ["#phone"]


def test_a_refused_sign_in_marks_both_fields_and_names_the_reason(client, users):
    page_html = client.get("/login?lang=en").get_data(as_text=True)
    response = client.post("/login", data={"email": users["officer"].email, "password": "not the password",
                                           "csrf_token": csrf_token(page_html)})
    assert response.status_code == 200
    page = Elements(response.get_data(as_text=True))
    assert page.by_id["password"]["attrs"].get("aria-invalid") == "true"
    assert page.by_id["email"]["attrs"].get("aria-invalid") == "true"
    assert page.described_by("password") == "Incorrect email or password."
    assert page.described_by("email") == "Incorrect email or password."
    assert page.summary_links() == ["#password"]
    assert page.by_id["email"]["attrs"].get("value") == users["officer"].email  # what was typed is kept


def test_admin_form_errors_are_tied_to_the_fields_and_summarised(app, client, users):
    from workflow.reference import load_defaults

    load_defaults()
    db.session.commit()
    login(client, users["admin"].email)
    client.get("/admin/?lang=en")
    # Required fields are announced (Flask-Admin's own required columns).
    page = Elements(client.get("/admin/channel/new/").get_data(as_text=True))
    required = [e["attrs"]["id"] for e in page.all if e["attrs"].get("aria-required") == "true"]
    assert "code" in required and "name_ar" in required
    form_html = client.get("/admin/beneficiary/new/").get_data(as_text=True)
    assert "error-summary" not in Elements(form_html).by_id
    response = client.post("/admin/beneficiary/new/", data={
        "csrf_token": csrf_token(form_html), "national_id": "1234567890", "first_name": "",
        "father_name": "محمد", "grandfather_name": "علي", "family_name": "الغامدي", "gender": "male",
        "nationality": "SA", "phone": "0551138821", "region": "riyadh", "city": "الرياض"})
    html = response.get_data(as_text=True)
    page = Elements(html)
    assert page.by_id["national_id"]["attrs"].get("aria-invalid") == "true"
    assert page.by_id["first_name"]["attrs"].get("aria-invalid") == "true"
    assert page.described_by("first_name")
    assert page.described_by("national_id")
    assert page.summary_links()[:2] == ["#national_id", "#first_name"]
    # The page title says where you are, and that something went wrong.
    title = html[html.index("<title>") + 7:html.index("</title>")]
    assert title.startswith("Error: New record - ") and "Beneficiaries" in title


def test_admin_frame_has_landmarks_labelled_search_and_an_operable_close_button(app, client, users):
    from tests import factories as f

    f.beneficiary()
    db.session.commit()
    login(client, users["officer"].email)
    html = client.get("/admin/beneficiary/?lang=en").get_data(as_text=True)
    page = Elements(html)
    assert page.by_id["main-content"]["tag"] == "main"
    assert any(e["tag"] == "header" for e in page.all) and any(e["tag"] == "nav" for e in page.all)
    search = page.by_id["list-search"]
    labels = [e for e in page.all if e["tag"] == "label" and e["attrs"].get("for") == "list-search"]
    assert search["tag"] == "input" and labels and labels[0]["text"].strip().startswith("Search")
    # A flashed message: its close button has a name and is not hidden from screen readers.
    token = csrf_token(html)
    client.post("/admin/beneficiary/action/", data={"csrf_token": token, "action": "delete", "rowid": "999999"})
    page = Elements(client.get("/admin/beneficiary/").get_data(as_text=True))
    buttons = [e for e in page.all if e["tag"] == "button" and e["attrs"].get("data-dismiss") == "alert"]
    assert buttons, "no flashed message with a close button"
    assert all(b["attrs"].get("aria-label") and "aria-hidden" not in b["attrs"] for b in buttons)


def test_dates_are_typed_in_the_browsers_own_date_inputs(app, client, users):
    """Flask-Admin's date pickers rewrote the field on every key press and were mouse-only."""
    from tests import factories as f

    b = f.beneficiary()
    db.session.commit()
    login(client, users["admin"].email)
    html = client.get(f"/admin/communication/new/?beneficiary_id={b.id}").get_data(as_text=True)
    assert 'type="datetime-local"' in html and "datetimepicker" not in html
    html = client.get("/admin/committeesession/new/").get_data(as_text=True)
    page = Elements(html)
    assert page.by_id["held_on"]["attrs"].get("type") == "date" and "datepicker" not in html
    # The browser's input holds the time to the minute, in its own format (what the older forms
    # sent, with seconds and a space, is still read: tests/web/test_reports_web.py).
    value = Elements(client.get(f"/admin/communication/new/?beneficiary_id={b.id}").get_data(as_text=True)
                     ).by_id["at"]["attrs"].get("value", "")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value), value
