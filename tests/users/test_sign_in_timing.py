"""The sign-in backend takes as long for an unknown username as for a pupil's (cheap
hash) or a member of staff's (full-cost hash), so that timing cannot tell them apart."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import authenticate

from tests.users.factories import UserFactory
from tests.users.signin_fixtures import make_pin_pupil
from users.models import User

pytestmark = pytest.mark.django_db
RUNS = 3


def fastest(school, username: str) -> float:
    """The quickest of a few wrong tries, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        assert authenticate(None, username=username, password="42", school=school) is None
        times.append(time.perf_counter() - start)
    return min(times)


def test_unknown_pupil_and_staff_usernames_take_about_as_long(page_school, settings):
    assert settings.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")  # full cost
    make_pin_pupil(page_school, "AvaS")
    UserFactory.create(school=page_school, role=User.Role.STAFF, username="TTeach")
    timings = {name: fastest(page_school, name) for name in ("nobody", "AvaS", "TTeach")}
    assert max(timings.values()) / min(timings.values()) < 5, timings
