"""SMS through any gateway: a JSON POST to SMS_WEBHOOK_URL that a small bridge fits to the gateway.

The payload (documented in README, Messages):
    {"to": "+9665XXXXXXXX", "text": "...", "message_id": 42, "reference": "REQ-1447-000001",
     "sender": "CHARITY", "encoding": "UCS-2", "segments": 2, "callback_url": "https://.../messages/receipt/42/<sig>"}
With SMS_WEBHOOK_SECRET set, the header X-Signature carries the hex HMAC-SHA256 of the raw body.
Any 2xx is success (an optional JSON {"id": "..."} is kept as the provider's id); 4xx fails the
message at once, 5xx and timeouts are retried. The bridge reports delivery by POSTing
{"status": "delivered" | "failed", "reason": "..."} to callback_url.
"""
from __future__ import annotations

import hashlib
import hmac
import json

from flask import current_app

from workflow.messaging.channels import (
    Adapter,
    Outgoing,
    Receipt,
    json_of,
    post,
    require,
)
from workflow.messaging.templates import sms_segments


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookAdapter(Adapter):
    name = "webhook"
    channel = "sms"

    def send(self, out: Outgoing) -> Receipt:
        url = require("SMS_WEBHOOK_URL")
        encoding, segments, _length = sms_segments(out.text)
        payload = {"to": out.to, "text": out.text, "message_id": out.message_id, "reference": out.reference,
                   "sender": out.sender, "encoding": encoding, "segments": segments,
                   "callback_url": out.callback_url}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        secret = current_app.config.get("SMS_WEBHOOK_SECRET") or ""
        if secret:
            headers["X-Signature"] = signature(secret, body)
        response = post(url, data=body, headers=headers)
        data = json_of(response)
        return Receipt(provider_id=str(data.get("id") or ""), answer=f"webhook: HTTP {response.status_code}")
