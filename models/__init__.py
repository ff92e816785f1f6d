"""All models, imported here so Alembic and the app see every table."""
from models.application import Application, ApplicationEvent, ReferenceCounter, Research, Status
from models.audit import AuditEntry
from models.beneficiary import (
    Beneficiary,
    BeneficiaryNameWord,
    Communication,
    Declaration,
    DeclarationText,
    Document,
    HouseholdMember,
)
from models.branch import Branch, BranchRepresentative
from models.committee import AgendaItem, CommitteeSession, Decision, Outcome
from models.feedback import Feedback
from models.files import StoredFile
from models.followup import FollowUp
from models.improvement import ImprovementAction
from models.organisation import OrganisationProfile
from models.outbox import MessageTemplate, OutboxMessage
from models.public import PublicSubmission
from models.privacy import BreachIncident, PrivacyRequest
from models.reference import Channel, DocumentType, StaffTool
from models.service import EligibilityCriterion, ServiceType
from models.survey import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
from models.user import RecoveryCode, User, UserSession
from models.volunteer import Volunteer, VolunteerField

__all__ = [
    "AgendaItem", "Application", "Branch", "BranchRepresentative", "ApplicationEvent", "AuditEntry", "Beneficiary", "BeneficiaryNameWord", "BreachIncident",
    "Channel", "CommitteeSession", "Communication", "Decision", "Declaration", "DeclarationText",
    "Document", "DocumentType", "EligibilityCriterion", "Feedback", "FollowUp", "HouseholdMember", "ImprovementAction",
    "MessageTemplate", "OrganisationProfile", "Outcome", "OutboxMessage", "PrivacyRequest", "PublicSubmission",
    "RecoveryCode", "ReferenceCounter", "Research", "ServiceType",
    "StaffTool", "Status", "StoredFile", "SurveyAnswer", "SurveyInvitation", "SurveyQuestion",
    "SurveyResponse", "User", "UserSession", "Volunteer", "VolunteerField"
]
