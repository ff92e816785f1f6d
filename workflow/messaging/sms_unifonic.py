"""SMS through Unifonic.

Written against Unifonic's REST API, "Sending your first SMS via Unifonic API":
https://docs.unifonic.com/docs/sending-your-first-sms-via-unifonic-api
POST https://el.cloud.unifonic.com/rest/SMS/messages, form-encoded: AppSid, SenderID,
Recipient (international, without 00 or +), Body (Arabic allowed), responseType=JSON,
CorrelationID. The answer is JSON: {"success": true, "errorCode": "ER-00", "data": {"MessageID": ...}};
"success": false carries the refusal in errorCode/message. Delivery statuses come through the
webhook configured in Unifonic's console (see README, Messages).
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

DEFAULT_URL = "https://el.cloud.unifonic.com/rest/SMS/messages"


class UnifonicAdapter(Adapter):
    name = "unifonic"
    channel = "sms"

    def send(self, out: Outgoing) -> Receipt:
        app_sid = require("UNIFONIC_APP_SID")
        form = {"AppSid": app_sid, "Recipient": international(out.to), "Body": out.text,
                "responseType": "JSON", "CorrelationID": str(out.message_id)}
        if out.sender:
            form["SenderID"] = out.sender
        response = post(current_app.config.get("UNIFONIC_URL") or DEFAULT_URL, data=form,
                        headers={"Accept": "application/json"})
        data = json_of(response)
        if str(data.get("success")).lower() != "true":
            raise PermanentFailure(f"Unifonic refused: {data.get('errorCode', '')} {data.get('message', '')}".strip())
        details = data.get("data") or {}
        return Receipt(provider_id=str(details.get("MessageID") or ""),
                       answer=f"Unifonic: {details.get('Status') or 'accepted'}")
