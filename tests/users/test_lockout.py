"""Five wrong tries lock a login for 15 minutes; thirty from one address throttle it;
the school's administrators and the pupil's teachers unlock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_pages import PASSWORD, page_text
from tests.users.signin_fixtures import PIN, add_to_class, make_pin_pupil
from users import lockout
from users.lockout import ACCOUNT_FAILURE_LIMIT, ADDRESS_FAILURE_LIMIT, LOCKED, THROTTLED
from users.models import AccountLock, SignInAttempt
from users.views.home import NOT_LOCKED, UNLOCKED
from users.views.signin import PICTURES_WRONG, SIGN_IN_FAILED

pytestmark = pytest.mark.django_db


class Clock:
    """timezone.now, moved on by hand."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def forward(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def sign_in_url():
    return reverse("users:sign_in", args=["oakfield"])


def try_pin(client, pin, username="avas", address="10.0.0.1"):
    return client.post(sign_in_url(), {"username": username, "pin": pin}, REMOTE_ADDR=address)


def wrong_pins(client, times, username="avas", address="10.0.0.1"):
    for _ in range(times):
        response = try_pin(client, "99", username, address)
    return response


def unlock_url(account):
    return reverse("users:account_unlock", args=["oakfield", account.pk])


def test_five_wrong_pins_lock_the_pupil_even_with_the_right_pin(client, pin_pupil, clock):
    response = wrong_pins(client, ACCOUNT_FAILURE_LIMIT - 1)
    assert PICTURES_WRONG in page_text(response)
    response = wrong_pins(client, 1)
    assert LOCKED in page_text(response)
    lock = AccountLock.objects.get()
    assert (lock.username, lock.account, lock.until) == (
        "avas",
        pin_pupil,
        clock.now + timedelta(minutes=15),
    )

    response = try_pin(client, PIN)
    assert LOCKED in page_text(response)
    assert "_auth_user_id" not in client.session
    outcomes = list(SignInAttempt.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["wrong"] * 5 + ["locked"]
    # The username step says so too, before any picture is tapped.
    response = client.post(sign_in_url(), {"username": "AvaS"})
    assert LOCKED in page_text(response)
    assert 'name="tap"' not in page_text(response)


def test_the_lock_ends_after_15_minutes(client, pin_pupil, clock):
    wrong_pins(client, ACCOUNT_FAILURE_LIMIT)
    clock.forward(14.9)
    assert LOCKED in page_text(try_pin(client, PIN))
    clock.forward(0.2)
    assert try_pin(client, PIN).status_code == 302
    assert client.session["_auth_user_id"] == str(pin_pupil.pk)


def test_wrong_tries_count_only_within_15_minutes(client, pin_pupil, clock):
    wrong_pins(client, ACCOUNT_FAILURE_LIMIT - 1)
    clock.forward(16)
    response = wrong_pins(client, ACCOUNT_FAILURE_LIMIT - 1)
    assert PICTURES_WRONG in page_text(response)
    assert not AccountLock.objects.exists()


def test_signing_in_starts_the_count_again(client, pin_pupil, clock):
    wrong_pins(client, ACCOUNT_FAILURE_LIMIT - 1)
    try_pin(client, PIN)
    client.logout()
    assert PICTURES_WRONG in page_text(wrong_pins(client, ACCOUNT_FAILURE_LIMIT - 1))
    assert not AccountLock.objects.exists()


def test_staff_lock_too_with_the_same_words(client, teacher, clock):
    for _ in range(ACCOUNT_FAILURE_LIMIT):
        response = client.post(sign_in_url(), {"username": "TTeach", "password": "nope"})
    assert LOCKED in page_text(response)
    response = client.post(sign_in_url(), {"username": "TTeach", "password": PASSWORD})
    assert LOCKED in page_text(response)


def test_an_unknown_username_locks_exactly_as_a_real_one(client, page_school, clock):
    """Otherwise "locked" would tell an attacker that the username exists."""
    for _ in range(ACCOUNT_FAILURE_LIMIT - 1):
        response = client.post(sign_in_url(), {"username": "nobody", "password": "x"})
        assert SIGN_IN_FAILED in page_text(response)
    response = client.post(sign_in_url(), {"username": "nobody", "password": "x"})
    assert LOCKED in page_text(response)
    assert AccountLock.objects.get().account is None


def test_one_address_is_throttled_across_usernames(client, page_school, class_1ab, clock):
    """Four wrong PINs on each pupil of a class, from one machine: the address is
    refused after ADDRESS_FAILURE_LIMIT, before any pupil is locked."""
    pupils = [make_pin_pupil(page_school, f"Pupil{n}") for n in range(10)]
    for pupil in pupils:
        wrong_pins(client, ACCOUNT_FAILURE_LIMIT - 1, username=pupil.username)
    assert SignInAttempt.objects.filter(outcome="wrong").count() == ADDRESS_FAILURE_LIMIT
    assert not AccountLock.objects.exists()

    newcomer = make_pin_pupil(page_school, "Newcomer")
    response = try_pin(client, PIN, username="newcomer")
    assert THROTTLED in page_text(response)
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.latest("pk").outcome == "throttled"
    # Another address is not held up, and the throttle lifts after 15 minutes.
    assert try_pin(client, PIN, username="newcomer", address="10.9.9.9").status_code == 302
    assert client.session["_auth_user_id"] == str(newcomer.pk)
    client.logout()
    clock.forward(16)
    assert try_pin(client, PIN, username="pupil0").status_code == 302
    assert client.session["_auth_user_id"] == str(pupils[0].pk)


def test_the_schools_administrator_unlocks_from_the_account_page(
    client, school_admin, pin_pupil, clock
):
    wrong_pins(client, ACCOUNT_FAILURE_LIMIT)
    client.force_login(school_admin)
    page = page_text(client.get(reverse("users:account", args=["oakfield", pin_pupil.pk])))
    assert "<strong>Locked:</strong>" in page
    assert unlock_url(pin_pupil) in page

    response = client.post(unlock_url(pin_pupil), follow=True)
    assert UNLOCKED.format(name="Ava Stone") in page_text(response)
    assert "<strong>Locked:</strong>" not in page_text(response)
    lock = AccountLock.objects.get()
    assert (lock.unlocked_by, lock.unlocked_at) == (school_admin, clock.now)

    client.logout()
    # Unlocking starts the count again: one more wrong PIN does not lock.
    assert PICTURES_WRONG in page_text(wrong_pins(client, 1))
    assert try_pin(client, PIN).status_code == 302


def test_the_pupils_teacher_sees_the_lock_and_unlocks(client, teacher, pin_pupil, clock):
    wrong_pins(client, ACCOUNT_FAILURE_LIMIT)
    client.force_login(teacher)
    home = page_text(client.get(reverse("users:home", args=["oakfield"])))
    assert "Ava Stone (AvaS)" in home
    assert unlock_url(pin_pupil) in home

    response = client.post(unlock_url(pin_pupil))
    assert response["Location"] == reverse("users:home", args=["oakfield"])
    assert lockout.lock_of(pin_pupil) is None
    assert AccountLock.objects.get().unlocked_by == teacher


def test_a_teacher_of_another_class_cannot_unlock_nor_see_the_lock(
    client, other_teacher, pin_pupil, clock
):
    wrong_pins(client, ACCOUNT_FAILURE_LIMIT)
    client.force_login(other_teacher)
    assert "Ava" not in page_text(client.get(reverse("users:home", args=["oakfield"])))
    assert client.post(unlock_url(pin_pupil)).status_code == 404
    assert lockout.lock_of(pin_pupil) is not None


def test_a_teacher_cannot_unlock_another_member_of_staff(client, teacher, other_teacher, clock):
    for _ in range(ACCOUNT_FAILURE_LIMIT):
        client.post(sign_in_url(), {"username": "OOther", "password": "nope"})
    client.force_login(teacher)
    assert client.post(unlock_url(other_teacher)).status_code == 404
    assert lockout.lock_of(other_teacher) is not None


def test_another_schools_administrator_pupils_and_strangers_cannot_unlock(
    client, other_admin, pin_pupil, page_school, clock
):
    wrong_pins(client, ACCOUNT_FAILURE_LIMIT)
    response = client.post(unlock_url(pin_pupil))
    assert response["Location"].startswith(reverse("users:sign_in", args=["oakfield"]))
    client.force_login(other_admin)
    assert client.post(unlock_url(pin_pupil)).status_code == 404
    classmate = make_pin_pupil(page_school, "Classmate")
    add_to_class(classmate, pin_pupil.classes.get())
    client.force_login(classmate)
    assert client.post(unlock_url(pin_pupil)).status_code == 403
    assert lockout.lock_of(pin_pupil) is not None


def test_unlocking_an_account_that_is_not_locked_says_so(client, school_admin, pin_pupil):
    client.force_login(school_admin)
    response = client.post(unlock_url(pin_pupil), follow=True)
    assert NOT_LOCKED.format(name="Ava Stone") in page_text(response)
    assert not AccountLock.objects.exists()


def test_tries_and_locks_are_forgotten_after_30_days(client, pin_pupil, clock):
    wrong_pins(client, ACCOUNT_FAILURE_LIMIT)
    clock.forward(60 * 24 * 29)
    try_pin(client, PIN)
    assert lockout.records_forget() == 0
    clock.forward(60 * 24 * 2)
    assert lockout.records_forget() == ACCOUNT_FAILURE_LIMIT + 1  # five tries and the lock
    assert list(SignInAttempt.objects.values_list("outcome", flat=True)) == ["signed_in"]
    assert not AccountLock.objects.exists()


# -- Behind a proxy: whose address is counted ------------------------------------------


def test_behind_a_trusted_proxy_each_pupils_own_address_is_counted(
    client, page_school, class_1ab, clock, settings
):
    """Every request reaches the app from the proxy: the throttle counts the address the
    proxy names, so one machine's wrong tries do not hold up the rest of the world."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(ADDRESS_FAILURE_LIMIT):
        pupil = make_pin_pupil(page_school, f"Pupil{n}")
        client.post(
            sign_in_url(),
            {"username": pupil.username, "pin": "99"},
            HTTP_X_FORWARDED_FOR="198.51.100.7",
            **proxy,
        )
    addresses = set(SignInAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"198.51.100.7"}

    newcomer = make_pin_pupil(page_school, "Newcomer")
    throttled = client.post(
        sign_in_url(),
        {"username": "newcomer", "pin": PIN},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        **proxy,
    )
    assert THROTTLED in page_text(throttled)
    elsewhere = client.post(
        sign_in_url(),
        {"username": "newcomer", "pin": PIN},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        **proxy,
    )
    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(newcomer.pk)


@pytest.mark.parametrize(
    ("peer", "forwarded", "counted"),
    [
        # Not from a trusted proxy: the header is the client's own word, ignored.
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),
        # From the proxy: the nearest address it did not write itself.
        ("10.0.0.2", "203.0.113.9", "203.0.113.9"),
        ("10.0.0.2", "192.0.2.1, 203.0.113.9", "203.0.113.9"),  # the left one made up
        ("10.0.0.2", "203.0.113.9, 10.0.0.5", "203.0.113.9"),  # through two proxies
        ("10.0.0.2", "not an address", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
    ],
)
def test_the_address_counted_is_the_one_the_trusted_proxy_saw(
    rf, settings, peer, forwarded, counted
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = rf.post("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert lockout.client_address(request) == counted
