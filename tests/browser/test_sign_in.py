"""Pupils and teachers at the sign-in page in a real browser: a pupil taps their picture
PIN (with the mouse, with the keyboard, and without JavaScript); five wrong PINs lock
them out; their teacher unlocks them. Each page passes axe and fits 320 px."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.fixtures_pages import PASSWORD
from tests.users.factories import SchoolClassFactory, SchoolFactory, UserFactory
from tests.users.pdf_reading import text_of
from tests.users.signin_fixtures import add_to_class, make_pin_pupil
from users import crypto
from users.credentials import PIN2, generate_password
from users.lockout import ACCOUNT_FAILURE_LIMIT, LOCKED
from users.models import AccountLock, ClassMembership, User
from users.pictures import BY_DIGIT
from users.views.home import UNLOCKED
from users.views.signin import PICTURES_WRONG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pupil(db) -> User:
    """Ava in Reception's class Robins, with a new two-picture PIN, and her teacher."""
    school = SchoolFactory.create(name="Oakfield Primary School", slug="oakfield")
    robins = SchoolClassFactory.create(school=school, name="Robins")
    ava = make_pin_pupil(
        school, "AvaS", pin=generate_password(PIN2), forename="Ava", surname="Stone"
    )
    add_to_class(ava, robins)
    teacher = UserFactory.create(
        school=school, role=User.Role.STAFF, forename="Tess", surname="Teach", username="TTeach"
    )
    add_to_class(teacher, robins, ClassMembership.Role.TEACHER)
    return ava


def pin_of(pupil: User) -> str:
    """The PIN printed on the pupil's login card."""
    return crypto.decrypt(pupil.printable_password)


def pin_read_from_card(pupil: User) -> str:
    """The PIN as a teacher hands it out: printed on the pupil's login card (the digits
    under the pictures), from the card PDF a teacher of her class downloads."""
    client = Client()
    client.force_login(User.objects.get(school=pupil.school, username="TTeach"))
    response = client.get(reverse("users:account_card", args=["oakfield", pupil.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    found = re.search(r"tap these pictures in order\s*((?:\d\s*)+)", text)
    assert found, text
    return re.sub(r"\s", "", found.group(1))


def wrong_pin(pin: str) -> str:
    return "".join(str((int(digit) + 1) % 10) for digit in pin)


def enter_username(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/s/oakfield/")
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Next").click()


def tap_pin(page: Page, pin: str) -> None:
    for digit in pin:
        page.get_by_role("button", name=BY_DIGIT[digit].label, exact=True).click()


def test_a_pupil_taps_their_pictures_and_lands_on_their_page(page: Page, live_server, pupil):
    page.goto(f"{live_server.url}/s/oakfield/")
    check_page(page, "sign-in-01-username")
    page.get_by_label("Username").fill("avas")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tap your pictures")
    check_page(page, "sign-in-02-pad")

    pin = pin_read_from_card(pupil)
    assert pin == pin_of(pupil)
    page.get_by_role("button", name=BY_DIGIT[pin[0]].label, exact=True).click()
    expect(page.locator("#pin-count")).to_have_text("1 of 2 pictures tapped")
    expect(page.locator(".dot-tapped")).to_have_count(1)
    check_page(page, "sign-in-03-pad-one-tapped")
    page.get_by_role("button", name="Start again").click()
    expect(page.locator("#pin-count")).to_have_text("0 of 2 pictures tapped")

    tap_pin(page, pin)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ava Stone!")
    expect(page.locator(".pupil-class")).to_have_text("Your class: Robins")
    check_page(page, "sign-in-04-pupil-home")


def test_five_wrong_pins_lock_the_pupil_until_their_teacher_unlocks(page: Page, live_server, pupil):
    enter_username(page, live_server, "AvaS")
    for _ in range(ACCOUNT_FAILURE_LIMIT - 1):
        tap_pin(page, wrong_pin(pin_of(pupil)))
        expect(page.locator(".error-summary")).to_contain_text(PICTURES_WRONG)
    check_page(page, "sign-in-05-wrong-pictures")
    tap_pin(page, wrong_pin(pin_of(pupil)))
    expect(page.locator(".error-summary")).to_contain_text(LOCKED)
    check_page(page, "sign-in-06-locked")
    assert AccountLock.objects.filter(account=pupil).count() == 1

    # The right PIN does not open a locked login.
    page.get_by_role("button", name="Next").click()
    expect(page.locator(".error-summary")).to_contain_text(LOCKED)

    # Her teacher signs in with a password, sees her locked out and unlocks her.
    enter_username(page, live_server, "TTeach")
    page.get_by_label("Password").fill(PASSWORD)
    check_page(page, "sign-in-07-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Locked out")).to_be_visible()
    check_page(page, "sign-in-08-teacher-home-locked")
    page.get_by_role("button", name="Unlock Ava Stone").click()
    expect(page.get_by_role("status")).to_have_text(UNLOCKED.format(name="Ava Stone"))
    expect(page.get_by_role("heading", name="Locked out")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    # Ava signs in, this time with the keyboard alone.
    page.get_by_label("Username").press_sequentially("AvaS")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tap your pictures")
    for digit in pin_of(pupil):
        tab_to_picture(page, digit)
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ava Stone!")


def tab_to_picture(page: Page, digit: str) -> None:
    """Moves the focus to the picture of `digit` with Tab and Shift+Tab only."""
    for _ in range(30):
        focused = page.evaluate("document.activeElement.getAttribute('aria-label') || ''")
        if focused == BY_DIGIT[digit].label:
            return
        on_pad = focused[-1:].isdigit()
        backwards = on_pad and int(focused[-1]) > int(digit)
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached the picture for {digit}")


def test_the_pad_works_without_javascript(page_without_javascript: Page, live_server, pupil):
    page = page_without_javascript
    enter_username(page, live_server, "avas")
    pin = pin_read_from_card(pupil)
    assert pin == pin_of(pupil)
    page.get_by_role("button", name=BY_DIGIT[pin[0]].label, exact=True).click()
    expect(page.locator("#pin-count")).to_have_text("1 of 2 pictures tapped")
    check_page(page, "sign-in-09-pad-without-javascript", axe=False)
    page.get_by_role("button", name=BY_DIGIT[pin[1]].label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ava Stone!")


def test_a_school_administrator_unlocks_from_the_account_page(page: Page, live_server, pupil):
    UserFactory.create(school=pupil.school, role=User.Role.ADMIN, username="AlexA")
    enter_username(page, live_server, "AvaS")
    for _ in range(ACCOUNT_FAILURE_LIMIT):
        tap_pin(page, wrong_pin(pin_of(pupil)))
    expect(page.locator(".error-summary")).to_contain_text(LOCKED)

    enter_username(page, live_server, "AlexA")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/s/oakfield/accounts/{pupil.pk}/")
    expect(page.locator(".notice-warning")).to_contain_text("Locked:")
    check_page(page, "sign-in-10-account-locked")
    page.get_by_role("button", name="Unlock AvaS").click()
    expect(page.get_by_role("status")).to_have_text(UNLOCKED.format(name="Ava Stone"))
    expect(page.locator(".notice-warning")).to_have_count(0)
    assert AccountLock.objects.get(account=pupil).unlocked_at is not None
