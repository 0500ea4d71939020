"""A school administrator sets up Groupcall Xporter in a real browser, as the README's
demo does: the wizard sends the unauthorised school to the Groupcall connection page,
the administrator reads what data is asked for and why, asks Groupcall for consent, the
school consents on the fake Groupcall's stand-in for its email, and the wizard then opens
at its first step. Every page passes axe and fits 320 px."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page, sign_in
from tests.users.factories import SchoolFactory, UserFactory
from tests.wizard.school_data import small_school
from users.models import School, User
from wizard.models import GroupcallInvitation, MisConnection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APP_ID = "mis-sync-browser-tests"
MANAGEMENT_SECRET = "browser-tests-management-secret"


@pytest.fixture
def fake_xod_dataset() -> dict[str, Any]:
    dataset = small_school().dataset()
    dataset["schools"][0]["secret"] = None  # not yet authorised
    dataset["partner_application_id"] = APP_ID
    dataset["partner_management_secret"] = MANAGEMENT_SECRET
    return dataset


@pytest.fixture
def school(settings, live_server, fake_xod) -> School:
    settings.SITE_URL = live_server.url
    settings.XOD_BASE_URL = fake_xod.base_url
    settings.XOD_TOKEN_URL = fake_xod.token_url
    settings.XOD_RELYING_PARTY = fake_xod.relying_party
    settings.GROUPCALL_APPLICATION_ID = APP_ID
    settings.GROUPCALL_MANAGEMENT_SECRET = MANAGEMENT_SECRET
    settings.GROUPCALL_REGISTER_URL = urljoin(
        fake_xod.base_url, "/API/XporterOnDemand/SchoolRegister"
    )
    settings.CELERY_TASK_ALWAYS_EAGER = True
    school = SchoolFactory.create(
        name="Oakfield Primary School", slug="oakfield", estab=fake_xod.estab
    )
    UserFactory.create(
        school=school, role=User.Role.ADMIN, forename="Alex", surname="Admin", username="AlexA"
    )
    return school


def test_an_administrator_sets_up_groupcall_then_starts_the_wizard(
    page: Page, live_server, school, fake_xod
):
    sign_in(page, live_server)
    page.get_by_text("Import/Sync").click()
    page.get_by_role("link", name="MIS Sync Wizard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Groupcall connection")
    expect(page.locator("#connection-status")).to_contain_text("Status: Not set up yet")
    expect(page.get_by_text("Never used for:").first).to_be_visible()
    check_page(page, "groupcall-01-not-set-up")

    page.get_by_role("button", name="Set up Groupcall Xporter").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter the email address")
    check_page(page, "groupcall-02-errors")
    page.get_by_label("Email address").fill("head@oakfield.example.org")
    page.locator("#set-up").get_by_label("Estab number").fill(fake_xod.estab)
    expect(page.get_by_label("Unique pupil numbers (Groupcall: UPN)")).to_be_checked()
    page.get_by_role("button", name="Set up Groupcall Xporter").click()
    expect(page.get_by_role("status").first).to_have_text("Your request has gone to Groupcall.")
    expect(page.locator("#connection-status")).to_contain_text(
        "Groupcall has been asked to email head@oakfield.example.org"
    )
    expect(page.locator("#connection-status")).to_contain_text("Invited: waiting for consent")
    check_page(page, "groupcall-03-invited")
    invitation = GroupcallInvitation.objects.get(school=school)
    assert invitation.scopes_requested == ["School", "Student", "UPN", "Staff"]

    # The school's consent, on the fake Groupcall's page standing in for its email.
    page.goto(urljoin(fake_xod.base_url, "/_fake/consent"))
    page.get_by_role("button", name="Consent to share with MIS Sync Wizard").first.click()
    expect(page.locator("body")).to_contain_text("The app accepted the callback (HTTP 200)")
    connection = MisConnection.objects.get(school=school)
    assert connection.secret == fake_xod.app.school(fake_xod.estab).secret

    # Groupcall names the estab's school otherwise: the administrator confirms it first.
    page.goto(f"{live_server.url}/s/oakfield/connect/")
    expect(page.locator("#connection-status")).to_contain_text("Check this is your school")
    check_page(page, "groupcall-04-check-school")
    page.get_by_role("button", name="Yes, Test Primary School is our school").click()
    expect(page.locator("#connection-status")).to_contain_text("Status: Ready")
    expect(page.locator("#scopes")).to_contain_text("Unique pupil numbers (Groupcall: UPN)")
    check_page(page, "groupcall-05-ready")
    page.get_by_role("link", name="Go to the MIS Sync Wizard").click()
    page.get_by_role("button", name="Start: read the MIS").click()
    expect(page.locator(".step-indicator")).to_have_text("Step 1 of 4")
