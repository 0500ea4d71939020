"""A 3,000-pupil rollover applied by a real Celery worker on PostgreSQL, killed at one
stage of the apply after another, and once cut off from the database: each time the
database holds exactly what it held before, and in the end the run is applied once.

Nothing in the application knows about the test. The test stops the worker at a stage
from PostgreSQL's side: it holds a lock the worker's next statement needs (the change
rows' table while the plan is read, an advisory lock that a trigger of the test's own,
on the test database, takes before the statement), sees the worker's session wait for
it in pg_locks, then SIGKILLs the worker's pool process (or ends its session with
pg_terminate_backend) and lets go. The redelivered task starts again from the top and
is held at the next stage, until the last one lets it finish.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from misclient.fake.generate import generate_dataset, rollover_dataset
from tests.fixtures_xod import FakeXod
from tests.wizard.school_data import ESTAB, RELYING_PARTY, SECRET
from tests.worker import celery_worker, needs_postgres, run_client, worker_env
from users.models import User
from wizard.models import SyncRun
from wizard.services import runs
from wizard.services.apply import sync_run_apply
from wizard.services.sync import sync_prepare

pytestmark = [
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    needs_postgres,
]

# A 3,000-pupil school, as the issue asks, killed at every stage: each delivery of the
# apply starts again from the top.
PUPILS = 3000

PAUSE_FUNCTION = """
    CREATE OR REPLACE FUNCTION test_pause_at_stage() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock_shared(TG_ARGV[0]::bigint);
        RETURN NEW;
    END $$
"""


@dataclass(frozen=True)
class Stage:
    """A point of the apply: `name` for messages, the trigger that holds the worker there
    ("" for reading, held by a table lock instead), the statement it is held before, and
    how the worker is stopped there."""

    name: str
    key: int
    trigger: str
    statement: str
    stop: str = "sigkill"


STAGES = [
    Stage("reading the plan", 0, "", r"^SELECT .*wizard_syncchange"),
    Stage(
        "updating accounts",
        7_311_001,
        "BEFORE UPDATE ON users_user FOR EACH STATEMENT",
        r'^UPDATE "users_user"',
    ),
    Stage(
        "inserting accounts",
        7_311_002,
        "BEFORE INSERT ON users_user FOR EACH STATEMENT",
        r'^INSERT INTO "users_user"',
    ),
    Stage(
        "inserting memberships",
        7_311_003,
        "BEFORE INSERT ON users_classmembership FOR EACH STATEMENT",
        r'^COPY "users_classmembership"',  # memberships go in with COPY (wizard/services/bulk.py)
    ),
    Stage(
        "recording the changes, connection dropped",
        7_311_004,
        "BEFORE UPDATE ON wizard_syncchange FOR EACH STATEMENT",
        r'^UPDATE "wizard_syncchange"',
        stop="terminate",
    ),
    Stage(
        "just before commit",
        7_311_005,
        "BEFORE UPDATE ON wizard_syncrun FOR EACH ROW WHEN (NEW.status = 'applied')",
        r'^UPDATE "wizard_syncrun"',
    ),
]

# Everything an apply may write, each row whole.
DUMPED = [
    "users_user",
    "users_schoolclass",
    "users_classmembership",
    "users_yeargroup",
    "wizard_syncsettings",
    "wizard_notduplicate",
]


def _dsn() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _dump() -> dict[str, list[str]]:
    """Every row of every table an apply writes, as JSON text, in id order."""
    found = {}
    with connection.cursor() as cursor:
        for table in DUMPED:
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t ORDER BY id")
            found[table] = [row[0] for row in cursor.fetchall()]
    return found


@contextmanager
def _pause_triggers(stages: list[Stage]) -> Iterator[None]:
    """The test's triggers on the test database, dropped whatever happens."""
    staged = [stage for stage in stages if stage.trigger]
    with psycopg.connect(_dsn(), autocommit=True) as admin:
        admin.execute(PAUSE_FUNCTION)
        for stage in staged:
            table = stage.trigger.split(" ON ")[1].split()[0]
            admin.execute(
                f"CREATE TRIGGER test_pause_{stage.key} {stage.trigger} "
                f"EXECUTE FUNCTION test_pause_at_stage('{stage.key}')"
            )
        try:
            yield
        finally:
            for stage in staged:
                table = stage.trigger.split(" ON ")[1].split()[0]
                admin.execute(f"DROP TRIGGER IF EXISTS test_pause_{stage.key} ON {table}")
            admin.execute("DROP FUNCTION IF EXISTS test_pause_at_stage()")


class Gates:
    """One connection holding a lock per stage, let go of one stage at a time."""

    def __init__(self, stages: list[Stage]) -> None:
        self.stages = stages
        self.advisory = psycopg.connect(_dsn(), autocommit=True)
        self.reading = psycopg.connect(_dsn())

    def close_all(self) -> None:
        self.advisory.close()
        self.reading.close()

    def hold_all(self) -> None:
        for stage in self.stages:
            if stage.key:
                self.advisory.execute("SELECT pg_advisory_lock(%s)", [stage.key])
            else:
                self.reading.execute("LOCK TABLE wizard_syncchange IN ACCESS EXCLUSIVE MODE")

    def open(self, stage: Stage) -> None:
        if stage.key:
            self.advisory.execute("SELECT pg_advisory_unlock(%s)", [stage.key])
        else:
            self.reading.rollback()


def _waiting_at(stage: Stage) -> tuple[int, str] | None:
    """(pid, statement) of the session waiting at `stage`, if one is."""
    if stage.key:
        lock = "l.locktype = 'advisory' AND l.objid = %s"
        args: list[Any] = [stage.key]
    else:
        lock = "l.locktype = 'relation' AND l.relation = 'wizard_syncchange'::regclass"
        args = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT a.pid, a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            f"WHERE NOT l.granted AND {lock}",
            args,
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def _wait_until(condition: Callable[[], Any], what: str, seconds: float = 300) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"Gave up waiting for {what}")


