"""Satisfaction and volunteer reports, against hand-computed fixtures."""
from datetime import date, timedelta


from extensions import db
from tests.report_fixtures import channel, person, request, service, utc
import models.survey as survey
import models.volunteer as module
from workflow.reports import ReportFilter, satisfaction, volunteers

Q1 = ReportFilter(date_from=date(2025, 1, 1), date_to=date(2025, 3, 31))


def test_satisfaction(app, users):
    web, phone = channel("web", "الموقع"), channel("phone", "الهاتف")
    food, cash = service("سلة غذائية"), service("مساعدة مالية")
    b = person()
    apps = [request(b, food, web, utc(2025, 1, 20, 9)), request(b, cash, phone, utc(2025, 1, 25, 9)),
            request(b, food, web, utc(2025, 2, 20, 9))]
    q1 = survey.SurveyQuestion(text_ar="هل كان التعامل لطيفًا؟", sort_order=1)
    q2 = survey.SurveyQuestion(text_ar="هل كانت المدة مناسبة؟", sort_order=2)
    db.session.add_all([q1, q2])
    invitations = []
    for i, (application, created, staff) in enumerate(zip(apps, [utc(2025, 2, 1), utc(2025, 2, 10), utc(2025, 3, 1)],
                                                          [users["officer"], users["admin"], users["officer"]])):
        inv = survey.SurveyInvitation(application_id=application.id, token_hash=f"{i:064d}", staff_id=staff.id,
                                      created_at=created, expires_at=created + timedelta(days=30))
        db.session.add(inv)
        invitations.append(inv)
    db.session.flush()

    def respond(inv, application, staff, at, ratings, comment):
        inv.used_at = at
        response = survey.SurveyResponse(invitation_id=inv.id, application_id=application.id,
                                         service_type_id=application.service_type_id,
                                         channel_id=application.channel_id, staff_id=staff.id,
                                         submitted_at=at, comment=comment)
        response.answers = [survey.SurveyAnswer(question_id=q.id, rating=r) for q, r in zip((q1, q2), ratings)]
        db.session.add(response)

    respond(invitations[0], apps[0], users["officer"], utc(2025, 2, 2, 10), (5, 3), "ممتاز")
    # 22:00 UTC on 28 February is 1 March in Riyadh.
    respond(invitations[1], apps[1], users["admin"], utc(2025, 2, 28, 22), (4, 2), "  ")
    db.session.commit()

    result = satisfaction(Q1)
    assert result["responses"] == 2 and result["average"] == 3.5
    assert [(q["name"], q["average"], q["responses"]) for q in result["questions"]] == [
        ("هل كان التعامل لطيفًا؟", 4.5, 2), ("هل كانت المدة مناسبة؟", 2.5, 2)]
    assert {r["name"]: r["average"] for r in result["by_service"]} == {"سلة غذائية": 4.0, "مساعدة مالية": 3.0}
    assert {r["name"]: r["average"] for r in result["by_channel"]} == {"الموقع": 4.0, "الهاتف": 3.0}
    assert {r["name"]: r["average"] for r in result["by_staff"]} == {users["officer"].full_name: 4.0,
                                                                     users["admin"].full_name: 3.0}
    assert (result["invitations"], result["answered_invitations"], result["response_rate"]) == (3, 2, 66.7)
    assert [(t["month"], t["average"], t["responses"]) for t in result["trend"]] == [
        ("2025-01", None, 0), ("2025-02", 4.0, 1), ("2025-03", 3.0, 1)]
    assert [c["comment"] for c in result["comments"]] == ["ممتاز"]

    february = satisfaction(ReportFilter(date_from=date(2025, 2, 1), date_to=date(2025, 2, 28)))
    assert february["responses"] == 1 and february["average"] == 4.0
    assert (february["invitations"], february["response_rate"]) == (2, 100.0)
    assert satisfaction(ReportFilter(date_from=date(2024, 1, 1), date_to=date(2024, 1, 31)))["responses"] == 0
    assert satisfaction(ReportFilter(date_from=date(2024, 1, 1), date_to=date(2024, 1, 31)))["average"] is None


def test_volunteers(app):
    teaching = module.VolunteerField(kind="interest", name_ar="تعليم")
    design = module.VolunteerField(kind="skill", name_ar="تصميم")
    db.session.add_all([teaching, design])

    def volunteer(n, at, status, fields):
        db.session.add(module.Volunteer(full_name=f"متطوع {n}", national_id=f"10000000{n:02d}", phone=f"+9665000000{n:02d}",
                                        status=status, created_at=at, fields=fields))

    volunteer(1, utc(2025, 1, 31, 22, 30), "new", [teaching])  # 1 February in Riyadh
    volunteer(2, utc(2025, 2, 15, 9), "active", [teaching, design])
    volunteer(3, utc(2025, 3, 5, 9), "declined", [])
    volunteer(4, utc(2024, 12, 5, 9), "active", [design])  # outside the range
    db.session.commit()
    result = volunteers(Q1)
    assert result["total"] == 3
    assert result["months"] == ["2025-01", "2025-02", "2025-03"] and result["monthly"] == [0, 2, 1]
    assert {s["status"]: s["count"] for s in result["by_status"]} == {"new": 1, "contacted": 0, "active": 1,
                                                                      "declined": 1}
    assert [(f["name"], f["count"]) for f in result["by_field"]] == [("تعليم", 2), ("تصميم", 1)]
    empty = volunteers(ReportFilter(date_from=date(2023, 1, 1), date_to=date(2023, 1, 31)))
    assert empty["total"] == 0 and empty["monthly"] == [0] and empty["by_field"] == []
