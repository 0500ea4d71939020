from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command

from misclient.fake.server import FakeXodServer
from tests.wizard.school_data import ESTAB, RELYING_PARTY, SECRET, SchoolData, small_school
from users.models import School


@pytest.fixture
def school_data() -> SchoolData:
    return small_school()


@pytest.fixture
def xod(settings, school_data: SchoolData) -> Iterator[FakeXodServer]:
    """The fake XoD serving `school_data` over real HTTP."""
    settings.XOD_RELYING_PARTY = RELYING_PARTY
    settings.XOD_TIMEOUT_SECONDS = 5
    server = FakeXodServer(school_data.dataset()).start()
    yield server
    server.stop()


@pytest.fixture
def school(db, xod: FakeXodServer) -> School:
    """The test school, connected to the fake XoD."""
    call_command(
        "school_connect",
        "--estab",
        ESTAB,
        "--secret",
        SECRET,
        "--name",
        "Test Primary School",
        "--base-url",
        xod.base_url,
    )
    return School.objects.get(estab=ESTAB)


def serve(xod: FakeXodServer, data: SchoolData) -> None:
    """Makes the fake XoD serve `data` from now on (the MIS changed)."""
    school = xod.school(ESTAB)
    school.set_rows("Students", data.pupils)
    school.set_rows("Staff", data.staff)
    school.set_rows("Groups", data.groups())
