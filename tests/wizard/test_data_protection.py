"""Data protection (issue 11, item 7): what is stored about a pupil or a member of staff
is only what DESIGN.md lists ("store only what logins and classes need: names, ids, UPN,
year, groups, staff email and role. Never SEN, FSM, ethnicity, address or the like").

The allow-lists below are that sentence, field by field: a new field on an account, on
a model about people, in the MIS snapshot a run stores, or in a stored plan line fails
here until it is added with the reason it is needed. Leavers' purge is in test_apply.py
and test_engine_paths.py; what it leaves of them is checked at the end of this file."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from misclient.snapshot import MisGroup, MisPupil, MisSchool, MisSnapshot, MisStaff, ParseProblem
from tests.wizard.school_data import SchoolData, mis_sync, small_school
from users.models import ClassMembership, User
from wizard.models import NotDuplicate, SyncRun
from wizard.planner.types import AccountChange
from wizard.services.purge import leavers_purge

# Every field of every model of the users and wizard apps, by model.
ACCOUNT = {
    # who: the names, role and school (DESIGN.md: names, staff email and role)
    "id", "school", "role", "forename", "surname", "email",
    # year and groups
    "year_group", "classes",
    # the MIS link (ids, UPN)
    "mis_source", "mis_external_id", "mis_id", "upn",
    # signing in: username, the password's hash and its printable copy (encrypted)
    "username", "password", "password_format", "printable_password", "last_login",
    # the account's life: created, archived, purged after the grace period
    "is_active", "date_joined", "archived_at", "purge_after",
    # support staff's Django admin rights
    "is_staff", "is_superuser", "groups", "user_permissions",
}  # fmt: skip
MODELS = {
    "users.User": ACCOUNT,
    "users.School": {"id", "name", "estab", "slug", "created_at"},
    "users.YearGroup": {"id", "school", "code", "name", "position"},
    "users.SchoolClass": {
        "id",
        "school",
        "name",
        "kind",
        "subject",
        "mis_id",
        "year_group",
        "archived",
        "members",
    },  # fmt: skip
    "users.ClassMembership": {"id", "school_class", "user", "role"},
    # Tries at a sign-in page and locks, kept 30 days for the lockout (users/lockout.py).
    "users.SignInAttempt": {"id", "school", "username", "account", "ip_address", "outcome", "at"},
    "users.AccountLock": {
        "id",
        "school",
        "username",
        "account",
        "locked_at",
        "until",
        "unlocked_at",
        "unlocked_by",
    },  # fmt: skip
    "wizard.MisConnection": {
        "id",
        "school",
        "source",
        "secret_encrypted",
        "base_url",
        "token_url",
        "last_checked_at",
        "last_error",
        # what Groupcall says the school shares and calls itself, and when it consented
        "state",
        "scopes_granted",
        "authorised_at",
        "mis_school_name",
        "confirmed_mis_name",
    },  # fmt: skip
    # Who asked Groupcall for the school's consent: the contact Groupcall emails (a
    # member of staff's work details), the data asked for, and Groupcall's answer.
    "wizard.GroupcallInvitation": {
        "id",
        "school",
        "status",
        "estab",
        "token_hash",
        "scopes_requested",
        "contact_first_name",
        "contact_last_name",
        "contact_email",
        "contact_phone",
        "invited_by",
        "created_at",
        "message",
        "consented_at",
        "install_completed_at",
    },  # fmt: skip
    "wizard.SyncSettings": {
        "id",
        "school",
        "pupil_username_format",
        "staff_username_format",
        "staff_scope",
        "password_formats",
        "year_mapping",
        "subject_groups",
        "leaver_grace_days",
        "brake_percent",
        "updated_at",
    },  # fmt: skip
    "wizard.NotDuplicate": {"id", "school", "mis_id", "account", "created_at"},
    "wizard.SyncRun": {
        "id",
        "school",
        "status",
        "started_by",
        "created_at",
        "fetched_at",
        "planned_at",
        "apply_requested_at",
        "applied_at",
        "undone_at",
        "progress",
        "error",
        "plan_digest",  # a hash of the plan shown, to tell a changed plan from the same one
        # the MIS snapshot (SNAPSHOT_RETENTION_DAYS), settings, answers, counts, undo's report
        "snapshot",
        "settings_used",
        "decisions",
        "counts",
        "undo_report",
        "hold_reasons",
    },  # fmt: skip
    "wizard.SyncChange": {
        "id",
        "run",
        "target",
        "kind",
        "role",
        "mis_id",
        "name",
        "username",
        "reason",
        "account",
        "school_class",
        "planned",
        "prior",
        "written",
    },  # fmt: skip
}
# The MIS snapshot a run stores, per record (misclient/snapshot.py).
SNAPSHOT = {
    MisSchool: {"estab"},
    MisPupil: {
        "mis_id",
        "external_id",
        "upn",
        "former_upn",
        "forename",
        "surname",
        "year_group",
        "registration_group",
        "registration_group_id",
        "group_ids",
        "status",
    },  # fmt: skip
    MisStaff: {"mis_id", "external_id", "forename", "surname", "email", "is_teacher", "status"},
    MisGroup: {
        "mis_id",
        "kind",
        "name",
        "code",
        "subject_code",
        "subject_name",
        "pupil_ids",
        "staff_ids",
    },  # fmt: skip
    ParseProblem: {"endpoint", "reason", "row_number", "mis_id"},
    MisSnapshot: {
        "school",
        "pupils",
        "staff",
        "groups",
        "fetched_at",
        "source",
        "problems",
        "missing_scopes",
    },  # fmt: skip
}
# One person's line of a stored plan (SyncChange.planned).
PLAN_LINE = {
    "category", "role", "mis_id", "forename", "surname", "username", "account_id",
    "external_id", "upn", "email", "year", "mis_year", "registration_group", "class_mis_ids",
    "password_format", "before", "after", "reason", "reason_code", "candidate_account_id",
    "candidate_username",
}  # fmt: skip
# What an MIS may send that must never be stored: marked values, found nowhere after a sync.
SENSITIVE = {
    "SENStatus": "SEN-marker-EHCP",
    "FSMEligible": "FSM-marker-yes",
    "Ethnicity": "Ethnicity-marker-WBRI",
    "AddressLine1": "1 Marker Lane",
    "MedicalNotes": "Medical-marker-asthma",
    "Religion": "Religion-marker",
    "DateofBirth": "2015-03-17T00:00:00",
}
NOT_IN_THE_TABLE = "{} is not in the allow-list: add it, with why it is needed (DESIGN.md)"


def stored_fields(label: str) -> set[str]:
    model = apps.get_model(label)
    return {f.name for f in model._meta.get_fields() if f.concrete or f.many_to_many}


@pytest.mark.parametrize("label", sorted(MODELS))
def test_each_model_stores_only_the_listed_fields(label):
    assert stored_fields(label) == MODELS[label]


def test_every_model_of_the_apps_is_in_the_allow_list():
    models = {
        model._meta.label
        for app in ("users", "wizard", "misclient")
        for model in apps.get_app_config(app).get_models()
    }
    assert models <= set(MODELS), NOT_IN_THE_TABLE.format(sorted(models - set(MODELS)))


@pytest.mark.parametrize("record", list(SNAPSHOT), ids=lambda record: record.__name__)
def test_the_snapshot_keeps_only_the_listed_fields(record):
    assert {f.name for f in fields(record)} == SNAPSHOT[record]


def test_a_plan_line_keeps_only_the_listed_fields():
    assert {f.name for f in fields(AccountChange)} == PLAN_LINE


@pytest.fixture
def school_data() -> SchoolData:
    data = small_school()
    data.pupils[0] |= SENSITIVE
    data.staff[0] |= {"AddressLine1": SENSITIVE["AddressLine1"], "Religion": "Religion-marker"}
    return data


@pytest.mark.django_db
def test_what_the_mis_sends_beyond_the_list_is_stored_nowhere(school):
    assert mis_sync()["status"] == "applied"
    run = SyncRun.objects.get()
    assert run.snapshot is not None
    for pupil in run.snapshot["pupils"]:
        assert set(pupil) == SNAPSHOT[MisPupil]
    for member in run.snapshot["staff"]:
        assert set(member) == SNAPSHOT[MisStaff]
    for line in run.changes.exclude(planned={}).values_list("planned", flat=True):
        assert set(line) <= PLAN_LINE | {"kind", "class_id", "subject", "name"}
    stored = json.dumps(
        [
            list(SyncRun.objects.values()),
            list(run.changes.values()),
            list(User.objects.values()),
        ],
        default=str,
    )
    assert "Amira" in stored
    for value in SENSITIVE.values():
        assert value[:10] not in stored


@pytest.mark.django_db
def test_a_purged_leaver_leaves_no_membership_or_answer_behind(school):
    """Fills a gap beside test_apply.py's purge tests: the leaver's class memberships and
    "not a duplicate" answers go with the account; their change rows keep only the
    username (test_purge_forgets_all_but_the_username_of_a_purged_leaver)."""
    mis_sync()
    amira = User.objects.get(forename="Amira")
    NotDuplicate.objects.create(school=school, mis_id="999", account=amira)
    assert ClassMembership.objects.filter(user=amira).exists()
    User.objects.filter(pk=amira.pk).update(
        is_active=False,
        archived_at=timezone.now(),
        purge_after=timezone.localdate() - timedelta(days=1),
    )
    assert leavers_purge() == 1
    assert not ClassMembership.objects.filter(user_id=amira.pk).exists()
    assert not NotDuplicate.objects.filter(account_id=amira.pk).exists()
    assert not run_rows_naming(amira.pk)


def run_rows_naming(account_id: int) -> bool:
    return SyncRun.objects.filter(changes__account_id=account_id).exists()
