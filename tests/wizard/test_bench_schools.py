"""`bench_schools` syncs generated schools as one task each through a real worker, and
checks each against a sync of the school alone (the benchmark itself is a command)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from users.models import User
from wizard.models import SyncRun

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_two_small_schools_sync_through_a_real_worker_as_each_alone():
    out = io.StringIO()
    call_command(
        "bench_schools", "--schools", "2", "--pupils", "20", "--staff", "5",
        "--workers", "1", "--json", stdout=out,
    )  # fmt: skip

    report = json.loads(out.getvalue())
    assert report["schools"] == 2
    [row] = report["rounds"]
    assert row["workers"] == 1
    assert row["all_applied"], row
    assert row["same_as_alone"], row
    # The tasks ran in the benchmark's worker, not in this process.
    assert len(row["worker_hosts"]) == 1
    assert row["worker_hosts"][0].startswith("bench-schools-1@")
    assert report["best"][0]["same_as_alone"]
    for estab in ("9980001", "9980002"):
        # The reference sync was replaced by a fresh school before the worker's sync.
        [run] = SyncRun.objects.filter(school__estab=estab)
        assert run.status == SyncRun.Status.APPLIED
        pupils = User.objects.filter(school__estab=estab, role="pupil").count()
        assert pupils == run.counts["new_pupils"] > 15
        staff = User.objects.filter(school__estab=estab, role="staff").count()
        assert staff == run.counts["new_staff"] > 0
