"""At 320 px wide a table becomes a card per row, each value after its label: a card
leaves out the labels a member of staff has no value for (year group, classes), and a
pupil's card keeps them all; the wizard's username examples show each username whole, and
follow the chosen format by themselves (a button asks for them without JavaScript)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.checks import NARROW, check_page, sign_in
from tests.users.factories import SchoolClassFactory, SchoolFactory, UserFactory, YearGroupFactory
from tests.wizard.school_data import SECRET, pupil, small_school
from users.models import ClassMembership, School, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def school() -> School:
    school = SchoolFactory.create(name="Oakfield Primary School", slug="oakfield")
    UserFactory.create(
        school=school, role=User.Role.ADMIN, forename="Alex", surname="Admin", username="AlexA"
    )
    year4 = YearGroupFactory.create(school=school, code="4", name="Year 4", position=7)
    oak = SchoolClassFactory.create(school=school, name="4 Oak", year_group=year4)
    ada = UserFactory.create(
        school=school, forename="Ada", surname="Lovelace", username="AdaL", year_group=year4
    )
    ClassMembership.objects.create(user=ada, school_class=oak)
    UserFactory.create(
        school=school, role=User.Role.STAFF, forename="Sam", surname="Office", username="SOffice"
    )
    return school


def test_a_staff_card_leaves_out_year_group_and_classes(page: Page, live_server, school):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/s/oakfield/accounts/")
    check_page(page, "narrow-cards-accounts")

    page.set_viewport_size(NARROW)
    # The cards as a screen reader (and the eye) meets them: a label, then its value.
    staff = page.get_by_role("row").filter(has_text="SOffice")
    expect(staff).to_have_accessible_name("Sam Office Username: SOffice Role: Staff Status: Active")
    pupil = page.get_by_role("row").filter(has_text="AdaL")
    expect(pupil).to_have_accessible_name(
        "Ada Lovelace Username: AdaL Role: Pupil Year group: Year 4 Classes: 4 Oak Status: Active"
    )
    # On a wide screen the table keeps every column, a dash where staff have none.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(staff.get_by_role("cell")).to_have_count(5)


@pytest.fixture
def fake_xod_dataset() -> dict[str, Any]:
    """A small school with a pupil whose username is long, among the examples."""
    data = small_school()
    data.pupils.append(pupil("199", "Oluwaseunfunmi", "Aaronson", 4, "4ES"))
    return data.dataset()


@pytest.fixture
def connected_school(settings, fake_xod) -> School:
    settings.XOD_RELYING_PARTY = fake_xod.relying_party
    settings.CELERY_TASK_ALWAYS_EAGER = True
    school = SchoolFactory.create(name="Oakfield Primary School", slug="oakfield", estab="8231234")
    call_command(
        "school_connect", "--estab", "8231234", "--secret", SECRET, "--base-url", fake_xod.base_url
    )
    UserFactory.create(
        school=school, role=User.Role.ADMIN, forename="Alex", surname="Admin", username="AlexA"
    )
    return school


def test_username_examples_show_each_username_whole(page: Page, live_server, connected_school):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/s/oakfield/sync/")
    page.get_by_role("button", name="Start: read the MIS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Usernames")
    # With JavaScript the examples follow each change: no button to ask for them.
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Show the examples for these formats")).to_be_hidden()
    check_page(page, "narrow-cards-usernames")
    page.set_viewport_size(NARROW)
    example = page.locator("#pupil-examples").get_by_role("row").filter(has_text="Oluwaseunfunmi")
    expect(example).to_have_accessible_name(
        "Name in the MIS: Oluwaseunfunmi Aaronson Username: OluwaseunfunmiA"
    )
    # One box: the username is on one line, not broken inside it.
    username = example.locator(".username")
    assert username.evaluate("element => element.getClientRects().length") == 1


def test_without_javascript_a_button_shows_the_examples(
    page_without_javascript: Page, live_server, connected_school
):
    page = page_without_javascript
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/s/oakfield/sync/")
    page.get_by_role("button", name="Start: read the MIS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Usernames")
    page.get_by_label("Forename, a dot, then surname (John.Smith)").first.check()
    page.get_by_role("button", name="Show the examples for these formats").click()
    expect(page.locator("#pupil-examples")).to_contain_text("Amira.Haddad")
