"""Delivery receipts: a provider tells us a message reached the phone (or did not).

Two doors, both authenticated without a login:
- the per-message URL given to the provider (/messages/receipt/<id>/<signature>), whose
  signature is an HMAC of the message id (workflow.messaging.channels.receipt_signature);
- WhatsApp Cloud API webhooks (/messages/whatsapp), signed by Meta with X-Hub-Signature-256,
  the HMAC-SHA256 of the raw body under the app secret (WHATSAPP_APP_SECRET).
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from extensions import db
from models.outbox import MessageState, OutboxMessage
from models.types import utcnow
from workflow.messaging.channels import redact
from workflow.messaging.outbox import sync_communication

DELIVERED_WORDS = {"delivered", "read", "deliveredtohandset", "delivrd"}
FAILED_WORDS = {"failed", "undelivered", "rejected", "expired", "undeliv"}


def apply_receipt(message: OutboxMessage, status: str, reason: str = "") -> bool:
    """Record a provider's status for a sent message; True when it changed something."""
    word = (status or "").strip().lower().replace(" ", "")
    if message.state not in (MessageState.SENT, MessageState.DELIVERED):
        return False
    if word in DELIVERED_WORDS and message.state != MessageState.DELIVERED:
        message.state = MessageState.DELIVERED
        message.delivered_at = utcnow()
    elif word in FAILED_WORDS and message.state == MessageState.SENT:
        message.state = MessageState.FAILED
        message.last_error = redact(f"the provider reports: {reason or word}")[:500]
    else:
        return False
    sync_communication(message)
    return True


def whatsapp_signature_ok(raw_body: bytes, header: str) -> bool:
    secret = current_app.config.get("WHATSAPP_APP_SECRET") or ""
    if not secret or not (header or "").startswith("sha256="):
        return False
    expected = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):])


def apply_whatsapp_statuses(payload: dict) -> int:
    """Apply every status in a Cloud API webhook payload (entry[].changes[].value.statuses[])."""
    changed = 0
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            for status in (change.get("value") or {}).get("statuses") or []:
                wamid = str(status.get("id") or "")
                if not wamid:
                    continue
                message = db.session.scalar(db.select(OutboxMessage).where(
                    OutboxMessage.provider_message_id == wamid, OutboxMessage.channel == "whatsapp"))
                if message is None:
                    continue
                errors = status.get("errors") or [{}]
                reason = f"{errors[0].get('code', '')} {errors[0].get('title', '')}".strip()
                changed += apply_receipt(message, str(status.get("status") or ""), reason)
    return changed
