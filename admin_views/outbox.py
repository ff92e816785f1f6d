"""The outbox screen, the message templates (Settings) and a beneficiary's message preferences.

Thin: every change goes through workflow/messaging/outbox.py.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import Length, ValidationError

from admin_views.base import SecureModelView, SecureView
from extensions import db
from models.application import Application
from models.beneficiary import Beneficiary
from models.outbox import MessageChannel, MessageState, MessageTemplate, OutboxMessage
from workflow.dates import dual_date
from workflow.messaging import outbox
from workflow.messaging.templates import (
    EVENTS,
    VARIABLES,
    TemplateError,
    fields_of,
    render,
    sms_segments,
)
from workflow.phones import mask_phone
from workflow.roles import ADMIN_OFFICER, ADMIN_ONLY

STATE_LABELS = {
    MessageState.QUEUED: _l("Waiting"), MessageState.SENDING: _l("Sending"), MessageState.SENT: _l("Sent"),
    MessageState.DELIVERED: _l("Delivered"), MessageState.FAILED: _l("Failed"),
    MessageState.CANCELLED: _l("Cancelled"),
}
CHANNEL_LABELS = {
    MessageChannel.RECORD: _l("Record only (send by hand)"), MessageChannel.SMS: _l("SMS"),
    MessageChannel.WHATSAPP: _l("WhatsApp"), MessageChannel.EMAIL: _l("Email"),
}
LANGUAGE_LABELS = {"ar": _l("Arabic"), "en": _l("English")}
STATE_BADGES = {MessageState.QUEUED: "secondary", MessageState.SENDING: "info", MessageState.SENT: "primary",
                MessageState.DELIVERED: "success", MessageState.FAILED: "danger", MessageState.CANCELLED: "light"}


class _Choices(FilterEqual):
    def __init__(self, column, name, labels):
        self._labels = labels
        super().__init__(column, name, options=lambda: [(k, str(v)) for k, v in self._labels.items()])


def _state(view, context, model, name):
    return Markup('<span class="badge badge-{}" data-state="{}">{}</span>').format(
        STATE_BADGES.get(model.state, "secondary"), model.state, STATE_LABELS.get(model.state, model.state))


def _recipient(view, context, model, name):
    if model.channel == MessageChannel.EMAIL:
        return model.to_address
    return Markup('<bdi dir="ltr">{}</bdi>').format(mask_phone(model.to_address))


def _segments_label(text: str) -> str:
    encoding, segments, length = sms_segments(text)
    return _("%(length)d characters, %(segments)d SMS (%(encoding)s)", length=length, segments=segments,
             encoding=encoding)


class OutboxAdmin(SecureModelView):
    """Every message, its state and the provider's answer; retry, cancel, resend, mark sent by hand."""

    roles_read = ADMIN_OFFICER
    roles_create = roles_edit = roles_delete = frozenset()
    roles_export = frozenset()  # message texts are personal data: no bulk export
    action_roles = {"retry": ADMIN_OFFICER, "cancel": ADMIN_OFFICER, "resend": ADMIN_OFFICER,
                    "mark_sent": ADMIN_OFFICER}
    auto_ajax_refs = False
    details_template = "admin/outbox/details.html"
    list_template = "admin/outbox/list.html"

    @property
    def extra_js(self):
        return [url_for("static", filename="js/outbox.js")]

    column_list = ("created_at", "event", "channel", "state", "recipient", "beneficiary", "application",
                   "attempts", "last_error")
    column_details_list = ("created_at", "event", "channel", "state", "recipient", "beneficiary", "volunteer",
                           "application", "subject", "attempts", "next_attempt_at", "last_attempt_at", "sent_at",
                           "delivered_at", "backend", "provider_message_id", "last_error", "staff")
    column_default_sort = ("id", True)
    column_sortable_list = ("created_at", "attempts")
    column_labels = {
        "created_at": _l("Written at"), "event": _l("Event"), "channel": _l("Channel"), "state": _l("State"),
        "recipient": _l("Recipient"), "beneficiary": _l("Beneficiary"), "volunteer": _l("Volunteer"),
        "application": _l("Request"), "subject": _l("Subject"), "attempts": _l("Attempts"),
        "next_attempt_at": _l("Next attempt"), "last_attempt_at": _l("Last attempt"), "sent_at": _l("Sent at"),
        "delivered_at": _l("Delivered at"), "backend": _l("Sent through"),
        "provider_message_id": _l("Provider's message id"), "last_error": _l("Provider's answer / reason"),
        "staff": _l("Staff member"),
    }
    column_formatters = {
        "created_at": lambda v, c, m, n: dual_date(m.created_at, with_time=True),
        "next_attempt_at": lambda v, c, m, n: dual_date(m.next_attempt_at, with_time=True),
        "last_attempt_at": lambda v, c, m, n: dual_date(m.last_attempt_at, with_time=True),
        "sent_at": lambda v, c, m, n: dual_date(m.sent_at, with_time=True),
        "delivered_at": lambda v, c, m, n: dual_date(m.delivered_at, with_time=True),
        "event": lambda v, c, m, n: EVENTS.get(m.event, m.event),
        "channel": lambda v, c, m, n: CHANNEL_LABELS.get(m.channel, m.channel),
        "state": _state,
        "recipient": _recipient,
        "application": lambda v, c, m, n: m.application.reference if m.application else "",
        "staff": lambda v, c, m, n: m.staff.full_name if m.staff else "",
    }
    list_eager_load = ("beneficiary", "application")

    @property
    def column_filters(self):
        return [_Choices(OutboxMessage.state, _l("State"), STATE_LABELS),
                _Choices(OutboxMessage.channel, _l("Channel"), CHANNEL_LABELS),
                _Choices(OutboxMessage.event, _l("Event"), EVENTS)]

    @column_filters.setter
    def column_filters(self, value):
        pass

    @staticmethod
    def state_label(state: str) -> str:
        return str(STATE_LABELS.get(state, state))

    def get_query(self):
        query = super().get_query()
        state = request.args.get("state") if request else None
        if state in MessageState.ALL:  # the dashboard's link to the failed messages
            query = query.filter(OutboxMessage.state == state)
        return query

    def get_count_query(self):
        query = super().get_count_query()
        state = request.args.get("state") if request else None
        if state in MessageState.ALL:
            query = query.filter(OutboxMessage.state == state)
        return query

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["segments"] = _segments_label(kwargs["model"].body)
            kwargs["state_labels"] = STATE_LABELS
        return super().render(template, **kwargs)

    # -- actions --------------------------------------------------------------------------
    def _apply(self, ids, change, done_message):
        changed = 0
        for message in self.get_query().filter(OutboxMessage.id.in_([int(i) for i in ids])).all():
            if change(message, current_user):
                changed += 1
        db.session.commit()
        flash(done_message % {"n": changed}, "success" if changed else "warning")

    @action("retry", _l("Retry"), _l("Send the selected failed messages again?"))
    def action_retry(self, ids):
        self._apply(ids, outbox.retry, _("%(n)d message(s) queued again."))

    @action("cancel", _l("Cancel"), _l("Cancel the selected waiting messages?"))
    def action_cancel(self, ids):
        self._apply(ids, outbox.cancel, _("%(n)d message(s) cancelled."))

    @action("resend", _l("Resend"), _l("Send a new copy of the selected messages?"))
    def action_resend(self, ids):
        self._apply(ids, lambda m, u: outbox.resend(m, u) is not None, _("%(n)d new copy(ies) queued."))

    @action("mark_sent", _l("Mark as sent by hand"))
    def action_mark_sent(self, ids):
        self._apply(ids, outbox.mark_sent, _("%(n)d message(s) marked as sent."))

    @expose("/act/", methods=["POST"])
    def act_view(self):
        """The buttons on a message's page (one message, CSRF-checked like every POST)."""
        name = request.form.get("action", "")
        if name not in self.action_roles or not self.is_action_allowed(name):
            abort(403)
        message_id = request.form.get("id", type=int) or 0
        if self.get_one(str(message_id)) is None:
            abort(404)
        getattr(self, f"action_{name}")([message_id])
        return redirect(url_for(".details_view", id=message_id))


    @expose("/status-link/", methods=["POST"])
    def status_link_view(self):
        """Queue the status link for a request's beneficiary (asked for by phone or at the desk)."""
        application = db.session.get(Application, request.form.get("application_id", type=int) or 0)
        if application is None:
            abort(404)
        outbox.send_status_link(application, current_user)
        db.session.commit()
        flash(_("The status link is in the outbox."), "success")
        return redirect(url_for("application.details_view", id=application.id))


