"""Flask-Admin set-up: one Admin, the RTL theme, and every screen."""
from __future__ import annotations

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from admin_views.audit import AuditAdmin
from admin_views.dashboard import DashboardListView
from admin_views.home import HomeView
from admin_views.privacy import BreachAdmin, PrivacyRequestAdmin, RetentionView, SubjectExportView
from admin_views.reports import ReportsView
from admin_views.users import UserAdmin
from extensions import db
from models.privacy import BreachIncident, PrivacyRequest
from models.user import User


def init_admin(app) -> Admin:
    admin = Admin(
        app,
        name=_l("Beneficiary Relations"),
        index_view=HomeView(name=_l("Home"), url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="admin/rtl_base.html", fluid=True),
        translations_path=None,
    )
    admin.add_view(UserAdmin(User, db, name=_l("Users"), category=_l("Settings"), endpoint="user"))
    admin.add_view(AuditAdmin(db, name=_l("Audit trail"), category=_l("Settings"), endpoint="auditentry"))
    admin.add_view(ReportsView(name=_l("Reports"), url="/admin/reports", endpoint="reports"))
    admin.add_view(DashboardListView(name=_l("Dashboard lists"), url="/admin/dashboard", endpoint="dashboard"))
    admin.add_view(PrivacyRequestAdmin(PrivacyRequest, db, name=_l("Data requests"), category=_l("Data protection"),
                                       endpoint="privacyrequest"))
    admin.add_view(BreachAdmin(BreachIncident, db, name=_l("Breach register"), category=_l("Data protection"),
                               endpoint="breachincident"))
    admin.add_view(SubjectExportView(name=_l("Personal data export"), category=_l("Data protection"),
                                     url="/admin/privacy-export", endpoint="subject_export"))
    admin.add_view(RetentionView(name=_l("Retention of closed files"), category=_l("Data protection"),
                                 url="/admin/retention", endpoint="retention"))
    return admin
