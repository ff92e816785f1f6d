"""The public pages. Every POST: CSRF (global), honeypot, signed form token with a
minimum fill time and an idempotency nonce, and a per-IP rate limit."""
from __future__ import annotations

import logging

from flask import (abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from extensions import db, limiter
from forms.public import FeedbackForm, RequestForm, StatusForm, SurveyForm, VolunteerForm
from models.application import Application, Status
from models.organisation import OrganisationProfile
from models.reference import DocumentType
from models.service import ServiceType
from models.volunteer import VolunteerFieldKind
from public import bp
from workflow import feedback as feedback_rules
from workflow import online_requests, surveys, volunteers
from workflow.applications import decision_period_for
from workflow.policy import current_lang, period_phrase, policy_context
from workflow.policy_templates import get_profile
from workflow.public_forms import (HONEYPOT_FIELD, TOKEN_FIELD, FormCheck, check_submission, client_ip,
                                   issue_token, notice_version)

log = logging.getLogger(__name__)


def public_rate_limit() -> str:
    return current_app.config.get("PUBLIC_RATE_LIMIT", "10 per minute;60 per hour")


rate_limited = limiter.limit(public_rate_limit, methods=["POST"])


@bp.app_context_processor
def public_context():
    def organisation():
        profile = get_profile(create=False)
        lang = current_lang()
        name = (profile.name_en if lang == "en" and profile.name_en else profile.name_ar) or ""
        return {"profile": profile, "name": name}

    return {"organisation": organisation, "honeypot_field": HONEYPOT_FIELD, "token_field": TOKEN_FIELD,
            "privacy_version": notice_version}


def _protection_message(check: str) -> str:
    if check == FormCheck.TOO_FAST:
        return _("That was very fast. Please check your answers, then send the form again.")
    if check == FormCheck.BOT:
        return _("Your form could not be accepted. Please try again.")
    return _("The form has expired. Please check your answers and send it again.")


def _form_token(kind: str, check: str | None = None, nonce: str | None = None) -> str:
    """The token for the page: the one posted (same nonce and time) unless it was unusable."""
    posted = request.form.get(TOKEN_FIELD) if request.method == "POST" else None
    if posted and check in (FormCheck.OK, FormCheck.TOO_FAST):
        return posted
    return issue_token(kind)


# -- home, privacy, logo ---------------------------------------------------------

@bp.route("/")
def home():
    profile = get_profile(create=False)
    website = profile.website or ""
    # Only web addresses become links (never javascript: or data:).
    safe_website = website if website.lower().startswith(("https://", "http://")) else ""
    return render_template("public/home.html", profile=profile, safe_website=safe_website)


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html")


@bp.route("/logo")
def logo():
    profile = db.session.get(OrganisationProfile, 1)
    stored = profile.logo if profile is not None else None
    if stored is None or stored.mime not in ("image/png", "image/jpeg"):
        abort(404)
    from workflow.storage import read_bytes

    try:
        data = read_bytes(stored)
    except FileNotFoundError:
        abort(404)
    response = current_app.response_class(data, mimetype=stored.mime)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


# -- volunteers ----------------------------------------------------------------------

def _volunteer_form(form: VolunteerForm) -> VolunteerForm:
    form.skills.choices = [(f.id, f.name) for f in volunteers.active_fields(VolunteerFieldKind.SKILL)]
    form.interests.choices = [(f.id, f.name) for f in volunteers.active_fields(VolunteerFieldKind.INTEREST)]
    return form


@bp.route("/volunteer", methods=["GET", "POST"])
@rate_limited
def volunteer():
    form = _volunteer_form(VolunteerForm())
    if request.method == "GET":
        return render_template("public/volunteer.html", form=form, form_token=issue_token("volunteer"))
    check, nonce = check_submission("volunteer")
    valid = form.validate_on_submit()
    if check != FormCheck.OK:
        flash(_protection_message(check), "error")
        return render_template("public/volunteer.html", form=form, form_token=_form_token("volunteer", check)), 400
    if not valid:
        return render_template("public/volunteer.html", form=form, form_token=_form_token("volunteer", check)), 400
    outcome = volunteers.register_volunteer(
        nonce=nonce, ip=client_ip(), full_name=form.full_name.data, national_id=form.national_id.data,
        phone=form.phone.data, email=form.email.data or "", gender=form.gender.data, birth_date=form.birth_date.data,
        city=form.city.data, education=form.education.data or "",
        field_ids=list(form.skills.data or []) + list(form.interests.data or []),
        availability_days=form.availability_days.data, availability_hours=form.availability_hours.data,
        how_heard=form.how_heard.data or "", message=form.message.data or "")
    if outcome == volunteers.Outcome.ALREADY_REGISTERED:
        return render_template("public/volunteer_done.html", already=True)
    return redirect(url_for("public.volunteer_done"), 303)


@bp.route("/volunteer/thanks")
def volunteer_done():
    return render_template("public/volunteer_done.html", already=False)


# -- online service requests ---------------------------------------------------------

def _request_form(form: RequestForm) -> RequestForm:
    types = online_requests.active_service_types()
    form.service_type.choices = [(0, _("— choose —"))] + [(t.id, t.name) for t in types]
    doc_types = list(db.session.scalars(db.select(DocumentType).where(DocumentType.active.is_(True))
                                        .order_by(DocumentType.sort_order, DocumentType.id)))
    for entry in form.documents:
        entry.form.document_type.choices = [(0, _("— choose —"))] + [(d.id, d.name) for d in doc_types]
    form.has_document_types = bool(doc_types)
    return form


def _request_page(form, token, status=200):
    return render_template("public/request.html", form=form, form_token=token,
                           declaration=online_requests.latest_declaration_text(),
                           open_for_requests=bool(form.service_type.choices[1:])
                           and online_requests.latest_declaration_text() is not None), status


@bp.route("/request", methods=["GET", "POST"])
@rate_limited
def service_request():
    form = _request_form(RequestForm())
    if request.method == "GET":
        return _request_page(form, issue_token("request"))
    check, nonce = check_submission("request")
    valid = form.validate_on_submit()
    if check != FormCheck.OK:
        flash(_protection_message(check), "error")
        return _request_page(form, _form_token("request", check), 400)
    applicant = online_requests.Applicant(
        national_id=form.national_id.data or "", nationality=form.nationality.data,
        first_name=form.first_name.data or "", father_name=form.father_name.data or "",
        grandfather_name=form.grandfather_name.data or "", family_name=form.family_name.data or "",
        gender=form.gender.data, birth_date=form.birth_date.data, phone=form.phone.data or "",
        email=form.email.data or "", region=form.region.data or "", city=form.city.data or "")
    if valid and not online_requests.signature_matches(form.signed_name.data, applicant):
        form.signed_name.errors.append(_("Type your first and family names as written above."))
        valid = False
    service_type = db.session.get(ServiceType, form.service_type.data) if valid else None
    if valid and (service_type is None or not service_type.active):
        form.service_type.errors.append(_("Choose the service you need."))
        valid = False
    if not valid:
        if any(entry.file.data for entry in form.documents):
            flash(_("For your safety, files are not kept when the form has errors: please choose them again."), "info")
        return _request_page(form, _form_token("request", check), 400)
    uploads = []
    doc_types = {d.id: d for d in db.session.scalars(db.select(DocumentType))}
    for entry in form.documents:
        if entry.file.data:
            uploads.append(online_requests.Upload(doc_types[entry.document_type.data], entry.file.data))
    try:
        result = online_requests.submit_online_request(
            nonce=nonce, ip=client_ip(), applicant=applicant, service_type=service_type,
            description=form.description.data, signed_name=form.signed_name.data, uploads=uploads)
    except (online_requests.RequestError, ValueError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _request_page(form, _form_token("request", check), 400)
    except SQLAlchemyError:
        db.session.rollback()  # the form is shown again with what was typed; nothing half-saved
        log.exception("online request not saved")
        flash(_("Your request could not be saved just now. Please send it again."), "error")
        return _request_page(form, _form_token("request", check), 400)
    session["public_request"] = result.application.id
    return redirect(url_for("public.request_done"), 303)


@bp.route("/request/done")
def request_done():
    application_id = session.get("public_request")
    application = db.session.get(Application, application_id) if isinstance(application_id, int) else None
    if application is None:
        return redirect(url_for("public.service_request"))
    days = decision_period_for(application.service_type)
    return render_template("public/request_done.html", application=application, days=days,
                           days_phrase=period_phrase(days, current_lang()))


# -- status ---------------------------------------------------------------------------

@bp.route("/status", methods=["GET", "POST"])
@rate_limited
def status():
    form = StatusForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("public/status.html", form=form), (400 if request.method == "POST" else 200)
    application = online_requests.find_for_status(form.reference.data, form.phone_last4.data)
    if application is None:
        form.reference.errors = []
        return render_template("public/status.html", form=form, not_found=True), 404
    lang = current_lang()
    missing = []
    if application.status == Status.INCOMPLETE:
        missing = [m for m in (online_requests.describe_missing(i, lang) for i in application.missing_items or []) if m]
    return render_template("public/status.html", form=StatusForm(formdata=None), application=application,
                           status_label=online_requests.PUBLIC_STATUS.get(application.status, application.status),
                           missing=missing, undecided=application.status in Status.UNDECIDED)


# -- satisfaction survey ------------------------------------------------------------

def _survey_invalid():
    return render_template("public/survey_invalid.html"), 404


@bp.route("/survey/<token>", methods=["GET", "POST"])
@rate_limited
def survey(token: str):
    invitation = surveys.find_open_invitation(token)
    if invitation is None:
        return _survey_invalid()
    questions = surveys.active_questions()
    form = SurveyForm()
    ratings, errors = {}, {}
    if request.method == "POST":
        valid = form.validate_on_submit()
        for q in questions:
            raw = request.form.get(f"q{q.id}", "")
            if raw in {"1", "2", "3", "4", "5"}:
                ratings[q.id] = int(raw)
            else:
                errors[q.id] = _("Choose a rating from 1 to 5.")
        if valid and not errors:
            try:
                surveys.submit_response(token, ratings, form.comment.data or "")
            except surveys.SurveyError:
                return _survey_invalid()
            return redirect(url_for("public.survey_thanks"), 303)
        status_code = 400
    else:
        status_code = 200
    return render_template("public/survey.html", form=form, questions=questions, ratings=ratings, errors=errors,
                           token=token), status_code


@bp.route("/survey/thanks")
def survey_thanks():
    return render_template("public/survey_thanks.html")


# -- suggestions, complaints and praise -------------------------------------------------

@bp.route("/feedback", methods=["GET", "POST"])
@rate_limited
def feedback():
    form = FeedbackForm()
    if request.method == "GET":
        return render_template("public/feedback.html", form=form, form_token=issue_token("feedback"))
    check, nonce = check_submission("feedback")
    valid = form.validate_on_submit()
    if check != FormCheck.OK:
        flash(_protection_message(check), "error")
        return render_template("public/feedback.html", form=form, form_token=_form_token("feedback", check)), 400
    if valid:
        outcome, item = feedback_rules.submit_feedback(
            nonce=nonce, ip=client_ip(), kind=form.kind.data, message=form.message.data, name=form.name.data or "",
            phone=form.phone.data or "", email=form.email.data or "", reference=form.reference.data or "",
            phone_last4=form.phone_last4.data or "")
        if outcome == feedback_rules.Outcome.NOT_FOUND:
            form.reference.errors.append(_("We found no request with this reference number and these digits. "
                                           "Check both, or leave the reference empty."))
        else:
            if item is not None:
                session["public_feedback"] = item.id
            return redirect(url_for("public.feedback_done"), 303)
    return render_template("public/feedback.html", form=form, form_token=_form_token("feedback", check)), 400


@bp.route("/feedback/thanks")
def feedback_done():
    from models.feedback import Feedback

    item_id = session.get("public_feedback")
    item = db.session.get(Feedback, item_id) if isinstance(item_id, int) else None
    return render_template("public/feedback_done.html", item=item,
                           days=feedback_rules.response_days())


# -- the published policy -------------------------------------------------------------

@bp.route("/policy")
def policy():
    return render_template("public/policy.html", **policy_context())


# -- a database error on any public page -----------------------------------------------

@bp.errorhandler(SQLAlchemyError)
def database_error(exc):
    """Never a bare server error for the public: the session is rolled back (nothing half-saved)
    and the person is asked to send again; a send that did get through finds its first answer."""
    db.session.rollback()
    log.error("database error on a public page (%s)", type(exc).__name__)
    return render_template("error.html", code=409, title=_("Not saved"),
                           text=_("What you sent could not be saved just now. Nothing was half-saved: "
                                  "please go back and send it again.")), 409
