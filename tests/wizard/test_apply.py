"""Apply, undo and purge: atomic, idempotent, reversible, with bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from misclient.xod import XodClient
from tests.wizard.conftest import serve
from tests.wizard.school_data import SchoolData, mis_sync, pupil, staff
from tests.wizard.test_sync import accounts_state
from users.models import SchoolClass, User, YearGroup
from wizard.models import SyncChange, SyncRun, SyncSettings
from wizard.services import apply as apply_service
from wizard.services import runs
from wizard.services.lifecycle import SyncError
from wizard.services.purge import leavers_purge, snapshots_forget
from wizard.services.sync import sync_prepare
from wizard.services.undo import sync_run_undo
from wizard.tasks import apply_sync_run, read_and_plan_sync_run

pytestmark = pytest.mark.django_db


def plan_run(school, *, confirm: bool = False) -> SyncRun:
    run = sync_prepare(school=school)
    if confirm and run.status == SyncRun.Status.HELD:
        run = runs.sync_run_confirm_brake(run=run)
    return run


def a_year_later(data: SchoolData) -> SchoolData:
    """Renames one pupil, moves one, one leaves, one joins."""
    pupils = [p for p in data.pupils if p["Id"] != "106"]
    pupils[0] = {**pupils[0], "Forename": "Johnny"}
    pupils[1] = pupil("102", "Jack", "Smith", 5, "5XY")
    pupils.append(pupil("108", "Freya", "Lund", 3, "3AB"))
    return SchoolData(pupils=pupils, staff=data.staff, tutors=data.tutors)


def test_undo_returns_the_database_to_its_prior_state(school, xod, school_data):
    mis_sync()
    prior = accounts_state(school)
    serve(xod, a_year_later(school_data))
    run = plan_run(school, confirm=True)
    apply_service.sync_run_apply(run=run)
    assert accounts_state(school) != prior

    sync_run_undo(run=run)

    created = User.objects.filter(sync_changes__run=run, sync_changes__kind="new")
    assert [u.username for u in created] == ["FreyaL"]
    assert all(u.archived_at and not u.is_active for u in created)
    assert not created[0].classes.exists()
    new_classes = SchoolClass.objects.filter(school=school, name="5XY")
    assert all(c.archived for c in new_classes)
    after = accounts_state(school)
    assert [row for row in after["users"] if row[0] != created[0].pk] == prior["users"]
    assert after["members"] == prior["members"]
    assert [row for row in after["classes"] if row[0] not in {c.pk for c in new_classes}] == (
        prior["classes"]
    )
    run.refresh_from_db()
    assert run.status == SyncRun.Status.UNDONE


def test_undo_is_refused_when_a_later_sync_changed_the_same_accounts(school, xod, school_data):
    mis_sync()
    first = SyncRun.objects.get()
    school_data.pupils[0] = {**school_data.pupils[0], "Surname": "Smythe"}
    serve(xod, school_data)
    mis_sync()
    state = accounts_state(school)

    with pytest.raises(SyncError, match="Undo sync #"):
        sync_run_undo(run=first)
    assert accounts_state(school) == state
    first.refresh_from_db()
    assert first.status == SyncRun.Status.APPLIED


def test_a_crash_midway_through_apply_leaves_the_database_untouched(
    school, xod, school_data, monkeypatch
):
    mis_sync()
    serve(xod, a_year_later(school_data))
    before = accounts_state(school)
    run = plan_run(school, confirm=True)

    def crash(**kwargs):  # after accounts and classes are written, before memberships
        assert User.objects.filter(username="FreyaL").exists()
        raise RuntimeError("worker killed")

    monkeypatch.setattr(apply_service.memberships, "memberships_apply", crash)
    with pytest.raises(RuntimeError):
        apply_service.sync_run_apply(run=run)

    assert accounts_state(school) == before
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "nothing was changed" in run.error


def test_the_same_run_applied_twice_applies_once(school):
    run = plan_run(school)
    assert apply_sync_run.apply(args=(run.pk,)).get() == SyncRun.Status.APPLIED
    state = accounts_state(school)
    assert apply_sync_run.apply(args=(run.pk,)).get() == SyncRun.Status.APPLIED
    assert accounts_state(school) == state
    assert User.objects.filter(school=school).count() == 8


def test_a_summary_made_before_another_sync_was_applied_is_refused(school):
    old = plan_run(school)
    mis_sync()
    state = accounts_state(school)
    with pytest.raises(SyncError, match="changed since this summary"):
        apply_service.sync_run_apply(run=old)
    assert accounts_state(school) == state
    old.refresh_from_db()
    assert old.status == SyncRun.Status.FAILED


def test_a_held_run_is_not_applied(school, xod, school_data):
    mis_sync()
    one_pupil_left = SchoolData(pupils=school_data.pupils[:1], staff=school_data.staff)
    serve(xod, one_pupil_left)
    run = plan_run(school)
    assert run.status == SyncRun.Status.HELD
    with pytest.raises(SyncError, match="held"):
        apply_service.sync_run_apply(run=run)
    assert User.objects.filter(school=school, archived_at__isnull=True).count() == 8
    run.refresh_from_db()
    assert run.status == SyncRun.Status.HELD  # a refusal changes nothing

    run = runs.sync_run_confirm_brake(run=run)
    apply_service.sync_run_apply(run=run)
    assert User.objects.filter(school=school, archived_at__isnull=True).count() == 1 + len(
        school_data.staff
    )
    with pytest.raises(SyncError, match="Only a held sync"):
        runs.sync_run_confirm_brake(run=run)


def _school_of(size: int) -> SchoolData:
    pupils = [
        pupil(str(1000 + n), f"Pupil{n}", f"Surname{n}", 3 + n % 4, f"{3 + n % 4}A")
        for n in range(size)
    ]
    return SchoolData(pupils=pupils, staff=[staff("9", "Emma", "Stone")], tutors={"3A": "9"})


def _apply_queries(school) -> tuple[int, int]:
    """(all queries, queries other than INSERT) of applying a first sync."""
    run = plan_run(school)
    with CaptureQueriesContext(connection) as queries:
        run = apply_service.sync_run_apply(run=run)
    assert run.status == SyncRun.Status.APPLIED
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    return len(queries), len(queries) - len(inserts)


def test_apply_queries_do_not_grow_with_the_number_of_pupils(school, xod):
    counts = []
    for size in (10, 60):
        User.objects.filter(school=school).delete()
        SchoolClass.objects.filter(school=school).delete()
        YearGroup.objects.filter(school=school).delete()
        SyncRun.objects.all().delete()
        SyncSettings.objects.filter(school=school).delete()  # both sizes save them anew
        serve(xod, _school_of(size))
        counts.append(_apply_queries(school))
        assert User.objects.filter(school=school, role="pupil").count() == size
    assert counts[0][1] == counts[1][1]
    # SQLite allows 999 parameters per statement, so Django splits a bulk INSERT into
    # batches there; PostgreSQL takes each bulk INSERT as one statement.
    if connection.vendor == "postgresql":
        assert counts[0][0] == counts[1][0]


def test_leavers_are_purged_after_their_grace_period(school):
    mis_sync()
    today = timezone.localdate()
    User.objects.filter(mis_id="101").update(
        is_active=False, archived_at=timezone.now(), purge_after=today - timedelta(days=1)
    )
    User.objects.filter(mis_id="102").update(
        is_active=False, archived_at=timezone.now(), purge_after=today + timedelta(days=1)
    )
    support = User.objects.create_superuser("support", password="x" * 12)

    assert leavers_purge() == 1
    assert not User.objects.filter(mis_id="101").exists()
    assert User.objects.filter(mis_id="102").exists()
    assert User.objects.filter(pk=support.pk).exists()


def test_a_returning_pupil_gets_the_same_login_back(school, xod, school_data):
    mis_sync()
    amira = User.objects.get(mis_id="106")
    without = SchoolData(
        pupils=school_data.pupils[:-1], staff=school_data.staff, tutors=school_data.tutors
    )
    serve(xod, without)
    assert mis_sync("--confirm-brake")["counts"]["leavers"] == 1
    serve(xod, school_data)

    result = mis_sync()

    assert result["counts"]["returning"] == 1
    returned = User.objects.get(mis_id="106")
    assert (returned.pk, returned.username, returned.password) == (
        amira.pk,
        amira.username,
        amira.password,
    )
    assert returned.is_active
    assert returned.archived_at is None


def test_fetch_task_plans_the_run(school):
    run = runs.sync_run_create(school=school)
    assert read_and_plan_sync_run.apply(args=(run.pk,)).get() == SyncRun.Status.PLANNED
    run.refresh_from_db()
    assert run.counts["new_pupils"] == 6
    assert run.snapshot is not None
    assert run.snapshot["school"]["estab"] == "8231234"


def test_a_permanent_mis_error_fails_the_run_in_words(school, xod):
    xod.app.pause_authorisation("8231234")
    run = runs.sync_run_create(school=school)
    assert read_and_plan_sync_run.apply(args=(run.pk,)).get() == SyncRun.Status.FAILED
    run.refresh_from_db()
    assert run.error.startswith("The MIS could not be read: ")
    assert "paused" in run.error


def test_an_error_line_naming_an_account_does_not_block_undo(school, xod, school_data):
    mis_sync()
    first = SyncRun.objects.get()
    school_data.pupils[0] = {**school_data.pupils[0], "Forename": ""}  # now an error line
    serve(xod, school_data)
    later = mis_sync()
    assert [e["mis_id"] for e in later["errors"]] == ["101"]

    sync_run_undo(run=first)

    first.refresh_from_db()
    assert first.status == SyncRun.Status.UNDONE


def test_undo_is_refused_when_a_later_sync_used_a_class_it_made(school, xod, school_data):
    mis_sync()
    school_data.pupils[0] = pupil("101", "John", "Smith", 5, "5XY")  # makes class 5XY
    serve(xod, school_data)
    mis_sync()
    makes_class = SyncRun.objects.latest("applied_at")
    school_data.pupils.append(pupil("110", "Nina", "Berg", 5, "5XY"))  # joins 5XY
    serve(xod, school_data)
    mis_sync()

    with pytest.raises(SyncError, match="Undo sync #"):
        sync_run_undo(run=makes_class)
    assert SchoolClass.objects.get(school=school, name="5XY").archived is False


def test_an_applied_run_is_never_planned_again(school):
    run = plan_run(school)
    apply_service.sync_run_apply(run=run)
    rows = run.changes.count()
    with pytest.raises(SyncError, match="can no longer be planned"):
        runs.sync_run_plan(run=run)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.APPLIED
    assert run.changes.count() == rows


def test_applying_an_undone_run_changes_nothing(school):
    run = plan_run(school)
    apply_service.sync_run_apply(run=run)
    sync_run_undo(run=run)
    with pytest.raises(SyncError, match="Only a planned sync"):
        apply_service.sync_run_apply(run=run)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.UNDONE


def test_a_second_delivery_of_the_fetch_task_does_nothing(school):
    run = plan_run(school)
    apply_service.sync_run_apply(run=run)
    assert read_and_plan_sync_run.apply(args=(run.pk,)).get() == SyncRun.Status.APPLIED
    assert run.changes.exists()


def test_a_crash_while_planning_is_recorded_on_the_run(school):
    SyncSettings.objects.create(school=school, pupil_username_format="{nickname}")
    run = runs.sync_run_create(school=school)
    read_and_plan_sync_run.apply(args=(run.pk,))
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "nickname" in run.error


def _client_without_waits(school):
    connection = school.mis_connection
    return XodClient.from_settings(
        estab=school.estab,
        secret=connection.secret,
        base_url=connection.base_url,
        token_url=connection.token_url,
        sleep=lambda seconds: None,
    )


def test_transient_mis_errors_are_retried_within_one_budget(school, xod, monkeypatch):
    monkeypatch.setattr(runs, "mis_client_for", _client_without_waits)
    xod.app.fail_next("8231234", 4, status=503)  # fewer than a request's 5 tries
    run = runs.sync_run_create(school=school)

    assert read_and_plan_sync_run.apply(args=(run.pk,)).get() == SyncRun.Status.PLANNED
    run.refresh_from_db()
    assert run.counts["new_pupils"] == 6


def test_the_task_does_not_retry_beyond_the_transport_budget(school, xod, monkeypatch):
    monkeypatch.setattr(runs, "mis_client_for", _client_without_waits)
    xod.app.fail_next("8231234", 5, status=503)  # every one of a request's 5 tries
    run = runs.sync_run_create(school=school)

    assert read_and_plan_sync_run.apply(args=(run.pk,)).get() == SyncRun.Status.FAILED
    run.refresh_from_db()
    assert run.error.startswith("The MIS could not be read: ")
    assert xod.app.request_count("8231234") == 5  # no second round from the task


def test_purge_forgets_all_but_the_username_of_a_purged_leaver(school):
    mis_sync()
    john = User.objects.get(mis_id="101")
    User.objects.filter(pk=john.pk).update(
        is_active=False,
        archived_at=timezone.now(),
        purge_after=timezone.localdate() - timedelta(days=1),
    )
    assert SyncChange.objects.filter(mis_id="101").exists()
    leavers_purge()
    assert not SyncChange.objects.filter(mis_id="101").exists()
    forgotten = SyncChange.objects.get(username=john.username)
    assert (forgotten.account, forgotten.name, forgotten.planned) == (None, "", {})
    assert SyncChange.objects.filter(mis_id="102").exists()


def test_old_runs_forget_the_mis_data_they_read(school, settings):
    mis_sync()
    run = SyncRun.objects.get()
    assert snapshots_forget() == 0
    SyncRun.objects.update(created_at=timezone.now() - timedelta(days=31))
    assert snapshots_forget() == 1
    run.refresh_from_db()
    assert run.snapshot is None
    assert run.changes.exists()
