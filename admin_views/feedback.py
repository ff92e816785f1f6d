"""/admin/feedback/: the register of suggestions, complaints and praise, with deadlines and replies."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms.validators import ValidationError

from admin_views.base import SecureModelView
from admin_views.followup import assignable, staff_query
from extensions import db
from forms.followup import FeedbackReceivedForm, FeedbackReplyForm
from models.feedback import Feedback, FeedbackKind, FeedbackStatus
from workflow import feedback as rules
from workflow.dates import dual_date, overdue_text
from workflow.errors import WorkflowError
from workflow.notify import delivery_label
from workflow.reports import local_today
from workflow.roles import ADMIN_OFFICER


def _deadline_cell(view, context, model, name):
    if model.status != FeedbackStatus.OPEN:
        return dual_date(model.respond_by)
    today = local_today()
    if rules.is_overdue(model, today):
        badge = Markup('<span class="badge badge-danger feedback-overdue">{}</span>').format(
            overdue_text((today - model.respond_by).days))
    else:
        badge = Markup('<span class="badge badge-light">{}</span>').format(
            _("%(n)d working days left", n=rules.working_days_left(model, today)))
    return Markup("{} {}").format(dual_date(model.respond_by), badge)


def _reply_delivery(view, context, model, name):
    if not model.reply_delivery:
        return ""
    if model.reply_delivery == rules.DELIVERY_NOT_LINKED:
        return _("Not sent: not linked to a request; answer the person through the contact they gave.")
    return delivery_label(model.reply_delivery)


def _status_cell(view, context, model, name):
    label = rules.STATUS_LABELS.get(model.status, model.status)
    if model.status == FeedbackStatus.OPEN and view.can_edit:
        return Markup('{} <a class="btn btn-sm btn-primary feedback-reply" href="{}">{}</a>').format(
            label, url_for(".reply_view", id=model.id), _("Reply"))
    return label


class FeedbackAdmin(SecureModelView):
    roles_read = roles_edit = roles_export = ADMIN_OFFICER
    roles_create = frozenset()  # received through the public form /feedback
    roles_delete = frozenset()  # the register is evidence of how the public was answered
    audit_reads = True
    list_template = "admin/feedback/list.html"
    details_template = "admin/feedback/details.html"

    column_list = ("id", "kind", "received_at", "respond_by", "status", "assigned_to", "application", "name")
    column_details_list = ("id", "kind", "message", "name", "phone", "email", "application", "beneficiary",
                           "received_at", "respond_by", "status", "assigned_to", "reply", "replied_at",
                           "replied_by", "reply_delivery")
    column_export_list = ("id", "kind", "message", "received_at", "respond_by", "status", "assigned_to",
                          "application", "reply", "replied_at")
    column_sortable_list = ("id", "received_at", "respond_by")
    column_default_sort = ("respond_by", False)
    column_filters = ("kind", "status", "received_at", "respond_by")
    list_eager_load = ("assigned_to", "application")
    details_eager_load = ("assigned_to", "application", "beneficiary", "replied_by")
    column_labels = {
        "id": _l("No."), "kind": _l("Kind"), "message": _l("Message"), "name": _l("Name"), "phone": _l("Mobile"),
        "email": _l("Email"), "application": _l("Request"), "beneficiary": _l("Beneficiary"),
        "received_at": _l("Received at"), "respond_by": _l("Answer due"), "status": _l("Status"),
        "assigned_to": _l("Assigned to"), "reply": _l("Reply"), "replied_at": _l("Replied at"),
        "replied_by": _l("Replied by"), "reply_delivery": _l("How the reply was sent"),
    }
    column_formatters = {
        "kind": lambda v, c, m, n: rules.KIND_LABELS.get(m.kind, m.kind),
        "status": _status_cell,
        "respond_by": _deadline_cell,
        "assigned_to": lambda v, c, m, n: m.assigned_to.full_name if m.assigned_to else "",
        "replied_by": lambda v, c, m, n: m.replied_by.full_name if m.replied_by else "",
        "application": lambda v, c, m, n: Markup('<span class="ltr">{}</span>').format(m.application.reference)
        if m.application else "",
        "beneficiary": lambda v, c, m, n: m.beneficiary.full_name if m.beneficiary else "",
        "reply_delivery": _reply_delivery,
        "phone": lambda v, c, m, n: Markup('<span class="ltr">{}</span>').format(m.phone) if m.phone else "",
    }
    column_formatters_export = {
        "kind": lambda v, c, m, n: str(rules.KIND_LABELS.get(m.kind, m.kind)),
        "status": lambda v, c, m, n: str(rules.STATUS_LABELS.get(m.status, m.status)),
        "assigned_to": lambda v, c, m, n: m.assigned_to.full_name if m.assigned_to else "",
        "application": lambda v, c, m, n: m.application.reference if m.application else "",
        "received_at": lambda v, c, m, n: dual_date(m.received_at, True),
        "respond_by": lambda v, c, m, n: dual_date(m.respond_by),
        "replied_at": lambda v, c, m, n: dual_date(m.replied_at, True) if m.replied_at else "",
    }
    # Editing assigns the item; the reply has its own form (it is sent to the person).
    form_columns = ("assigned_to",)
    form_args = {"assigned_to": {"label": _l("Assigned to"), "query_factory": staff_query}}
    auto_ajax_refs = False

    def _arg_conditions(self):
        conditions = []
        if request.args.get("overdue") == "1":
            kind = request.args.get("kind")
            conditions.append(rules.overdue_clause(local_today(), kind if kind in FeedbackKind.ALL else None))
        if request.args.get("mine") == "1":
            conditions.append(Feedback.assigned_to_id == current_user.id)
        if request.args.get("open") == "1":
            conditions.append(Feedback.status == FeedbackStatus.OPEN)
        return conditions

    def get_query(self):
        return super().get_query().filter(*self._arg_conditions())

    def get_count_query(self):
        return super().get_count_query().filter(*self._arg_conditions())

    def on_model_change(self, form, model, is_created):
        if model.assigned_to is not None and not assignable(model.assigned_to):
            raise ValidationError(_("Choose an active officer."))

    @expose("/reply/", methods=("GET", "POST"))
    def reply_view(self):
        if not self.can_edit:
            abort(403)
        item = self.get_one(request.args.get("id", ""))
        if item is None:
            abort(404)
        form = FeedbackReplyForm()
        if request.method == "POST" and form.validate_on_submit():
            try:
                rules.record_reply(item, current_user._get_current_object(), form.reply.data)
                db.session.commit()
            except WorkflowError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                return redirect(url_for(".details_view", id=item.id))
            flash(_("The reply was recorded."), "success")
            return redirect(url_for(".details_view", id=item.id))
        status = 400 if request.method == "POST" else 200
        return self.render("admin/feedback/reply.html", form=form, item=item,
                           kind_label=rules.KIND_LABELS.get(item.kind, item.kind)), status

    @expose("/received/", methods=("GET", "POST"))
    def received_view(self):
        """Enter one received by phone, in person or by letter (the public form is /feedback)."""
        if not self.can_edit:
            abort(403)
        from workflow.phones import normalize_saudi_mobile

        form = FeedbackReceivedForm()
        if request.method == "POST" and form.validate_on_submit():
            phone = ""
            try:
                phone = normalize_saudi_mobile(form.phone.data) if (form.phone.data or "").strip() else ""
            except ValueError as exc:
                form.phone.errors.append(str(exc))
            if not form.phone.errors:
                try:
                    item = rules.record_received(current_user._get_current_object(), kind=form.kind.data,
                                                 message=form.message.data, name=form.name.data or "", phone=phone,
                                                 email=form.email.data or "", reference=form.reference.data or "")
                    db.session.commit()
                except WorkflowError as exc:
                    db.session.rollback()
                    form.reference.errors.append(str(exc))
                else:
                    flash(_("Recorded; the answer is due by %(date)s.", date=dual_date(item.respond_by)), "success")
                    return redirect(url_for(".details_view", id=item.id))
        status = 400 if request.method == "POST" else 200
        return self.render("admin/feedback/received.html", form=form), status
