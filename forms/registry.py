"""Forms and fields of the beneficiary registry.

The rules themselves live in workflow/registry.py; these forms only collect
what the person typed (so nothing is lost when a rule refuses it) and show the
problems next to the right field.
"""
from __future__ import annotations

from flask import g, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import FileField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import FileInput

from forms.dates import DateField
from admin_views.base import AdminForm
from models.beneficiary import Gender, MaritalStatus
from workflow.registry import (
    GENDER_LABELS,
    MARITAL_LABELS,
    RELATION_LABELS,
    RELATIONS,
    REQUIRED,
    nationality_choices,
    region_choices,
)
from workflow.storage import UploadError, check_upload, read_upload, save_bytes

ACCEPT = "application/pdf,image/jpeg,image/png"  # a hint for the file picker; the content decides


def _lang() -> str:
    try:
        return str(get_locale() or "ar")
    except Exception:
        return "ar"


class LazyChoicesSelectField(SelectField):
    """A select whose choices are built per request (translated) and that keeps unknown typed values."""

    def __init__(self, label=None, validators=None, choices_factory=None, blank=True, **kwargs):
        self._factory = choices_factory
        self._blank = blank
        super().__init__(label, validators, choices=[], validate_choice=False, **kwargs)

    @property
    def choices(self):
        items = [(str(k), str(v)) for k, v in self._factory()] if self._factory else []
        return ([("", "—")] if self._blank else []) + items

    @choices.setter
    def choices(self, value):
        pass


def gender_choices():
    return [(g, GENDER_LABELS[g]) for g in Gender.ALL]


def marital_choices():
    return [(m, MARITAL_LABELS[m]) for m in MaritalStatus.ALL]


def relation_choices():
    return [(r, RELATION_LABELS[r]) for r in RELATIONS]


class UploadInput(FileInput):
    """A file input that also shows (and links) the file already stored."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("accept", ACCEPT)
        html = super().__call__(field, **kwargs)
        current = getattr(field, "current", None)
        if current is not None:
            link = Markup('<div class="small mb-1">{}: <a href="{}">{}</a></div>').format(
                _l("Current file"), url_for("storedfile.download", file_id=current.id), current.original_name)
            return link + html
        return html


class StoredFileField(FileField):
    """An upload judged by content (PDF/JPEG/PNG), stored through workflow.storage.

    `target` names the model relationship that receives the StoredFile. The
    extension and the browser's content type are never trusted.
    """

    widget = UploadInput()

    def __init__(self, label=None, validators=None, target: str = "file", required: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.target = target
        self.required = required
        self.upload = None
        self._bytes = b""
        self.current = None

    def process(self, formdata, data=None, **kwargs):
        super().process(formdata, data, **kwargs)
        self.upload = None
        if formdata is not None:
            for value in formdata.getlist(self.name):
                if getattr(value, "filename", ""):
                    self.upload = value
                    break

    def populate_current(self, obj):
        self.current = getattr(obj, self.target, None) if obj is not None else None

    def pre_validate(self, form):
        self._bytes = b""
        if self.upload is not None:
            try:
                data = read_upload(self.upload)
                if not data:
                    raise UploadError(_l("The file is empty."))
                check_upload(data)
            except UploadError as exc:
                raise ValidationError(str(exc)) from None
            self._bytes = data
        elif self.required and self.current is None:
            raise ValidationError(str(_l("Choose a file to upload.")))

    @property
    def has_file(self) -> bool:
        return bool(self._bytes) or self.current is not None

    def populate_obj(self, obj, name):
        if self._bytes:
            replaced = getattr(obj, self.target, None)
            stored = save_bytes(self._bytes, self.upload.filename, current_user)
            setattr(obj, self.target, stored)
            self._bytes = b""
            if replaced is not None:  # the old file goes once the change is committed
                g.setdefault("files_to_purge", []).append(replaced)


class BeneficiaryForm(AdminForm):
    required_fields = REQUIRED
    national_id = StringField(_l("National ID / iqama"), render_kw={"dir": "ltr", "inputmode": "numeric",
                                                                     "autocomplete": "off"})
    first_name = StringField(_l("First name"))
    father_name = StringField(_l("Father's name"))
    grandfather_name = StringField(_l("Grandfather's name"))
    family_name = StringField(_l("Family name"))
    gender = LazyChoicesSelectField(_l("Gender"), choices_factory=gender_choices)
    birth_date = DateField(_l("Birth date"), validators=[Optional()], render_kw={"type": "date"})
    nationality = LazyChoicesSelectField(_l("Nationality"), choices_factory=lambda: nationality_choices(_lang()),
                                         blank=False, default="SA")
    phone = StringField(_l("Mobile"), render_kw={"dir": "ltr", "inputmode": "tel", "placeholder": "05XXXXXXXX"})
    email = StringField(_l("Email"), render_kw={"dir": "ltr"})
    region = LazyChoicesSelectField(_l("Region"), choices_factory=region_choices)
    city = StringField(_l("City"))
    district = StringField(_l("District"))
    address = StringField(_l("Address"))
    marital_status = LazyChoicesSelectField(_l("Marital status"), choices_factory=marital_choices)
    monthly_income = StringField(_l("Monthly income (SAR)"), render_kw={"inputmode": "decimal"})
    notes = TextAreaField(_l("Notes"))


def show_problems(form, problems, field_map: dict | None = None, link_for=None) -> None:
    """Put each workflow Problem next to its field (or on the form when the field is absent)."""
    for problem in problems:
        name = (field_map or {}).get(problem.field, problem.field)
        # Flask-Admin shows only real strings (a lazy string would be skipped silently).
        message = str(problem.message)
        if problem.existing_id and link_for is not None:
            message = Markup("{} {}").format(message, link_for(problem.existing_id))
        field = getattr(form, name, None) if name else None
        if field is None:
            form.form_errors = list(getattr(form, "form_errors", [])) + [message]
            continue
        field.errors = list(field.errors or []) + [message]


def existing_link(beneficiary_id: int) -> Markup:
    """A safe link to an existing beneficiary (id is an int, the label is escaped)."""
    url = url_for("beneficiary.details_view", id=int(beneficiary_id))
    return Markup('<a href="{}" class="alert-link">{}</a>').format(url, _l("Open the existing record"))
