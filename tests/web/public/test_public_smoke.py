from tests.web.public.conftest import post_form, request_data, volunteer_data


def test_pages_render(client, catalogue):
    for url in ("/", "/volunteer", "/request", "/status", "/policy", "/privacy", "/survey/nope"):
        r = client.get(url)
        assert r.status_code in (200, 404), url


def test_smoke_flow(client, catalogue):
    r = post_form(client, "/volunteer", volunteer_data())
    assert r.status_code == 303, r.get_data(as_text=True)[-3000:]
    r = post_form(client, "/request", request_data(catalogue))
    assert r.status_code == 303, r.get_data(as_text=True)[-5000:]
    html = client.get("/request/done").get_data(as_text=True)
    assert "REQ-" in html
