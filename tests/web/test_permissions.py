"""Every role against every admin endpoint, enforced on the server.

The first test walks every model screen the app registers, so a new screen is
covered the day it is added. The second pins the role matrix of DESIGN.md.
"""
import pytest

from admin_views.base import SecureModelView
from tests.conftest import csrf_token, login
from workflow.roles import Role

ROLES = [r.value for r in Role]


def _model_views(app):
    admin = app.extensions["admin"][0]
    return [v for v in admin._views if isinstance(v, SecureModelView)]


def _token(client):
    return csrf_token(client.get("/admin/").get_data(as_text=True))


def _endpoint_requests(view, record_id):
    base = f"/admin/{view.endpoint}"
    return {
        "read": [("get", f"{base}/", None), ("get", f"{base}/details/?id={record_id}", None)],
        "create": [("get", f"{base}/new/", None)],
        "edit": [("get", f"{base}/edit/?id={record_id}", None),
                 ("post", f"{base}/ajax/update/", {"list_form_pk": record_id})],
        "delete": [("post", f"{base}/delete/", {"id": record_id})],
        "export": [("get", f"{base}/export/csv/", None)],
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_view_enforces_its_roles_on_every_endpoint(app, client, users, role):
    login(client, users[role].email)
    token = _token(client)
    checked = 0
    for view in _model_views(app):
        for permission, requests in _endpoint_requests(view, users["viewer"].id).items():
            allowed = role in {r.value for r in getattr(view, f"roles_{permission}")}
            for method, url, data in requests:
                if method == "post":
                    response = client.post(url, data={**data, "csrf_token": token})
                else:
                    response = client.get(url)
                body = response.get_data(as_text=True)
                if allowed:
                    assert response.status_code != 403, (role, url)
                else:
                    assert response.status_code == 403, (role, url, response.status_code)
                    assert "viewer@example.org" not in body
                checked += 1
    assert checked > 0


@pytest.mark.parametrize("role", ROLES)
def test_bulk_delete_action_is_refused_without_delete_right(app, client, users, role):
    login(client, users[role].email)
    token = _token(client)
    for view in _model_views(app):
        if role in {r.value for r in view.roles_read}:
            client.post(f"/admin/{view.endpoint}/action/",
                        data={"action": "delete", "rowid": [str(users["viewer"].id)], "csrf_token": token})
    from extensions import db
    from models.user import User

    assert db.session.get(User, users["viewer"].id) is not None


def test_anonymous_gets_login_page_for_every_endpoint(app, client, users):
    for view in _model_views(app):
        for requests in _endpoint_requests(view, 1).values():
            for method, url, data in requests:
                response = client.get(url) if method == "get" else client.post(url, data=data)
                # A POST without a session has no valid token: refused before the view (400).
                assert response.status_code in (302, 400), url
                if response.status_code == 302:
                    assert "/login" in response.headers["Location"]


EXPECTED = {
    # view endpoint: {permission: roles}
    "user": {"read": {"admin"}, "create": {"admin"}, "edit": {"admin"}, "delete": set(), "export": {"admin"}},
    "auditentry": {"read": {"admin"}, "create": set(), "edit": set(), "delete": set(), "export": {"admin"}},
    "volunteer": {"read": {"admin", "officer"}, "create": set(), "edit": {"admin", "officer"}, "delete": {"admin"},
                  "export": {"admin", "officer"}},
    "volunteerfield": {"read": {"admin", "officer"}, "create": {"admin"}, "edit": {"admin"}, "delete": {"admin"},
                       "export": {"admin"}},
    "surveyquestion": {"read": {"admin"}, "create": {"admin"}, "edit": {"admin"}, "delete": {"admin"},
                       "export": {"admin"}},
    "organisationprofile": {"read": {"admin"}, "create": set(), "edit": {"admin"}, "delete": set(),
                            "export": set()},
    "servicetype": {"read": {"admin"}, "create": {"admin"}, "edit": {"admin"}, "delete": set(),
                    "export": {"admin"}},
    "application": {"read": set(ROLES), "create": {"admin", "officer"}, "edit": {"admin", "officer"},
                    "delete": set(), "export": {"admin", "officer", "committee", "viewer"}},
    "referral": {"read": {"specialist"}, "create": set(), "edit": set(), "delete": set(), "export": set()},
    "committeesession": {"read": {"admin", "committee", "viewer"}, "create": {"admin"}, "edit": {"admin"},
                         "delete": set(), "export": {"admin", "committee", "viewer"}},
    "privacyrequest": {"read": {"admin", "officer"}, "create": {"admin", "officer"}, "edit": {"admin", "officer"},
                       "delete": set(), "export": {"admin"}},
    "breachincident": {"read": {"admin"}, "create": {"admin"}, "edit": {"admin"}, "delete": set(),
                       "export": {"admin"}},
    # Registry (DESIGN.md §4: beneficiaries, documents, communications — admin+officer full, others read;
    # exports for every role but the specialist).
    "beneficiary": {"read": set(ROLES), "create": {"admin", "officer"}, "edit": {"admin", "officer"},
                    "delete": {"admin", "officer"}, "export": {"admin", "officer", "committee", "viewer"}},
    "document": {"read": set(ROLES), "create": {"admin", "officer"}, "edit": {"admin", "officer"},
                 "delete": {"admin", "officer"}, "export": {"admin", "officer", "committee", "viewer"}},
    "communication": {"read": set(ROLES), "create": {"admin", "officer"}, "edit": {"admin", "officer"},
                      "delete": {"admin", "officer"}, "export": {"admin", "officer", "committee", "viewer"}},
    # A signed declaration is never edited; a wrong one is removed by an admin and recorded again.
    "declaration": {"read": set(ROLES), "create": {"admin", "officer"}, "edit": set(), "delete": {"admin"},
                    "export": {"admin", "officer", "committee", "viewer"}},
    # Issue 14: follow-ups are planned on delivery and recorded by the office; the feedback register
    # comes from the public form; the board reads the improvement actions the office records.
    "followup": {"read": {"admin", "officer"}, "create": set(), "edit": {"admin", "officer"}, "delete": set(),
                 "export": {"admin", "officer"}},
    "feedback": {"read": {"admin", "officer"}, "create": set(), "edit": {"admin", "officer"}, "delete": set(),
                 "export": {"admin", "officer"}},
    "improvementaction": {"read": {"admin", "officer", "committee", "viewer"}, "create": {"admin", "officer"},
                          "edit": {"admin", "officer"}, "delete": {"admin"},
                          "export": {"admin", "officer", "committee", "viewer"}},
    # Reference lists: everyone reads them, the admin configures them.
    "declarationtext": {"read": set(ROLES), "create": {"admin"}, "edit": {"admin"}, "delete": set(),
                        "export": set()},
    "channel": {"read": set(ROLES), "create": {"admin"}, "edit": {"admin"}, "delete": set(), "export": {"admin"}},
    "documenttype": {"read": set(ROLES), "create": {"admin"}, "edit": {"admin"}, "delete": set(),
                     "export": {"admin"}},
    "stafftool": {"read": set(ROLES), "create": {"admin"}, "edit": {"admin"}, "delete": {"admin"},
                  "export": {"admin"}},
    # Messages (issue 13): the office works the outbox; only the admin words the templates.
    "outbox": {"read": {"admin", "officer"}, "create": set(), "edit": set(), "delete": set(), "export": set()},
    "messagetemplate": {"read": {"admin"}, "create": {"admin"}, "edit": {"admin"}, "delete": {"admin"},
                        "export": set()},
}

# Custom (non-model) pages: who may open them.
EXPECTED_PAGES = {
    "/admin/reports/": {"admin", "officer", "committee", "viewer"},
    "/admin/reports/export/all.csv": {"admin", "officer", "committee", "viewer"},
    "/admin/reports/export/channels.xlsx": {"admin", "officer", "committee", "viewer"},
    "/admin/privacy-export/": {"admin", "officer"},
    "/admin/retention/": {"admin"},
    "/admin/dashboard/list/my_open": {"admin", "officer"},
    "/admin/dashboard/list/my_referrals": {"admin", "specialist"},
    "/admin/dashboard/list/overdue": {"admin", "officer", "committee", "viewer"},
    "/admin/survey-results/": {"admin", "officer", "committee", "viewer"},
    "/admin/policy-templates/": {"admin"},
    "/admin/beneficiary-import/": {"admin"},
    "/admin/followup-report/": {"admin", "officer", "committee", "viewer"},
    "/admin/followup-report/print": {"admin", "officer", "committee", "viewer"},
    "/admin/followup-report/export.csv": {"admin", "officer", "committee", "viewer"},
    "/admin/followup-report/export.xlsx": {"admin", "officer", "committee", "viewer"},
    "/admin/feedback/received/": {"admin", "officer"},
}


@pytest.mark.parametrize("role", ROLES)
def test_custom_pages_enforce_their_roles(app, client, users, role):
    login(client, users[role].email)
    for url, roles in EXPECTED_PAGES.items():
        response = client.get(url)
        if role in roles:
            assert response.status_code == 200, (role, url, response.status_code)
        else:
            assert response.status_code == 403, (role, url, response.status_code)


def test_custom_pages_send_anonymous_people_to_login(app, client):
    for url in EXPECTED_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_role_matrix_matches_design(app, endpoint):
    view = next(v for v in _model_views(app) if v.endpoint == endpoint)
    for permission, roles in EXPECTED[endpoint].items():
        assert {r.value for r in getattr(view, f"roles_{permission}")} == roles, (endpoint, permission)


def test_inline_edit_honours_the_edit_right(app, client, users):
    """Flask-Admin's /ajax/update/ ignores can_edit; our base class does not."""
    from admin_views.users import UserAdmin
    from extensions import db
    from models.user import User

    class InlineNames(UserAdmin):
        column_editable_list = ("full_name",)

    class InlineNamesReadOnly(InlineNames):
        roles_edit = frozenset()

    admin = app.extensions["admin"][0]
    admin.add_view(InlineNames(User, db, endpoint="inline_names", name="x"))
    admin.add_view(InlineNamesReadOnly(User, db, endpoint="inline_names_ro", name="y"))
    login(client, users["admin"].email)
    token = _token(client)
    response = client.post("/admin/inline_names/ajax/update/", data={
        "list_form_pk": users["viewer"].id, "full_name": "اسم جديد", "csrf_token": token})
    assert response.status_code == 200
    response = client.post("/admin/inline_names_ro/ajax/update/", data={
        "list_form_pk": users["viewer"].id, "full_name": "اسم آخر", "csrf_token": token})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, users["viewer"].id).full_name == "اسم جديد"


