"""The sign-in backend takes as long for an unknown username as for a pupil's (cheap
hash) or a member of staff's (full-cost hash), so that timing cannot tell them apart."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse

from tests.users.factories import UserFactory
from tests.users.signin_fixtures import PIN, make_pin_pupil
from users.models import SignInAttempt, User
from users.views.signin import pin_length

pytestmark = pytest.mark.django_db
RUNS = 3


def fastest(school, username: str, *, pad: bool = False) -> float:
    """The quickest of a few wrong tries, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        assert authenticate(None, username=username, password="42", school=school, pad=pad) is None
        times.append(time.perf_counter() - start)
    return min(times)


def test_unknown_pupil_and_staff_usernames_take_about_as_long(page_school, settings):
    assert settings.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")  # full cost
    make_pin_pupil(page_school, "AvaS")
    UserFactory.create(school=page_school, role=User.Role.STAFF, username="TTeach")
    timings = {name: fastest(page_school, name) for name in ("nobody", "AvaS", "TTeach")}
    assert max(timings.values()) / min(timings.values()) < 5, timings


def a_decoy_pad(school) -> str:
    """An unknown username that the sign-in page gives a picture pad."""
    return next(name for name in (f"nobody{n}" for n in range(50)) if pin_length(school, name))


def test_tries_from_the_pad_cost_the_same_whoever_the_username(page_school):
    """The pad is offered to picture-PIN pupils and to unknown usernames (a decoy pad):
    a try from it costs one pupil-cost hash for both."""
    make_pin_pupil(page_school, "AvaS")
    decoy = next(
        name for name in (f"nobody{n}" for n in range(50)) if pin_length(page_school, name)
    )
    timings = {name: fastest(page_school, name, pad=True) for name in (decoy, "AvaS")}
    assert max(timings.values()) / min(timings.values()) < 5, timings


def test_a_pupil_signing_in_on_the_pad_costs_no_full_cost_hash(client, page_school, monkeypatch):
    """A whole school signs in at once: a quarter of a second of CPU each would queue them
    for minutes (bench_sign_in). A typed password still costs the full hash."""
    make_pin_pupil(page_school, "AvaS", pin=PIN)
    UserFactory.create(school=page_school, role=User.Role.STAFF, username="TTeach")
    decoy = next(
        name for name in (f"nobody{n}" for n in range(50)) if pin_length(page_school, name)
    )
    full_cost: list[str] = []  # the password of each full-cost hash computed
    encode = PBKDF2PasswordHasher.encode

    def spy(hasher: PBKDF2PasswordHasher, password: str, *args: object, **kwargs: object) -> str:
        if hasher.algorithm == PBKDF2PasswordHasher.algorithm:
            full_cost.append(password)
        return encode(hasher, password, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PBKDF2PasswordHasher, "encode", spy)
    url = reverse("users:sign_in", args=[page_school.slug])

    client.post(url, {"username": "AvaS", "pin": "99"})
    client.post(url, {"username": decoy, "pin": "1234"})
    client.post(url, {"username": "AvaS", "pin": PIN})
    assert full_cost == []
    assert list(SignInAttempt.objects.order_by("at").values_list("outcome", flat=True)) == [
        "wrong",
        "wrong",
        "signed_in",
    ]

    client.post(url, {"username": "TTeach", "password": "not-it"})  # staff: full-cost check
    client.post(url, {"username": "AvaS", "password": "not-it"})  # typed: full cost to match
    assert full_cost == ["not-it", "not-it"]
