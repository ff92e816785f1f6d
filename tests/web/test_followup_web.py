"""The follow-up screens, the feedback register, improvement actions and the report on the web:
what each role sees and can do, exports, print, dashboard tiles, constant query counts."""
from __future__ import annotations

from datetime import timedelta

import pytest

import workflow.state_machine as sm
from extensions import db
from models.application import Status
from models.feedback import Feedback
from models.followup import FollowUp
from models.improvement import ImprovementAction
from models.survey import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
from tests import factories as f
from tests.conftest import csrf_token, login
from tests.querycount import page_queries
from workflow import feedback as feedback_rules
from workflow.reports import local_today


def _service(times=2):
    st = f.service_type(name="سلة غذائية")
    st.follow_up_after_days, st.follow_up_every_days, st.follow_up_times = 1, 30, times
    return st


def _deliver(users, st, n=1):
    apps = []
    for _ in range(n):
        application = f.application(st=st, actor=users["officer"])
        f.force_status(application, Status.ACCEPTED)
        sm.deliver(application, users["officer"])
        apps.append(application)
    db.session.commit()
    return apps


def _make_overdue(days=3):
    db.session.execute(db.update(FollowUp).where(FollowUp.sequence == 1)
                       .values(due_on=local_today() - timedelta(days=days)))
    db.session.commit()


def test_officer_records_an_outcome_and_the_next_follow_up_stays(client, users, login_as):
    (application,) = _deliver(users, _service())
    first = db.session.scalar(db.select(FollowUp).where(FollowUp.sequence == 1))
    login_as("officer")
    page = client.get(f"/admin/followup/record/?id={first.id}")
    assert page.status_code == 200 and application.reference in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    # Missing result: the form comes back with the text kept and nothing recorded.
    bad = client.post(f"/admin/followup/record/?id={first.id}&lang=en", data={
        "csrf_token": token, "method": "call", "result": "", "outcome": "اتصلت وأفادت الأسرة بالتحسن"})
    assert bad.status_code == 400 and "اتصلت وأفادت الأسرة بالتحسن" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FollowUp, first.id).done_at is None
    ok = client.post(f"/admin/followup/record/?id={first.id}", data={
        "csrf_token": token, "method": "call", "result": "satisfied", "outcome": "اتصلت وأفادت الأسرة بالتحسن",
        "next_step": "زيارة بعد شهر"})
    assert ok.status_code == 302
    db.session.expire_all()
    done = db.session.get(FollowUp, first.id)
    assert done.done_at is not None and done.next_step == "زيارة بعد شهر"
    second = db.session.scalar(db.select(FollowUp).where(FollowUp.sequence == 2))
    assert second.done_at is None
    listing = client.get("/admin/followup/?open=1&mine=1").get_data(as_text=True)
    assert f"/admin/followup/record/?id={second.id}" in listing
    assert f"/admin/followup/record/?id={first.id}" not in listing


