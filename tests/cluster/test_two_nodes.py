"""Two app servers behind one database, one Redis and one bucket behave as one system."""
from __future__ import annotations

import io
import socket
import time

import pytest
import requests

from tests.cluster.conftest import BUCKET, PASSWORD, csrf_token, sign_in, wait_until
from tests.registry_helpers import pdf_bytes

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def people(cluster):
    """Staff and a beneficiary with a signed declaration, written into the shared database."""
    from extensions import db
    from tests import factories as f
    from workflow.users import create_user

    with cluster.app.app_context():
        staff = {role: create_user(f"{role}@cluster.example.org", f"موظف {role}", role, PASSWORD)
                 for role in ("officer", "committee")}
        person = f.beneficiary()
        f.sign(person)
        service = f.service_type(period=14)
        channel = f.channel()
        db.session.commit()
        return {"officer": staff["officer"].email, "officer_id": staff["officer"].id,
                "committee": staff["committee"].email, "committee_id": staff["committee"].id,
                "beneficiary": person.id, "service": service.id, "channel": channel.id}


def _objects(cluster) -> set[str]:
    listing = cluster.bucket.list_objects_v2(Bucket=BUCKET, Prefix="uploads/")
    return {o["Key"] for o in listing.get("Contents", [])}


def _file_rows(cluster) -> int:
    from sqlalchemy import func, select

    from extensions import db
    from models.files import StoredFile

    with cluster.app.app_context():
        return db.session.scalar(select(func.count()).select_from(StoredFile))


def _document_type(cluster) -> int:
    from sqlalchemy import select

    from extensions import db
    from models.reference import DocumentType

    with cluster.app.app_context():
        return db.session.scalars(select(DocumentType.id).order_by(DocumentType.id)).first()


def test_a_document_uploaded_on_a_downloads_on_b_with_the_same_bytes(cluster, people):
    a = sign_in(cluster.a.url, people["officer"])
    form_page = a.get(cluster.a.url + f"/admin/document/new/?beneficiary_id={people['beneficiary']}")
    response = a.post(cluster.a.url + f"/admin/document/new/?beneficiary_id={people['beneficiary']}",
                      data={"csrf_token": csrf_token(form_page.text), "beneficiary": str(people["beneficiary"]),
                            "document_type": str(_document_type(cluster)), "issue_date": "2024-01-01",
                            "expiry_date": "2030-01-01", "notes": ""},
                      files={"upload": ("صك الإعالة.pdf", io.BytesIO(pdf_bytes()), "application/pdf")},
                      allow_redirects=False)
    assert response.status_code == 302, response.text[:2000]
    details = a.get(cluster.a.url + f"/admin/beneficiary/details/?id={people['beneficiary']}").text
    import re

    file_id = re.search(r"/admin/file/(\d+)", details).group(1)
    # Node B has never seen this file on its disk (each node has its own UPLOAD_FOLDER).
    b = sign_in(cluster.b.url, people["officer"])
    download = b.get(cluster.b.url + f"/admin/file/{file_id}")
    assert download.status_code == 200
    assert download.content == pdf_bytes()
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    assert len(_objects(cluster)) == 1


def test_sign_in_on_a_works_on_b_and_sign_out_on_b_ends_it_on_a(cluster, people):
    a = sign_in(cluster.a.url, people["officer"])
    b = requests.Session()
    b.cookies = a.cookies.copy()
    home = b.get(cluster.b.url + "/admin/", allow_redirects=False)
    assert home.status_code == 200  # the same session, read by the other server
    # Sign out on B ...
    b.post(cluster.b.url + "/logout", data={"csrf_token": csrf_token(home.text)}, allow_redirects=False)
    # ... and the cookie copied before (replayed on A) no longer opens anything.
    replay = requests.Session()
    replay.cookies = a.cookies.copy()  # A's jar never saw the sign-out
    response = replay.get(cluster.a.url + "/admin/", allow_redirects=False)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_failed_sign_ins_spread_over_both_nodes_are_limited_as_one(cluster, people):
    answers = []
    for attempt in range(8):
        node = cluster.a if attempt % 2 == 0 else cluster.b
        client = requests.Session()
        page = client.get(node.url + "/login")
        answers.append(client.post(node.url + "/login", allow_redirects=False, data={
            "email": "nobody@cluster.example.org", "password": "wrong password 123",
            "csrf_token": csrf_token(page.text)}).status_code)
    # LOGIN_RATE_LIMIT is 5 per minute: counted once for both servers (and their 4 processes).
    assert answers[:5] == [200] * 5
    assert answers[5:] == [429] * 3
    import redis

    redis.Redis(port=cluster.redis_port).flushall()  # the next tests sign in from the same address


