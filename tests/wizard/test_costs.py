"""What a sync and its pages cost in SQL does not grow with the school: the same number
of queries for a small and a four-times bigger generated school, and no page reads a
run's snapshot (the MIS data, megabytes for a big school) unless it plans from it.

Counts, not times: times are the benchmark's business (manage.py bench_sync).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from misclient.fake.generate import generate_dataset, rollover_dataset
from tests.fixtures_xod import FakeXod
from users.models import School, SchoolClass, User, YearGroup
from wizard.admin import CappedPaginator
from wizard.bench import page_urls
from wizard.models import SyncChange, SyncRun, SyncSettings
from wizard.planner.types import Decisions
from wizard.services import runs, sync

SMALL, BIG = 24, 96


def _dataset(xod: FakeXod, pupils: int) -> dict[str, Any]:
    return generate_dataset(
        pupils=pupils,
        staff=pupils // 6,
        phase="secondary",
        seed=3,
        estab=xod.estab,
        secret=xod.secret,
        relying_party=xod.relying_party,
    )


def _empty(school: School) -> None:
    SyncRun.objects.filter(school=school).delete()
    User.objects.filter(school=school).delete()
    SchoolClass.objects.filter(school=school).delete()
    YearGroup.objects.filter(school=school).delete()
    SyncSettings.objects.filter(school=school).delete()


def _counted(work: Callable[[], Any]) -> tuple[int, list[str]]:
    """(how many queries `work` ran, their SQL) — on SQLite, where Django splits bulk
    writes into batches of 999 parameters, only the reads are counted."""
    with CaptureQueriesContext(connection) as queries:
        work()
    sql = [q["sql"] for q in queries.captured_queries]
    if connection.vendor != "postgresql":
        sql = [text for text in sql if text.startswith("SELECT")]
    return len(sql), sql


def _full_sync(school: School) -> SyncRun:
    run = sync.sync_prepare(school=school)
    if run.status == SyncRun.Status.HELD:
        sync.sync_review(run=run, decisions=Decisions(confirm_brake=True))
    run = sync.sync_finish(run=run)
    assert run.status == SyncRun.Status.APPLIED, run.error
    return run


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def _costs(school: School, xod: FakeXod, pupils: int) -> dict[str, int]:
    """Queries of applying a first sync, an unchanged re-sync, a rollover, and each page
    afterwards, for a generated school of `pupils`."""
    _empty(school)
    dataset = _dataset(xod, pupils)
    xod.serve(dataset)
    counts: dict[str, int] = {}
    run = sync.sync_prepare(school=school)
    counts["apply"], _ = _counted(lambda: sync.sync_finish(run=run))
    assert User.objects.filter(school=school, role=User.Role.PUPIL).count() > pupils * 0.8
    counts["re-sync"], _ = _counted(lambda: _full_sync(school))
    xod.serve(rollover_dataset(dataset))
    counts["rollover"], _ = _counted(lambda: _full_sync(school))
    applied = SyncRun.objects.filter(school=school, status=SyncRun.Status.APPLIED).first()
    planned = sync.sync_prepare(school=school)  # waiting on the wizard's steps
    assert applied
    assert planned.status == SyncRun.Status.PLANNED

    admin = User.objects.create(school=school, role=User.Role.ADMIN, username="head")
    support = User.objects.create_superuser("support", password="x" * 12)
    for name, url in page_urls(school, applied, planned).items():
        client = Client()
        client.force_login(support if name.startswith("admin") else admin)
        _get(client, url)  # once first: sessions and caches warm
        counts[name], _ = _counted(partial(_get, client, url))
    support.delete()
    return counts


@pytest.mark.django_db(transaction=False)
def test_sync_and_page_queries_do_not_grow_with_the_school(school, xod):
    small = _costs(school, xod, SMALL)
    big = _costs(school, xod, BIG)
    grown = {name: (small[name], big[name]) for name in small if small[name] != big[name]}
    assert not grown, f"queries that grew with the school (small, big): {grown}"
    assert small["apply"] > 10  # counted for real: an apply is a score of statements


def _snapshot_reads(sql: list[str]) -> list[str]:
    return [text for text in sql if '"snapshot"' in text and text.startswith("SELECT")]


def test_no_page_reads_a_runs_snapshot_unless_it_plans_from_it(school, xod, monkeypatch):
    monkeypatch.setattr(runs, "PARSED_KEPT", 0)  # every step reads it from the database
    _empty(school)
    xod.serve(_dataset(xod, SMALL))
    first = sync.sync_prepare(school=school)
    applied = sync.sync_finish(run=first)
    planned = sync.sync_prepare(school=school)
    admin = User.objects.create(school=school, role=User.Role.ADMIN, username="head")
    support = User.objects.create_superuser("support", password="x" * 12)

    for name, url in page_urls(school, applied, planned).items():
        client = Client()
        client.force_login(support if name.startswith("admin") else admin)
        _, sql = _counted(partial(_get, client, url))
        reads = _snapshot_reads(sql)
        if name.startswith("step"):
            # The steps plan from the MIS data: one read of the snapshot alone (none
            # where this process keeps it parsed).
            assert len(reads) == 1, (name, len(reads))
            assert all(
                read.startswith('SELECT "wizard_syncrun"."id", "wizard_syncrun"."snapshot"')
                for read in reads
            )
        else:
            assert reads == [], (name, reads[0][:300])


def test_the_admin_counts_change_rows_only_up_to_a_cap(admin_client, school, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "COUNTED", 5)
    run = SyncRun.objects.create(school=school, status=SyncRun.Status.APPLIED)
    SyncChange.objects.bulk_create(
        SyncChange(run=run, target="account", kind="new", role="pupil", name=f"Pupil {n}")
        for n in range(8)
    )
    page = admin_client.get(reverse("admin:wizard_syncchange_changelist")).content.decode()
    assert "6 sync changes" in page  # counted up to the cap and one more, then no further
    assert all(f"Pupil {n}" in page for n in range(8))  # every row still listed

    kinds = admin_client.get(reverse("admin:wizard_syncchange_changelist") + "?kind=leaver")
    assert "0 sync changes" in kinds.content.decode()


def test_planning_again_to_the_same_plan_leaves_the_change_rows_alone(school, xod):
    _empty(school)
    xod.serve(_dataset(xod, SMALL))
    run = sync.sync_prepare(school=school)
    rows = list(run.changes.values_list("id", flat=True))
    assert rows

    _, sql = _counted(lambda: sync.sync_review(run=run))
    assert list(run.changes.values_list("id", flat=True)) == rows  # not rewritten
    assert not [text for text in sql if "wizard_syncchange" in text.split(" WHERE")[0]]

    other = replace(runs.run_settings(run), pupil_username_format="{surname}{forename:1}")
    sync.sync_review(run=run, settings=other)
    assert not set(run.changes.values_list("id", flat=True)) & set(rows)  # a new plan
    assert run.changes.filter(kind="new", role="pupil").exclude(username="").exists()
