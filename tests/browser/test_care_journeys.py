"""Issue 14 in the browser, one journey per part, in Arabic:
follow-up after delivery (deliver → planned → overdue on the dashboard → record → report, print),
acting on satisfaction results (results page → action prefilled → board report),
suggestions and complaints (public /feedback → register → reply → sent to the beneficiary).
Screenshots go to test-artifacts/care/."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from extensions import db
from tests.conftest import PASSWORD
from tests.browser.conftest import sign_in

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "care"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")]


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def accepted(app, users):
    """The dawa template (its policy names continuous follow-up) and a request the committee accepted."""
    from models.application import Status
    from tests import factories as f
    from workflow.policy_templates import apply_template

    apply_template("dawa", include_organisation=True)
    st = f.service_type(name="برنامج تحفيظ")
    application = f.application(st=st, actor=users["officer"])
    f.force_status(application, Status.ACCEPTED)
    db.session.commit()
    return application


def test_follow_up_journey(app, live_server, page, users, accepted):
    from models.followup import FollowUp
    from workflow.reports import local_today

    sign_in(page, live_server, users["officer"].email, PASSWORD)
    page.goto(f"{live_server}/admin/application/details/?id={accepted.id}")
    page.click("#act-deliver")
    page.wait_for_selector(".alert")
    plans = list(db.session.scalars(db.select(FollowUp).order_by(FollowUp.sequence)))
    assert [p.due_on - local_today() for p in plans] == [timedelta(days=7), timedelta(days=37), timedelta(days=67)]
    # A week later nobody has called: the first one is overdue on the officer's home page.
    db.session.execute(db.update(FollowUp).where(FollowUp.sequence == 1).values(due_on=local_today() - timedelta(days=2)))
    db.session.commit()
    page.goto(f"{live_server}/admin/")
    assert page.inner_text("#dash-my-care-overdue").strip().startswith("1")
    page.click("#dash-my-care-overdue")
    assert page.locator(".followup-overdue").count() == 1
    _shot(page, "followups-overdue")
    page.click(".record-outcome")
    page.check("input[name=method][value=visit]")
    page.select_option("select[name=result]", "needs_more")
    page.fill("textarea[name=outcome]", "زرنا الأسرة؛ الابن منتظم في الحلقة ويحتاج مصحفًا جديدًا")
    page.fill("textarea[name=next_step]", "توفير مصحف في المتابعة القادمة")
    _shot(page, "followup-record")
    page.click("#save-outcome")
    page.wait_for_selector(".alert-success")
    assert page.locator(".record-outcome").count() == 2  # the next ones stay planned
    page.goto(f"{live_server}/admin/")
    assert page.inner_text("#dash-my-care-overdue").strip().startswith("0")
    page.goto(f"{live_server}/admin/followup-report/")
    cells = page.locator("#table-followup tbody tr").first.inner_text()
    assert "برنامج تحفيظ" in cells
    _shot(page, "followup-report")
    with page.expect_popup() as popup:
        page.click("#followup-print")
    printed = popup.value
    printed.wait_for_selector("#print-followup")
    assert "برنامج تحفيظ" in printed.inner_text("#print-followup")
    _shot(printed, "followup-report-print")
    with page.expect_download() as download:
        page.click("#followup-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")


def test_improvement_action_journey(app, live_server, page, users):
    from models.improvement import ImprovementAction
    from models.survey import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
    from tests import factories as f

    st = f.service_type(name="سلة غذائية")
    question = SurveyQuestion(text_ar="ما مدى رضاك عن سرعة الرد؟", text_en="Speed of answer")
    db.session.add(question)
    db.session.flush()
    for rating in (2, 3):
        application = f.application(st=st)
        invitation = SurveyInvitation(application_id=application.id, token_hash=f"t{application.id}",
                                      expires_at=application.received_at + timedelta(days=30))
        db.session.add(invitation)
        db.session.flush()
        response = SurveyResponse(invitation_id=invitation.id, application_id=application.id, service_type_id=st.id)
        response.answers = [SurveyAnswer(question_id=question.id, rating=rating)]
        db.session.add(response)
    db.session.commit()
    sign_in(page, live_server, users["admin"].email, PASSWORD)
    page.goto(f"{live_server}/admin/survey-results/")
    _shot(page, "survey-results-actions")
    page.locator("table.survey-table a.start-action").first.click()
    assert "2.50" in page.input_value("textarea[name=finding]")
    page.fill("textarea[name=decision]", "تخصيص موظف للرد على الاتصالات في أوقات الذروة")
    page.select_option("select[name=status]", "done")
    page.fill("textarea[name=result]", "خُصص موظف منذ بداية الشهر")
    _shot(page, "improvement-new")
    page.click("input[type=submit]")
    page.wait_for_selector(".alert-success")
    action = db.session.scalar(db.select(ImprovementAction))
    assert action.question_id == question.id and action.service_type_id == st.id and action.status == "done"
    page.goto(f"{live_server}/admin/reports/")
    taken = page.inner_text("#table-improvement_taken")
    assert "تخصيص موظف للرد على الاتصالات" in taken
    page.locator("#section-improvement").screenshot(path=str(ARTIFACTS / "board-actions.png"))


def test_feedback_journey(app, live_server, browser, users, accepted):
    from models.beneficiary import Communication
    from models.feedback import Feedback

    app.config["PUBLIC_MIN_FILL_SECONDS"] = 0
    public = browser.new_context(viewport={"width": 390, "height": 844}, locale="ar-SA").new_page()
    public.goto(f"{live_server}/")
    public.click("#home-feedback")
    public.click("label[for=kind-1]")  # complaint
    public.fill("textarea[name=message]", "لم يتصل بي أحد بعد الموافقة على طلبي")
    public.fill("input[name=reference]", accepted.reference)
    public.fill("input[name=phone_last4]", accepted.beneficiary.phone[-4:])
    public.click("label[for=consent]")
    _shot(public, "feedback-form")
    public.click("button[type=submit]")
    public.wait_for_selector("#feedback-done")
    assert public.is_visible("#feedback-deadline")
    _shot(public, "feedback-thanks")
    public.context.close()
    item = db.session.scalar(db.select(Feedback))
    assert item.application_id == accepted.id
    # Six working days later it is escalated on the administrator's dashboard.
    db.session.execute(db.update(Feedback).values(respond_by=item.respond_by - timedelta(days=10)))
    db.session.commit()
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA").new_page()
    sign_in(page, live_server, users["admin"].email, PASSWORD)
    assert page.inner_text("#dash-board-complaints-overdue").strip().startswith("1")
    page.click("#dash-board-complaints-overdue")
    assert page.locator(".feedback-overdue").count() == 1
    _shot(page, "feedback-register")
    page.click(".feedback-reply")
    page.fill("textarea[name=reply]", "نعتذر عن التأخر، وسيتواصل معكم المسؤول اليوم لترتيب التسليم.")
    page.click("#send-reply")
    page.wait_for_selector(".alert-success")
    _shot(page, "feedback-answered")
    db.session.expire_all()
    assert db.session.get(Feedback, item.id).status == "answered"
    sent = db.session.scalar(db.select(Communication).where(Communication.summary.contains("نعتذر عن التأخر")))
    assert sent is not None and sent.beneficiary_id == accepted.beneficiary_id
    page.context.close()