# -- message templates -----------------------------------------------------------------------------
def _template_text(form, field):
    try:
        fields_of(field.data or "")
    except TemplateError as exc:
        raise ValidationError(str(exc)) from None


def _whatsapp_params(form, field):
    for name in (p.strip() for p in (field.data or "").split(",")):
        if name and name not in VARIABLES:
            raise ValidationError(_("Unknown variable %(name)s. Allowed: %(allowed)s.", name=name,
                                    allowed=", ".join(VARIABLES)))


def _variables_help() -> str:
    return ", ".join("{%s} (%s)" % (name, label) for name, label in VARIABLES.items())


class MessageTemplateAdmin(SecureModelView):
    roles_read = roles_create = roles_edit = roles_delete = ADMIN_ONLY
    roles_export = frozenset()
    edit_template = "admin/outbox/template_edit.html"

    column_list = ("event", "language", "subject", "length", "whatsapp_template", "active")
    column_default_sort = ("event", False)
    column_labels = {"event": _l("Event"), "language": _l("Language"), "subject": _l("Subject (email)"),
                     "body": _l("Text"), "length": _l("Length"), "whatsapp_template": _l("WhatsApp template name"),
                     "whatsapp_params": _l("WhatsApp template parameters"), "active": _l("Active")}
    column_formatters = {
        "event": lambda v, c, m, n: EVENTS.get(m.event, m.event),
        "language": lambda v, c, m, n: LANGUAGE_LABELS.get(m.language, m.language),
        "length": lambda v, c, m, n: _segments_label(m.body),
    }
    form_columns = ("event", "language", "subject", "body", "whatsapp_template", "whatsapp_params", "active")
    form_overrides = {"event": SelectField, "language": SelectField, "body": TextAreaField}

    @property
    def form_args(self):
        return {
            "event": {"label": _l("Event")}, "language": {"label": _l("Language")},
            "subject": {"label": _l("Subject (email)"), "validators": [_template_text, Length(max=200)]},
            "body": {"label": _l("Text"), "validators": [_template_text],
                     "description": _l("Variables you can use: %(variables)s", variables=_variables_help())},
            "whatsapp_template": {"label": _l("WhatsApp template name"),
                                  "description": _l("The name of the template approved by Meta for this event.")},
            "whatsapp_params": {"label": _l("WhatsApp template parameters"), "validators": [_whatsapp_params],
                                "description": _l("Variables filling the approved template's {{1}}, {{2}}… "
                                                  "in order, separated by commas, e.g. name, reference")},
        }

    @form_args.setter
    def form_args(self, value):
        pass

    def _choices(self, form):
        form.event.choices = [(k, str(v)) for k, v in EVENTS.items() if k != "test"]
        form.language.choices = [(k, str(v)) for k, v in LANGUAGE_LABELS.items()]
        return form

    def create_form(self, obj=None):
        return self._choices(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._choices(super().edit_form(obj))

    def render(self, template, **kwargs):
        form = kwargs.get("form")
        if template == self.edit_template and form is not None and hasattr(form, "body"):
            kwargs["segments"] = _segments_label(form.body.data or "")
        return super().render(template, **kwargs)

    def validate_form(self, form):
        valid = super().validate_form(form)
        if valid and request.method == "POST" and hasattr(form, "event"):
            current = request.args.get("id", type=int)
            clash = db.session.scalar(select(MessageTemplate.id).where(
                MessageTemplate.event == form.event.data, MessageTemplate.language == form.language.data,
                MessageTemplate.id != (current or 0)))
            if clash:
                form.language.errors = list(form.language.errors) + [
                    _("This event already has a template in this language.")]
                return False
        return valid

    @expose("/preview/")
    def preview_view(self):
        """The template filled with a real request's data (the newest one, or the reference asked for)."""
        template = db.session.get(MessageTemplate, request.args.get("id", type=int) or 0)
        if template is None:
            abort(404)
        reference = (request.args.get("reference") or "").strip()
        query = select(Application).order_by(Application.id.desc()).limit(1)
        if reference:
            query = select(Application).where(Application.reference == reference)
        application = db.session.scalar(query)
        context = {}
        if application is not None:
            context = preview_context(application, template.language)
        text = render(template.body, context)
        return self.render("admin/outbox/template_preview.html", message_template=template, application=application,
                           reference=reference, subject=render(template.subject, context), text=text,
                           segments=_segments_label(text), event_label=EVENTS.get(template.event, template.event))


def preview_context(application, language: str) -> dict:
    """What the message for this request would say (links shown as they would be sent)."""
    from models.committee import Decision
    from workflow.dates import hijri
    from workflow.policy_templates import deciding_body

    decision = db.session.scalar(select(Decision).where(Decision.application_id == application.id)
                                 .order_by(Decision.id.desc()).limit(1))
    service = application.service_type
    return {
        "name": application.contact_name or application.applicant if application.beneficiary is None
        else application.beneficiary.full_name, "reference": application.reference,
        "service": (service.name_en if language == "en" and service.name_en else service.name_ar) if service else "",
        "decision": (decision.granted or decision.reason) if decision else "",
        "missing": "\n".join(f"- {m}" for m in application.missing_items or []),
        "due_date_hijri": hijri(application.decision_due) if application.decision_due else "",
        "status_link": outbox.status_link(), "survey_link": outbox.public_url("/survey/…"),
        "deciding_body": deciding_body(language),
        "organisation": outbox.organisation_name(language),
    }


# -- a beneficiary's message preferences ---------------------------------------------------------
class PreferencesForm(FlaskForm):
    preferred_channel = SelectField(_l("Preferred channel"), choices=[])
    messages_opt_out = BooleanField(_l("Opted out of messages (no message is sent while this is ticked)"))


def channel_choices():
    return [("", _("The organisation's channel"))] + [(k, str(CHANNEL_LABELS[k])) for k in MessageChannel.ALL]


class MessagePreferencesView(SecureView):
    """Saved from the beneficiary's page; shown there with the messages sent to them."""

    roles_read = ADMIN_OFFICER

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("beneficiary.index_view"))

    @expose("/<int:beneficiary_id>", methods=["POST"])
    def save(self, beneficiary_id: int):
        beneficiary = db.session.get(Beneficiary, beneficiary_id)
        if beneficiary is None:
            abort(404)
        form = PreferencesForm()
        form.preferred_channel.choices = channel_choices()
        if form.validate_on_submit():
            beneficiary.preferred_channel = form.preferred_channel.data or ""
            beneficiary.messages_opt_out = bool(form.messages_opt_out.data)
            db.session.commit()
            flash(_("Message preferences saved."), "success")
        else:
            flash(_("Choose one of the channels offered."), "danger")
        return redirect(url_for("beneficiary.details_view", id=beneficiary_id) + "#messages")


def preferences_form(beneficiary) -> PreferencesForm:
    form = PreferencesForm(formdata=None, obj=beneficiary)
    form.preferred_channel.choices = channel_choices()
    return form


def messages_of(beneficiary, limit: int = 20) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.beneficiary_id == beneficiary.id)
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))


__all__ = [
    "CHANNEL_LABELS",
    "STATE_LABELS",
    "MessagePreferencesView",
    "MessageTemplateAdmin",
    "OutboxAdmin",
    "messages_of",
    "preferences_form",
]
