"""Issue 16: the request list's search by reference, the beneficiary list's city filter, lean rows.

The reference search is read from the reference's unique index (exact or prefix, never
LIKE '%…%'); the city filter is an equality with the cities offered as choices."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from bench.run import filter_params
from extensions import db
from models.application import Application, ReferenceCounter
from tests import factories as f
from tests.querycount import page_queries
from workflow.applications import reference_clause, reference_search_terms


def _set_reference(application, reference: str) -> None:
    db.session.execute(update(Application).where(Application.id == application.id).values(reference=reference))
    db.session.commit()


def test_reference_search_terms():
    years = (1446, 1447)
    assert reference_search_terms("REQ-1447-000123", years) == (["REQ-1447-000123"], [])
    # any case, spaces, "/" or another dash, Eastern Arabic digits; a short sequence is zero-padded
    for typed in ("req-1447-123", " REQ 1447/123 ", "١٤٤٧/١٢٣", "REQ–1447–123"):
        assert reference_search_terms(typed, years) == (["REQ-1447-000123"], ["REQ-1447-123"]), typed
    assert reference_search_terms("123", years) == (["REQ-1446-000123", "REQ-1447-000123"], [])
    assert reference_search_terms("٠٠٠١٢٣", years) == (["REQ-1446-000123", "REQ-1447-000123"], [])
    assert reference_search_terms("1447000123", years) == (["REQ-1447-000123"], [])
    assert reference_search_terms("REQ-14", years) == ([], ["REQ-14"])
    assert reference_search_terms("REQ-1447-", years) == ([], ["REQ-1447-"])
    for nothing in ("", "محمد", "REQ-1447-0001234", "12345678901", "1447-12a", "%"):
        assert reference_search_terms(nothing, years) == ([], []), nothing


def test_request_list_finds_a_request_by_its_reference_or_number(app, client, login_as):
    login_as("officer")
    st = f.service_type()
    wanted, other, third = (f.application(st=st) for _ in range(3))
    db.session.commit()
    _set_reference(wanted, "REQ-1447-000123")
    _set_reference(other, "REQ-1447-123456")
    _set_reference(third, "REQ-1446-000124")
    for year in (1446, 1447):  # the years references were issued in (a number alone is looked up in each)
        db.session.merge(ReferenceCounter(year=year, last=200_000))
    db.session.commit()
    for typed, shown, hidden in (
            ("REQ-1447-000123", ["000123"], ["123456", "000124"]),
            ("req-1447-123", ["000123", "123456"], ["000124"]),  # the number, or the start of one
            ("١٢٣", ["000123"], ["123456", "000124"]),  # the sequence alone, in Eastern digits
            ("REQ-1446", ["000124"], ["000123", "123456"]),
            ("محمد", [], ["000123", "123456", "000124"])):  # not a reference: nothing, not an error
        response = client.get("/admin/application/", query_string={"search": typed})
        assert response.status_code == 200, typed
        rows = " ".join(re.findall(r'<td class="col-reference">(.*?)</td>', response.get_data(as_text=True), re.S))
        assert all(s in rows for s in shown), (typed, rows)
        assert not any(h in rows for h in hidden), (typed, rows)
    html = client.get("/admin/application/").get_data(as_text=True)
    assert 'placeholder="Reference or its number"' in html or 'placeholder="رقم الطلب أو رقمه التسلسلي"' in html


def test_reference_search_reads_the_reference_index(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans tiny test tables as sequential scans; bench/ measures it at size")
    f.application()
    db.session.commit()
    for typed in ("REQ-1447-000123", "1447-12", "123"):
        stmt = select(Application.id).where(reference_clause(typed))
        compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
        with db.engine.connect() as connection:
            plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled))]
        assert any("sqlite_autoindex_application" in step for step in plan), (typed, plan)
        assert not any(step.startswith("SCAN") for step in plan), (typed, plan)


def test_reference_search_same_queries_for_few_and_many_rows(app, client, login_as):
    login_as("admin")
    st = f.service_type()
    for _ in range(3):
        f.application(st=st)
    db.session.commit()
    url = "/admin/application/?search=REQ-1"
    few = page_queries(client, url)
    for _ in range(25):
        f.application(st=st)
    db.session.commit()
    many = page_queries(client, url)
    assert many.count == few.count, (few, many)


def test_city_filter_offers_the_cities_and_matches_exactly(app, client, login_as):
    f.beneficiary(city="جدة", family_name="الزهراني", gender="female")
    f.beneficiary(city="جدة الجديدة", family_name="الغامدي", gender="female")  # "contains" would match it
    f.beneficiary(city="سكاكا", family_name="العنزي", gender="female")
    db.session.commit()
    login_as("officer")
    html = client.get("/admin/beneficiary/").get_data(as_text=True)
    groups = re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', html, re.S).group(1)
    assert '["جدة", "جدة"]' in groups and '["سكاكا", "سكاكا"]' in groups  # UTF-8 JSON, the stored cities
    params = filter_params(app, "beneficiary", [("city", "", "جدة"), ("gender", "", "female")])
    page = client.get("/admin/beneficiary/", query_string=params).get_data(as_text=True)
    assert "الزهراني" in page and "الغامدي" not in page and "العنزي" not in page


def test_list_rows_are_lean(app, client, login_as):
    """No delete form and no Bootstrap 3 icon classes per row, no default page size in links,
    no template indentation: a 20-row list stays small."""
    st = f.service_type()
    for _ in range(3):
        f.application(st=st)
    db.session.commit()
    login_as("officer")
    for url in ("/admin/beneficiary/", "/admin/application/"):
        html = client.get(url).get_data(as_text=True)
        assert '<form class="icon"' not in html and "glyphicon-eye-open" not in html, url
        assert "page_size=20" not in html, url
        assert "\n    " not in html.split("<table", 1)[1], url  # no indentation left in the rows
        assert 'id="action_form"' in html  # rows are deleted with "With selected"
    html = client.get("/admin/application/").get_data(as_text=True)
    first = db.session.scalar(select(Application).order_by(Application.received_at.desc(), Application.id.desc()))
    assert f'<a href="/admin/application/details/?id={first.id}"><bdi class="reference" dir="ltr">{first.reference}</bdi></a>' in html


def _tile(html: str, tile_id: str) -> str:
    card = re.search(rf'id="{tile_id}">(.*?)</a>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", card).split())


def test_board_keeps_its_90_day_figures_a_minute_and_its_counts_fresh(app, client, login_as, monkeypatch):
    import workflow.kept as kept

    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    clock = [1000.0]
    monkeypatch.setattr(kept.time, "monotonic", lambda: clock[0])
    st = f.service_type()
    f.application(st=st)
    db.session.commit()
    login_as("admin")
    first = page_queries(client, "/admin/")
    html = client.get("/admin/").get_data(as_text=True)
    again = page_queries(client, "/admin/")
    assert again.count < first.count, (first, again)  # the 90-day figures were kept
    open_before = _tile(html, "dash-open")
    f.application(st=st)
    db.session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    assert _tile(html, "dash-open") != open_before  # the day's counts are never kept
    clock[0] += 61
    assert page_queries(client, "/admin/").count == first.count  # a minute later: read again
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    assert page_queries(client, "/admin/").count == first.count


# -- lean rows, the name search's count, the registry's order, the way back (this session) ------------
def _rows(html: str) -> list[str]:
    """The list's body rows, with the whitespace between and around tags taken out."""
    body = html.split("</thead>", 1)[1].split("</table>", 1)[0]
    body = re.sub(r"\s*(<[^>]+>)\s*", r"\1", body)
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


