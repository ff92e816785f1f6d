"""Keyboard only, no mouse: a volunteer registers on the public site, an officer signs in and saves a
new beneficiary in the panel. Only Tab / Shift+Tab, typing, Enter, Space and the arrow keys are used;
the focus is followed with document.activeElement, never moved by the test itself."""
from __future__ import annotations

import pytest

from extensions import db
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def focused(page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, limit: int = 60, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focus is on `selector`."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if focused(page, selector):
            return
    active = page.evaluate("document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"{selector} not reached with {limit} Tab presses; the focus is on {active}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose_in_lookup(page, field_id: str, text: str) -> None:
    """A Select2 look-up: Tab to it, open it with the Down arrow, type, Enter picks the match."""
    tab_to(page, f"#s2id_{field_id} input.select2-focusser")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("#select2-drop input.select2-input", state="visible")
    page.keyboard.type(text)
    page.wait_for_selector("#select2-drop .select2-result.select2-highlighted")
    page.keyboard.press("Enter")


def choose_option(page, selector: str, value: str) -> None:
    """A closed drop-down list: Tab to it, then the arrow keys move through its options."""
    tab_to(page, selector)
    steps = page.evaluate("([s, v]) => { const el = document.querySelector(s);"
                          " return [...el.options].findIndex(o => o.value === v) - el.selectedIndex; }", [selector, value])
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    assert page.input_value(selector) == value


@pytest.fixture
def volunteer_page(app, users, browser):
    from models.volunteer import VolunteerField

    app.config["PUBLIC_MIN_FILL_SECONDS"] = 0
    db.session.add(VolunteerField(kind="skill", name_ar="التصميم", name_en="Design", sort_order=1))
    db.session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ar-SA", is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_volunteer_registers_with_the_keyboard_only(live_server, volunteer_page):
    from models.volunteer import Volunteer

    page = volunteer_page
    page.goto(f"{live_server}/volunteer")
    # The first Tab reaches the skip link; Enter takes the focus past the header to the content.
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-link")
    assert page.locator("a.skip-link").is_visible()
    page.keyboard.press("Enter")
    assert focused(page, "#main-content")

    # Sending the empty form: the focus lands on the error summary, whose links lead to the fields.
    tab_to(page, "#volunteer-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focused(page, "#error-summary")
    assert "#full_name" in page.locator("#error-summary a").first.get_attribute("href")
    assert page.get_attribute("#full_name", "aria-invalid") == "true"
    page.keyboard.press("Tab")
    assert focused(page, "#error-summary a")
    page.keyboard.press("Enter")
    assert focused(page, "#full_name")

    page.keyboard.type("سارة أحمد الشهري")
    type_into(page, "#national_id", "1000000008")
    type_into(page, "#phone", "0551138821")
    tab_to(page, "input[name=gender]")
    page.keyboard.press("Space")  # the first choice of the group
    page.keyboard.press("ArrowLeft")  # the next one in a right-to-left page: female
    assert page.is_checked("#gender-1")
    type_into(page, "#city", "سكاكا")
    tab_to(page, "input[name=skills]")
    page.keyboard.press("Space")
    tab_to(page, "#availability_days-0")
    page.keyboard.press("Space")
    tab_to(page, "#availability_hours-2")
    page.keyboard.press("Space")
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, "#volunteer-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#volunteer-result")
    volunteer = db.session.scalar(db.select(Volunteer))
    assert volunteer.full_name == "سارة أحمد الشهري" and volunteer.gender == "female"
    assert volunteer.national_id == "1000000008"


@pytest.fixture
def officer_page(users, browser, live_server):
    from tests import factories as f
    from workflow.reference import load_defaults

    load_defaults()
    f.service_type(name="سلة غذائية")
    db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar-SA")
    yield context.new_page()
    context.close()


def test_officer_saves_a_new_beneficiary_with_the_keyboard_only(live_server, officer_page, users):
    from models.beneficiary import Beneficiary

    page = officer_page
    page.goto(f"{live_server}/login")
    type_into(page, "#email", users["officer"].email)
    # A wrong password first: the message is tied to the fields and has the focus.
    type_into(page, "#password", "not my password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focused(page, "#error-summary")
    assert page.get_attribute("#password", "aria-invalid") == "true"
    assert page.get_attribute("#email", "aria-describedby") == "password-error"
    type_into(page, "#password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#welcome")

    page.goto(f"{live_server}/admin/beneficiary/new/")
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-link")
    page.keyboard.press("Enter")
    assert focused(page, "#main-content")
    type_into(page, "#national_id", "1058529940")
    type_into(page, "#first_name", "أحمد")
    type_into(page, "#father_name", "محمد")
    type_into(page, "#grandfather_name", "عبدالله")
    type_into(page, "#family_name", "الغامدي")
    choose_option(page, "#gender", "male")
    # The date field's parts (day, month, year) come in the browser's order: find it, then type.
    tab_to(page, "#birth_date")
    page.keyboard.type("02011999")
    month_first = page.input_value("#birth_date") == "1999-02-01"
    page.keyboard.press("Shift+Tab")  # Tab and Shift+Tab move between the parts
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("03011985" if month_first else "01031985")
    assert page.input_value("#birth_date") == "1985-03-01"
    type_into(page, "#phone", "0551138821")
    choose_option(page, "#region", "riyadh")
    type_into(page, "#city", "الرياض")
    tab_to(page, "form.admin-form input[type=submit].btn-primary")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    problems = page.locator("#error-summary")
    assert not problems.count(), problems.inner_text()
    page.wait_for_url(f"{live_server}/admin/beneficiary/")
    person = db.session.scalar(db.select(Beneficiary))
    assert person is not None and person.national_id == "1058529940"
    assert (person.gender, person.region, person.birth_date.isoformat()) == ("male", "riyadh", "1985-03-01")

    # Then a request for them, through the search-as-you-type look-ups (Select2), still by keyboard.
    page.goto(f"{live_server}/admin/application/new/")
    choose_in_lookup(page, "beneficiary", "الغامدي")
    assert page.input_value("#beneficiary") == str(person.id)
    choose_in_lookup(page, "service_type", "سلة")
    tab_to(page, "form.admin-form input[type=submit].btn-primary")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    problems = page.locator("#error-summary")
    assert not problems.count(), problems.inner_text()
    from models.application import Application

    db.session.expire_all()
    request = db.session.scalar(db.select(Application))
    assert request is not None and request.beneficiary_id == person.id
    assert request.service_type.name_ar == "سلة غذائية"
