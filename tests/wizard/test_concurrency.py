"""Two workers given the same run at the same moment apply it once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.wizard.test_apply import plan_run
from users.models import User
from wizard.models import SyncRun
from wizard.services import apply
from wizard.services.lifecycle import SyncError

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_run_applied_by_two_workers_at_once_applies_once(school):
    run = plan_run(school)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        start.wait()
        try:
            outcomes.append(apply.sync_run_apply(run=SyncRun.objects.get(pk=run.pk)).status)
        except SyncError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == ["applied", "applied"]
    assert User.objects.filter(school=school).count() == 8
    run.refresh_from_db()
    assert run.status == SyncRun.Status.APPLIED
