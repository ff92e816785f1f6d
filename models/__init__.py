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
from models.committee import AgendaItem, CommitteeSession, Decision, Outcome
from models.feedback import Feedback
from models.files import StoredFile
from models.followup import FollowUp
from models.improvement import ImprovementAction
from models.organisation import OrganisationProfile
from models.public import PublicSubmission
from models.privacy import BreachIncident, PrivacyRequest
from models.reference import Channel, DocumentType, StaffTool
from models.service import EligibilityCriterion, ServiceType
from models.survey import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
from models.user import User
from models.volunteer import Volunteer, VolunteerField

__all__ = [
    "AgendaItem", "Application", "ApplicationEvent", "AuditEntry", "Beneficiary", "BeneficiaryNameWord", "BreachIncident",
    "Channel", "CommitteeSession", "Communication", "Decision", "Declaration", "DeclarationText",
    "Document", "DocumentType", "EligibilityCriterion", "Feedback", "FollowUp", "ImprovementAction", "HouseholdMember", "OrganisationProfile",
    "Outcome", "PrivacyRequest", "PublicSubmission", "ReferenceCounter", "Research", "ServiceType",
    "StaffTool", "Status", "StoredFile", "SurveyAnswer", "SurveyInvitation", "SurveyQuestion",
    "SurveyResponse", "User", "Volunteer", "VolunteerField"
]