def test_a_request_created_on_a_is_decided_on_b(cluster, people):
    from extensions import db
    from models.application import Application
    from tests import factories as f

    a = sign_in(cluster.a.url, people["officer"])
    page = a.get(cluster.a.url + "/admin/application/new/")
    response = a.post(cluster.a.url + "/admin/application/new/", allow_redirects=False, data={
        "csrf_token": csrf_token(page.text), "beneficiary": people["beneficiary"], "service_type": people["service"],
        "channel": people["channel"], "description": "سلة غذائية للأسرة", "notes": ""})
    assert response.status_code == 302, response.text[:2000]
    with cluster.app.app_context():
        application = db.session.scalars(db.select(Application).order_by(Application.id.desc())).first()
        app_id, version = application.id, application.version
    # Verified and raised on B by the same officer's session.
    b = requests.Session()
    b.cookies = a.cookies.copy()
    token = csrf_token(b.get(cluster.b.url + f"/admin/application/details/?id={app_id}").text)
    for step in ("verify", "raise_to_committee"):
        with cluster.app.app_context():
            version = db.session.get(Application, app_id).version
        moved = b.post(cluster.b.url + f"/admin/application/transition/{step}/", allow_redirects=False,
                       data={"csrf_token": token, "ids": str(app_id), "versions": f"{app_id}:{version}"})
        assert moved.status_code in (302, 303), moved.text[:2000]
    with cluster.app.app_context():
        application = db.session.get(Application, app_id)
        assert application.status == "awaiting_committee", application.status
        from models.user import User

        member = db.session.get(User, people["committee_id"])
        session = f.session([member], present=[member], agenda=[application])
        db.session.commit()
        session_id, item_id = session.id, session.agenda[0].id
    member_client = sign_in(cluster.b.url, people["committee"])
    token = csrf_token(member_client.get(cluster.b.url + f"/admin/committeesession/details/?id={session_id}").text)
    decided = member_client.post(cluster.b.url + "/admin/committeesession/decide/", allow_redirects=False, data={
        "csrf_token": token, "id": session_id, "item": item_id, f"i{item_id}-item": item_id,
        f"i{item_id}-version": "", f"i{item_id}-outcome": "accept", f"i{item_id}-granted": "سلة غذائية"})
    assert decided.status_code in (302, 303), decided.text[:2000]
    # Node A shows the decision.
    details = a.get(cluster.a.url + f"/admin/application/details/?id={app_id}&lang=en").text
    assert "Accepted" in details or "accepted" in details
    with cluster.app.app_context():
        assert db.session.get(Application, app_id).status == "accepted"


