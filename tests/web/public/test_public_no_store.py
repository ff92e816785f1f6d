"""Finding 8 of issue 11: the pages that show a person's request or its status are never cached."""
from extensions import db
from models.application import Application
from tests.web.public.conftest import post_form, request_data


def test_public_request_and_status_pages_are_not_cached(app, client):
    for url in ("/status", "/request"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    assert client.get("/request/done").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/policy").headers.get("Cache-Control", "")


def test_the_status_answer_and_the_reference_page_are_not_cached(app, client, catalogue):
    response = post_form(client, "/request", request_data(catalogue))
    assert response.status_code == 303
    done = client.get("/request/done")
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    reference = db.session.scalar(db.select(Application.reference))
    answer = post_form(client, "/status", {"reference": reference, "phone_last4": "8821"})
    assert answer.status_code == 200 and reference in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
