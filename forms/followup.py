"""Staff forms for follow-ups and for answering suggestions and complaints."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from workflow.followup import METHOD_LABELS, RESULT_LABELS

REQUIRED = _l("This field is required.")


class FollowUpOutcomeForm(FlaskForm):
    method = RadioField(_l("How the beneficiary was contacted"), choices=list(METHOD_LABELS.items()),
                        validators=[InputRequired(REQUIRED)])
    result = SelectField(_l("Result"), choices=[("", _l("— choose —"))] + list(RESULT_LABELS.items()),
                         validators=[DataRequired(REQUIRED)])
    outcome = TextAreaField(_l("What the follow-up found"), validators=[DataRequired(REQUIRED), Length(max=4000)])
    next_step = TextAreaField(_l("Next step"), validators=[Optional(), Length(max=4000)],
                              description=_l("What will be done next, by whom (optional)."))


class FeedbackReplyForm(FlaskForm):
    reply = TextAreaField(_l("Reply"), validators=[DataRequired(REQUIRED), Length(max=4000)],
                          description=_l("Sent to the person when the item is linked to their request."))


class FeedbackReceivedForm(FlaskForm):
    """A suggestion or complaint that reached the office by phone, in person or by letter."""

    kind = RadioField(_l("Kind"), choices=[("suggestion", _l("Suggestion")), ("complaint", _l("Complaint")),
                                           ("praise", _l("Praise"))], validators=[InputRequired(REQUIRED)])
    message = TextAreaField(_l("Message"), validators=[DataRequired(REQUIRED), Length(max=4000)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Mobile"), validators=[Optional(), Length(max=20)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(_l("Enter a valid email address.")),
                                                Length(max=255)])
    reference = StringField(_l("Request reference number (optional)"), validators=[Optional(), Length(max=30)])
