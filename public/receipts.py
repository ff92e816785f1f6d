"""Delivery receipts from message providers (no login: each request is authenticated by its signature)."""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, request

from extensions import csrf, db
from models.outbox import OutboxMessage
from workflow.messaging.channels import receipt_signature_ok
from workflow.messaging.receipts import (
    apply_receipt,
    apply_whatsapp_statuses,
    whatsapp_signature_ok,
)

bp = Blueprint("receipts", __name__, url_prefix="/messages")


@bp.route("/receipt/<int:message_id>/<signature>", methods=["POST"])
@csrf.exempt
def receipt(message_id: int, signature: str):
    if not receipt_signature_ok(message_id, signature):
        abort(403)
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    data = request.get_json(silent=True) or request.form.to_dict() or {}
    status = str(data.get("status") or data.get("Status") or "")
    changed = apply_receipt(message, status, str(data.get("reason") or data.get("error") or "")[:200])
    db.session.commit()
    return jsonify({"ok": True, "changed": bool(changed)})


@bp.route("/whatsapp", methods=["GET"])
def whatsapp_verify():
    """Meta's subscription check: echo hub.challenge when the verify token matches."""
    token = current_app.config.get("WHATSAPP_VERIFY_TOKEN") or ""
    if (request.args.get("hub.mode") == "subscribe" and token
            and hmac.compare_digest(request.args.get("hub.verify_token", ""), token)):
        return request.args.get("hub.challenge", ""), 200, {"Content-Type": "text/plain"}
    abort(403)


@bp.route("/whatsapp", methods=["POST"])
@csrf.exempt
def whatsapp_statuses():
    raw = request.get_data()
    if not whatsapp_signature_ok(raw, request.headers.get("X-Hub-Signature-256", "")):
        abort(403)
    changed = apply_whatsapp_statuses(request.get_json(silent=True) or {})
    db.session.commit()
    return jsonify({"ok": True, "changed": changed})
