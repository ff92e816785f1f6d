"""Which state changes write which message (subscribed to workflow.events.application_changed).

The message is written in the same transaction as the transition, so it exists exactly
when the change does; a rolled-back change leaves no message behind.
"""
from __future__ import annotations

from extensions import db
from models.application import Status
from models.committee import Decision
from workflow.events import application_changed
from workflow.messaging import outbox


def _on_application_changed(application, **kwargs) -> None:
    action, actor = kwargs.get("action"), kwargs.get("actor")
    if action == "receive":
        outbox.request_received(application, actor)
    elif action == "mark_incomplete":
        outbox.request_incomplete(application, list(application.missing_items or []), actor)
    elif action == "refer_to_specialist":
        outbox.research_appointment(application, actor)
    elif action in ("accept", "reject", "defer"):
        decision = db.session.scalar(db.select(Decision).where(Decision.application_id == application.id)
                                     .order_by(Decision.id.desc()).limit(1))
        if decision is not None:
            outbox.decision_made(application, decision, actor)
    elif kwargs.get("to_status") == Status.SERVED:
        outbox.service_ready(application, actor)


def install() -> None:
    """Subscribe once (idempotent: blinker keeps one connection per receiver)."""
    application_changed.connect(_on_application_changed, weak=False)
