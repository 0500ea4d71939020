"""The MIS Sync Wizard in a real browser, against the fake XoD over HTTP, with the
worker's tasks run eagerly: an administrator renames a hand-made class to its MIS name,
starts the wizard, walks all five steps (seeing the username examples change), answers a
possible duplicate and matches a renamed pupil by hand, finishes, reads the counts and
the history, and undoes the sync; a year later, a rollover held by the brake is ticked
and finished. Every page passes axe and fits 320 px; each step is screenshotted."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tests.browser.checks import check_page, sign_in
from tests.browser.conftest import TABLET
from tests.users.factories import SchoolClassFactory, SchoolFactory, UserFactory
from tests.wizard.school_data import SECRET, SchoolData, small_school
from users.models import School, SchoolClass, User
from wizard.models import SyncRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MATHS = {
    "Id": "TG-4MA",
    "Type": "TeachingGrp",
    "Code": "4Ma",
    "Name": "4 Maths",
    "SubjectCode": "MA",
    "SubjectName": "Mathematics",
    "StudentIds": "101,102,103,104",
    "StaffIds": "201",
}


def school_rows(data: SchoolData) -> dict[str, Any]:
    dataset = data.dataset()
    dataset["schools"][0]["Groups"].append(MATHS)
    return dataset


@pytest.fixture
def fake_xod_dataset() -> dict[str, Any]:
    return school_rows(small_school())


@pytest.fixture
def school(settings, fake_xod) -> School:
    """Oakfield, connected to the fake XoD, before its first sync: a class and two pupils
    typed in by hand (one a possible duplicate, one whose surname has changed since)."""
    settings.XOD_RELYING_PARTY = fake_xod.relying_party
    settings.CELERY_TASK_ALWAYS_EAGER = True
    school = SchoolFactory.create(name="Oakfield Primary School", slug="oakfield", estab="8231234")
    call_command(
        "school_connect", "--estab", "8231234", "--secret", SECRET, "--base-url", fake_xod.base_url
    )
    UserFactory.create(
        school=school, role=User.Role.ADMIN, forename="Alex", surname="Admin", username="AlexA"
    )
    SchoolClassFactory.create(school=school, name="Class 4")
    UserFactory.create(school=school, username="zoe", forename="Zoe", surname="OBrien")
    UserFactory.create(school=school, username="amiraj", forename="Amira", surname="Jones")
    return school


def start_the_wizard(page: Page) -> None:
    page.get_by_text("Import/Sync").click()
    page.get_by_role("link", name="MIS Sync Wizard").click()
    page.get_by_role("button", name="Start: read the MIS").click()
    expect(page.locator(".step-indicator")).to_have_text("Step 1 of 5")


def continue_to(page: Page, step_title: str) -> None:
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(step_title)


def test_first_sync_with_duplicates_then_history_and_undo(page: Page, live_server, school):
    sign_in(page, live_server)
    page.get_by_role("link", name="Rename Class 4").click()
    page.get_by_label("New name for Class 4").fill("4ES")
    page.get_by_role("button", name="Save name").first.click()
    expect(page.get_by_role("status")).to_have_text("Class renamed to 4ES.")
    check_page(page, "wizard-00-renamed-class")

    page.get_by_text("Import/Sync").click()
    page.get_by_role("link", name="MIS Sync Wizard").click()
    check_page(page, "wizard-01-start")
    page.get_by_role("button", name="Start: read the MIS").click()

    # Step 1: the examples follow the format as it is chosen.
    expect(page.locator(".step-indicator")).to_have_text("Step 1 of 5")
    examples = page.locator("#pupil-examples")
    expect(examples).to_contain_text("JohnS")
    page.wait_for_load_state()  # the page's script listens for the change
    page.get_by_label("Forename, a dot, then surname (John.Smith)").first.check()
    expect(examples).to_contain_text("John.Smith")
    check_page(page, "wizard-02-usernames")
    page.get_by_label("Forename and surname initial (JohnS)").first.check()
    expect(examples).to_contain_text("JohnS")

    continue_to(page, "Passwords")
    expect(page.get_by_label("Year 3 (2 pupils)")).to_have_value("pin4")
    check_page(page, "wizard-03-passwords")
    continue_to(page, "Year groups")
    check_page(page, "wizard-04-years")
    continue_to(page, "Subject groups")
    select_all = page.get_by_label("Select all Mathematics groups")
    select_all.check()
    expect(page.get_by_label("4 Maths (4 pupils)")).to_be_checked()
    expect(page.locator(".chosen-count")).to_have_text("(1 of 1 chosen)")
    # Clearing a group clears "Select all", which would otherwise import it anyway.
    page.get_by_text("Choose Mathematics groups one by one").click()
    page.get_by_label("4 Maths (4 pupils)").uncheck()
    expect(select_all).not_to_be_checked()
    expect(page.locator(".chosen-count")).to_have_text("(0 of 1 chosen)")
    select_all.check()
    check_page(page, "wizard-05-subjects")
    continue_to(page, "Check the changes")
    check_page(page, "wizard-06-summary")

    # A possible duplicate, answered; a renamed pupil, matched by hand.
    page.get_by_label("Use the existing account zoe").check()
    page.locator("#group-new_pupils > summary").click()
    page.get_by_role("link", name="Match to an existing account for Amira Haddad").click()
    page.get_by_label("Search by name or username").fill("amira")
    page.get_by_role("button", name="Search").click()
    check_page(page, "wizard-07-match-by-hand")
    page.get_by_role("button", name="This is Amira Haddad (amiraj)").click()
    expect(page.get_by_role("heading", name="Matched by hand")).to_be_visible()
    page.get_by_label("Use the existing account zoe").check()
    page.get_by_role("button", name="Update the changes with my answers").click()
    finish = page.locator("#finish")
    expect(finish).to_have_text("Create 6 accounts and update 2")
    check_page(page, "wizard-08-summary-answered")
    finish.click()

    expect(page.get_by_role("heading", name="The sync is done")).to_be_visible()
    check_page(page, "wizard-09-result")
    run = SyncRun.objects.get(school=school)
    assert run.status == SyncRun.Status.APPLIED
    assert User.objects.get(school=school, username="zoe").mis_id == "104"
    assert User.objects.get(school=school, username="amiraj").surname == "Haddad"
    assert SchoolClass.objects.filter(school=school, name="4ES", mis_id="RG-4ES").exists()
    assert SchoolClass.objects.filter(school=school, name="4 Maths").exists()

    page.get_by_role("link", name="New pupils", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Changes of sync #{run.pk}")
    check_page(page, "wizard-09-changes")
    page.get_by_role("link", name=f"Back to sync #{run.pk}").click()
    page.get_by_role("link", name="All syncs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sync history")
    check_page(page, "wizard-10-history")
    page.get_by_role("link", name=f"#{run.pk}").click()
    page.get_by_role("link", name="Undo this sync…").click()
    check_page(page, "wizard-11-undo-confirm")
    page.get_by_role("button", name=f"Undo sync #{run.pk}").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Sync #{run.pk} was undone.")
    check_page(page, "wizard-12-undone")
    run.refresh_from_db()
    assert run.status == SyncRun.Status.UNDONE
    assert User.objects.get(school=school, username="zoe").mis_id == ""


def test_a_rollover_held_by_the_brake_needs_the_tick(page: Page, live_server, school, fake_xod):
    call_command("mis_sync", "--estab", school.estab, "--resolve-duplicates", "new")
    data = small_school()
    fake_xod.serve(school_rows(SchoolData(pupils=data.pupils[:2], staff=data.staff)))
    sign_in(page, live_server)
    start_the_wizard(page)
    for title in ("Passwords", "Year groups", "Subject groups", "Check the changes"):
        continue_to(page, title)
    held = page.locator("#held")
    expect(held).to_contain_text("This sync would archive 4 of 6 pupil accounts")
    page.locator("#finish").click()
    expect(page.locator(".error-summary")).to_contain_text("Tick the box to confirm")
    check_page(page, "wizard-13-held")

    page.get_by_label("I have checked these changes and want to apply them").check()
    page.locator("#finish").click()
    expect(page.get_by_role("heading", name="The sync is done")).to_be_visible()
    assert User.objects.filter(school=school, mis_id="106", archived_at__isnull=False).exists()


def test_another_schools_administrator_gets_404_for_this_schools_run(
    browser: Browser, live_server, school
):
    call_command("mis_sync", "--estab", school.estab)
    run = SyncRun.objects.get(school=school)
    other = SchoolFactory.create(name="Birchwood Academy", slug="birchwood")
    UserFactory.create(school=other, role=User.Role.ADMIN, username="BeaB")
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, slug="birchwood", username="BeaB")
    for slug in ("birchwood", "oakfield"):
        response = page.goto(f"{live_server.url}/s/{slug}/sync/{run.pk}/")
        assert response is not None
        assert response.status == 404
    context.close()


def test_a_paused_authorisation_says_why_and_leads_back_to_groupcall(
    page: Page, live_server, school, fake_xod
):
    fake_xod.app.pause_authorisation(fake_xod.estab)
    sign_in(page, live_server)
    page.get_by_text("Import/Sync").click()
    page.get_by_role("link", name="MIS Sync Wizard").click()
    page.get_by_role("button", name="Start: read the MIS").click()
    expect(page.get_by_role("alert")).to_contain_text("This sync did not finish")
    expect(page.get_by_role("alert")).to_contain_text("paused")
    check_page(page, "wizard-14-failed")
    # A paused authorisation is the school's to lift at Groupcall: the run sends the
    # administrator to the connection page, which checks again once it is lifted.
    page.get_by_role("link", name="Go to the Groupcall connection").click()
    expect(page.locator("#connection-status")).to_contain_text("Status: Authorisation paused")
    fake_xod.app.pause_authorisation(fake_xod.estab, False)
    page.get_by_role("button", name="Check the connection with Groupcall").click()
    expect(page.locator("#connection-status")).to_contain_text("Check this is your school")
    page.get_by_role("button", name="Yes, Test Primary School is our school").click()
    expect(page.locator("#connection-status")).to_contain_text("Status: Ready")
    page.get_by_role("link", name="Go to the MIS Sync Wizard").click()
    page.get_by_role("button", name="Start: read the MIS").click()
    expect(page.locator(".step-indicator")).to_have_text("Step 1 of 5")
