"""Forms of the public pages. Values are normalized by the validators (IDs and phones
in their canonical form) so the workflow functions receive clean data."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, EmailField, FieldList, FormField, RadioField,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from forms.text_input import CleanFlaskForm, CleanForm
from forms.dates import DateField
from models.types import utcnow
from workflow.bidi import mark_ltr_inputs
from workflow.dates import to_local
from workflow.files import sniff_upload
from workflow.identity import normalize_digits, validate_national_id
from workflow.phones import normalize_saudi_mobile
from workflow.regions import region_choices
from workflow.volunteers import DAY_PARTS, EDUCATION, HOW_HEARD, WEEKDAYS

GENDERS = [("male", _l("Male")), ("female", _l("Female"))]
# ISO 3166 codes of the nationalities most often served; residents choose theirs.
NATIONALITIES = [
    ("SA", _l("Saudi")), ("YE", _l("Yemeni")), ("EG", _l("Egyptian")), ("SY", _l("Syrian")),
    ("SD", _l("Sudanese")), ("JO", _l("Jordanian")), ("PS", _l("Palestinian")), ("IQ", _l("Iraqi")),
    ("SO", _l("Somali")), ("ER", _l("Eritrean")), ("ET", _l("Ethiopian")), ("PK", _l("Pakistani")),
    ("IN", _l("Indian")), ("BD", _l("Bangladeshi")), ("ID", _l("Indonesian")), ("PH", _l("Filipino")),
    ("AF", _l("Afghan")), ("MM", _l("Burmese (Rohingya)")), ("XX", _l("Other / stateless")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def national_id_check(form, field):
    try:
        field.data = validate_national_id(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def mobile_check(form, field):
    try:
        field.data = normalize_saudi_mobile(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


# Shown with the required mark (*) like DataRequired fields.
national_id_check.field_flags = {"required": True}
mobile_check.field_flags = {"required": True}


def past_birth_date(form, field):
    if field.data is None:
        return
    today = to_local(utcnow()).date()  # the organisation's day, not the server's
    if field.data >= today or field.data.year < 1900:
        raise ValidationError(_l("Enter a real birth date in the past."))


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


REQUIRED = _l("This field is required.")


class PublicForm(CleanFlaskForm):
    """Phones, IDs and emails are typed in left-to-right boxes (workflow/bidi.py)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mark_ltr_inputs(self)


class VolunteerForm(PublicForm):
    full_name = StringField(_l("Full name"), filters=[strip_filter],
                            validators=[DataRequired(REQUIRED), Length(min=5, max=200)])
    national_id = StringField(_l("National ID or iqama number"), validators=[national_id_check])
    phone = StringField(_l("Mobile number"), validators=[mobile_check])
    email = EmailField(_l("Email"), filters=[strip_filter],
                       validators=[Optional(), Email(_l("Enter a valid email address.")), Length(max=255)])
    gender = RadioField(_l("Gender"), choices=GENDERS, validators=[InputRequired(REQUIRED)])
    birth_date = DateField(_l("Birth date"), validators=[Optional(), past_birth_date])
    city = StringField(_l("City"), filters=[strip_filter], validators=[DataRequired(REQUIRED), Length(max=60)])
    education = SelectField(_l("Education"), choices=EDUCATION, validators=[Optional()])
    skills = MultiCheckboxField(_l("Skills"), coerce=int, validate_choice=True)
    interests = MultiCheckboxField(_l("Fields of interest"), coerce=int, validate_choice=True)
    availability_days = MultiCheckboxField(_l("Days you can give"), choices=WEEKDAYS,
                                           validators=[DataRequired(_l("Choose at least one day."))])
    availability_hours = MultiCheckboxField(_l("Times you can give"), choices=DAY_PARTS,
                                            validators=[DataRequired(_l("Choose at least one time."))])
    how_heard = SelectField(_l("How did you hear of us?"), choices=HOW_HEARD, validators=[Optional()])
    message = TextAreaField(_l("Anything you would like to add"), validators=[Optional(), Length(max=2000)])
    consent = BooleanField(_l("I have read the privacy notice and agree that my data is used to arrange volunteering."),
                           validators=[DataRequired(_l("Please read and accept the privacy notice."))])


