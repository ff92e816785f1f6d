"""Message wording: the events that send a message, their variables, default texts and SMS segments.

A template is plain text with `{variable}` places. Only the variables in VARIABLES
exist; anything else (a typo, `{name.__class__}`, a format spec) is refused when the
template is saved, so a message can never fail to render at send time.
"""
from __future__ import annotations

import string

from flask_babel import lazy_gettext as _l

from extensions import db
from models.outbox import MessageTemplate

VARIABLES = {
    "name": _l("The beneficiary's (or volunteer's) full name"),
    "reference": _l("The request's reference number"),
    "service": _l("The service requested"),
    "decision": _l("What the committee granted, or the reason for its decision"),
    "missing": _l("The list of what is missing"),
    "due_date_hijri": _l("The decision due date (Hijri)"),
    "status_link": _l("The link to the request status page"),
    "survey_link": _l("The satisfaction survey link"),
    "organisation": _l("The organisation's name"),
    "deciding_body": _l("The body that decides (Settings → Organisation profile: the deciding committee)"),
}

# event → label. The order is the order of the request's life.
EVENTS = {
    "received": _l("Request received"),
    "incomplete": _l("Request incomplete (what is missing)"),
    "research_appointment": _l("Referred for a field visit or interview"),
    "decision_accept": _l("Decision: accepted"),
    "decision_reject": _l("Decision: rejected"),
    "decision_defer": _l("Decision: deferred"),
    "service_ready": _l("Service delivered"),
    "survey": _l("Satisfaction survey link"),
    "status_link": _l("Request status link"),
    "volunteer_received": _l("Volunteer registration received"),
    "message": _l("Message written by staff"),
    "test": _l("Test message"),
}

# The wording the policies give each step (the beneficiary is told the request arrived, what is
# missing, what the committee decided, and is asked how the service was). Arabic first.
DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    ("received", "ar"): (
        "استلام طلبكم رقم {reference}",
        "السلام عليكم {name}،\nاستلمت {organisation} طلبكم رقم {reference} ({service}). "
        "يصدر القرار في موعد أقصاه {due_date_hijri} هـ، ويمكنكم متابعة حالة الطلب عبر: {status_link}"),
    ("received", "en"): (
        "We received your request {reference}",
        "Dear {name},\n{organisation} received your request {reference} ({service}). A decision is due by "
        "{due_date_hijri} AH. Follow its status at: {status_link}"),
    ("incomplete", "ar"): (
        "طلبكم رقم {reference} يحتاج إلى استكمال",
        "السلام عليكم {name}،\nنفيدكم بأن طلبكم رقم {reference} ({service}) يحتاج إلى استكمال ما يلي:\n{missing}\n"
        "نأمل تزويدنا بها في أقرب وقت ليستكمل النظر في طلبكم."),
    ("incomplete", "en"): (
        "Your request {reference} is incomplete",
        "Dear {name},\nYour request {reference} ({service}) needs the following:\n{missing}\n"
        "Please send them soon so that we can continue."),
    ("research_appointment", "ar"): (
        "موعد البحث الاجتماعي لطلبكم رقم {reference}",
        "السلام عليكم {name}،\nأحيل طلبكم رقم {reference} ({service}) إلى الباحث الاجتماعي، "
        "وسيتواصل معكم لتحديد موعد المقابلة أو الزيارة الميدانية."),
    ("research_appointment", "en"): (
        "Social research for your request {reference}",
        "Dear {name},\nYour request {reference} ({service}) was referred to our social researcher, who will "
        "contact you to arrange an interview or a home visit."),
    ("decision_accept", "ar"): (
        "الموافقة على طلبكم رقم {reference}",
        "السلام عليكم {name}،\nيسرنا إبلاغكم بموافقة {deciding_body} على طلبكم رقم {reference} ({service}). "
        "المعتمد: {decision}\nسنتواصل معكم لتسليم الخدمة."),
    ("decision_accept", "en"): (
        "Your request {reference} was accepted",
        "Dear {name},\n{deciding_body} accepted your request {reference} ({service}). Granted: {decision}\n"
        "We will contact you to deliver the service."),
    ("decision_reject", "ar"): (
        "نتيجة طلبكم رقم {reference}",
        "السلام عليكم {name}،\nنعتذر عن عدم قبول طلبكم رقم {reference} ({service}).\nالسبب: {decision}\n"
        "يسعدنا استقبال استفساركم عبر قنوات التواصل."),
    ("decision_reject", "en"): (
        "The result of your request {reference}",
        "Dear {name},\nWe are sorry: your request {reference} ({service}) was not accepted.\nReason: {decision}\n"
        "You are welcome to contact us with any question."),
    ("decision_defer", "ar"): (
        "تأجيل النظر في طلبكم رقم {reference}",
        "السلام عليكم {name}،\nصدر قرار {deciding_body} بتأجيل النظر في طلبكم رقم {reference} ({service}) "
        "إلى جلسة لاحقة.\nالسبب: {decision}"),
    ("decision_defer", "en"): (
        "Your request {reference} was deferred",
        "Dear {name},\n{deciding_body} deferred your request {reference} ({service}) to a later session.\n"
        "Reason: {decision}"),
    ("service_ready", "ar"): (
        "تسليم الخدمة لطلبكم رقم {reference}",
        "السلام عليكم {name}،\nتم تسليم خدمة ({service}) لطلبكم رقم {reference}. شكرًا لتواصلكم مع {organisation}."),
    ("service_ready", "en"): (
        "Service delivered for request {reference}",
        "Dear {name},\nThe service ({service}) for your request {reference} has been delivered. "
        "Thank you for contacting {organisation}."),
    ("survey", "ar"): (
        "كيف كانت خدمتنا؟ ({reference})",
        "السلام عليكم {name}،\nنسعد بمعرفة مدى رضاكم عن خدمتنا في طلبكم رقم {reference}؛ "
        "لن يستغرق ذلك سوى دقيقة: {survey_link}"),
    ("survey", "en"): (
        "How was our service? ({reference})",
        "Dear {name},\nPlease tell us how satisfied you are with our service for request {reference}; "
        "it takes one minute: {survey_link}"),
    ("status_link", "ar"): (
        "متابعة طلبكم رقم {reference}",
        "السلام عليكم {name}،\nيمكنكم متابعة حالة طلبكم رقم {reference} عبر: {status_link}"),
    ("status_link", "en"): (
        "Follow your request {reference}",
        "Dear {name},\nFollow the status of your request {reference} at: {status_link}"),
    ("volunteer_received", "ar"): (
        "استلام طلب التطوع",
        "السلام عليكم {name}،\nشكرًا لرغبتكم في التطوع مع {organisation}. استلمنا طلبكم وسنتواصل معكم قريبًا."),
    ("volunteer_received", "en"): (
        "We received your volunteer registration",
        "Dear {name},\nThank you for offering to volunteer with {organisation}. We received your registration "
        "and will contact you soon."),
}


