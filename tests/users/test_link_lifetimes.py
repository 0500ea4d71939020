"""Forgotten-password links, like activation links (test_activation_pages.py), work once
and for 3 days only: a link used, older than 3 days, or made before the password last
changed sets nothing, whatever is posted to it (issue 11, item 6)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse

from tests.fixtures_pages import page_text
from tests.users.factories import UserFactory
from tests.users.test_activation_pages import NEW_PASSWORD, link_in, set_password
from users.models import User

pytestmark = pytest.mark.django_db
ATTACKER_PASSWORD = "Someone-Elses-99"


@pytest.fixture
def staff(page_school) -> User:
    return UserFactory.create(
        school=page_school, role=User.Role.STAFF, username="EStone", email="estone@school.example"
    )


def reset_link(client) -> str:
    mail.outbox.clear()
    client.post(
        reverse("users:forgotten_password", args=["oakfield"]), {"email": "estone@school.example"}
    )
    [message] = mail.outbox
    return link_in(message)


def try_to_set(client, path: str) -> str:
    """Opens the link and posts a new password wherever it leads; returns the page."""
    page = client.get(path, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    client.post(form_url, {"new_password1": ATTACKER_PASSWORD, "new_password2": ATTACKER_PASSWORD})
    return page_text(page)


def test_a_forgotten_password_link_works_once(client, staff):
    link = reset_link(client)
    set_password(client, link)
    page = try_to_set(client, link)
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    assert not staff.check_password(ATTACKER_PASSWORD)
    assert "Set your password" not in page


def test_a_forgotten_password_link_expires_after_3_days(client, staff, monkeypatch):
    with monkeypatch.context() as patch:
        four_days_ago = datetime.now() - timedelta(days=4)
        patch.setattr(default_token_generator, "_now", lambda: four_days_ago)
        link = reset_link(client)
    before = User.objects.get(pk=staff.pk).password
    page = try_to_set(client, link)
    assert "Set your password" not in page
    assert User.objects.get(pk=staff.pk).password == before


def test_an_older_link_stops_working_once_a_newer_one_is_used(client, staff):
    first = reset_link(client)
    second = reset_link(client)
    set_password(client, second)
    try_to_set(client, first)
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
