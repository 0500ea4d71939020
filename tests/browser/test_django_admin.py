"""Support staff's Django admin under the Content-Security-Policy: signing in, the
accounts list with its filters and search, an account's form (its many-to-many
selector is drawn by script), a school's form (the slug is filled in by script as the
name is typed), and the erase action's confirmation. The `page` fixture fails the test
on anything the browser refuses (an inline script or style) or fails to load."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures_pages import PASSWORD
from tests.users.factories import SchoolFactory, UserFactory
from users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_support_staff_use_django_admin_without_the_policy_refusing_anything(
    page: Page, live_server
):
    school = SchoolFactory.create(name="Oakfield Primary School", slug="oakfield")
    pupil = UserFactory.create(school=school, username="AdaL", forename="Ada", surname="Lovelace")
    User.objects.create_superuser("support", password=PASSWORD)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("support")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.goto(f"{live_server.url}/admin/users/user/")
    page.get_by_role("searchbox").fill("Ada")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="AdaL")).to_be_visible()

    page.goto(f"{live_server.url}/admin/users/user/{pupil.pk}/change/")
    # SelectFilter2.js draws the two-list selector for groups and permissions.
    expect(page.locator("#id_groups_from")).to_be_visible()
    expect(page.locator("#id_user_permissions_add_all")).to_be_visible()

    page.goto(f"{live_server.url}/admin/users/school/add/")
    page.get_by_label("Name").press_sequentially("Birchwood Academy")
    expect(page.get_by_label("Slug")).to_have_value("birchwood-academy")

    page.goto(f"{live_server.url}/admin/users/user/")
    page.locator(f"input[name=_selected_action][value='{pupil.pk}']").check()
    page.locator("select[name=action]").select_option("erase_people")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", name="Erase this person's data")).to_be_visible()
    page.get_by_role("button", name="Yes, erase 1 person").click()
    expect(page.get_by_text("Erased AdaL: one account")).to_be_visible()
    assert not User.objects.filter(pk=pupil.pk).exists()