# Stored files (/admin/file/<n>): who may download what (issue 11, finding 7). The scan of an ID
# document shows the whole number, so roles that see IDs masked (committee, viewer) may not have it.
EXPECTED_DOWNLOADS = {
    "national_id_copy": {"admin", "officer", "specialist"},
    "family_card": {"admin", "officer", "specialist"},
    "income_proof": set(ROLES),
    "staff_tool": set(ROLES),
    "unowned": {"admin"},
}


def _stored_file_for(kind: str) -> int:
    from extensions import db
    from models.reference import StaffTool
    from tests.factories import beneficiary, document, document_type
    from tests.registry_helpers import png_bytes
    from workflow.storage import save_bytes

    stored = save_bytes(png_bytes(), "scan.png")
    db.session.flush()
    if kind == "staff_tool":
        db.session.add(StaffTool(code="form", name_ar="نموذج", file_id=stored.id))
    elif kind != "unowned":
        doc = document(beneficiary(), document_type(kind, kind))
        doc.file_id = stored.id
    db.session.commit()
    return stored.id


@pytest.mark.parametrize("kind", sorted(EXPECTED_DOWNLOADS))
def test_who_may_download_each_kind_of_file(app, client, users, kind):
    from extensions import db
    from models.audit import AuditEntry

    file_id = _stored_file_for(kind)
    for role in ROLES:
        login(client, users[role].email)
        for url in (f"/admin/file/{file_id}", f"/admin/file/{file_id}?inline=1"):
            response = client.get(url)
            expected = 200 if role in EXPECTED_DOWNLOADS[kind] else 403
            assert response.status_code == expected, (kind, role, url)
        client.post("/logout", data={"csrf_token": _token(client)})
    refused = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "forbidden")).all()
    assert len(refused) == 2 * (len(ROLES) - len(EXPECTED_DOWNLOADS[kind]))
    assert all(r.table_name == "stored_file" and r.record_id == str(file_id) for r in refused)
