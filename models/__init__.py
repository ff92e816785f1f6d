"""All models, imported here so Alembic and the app see every table."""
from models.audit import AuditEntry
from models.user import User

__all__ = ["AuditEntry", "User"]
