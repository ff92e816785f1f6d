"""The audit trail, written automatically for every create, change and delete.

A session listener sees each flush, so no view or workflow function can forget
to record what it changed. Reads and exports of personal data are recorded
explicitly with record_access().
"""
from __future__ import annotations

import contextvars
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context
from sqlalchemy import event, inspect, insert
from sqlalchemy.orm import Session

from extensions import db
from models.audit import AuditEntry
from models.types import utcnow

# Who acts outside a web request (CLI commands, imports, scheduled jobs).
_cli_actor: contextvars.ContextVar[str] = contextvars.ContextVar("cli_actor", default="system")


def set_cli_actor(name: str) -> None:
    _cli_actor.set(name)


def current_actor() -> tuple[int | None, str]:
    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return current_user.id, current_user.email
        return None, "public"
    return None, _cli_actor.get()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):  # enums
        return value.value
    return str(value)


def _record_id(obj: Any) -> str:
    state = inspect(obj)
    # New rows are still "pending" inside after_flush (no identity yet): read the flushed key.
    identity = state.identity or state.mapper.primary_key_from_instance(obj)
    return "-".join(str(i) for i in identity) if identity and None not in identity else ""


def _columns(obj: Any):
    excluded = set(getattr(obj, "audit_exclude", ()))
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key not in excluded:
            yield attr.key


def _snapshot(obj: Any) -> dict:
    return {key: _plain(getattr(obj, key)) for key in _columns(obj)}


def _diff(obj: Any) -> dict:
    state = inspect(obj)
    changes = {}
    for key in _columns(obj):
        hist = state.attrs[key].history
        if hist.has_changes():
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if _plain(before) != _plain(after):
                changes[key] = [_plain(before), _plain(after)]
    return changes


def _audited(obj: Any) -> bool:
    return not isinstance(obj, AuditEntry) and not getattr(obj, "audit_skip", False)


def _after_flush(session: Session, flush_context) -> None:
    user_id, actor = current_actor()
    rows = []
    now = utcnow()
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not _audited(obj):
                continue
            if action == "create":
                changes = _snapshot(obj)
            elif action == "update":
                if not session.is_modified(obj, include_collections=False):
                    continue
                changes = _diff(obj)
                if not changes:
                    continue
            else:
                changes = _snapshot(obj)
            rows.append(dict(at=now, user_id=user_id, actor=actor, action=action,
                             table_name=obj.__tablename__, record_id=_record_id(obj),
                             changes=changes, note=""))
    if rows:
        # Written on the same connection and transaction: no audit row without its change.
        session.connection().execute(insert(AuditEntry), rows)


def install() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def record_access(action: str, table_name: str, record_id: Any = "", note: str = "") -> None:
    """Record that someone viewed or exported personal data (committed by the caller's request)."""
    user_id, actor = current_actor()
    db.session.execute(insert(AuditEntry).values(
        at=utcnow(), user_id=user_id, actor=actor, action=action,
        table_name=table_name, record_id=str(record_id), changes=None, note=note[:500]))
    # The records already read stay loaded: the row added changes none of them, and expiring
    # them made the page read each one again (the record with its joins, the signed-in user).
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def mask_email(text: str | None) -> str:
    """An email as typed at a failed sign-in, masked for the trail: "ah***@example.org".

    Enough for an admin to recognise a colleague's typo or a guessing attack on one account,
    not enough to read a password typed into the email box by mistake.
    """
    text = " ".join((text or "").split())[:120]
    local, at, domain = text.partition("@")
    shown = local[:2] if len(local) > 4 else local[:1]
    return f"{shown}***{at}{domain}" if at else f"{shown}***"