def test_messages_queued_on_both_nodes_are_sent_exactly_once_by_two_workers(cluster, people):
    from sqlalchemy import select

    from extensions import db
    from models.organisation import OrganisationProfile
    from models.outbox import OutboxMessage
    from tests import factories as f

    with cluster.app.app_context():
        profile = db.session.get(OrganisationProfile, 1) or OrganisationProfile(id=1, name_ar="جمعية")
        profile.message_channel = "sms"  # Settings → Organisation profile: messages go by SMS
        db.session.add(profile)
        persons = []
        for _ in range(12):
            person = f.beneficiary()
            f.sign(person)
            persons.append(person.id)
        db.session.commit()
    # Twelve requests received, alternately on A and B: each queues its "received" message.
    clients = {node.url: sign_in(node.url, people["officer"]) for node in (cluster.a, cluster.b)}
    for n, person_id in enumerate(persons):
        base = cluster.a.url if n % 2 == 0 else cluster.b.url
        client = clients[base]
        page = client.get(base + "/admin/application/new/")
        response = client.post(base + "/admin/application/new/", allow_redirects=False, data={
            "csrf_token": csrf_token(page.text), "beneficiary": person_id, "service_type": people["service"],
            "channel": people["channel"], "description": "سلة غذائية", "notes": ""})
        assert response.status_code == 302, response.text[:2000]
    with cluster.app.app_context():
        queued = set(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.channel == "sms",
                                                                       OutboxMessage.state == "queued")))
    assert len(queued) == 12
    # Two workers start together and race for the same rows.
    cluster.worker("worker-1")
    cluster.worker("worker-2")

    def all_sent() -> bool:
        with cluster.app.app_context():
            db.session.expire_all()
            states = set(db.session.scalars(select(OutboxMessage.state).where(OutboxMessage.id.in_(queued))))
            return states == {"sent"}

    wait_until(all_sent, "every message sent", seconds=60)
    sent_ids = [m["message_id"] for m in cluster.gateway.received if m["message_id"] in queued]
    assert sorted(sent_ids) == sorted(queued)  # each once, none twice
    assert all(m["to"].startswith("+9665") for m in cluster.gateway.received)
    with cluster.app.app_context():
        attempts = set(db.session.scalars(select(OutboxMessage.attempts).where(OutboxMessage.id.in_(queued))))
        assert attempts == {1}


def test_readyz_turns_red_when_redis_stops_and_green_when_it_returns(cluster):
    assert requests.get(cluster.a.url + "/readyz").status_code == 200
    cluster.redis.stop()
    try:
        for node in (cluster.a, cluster.b):
            response = requests.get(node.url + "/readyz")
            assert response.status_code == 503
            assert response.json()["checks"]["rate_limits"] == "failed"
            assert response.json()["checks"]["database"] == "ok"
        # Sign-in pages still answer meanwhile (limits fall back to each process's memory).
        assert requests.get(cluster.a.url + "/login").status_code == 200
    finally:
        cluster.redis.start()
        from tests.cluster.conftest import _redis_ping

        wait_until(lambda: _redis_ping(cluster.redis_port), "Redis again")
    wait_until(lambda: requests.get(cluster.a.url + "/readyz").status_code == 200, "node A ready again")
    assert requests.get(cluster.b.url + "/readyz").json()["status"] == "ok"


def test_killing_a_node_mid_upload_leaves_no_row_and_no_object(cluster, people):
    rows, objects = _file_rows(cluster), _objects(cluster)
    a = sign_in(cluster.a.url, people["officer"])
    form_page = a.get(cluster.a.url + f"/admin/document/new/?beneficiary_id={people['beneficiary']}")
    token = csrf_token(form_page.text)
    cookie = "; ".join(f"{c.name}={c.value}" for c in a.cookies)
    boundary = "----brs-cluster-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"big.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + pdf_bytes()
    total = len(head) + 5 * 1024 * 1024  # announced, never sent in full
    with socket.create_connection(("127.0.0.1", cluster.a.port)) as raw:
        raw.sendall((f"POST /admin/document/new/?beneficiary_id={people['beneficiary']} HTTP/1.1\r\n"
                     f"Host: 127.0.0.1:{cluster.a.port}\r\nCookie: {cookie}\r\n"
                     f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                     f"Content-Length: {total}\r\n\r\n").encode() + head + b"\0" * (256 * 1024))
        cluster.a.kill()  # the whole node: master and workers, SIGKILL
    assert _file_rows(cluster) == rows
    assert _objects(cluster) == objects
    # B keeps serving meanwhile, and A comes back.
    assert requests.get(cluster.b.url + "/readyz").status_code == 200
    cluster.a.start()
    assert requests.get(cluster.a.url + "/readyz").status_code == 200
