"""Issue 15 (everyday-use polish) at the workflow level: each test names the item it covers."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from models.application import Status
from models.beneficiary import Communication
from tests import factories as f
from workflow import state_machine as sm
from workflow.policy_templates import get_profile


# -- 5. the configured deciding body names itself in what the beneficiary reads ---------------
@pytest.mark.parametrize("outcome", ["accept", "defer"])
def test_decision_message_names_the_configured_deciding_body(app, users, outcome):
    profile = get_profile()
    profile.committee_name_ar = "الإدارة المختصة"
    officer, member = users["officer"], users["committee"]
    application = f.application(actor=officer)
    sm.verify(application, officer)
    sm.raise_to_committee(application, officer)
    session = f.session([member], present=[member], agenda=[application])
    sm.decide(application, member, session, outcome, granted="سلة", reason="استكمال")
    body = db.session.scalars(select(Communication.summary).where(
        Communication.application_id == application.id).order_by(Communication.id.desc())).first()
    assert "الإدارة المختصة" in body and "اللجنة المختصة" not in body