def _pool_process(worker_pid: int) -> int:
    children: list[int] = []
    for task in Path(f"/proc/{worker_pid}/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    [child] = children
    return child


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z"
    except (FileNotFoundError, IndexError):
        return True


def _a_synced_school_a_year_on(school, xod: FakeXod) -> SyncRun:
    """The school synced once (3,000 pupils), then a year's rollover planned and
    confirmed, ready for Finish."""
    first = sync_prepare(school=school)
    if first.status == SyncRun.Status.HELD:
        first = runs.sync_run_confirm_brake(run=first)
    sync_run_apply(run=first)
    xod.serve(rollover_dataset(xod.dataset, seed=3))
    run = sync_prepare(school=school)
    if run.status == SyncRun.Status.HELD:
        run = runs.sync_run_confirm_brake(run=run)
    assert run.status == SyncRun.Status.PLANNED, run.error
    return run


@pytest.fixture
def fake_xod_dataset() -> dict[str, Any]:
    return generate_dataset(
        pupils=PUPILS,
        staff=120,
        phase="primary",
        seed=5,
        estab=ESTAB,
        secret=SECRET,
        relying_party=RELYING_PARTY,
    )


def _finish_from_another_process(run: SyncRun, env: dict[str, str]) -> None:
    """ "Finish", as the wizard's page does it."""
    code = "from wizard.services.background import sync_finish_later\n"
    code += "from wizard.models import SyncRun\n"
    code += f"sync_finish_later(run=SyncRun.objects.get(pk={run.pk}))"
    run_client(code, env)


def _kill_at(stage: Stage, worker_pid: int, gates: Gates) -> None:
    """Waits for the worker to reach `stage`, stops it there, lets go of the stage and
    waits until the stopped session has ended."""
    backend, statement = _wait_until(
        lambda: _waiting_at(stage), f"the worker to reach {stage.name}"
    )
    assert re.search(stage.statement, statement), (stage.name, statement)
    _stop(stage, worker_pid, backend)
    gates.open(stage)
    _wait_until(lambda: not _backend_alive(backend), "the stopped session to end")


def _stop(stage: Stage, worker_pid: int, backend: int) -> None:
    if stage.stop == "terminate":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
        return
    pool = _pool_process(worker_pid)
    os.kill(pool, signal.SIGKILL)
    _wait_until(lambda: _gone(pool), "the pool process to die")


@pytest.mark.timeout(900)
def test_an_apply_killed_mid_way_leaves_nothing_and_then_applies_once(school, xod, tmp_path):
    pupils, stages = PUPILS, STAGES
    run = _a_synced_school_a_year_on(school, xod)
    counts = run.counts
    assert counts["moved"] > pupils // 2
    assert counts["new_pupils"] > pupils // 20
    assert counts["leavers"] > pupils // 20
    before = _dump()
    redis_url = os.environ.get("REDIS_URL")
    env = worker_env(
        DATABASE_URL=_dsn().replace("postgresql://", "postgres://"),
        REDIS_URL=redis_url,
        VAR_DIR=str(tmp_path),
        XOD_RELYING_PARTY=RELYING_PARTY,
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    log = tmp_path / "worker.log"
    seen: list[str] = []
    with _pause_triggers(stages):
        gates = Gates(stages)
        try:
            with celery_worker(env, log) as worker:
                gates.hold_all()
                _finish_from_another_process(run, env)
                for stage in stages:
                    _kill_at(stage, worker.pid, gates)
                    # The killed worker's session has ended, rolled back.
                    assert _dump() == before, f"something was left after a kill {stage.name}"
                    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.PLANNED
                    seen.append(stage.name)
                _wait_until(
                    lambda: SyncRun.objects.get(pk=run.pk).status != SyncRun.Status.PLANNED,
                    "the last delivery to apply the run",
                )
                time.sleep(1)  # time for a wrongly repeated delivery to show itself
        finally:
            gates.close_all()

    assert seen == [stage.name for stage in stages]
    run.refresh_from_db()
    assert run.status == SyncRun.Status.APPLIED, run.error
    text = log.read_text()
    kills = [stage for stage in stages if stage.stop == "sigkill"]
    assert text.count("exited with 'signal 9 (SIGKILL)'") == len(kills), text
    if len(kills) < len(stages):  # the dropped connection was retried
        assert "lost the database while applying" in text
        retried = r"Task wizard\.apply_sync_run\[[0-9a-f-]+\] retry: Retry in 1s"
        assert re.search(retried, text), text
    task = re.findall(r"Task wizard\.apply_sync_run\[([0-9a-f-]+)\] succeeded", text)
    assert len(task) == 1, text
    _assert_applied_once(school, run, before)


def _assert_applied_once(school, run: SyncRun, before: dict[str, list[str]]) -> None:
    """Every change of the plan is there once, and planning the same feed again finds
    nothing left to do."""
    counts = run.counts
    users = User.objects.filter(school=school)
    created = counts["new_pupils"] + counts["new_staff"]
    assert users.count() == len(before["users_user"]) + created
    assert (
        run.changes.filter(target="account", account__isnull=True)
        .exclude(kind__in=["error", "duplicate"])
        .count()
        == 0
    )
    usernames = [name.lower() for name in users.values_list("username", flat=True)]
    assert len(usernames) == len(set(usernames))
    again = sync_prepare(school=school)
    assert again.status == SyncRun.Status.PLANNED, again.error
    left = {
        kind: n for kind, n in again.counts.items() if n and kind not in ("unchanged", "errors")
    }
    assert left == {}
