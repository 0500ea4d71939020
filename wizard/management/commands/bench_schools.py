"""A rerunnable benchmark of many schools syncing at once, as a trust's would: one Celery
task per school (`wizard.sync_school`), on the configured broker (Redis in production),
with 1 and then 2 (or --workers) worker processes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_sync_bench \\
    REDIS_URL=redis://127.0.0.1:6379/0 \\
        python manage.py bench_schools --schools 20 --pupils 1000 --workers 1,2 [--json]

It generates the schools on one fake XoD process serving every estab, syncs each school
alone in this process first (the reference), then for each worker count: puts the schools
back as they were before any sync, starts a real `celery worker --concurrency N` on its own
queue, queues one task per school, and times from the first task queued to the last one
finished. Each school's accounts (username, role, classes) must equal its reference sync.
The schools stay for inspection; the next run replaces them.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from celery.result import AsyncResult
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from misclient.fake.generate import generate_dataset
from users.models import ClassMembership, School, SchoolClass, User
from wizard.bench import SECRET, free_port, process_stop, school_connect
from wizard.models import SyncRun
from wizard.tasks import sync_school

QUEUE = "bench-schools"
ROOT = Path(__file__).resolve().parents[3]
CELERY = Path(sys.executable).with_name("celery")
# Estabs 9980001, 9980002, ...: far from the demo's and the other benchmarks'.
ESTAB_BASE = 9980000
READY_SECONDS = 60

Account = tuple[str, str, bool, tuple[str, ...]]


class Command(BaseCommand):
    help = "Time many schools syncing as one Celery task each, with 1 and 2 workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schools", type=int, default=20)
        parser.add_argument("--pupils", type=int, default=1000, help="pupils per school")
        parser.add_argument("--staff", type=int, default=60, help="staff per school")
        parser.add_argument("--phase", default="primary", choices=["primary", "secondary"])
        parser.add_argument(
            "--workers", default="1,2", help="worker processes to try, comma-separated"
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=1,
            help="try the worker counts this many times, interleaved (a shared machine's load "
            "drifts); the best time of each counts",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--timeout", type=float, default=1800, help="seconds to wait for one round"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = _worker_counts(options["workers"])
        estabs = [str(ESTAB_BASE + n) for n in range(1, options["schools"] + 1)]
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        with tempfile.TemporaryDirectory(prefix="bench-schools-") as folder:
            work = Path(folder)
            dataset = _trust_dataset(estabs, options)
            with fake_xod_process(dataset, work) as (base_url, xod):
                reference, alone = self._reference(estabs, base_url)
                rounds = [
                    self._round(estabs, base_url, count, reference, work, options["timeout"], xod)
                    for _ in range(options["repeat"])
                    for count in counts
                ]
        report = _report(options, alone, rounds)
        if options["json"]:
            self.stdout.write(json.dumps(report))
        else:
            self.stdout.write(_table(report))
        if not all(row["same_as_alone"] and row["all_applied"] for row in rounds):
            raise CommandError("Some schools' results differ from a sync of them alone.")

    def _reference(
        self, estabs: list[str], base_url: str
    ) -> tuple[dict[str, list[Account]], float]:
        """Each school synced alone, here, one after the other: (accounts, seconds)."""
        reference, seconds = {}, 0.0
        for estab in estabs:
            school = school_fresh(estab, base_url)
            start = time.perf_counter()
            outcome = sync_school(school.pk)
            seconds += time.perf_counter() - start
            if outcome["status"] != SyncRun.Status.APPLIED:
                raise CommandError(f"School {estab} did not sync alone: {outcome['error']}")
            reference[estab] = accounts_of(school)
        return reference, seconds

    def _round(
        self,
        estabs: list[str],
        base_url: str,
        workers: int,
        reference: dict[str, list[Account]],
        work: Path,
        timeout: float,
        xod: subprocess.Popen[bytes],
    ) -> dict[str, Any]:
        schools = [school_fresh(estab, base_url) for estab in estabs]
        log = work / f"worker-{workers}.log"
        # CPU of the worker and its pool (waited for by this process) and of the fake XoD.
        worker_cpu, xod_cpu = children_cpu(), _process_cpu(xod.pid)
        load = os.getloadavg()[0]
        with celery_worker(workers, log, work):
            start = time.perf_counter()
            results = [sync_school.apply_async((school.pk,), queue=QUEUE) for school in schools]
            outcomes = [result.get(timeout=timeout) for result in results]
            wall = time.perf_counter() - start
            xod_cpu = _process_cpu(xod.pid) - xod_cpu
        worker_cpu = children_cpu() - worker_cpu
        hosts = {str(_hostname(result)) for result in results}
        different = [s.estab for s in schools if accounts_of(s) != reference[s.estab]]
        return {
            "workers": workers,
            "seconds": round(wall, 2),
            "all_applied": all(o["status"] == SyncRun.Status.APPLIED for o in outcomes),
            "same_as_alone": not different,
            "different": different,
            "worker_hosts": sorted(hosts),
            "worker_cpu_seconds": round(worker_cpu, 1),
            "fake_xod_cpu_seconds": round(xod_cpu, 1),
            "load_average_before": round(load, 2),
        }


def _worker_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError("--workers takes numbers separated by commas, e.g. 1,2") from None
    if not counts or min(counts) < 1:
        raise CommandError("--workers takes numbers of at least 1, e.g. 1,2")
    return counts


def _trust_dataset(estabs: list[str], options: dict[str, Any]) -> dict[str, Any]:
    """One dataset with a generated school per estab (each its own seed)."""
    schools = []
    for seed, estab in enumerate(estabs, start=1):
        data = generate_dataset(
            pupils=options["pupils"],
            staff=options["staff"],
            phase=options["phase"],
            seed=seed,
            estab=estab,
            secret=SECRET,
            relying_party=settings.XOD_RELYING_PARTY,
        )
        schools += data["schools"]
    return {"relying_party": settings.XOD_RELYING_PARTY, "schools": schools}


def school_fresh(estab: str, base_url: str) -> School:
    """The school of `estab` as before its first sync: connected, with no accounts."""
    User.objects.filter(school__estab=estab).delete()
    SchoolClass.objects.filter(school__estab=estab).delete()
    School.objects.filter(estab=estab).delete()
    return school_connect(estab, base_url)


def accounts_of(school: School) -> list[Account]:
    """What a sync made of `school`: (username, role, active, class names), sorted."""
    classes: dict[int, list[str]] = {}
    memberships = ClassMembership.objects.filter(user__school=school)
    for user_id, name in memberships.values_list("user_id", "school_class__name"):
        classes.setdefault(user_id, []).append(name)
    users = User.objects.filter(school=school).values_list("pk", "username", "role", "archived_at")
    return sorted(
        (username, role, archived is None, tuple(sorted(classes.get(pk, []))))
        for pk, username, role, archived in users
    )


def children_cpu() -> float:
    """CPU seconds of this process's finished children (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int) -> float:
    """CPU seconds a running process has used so far (Linux's /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def fake_xod_process(
    dataset: dict[str, Any], work: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """One `fake_xod` process serving every school of `dataset`; yields its base URL and
    the process."""
    path, log, port = work / "trust.json", work / "fake_xod.log", free_port()
    path.write_text(json.dumps(dataset))
    command = [sys.executable, "manage.py", "fake_xod", "--port", str(port), "--dataset", str(path)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(process, log, "http://", "fake XoD")
        yield f"http://127.0.0.1:{port}/api/v1/", process
    finally:
        process_stop(process)


def database_url() -> str:
    """This process's database as a URL, for the worker (in a test, the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def celery_worker(concurrency: int, log: Path, work: Path) -> Iterator[None]:
    """A real worker with `concurrency` processes on this benchmark's own queue (so that
    no other worker on the broker takes its tasks), until the block ends."""
    env = dict(
        os.environ, DATABASE_URL=database_url(), XOD_RELYING_PARTY=settings.XOD_RELYING_PARTY
    )
    if settings.REDIS_URL:  # activation emails away from var/ (the embedded broker lives there)
        env["VAR_DIR"] = str(work)
    command = [
        str(CELERY),
        "-A",
        "purplemash",
        "worker",
        "--queues",
        QUEUE,
        "--hostname",
        f"bench-schools-{concurrency}@%h",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(process, log, "ready.", "Celery worker")
        yield
    finally:
        process_stop(process)


def _wait_for(process: subprocess.Popen[bytes], log: Path, text: str, name: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            raise CommandError(f"The {name} stopped:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    raise CommandError(f"The {name} was not ready in {READY_SECONDS} s")


def _hostname(result: AsyncResult) -> object:
    """The worker that ran a task (the result backend records it)."""
    return result.result.get("worker") if isinstance(result.result, dict) else None


def _report(options: dict[str, Any], alone: float, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds, and for each worker count its best round, with its speed-up over the
    first count's best."""
    best: dict[int, dict[str, Any]] = {}
    for row in rounds:
        if row["workers"] not in best or row["seconds"] < best[row["workers"]]["seconds"]:
            best[row["workers"]] = row
    base = next(iter(best.values()))["seconds"]
    summary = [
        {
            "workers": workers,
            "seconds": row["seconds"],
            "speed_up": round(base / row["seconds"], 2) if row["seconds"] else None,
            "all_applied": all(r["all_applied"] for r in rounds if r["workers"] == workers),
            "same_as_alone": all(r["same_as_alone"] for r in rounds if r["workers"] == workers),
        }
        for workers, row in best.items()
    ]
    return {
        "schools": options["schools"],
        "pupils": options["pupils"],
        "staff": options["staff"],
        "broker": str(settings.CELERY_BROKER_URL).split("://")[0],
        "database": connection.vendor,
        "cores": os.cpu_count(),
        "alone_in_one_process_seconds": round(alone, 2),
        "best": summary,
        "rounds": rounds,
    }


def _table(report: dict[str, Any]) -> str:
    lines = [
        f"{report['schools']} schools of {report['pupils']} pupils and {report['staff']} "
        f"staff, one task each ({report['broker']} broker, {report['database']}, "
        f"{report['cores']} cores)",
        f"Each synced alone, one after another, in one process: "
        f"{report['alone_in_one_process_seconds']:.1f} s",
        "",
        "| Worker processes | Wall time (best) | Speed-up | All applied | Same as each alone |",
        "|---:|---:|---:|---|---|",
    ]
    lines += [
        f"| {row['workers']} | {row['seconds']:.1f} s | {row['speed_up']:.2f}x | "
        f"{_yes(row['all_applied'])} | {_yes(row['same_as_alone'])} |"
        for row in report["best"]
    ]
    lines += [
        "",
        "Every round: workers, wall time, CPU of the worker processes and of the fake XoD, "
        "load average of the machine before it:",
    ]
    lines += [
        f"  {row['workers']}: {row['seconds']:.1f} s, worker CPU {row['worker_cpu_seconds']} s, "
        f"fake XoD CPU {row['fake_xod_cpu_seconds']} s, load {row['load_average_before']}"
        + (f", differ: {', '.join(row['different'])}" if row["different"] else "")
        for row in report["rounds"]
    ]
    return "\n".join(lines)


def _yes(value: bool) -> str:
    return "yes" if value else "NO"
