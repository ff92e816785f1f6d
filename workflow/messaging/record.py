"""The `record` channel: nothing leaves the system; an officer copies the text and marks it sent."""
from __future__ import annotations

from workflow.messaging.channels import Adapter, Outgoing, Receipt


class RecordAdapter(Adapter):
    name = "record"
    channel = "record"

    def send(self, out: Outgoing) -> Receipt:
        # The worker never claims record messages; send-test uses this to show what would go out.
        return Receipt(answer="recorded only: send it by hand from the outbox screen")