class TemplateError(ValueError):
    pass


def fields_of(text: str) -> list[str]:
    """The variable names a template uses; raises TemplateError for anything but plain `{name}`."""
    names = []
    try:
        parsed = list(string.Formatter().parse(text or ""))
    except ValueError:
        raise TemplateError(_l("A brace is not closed: write variables as {name}, and a literal brace as {{ or }}."))
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in VARIABLES or spec or conversion:
            raise TemplateError(_l("Unknown variable {%(name)s}. Allowed: %(allowed)s.",
                                   name=field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else ""),
                                   allowed=", ".join("{%s}" % v for v in VARIABLES)))
        names.append(field)
    return names


def validate(text: str) -> None:
    fields_of(text)


def render(text: str, context: dict) -> str:
    """Fill the template; a variable without a value becomes empty (never an error at send time)."""
    try:
        fields_of(text)
    except TemplateError:
        return text or ""
    values = {name: str(context.get(name) or "") for name in VARIABLES}
    return (text or "").format_map(values)


def template_for(event: str, language: str) -> tuple[str, str, str, list[str]]:
    """(subject, body, whatsapp template name, whatsapp parameter names) for an event.

    The organisation's active template in that language, else its Arabic one, else the default.
    """
    rows = {t.language: t for t in db.session.scalars(
        db.select(MessageTemplate).where(MessageTemplate.event == event, MessageTemplate.active.is_(True)))}
    row = rows.get(language) or rows.get("ar")
    if row is not None:
        params = [p.strip() for p in (row.whatsapp_params or "").split(",") if p.strip()]
        return row.subject, row.body, row.whatsapp_template or "", params
    subject, body = DEFAULTS.get((event, language)) or DEFAULTS.get((event, "ar")) or ("", "")
    return subject, body, "", []


def load_default_templates() -> int:
    """Seed the templates table from DEFAULTS where an event/language has none. Returns rows added."""
    existing = set(db.session.execute(db.select(MessageTemplate.event, MessageTemplate.language)).all())
    added = 0
    for (event, language), (subject, body) in DEFAULTS.items():
        if (event, language) not in existing:
            db.session.add(MessageTemplate(event=event, language=language, subject=subject, body=body))
            added += 1
    return added


# -- SMS length -------------------------------------------------------------------------------
# GSM 03.38 basic alphabet, and the extension table whose characters take two septets.
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def sms_segments(text: str) -> tuple[str, int, int]:
    """(encoding, segments, length) of an SMS.

    GSM-7: 160 characters in one message, 153 per part when split. Anything outside
    that alphabet (Arabic) is sent as UCS-2: 70 in one, 67 per part, counted in UTF-16 units.
    """
    text = text or ""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in text):
        length = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    if length == 0:
        return encoding, 0, 0
    segments = 1 if length <= single else -(-length // part)
    return encoding, segments, length
