"""WhatsApp through the WhatsApp Business Cloud API (Meta), with approved templates only.

Written against Meta's Cloud API "Send message templates" guide
(https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates):
POST https://graph.facebook.com/<version>/<PHONE_NUMBER_ID>/messages, "Authorization: Bearer <token>",
{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "9665...", "type": "template",
 "template": {"name": ..., "language": {"code": "ar"},
              "components": [{"type": "body", "parameters": [{"type": "text", "text": ...}]}]}}.
The answer names the message: {"messages": [{"id": "wamid...."}]}. Statuses (sent, delivered,
read, failed) arrive at the app's webhook, signed with X-Hub-Signature-256 (public/messages.py).
A business may only open a conversation with a template, so an event without one fails clearly.
"""
from __future__ import annotations

from flask import current_app

from workflow.messaging.channels import (
    Adapter,
    Outgoing,
    PermanentFailure,
    Receipt,
    international,
    json_of,
    post,
    require,
)

DEFAULT_API = "https://graph.facebook.com/v21.0"


class WhatsAppAdapter(Adapter):
    name = "whatsapp"
    channel = "whatsapp"

    def send(self, out: Outgoing) -> Receipt:
        token = require("WHATSAPP_TOKEN")
        phone_number_id = require("WHATSAPP_PHONE_NUMBER_ID")
        if not out.template_name:
            raise PermanentFailure("no approved WhatsApp template is set for this event (Settings → Message templates)")
        template = {"name": out.template_name, "language": {"code": out.language or "ar"}}
        if out.template_params:
            template["components"] = [{"type": "body", "parameters": [
                {"type": "text", "text": str(value)} for value in out.template_params]}]
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": international(out.to),
                   "type": "template", "template": template}
        base = (current_app.config.get("WHATSAPP_API_URL") or DEFAULT_API).rstrip("/")
        response = post(f"{base}/{phone_number_id}/messages", json=payload,
                        headers={"Authorization": f"Bearer {token}"})
        messages = json_of(response).get("messages") or [{}]
        return Receipt(provider_id=str(messages[0].get("id") or ""), answer="WhatsApp: accepted")
