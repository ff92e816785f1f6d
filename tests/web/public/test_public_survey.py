"""Satisfaction surveys: created when a request is served, answered once, results in the panel."""
import re
from datetime import timedelta

from extensions import db
from models.application import Application, Status
from models.beneficiary import Communication
from models.survey import SurveyInvitation, SurveyQuestion, SurveyResponse
from models.types import utcnow
from tests.conftest import csrf_token
from tests.web.public.conftest import post_form, request_data
from workflow.applications import record_transition
from workflow.surveys import hash_token


def _questions():
    q1 = SurveyQuestion(text_ar="سرعة الخدمة", text_en="Speed of service", sort_order=1)
    q2 = SurveyQuestion(text_ar="تعامل الموظف", text_en="Staff courtesy", sort_order=2)
    off = SurveyQuestion(text_ar="سؤال موقوف", text_en="Retired question", active=False)
    db.session.add_all([q1, q2, off])
    db.session.commit()
    return q1, q2, off


def _served(client, catalogue, officer):
    post_form(client, "/request", request_data(catalogue))
    application = db.session.scalar(db.select(Application))
    record_transition(application, "deliver", Status.SERVED, actor=officer)
    db.session.commit()
    comm = db.session.scalar(db.select(Communication).where(Communication.application_id == application.id,
                                                            Communication.summary.contains("/survey/")))
    token = re.search(r"/survey/([A-Za-z0-9_-]+)", comm.summary).group(1)
    return application, token


def test_serving_a_request_sends_a_one_time_link(client, catalogue, users):
    application, token = _served(client, catalogue, users["officer"])
    invitation = db.session.scalar(db.select(SurveyInvitation))
    assert invitation.application_id == application.id and invitation.staff_id == users["officer"].id
    assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
    assert len(token) >= 40
    assert invitation.expires_at > utcnow() + timedelta(days=29)
    comm = db.session.scalar(db.select(Communication).where(Communication.summary.contains("/survey/")))
    assert comm.direction == "outgoing" and application.reference in comm.subject
    # Serving again (or another transition) creates no second invitation.
    record_transition(application, "deliver", Status.SERVED, actor=users["officer"])
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(SurveyInvitation.id))) == 1


def test_answer_once(client, catalogue, users):
    q1, q2, off = _questions()
    application, token = _served(client, catalogue, users["officer"])
    html = client.get(f"/survey/{token}?lang=en").get_data(as_text=True)
    assert "Speed of service" in html and "Staff courtesy" in html and "Retired question" not in html
    response = client.post(f"/survey/{token}", data={"csrf_token": csrf_token(html), f"q{q1.id}": "5",
                                                     f"q{q2.id}": "3", "comment": "شكرًا لكم"})
    assert response.status_code == 303
    saved = db.session.scalar(db.select(SurveyResponse))
    assert {a.question_id: a.rating for a in saved.answers} == {q1.id: 5, q2.id: 3}
    assert saved.service_type_id == catalogue["food"].id and saved.channel_id == catalogue["website"].id
    assert saved.staff_id == users["officer"].id and saved.comment == "شكرًا لكم"
    # The link is used up.
    again = client.get(f"/survey/{token}?lang=en")
    assert again.status_code == 404 and "not valid, has expired or was already used" in again.get_data(as_text=True)
    response = client.post(f"/survey/{token}", data={"csrf_token": csrf_token(html), f"q{q1.id}": "1",
                                                     f"q{q2.id}": "1"})
    assert response.status_code == 404
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 1


def test_expired_and_unknown_links_answer_alike(client, catalogue, users):
    _questions()
    application, token = _served(client, catalogue, users["officer"])
    invitation = db.session.scalar(db.select(SurveyInvitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    fake = "x" * 43
    expired = client.get(f"/survey/{token}")
    unknown = client.get(f"/survey/{fake}")
    assert expired.status_code == unknown.status_code == 404
    # The pages differ only by the address in the language link.
    assert expired.get_data(as_text=True).replace(token, "T") == unknown.get_data(as_text=True).replace(fake, "T")


def test_every_question_needs_a_rating_and_comment_is_kept(client, catalogue, users):
    q1, q2, off = _questions()
    application, token = _served(client, catalogue, users["officer"])
    html = client.get(f"/survey/{token}").get_data(as_text=True)
    response = client.post(f"/survey/{token}?lang=en", data={"csrf_token": csrf_token(html), f"q{q1.id}": "4",
                                                              f"q{q2.id}": "9", "comment": "تعليقي"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose a rating from 1 to 5." in page and "تعليقي</textarea>" in page
    assert re.search(rf'id="q{q1.id}-4"[^>]*checked', page)
    assert db.session.scalar(db.select(SurveyResponse)) is None
    assert db.session.scalar(db.select(SurveyInvitation)).used_at is None


def test_results_per_service_type_channel_and_staff(client, catalogue, users, login_as):
    q1, q2, off = _questions()
    application, token = _served(client, catalogue, users["officer"])
    html = client.get(f"/survey/{token}").get_data(as_text=True)
    client.post(f"/survey/{token}", data={"csrf_token": csrf_token(html), f"q{q1.id}": "4", f"q{q2.id}": "2",
                                          "comment": "<script>alert(1)</script> ممتاز"})
    for role in ("admin", "officer", "committee", "viewer"):
        login_as(role)
        page = client.get("/admin/survey-results/?lang=en").get_data(as_text=True)
        assert "Food basket" in page and "Website" in page and "مستخدم officer" in page, role
        assert "3.0" in page and "4.0" in page and "2.0" in page
        assert "&lt;script&gt;" in page and "<script>alert(1)</script>" not in page
        assert "100.0%" in page
        client.post("/logout", data={"csrf_token": csrf_token(page)})
    login_as("specialist")
    assert client.get("/admin/survey-results/").status_code == 403


def test_questions_are_admin_configured(client, users, login_as):
    login_as("admin")
    page = client.get("/admin/surveyquestion/new/").get_data(as_text=True)
    response = client.post("/admin/surveyquestion/new/", data={
        "text_ar": "وضوح الإجراءات", "text_en": "Clear procedure", "active": "y", "sort_order": "3",
        "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert db.session.scalar(db.select(SurveyQuestion)).text_en == "Clear procedure"