@pytest.mark.parametrize("url", ["/admin/beneficiary/", "/admin/beneficiary/?flt0_1=%D8%AC%D8%AF%D8%A9",
                                 "/admin/application/", "/admin/user/", "/admin/followup/"])
def test_lean_rows_are_flask_admins_rows(app, client, login_as, monkeypatch, url):
    """The row function writes exactly the cells Flask-Admin's own row block writes (the same
    formatters, escaping, checkbox and row icons), only faster."""
    from jinja2 import pass_context

    from admin_views.base import SecureModelView

    st = f.service_type()
    for city in ("جدة", "سكاكا", "جدة"):
        f.application(f.beneficiary(city=city, first_name="<b>أحمد</b>", notes="x"), st)
    db.session.commit()
    login_as("admin")
    lean = _rows(client.get(url).get_data(as_text=True))
    assert lean and all("<td" in row for row in lean), url
    monkeypatch.setattr(SecureModelView, "list_row_renderer", pass_context(lambda self, context: None))
    flask_admin = _rows(client.get(url).get_data(as_text=True))
    assert lean == flask_admin
    if "beneficiary" in url:
        assert "&lt;b&gt;أحمد&lt;/b&gt;" in lean[0] and "<b>" not in lean[0]  # typed markup stays text


def _listed_count(html: str) -> str:
    return re.search(r'class="nav-link active">[^<(]*\(([^)]*)\)</a>', html).group(1)


