"""Small forms for the workflow actions that need input."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from forms.text_input import CleanFlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from forms.dates import DateField


class ActionForm(CleanFlaskForm):
    """Every action posts the ids and the version the person saw (double-click guard)."""

    ids = HiddenField()
    versions = HiddenField()


class IncompleteForm(ActionForm):
    missing = TextAreaField(_l("Missing items (one per line)"), validators=[DataRequired()],
                            description=_l("They are sent to the beneficiary and listed on the request."))


class ReferForm(ActionForm):
    specialist = SelectField(_l("Specialist"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for the referral"), validators=[DataRequired(), Length(max=2000)])
    mechanisms = SelectMultipleField(_l("Research asked for"), validators=[Optional()],
                                     description=_l("Each one is recorded separately; the request comes back "
                                                    "when all are done. None: the specialist chooses."))


class WithdrawForm(ActionForm):
    reason = TextAreaField(_l("Reason for the withdrawal"), validators=[DataRequired(), Length(max=2000)])


class NoteForm(ActionForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class ResearchForm(CleanFlaskForm):
    version = HiddenField()
    mechanism = SelectField(_l("How the research was done"), validators=[DataRequired()])
    conducted_on = DateField(_l("Date of the research"), validators=[DataRequired()])
    findings = TextAreaField(_l("Findings"), validators=[DataRequired(), Length(max=10000)])
    household_situation = TextAreaField(_l("Household situation"), validators=[Optional(), Length(max=10000)])
    recommendation = RadioField(_l("Recommendation"), validators=[DataRequired()])
    attachments = MultipleFileField(_l("Attachments (PDF, JPEG, PNG)"))


class DecisionForm(CleanFlaskForm):
    item = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    outcome = RadioField(_l("Decision"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (required to reject or defer)"), validators=[Optional(), Length(max=4000)])
    granted = TextAreaField(_l("What is granted (amount or description)"), validators=[Optional(), Length(max=2000)])
