"""Property: whatever the MIS sends, applying a plan and planning again changes nothing."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from misclient.snapshot import MisSnapshot, snapshot_to_dict
from tests.users.factories import SchoolFactory
from tests.wizard.planner_factories import pupil, snapshot
from users.models import User
from wizard.models import SyncRun
from wizard.planner.types import Category
from wizard.services import apply, runs

pytestmark = pytest.mark.django_db

names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12)
pupil_rows = st.lists(
    st.tuples(
        names,
        names,
        st.sampled_from(["Year 3", "Y4", "Reception", "Year  6", "Yr 9"]),
        st.sampled_from(["A", "B", ""]),
    ),
    max_size=12,
)


def _snapshot(rows: list[tuple[str, str, str, str]], first_id: int = 0) -> MisSnapshot:
    return snapshot(
        pupils=[
            pupil(
                str(n),
                forename,
                surname,
                year=year,
                reg=f"{year[-1]}{reg}" if reg else "",
                external_id=f"x{n}",
            )
            for n, (forename, surname, year, reg) in enumerate(rows, start=first_id)
        ]
    )


def _planned_run(school, snapshot: MisSnapshot) -> SyncRun:
    run = SyncRun.objects.create(school=school, snapshot=snapshot_to_dict(snapshot))
    runs.sync_run_plan(run=run)
    run.refresh_from_db()
    if run.status == SyncRun.Status.HELD:
        run = runs.sync_run_confirm_brake(run=run)
    return run


def _assert_all_unchanged(school, snapshot: MisSnapshot) -> None:
    again = runs.sync_run_plan(run=_planned_run(school, snapshot))
    touched = [c for c in again.accounts if c.category not in (Category.UNCHANGED, Category.ERROR)]
    assert touched == []
    # Every live account is unchanged, or kept as it is beside its record's error line.
    active = set(
        User.objects.filter(school=school, archived_at__isnull=True).values_list("pk", flat=True)
    )
    assert {c.account_id for c in again.accounts if c.account_id} == active
    usernames = [u.lower() for u in User.objects.values_list("username", flat=True)]
    assert len(usernames) == len(set(usernames))


_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(rows=pupil_rows)
def test_plan_apply_plan_is_all_unchanged(rows):
    with transaction.atomic():
        school = SchoolFactory.create()
        snapshot = _snapshot(rows)
        apply.sync_run_apply(run=_planned_run(school, snapshot))
        _assert_all_unchanged(school, snapshot)
        transaction.set_rollback(True)


@_SETTINGS
@given(before=pupil_rows, after=pupil_rows, shift=st.integers(0, 6))
def test_a_changed_feed_applied_then_planned_again_is_all_unchanged(before, after, shift):
    """The second feed keeps some ids (renames, moves), drops some (leavers) and adds some
    (joiners): whatever it is, once applied there is nothing left to do."""
    with transaction.atomic():
        school = SchoolFactory.create()
        apply.sync_run_apply(run=_planned_run(school, _snapshot(before)))
        changed = _snapshot(after, first_id=shift)
        apply.sync_run_apply(run=_planned_run(school, changed))
        _assert_all_unchanged(school, changed)
        transaction.set_rollback(True)
