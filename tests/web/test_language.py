"""Arabic by default, English one click away, and the choice remembered."""
from tests.conftest import login


def test_switch_to_english_and_back_is_remembered(client, users):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html and "Staff sign-in" in html
    # Remembered without the parameter.
    assert '<html lang="en" dir="ltr">' in client.get("/login").get_data(as_text=True)
    login(client, "admin@example.org")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'dir="ltr"' in html and "Welcome, مستخدم admin" in html
    html = client.get("/admin/?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html and "مرحبًا" in html


def test_language_switch_link_keeps_the_page(client, users):
    login(client, "admin@example.org")
    html = client.get("/admin/user/?page=0").get_data(as_text=True)
    assert 'href="/admin/user/?page=0&amp;lang=en"' in html


def test_flask_admin_strings_are_arabic(client, users):
    login(client, "admin@example.org")
    html = client.get("/admin/user/").get_data(as_text=True)
    assert "قائمة" in html or "إنشاء" in html  # Flask-Admin's own Arabic catalogue
    assert "bootstrap-rtl.min.css" in html


def test_unknown_language_falls_back_to_arabic(client):
    assert 'lang="ar"' in client.get("/login?lang=xx").get_data(as_text=True)


def test_error_pages_are_translated(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "الصفحة غير موجودة" in response.get_data(as_text=True)
    assert "Page not found" in client.get("/no-such-page?lang=en").get_data(as_text=True)


def test_arabic_plurals_follow_the_catalogues_plural_rule():
    """Arabic has six plural forms; the catalogue's rule puts 100-102 in form 4 and 11-99 in form 5
    (three translations had those two the other way round)."""
    from pathlib import Path

    from babel.support import Translations

    ar = Translations.load(str(Path(__file__).resolve().parents[2] / "translations"), ["ar"])
    rows = lambda n: ar.ngettext("%(num)d row a page", "%(num)d rows a page", n) % {"num": n}  # noqa: E731
    assert [rows(n) for n in (1, 2, 3, 20, 50, 100)] == [
        "صف واحد في الصفحة", "صفّان في الصفحة", "3 صفوف في الصفحة", "20 صفًا في الصفحة", "50 صفًا في الصفحة",
        "100 صف في الصفحة"]
    conditions = lambda n: ar.ngettext("%(num)d condition", "%(num)d conditions", n) % {"num": n}  # noqa: E731
    assert (conditions(15), conditions(100), conditions(4)) == ("15 شرطاً", "100 شرط", "4 شروط")


def test_a_cancelled_action_and_a_cancelled_message_agree_with_their_nouns(app):
    """«إجراء» (an improvement action) is masculine, «رسالة» (a message) feminine: one English
    word, two Arabic ones, kept apart by a message context."""
    from admin_views.outbox import STATE_LABELS
    from models.improvement import ActionStatus
    from models.outbox import MessageState
    from workflow.improvement import STATUS_LABELS

    with app.app_context(), app.test_request_context("/"):  # each with its own g (the language is kept there)
        assert str(STATUS_LABELS[ActionStatus.CANCELLED]) == "ملغى"
        assert str(STATE_LABELS[MessageState.CANCELLED]) == "ملغاة"
    with app.app_context(), app.test_request_context("/?lang=en"):
        assert str(STATUS_LABELS[ActionStatus.CANCELLED]) == str(STATE_LABELS[MessageState.CANCELLED]) == "Cancelled"
