"""A worker killed in the middle of an apply never loses it: the run is applied once.

The test catches the worker mid-apply without any hook in the application: it holds the
school's row lock (the first thing an apply takes), waits until the worker's database
session is blocked on it, then SIGKILLs the worker's pool process and lets go of the lock.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from django.db import connection, transaction

from tests.wizard.school_data import RELYING_PARTY
from tests.wizard.test_apply import plan_run
from tests.worker import celery_worker, needs_postgres, run_client, worker_env
from users.models import School, User
from wizard.models import SyncRun

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    needs_postgres,
]

BROKERS = [
    pytest.param("redis", id="redis"),
    pytest.param("filesystem", id="filesystem"),
]

T = TypeVar("T")

BLOCKED_ON_A_LOCK = """
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
"""


def _worker_env(broker: str, var_dir: Path) -> dict[str, str]:
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    if broker == "redis":
        if not os.environ.get("REDIS_URL"):
            pytest.skip("needs REDIS_URL (CI sets it)")
        redis_url: str | None = os.environ["REDIS_URL"]
    else:
        redis_url = None
    return worker_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        VAR_DIR=str(var_dir),
        XOD_RELYING_PARTY=RELYING_PARTY,
        CELERY_TASK_ALWAYS_EAGER="0",
    )


def _wait_until(condition: Callable[[], T], what: str, seconds: float = 60) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"Gave up waiting for {what}")


def _send_apply(run: SyncRun, env: dict[str, str]) -> str:
    """Has a worker apply `run`, sent from another process as the web app would."""
    code = f"from wizard.tasks import apply_sync_run; print(apply_sync_run.delay({run.pk}).id)"
    return run_client(code, env).strip()


def _outcomes(task_id: str, log: Path) -> list[str]:
    """What the worker's log says happened to the task, in order."""
    pattern = rf"Task wizard\.apply_sync_run\[{task_id}\] (received|succeeded|raised)"
    return re.findall(pattern, log.read_text())


def _blocked_backend() -> int | None:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps showing its first view of the activity.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(BLOCKED_ON_A_LOCK)
        row = cursor.fetchone()
    return row[0] if row else None


def _pool_processes(worker_pid: int) -> list[int]:
    """The worker's child processes: with --concurrency 1, its one pool process."""
    children: list[int] = []
    for task in Path(f"/proc/{worker_pid}/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    return children


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (FileNotFoundError, IndexError):
        return True
    return state == "Z"


@pytest.mark.parametrize("broker", BROKERS)
def test_a_pool_process_killed_mid_apply_is_redelivered_and_applies_once(broker, school, tmp_path):
    run = plan_run(school)
    assert run.status == SyncRun.Status.PLANNED
    env = _worker_env(broker, tmp_path)
    log = tmp_path / "worker.log"

    with celery_worker(env, log) as worker:
        with transaction.atomic():
            School.objects.select_for_update().get(pk=school.pk)
            task_id = _send_apply(run, env)
            _wait_until(_blocked_backend, "the worker to wait for the school's lock")
            [pool_process] = _pool_processes(worker.pid)
            os.kill(pool_process, signal.SIGKILL)
            _wait_until(lambda: _gone(pool_process), "the pool process to die")
            run.refresh_from_db()
            assert run.status == SyncRun.Status.PLANNED
        # The lock is released: the redelivered task applies the run.
        _wait_until(
            lambda: SyncRun.objects.get(pk=run.pk).status != SyncRun.Status.PLANNED,
            "the redelivered task to apply the run",
        )
        # Give a wrongly duplicated delivery the time to show itself before stopping.
        time.sleep(1)

    run.refresh_from_db()
    assert run.status == SyncRun.Status.APPLIED, run.error
    assert SyncRun.objects.filter(status=SyncRun.Status.APPLIED).count() == 1
    accounts = User.objects.filter(school=school)
    assert accounts.count() == 8
    assert sorted(accounts.values_list("mis_id", flat=True)) == [
        "101", "102", "103", "104", "105", "106", "201", "202",
    ]  # fmt: skip
    text = log.read_text()
    assert "exited with 'signal 9 (SIGKILL)'" in text
    assert _outcomes(task_id, log) == ["received", "received", "succeeded"], text


def test_a_worker_killed_whole_mid_apply_has_its_task_redelivered_to_another(school, tmp_path):
    """Redis hands a dead worker's unacknowledged task to another worker once it is older
    than the visibility timeout: 5 s here instead of the default's 16 minutes, so that test
    is quick (hence CELERY_SKIP_CHECKS: the system check would refuse so short a timeout)."""
    run = plan_run(school)
    env = _worker_env("redis", tmp_path)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    with celery_worker(env, first_log) as first, transaction.atomic():
        School.objects.select_for_update().get(pk=school.pk)
        task_id = _send_apply(run, env)
        _wait_until(_blocked_backend, "the worker to wait for the school's lock")
        pool = _pool_processes(first.pid)
        for pid in [first.pid, *pool]:
            os.kill(pid, signal.SIGKILL)
        first.wait(timeout=10)
        _wait_until(lambda: all(_gone(pid) for pid in pool), "the pool process to die")
    run.refresh_from_db()
    assert run.status == SyncRun.Status.PLANNED

    short = {"CELERY_VISIBILITY_TIMEOUT": "5", "CELERY_SKIP_CHECKS": "1"}
    with celery_worker({**env, **short}, second_log):
        _wait_until(
            lambda: SyncRun.objects.get(pk=run.pk).status != SyncRun.Status.PLANNED,
            "another worker to apply the run",
        )
        time.sleep(1)

    run.refresh_from_db()
    assert run.status == SyncRun.Status.APPLIED, run.error
    assert User.objects.filter(school=school).count() == 8
    assert SyncRun.objects.filter(status=SyncRun.Status.APPLIED).count() == 1
    assert _outcomes(task_id, second_log) == ["received", "succeeded"]
