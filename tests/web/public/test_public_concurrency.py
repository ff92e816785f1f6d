"""Sends of one public form at the same moment (issue 12, finding 2): a double tap on a phone, or
three tabs for one new national ID. Every answer is the confirmation (or a clear page), never a
server error, and there is one record."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from extensions import db
from models.application import Application
from models.beneficiary import Beneficiary
from tests.web.public.conftest import VALID_ID, form_defaults, request_data

SENDERS = 4


@pytest.fixture
def generous_limits(app):
    """No rate limit here (it has its own tests): the in-process memory:// counters are not safe
    for requests at the very same moment (limits starts its expiry timer twice), Redis is."""
    from extensions import limiter

    app.config["PUBLIC_RATE_LIMIT"] = "1000 per minute"
    enabled, limiter.enabled = limiter.enabled, False
    yield
    limiter.enabled = enabled


def _clients_sharing(app, client):
    """Clients with the browser's cookies (its session, so its CSRF token)."""
    cookie = client.get_cookie("session")
    clients = []
    for _ in range(SENDERS):
        other = app.test_client()
        other.set_cookie("session", cookie.value, domain=cookie.domain)
        clients.append(other)
    return clients


def _send_together(posts):
    """Run the posts in threads released at the same moment; their responses, in order."""
    barrier = threading.Barrier(len(posts))
    answers: list = [None] * len(posts)

    def run(i, post):
        barrier.wait()
        try:
            response = post()
            answers[i] = (response.status_code, response.headers.get("Location", ""))
        except Exception as exc:  # noqa: BLE001 - a raised error is what the test looks for
            answers[i] = (type(exc).__name__, str(exc)[:200])

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(posts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


def _count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_double_tap_on_send_gets_the_same_confirmation_and_one_request(app, client, catalogue, generous_limits):
    page = client.get("/request").get_data(as_text=True)
    data = {**request_data(catalogue), **form_defaults(page)}
    clients = _clients_sharing(app, client)
    answers = _send_together([lambda c=c: c.post("/request", data=data) for c in clients])
    assert all(answer == (303, "/request/done") for answer in answers), answers
    assert _count(Beneficiary) == 1 and _count(Application) == 1
    # Each of them sees the confirmation of that one request.
    reference = db.session.scalar(select(Application.reference))
    for c in clients:
        assert reference in c.get("/request/done").get_data(as_text=True)


def test_three_tabs_for_one_new_id_never_fail(app, client, catalogue, generous_limits):
    forms = []
    for _ in range(3):
        page = client.get("/request").get_data(as_text=True)
        forms.append({**request_data(catalogue), **form_defaults(page)})
    clients = _clients_sharing(app, client)
    answers = _send_together([lambda c=c, f=f: c.post("/request", data=f) for c, f in zip(clients, forms)])
    assert all(answer == (303, "/request/done") for answer in answers), answers
    assert _count(Beneficiary) == 1  # one person, whatever tab won
    assert db.session.scalar(select(Beneficiary.national_id)) == VALID_ID


def test_a_database_error_is_rolled_back_and_explained(app, client, catalogue, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from workflow import online_requests

    def locked(**kwargs):
        db.session.add(Beneficiary(national_id="1000000016", first_name="x", family_name="y", gender="male",
                                   phone="+966551138821"))
        db.session.flush()
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(online_requests, "_submit", locked)
    page = client.get("/request").get_data(as_text=True)
    response = client.post("/request", data={**request_data(catalogue), **form_defaults(page)})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "could not be saved just now" in text or "تعذّر حفظ طلبك" in text
    assert "القحطاني" in text  # what was typed is kept
    assert _count(Beneficiary) == 0  # nothing half-saved


# -- input that cannot be read at all (issue 12, finding 9) ------------------------------

def test_unreadable_date_and_choice_get_clear_translated_messages(client, catalogue):
    page = client.get("/request?lang=en").get_data(as_text=True)
    data = {**request_data(catalogue, birth_date="1985-04-02 10:30", **{"documents-0-document_type": "abc"}),
            **form_defaults(page)}
    text = client.post("/request", data=data).get_data(as_text=True)
    assert "Not a valid date: write it as YYYY-MM-DD, for example 2025-09-15." in text
    assert "could not coerce" not in text
    assert "Choose one of the options in the list." in text
    arabic = client.get("/request?lang=ar").get_data(as_text=True)
    text = client.post("/request", data={**data, **form_defaults(arabic)}).get_data(as_text=True)
    assert "could not coerce" not in text and "Invalid Choice" not in text


def test_volunteer_form_sent_four_times_at_once_makes_one_volunteer(app, client, generous_limits):
    from models.volunteer import Volunteer
    from tests.web.public.conftest import volunteer_data

    page = client.get("/volunteer").get_data(as_text=True)
    data = {**volunteer_data(), **form_defaults(page)}
    clients = _clients_sharing(app, client)
    answers = _send_together([lambda c=c: c.post("/volunteer", data=data) for c in clients])
    assert all(code in (200, 303, 409) for code, _where in answers), answers  # never a server error
    assert (303, "/volunteer/thanks") in answers
    assert _count(Volunteer) == 1
