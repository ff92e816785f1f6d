"""Validators used by the users screen."""
from wtforms.validators import ValidationError

from workflow.users import UserError, check_password_strength


def optional_strong_password(form, field):
    """A new password, when one is typed, passes the same strength check as everywhere else."""
    if not field.data:
        return
    email = getattr(getattr(form, "email", None), "data", None)
    name = getattr(getattr(form, "full_name", None), "data", None)
    obj = getattr(form, "_obj", None)
    try:
        check_password_strength(field.data, email or getattr(obj, "email", None),
                                name or getattr(obj, "full_name", None))
    except UserError as exc:
        raise ValidationError(str(exc))
