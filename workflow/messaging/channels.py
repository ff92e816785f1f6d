"""The one small interface every channel adapter implements, and the HTTP helper they share.

An adapter gets an Outgoing and either returns a Receipt (the provider accepted the
message) or raises TemporaryFailure (try again later: 5xx, timeout, network) or
PermanentFailure (never retry: 4xx, refused number, unapproved template). Reasons
are short and never carry the message text or the full phone number.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field

import requests
from flask import current_app


@dataclass
class Outgoing:
    message_id: int
    to: str  # E.164 (+9665...) or an email address
    text: str
    subject: str = ""
    reference: str = ""
    language: str = "ar"
    sender: str = ""
    template_name: str = ""
    template_params: list = field(default_factory=list)
    attachments: list = field(default_factory=list)  # [(filename, mime, bytes)]
    callback_url: str = ""


@dataclass
class Receipt:
    provider_id: str = ""
    answer: str = ""  # the provider's answer in a few words (shown to staff)


class SendFailure(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = redact(reason)[:480]


class TemporaryFailure(SendFailure):
    """Worth another attempt later."""


class PermanentFailure(SendFailure):
    """Retrying would give the same answer."""


class Adapter:
    name = "record"
    channel = "record"

    def send(self, out: Outgoing) -> Receipt:  # pragma: no cover - interface
        raise NotImplementedError


_LONG_DIGITS = re.compile(r"\+?\d{7,}")


def redact(text: str) -> str:
    """Mask long digit runs (phone numbers) in a provider's answer before it is stored or logged."""
    return _LONG_DIGITS.sub(lambda m: m.group(0)[:4] + "…" + m.group(0)[-2:], str(text or ""))


def international(e164: str) -> str:
    """+966551234567 → 966551234567: the providers' "without 00 or +" form."""
    return (e164 or "").lstrip("+")


def timeout() -> float:
    return float(current_app.config.get("MESSAGING_HTTP_TIMEOUT", 10))


def post(url: str, **kwargs) -> requests.Response:
    """POST and sort the outcome: a Response on 2xx, else the right failure."""
    try:
        response = requests.post(url, timeout=timeout(), **kwargs)
    except requests.Timeout:
        raise TemporaryFailure("timeout: the provider did not answer in time")
    except requests.RequestException as exc:
        raise TemporaryFailure(f"connection failed ({type(exc).__name__})")
    if response.status_code >= 500 or response.status_code == 429:
        raise TemporaryFailure(f"HTTP {response.status_code}: {response.text[:200]}")
    if response.status_code >= 400:
        raise PermanentFailure(f"HTTP {response.status_code}: {response.text[:200]}")
    return response


def json_of(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def require(name: str) -> str:
    """A credential from the configuration (the environment); a missing one fails permanently."""
    value = current_app.config.get(name) or ""
    if not value:
        raise PermanentFailure(f"{name} is not set: the channel is not configured")
    return value


# -- signed delivery-receipt URLs ----------------------------------------------------------------
def _callback_key() -> bytes:
    cfg = current_app.config
    return (cfg.get("MESSAGING_CALLBACK_SECRET") or cfg["SECRET_KEY"]).encode("utf-8")


def receipt_signature(message_id: int) -> str:
    return hmac.new(_callback_key(), f"receipt:{message_id}".encode(), hashlib.sha256).hexdigest()[:32]


def receipt_signature_ok(message_id: int, signature: str) -> bool:
    return hmac.compare_digest(receipt_signature(message_id), signature or "")


def receipt_url(message_id: int) -> str:
    """Where a provider reports the delivery of one message (empty without PUBLIC_BASE_URL)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base:
        return ""
    return f"{base}/messages/receipt/{message_id}/{receipt_signature(message_id)}"
