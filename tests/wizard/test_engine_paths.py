"""The engine as one path: undo keeps what changed since, reactivation stops a purge,
personal data is forgotten on schedule, runs move through one table of statuses, and the
command and the worker leave the same settings behind."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.wizard.conftest import serve
from tests.wizard.school_data import ESTAB, SchoolData, mis_sync, pupil, staff
from users.models import School, User
from wizard.models import SyncChange, SyncRun, SyncSettings
from wizard.services import lifecycle
from wizard.services.purge import leavers_purge, snapshots_forget
from wizard.services.sync import sync_prepare
from wizard.tasks import apply_sync_run, fail_stuck_runs, read_and_plan_sync_run

pytestmark = pytest.mark.django_db

Status = SyncRun.Status


def undo_json(run_id: int) -> dict:
    out = io.StringIO()
    call_command("mis_sync", "--estab", ESTAB, "--undo", str(run_id), "--json", stdout=out)
    return json.loads(out.getvalue())


def a_changed_feed(data: SchoolData) -> SchoolData:
    """Emma Stone's email changes; Amira leaves; John Smith (101) moves to 3AB."""
    staff_rows = [staff("201", "Emma", "Stone", email="emma.stone@school.example"), data.staff[1]]
    pupils = [p for p in data.pupils if p["Id"] != "106"]
    pupils[0] = pupil("101", "John", "Smith", 3, "3AB")
    return SchoolData(pupils=pupils, staff=staff_rows, tutors=data.tutors)


# -- Undo never overwrites a later change (item 3) --------------------------------------


def test_undo_keeps_and_lists_what_an_administrator_changed_since(school, xod, school_data):
    mis_sync()
    serve(xod, a_changed_feed(school_data))
    run_id = mis_sync("--confirm-brake")["run_id"]
    emma = User.objects.get(mis_id="201", role="staff")
    assert emma.email == "emma.stone@school.example"
    # By hand, after the sync: Emma's email again, and Amira (archived by it) reactivated.
    User.objects.filter(pk=emma.pk).update(email="e.stone@school.example")
    amira = User.objects.get(mis_id="106")
    amira.is_active, amira.archived_at, amira.purge_after = True, None, None
    amira.save()

    result = undo_json(run_id)

    assert result["status"] == "undone"
    assert result["missing"] == []
    kept = {entry["username"]: entry["fields"] for entry in result["kept"]}
    assert kept == {
        emma.username: ["email"],
        amira.username: ["active", "archived", "purge date"],
    }
    emma.refresh_from_db()
    assert emma.email == "e.stone@school.example"  # kept, not put back
    amira.refresh_from_db()
    assert amira.is_active
    assert amira.archived_at is None
    john = User.objects.get(mis_id="101", role="pupil")
    assert john.year_group is not None
    assert john.year_group.code == "4"  # unchanged since the sync: restored
    assert [c.name for c in john.classes.all()] == ["4ES"]
    run = SyncRun.objects.get(pk=run_id)
    assert run.undo_report["kept"] == result["kept"]


def test_undo_names_the_accounts_purged_since(school, xod, school_data):
    mis_sync()
    serve(xod, a_changed_feed(school_data))
    run_id = mis_sync("--confirm-brake")["run_id"]
    amira = User.objects.get(mis_id="106")
    User.objects.filter(pk=amira.pk).update(purge_after=timezone.localdate() - timedelta(days=1))
    assert leavers_purge() == 1

    result = undo_json(run_id)

    assert result["missing"] == [amira.username]
    assert not User.objects.filter(username=amira.username).exists()


def test_a_refused_undo_exits_1_with_the_reason(school):
    run_id = mis_sync("--dry-run")["run_id"]
    with pytest.raises(CommandError, match="Only an applied sync can be undone"):
        undo_json(run_id)


def test_undo_of_a_run_recorded_before_written_states_restores_as_before(school, xod, school_data):
    mis_sync()
    serve(xod, a_changed_feed(school_data))
    run_id = mis_sync("--confirm-brake")["run_id"]
    # A run applied by an older version: no `written` state, and `prior` without a field.
    for row in SyncChange.objects.filter(run_id=run_id):
        prior = dict(row.prior or {})
        prior.pop("mis_source", None)
        SyncChange.objects.filter(pk=row.pk).update(written=None, prior=prior or None)

    assert undo_json(run_id)["kept"] == []
    assert User.objects.get(mis_id="106").is_active


# -- Reactivating an account stops its purge (item 4) -----------------------------------


