"""Flask-Admin set-up: one Admin, the RTL theme, and every screen."""
from __future__ import annotations

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from admin_views.audit import AuditAdmin
from admin_views.files import FileView
from admin_views.reference import ChannelAdmin, DocumentTypeAdmin, StaffToolAdmin
from admin_views.registry import (
    BeneficiaryAdmin,
    CommunicationAdmin,
    DeclarationAdmin,
    DeclarationTextAdmin,
    DocumentAdmin,
)
from admin_views.registry_import import BeneficiaryImportView
from admin_views.home import HomeView
from admin_views.users import UserAdmin
from extensions import db
from models.beneficiary import Beneficiary, Communication, Declaration, DeclarationText, Document
from models.reference import Channel, DocumentType, StaffTool
from models.user import User


def init_admin(app) -> Admin:
    from sqlalchemy.orm import configure_mappers

    configure_mappers()  # inline forms need the relationships' directions
    admin = Admin(
        app,
        name=_l("Beneficiary Relations"),
        index_view=HomeView(name=_l("Home"), url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="admin/rtl_base.html", fluid=True),
        translations_path=None,
    )
    registry = _l("Registry")
    admin.add_view(BeneficiaryAdmin(Beneficiary, db, name=_l("Beneficiaries"), category=registry,
                                    endpoint="beneficiary"))
    admin.add_view(DocumentAdmin(Document, db, name=_l("Documents"), category=registry, endpoint="document"))
    admin.add_view(DeclarationAdmin(Declaration, db, name=_l("Declarations"), category=registry,
                                    endpoint="declaration"))
    admin.add_view(CommunicationAdmin(Communication, db, name=_l("Communications"), category=registry,
                                      endpoint="communication"))
    admin.add_view(StaffToolAdmin(StaffTool, db, name=_l("Staff tools"), category=registry, endpoint="stafftool"))
    admin.add_view(BeneficiaryImportView(name=_l("Import beneficiaries"), category=registry,
                                         endpoint="beneficiary_import", url="/admin/beneficiary-import"))
    admin.add_view(FileView(name=_l("Files"), endpoint="storedfile", url="/admin/file"))
    admin.add_view(ChannelAdmin(Channel, db, name=_l("Channels"), category=_l("Settings"), endpoint="channel"))
    admin.add_view(DocumentTypeAdmin(DocumentType, db, name=_l("Document types"), category=_l("Settings"),
                                     endpoint="documenttype"))
    admin.add_view(DeclarationTextAdmin(DeclarationText, db, name=_l("Declaration text"), category=_l("Settings"),
                                        endpoint="declarationtext"))
    admin.add_view(UserAdmin(User, db, name=_l("Users"), category=_l("Settings"), endpoint="user"))
    admin.add_view(AuditAdmin(db, name=_l("Audit trail"), category=_l("Settings"), endpoint="auditentry"))
    return admin
