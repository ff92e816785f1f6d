"""Flask-Admin set-up: one Admin, the RTL theme, and every screen."""
from __future__ import annotations

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from admin_views.account import AccountView
from admin_views.admin_catalogue import use_project_corrections
from admin_views.applications import ApplicationAdmin
from admin_views.audit import AuditAdmin
from admin_views.branches import BranchAdmin
from admin_views.committee import CommitteeSessionAdmin
from admin_views.dashboard import DashboardListView
from admin_views.feedback import FeedbackAdmin
from admin_views.files import FileView
from admin_views.followup import FollowUpAdmin, FollowUpReportView
from admin_views.home import HomeView
from admin_views.improvement import ImprovementActionAdmin
from admin_views.organisation import OrganisationProfileAdmin, PolicyTemplateView
from admin_views.outbox import MessagePreferencesView, MessageTemplateAdmin, OutboxAdmin
from admin_views.privacy import BreachAdmin, PrivacyRequestAdmin, RetentionView, SubjectExportView
from admin_views.reference import ChannelAdmin, DocumentTypeAdmin, StaffToolAdmin
from admin_views.referrals import ReferralAdmin
from admin_views.registry import (
    BeneficiaryAdmin,
    CommunicationAdmin,
    DeclarationAdmin,
    DeclarationTextAdmin,
    DocumentAdmin,
)
from admin_views.registry_import import BeneficiaryImportView
from admin_views.reports import ReportsView
from admin_views.service_types import OutreachView, ServiceTypeAdmin
from admin_views.surveys import SurveyQuestionAdmin, SurveyResultsView
from admin_views.users import UserAdmin
from admin_views.volunteers import VolunteerAdmin, VolunteerFieldAdmin
from extensions import db
from models.application import Application
from models.branch import Branch
from models.beneficiary import Beneficiary, Communication, Declaration, DeclarationText, Document
from models.committee import CommitteeSession
from models.feedback import Feedback
from models.followup import FollowUp
from models.improvement import ImprovementAction
from models.organisation import OrganisationProfile
from models.outbox import MessageTemplate, OutboxMessage
from models.privacy import BreachIncident, PrivacyRequest
from models.reference import Channel, DocumentType, StaffTool
from models.service import ServiceType
from models.survey import SurveyQuestion
from models.user import User
from models.volunteer import Volunteer, VolunteerField


def init_admin(app) -> Admin:
    from sqlalchemy.orm import configure_mappers

    from app import csp_nonce

    configure_mappers()  # inline forms need the relationships' directions
    use_project_corrections()  # Flask-Admin's Arabic mistakes, corrected in our catalogue
    admin = Admin(
        app,
        name=_l("Beneficiary Relations"),
        index_view=HomeView(name=_l("Home"), url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="admin/rtl_base.html", fluid=True),
        translations_path=None,
        csp_nonce_generator=csp_nonce,  # Flask-Admin's own <script> tags carry this request's nonce
    )
    # The registry first: it is the officer's day.
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
    admin.add_view(AccountView(name=_l("My account"), endpoint="account", url="/admin/account"))
    # Service requests (workflow/state_machine.py does every change).
    admin.add_view(ApplicationAdmin(Application, db, name=_l("Service requests"), category=_l("Requests"),
                                    endpoint="application"))
    admin.add_view(ReferralAdmin(Application, db, name=_l("My referrals"), category=_l("Requests"),
                                 endpoint="referral"))
    admin.add_view(OutreachView(name=_l("Reach out"), category=_l("Requests"), endpoint="outreach",
                                url="/admin/outreach"))
    admin.add_view(CommitteeSessionAdmin(CommitteeSession, db, name=_l("Committee sessions"),
                                         category=_l("Requests"), endpoint="committeesession"))
    # Follow-up, suggestions and complaints, improvement actions (issue 14, parts 3–5).
    admin.add_view(FollowUpAdmin(FollowUp, db, name=_l("Follow-ups"), category=_l("Requests"), endpoint="followup"))
    admin.add_view(FeedbackAdmin(Feedback, db, name=_l("Suggestions and complaints"), category=_l("Requests"),
                                 endpoint="feedback"))
    admin.add_view(FollowUpReportView(name=_l("Follow-up report"), category=_l("Reports"),
                                      endpoint="followup_report", url="/admin/followup-report"))
    admin.add_view(ImprovementActionAdmin(ImprovementAction, db, name=_l("Improvement actions"),
                                          category=_l("Reports"), endpoint="improvementaction"))
    admin.add_view(ServiceTypeAdmin(ServiceType, db, name=_l("Service types"), category=_l("Settings"),
                                    endpoint="servicetype"))
    admin.add_view(BranchAdmin(Branch, db, name=_l("Branch offices"), category=_l("Settings"), endpoint="branch"))
    admin.add_view(ChannelAdmin(Channel, db, name=_l("Channels"), category=_l("Settings"), endpoint="channel"))
    admin.add_view(DocumentTypeAdmin(DocumentType, db, name=_l("Document types"), category=_l("Settings"),
                                     endpoint="documenttype"))
    admin.add_view(DeclarationTextAdmin(DeclarationText, db, name=_l("Declaration text"), category=_l("Settings"),
                                        endpoint="declarationtext"))
    admin.add_view(UserAdmin(User, db, name=_l("Users"), category=_l("Settings"), endpoint="user"))
    admin.add_view(AuditAdmin(db, name=_l("Audit trail"), category=_l("Settings"), endpoint="auditentry"))
    # Public pages (issue 5).
    admin.add_view(VolunteerAdmin(Volunteer, db, name=_l("Volunteers"), category=_l("Volunteers"),
                                  endpoint="volunteer"))
    admin.add_view(VolunteerFieldAdmin(VolunteerField, db, name=_l("Skills and interests"), category=_l("Volunteers"),
                                       endpoint="volunteerfield"))
    admin.add_view(SurveyResultsView(name=_l("Satisfaction results"), category=_l("Reports"),
                                     endpoint="survey_results", url="/admin/survey-results"))
    admin.add_view(SurveyQuestionAdmin(SurveyQuestion, db, name=_l("Survey questions"), category=_l("Settings"),
                                       endpoint="surveyquestion"))
    admin.add_view(OrganisationProfileAdmin(OrganisationProfile, db, name=_l("Organisation profile"),
                                            category=_l("Settings"), endpoint="organisationprofile"))
    admin.add_view(PolicyTemplateView(name=_l("Policy templates"), category=_l("Settings"),
                                      endpoint="policy_templates", url="/admin/policy-templates"))
    # Messages to beneficiaries (issue 13: workflow/messaging).
    admin.add_view(OutboxAdmin(OutboxMessage, db, name=_l("Outbox"), category=registry, endpoint="outbox"))
    admin.add_view(MessageTemplateAdmin(MessageTemplate, db, name=_l("Message templates"), category=_l("Settings"),
                                        endpoint="messagetemplate"))
    admin.add_view(MessagePreferencesView(name=_l("Message preferences"), endpoint="message_preferences",
                                          url="/admin/message-preferences"))
    admin.add_view(ReportsView(name=_l("Reports"), category=_l("Reports"), url="/admin/reports", endpoint="reports"))
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
