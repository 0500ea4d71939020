"""A rerunnable benchmark of the sync against a generated school on the fake XoD.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_sync python manage.py benchmark_sync

Measures a first sync (fetch to applied), an unchanged re-sync, and the number of SQL
queries applying a first sync takes at two school sizes. The schools it makes are
deleted afterwards.
"""

from __future__ import annotations

import io
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from misclient.fake.generate import generate_dataset
from misclient.fake.server import FakeXodServer
from users.models import School, SchoolClass, User
from wizard.models import SyncRun
from wizard.planner.types import Decisions
from wizard.services import sync

SECRET = "benchmark-secret"


class Command(BaseCommand):
    help = "Time a first sync and a re-sync of a generated school; count apply queries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=2000)
        parser.add_argument("--staff", type=int, default=150)
        parser.add_argument("--phase", default="secondary", choices=["primary", "secondary"])
        parser.add_argument("--small", type=int, default=200, help="pupils of the small school")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Database: {connection.vendor}")
        big = school_rows(options["pupils"], options["staff"], options["phase"], "9990001")
        small = school_rows(options["small"], 20, options["phase"], "9990002")
        try:
            with FakeXodServer(_dataset(big + small)) as server:
                settings.XOD_RELYING_PARTY = "benchmark.localhost"
                settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
                self._time_and_count(server, options)
        finally:
            for estab in ("9990001", "9990002"):
                _delete_school(estab)

    def _time_and_count(self, server: FakeXodServer, options: dict[str, Any]) -> None:
        for estab in ("9990001", "9990002"):
            _delete_school(estab)
            school_connect(estab, server.base_url)
        first, queries_big = _sync(School.objects.get(estab="9990001"))
        again, _ = _sync(School.objects.get(estab="9990001"))
        _, queries_small = _sync(School.objects.get(estab="9990002"))
        pupils = User.objects.filter(school__estab="9990001", role="pupil").count()
        self.stdout.write(
            f"First sync of {options['pupils']} pupils / {options['staff']} staff "
            f"({pupils} pupil accounts created): {first:.2f} s (target 20 s)\n"
            f"Unchanged re-sync: {again:.2f} s (target 2 s)\n"
            f"Queries applying a first sync: {queries_small} for {options['small']} pupils, "
            f"{queries_big} for {options['pupils']} pupils"
        )


def school_rows(pupils: int, staff: int, phase: str, estab: str) -> list[dict[str, Any]]:
    """A generated school's dataset entries, for the fake XoD."""
    data = generate_dataset(
        pupils=pupils,
        staff=staff,
        phase=phase,
        seed=1,
        estab=estab,
        secret=SECRET,
        relying_party="benchmark.localhost",
    )
    schools: list[dict[str, Any]] = data["schools"]
    return schools


def school_connect(estab: str, base_url: str) -> School:
    """The school of `estab`, connected to the fake XoD at `base_url`."""
    call_command(
        "school_connect",
        "--estab",
        estab,
        "--secret",
        SECRET,
        "--base-url",
        base_url,
        stdout=io.StringIO(),
    )
    return School.objects.get(estab=estab)


def _dataset(schools: list[dict[str, Any]]) -> dict[str, Any]:
    return {"relying_party": "benchmark.localhost", "schools": schools}


def _sync(school: School) -> tuple[float, int]:
    """Fetch, plan and apply, as mis_sync does: (seconds, queries of the apply)."""
    start = time.perf_counter()
    run = sync.sync_prepare(school=school)
    if run.status == SyncRun.Status.HELD:
        sync.sync_review(run=run, decisions=Decisions(confirm_brake=True))
    with CaptureQueriesContext(connection) as queries:
        sync.sync_finish(run=run)
    return time.perf_counter() - start, len(queries)


def _delete_school(estab: str) -> None:
    User.objects.filter(school__estab=estab).delete()
    SchoolClass.objects.filter(school__estab=estab).delete()
    School.objects.filter(estab=estab).delete()
