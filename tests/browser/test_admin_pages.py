"""A school administrator's pages in a real browser: sign in, Manage users, rename a
hand-made class, find and open an account, archive and reactivate it, add a user,
connect to (the fake) Groupcall, sign out. Each page passes axe and fits 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page, sign_in
from tests.users.factories import SchoolClassFactory, SchoolFactory, UserFactory, YearGroupFactory
from users.models import ClassMembership, School, SchoolClass, User
from users.views.signin import SIGN_IN_FAILED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUPILS = [
    ("Ada", "Lovelace"),
    ("Ben", "Okafor"),
    ("Chloé", "Dubois"),
    ("Dev", "Patel"),
    ("Ewa", "Kowalska"),
    ("Finn", "O'Brien"),
]


@pytest.fixture
def school(settings, fake_xod) -> School:
    """A small school whose estab the fake XoD knows, with an administrator, year groups,
    a class made by hand (pupils and a teacher) and a class from the MIS."""
    settings.XOD_BASE_URL = fake_xod.base_url
    settings.XOD_TOKEN_URL = fake_xod.token_url
    settings.XOD_RELYING_PARTY = fake_xod.relying_party
    school = SchoolFactory.create(
        name="Oakfield Primary School", slug="oakfield", estab=fake_xod.estab
    )
    UserFactory.create(
        school=school, role=User.Role.ADMIN, forename="Alex", surname="Admin", username="AlexA"
    )
    year4 = YearGroupFactory.create(school=school, code="4", name="Year 4", position=7)
    YearGroupFactory.create(school=school, code="5", name="Year 5", position=8)
    hand_made = SchoolClassFactory.create(school=school, name="Class 4", year_group=year4)
    SchoolClassFactory.create(school=school, name="5 Willow", mis_id="G12", year_group=None)
    for forename, surname in PUPILS:
        pupil = UserFactory.create(
            school=school,
            forename=forename,
            surname=surname,
            username=f"{forename[:3]}{surname[:1]}",
            year_group=year4,
        )
        ClassMembership.objects.create(user=pupil, school_class=hand_made)
    teacher = UserFactory.create(
        school=school, role=User.Role.STAFF, forename="Tess", surname="Teach", username="TTeach"
    )
    ClassMembership.objects.create(user=teacher, school_class=hand_made, role="teacher")
    return school


def test_an_administrator_manages_users_and_connects(page: Page, live_server, school, fake_xod):
    page.goto(f"{live_server.url}/s/oakfield/")
    expect(page).to_have_title("Sign in – Oakfield Primary School")
    check_page(page, "01-sign-in")
    sign_in(page, live_server, password="not the password")
    expect(page.locator(".error-summary")).to_contain_text(SIGN_IN_FAILED)
    check_page(page, "02-sign-in-failed")

    sign_in(page, live_server)
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage users")
    expect(page.locator(".site-header")).to_contain_text("Signed in as Alex Admin")
    check_page(page, "03-manage-users")

    # Rename the hand-made class in its row, as the seeds ask before a first sync.
    page.get_by_role("link", name="Rename Class 4").click()
    page.get_by_label("New name for Class 4").fill("4 Oak")
    page.get_by_role("button", name="Save name").first.click()
    expect(page.get_by_role("status")).to_have_text("Class renamed to 4 Oak.")
    expect(page.locator("#class-list")).to_contain_text("4 Oak")
    assert SchoolClass.objects.filter(school=school, name="4 Oak").exists()
    page.get_by_role("link", name="4 Oak", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("4 Oak")
    check_page(page, "04-class-page")
    page.get_by_role("link", name="Manage users").first.click()

    page.get_by_label("Find an account by name or username").fill("lovelace")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 account")).to_be_visible()
    check_page(page, "05-accounts-search")

    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    check_page(page, "06-account")

    page.get_by_role("link", name="Archive AdaL").click()
    check_page(page, "07-archive-confirm")
    page.get_by_role("button", name="Archive AdaL").click()
    expect(page.get_by_role("status")).to_contain_text("AdaL is archived")
    check_page(page, "08-account-archived")
    ada = User.objects.get(school=school, username="AdaL")
    assert ada.archived_at is not None
    assert ada.purge_after is not None

    page.get_by_role("button", name="Reactivate AdaL").click()
    expect(page.get_by_role("status")).to_contain_text("AdaL is active again")
    ada.refresh_from_db()
    assert (ada.archived_at, ada.purge_after, ada.is_active) == (None, None, True)

    page.get_by_text("Import/Sync").click()
    page.get_by_role("link", name="Groupcall connection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Groupcall connection")
    check_page(page, "09-connect")
    by_hand = page.locator("#by-hand")
    by_hand.get_by_text("Enter an estab number and secret by hand").click()
    by_hand.get_by_label("Estab number").fill(fake_xod.estab)
    by_hand.get_by_label("Secret").fill(fake_xod.secret)
    by_hand.get_by_role("button", name="Save and test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("The connection works")
    assert fake_xod.requests("TokenDetails") == 1
    assert fake_xod.secret not in page.content()
    check_page(page, "10-connect-tested")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/s/oakfield/")
    expect(page.get_by_role("status")).to_have_text("You have signed out.")


def test_a_failed_connection_test_says_what_to_do(page: Page, live_server, school, fake_xod):
    fake_xod.app.pause_authorisation(fake_xod.estab)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/s/oakfield/connect/")
    by_hand = page.locator("#by-hand")
    by_hand.get_by_text("Enter an estab number and secret by hand").click()
    by_hand.get_by_label("Estab number").fill(fake_xod.estab)
    by_hand.get_by_label("Secret").fill(fake_xod.secret)
    by_hand.get_by_role("button", name="Save and test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("paused this app's access")
    expect(page.locator("#connection-status")).to_contain_text("Status: Authorisation paused")
    check_page(page, "11-connect-failed")


def test_add_a_user_with_errors_then_a_pupil(page: Page, live_server, school):
    sign_in(page, live_server)
    page.get_by_role("link", name="Add a user").first.click()
    check_page(page, "12-add-user")
    email = page.get_by_label("Email address (staff)")
    page.get_by_label("A pupil").check()
    expect(email).to_be_hidden()  # only the questions for a pupil
    page.get_by_label("A member of staff").check()
    expect(email).to_be_visible()
    page.reload()  # a fresh form: nothing chosen
    page.get_by_role("button", name="Add this user").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Choose whether you are adding a pupil")
    check_page(page, "13-add-user-errors")
    summary.get_by_role("link", name="Enter the person's first name").click()
    expect(page.get_by_label("First name")).to_be_focused()

    page.get_by_label("A pupil").check()
    page.get_by_label("First name").fill("Zoë")
    page.get_by_label("Last name").fill("Nowak")
    page.get_by_label("Year group (pupils)").select_option(label="Year 4")
    page.get_by_role("button", name="Add this user").click()
    expect(page.get_by_role("status")).to_contain_text("username ZoeN")
    page.get_by_text("Show password", exact=True).click()
    # Year 4: a four-picture PIN, shown as on the login card.
    expect(page.locator(".pin-picture")).to_have_text([re.compile(r"^[a-z]+ \(\d\)$")] * 4)
    check_page(page, "14-account-added")


def test_a_class_page_without_javascript(page_without_javascript: Page, live_server, school):
    page = page_without_javascript
    sign_in(page, live_server)
    page.get_by_role("link", name="Rename Class 4").click()  # no script: the class's page
    expect(page.get_by_role("heading", level=1)).to_have_text("Class 4")
    check_page(page, "15-class-page-no-javascript", axe=False)  # axe needs JavaScript
    page.get_by_label("Class name").fill("4 Oak")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("4 Oak")


def test_a_school_with_teaching_groups_finds_its_classes_by_subject_and_name(
    page: Page, live_server, school, monkeypatch
):
    from users.views import classes

    monkeypatch.setattr(classes, "CLASSES_PER_PAGE", 3)
    teaching = {"school": school, "kind": SchoolClass.Kind.TEACHING}
    for name, subject in (
        ("5X1/Ma", "Mathematics"),
        ("5X2/Ma", "Mathematics"),
        ("5X1/Sc", "Science"),
    ):
        SchoolClassFactory.create(name=name, subject=subject, mis_id=name, **teaching)
    sign_in(page, live_server)
    expect(page.get_by_text("2 form classes and 3 subject classes.")).to_be_visible()
    expect(page.locator("#class-list tbody tr")).to_have_count(3)  # a page of them
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#class-list")).to_contain_text("5X2/Ma")
    check_page(page, "16-manage-users-page-2")

    page.get_by_label("Show", exact=True).select_option(label="Subject classes")
    page.get_by_label("Subject", exact=True).select_option("Mathematics")
    page.get_by_label("Class name", exact=True).fill("X2")
    page.get_by_role("button", name="Show classes").click()
    expect(page.get_by_text("1 class shown")).to_be_visible()
    expect(page.locator("#class-list tbody tr")).to_have_count(1)
    expect(page.locator("#class-list")).to_contain_text("5X2/Ma")
    check_page(page, "17-manage-users-filtered")
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("#class-list tbody tr")).to_have_count(3)
