"""The sync benchmark's machinery (`manage.py bench_sync`): a generated school served by
a fake XoD in its own process, and each phase of a sync timed, its SQL queries counted
and its peak memory read.

Not a test: figures depend on the machine. The commands print them; docs/performance.md
records them.
"""

from __future__ import annotations

import io
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from misclient.fake.generate import generate_dataset, rollover_dataset
from users.models import ClassMembership, School, SchoolClass, User
from wizard.models import SyncChange, SyncRun

SECRET = "benchmark-secret"
RELYING_PARTY = "benchmark.localhost"
MANAGE = Path(settings.BASE_DIR) / "manage.py"


def school_dataset(pupils: int, staff: int, phase: str, estab: str) -> dict[str, Any]:
    """A generated school, as a fake XoD dataset."""
    return generate_dataset(
        pupils=pupils,
        staff=staff,
        phase=phase,
        seed=1,
        estab=estab,
        secret=SECRET,
        relying_party=RELYING_PARTY,
    )


def next_year(dataset: dict[str, Any]) -> dict[str, Any]:
    """The same school one academic year on (the generator's rollover)."""
    return rollover_dataset(dataset)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_stop(process: subprocess.Popen[bytes]) -> None:
    """Asks a server or worker started by a benchmark to stop, and kills it if it has not
    within 30 seconds."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class FakeXodProcess:
    """`manage.py fake_xod` serving `dataset` in a process of its own, so that its JSON
    encoding does not share a core's time with the sync it answers (as in production)."""

    def __init__(self, dataset: dict[str, Any]) -> None:
        self._file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)  # noqa: SIM115
        json.dump(dataset, self._file)
        self._file.close()
        self.port = free_port()
        self.root_url = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.root_url}/api/v1/"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> FakeXodProcess:
        command = [sys.executable, str(MANAGE), "fake_xod", "--port", str(self.port)]
        self._process = subprocess.Popen(  # noqa: S603 (our own manage.py)
            [*command, "--dataset", self._file.name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("The fake XoD stopped at start.")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("The fake XoD did not start within a minute.")

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
        Path(self._file.name).unlink(missing_ok=True)

    def serve_rows(self, estab: str, school: dict[str, Any]) -> None:
        """The MIS moves on: the server answers with `school`'s rows from now on."""
        rows = {name: school[name] for name in ("SchoolInfo", "Students", "Staff", "Groups")}
        request = urllib.request.Request(  # noqa: S310 (our own local server)
            f"{self.root_url}/_fake/{estab}/rows",
            data=json.dumps(rows).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            answer.read()


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


def school_delete(estab: str) -> None:
    """The benchmark's school, its accounts, classes and runs."""
    User.objects.filter(school__estab=estab).delete()
    SchoolClass.objects.filter(school__estab=estab).delete()
    School.objects.filter(estab=estab).delete()


STEPS = ["usernames", "passwords", "years", "subjects", "summary"]


def page_urls(school: School, applied: SyncRun, planned: SyncRun) -> dict[str, str]:
    """Every page that must not grow with the school, by name: Django admin's (for
    support staff), Manage users' and the wizard's (for the school's administrator; the
    steps of `planned`, a run waiting on them)."""
    slug = school.slug
    pupil = User.objects.filter(school=school, role=User.Role.PUPIL).order_by("pk").last()
    a_class = (
        ClassMembership.objects.filter(school_class__school=school)
        .values_list("school_class", flat=True)
        .order_by("school_class")
        .last()
    )
    change = SyncChange.objects.filter(run=applied).last()
    if pupil is None or a_class is None or change is None:
        raise ValueError("The school has no pupil, class or change to show yet.")
    return {
        "admin runs": reverse("admin:wizard_syncrun_changelist"),
        "admin run": reverse("admin:wizard_syncrun_change", args=[applied.pk]),
        "admin changes": reverse("admin:wizard_syncchange_changelist"),
        "admin run's changes": reverse("admin:wizard_syncchange_changelist")
        + f"?run__id__exact={applied.pk}",
        "admin new pupils": reverse("admin:wizard_syncchange_changelist") + "?kind=new&role=pupil",
        "admin change": reverse("admin:wizard_syncchange_change", args=[change.pk]),
        "admin users": reverse("admin:users_user_changelist"),
        "admin user": reverse("admin:users_user_change", args=[pupil.pk]),
        "admin classes": reverse("admin:users_schoolclass_changelist"),
        "admin class": reverse("admin:users_schoolclass_change", args=[a_class]),
        "admin memberships": reverse("admin:users_classmembership_changelist"),
        "manage users": reverse("users:manage", args=[slug]),
        "manage users, p. 2": reverse("users:manage", args=[slug]) + "?classes=teaching&page=2",
        "accounts": reverse("users:accounts", args=[slug]),
        "account": reverse("users:account", args=[slug, pupil.pk]),
        "class": reverse("users:class", args=[slug, a_class]),
        "wizard start": reverse("wizard:start", args=[slug]),
        "sync history": reverse("wizard:history", args=[slug]),
        "run": reverse("wizard:run", args=[slug, applied.pk]),
        "run's changes": reverse("wizard:changes", args=[slug, applied.pk]),
        "undo": reverse("wizard:undo", args=[slug, applied.pk]),
        **{f"step {step}": reverse("wizard:step", args=[slug, planned.pk, step]) for step in STEPS},
    }


RUNS_LOADED = 20


def runs_copied(run: SyncRun, count: int) -> None:
    """`count` copies of `run`, snapshot and change rows included: a school's history
    of syncs, for the pages to show, without syncing `count` times."""
    columns = [
        str(f.column) for f in SyncChange._meta.concrete_fields if f.column not in ("id", "run_id")
    ]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(SyncChange._meta.db_table)
    for _ in range(count):
        copy = SyncRun.objects.get(pk=run.pk)
        copy.snapshot  # noqa: B018 (loaded, to be copied too)
        copy.pk = None
        copy._state.adding = True
        copy.save()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (run_id, {names}) "  # noqa: S608 (our own column names)
                f"SELECT %s, {names} FROM {table} WHERE run_id = %s",
                [copy.pk, run.pk],
            )
    if connection.vendor == "postgresql":
        # As autovacuum would soon: without statistics on the rows just copied, the
        # planner guesses one row per run and sorts them all for a page of 100.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


def pages_timed(school: School, *, repeat: int) -> list[dict[str, Any]]:
    """Each page of `page_urls` asked for `repeat` times (after a first, warming, ask),
    with RUNS_LOADED runs of the school: its time, queries and size."""
    from django.test import Client

    from wizard.services.sync import sync_prepare

    first = SyncRun.objects.filter(school=school, status=SyncRun.Status.APPLIED).last()
    if first is None:
        raise ValueError("The school has no applied sync to show.")
    runs_copied(first, RUNS_LOADED - SyncRun.objects.filter(school=school).count() - 1)
    planned = sync_prepare(school=school)
    admin, _ = User.objects.get_or_create(
        school=school, username="bench-admin", defaults={"role": User.Role.ADMIN}
    )
    support = User.objects.create_superuser(f"bench-support-{school.pk}", password=None)
    found = []
    try:
        for name, url in page_urls(school, first, planned).items():
            client = Client()
            client.force_login(support if name.startswith("admin") else admin)
            client.get(url)
            samples = []
            for _ in range(repeat):
                with measured() as sample:
                    response = client.get(url)
                samples.extend(sample)
            if response.status_code != 200:
                raise ValueError(f"{name} answered {response.status_code}")
            times = sorted(1000 * s.seconds for s in samples)
            found.append(
                {
                    "page": name,
                    "median_ms": round(statistics.median(times), 1),
                    "max_ms": round(times[-1], 1),
                    "queries": max(s.queries for s in samples),
                    "kib": len(response.content) // 1024,
                }
            )
    finally:
        support.delete()
    return found


# -- Measuring ---------------------------------------------------------------------------


def _peak_rss_reset() -> None:
    """Starts a new peak of resident memory for this process (Linux: clear_refs 5)."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    """This process's peak resident memory since the last reset, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Sample:
    seconds: float
    queries: int
    peak_mb: float
    # This process's CPU time: on a shared machine, what the wall time would be without
    # waiting for a core (the database server's own time is not in it).
    cpu_seconds: float = 0.0


@contextmanager
def measured() -> Iterator[list[Sample]]:
    """Times the block, counts its SQL queries and reads its peak memory; the Sample is
    in the yielded list once the block ends."""
    found: list[Sample] = []
    count = 0

    def counter(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, ctx)

    _peak_rss_reset()
    start, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        yield found
    seconds = time.perf_counter() - start
    found.append(Sample(seconds, count, _peak_rss_mb(), time.process_time() - cpu))


@dataclass
class Phase:
    """The samples of one phase at one school size."""

    name: str
    pupils: int
    samples: list[Sample] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        seconds = [s.seconds for s in self.samples]
        median = statistics.median(seconds)
        return {
            "phase": self.name,
            "median_s": round(median, 3),
            "min_s": round(min(seconds), 3),
            "max_s": round(max(seconds), 3),
            "ms_per_pupil": round(1000 * median / self.pupils, 3),
            "cpu_median_s": round(statistics.median(s.cpu_seconds for s in self.samples), 3),
            "queries": max(s.queries for s in self.samples),
            "peak_mb": round(max(s.peak_mb for s in self.samples), 1),
        }
