"""The decision letter attached to a decision email: PDF when a renderer is configured, HTML otherwise."""
from __future__ import annotations

import logging

from flask import current_app, render_template
from flask_babel import force_locale

from extensions import db
from models.committee import Decision

log = logging.getLogger(__name__)


def _letter_html(application, decision) -> str:
    from models.organisation import OrganisationProfile
    from workflow.state_machine import OUTCOME_LABELS

    profile = db.session.get(OrganisationProfile, 1) or OrganisationProfile()
    with current_app.test_request_context(), force_locale("ar"):  # the letter is Arabic, like the printed one
        return render_template("print/decision_letter.html", decision=decision, application=application,
                               profile=profile, outcomes=OUTCOME_LABELS)


def decision_letter(application, decision_id: int | None = None):
    """(filename, mime type, bytes) of the letter, or None when there is no decision."""
    if application is None:
        return None
    query = db.select(Decision).where(Decision.application_id == application.id)
    if decision_id:
        query = query.where(Decision.id == decision_id)
    decision = db.session.scalar(query.order_by(Decision.id.desc()).limit(1))
    if decision is None:
        return None
    html = _letter_html(application, decision)
    name = f"decision-{application.reference}"
    if (current_app.config.get("PDF_RENDERER") or "").lower() == "weasyprint":
        try:
            import weasyprint  # optional: pip install weasyprint
        except ImportError:
            log.warning("PDF_RENDERER=weasyprint but weasyprint is not installed: attaching HTML")
        else:
            return f"{name}.pdf", "application/pdf", weasyprint.HTML(string=html).write_pdf()
    return f"{name}.html", "text/html", html.encode("utf-8")
