"""The fake Groupcall's consent page (its stand-in for the email a school's contact gets,
used in the README's demo) in a real browser: it passes axe, fits 320 px, and its button
consents with the scopes left ticked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from misclient.register import SchoolInvitation, school_register
from tests.browser.checks import check_page
from tests.fixtures_xod import CallbackReceiver, FakeXod

pytestmark = pytest.mark.browser


def test_a_school_consents_on_the_fake_consent_page(
    page: Page, fake_xod: FakeXod, callback_receiver: CallbackReceiver
):
    invitation = SchoolInvitation(
        estab=fake_xod.estab,
        school_name="Made-up Academy",
        contact_first_name="Alex",
        contact_last_name="Example",
        contact_email="head@school.example.org",
        contact_phone="",
        scopes=("School", "Student", "UPN", "Staff"),
        callback_url=callback_receiver.url,
    )
    assert school_register(invitation, fake_xod.partner()).ok
    page.goto(fake_xod.server.consent_page_url)
    check_page(page, "fake-consent-page")
    page.get_by_label("UPN").uncheck()
    page.get_by_role("button", name="Consent to share with Sync Wizard (tests)").click()
    expect(page.get_by_text("The app accepted the callback (HTTP 200).")).to_be_visible()
    check_page(page, "fake-consent-sent")
    [form] = callback_receiver.forms
    assert form["scopes"] == "School,Student,Staff"
    assert form["schoolId"] == fake_xod.estab
    page.get_by_role("link", name="Back to the invitations").click()
    expect(page.get_by_text("Consent given.")).to_be_visible()