def test_ticking_active_in_admin_stops_the_purge(school, xod, school_data, admin_client):
    mis_sync()
    serve(xod, a_changed_feed(school_data))
    mis_sync("--confirm-brake")
    amira = User.objects.get(mis_id="106")
    assert amira.purge_after is not None
    form = admin_client.get(f"/admin/users/user/{amira.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(is_active="on", school=school.pk, groups=[], user_permissions=[])
    response = admin_client.post(f"/admin/users/user/{amira.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    amira.refresh_from_db()
    assert (amira.is_active, amira.archived_at, amira.purge_after) == (True, None, None)
    assert leavers_purge(today=timezone.localdate() + timedelta(days=365)) == 0
    assert User.objects.filter(pk=amira.pk).exists()


def test_the_purge_never_deletes_an_active_account(school):
    mis_sync()
    past = timezone.localdate() - timedelta(days=1)
    User.objects.filter(mis_id="101").update(archived_at=timezone.now(), purge_after=past)
    User.objects.filter(mis_id="102").update(
        is_active=False, archived_at=timezone.now(), purge_after=past
    )
    assert leavers_purge() == 1
    assert User.objects.filter(mis_id="101").exists()
    assert not User.objects.filter(mis_id="102").exists()


# -- Personal data is forgotten on schedule (item 10) -----------------------------------


def test_error_and_duplicate_rows_forget_their_people_after_the_retention(school, xod, settings):
    data = SchoolData(
        pupils=[
            pupil("101", "John", "Smith"),
            pupil("102", "Nia", "Jones", year="Year 99"),  # unmapped: an error line
            pupil("103", "Sam", "Lee", UPN="X999"),  # an invalid UPN: an error line
        ],
        staff=[staff("201", "Emma", "Stone")],
    )
    serve(xod, data)
    mis_sync()
    run = SyncRun.objects.get()
    errors = run.changes.filter(kind="error")
    assert {row.mis_id for row in errors} == {"102", "103"}
    snapshots_forget()
    assert {row.name for row in run.changes.filter(kind="error")} == {"Nia Jones", "Sam Lee"}

    SyncRun.objects.update(created_at=timezone.now() - timedelta(days=31))
    assert snapshots_forget() == 1

    for row in run.changes.filter(kind="error"):
        assert (row.name, row.mis_id, row.username, row.reason) == ("", "", "", "")
        assert (row.planned, row.prior, row.written) == ({}, None, None)
    kept = run.changes.get(kind="new", role="pupil")
    assert kept.name == "John Smith"  # an account that exists: its row stays


# -- The run's life in one table (item 14) ----------------------------------------------


def test_every_status_has_its_moves_and_final_ones_have_none():
    assert set(lifecycle.TRANSITIONS) == set(Status.values)
    assert lifecycle.TRANSITIONS[Status.FAILED] == frozenset()
    assert lifecycle.TRANSITIONS[Status.UNDONE] == frozenset()
    assert lifecycle.sources_of(Status.APPLYING) == [Status.PLANNED]
    assert not lifecycle.may_move(Status.APPLIED, Status.PLANNED)


def test_a_move_the_table_forbids_changes_nothing(school):
    run = sync_prepare(school=School.objects.get(estab=ESTAB))
    assert run.status == Status.PLANNED
    assert lifecycle.run_move(run, Status.UNDONE) is False
    run.refresh_from_db()
    assert run.status == Status.PLANNED


def test_runs_stuck_reading_or_applying_fail_in_words(school, settings):
    settings.CELERY_TASK_TIME_LIMIT = 60
    settings.CELERY_VISIBILITY_TIMEOUT = 120
    long_ago = timezone.now() - timedelta(seconds=241)
    reading = SyncRun.objects.create(school=school, created_at=long_ago)
    recent = SyncRun.objects.create(school=school)
    waiting = sync_prepare(school=school)
    SyncRun.objects.filter(pk=waiting.pk).update(apply_requested_at=long_ago)

    assert fail_stuck_runs.apply().get() == 2

    statuses = dict(SyncRun.objects.values_list("pk", "status"))
    assert statuses[reading.pk] == statuses[waiting.pk] == Status.FAILED
    assert statuses[recent.pk] == Status.FETCHING
    assert SyncRun.objects.get(pk=reading.pk).error == lifecycle.STUCK_READING
    assert SyncRun.objects.get(pk=waiting.pk).error == lifecycle.STUCK_APPLYING
    # A redelivered task that comes after all finds a failed run and changes nothing.
    assert apply_sync_run.apply(args=(waiting.pk,)).get() == Status.FAILED
    assert not User.objects.filter(school=school).exists()


# -- One path: the command and the worker agree (item 11) -------------------------------


def _saved(school: School) -> dict:
    saved = SyncSettings.objects.get(school=school)
    return {
        "pupil_username_format": saved.pupil_username_format,
        "staff_username_format": saved.staff_username_format,
        "staff_scope": saved.staff_scope,
        "password_formats": saved.password_formats,
        "year_mapping": saved.year_mapping,
        "subject_groups": saved.subject_groups,
    }


def test_the_command_and_the_worker_save_the_same_settings(school, xod):
    mis_sync()
    by_command = _saved(school)
    assert by_command["year_mapping"] == {"Year 3": "3", "Year 4": "4"}

    SyncSettings.objects.filter(school=school).delete()
    run = SyncRun.objects.create(school=school)
    assert read_and_plan_sync_run.apply(args=(run.pk,)).get() == Status.PLANNED
    assert not SyncSettings.objects.filter(school=school).exists()  # only an apply saves
    assert apply_sync_run.apply(args=(run.pk,)).get() == Status.APPLIED

    assert _saved(school) == by_command


def test_the_undo_preview_says_what_undo_would_keep_and_changes_nothing(school, xod, school_data):
    from wizard.services.undo import sync_run_undo_preview

    mis_sync()
    serve(xod, a_changed_feed(school_data))
    run = SyncRun.objects.get(pk=mis_sync("--confirm-brake")["run_id"])
    User.objects.filter(mis_id="201", role="staff").update(email="e.stone@school.example")

    report = sync_run_undo_preview(run=run)

    assert report.kept == [{"username": "EStone", "fields": ["email"]}]
    run.refresh_from_db()
    assert run.status == Status.APPLIED
    assert User.objects.get(mis_id="106").archived_at is not None  # nothing was undone


def test_undo_then_sync_again_links_the_hand_made_class_again(school):
    from users.models import SchoolClass

    SchoolClass.objects.create(school=school, name="4ES")
    first = mis_sync()["run_id"]
    assert SchoolClass.objects.get(school=school, name="4ES").mis_id == "RG-4ES"
    undo_json(first)
    assert SchoolClass.objects.get(school=school, name="4ES").mis_id == ""

    mis_sync()

    classes = SchoolClass.objects.filter(school=school, name="4ES")
    assert [(c.mis_id, c.archived) for c in classes] == [("RG-4ES", False)]
