"""All models, imported here so Alembic and the app see every table."""
from models.application import Application, ApplicationEvent, ReferenceCounter, Research, Status
from models.audit import AuditEntry
from models.beneficiary import (
    Beneficiary,
    Communication,
    Declaration,
    DeclarationText,
    Document,
    HouseholdMember,
)
from models.committee import AgendaItem, CommitteeSession, Decision, Outcome
from models.files import StoredFile
from models.organisation import OrganisationProfile
from models.privacy import BreachIncident, PrivacyRequest
from models.reference import Channel, DocumentType, StaffTool
from models.service import EligibilityCriterion, ServiceType
from models.user import User

__all__ = [
    "AgendaItem", "Application", "ApplicationEvent", "AuditEntry", "Beneficiary", "BreachIncident", "Channel",
    "CommitteeSession", "Communication", "Decision", "Declaration", "DeclarationText", "Document",
    "DocumentType", "EligibilityCriterion", "HouseholdMember", "OrganisationProfile", "Outcome",
    "PrivacyRequest", "ReferenceCounter", "Research", "ServiceType", "StaffTool", "Status", "StoredFile", "User",
]
