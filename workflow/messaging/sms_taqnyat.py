"""SMS through Taqnyat (taqnyat.sa).

Written against Taqnyat's SMS API reference: https://dev.taqnyat.sa/en/doc/sms/
POST https://api.taqnyat.sa/v1/messages with "Authorization: Bearer <token>" and a JSON body
{"recipients": ["9665..."], "body": "...", "sender": "<registered sender name>"}; numbers in
international form without 00 or +, text in UTF-8. Success is 201 with {"statusCode": 201,
"messageId": ...}; errors carry statusCode and message.
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

DEFAULT_URL = "https://api.taqnyat.sa/v1/messages"


class TaqnyatAdapter(Adapter):
    name = "taqnyat"
    channel = "sms"

    def send(self, out: Outgoing) -> Receipt:
        token = require("TAQNYAT_TOKEN")
        if not out.sender:
            raise PermanentFailure("no SMS sender name: set it in Settings → Organisation profile or SMS_SENDER")
        payload = {"recipients": [international(out.to)], "body": out.text, "sender": out.sender}
        response = post(current_app.config.get("TAQNYAT_URL") or DEFAULT_URL, json=payload,
                        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        data = json_of(response)
        status = data.get("statusCode", response.status_code)
        if int(status or 0) not in (200, 201):
            raise PermanentFailure(f"Taqnyat refused: {status} {data.get('message', '')}".strip())
        return Receipt(provider_id=str(data.get("messageId") or ""), answer=f"Taqnyat: {status} accepted")
