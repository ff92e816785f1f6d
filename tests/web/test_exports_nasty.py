"""Exports never fail and never carry a formula (issue 12, findings 5 and 6): every export endpoint,
CSV and XLSX, over rows whose text holds every troublesome character."""
from __future__ import annotations

import csv
import io
import logging
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook

from extensions import db
from tests.conftest import login

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def nasty_values(dialect: str) -> list[str]:
    """Cells starting with each formula trigger, carrying control characters (NUL only where the
    database can store it: PostgreSQL text cannot) and a right-to-left override."""
    controls = ("\x00" if dialect == "sqlite" else "") + "\x01\x1b\u202e"
    return [f"=cmd|' /C calc'!A0{controls}", f"+966{controls}1", f"-1+1{controls}", f"@SUM(A1){controls}",
            f"\t=1+1{controls}", f"\r=1+1{controls}"]


@pytest.fixture
def nasty_rows(app, users):
    from models.beneficiary import Communication
    from models.committee import CommitteeSession
    from models.privacy import BreachIncident, PrivacyRequest
    from models.reference import Channel, DocumentType, StaffTool
    from models.survey import SurveyQuestion
    from models.volunteer import Volunteer, VolunteerField
    from tests import factories

    values = nasty_values(db.engine.dialect.name)
    v = iter(values * 20)
    channel = Channel(code="nasty", name_ar=next(v), name_en=next(v))
    service = factories.service_type(name=next(v))
    service.name_en = next(v)
    person = factories.beneficiary(first_name=next(v), father_name=next(v), family_name=next(v), city=next(v),
                                   address=next(v), district=next(v))
    factories.sign(person)
    from workflow.applications import receive_application

    receive_application(person, service, channel, description=next(v), notes=next(v))
    factories.document(person, factories.document_type(code="nasty", name=next(v)))
    db.session.add_all([
        Communication(beneficiary=person, channel=channel, direction="incoming", subject=next(v), summary=next(v),
                      staff_id=users["officer"].id),
        StaffTool(code="nasty", name_ar=next(v), name_en=next(v)),
        DocumentType(code="nasty2", name_ar=next(v), name_en=next(v)),
        CommitteeSession(number=next(v), held_on=date(2026, 1, 5), place=next(v)),
        Volunteer(full_name=next(v), national_id="1000000008", phone="+966551138821", city=next(v),
                  message=next(v)),
        VolunteerField(kind="skill", name_ar=next(v), name_en=next(v)),
        SurveyQuestion(text_ar=next(v), text_en=next(v)),
        PrivacyRequest(kind="access", requester_name=next(v), beneficiary=person, received_on=date(2026, 1, 5),
                       due_on=date(2026, 2, 4)),
        BreachIncident(title=next(v), discovered_at=datetime(2026, 1, 5, tzinfo=timezone.utc)),
    ])
    users["viewer"].full_name = next(v)
    db.session.commit()
    return values


def export_urls(app) -> list[str]:
    urls = []
    for view in app.extensions["admin"][0]._views:
        if getattr(view, "roles_export", None) and hasattr(view, "export_types"):
            urls += [f"/admin/{view.endpoint}/export/{kind}/" for kind in view.export_types]
    return urls + ["/admin/reports/export/all.csv", "/admin/reports/export/all.xlsx"]


def _cells(response, url) -> list:
    if url.endswith("csv/") or url.endswith(".csv"):
        return [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for cell in row]
    book = load_workbook(io.BytesIO(response.get_data()))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]


def test_every_export_of_nasty_text_answers_and_is_escaped(app, users, nasty_rows, client):
    assert login(client, users["admin"].email).status_code == 302
    urls = export_urls(app)
    assert len(urls) >= 30  # every model export (CSV and XLSX) and the reports
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if "csv" in url:
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8", url
        texts = [c for c in _cells(response, url) if isinstance(c, str)]
        for cell in texts:
            assert not cell.lstrip().startswith(TRIGGERS), (url, cell)
            assert not any(ch in cell for ch in "\x00\x01\x1b"), (url, cell)
    # The application export showed the service and channel unescaped.
    response = client.get("/admin/application/export/csv/")
    text = response.get_data(as_text=True)
    assert "'=cmd|" in text or "'+966" in text
    row = list(csv.reader(io.StringIO(text)))[1]
    assert all(not c.lstrip().startswith(TRIGGERS) for c in row)


def test_a_failing_export_logs_no_personal_data(app, users, client, caplog, monkeypatch):
    """When an export does fail, the log says where and what kind of error, not whose data."""
    from tests import factories

    factories.beneficiary(first_name="\x01سلمان", family_name="الشمري")
    db.session.commit()
    import workflow.spreadsheet as spreadsheet

    monkeypatch.setattr(spreadsheet, "xml_safe", lambda value: value)  # as before: openpyxl refuses \x01
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert login(client, users["admin"].email).status_code == 302
    with caplog.at_level(logging.ERROR):
        response = client.get("/admin/beneficiary/export/xlsx/")
    assert response.status_code == 500
    assert "IllegalCharacterError" in caplog.text  # the kind of error and where stay in the log
    assert "سلمان" not in caplog.text and "الشمري" not in caplog.text