def test_name_search_counts_from_the_name_index(app, client, login_as, users):
    """A name search's count is read from the name-word index alone and agrees with the rows;
    with a filter or for a branch-scoped role the rows themselves are counted."""
    from tests.querycount import count_queries

    from models.branch import Branch

    branch = Branch(name_ar="فرع سكاكا", name_en="", city="سكاكا", region="الجوف", phone="0146240000")
    for first, father in (("أحمد", "محمد"), ("احمد", "أحمد"), ("محمد", "أحمدي"), ("فاطمة", "علي"), ("سعد", "حمد")):
        f.beneficiary(first_name=first, father_name=father, gender="female" if first == "فاطمة" else "male",
                      branch=branch if first == "احمد" else None)
    users["officer"].branches = [branch]
    db.session.commit()
    login_as("officer")
    with count_queries() as log:
        html = client.get("/admin/beneficiary/?search=احمد").get_data(as_text=True)
    assert _listed_count(html) == "3" and len(_rows(html)) == 3  # أحمد twice in one name counts once
    counts = [s for s in log.statements if "count(" in s.lower()]
    assert counts and "beneficiary_name_word" in counts[0] and "FROM beneficiary " not in counts[0], counts
    html = client.get("/admin/beneficiary/?search=احمد محمد").get_data(as_text=True)
    assert _listed_count(html) == "2" and len(_rows(html)) == 2  # both words, in any order
    assert _listed_count(client.get("/admin/beneficiary/?search=حمد").get_data(as_text=True)) == "1"  # حمد only
    params = filter_params(app, "beneficiary", [("gender", "", "male")])
    html = client.get("/admin/beneficiary/", query_string={**params, "search": "احمد"}).get_data(as_text=True)
    assert _listed_count(html) == "3"
    app.config["BRANCH_SCOPED_ROLES"] = "officer"  # now the officer sees their branch's people only
    html = client.get("/admin/beneficiary/?search=احمد").get_data(as_text=True)
    assert _listed_count(html) == "1" and len(_rows(html)) == 1


def test_registry_lists_the_newest_registered_first(app, client, login_as):
    first, second, third = (f.beneficiary(first_name=name) for name in ("أول", "ثاني", "ثالث"))
    db.session.commit()
    login_as("officer")
    rows = _rows(client.get("/admin/beneficiary/").get_data(as_text=True))
    assert [r.split("?id=", 1)[1].split('"', 1)[0] for r in rows] == [str(third.id), str(second.id), str(first.id)]
    by_date = client.get("/admin/beneficiary/?sort=6").get_data(as_text=True)  # "Registered on", oldest first
    assert by_date.index(f"?id={first.id}") < by_date.index(f"?id={third.id}")


def test_row_links_way_back_keeps_an_arabic_filter(app, client, login_as):
    """The way back written once-quoted (letters as letters) leads back to the same filtered list
    after a save, as a browser follows it (quoting the letters itself)."""
    from html import unescape
    from urllib.parse import quote

    from tests.registry_helpers import make_beneficiary
    from tests.web.test_integrity import FORM, _open_form
    from workflow.reference import load_defaults

    load_defaults()
    person = make_beneficiary(city="جدة")
    login_as("officer")
    listed = "/admin/beneficiary/?flt0_1=%D8%AC%D8%AF%D8%A9"
    html = client.get(listed).get_data(as_text=True)
    edit = unescape(re.search(r'href="(/admin/beneficiary/edit/\?id=%d[^"]*)"' % person.id, html).group(1))
    assert "url=/admin/beneficiary/?flt0_1%3Dجدة" in edit and "%25D8" not in edit
    followed = quote(edit, safe="/?&=%:")  # what the browser sends
    saved = client.post(followed, data={**FORM, **_open_form(client, followed), "city": "جدة", "notes": "زيارة"},
                        content_type="multipart/form-data")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    assert saved.headers["Location"].endswith(listed)


def test_page_size_menu_is_translated(app, client, login_as):
    login_as("officer")
    html = client.get("/admin/beneficiary/").get_data(as_text=True)
    assert "items</a>" not in html and "20 صفًا في الصفحة" in html and "100 صف في الصفحة" in html
    html = client.get("/admin/beneficiary/?lang=en").get_data(as_text=True)
    assert "20 rows a page" in html