@pytest.mark.parametrize("role", ["viewer", "committee", "specialist"])
def test_other_roles_cannot_record(client, users, login_as, role):
    _deliver(users, _service(1))
    plan = db.session.scalar(db.select(FollowUp))
    login_as(role)
    assert client.get(f"/admin/followup/record/?id={plan.id}").status_code == 403
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    response = client.post(f"/admin/followup/record/?id={plan.id}", data={
        "csrf_token": token, "method": "call", "result": "satisfied", "outcome": "x"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(FollowUp, plan.id).done_at is None


def test_overdue_is_highlighted_filtered_and_on_the_officers_dashboard(client, users, login_as):
    _deliver(users, _service(), n=2)
    _make_overdue()
    login_as("officer")
    home = client.get("/admin/?lang=en").get_data(as_text=True)
    assert 'id="dash-my-care-overdue"' in home
    tile = home.split('id="dash-my-care-overdue"')[1].split("</a>")[0]
    assert ">2<" in tile and "overdue" in tile
    overdue = client.get("/admin/followup/?overdue=1").get_data(as_text=True)
    assert overdue.count("followup-overdue") == 2
    assert client.get("/admin/followup/?done=1").get_data(as_text=True).count("record-outcome") == 0


def test_reassigning_is_limited_to_open_follow_ups_and_office_staff(client, users, login_as):
    _deliver(users, _service(1))
    plan = db.session.scalar(db.select(FollowUp))
    login_as("admin")
    page = client.get(f"/admin/followup/edit/?id={plan.id}").get_data(as_text=True)
    assert users["admin"].full_name in page and users["viewer"].full_name not in page
    token = csrf_token(page)
    response = client.post(f"/admin/followup/edit/?id={plan.id}", data={
        "csrf_token": token, "officer": str(users["admin"].id), "due_on": local_today().isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, plan.id).officer_id == users["admin"].id


def test_follow_up_report_page_print_and_exports(client, users, login_as):
    (application,) = _deliver(users, _service(1))
    plan = db.session.scalar(db.select(FollowUp))
    from workflow import followup

    db.session.execute(db.update(FollowUp).values(due_on=local_today()))
    followup.record_outcome(plan, users["officer"], method="visit", result="issue", outcome="تأخر التسليم")
    db.session.commit()
    login_as("viewer")
    html = client.get("/admin/followup-report/?lang=en").get_data(as_text=True)
    assert "Follow-up of served beneficiaries" in html
    row = html.split("<td>Food basket</td>")[1].split("</tr>")[0]
    # served, due, done, followed up 1; overdue 0; results: one "problem to act on"; no rating
    assert row.count('class="num">1<') == 5 and row.count('class="num">0<') == 5
    printed = client.get("/admin/followup-report/print?lang=ar").get_data(as_text=True)
    assert "سلة غذائية" in printed and 'id="print-followup"' in printed
    csv = client.get("/admin/followup-report/export.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "سلة غذائية" in csv.get_data(as_text=True)
    xlsx = client.get("/admin/followup-report/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client.get("/admin/followup-report/export.pdf").status_code == 404
    # The board report carries the same table.
    board = client.get("/admin/reports/?lang=en").get_data(as_text=True)
    assert 'id="table-followup"' in board and 'id="table-feedback"' in board
    assert client.get("/admin/reports/export/followup.csv").status_code == 200


def test_feedback_register_assign_reply_and_escalation(client, users, login_as):
    application = f.application()
    _, item = feedback_rules.submit_feedback(nonce="x" * 20, ip="", kind="complaint", message="لم يرد أحد",
                                             reference=application.reference,
                                             phone_last4=application.beneficiary.phone[-4:])
    db.session.execute(db.update(Feedback).values(respond_by=local_today() - timedelta(days=1)))
    db.session.commit()
    login_as("admin")
    home = client.get("/admin/").get_data(as_text=True)
    tile = home.split('id="dash-board-complaints-overdue"')[1].split("</a>")[0]
    assert ">1<" in tile
    listing = client.get("/admin/feedback/?overdue=1&kind=complaint").get_data(as_text=True)
    assert "feedback-overdue" in listing and f"/admin/feedback/reply/?id={item.id}" in listing
    page = client.get(f"/admin/feedback/edit/?id={item.id}").get_data(as_text=True)
    client.post(f"/admin/feedback/edit/?id={item.id}", data={"csrf_token": csrf_token(page),
                                                             "assigned_to": str(users["officer"].id)})
    db.session.expire_all()
    assert db.session.get(Feedback, item.id).assigned_to_id == users["officer"].id
    page = client.get(f"/admin/feedback/reply/?id={item.id}").get_data(as_text=True)
    empty = client.post(f"/admin/feedback/reply/?id={item.id}", data={"csrf_token": csrf_token(page), "reply": ""})
    assert empty.status_code == 400
    sent = client.post(f"/admin/feedback/reply/?id={item.id}",
                       data={"csrf_token": csrf_token(page), "reply": "نعتذر، وسنتصل بكم اليوم"})
    assert sent.status_code == 302
    db.session.expire_all()
    answered = db.session.get(Feedback, item.id)
    assert answered.status == "answered" and answered.reply_delivery == "record"
    assert ">0<" in client.get("/admin/").get_data(as_text=True).split(
        'id="dash-board-complaints-overdue"')[1].split("</a>")[0]


def test_viewer_does_not_get_the_complaints_tile(client, users, login_as):
    login_as("viewer")
    assert "dash-board-complaints-overdue" not in client.get("/admin/").get_data(as_text=True)


def _survey_answer(st, question, rating=2):
    application = f.application(st=st)
    invitation = SurveyInvitation(application_id=application.id, token_hash=f"h{application.id}",
                                  expires_at=application.received_at + timedelta(days=30))
    db.session.add(invitation)
    db.session.flush()
    response = SurveyResponse(invitation_id=invitation.id, application_id=application.id, service_type_id=st.id)
    response.answers = [SurveyAnswer(question_id=question.id, rating=rating)]
    db.session.add(response)
    db.session.commit()


def test_survey_results_start_an_action_prefilled_and_the_board_report_lists_it(app, client, users, login_as):
    st = f.service_type(name="سلة غذائية")
    question = SurveyQuestion(text_ar="سرعة الرد", text_en="Speed of answer")
    db.session.add(question)
    db.session.flush()
    _survey_answer(st, question, 2)
    login_as("officer")
    results = client.get("/admin/survey-results/").get_data(as_text=True)
    assert 'href="/admin/improvementaction/"' in results
    import re

    links = re.findall(r'href="(/admin/improvementaction/new/\?[^"]+)"', results)
    assert any(f"question_id={question.id}" in u and f"service_type_id={st.id}" in u for u in links), links
    new = client.get(f"/admin/improvementaction/new/?question_id={question.id}&service_type_id={st.id}")
    html = new.get_data(as_text=True)
    assert "سرعة الرد" in html and "2.00" in html
    token = csrf_token(html)
    done_without_result = client.post("/admin/improvementaction/new/", data={
        "csrf_token": token, "finding": "متوسط 2 من 5", "kind": "decision", "decision": "تخصيص موظف للرد",
        "status": "done", "question": str(question.id), "service_type": str(st.id)})
    assert db.session.scalar(db.select(ImprovementAction)) is None
    assert "تخصيص موظف للرد" in done_without_result.get_data(as_text=True)  # kept
    client.post("/admin/improvementaction/new/", data={
        "csrf_token": token, "finding": "متوسط 2 من 5", "kind": "decision", "decision": "تخصيص موظف للرد",
        "status": "done", "result": "خُصص موظف", "question": str(question.id), "service_type": str(st.id)})
    action = db.session.scalar(db.select(ImprovementAction))
    assert action is not None and action.completed_on == local_today() and action.created_by_id == users["officer"].id
    viewer = app.test_client()
    login(viewer, users["viewer"].email)
    board = viewer.get("/admin/reports/").get_data(as_text=True)
    taken = board.split('id="table-improvement_taken"')[1].split("</table>")[0]
    assert "تخصيص موظف للرد" in taken


@pytest.mark.parametrize("url", ["/admin/followup/", "/admin/followup/?overdue=1", "/admin/feedback/",
                                 "/admin/improvementaction/"])
def test_new_lists_query_count_does_not_grow_with_rows(client, users, login_as, url):
    st = _service(1)
    db.session.commit()

    def add(n):
        _deliver(users, st, n)
        _make_overdue()
        for i in range(n):
            feedback_rules.submit_feedback(nonce=f"nonce-{n}-{i}-{len(url)}".ljust(20, "x"), ip="",
                                           kind="complaint", message="رسالة")
            db.session.add(ImprovementAction(finding="ملاحظة", decision="قرار", kind="decision", status="planned",
                                             owner_id=users["officer"].id, service_type_id=st.id))
        db.session.commit()

    login_as("admin")
    add(2)
    few = page_queries(client, url)
    add(20)
    many = page_queries(client, url)
    assert many.count == few.count, (few, many)


def test_list_exports_work_and_are_audited(client, users, login_as):
    from models.audit import AuditEntry

    (application,) = _deliver(users, _service(1))
    feedback_rules.submit_feedback(nonce="e" * 20, ip="", kind="suggestion", message="=HYPERLINK(\"x\")")
    login_as("officer")
    followups = client.get("/admin/followup/export/csv/")
    assert followups.status_code == 200 and application.reference in followups.get_data(as_text=True)
    register = client.get("/admin/feedback/export/xlsx/")
    assert register.status_code == 200 and register.data[:2] == b"PK"
    csv = client.get("/admin/feedback/export/csv/").get_data(as_text=True)
    assert "'=HYPERLINK" in csv  # a formula typed by the public is neutralised
    tables = set(db.session.scalars(db.select(AuditEntry.table_name).where(AuditEntry.action == "export")))
    assert {"follow_up", "feedback"} <= tables


@pytest.mark.parametrize("role, url", [("viewer", "/admin/followup-report/"), ("officer", "/admin/"),
                                       ("admin", "/admin/reports/")])
def test_report_and_dashboard_query_counts_do_not_grow(client, users, login_as, role, url):
    food, rent = _service(2), f.service_type(name="إيجار")
    rent.follow_up_after_days, rent.follow_up_times = 1, 1
    db.session.commit()

    def add(n):
        _deliver(users, food, n)
        _deliver(users, rent, n)
        _make_overdue()

    login_as(role)
    add(1)
    few = page_queries(client, url)
    add(15)
    many = page_queries(client, url)
    assert many.count == few.count, (few, many)


def test_staff_record_one_received_by_phone(client, users, login_as):
    application = f.application()
    db.session.commit()
    login_as("officer")
    page = client.get("/admin/feedback/received/")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    wrong = client.post("/admin/feedback/received/?lang=en", data={
        "csrf_token": token, "kind": "complaint", "message": "اتصل يشكو التأخر", "reference": "REQ-1400-999999"})
    assert wrong.status_code == 400 and "No request has this reference number." in wrong.get_data(as_text=True)
    assert "اتصل يشكو التأخر" in wrong.get_data(as_text=True)
    bad_phone = client.post("/admin/feedback/received/", data={
        "csrf_token": token, "kind": "complaint", "message": "اتصل يشكو التأخر", "phone": "123"})
    assert bad_phone.status_code == 400
    assert db.session.scalar(db.select(Feedback)) is None
    ok = client.post("/admin/feedback/received/", data={
        "csrf_token": token, "kind": "complaint", "message": "اتصل يشكو التأخر", "phone": "0551138821",
        "reference": application.reference})
    assert ok.status_code == 302
    item = db.session.scalar(db.select(Feedback))
    assert item.application_id == application.id and item.assigned_to_id == users["officer"].id
    assert item.phone == "+966551138821"


@pytest.mark.parametrize("role", ["viewer", "committee", "specialist"])
def test_other_roles_cannot_record_or_reply(client, users, login_as, role):
    _, item = feedback_rules.submit_feedback(nonce="r" * 20, ip="", kind="complaint", message="رسالة")
    login_as(role)
    assert client.get("/admin/feedback/received/").status_code == 403
    assert client.get(f"/admin/feedback/reply/?id={item.id}").status_code == 403
