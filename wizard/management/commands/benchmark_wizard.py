"""A rerunnable benchmark of the wizard's pages for a generated school on the fake XoD:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_sync python manage.py benchmark_wizard

Reads the MIS of a 2,000-pupil school, then times each step's page as a school
administrator's browser asks for it (Django's test client, no network), the summary
above all: it plans the sync again with the choices made. The school is deleted after.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.test import Client
from django.urls import reverse

from misclient.fake.server import FakeXodServer
from users.models import User
from wizard.management.commands.benchmark_sync import (
    _dataset,
    _delete_school,
    school_connect,
    school_rows,
)
from wizard.models import SyncRun
from wizard.services.sync import sync_prepare

ESTAB = "9990003"


class Command(BaseCommand):
    help = "Time the wizard's pages for a generated school (the summary above all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=2000)
        parser.add_argument("--staff", type=int, default=150)
        parser.add_argument("--repeat", type=int, default=3, help="times each page is asked for")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = school_rows(options["pupils"], options["staff"], "secondary", ESTAB)
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        try:
            with FakeXodServer(_dataset(rows)) as server:
                settings.XOD_RELYING_PARTY = "benchmark.localhost"
                school = school_connect(ESTAB, server.base_url)
                start = time.perf_counter()
                run = sync_prepare(school=school)
                read = time.perf_counter() - start
                self.stdout.write(f"Reading the MIS and planning ({run.status}): {read:.2f} s")
                self._pages(run, options["repeat"])
        finally:
            _delete_school(ESTAB)

    def _pages(self, run: SyncRun, repeat: int) -> None:
        admin = User.objects.create(school=run.school, role=User.Role.ADMIN, username="bench")
        client = Client()
        client.force_login(admin)
        steps = ["usernames", "passwords", "years", "subjects", "summary"]
        for step in steps:
            url = reverse("wizard:step", args=[run.school.slug, run.pk, step])
            timings = []
            for _ in range(repeat):
                start = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - start)
            size = len(response.content) // 1024
            self.stdout.write(
                f"{step:<10} {min(timings):.2f} s (best of {repeat}), "
                f"status {response.status_code}, {size} KiB"
            )
