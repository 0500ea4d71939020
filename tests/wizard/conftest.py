from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.fixtures_xod import FakeXod
from tests.users.factories import UserFactory
from tests.wizard.school_data import SchoolData, small_school
from users.models import School, User


@pytest.fixture
def school_data() -> SchoolData:
    return small_school()


@pytest.fixture
def fake_xod_dataset(school_data: SchoolData) -> dict[str, Any]:
    """The wizard's tests serve `school_data` (override it in a module to serve another)."""
    return school_data.dataset()


@pytest.fixture
def xod(settings, fake_xod: FakeXod) -> FakeXod:
    """The fake XoD serving `fake_xod_dataset` over real HTTP, with the settings the
    sync reads pointing at it."""
    settings.XOD_RELYING_PARTY = fake_xod.relying_party
    settings.XOD_TIMEOUT_SECONDS = 5
    return fake_xod


def school_connected(xod: FakeXod) -> School:
    """The test school, connected by hand (as support staff would) to the fake XoD."""
    call_command(
        "school_connect",
        "--estab",
        xod.estab,
        "--secret",
        xod.secret,
        "--name",
        "Test Primary School",
        "--base-url",
        xod.base_url,
    )
    return School.objects.get(estab=xod.estab)


@pytest.fixture
def school(db, xod: FakeXod) -> School:
    """The test school, connected to the fake XoD."""
    return school_connected(xod)


@pytest.fixture
def admin(school: School) -> User:
    return UserFactory.create(school=school, role=User.Role.ADMIN, username="HeadA")


@pytest.fixture
def browser(client: Client, admin: User) -> Client:
    """A test client signed in as the school's administrator."""
    client.force_login(admin)
    return client


def serve(xod: FakeXod, data: SchoolData) -> None:
    """Makes the fake XoD serve `data` from now on (the MIS changed)."""
    xod.serve(data.dataset())
