"""The email channel against a real SMTP server on loopback (aiosmtpd), sent by the outbox worker."""
from __future__ import annotations

import email
import importlib
import importlib.metadata
import importlib.util
import socket
import sys
from email import policy

import pytest


def _import_aiosmtpd():
    """aiosmtpd imports `public` (the atpublic package), which our own `public/`
    blueprint package shadows; lend it the real one while it is imported."""
    try:
        dist = importlib.metadata.distribution("atpublic")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("aiosmtpd/atpublic not installed")
    init = dist.locate_file("public/__init__.py")
    spec = importlib.util.spec_from_file_location("public", init, submodule_search_locations=[str(init.parent)])
    atpublic = importlib.util.module_from_spec(spec)
    ours = sys.modules.get("public")
    sys.modules["public"] = atpublic
    try:
        spec.loader.exec_module(atpublic)
        return importlib.import_module("aiosmtpd.controller")
    finally:
        if ours is not None:
            sys.modules["public"] = ours
        else:
            sys.modules.pop("public", None)


aiosmtpd = _import_aiosmtpd()

from extensions import db  # noqa: E402
from tests import factories as f  # noqa: E402
from tests.factories import english  # noqa: F401 (autouse)
from workflow import state_machine as sm  # noqa: E402
from workflow.messaging.worker import run_once  # noqa: E402


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_inbox(app):
    inbox = Inbox()
    port = _free_port()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(NOTIFIER_BACKEND="email", SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                      MAIL_FROM="charity@example.org")
    yield inbox
    controller.stop()
    app.config.update(NOTIFIER_BACKEND="record")


def _by_subject(inbox, words):
    return [(rcpt, m) for rcpt, m in inbox.messages if words in m["Subject"]]


def test_incomplete_notice_arrives_by_email_in_arabic(app, users, smtp_inbox):
    b = f.beneficiary(email="beneficiary@example.org")
    application = f.application(b)
    sm.mark_incomplete(application, users["officer"], ["صورة الهوية الوطنية سارية"])
    db.session.commit()
    assert smtp_inbox.messages == []  # nothing is sent inside the request: the worker sends
    run_once()
    [(rcpt, message)] = _by_subject(smtp_inbox, "يحتاج إلى استكمال")
    assert rcpt == ["beneficiary@example.org"]
    assert message["Subject"] == f"طلبكم رقم {application.reference} يحتاج إلى استكمال"
    body = message.get_content()
    assert "صورة الهوية الوطنية سارية" in body and b.full_name in body
    comm = [c for c in b.communications if "استكمال" in c.subject][0]
    db.session.refresh(comm)
    assert comm.delivery == "email-sent" and comm.direction == "outgoing"


def test_decision_by_email_with_the_letter_and_failure_is_recorded_not_fatal(app, users, smtp_inbox):
    b = f.beneficiary(email="beneficiary@example.org")
    application = f.application(b)
    sm.verify(application, users["officer"])
    sm.raise_to_committee(application, users["officer"])
    member = users["committee"]
    session = f.session([member], present=[member], agenda=[application])
    sm.decide(application, member, session, "accept", granted="سلة غذائية")
    db.session.commit()
    run_once()
    [(_, message)] = _by_subject(smtp_inbox, "الموافقة")
    assert "سلة غذائية" in message.get_body(("plain",)).get_content()
    [letter] = list(message.iter_attachments())
    # No PDF renderer configured: the letter travels as HTML, in Arabic.
    assert letter.get_filename() == f"decision-{application.reference}.html"
    assert "الموافقة" in letter.get_content()
    # The server goes away: the state change stands, the message waits for a retry.
    app.config["SMTP_PORT"] = _free_port()
    other = f.application(f.beneficiary(email="x@example.org"))
    sm.mark_incomplete(other, users["officer"], ["إثبات الدخل"])
    db.session.commit()
    run_once()
    assert other.status == "incomplete"
    comm = [c for c in other.beneficiary.communications if "استكمال" in c.subject][0]
    db.session.refresh(comm)
    assert comm.delivery == "email-queued"