def test_main_menu_is_kept_per_role_language_and_screen(app, client, users):
    """The menu is written once per (role, language, screen): another role, language or screen
    never gets a kept menu that is not its own."""
    from tests.conftest import login

    def menu(url):
        html = client.get(url).get_data(as_text=True)
        return html.split('id="admin-navbar-collapse"', 1)[1].split('id="user-menu"', 1)[0]

    login(client, users["admin"].email)
    admin_menu = menu("/admin/beneficiary/")
    assert "/admin/user/" in admin_menu and 'active  " href="/admin/beneficiary/"' in admin_menu
    assert "<!--" not in admin_menu and "glyphicon" not in admin_menu
    assert 'active  " href="/admin/application/"' in menu("/admin/application/")  # the open screen
    english = menu("/admin/beneficiary/?lang=en")
    assert "Beneficiaries" in english and "/admin/user/" in english
    client.post("/logout", data={"csrf_token": csrf_token_of(client)})
    login(client, users["officer"].email)
    officer_menu = menu("/admin/beneficiary/?lang=ar")
    assert "/admin/user/" not in officer_menu and "/admin/beneficiary/" in officer_menu


def csrf_token_of(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client.get("/admin/account/").get_data(as_text=True))


def test_filter_options_are_kept_a_minute_and_a_saved_branch_at_once(app, client, users, monkeypatch):
    """With FILTER_OPTIONS_CACHE_SECONDS the cities in use are read once a minute per process;
    a branch saved on this server is offered by the branch filter at once."""
    import workflow.kept as kept
    from tests.conftest import csrf_token, login

    app.config["FILTER_OPTIONS_CACHE_SECONDS"] = 60
    clock = [5000.0]
    monkeypatch.setattr(kept.time, "monotonic", lambda: clock[0])
    f.beneficiary(city="سكاكا")
    db.session.commit()
    login(client, users["admin"].email)

    def groups():
        html = client.get("/admin/beneficiary/").get_data(as_text=True)
        return re.search(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', html, re.S).group(1)

    assert "سكاكا" in groups()
    f.beneficiary(city="طبرجل")
    db.session.commit()
    assert "طبرجل" not in groups()  # kept
    clock[0] += 61
    assert "طبرجل" in groups()  # a minute later
    page = client.get("/admin/branch/new/")
    client.post("/admin/branch/new/", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                            "name_ar": "فرع القريات", "city": "القريات", "active": "y"})
    assert "فرع القريات" in groups()  # saved here: offered at once


def test_static_file_links_are_kept_per_address_prefix(app, client, users):
    """Static links are built once (static_url) and are those url_for builds, under the prefix
    the site is served at: a site served under /brs keeps its own."""
    from tests.conftest import login

    login(client, users["admin"].email)
    links = set(re.findall(r'(?:src|href)="([^"]*/static/[^"]*)"', client.get("/admin/application/").get_data(as_text=True)))
    with app.test_request_context("/"):
        from flask import url_for

        expected = {url_for("static", filename="js/app.js"), url_for("admin.static", filename="vendor/jquery.min.js", v="3.5.1")}
    assert expected <= links, links
    again = set(re.findall(r'(?:src|href)="([^"]*/static/[^"]*)"', client.get("/admin/beneficiary/").get_data(as_text=True)))
    assert expected <= again
    prefixed = client.get("/admin/application/", environ_overrides={"SCRIPT_NAME": "/brs"}).get_data(as_text=True)
    assert 'src="/brs/static/js/app.js' in prefixed and 'src="/static/js/app.js' not in prefixed
    assert '/brs/admin/static/vendor/jquery.min.js?v=3.5.1' in prefixed


def test_list_links_are_flask_admins_own_without_the_default_page_size(app):
    """SecureModelView.list_url writes the links Flask-Admin's _get_list_url writes (same
    parameters, order and encoding), with the default page size left out."""
    from flask_admin.model.base import BaseModelView, ViewArgs

    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "beneficiary")
    city = next(i for i, f in enumerate(view._filters) if "city" in str(f.column).lower())
    cases = [ViewArgs(), ViewArgs(page=3), ViewArgs(page=1, sort=2, sort_desc=1),
             ViewArgs(search="أحمد & co/1?", page_size=50),
             ViewArgs(page=2, filters=[(city, "city", "جدة"), (city, "city", "a b+c")], extra_args={"url": "/x?y=1"}),
             ViewArgs(page_size=view.page_size, extra_args={"q": "k1", "tags": ["a", "b"]})]
    with app.test_request_context("/admin/beneficiary/", environ_overrides={"SCRIPT_NAME": "/brs"}):
        for args in cases:
            theirs = BaseModelView._get_list_url(view, args)
            theirs = theirs.replace(f"page_size={view.page_size}&", "").replace(f"page_size={view.page_size}", "")
            assert view.list_url(args) == theirs.rstrip("?&"), args.__dict__
        assert view.list_url(ViewArgs()) == "/brs/admin/beneficiary/"
