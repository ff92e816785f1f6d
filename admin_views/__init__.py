"""Flask-Admin set-up: one Admin, the RTL theme, and every screen."""
from __future__ import annotations

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from admin_views.audit import AuditAdmin
from admin_views.home import HomeView
from admin_views.users import UserAdmin
from extensions import db
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
    return admin
