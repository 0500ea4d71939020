"""Django admin's sign-in (support staff) locks and throttles as the schools' pages do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.fixtures_pages import PASSWORD, page_text
from users.admin import SUPPORT_LOCKED, SUPPORT_THROTTLED
from users.lockout import ACCOUNT_FAILURE_LIMIT, ADDRESS_FAILURE_LIMIT
from users.models import AccountLock, SignInAttempt

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


@pytest.fixture
def clock(monkeypatch):
    now = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: now[0])
    return now


def sign_in(client, username, password, address="10.0.0.1"):
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post(LOGIN, data, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_support_out_even_with_the_right_one(client, support_user, clock):
    for _ in range(ACCOUNT_FAILURE_LIMIT):
        response = sign_in(client, "support", "not the password")
        assert response.status_code == 200  # the form again, with Django's words
    assert AccountLock.objects.filter(school=None, username="support").exists()

    refused = sign_in(client, "support", PASSWORD)
    assert SUPPORT_LOCKED in page_text(refused)
    assert "_auth_user_id" not in client.session
    outcomes = list(
        SignInAttempt.objects.filter(school=None)
        .order_by("at", "pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["wrong"] * ACCOUNT_FAILURE_LIMIT + ["locked"]

    clock[0] += timedelta(minutes=16)
    assert sign_in(client, "support", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(support_user.pk)
    assert SignInAttempt.objects.filter(school=None).latest("pk").outcome == "signed_in"


def test_one_address_guessing_many_usernames_is_throttled(client, support_user, clock):
    for n in range(ADDRESS_FAILURE_LIMIT):
        sign_in(client, f"guess{n % 6}", "not the password")
    refused = sign_in(client, "support", PASSWORD)
    assert SUPPORT_THROTTLED in page_text(refused)
    assert "_auth_user_id" not in client.session
    # Support elsewhere is not held up.
    assert sign_in(client, "support", PASSWORD, address="10.9.9.9").status_code == 302


def test_a_schools_sign_in_tries_do_not_lock_support_staff_of_the_same_name(
    client, support_user, page_school
):
    from django.urls import reverse

    for _ in range(ACCOUNT_FAILURE_LIMIT):
        client.post(
            reverse("users:sign_in", args=[page_school.slug]),
            {"username": "support", "password": "wrong"},
            REMOTE_ADDR="10.0.0.7",
        )
    assert AccountLock.objects.filter(school=page_school, username="support").exists()
    assert sign_in(client, "support", PASSWORD, address="10.0.0.8").status_code == 302
