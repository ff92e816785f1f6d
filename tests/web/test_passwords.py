"""Finding 4 of issue 11: common, guessable and name- or email-based passwords are refused
everywhere a password is set (CLI, the users screen, one's own password change)."""
import pytest

from extensions import db
from models.user import User
from tests.conftest import PASSWORD, csrf_token, login
from workflow.users import UserError, check_password_strength, create_user

COMMON = ["password123", "1234567890", "qwertyuiop"]


@pytest.mark.parametrize("password", COMMON + ["aaaaaaaaaaaa", "abcdefghijk"])
def test_common_and_guessable_passwords_are_refused(app, password):
    with pytest.raises(UserError, match="شائعة أو سهلة التخمين"):
        check_password_strength(password, "someone@example.org", "Someone")


@pytest.mark.parametrize("password", ["Aisha-Rahman-1990", "aisha.rahman@charity.org", "charity-rahman-2024!"])
def test_passwords_built_from_the_persons_name_or_email_are_refused(app, password):
    with pytest.raises(UserError, match="اسمك أو بريدك"):
        check_password_strength(password, "aisha.rahman@charity.org", "Aisha Rahman")


def test_short_passwords_are_refused_whatever_their_strength(app):
    with pytest.raises(UserError, match="10"):
        check_password_strength("x7#Qp!z", None, None)


@pytest.mark.parametrize("password", [PASSWORD, "violet tractor summer lantern", "ظهيرة نخلة قهوة مطر"])
def test_long_phrases_pass(app, password):
    check_password_strength(password, "officer@example.org", "مستخدم officer")


@pytest.mark.parametrize("password", COMMON)
def test_the_cli_refuses_common_passwords(app, password):
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "new@example.org", "--name", "New",
                                                "--role", "viewer", "--password", password])
    assert result.exit_code != 0
    assert db.session.scalar(db.select(User).where(User.email == "new@example.org")) is None


def test_the_cli_set_password_refuses_the_users_own_email(app, users):
    result = app.test_cli_runner().invoke(args=["users", "set-password", "--email", "viewer@example.org",
                                                "--password", "viewer@example.org"])
    assert result.exit_code != 0


@pytest.mark.parametrize("password", COMMON)
def test_the_users_screen_refuses_common_passwords_with_a_reason(app, client, users, password):
    login(client, users["admin"].email)
    form = client.get("/admin/user/new/").get_data(as_text=True)
    response = client.post("/admin/user/new/", data={
        "full_name": "موظف جديد", "email": "new@example.org", "role": "viewer", "active": "y",
        "new_password": password, "csrf_token": csrf_token(form)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "شائعة أو سهلة التخمين" in html
    assert 'value="new@example.org"' in html  # what was typed is kept
    assert db.session.scalar(db.select(User).where(User.email == "new@example.org")) is None


def test_own_password_change_refuses_a_name_based_password(app, client, users):
    login(client, users["officer"].email)
    page = client.get("/admin/account/").get_data(as_text=True)
    response = client.post("/admin/account/password", data={
        "pw-current_password": PASSWORD, "pw-new_password": "officer-example-2024",
        "pw-confirm": "officer-example-2024", "pw-csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert "اسمك أو بريدك" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, users["officer"].id).check_password(PASSWORD)


def test_own_password_change_needs_the_current_password(app, client, users):
    login(client, users["officer"].email)
    page = client.get("/admin/account/").get_data(as_text=True)
    response = client.post("/admin/account/password", data={
        "pw-current_password": "not my password", "pw-new_password": "violet tractor summer lantern",
        "pw-confirm": "violet tractor summer lantern", "pw-csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert "كلمة المرور الحالية غير صحيحة" in response.get_data(as_text=True)


def test_create_user_checks_against_the_new_persons_own_words(app):
    with pytest.raises(UserError):
        create_user("khalid.otaibi@example.org", "Khalid Otaibi", "viewer", "khalid-otaibi-99")
