"""The organisation profile (public texts, policy, board approval) and the policy templates."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import NumberRange, Optional, Regexp, ValidationError

from admin_views.base import SecureModelView, SecureView
from extensions import db
from models.service import VerificationMechanism
from workflow.files import sniff_upload
from workflow.policy import MECHANISM_LABELS
from workflow.policy_templates import TemplateError, apply_template, get_profile, get_template, list_templates, preview_template
from workflow.public_forms import clean_text
from workflow.roles import ADMIN_ONLY
from workflow.storage import save_upload

# Lists kept as JSON [{ar, en}], edited as two text areas with one item per line.
LIST_FIELDS = {
    "detailed_goals": (_l("Detailed goals"), None),
    "handling_steps": (_l("Handling steps"), None),
    "verification_steps": (_l("Eligibility verification steps"), "steps"),
    "verification_purposes": (_l("Purposes of verification"), "purposes"),
}


def _get_list(model, name):
    key = LIST_FIELDS[name][1]
    if key is None:
        return list(getattr(model, name) or [])
    return list((model.eligibility_verification or {}).get(key, []))


def _set_list(model, name, items):
    key = LIST_FIELDS[name][1]
    if key is None:
        setattr(model, name, items)
    else:
        data = dict(model.eligibility_verification or {})
        data[key] = items
        model.eligibility_verification = data


def _lines(text: str | None) -> list[str]:
    return [clean_text(line) for line in (text or "").splitlines() if clean_text(line)]


def _web_address(form, field):
    value = (field.data or "").strip()
    if value and not value.lower().startswith(("https://", "http://")):
        raise ValidationError(_l("Enter a web address starting with https://"))


def _logo_check(form, field):
    storage = field.data
    if not storage or not getattr(storage, "filename", ""):
        return
    data = storage.read()
    storage.stream.seek(0)
    try:
        mime, _ext = sniff_upload(data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    if mime not in ("image/png", "image/jpeg"):
        raise ValidationError(_l("The logo must be a PNG or JPEG image."))


def _extra_fields():
    fields = {}
    for name, (label, _key) in LIST_FIELDS.items():
        help_text = _l("One item per line.")
        if name == "handling_steps":
            help_text = _l("One step per line. Write {days} where the decision period goes; the right Arabic "
                           "wording for the number is filled in.")
        fields[f"{name}_ar"] = TextAreaField(_l("%(label)s (Arabic)", label=label), description=help_text,
                                             render_kw={"rows": 6})
        fields[f"{name}_en"] = TextAreaField(_l("%(label)s (English)", label=label), description=help_text,
                                             render_kw={"rows": 6})
    fields["mechanisms"] = SelectMultipleField(
        _l("Verification mechanisms"), choices=[(m, MECHANISM_LABELS[m]) for m in VerificationMechanism.ALL])
    fields["logo_upload"] = FileField(_l("Logo (PNG or JPEG)"), validators=[_logo_check])
    return fields


class OrganisationProfileAdmin(SecureModelView):
    """One row. The list opens the edit form directly."""

    roles_read = roles_edit = ADMIN_ONLY
    roles_create = roles_delete = frozenset()
    roles_export = frozenset()

    can_view_details = False
    form_columns = (
        "name_ar", "name_en", "licence_no", "logo_upload", "phone", "email", "website", "address",
        "default_decision_period_days", "committee_name_ar", "committee_name_en", "general_goal_ar",
        "general_goal_en", "detailed_goals_ar", "detailed_goals_en", "handling_steps_ar", "handling_steps_en",
        "mechanisms", "verification_steps_ar", "verification_steps_en", "verification_purposes_ar",
        "verification_purposes_en", "board_resolution_no", "board_meeting_no", "board_approval_date",
        "message_channel", "sms_sender",
        "follow_up_after_days", "follow_up_every_days", "follow_up_times", "feedback_response_days",
    )
    form_extra_fields = _extra_fields()
    form_overrides = {"general_goal_ar": TextAreaField, "general_goal_en": TextAreaField,
                      "default_decision_period_days": IntegerField, "message_channel": SelectField}
    form_args = {
        "default_decision_period_days": {"label": _l("Default decision period (days)"),
                                         "validators": [NumberRange(min=1, max=365)]},
        "website": {"validators": [Optional(), _web_address]},
        "board_approval_date": {"description": _l("Gregorian date; the Hijri date is shown next to it.")},
        # Messages (workflow/messaging): the channel here, the provider's credentials in the environment.
        "message_channel": {"label": _l("Messages to beneficiaries are sent by"),
                            "description": _l("SMS and WhatsApp need their provider's settings in the environment "
                                              "(see README, Messages); until then choose “Record only”.")},
        "sms_sender": {"label": _l("SMS sender name"), "validators": [Optional(), Regexp(
            r"^[A-Za-z0-9 .-]{1,11}$", message=_l("Up to 11 Latin letters or digits, as registered with the "
                                                  "SMS gateway."))]},
        # Follow-up after delivery and answering suggestions and complaints (issue 14).
        "follow_up_after_days": {"label": _l("First follow-up, days after delivery"),
                                 "validators": [Optional(), NumberRange(min=0, max=3650)]},
        "follow_up_every_days": {"label": _l("Then every (days)"),
                                 "validators": [Optional(), NumberRange(min=0, max=3650)]},
        "follow_up_times": {"label": _l("Number of follow-ups (0: none)"),
                            "validators": [Optional(), NumberRange(min=0, max=24)],
                            "description": _l("For service types without a schedule of their own.")},
        "feedback_response_days": {"label": _l("Working days to answer suggestions and complaints"),
                                   "validators": [Optional(), NumberRange(min=1, max=60)],
                                   "description": _l("Sunday to Thursday; Friday and Saturday are not counted.")},
    }
    column_labels = {
        "name_ar": _l("Name (Arabic)"), "name_en": _l("Name (English)"), "licence_no": _l("Licence number"),
        "phone": _l("Phone"), "email": _l("Email"), "website": _l("Website"), "address": _l("Address"),
        "default_decision_period_days": _l("Default decision period (days)"),
        "committee_name_ar": _l("Deciding committee (Arabic)"), "committee_name_en": _l("Deciding committee (English)"),
        "general_goal_ar": _l("General goal (Arabic)"), "general_goal_en": _l("General goal (English)"),
        "board_resolution_no": _l("Board resolution number"), "board_meeting_no": _l("Board meeting number"),
        "board_approval_date": _l("Board approval date"),
    }
    column_list = ("name_ar", "licence_no", "default_decision_period_days", "board_approval_date")

    @expose("/")
    def index_view(self):
        profile = get_profile()
        db.session.commit()
        return redirect(url_for(".edit_view", id=profile.id))

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and request.method == "GET":
            for name in LIST_FIELDS:
                items = _get_list(obj, name)
                getattr(form, f"{name}_ar").data = "\n".join(i.get("ar", "") for i in items)
                getattr(form, f"{name}_en").data = "\n".join(i.get("en", "") for i in items)
            form.mechanisms.data = list(obj.verification_mechanisms or [])
        if hasattr(form, "message_channel"):
            from admin_views.outbox import CHANNEL_LABELS

            form.message_channel.choices = [(k, str(v)) for k, v in CHANNEL_LABELS.items()]
        return form

    def on_model_change(self, form, model, is_created):
        for name in LIST_FIELDS:
            if not hasattr(form, f"{name}_ar"):
                continue
            ar, en = _lines(getattr(form, f"{name}_ar").data), _lines(getattr(form, f"{name}_en").data)
            count = max(len(ar), len(en))
            _set_list(model, name, [{"ar": ar[i] if i < len(ar) else "", "en": en[i] if i < len(en) else ""}
                                    for i in range(count)])
        if hasattr(form, "mechanisms"):
            model.verification_mechanisms = [m for m in VerificationMechanism.ALL if m in (form.mechanisms.data or [])]
        for name in ("name_ar", "name_en", "address", "committee_name_ar", "committee_name_en"):
            if hasattr(form, name):
                setattr(model, name, clean_text(getattr(model, name)))
        for name in ("general_goal_ar", "general_goal_en"):
            if hasattr(form, name):
                setattr(model, name, clean_text(getattr(model, name), multiline=True))
        if hasattr(form, "follow_up_times"):
            from workflow.errors import WorkflowError
            from workflow.followup import validate_schedule

            for name in ("follow_up_after_days", "follow_up_every_days", "follow_up_times"):
                setattr(model, name, getattr(model, name) or 0)
            model.feedback_response_days = model.feedback_response_days or 5
            try:
                validate_schedule(model.follow_up_after_days, model.follow_up_every_days, model.follow_up_times)
            except WorkflowError as exc:
                raise ValidationError(str(exc)) from None
        upload = getattr(form, "logo_upload", None)
        if upload is not None and upload.data and getattr(upload.data, "filename", ""):
            model.logo = save_upload(upload.data)


class PolicyTemplateView(SecureView):
    """Start the configuration from one of the five policy templates."""

    roles_read = ADMIN_ONLY
    home_actions = {"apply": (_l("apply"), ADMIN_ONLY)}

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if request.method == "POST":
            try:
                apply_template(request.form.get("key", ""),
                               include_organisation=request.form.get("include_organisation") == "y")
            except TemplateError as exc:
                flash(str(exc), "error")
                return redirect(url_for(".index"))
            db.session.commit()
            flash(_("The template was applied. Review and adjust the texts below."), "success")
            return redirect(url_for("organisationprofile.edit_view", id=1))
        profile = get_profile(create=False)
        key = request.args.get("preview", "")
        if key:  # what applying would change, before anything is changed
            include = request.args.get("include_organisation") == "y"
            try:
                template, changes = get_template(key), preview_template(key, include_organisation=include)
            except TemplateError as exc:
                flash(str(exc), "error")
                return redirect(url_for(".index"))
            return self.render("admin/policy_template_preview.html", policy_template=template, changes=changes,
                               include_organisation=include)
        return self.render("admin/policy_templates.html", templates=list_templates(), current=profile.template_key)