def upload_check(form, field):
    storage = field.data
    if not storage or not getattr(storage, "filename", ""):
        field.data = None
        return
    data = storage.read()
    storage.stream.seek(0)
    try:
        sniff_upload(data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class DocumentEntry(CleanForm):
    document_type = SelectField(_l("Document type"), coerce=int, validate_choice=False)
    file = FileField(_l("File (PDF, JPEG or PNG)"), validators=[upload_check])

    def validate_document_type(self, field):
        if self.file.data and (not field.data or not any(value == field.data for value, _label in field.choices or [])):
            raise ValidationError(_l("Choose the document type."))


class RequestForm(PublicForm):
    national_id = StringField(_l("National ID or iqama number"), validators=[national_id_check])
    nationality = SelectField(_l("Nationality"), choices=NATIONALITIES, default="SA")
    first_name = StringField(_l("First name"), filters=[strip_filter], validators=[DataRequired(REQUIRED), Length(max=60)])
    father_name = StringField(_l("Father's name"), filters=[strip_filter], validators=[DataRequired(REQUIRED), Length(max=60)])
    grandfather_name = StringField(_l("Grandfather's name"), filters=[strip_filter], validators=[Optional(), Length(max=60)])
    family_name = StringField(_l("Family name"), filters=[strip_filter], validators=[DataRequired(REQUIRED), Length(max=60)])
    gender = RadioField(_l("Gender"), choices=GENDERS, validators=[InputRequired(REQUIRED)])
    birth_date = DateField(_l("Birth date"), validators=[Optional(), past_birth_date])
    phone = StringField(_l("Mobile number"), validators=[mobile_check])
    email = EmailField(_l("Email"), filters=[strip_filter],
                       validators=[Optional(), Email(_l("Enter a valid email address.")), Length(max=255)])
    # The same 13 regions, stored by code, as the staff form (workflow/regions.py).
    region = SelectField(_l("Region"), choices=[], validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = [("", _l("Choose…"))] + region_choices()

    city = StringField(_l("City"), filters=[strip_filter], validators=[DataRequired(REQUIRED), Length(max=60)])
    service_type = SelectField(_l("Service requested"), coerce=int,
                               validators=[DataRequired(_l("Choose the service you need."))])
    description = TextAreaField(_l("Describe your situation and what you need"),
                                validators=[DataRequired(REQUIRED), Length(min=10, max=4000)])
    documents = FieldList(FormField(DocumentEntry), min_entries=3, max_entries=3)
    signed_name = StringField(_l("Your full name as your signature"), filters=[strip_filter],
                              validators=[DataRequired(REQUIRED), Length(max=260)])
    declaration = BooleanField(_l("I declare that the data I have given is correct and that I am responsible for it."),
                               validators=[DataRequired(_l("You must sign the declaration to send the request."))])
    consent = BooleanField(_l("I have read the privacy notice and agree that my data is used to study my request."),
                           validators=[DataRequired(_l("Please read and accept the privacy notice."))])

    def validate_national_id(self, field):
        if field.errors or not field.data:
            return
        try:
            validate_national_id(field.data, self.nationality.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class StatusForm(PublicForm):
    reference = StringField(_l("Reference number"), filters=[strip_filter],
                            validators=[DataRequired(REQUIRED), Length(max=30)])
    phone_last4 = StringField(_l("Last 4 digits of your mobile number"),
                              filters=[lambda v: normalize_digits(v) if v else v],
                              validators=[DataRequired(REQUIRED),
                                          Length(min=4, max=4, message=_l("Enter exactly 4 digits."))])


class SurveyForm(CleanFlaskForm):
    comment = TextAreaField(_l("Comments or suggestions (optional)"), validators=[Optional(), Length(max=2000)])


FEEDBACK_KINDS = [("suggestion", _l("Suggestion")), ("complaint", _l("Complaint")), ("praise", _l("Praise"))]


def optional_mobile_check(form, field):
    if not (field.data or "").strip():
        field.data = ""
        return
    mobile_check(form, field)


class FeedbackForm(PublicForm):
    kind = RadioField(_l("What would you like to send?"), choices=FEEDBACK_KINDS, validators=[InputRequired(REQUIRED)])
    message = TextAreaField(_l("Your message"), validators=[DataRequired(REQUIRED), Length(min=5, max=4000)])
    name = StringField(_l("Your name (optional)"), filters=[strip_filter], validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Mobile number, if you would like an answer (optional)"), validators=[optional_mobile_check])
    email = EmailField(_l("Email (optional)"), filters=[strip_filter],
                       validators=[Optional(), Email(_l("Enter a valid email address.")), Length(max=255)])
    reference = StringField(_l("Request reference number (optional)"), filters=[strip_filter],
                            validators=[Optional(), Length(max=30)])
    phone_last4 = StringField(_l("Last 4 digits of the mobile number on the request"),
                              filters=[lambda v: normalize_digits(v) if v else v],
                              validators=[Optional(), Length(min=4, max=4, message=_l("Enter exactly 4 digits."))])
    consent = BooleanField(_l("I have read the privacy notice and agree that my data is used to answer my message."),
                           validators=[DataRequired(_l("Please read and accept the privacy notice."))])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # A reference needs the digits (Optional() on the digits field stops its own validators).
        if (self.reference.data or "").strip() and not self.phone_last4.data:
            self.phone_last4.errors = [*self.phone_last4.errors,
                                       _l("Enter the last 4 digits of the mobile number on the request.")]
            valid = False
        return valid
