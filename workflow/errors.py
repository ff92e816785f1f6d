"""Domain errors: a rule refused an action. The message is translatable and shown as is."""
from __future__ import annotations


class WorkflowError(Exception):
    """An action was refused; nothing was changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(WorkflowError):
    """The actor's role (or assignment, or membership) does not allow the action."""


class IllegalTransition(WorkflowError):
    """The application's current status does not allow the action."""


class InvalidInput(WorkflowError):
    """A required input is missing or wrong (reason, specialist, outcome...)."""


class ConcurrentChange(WorkflowError):
    """Someone else changed the application first (optimistic lock)."""


class ChecklistFailed(WorkflowError):
    """Verification found blocking items; `items` is the checklist."""

    def __init__(self, message, items):
        super().__init__(message)
        self.items = items
