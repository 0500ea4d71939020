"""At 320 px wide a table becomes a card per row, each value after its label: a card
leaves out the labels a member of staff has no value for (year group, classes), and a
pupil's card keeps them all."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import NARROW, check_page
from tests.fixtures_pages import PASSWORD
from tests.users.factories import SchoolClassFactory, SchoolFactory, UserFactory, YearGroupFactory
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
    page.goto(f"{live_server.url}/s/oakfield/")
    page.get_by_label("Username").fill("AlexA")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
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
