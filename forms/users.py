"""Validators used by the users screen."""
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from workflow.users import MIN_PASSWORD_LENGTH


def optional_strong_password(form, field):
    if field.data and len(field.data) < MIN_PASSWORD_LENGTH:
        raise ValidationError(_l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
