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


# -- 16. one referral asks for several mechanisms; it returns when all are recorded -------------
def test_one_referral_for_field_visit_and_interview_returns_when_both_are_recorded(app, users):
    from workflow.errors import InvalidInput

    officer, specialist = users["officer"], users["specialist"]
    application = f.application(actor=officer)
    sm.refer_to_specialist(application, officer, specialist, "تحقق من السكن والدخل",
                           mechanisms=["field_visit", "interview"])
    assert sorted(r.mechanism for r in sm.open_researches(application)) == ["field_visit", "interview"]
    sm.submit_research(application, specialist, mechanism="interview", conducted_on=date.today(),
                       findings="قابلنا الأم", recommendation="accept")
    assert application.status == Status.WITH_SPECIALIST  # the field visit is still to do
    assert [r.mechanism for r in sm.open_researches(application)] == ["field_visit"]
    with pytest.raises(InvalidInput):  # the interview is already recorded
        sm.submit_research(application, specialist, mechanism="interview", conducted_on=date.today(),
                           findings="مرة أخرى", recommendation="accept")
    sm.submit_research(application, specialist, mechanism="field_visit", conducted_on=date.today(),
                       findings="منزل مستأجر", recommendation="reject")
    assert application.status == Status.RECEIVED and application.recommendation == "reject"
    recorded = {r.mechanism: r.findings for r in application.research}
    assert recorded == {"interview": "قابلنا الأم", "field_visit": "منزل مستأجر"}
    assert [e.action for e in application.events].count("submit_research") == 2
    assert sm.missing_mechanisms(application) == []


def test_a_referral_naming_no_mechanism_lets_the_specialist_choose(app, users):
    officer, specialist = users["officer"], users["specialist"]
    application = f.application(actor=officer)
    sm.refer_to_specialist(application, officer, specialist, "غير واضح")
    sm.submit_research(application, specialist, mechanism="document_review", conducted_on=date.today(),
                       findings="المستندات سليمة", recommendation="accept")
    assert application.status == Status.RECEIVED
