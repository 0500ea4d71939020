"""Twenty schools syncing at the same time on two real Celery workers do not interfere:
each school ends with exactly the accounts and classes that a sync of it alone gives.

Each school has a twin in the fake XoD (the same rows under another estab), synced alone
in this process first; then the twenty are started and finished at once, as twenty
administrators would, and two worker processes share their tasks.
"""

from __future__ import annotations

import copy
import io
import re
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from misclient.fake.generate import generate_dataset
from tests.fixtures_xod import serving
from tests.worker import celery_worker, needs_postgres, run_client, worker_env
from users.models import ClassMembership, School, SchoolClass, User
from wizard.models import SyncRun

pytestmark = [
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    needs_postgres,
]

SCHOOLS = 20
RELYING_PARTY = "tests.many-schools.example"


def _dataset() -> dict[str, Any]:
    """Twenty generated schools (60 pupils each) and their twins, estab 9000NNN."""
    schools = []
    for n in range(SCHOOLS):
        school = generate_dataset(
            pupils=60, staff=6, phase="primary", seed=100 + n, estab=f"82{n:05d}",
            relying_party=RELYING_PARTY,
        )["schools"][0]  # fmt: skip
        twin = copy.deepcopy(school) | {"estab": f"90{n:05d}", "secret": f"twin-{n}"}
        schools += [school, twin]
    return {"relying_party": RELYING_PARTY, "schools": schools}


def _connect(entry: dict[str, Any], base_url: str) -> School:
    estab = str(entry["estab"])
    call_command(
        "school_connect", "--estab", estab, "--secret", entry["secret"],
        "--name", f"School {estab}", "--base-url", base_url, stdout=io.StringIO(),
    )  # fmt: skip
    return School.objects.get(estab=estab)


def _accounts(school: School) -> dict[str, Any]:
    """What a sync leaves, without ids: accounts, their classes, the classes."""
    users = sorted(
        (u.username, u.forename, u.surname, u.role, u.mis_id, u.is_active,
         u.year_group.code if u.year_group else "")
        for u in User.objects.filter(school=school).select_related("year_group")
    )  # fmt: skip
    members = sorted(
        ClassMembership.objects.filter(user__school=school).values_list(
            "user__username", "school_class__name", "role"
        )
    )
    classes = sorted(
        SchoolClass.objects.filter(school=school).values_list("name", "mis_id", "archived")
    )
    return {"users": users, "members": members, "classes": classes}


def _wait_for_all(ids: list[int], status: str, seconds: float = 150) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = list(SyncRun.objects.filter(pk__in=ids).values_list("status", flat=True))
        if all(s == status for s in found):
            return
        assert SyncRun.Status.FAILED not in found, list(SyncRun.objects.values("pk", "error"))
        time.sleep(0.3)
    raise AssertionError(f"runs still {found}")


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_twenty_schools_at_once_on_two_workers_each_as_if_alone(tmp_path, settings):
    settings.XOD_RELYING_PARTY = RELYING_PARTY
    with serving(_dataset()) as xod:
        entries = xod.dataset["schools"]
        schools = [_connect(entry, xod.base_url) for entry in entries[0::2]]
        twins = [_connect(entry, xod.base_url) for entry in entries[1::2]]
        for twin in twins:  # each twin alone, one after another
            call_command("mis_sync", "--estab", twin.estab, stdout=io.StringIO())

        env = worker_env(
            DATABASE_URL=_database_url(),
            VAR_DIR=str(tmp_path),
            XOD_RELYING_PARTY=RELYING_PARTY,
            CELERY_TASK_ALWAYS_EAGER="0",
        )
        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        ids = [school.pk for school in schools]
        with celery_worker(env, logs[0]), celery_worker(env, logs[1]):
            start = "from users.models import School\nfrom wizard.services import background\n"
            start += f"for school in School.objects.filter(pk__in={ids}):\n"
            start += "    print(background.sync_start(school=school).pk)\n"
            runs = [int(pk) for pk in run_client(start, env).split()]
            _wait_for_all(runs, SyncRun.Status.PLANNED)
            finish = "from wizard.models import SyncRun\nfrom wizard.services import background\n"
            finish += f"for run in SyncRun.objects.filter(pk__in={runs}):\n"
            finish += "    background.sync_finish_later(run=run)\n"
            run_client(finish, env)
            _wait_for_all(runs, SyncRun.Status.APPLIED)

    for school, twin in zip(schools, twins, strict=True):
        mine, alone = _accounts(school), _accounts(twin)
        assert len(mine["users"]) > 50
        assert mine == alone, school.estab
    for log in logs:  # both workers took a share of the work
        applied = re.findall(
            r"Task wizard\.apply_sync_run\[[0-9a-f-]+\] succeeded", log.read_text()
        )
        assert applied, log.read_text()
