"""Email through the organisation's SMTP server (SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD,
SMTP_STARTTLS, MAIL_FROM), with attachments (the decision letter)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app

from workflow.messaging.channels import (
    Adapter,
    Outgoing,
    PermanentFailure,
    Receipt,
    TemporaryFailure,
)


class EmailAdapter(Adapter):
    name = "smtp"
    channel = "email"

    def send(self, out: Outgoing) -> Receipt:
        cfg = current_app.config
        mail = EmailMessage()
        mail["Subject"] = out.subject
        mail["From"] = cfg.get("MAIL_FROM", "no-reply@localhost")
        mail["To"] = out.to
        mail.set_content(out.text)
        for filename, mime, data in out.attachments:
            maintype, _, subtype = mime.partition("/")
            if maintype == "text":  # sent as UTF-8 text, so the Arabic letter reads in any mail client
                mail.add_attachment(data.decode("utf-8"), subtype=subtype, filename=filename)
            else:
                mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        try:
            with smtplib.SMTP(cfg.get("SMTP_HOST", "127.0.0.1"), int(cfg.get("SMTP_PORT", 25)),
                              timeout=float(cfg.get("MESSAGING_HTTP_TIMEOUT", 10))) as smtp:
                if cfg.get("SMTP_STARTTLS"):
                    smtp.starttls()
                if cfg.get("SMTP_USER"):
                    smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD", ""))
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused:
            raise PermanentFailure("the mail server refused the address")
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"SMTP {exc.smtp_code}")
            raise TemporaryFailure(f"SMTP {exc.smtp_code}")
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"mail server unreachable ({type(exc).__name__})")
        return Receipt(answer="SMTP: accepted")
