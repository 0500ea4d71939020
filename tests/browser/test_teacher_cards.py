"""A new teacher in a real browser: activates their account from the emailed link, signs
in at the school's page, opens their class and prints its login cards (a PDF holding
every pupil's name, username and picture PIN); the same link, used again, is refused in
words. Each page passes axe and fits 320 px."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.users.factories import SchoolClassFactory, SchoolFactory, YearGroupFactory
from tests.users.pdf_reading import text_of
from users import crypto, services
from users.activation import activation_emails_send
from users.credentials import PIN2
from users.models import School, User
from users.views.activation import LINK_USED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUPILS = [("Zoë", "O'Brien"), ("Łukasz", "Nowak"), ("Siân", "Evans"), ("Amira", "Haddad")]
PASSWORD = "Robins-Nest-2026"


@pytest.fixture
def school() -> School:
    """Reception Robins with four pupils on picture PINs, and a new teacher whose account
    the sync made (no password yet), with their activation email sent."""
    school = SchoolFactory.create(name="Oakfield Primary School", slug="oakfield")
    reception = YearGroupFactory.create(school=school, code="R", name="Reception")
    robins = SchoolClassFactory.create(school=school, name="Robins", year_group=reception)
    for forename, surname in PUPILS:
        services.account_create(
            school=school,
            role=User.Role.PUPIL,
            forename=forename,
            surname=surname,
            username_format="forename_surname_initial",
            password_format=PIN2,
            year_group=reception,
            school_class=robins,
        )
    teacher = services.account_create(
        school=school,
        role=User.Role.STAFF,
        forename="Tess",
        surname="Teach",
        email="tess@oakfield.example",
        username_format="forename_initial_surname",
        school_class=robins,
    )
    assert activation_emails_send([teacher]) == 1
    return school


def emailed_link(live_server) -> str:
    [message] = mail.outbox
    found = re.search(r"https?://\S+?(/activate/\S+/)", str(message.body))
    assert found, message.body
    return live_server.url + found.group(1)


def test_a_new_teacher_activates_signs_in_and_prints_their_class_cards(
    page: Page, live_server, school
):
    link = emailed_link(live_server)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    check_page(page, "teacher-01-activate")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is set")
    check_page(page, "teacher-02-activated")

    # Their classes' page asks them to sign in first, then opens.
    page.goto(f"{live_server.url}/s/oakfield/my-classes/")
    page.get_by_label("Username").fill("TTeach")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My classes")
    check_page(page, "teacher-03-my-classes")

    page.get_by_role("link", name="Robins", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Robins")
    check_page(page, "teacher-04-my-class")

    cards_link = page.get_by_role("link", name="Print login cards for Robins")
    response = page.request.get(live_server.url + cards_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = text_of(response.body())
    for pupil in User.objects.filter(school=school, role=User.Role.PUPIL):
        assert pupil.full_name in text
        assert pupil.username in text
        assert " ".join(crypto.decrypt(pupil.printable_password)) in text
    assert "TTeach" not in text

    # A pupil who lost their card gets a new password, and the card to print at once.
    zoe = User.objects.get(school=school, username="ZoeO")
    page.get_by_role("link", name="New password for Zoë O'Brien").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New password for Zoë O'Brien")
    check_page(page, "teacher-05-new-password")
    page.get_by_role("button", name="Give ZoeO a new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zoë O'Brien's new password")
    check_page(page, "teacher-06-new-password-done")
    new = crypto.decrypt(User.objects.get(pk=zoe.pk).printable_password)
    for digit in new:
        expect(page.locator(".pin-pictures")).to_contain_text(f"({digit})")
    card_link = page.get_by_role("link", name="Print Zoë's login card")
    card = page.request.get(live_server.url + card_link.get_attribute("href"))
    assert " ".join(new) in text_of(card.body())


def test_a_reused_activation_link_is_refused_in_words(page: Page, live_server, school):
    link = emailed_link(live_server)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is set")

    page.goto(link)

    expect(page.get_by_role("heading", level=1)).to_have_text("This link has already been used")
    expect(page.get_by_text(LINK_USED)).to_be_visible()
    expect(page.get_by_role("link", name="Forgotten your password?")).to_be_visible()
    check_page(page, "teacher-07-link-used")


def test_an_administrator_sends_the_activation_email_again(page: Page, live_server, school):
    User.objects.create_user(
        "AlexA", "correct horse battery", school=school, role=User.Role.ADMIN, forename="Alex"
    )
    mail.outbox.clear()
    page.goto(f"{live_server.url}/s/oakfield/staff/not-activated/")
    page.get_by_label("Username").fill("AlexA")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff who have not activated")
    check_page(page, "admin-01-not-activated")

    page.get_by_role("button", name="Send again to Tess Teach").click()
    expect(page.get_by_role("status")).to_contain_text("Activation email sent again to Tess")
    assert [m.to for m in mail.outbox] == [["tess@oakfield.example"]]

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/s/oakfield/forgotten-password/")
    check_page(page, "staff-01-forgotten-password")
