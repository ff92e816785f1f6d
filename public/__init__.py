"""Public pages (no login): home, volunteer form, online requests, status,
surveys and the published policy. See docs/public.md."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from public import views  # noqa: E402,F401
from workflow import surveys  # noqa: E402

# A request marked "served" gets its one-time survey link (workflow.events signal).
surveys.install()
