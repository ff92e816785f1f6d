"""Public pages (no login). The volunteer form, online requests, status and
surveys live here; see README."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from public import views  # noqa: E402,F401
