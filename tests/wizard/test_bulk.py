"""Writing many rows at once (`wizard/services/bulk.py`): what is read back is what was
written, on PostgreSQL (COPY, UPDATE ... FROM unnest) as on SQLite (Django's bulk methods)."""

from __future__ import annotations

import pytest

from users.models import ClassMembership, School, SchoolClass, User
from wizard.models import SyncChange, SyncRun, SyncSettings
from wizard.services.bulk import bulk_insert_rows, bulk_update_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def run() -> SyncRun:
    school = School.objects.create(name="Bulk Primary", estab="9990101", slug="bulk")
    return SyncRun.objects.create(school=school)


def test_inserted_rows_read_back_as_written_json_and_nulls_included(run):
    planned = {"after": {"surname": "O'Brien \u00e9\u00e8", "classes": [1, 2]}, "n": None}
    rows = [
        SyncChange(run=run, target="account", kind="new", name=f"Pupil {n}", planned=planned)
        for n in range(3)
    ] + [SyncChange(run=run, target="class", kind="new", name="Tab\there", prior=None)]

    assert bulk_insert_rows(rows) == 4

    stored = list(SyncChange.objects.filter(run=run).order_by("id"))
    assert [row.name for row in stored] == ["Pupil 0", "Pupil 1", "Pupil 2", "Tab\there"]
    assert stored[0].planned == planned
    assert stored[3].planned == {}
    assert stored[3].prior is None
    assert all(row.pk for row in stored)


def test_inserted_rows_get_what_an_insert_would_save(run):
    row = SyncSettings(school=run.school, leaver_grace_days=30)
    bulk_insert_rows([row])
    stored = SyncSettings.objects.get(school=run.school)
    assert stored.leaver_grace_days == 30
    assert stored.updated_at is not None  # auto_now, as save() would set it


def test_nothing_to_insert_or_update_sends_nothing(run, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_insert_rows([]) == 0
        assert bulk_update_rows([], ["name"]) == 0


def test_memberships_inserted_and_updated_rows_read_back(run):
    pupil = User.objects.create(school=run.school, username="amy", role="pupil")
    group = SchoolClass.objects.create(school=run.school, name="3AB")
    bulk_insert_rows([ClassMembership(user=pupil, school_class=group)])
    assert ClassMembership.objects.get().role == ClassMembership.Role.PUPIL

    rows = [SyncChange(run=run, target="account", kind="new", name=f"P{n}") for n in range(2)]
    bulk_insert_rows(rows)
    stored = list(SyncChange.objects.filter(run=run).order_by("id"))
    for row in stored:
        row.written = {"username": row.name.lower()}
    assert bulk_update_rows(stored, ["written"]) == 2
    assert [r.written for r in SyncChange.objects.order_by("id")] == [
        {"username": "p0"},
        {"username": "p1"},
    ]
