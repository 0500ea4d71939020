"""MIS values that do not fit the database (too long, malformed) are listed as errors and
everything else is imported: one bad value never fails the whole apply.

SQLite ignores the lengths of varchar columns, so these only prove the point when run on
PostgreSQL too (DATABASE_URL=postgres://...).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from misclient.upn import make_upn
from tests.wizard.conftest import serve
from tests.wizard.school_data import ESTAB, mis_sync, pupil, staff
from users.models import SchoolClass, User
from wizard.models import SyncChange, SyncRun

pytestmark = pytest.mark.django_db(transaction=False)

VALID_UPN = make_upn("823", "1234", 2020, 7)
LONG_ID = "7" * 65
LONG_REG = "L" * 62  # the fake's group id is "RG-" + name: 65 characters
LONG_CLASS_NAME = "5 " + "Extraordinarily " * 9 + "Long"  # 150 characters, id "RG-5LN"


def _add_bad_records(school_data: Any) -> None:
    school_data.pupils += [
        pupil("301", "Una", "Upn", UPN=VALID_UPN + "00"),  # 15 characters
        pupil("302", "Wes", "Wrong", UPN="C" + VALID_UPN[1:]),  # wrong check letter
        pupil(LONG_ID, "Ida", "Long"),
        pupil("304", "Eli", "Ext", ExternalId="x" * 65),
        pupil("305", "F" * 101, "Name"),
        pupil("306", "Lee", "Longgroup", 5, LONG_REG),
        pupil("307", "Val", "Valid", UPN=f" {VALID_UPN.lower()} "),  # fine: read in capitals
        pupil("308", "Nia", "Named", 5, "5LN"),  # fine: class name cut to 100
    ]
    school_data.staff += [
        staff("401", "Two", "Mails", email="two@school.example, mails@school.example"),
        staff("402", "Huge", "Mail", email="h" * 250 + "@school.example"),
    ]


def _serve_with_long_class_name(xod: Any, school_data: Any) -> None:
    serve(xod, school_data)
    groups = school_data.groups()
    for group in groups:
        if group["Name"] == "5LN":
            group["Name"] = LONG_CLASS_NAME
    xod.app.school(ESTAB).set_rows("Groups", groups)


def test_bad_values_are_errors_and_everything_else_is_imported(school, xod, school_data):
    _add_bad_records(school_data)
    _serve_with_long_class_name(xod, school_data)

    result = mis_sync()

    assert result["status"] == "applied"
    assert result["counts"]["new_pupils"] == 6 + 2
    assert result["counts"]["new_staff"] == 2
    reasons = {e["mis_id"]: e["reason"] for e in result["errors"]}
    assert reasons == {
        "301": f'The MIS UPN "{VALID_UPN}00" is not a valid UPN',
        "302": f'The MIS UPN "C{VALID_UPN[1:]}" is not a valid UPN',
        "7" * 63 + "…": "The MIS Id is longer than 64 characters",
        "304": "The MIS ExternalId is longer than 64 characters",
        "305": "The MIS forename or surname is longer than 100 characters",
        "306": (  # long values are cut short in the reason
            f'Class "{"L" * 39}…" is not imported: its MIS Id is longer than 64 characters'
        ),
        "401": (
            'Work email "two@school.example, mails@school.example" is not a valid email address'
        ),
        "402": f'Work email "{"h" * 39}…" is not a valid email address',
    }
    bad_ids = ["301", "302", "304", "305", "306", "401", "402"]
    assert not User.objects.filter(school=school, mis_id__in=bad_ids).exists()
    assert not User.objects.filter(school=school, surname="Long").exists()

    valid = User.objects.get(school=school, mis_id="307")
    assert valid.upn == VALID_UPN
    named = User.objects.get(school=school, mis_id="308")
    long_class = SchoolClass.objects.get(school=school, mis_id="RG-5LN")
    assert long_class.name == LONG_CLASS_NAME[:100].rstrip()
    assert list(named.classes.all()) == [long_class]
    assert not SchoolClass.objects.filter(school=school, name=LONG_REG).exists()
    # Every line of the run was kept, error lines included.
    rows = SyncChange.objects.filter(run_id=result["run_id"], kind="error")
    assert rows.count() == 8


def test_the_same_feed_again_applies_and_changes_nothing(school, xod, school_data):
    _add_bad_records(school_data)
    _serve_with_long_class_name(xod, school_data)
    mis_sync()

    result = mis_sync()

    assert result["status"] == "applied"
    assert result["counts"]["errors"] == 8
    assert result["counts"]["unchanged"] == 6 + 2 + 2
    assert sum(result["counts"].values()) == 8 + 10


def test_bad_values_for_existing_accounts_leave_them_as_they_are(school, xod, school_data):
    mis_sync()
    john = User.objects.get(school=school, mis_id="101")
    emma = User.objects.get(school=school, mis_id="201")
    school_data.pupils[0] = pupil("101", "John", "Smith", UPN="B80120000500")  # 12 characters
    school_data.pupils[1] = pupil("102", "J" * 101, "Smith")
    school_data.staff[0] = staff("201", "Emma", "Stone", email="emma@@school.example")
    school_data.pupils[3] = pupil("104", "Zoë", "O'Brien", 3, "3AB")  # a real change
    serve(xod, school_data)

    result = mis_sync()

    assert result["status"] == "applied"
    assert {e["mis_id"] for e in result["errors"]} == {"101", "102", "201"}
    assert result["counts"]["moved"] == 1
    assert result["counts"]["leavers"] == 0
    for before in (john, emma):
        after = User.objects.get(pk=before.pk)
        assert (after.upn, after.forename, after.email, after.is_active) == (
            before.upn,
            before.forename,
            before.email,
            True,
        )
    assert User.objects.get(school=school, mis_id="102").forename == "Jack"
    zoe = User.objects.get(school=school, mis_id="104")
    assert [c.name for c in zoe.classes.all()] == ["3AB"]


def test_a_lone_surrogate_in_a_name_never_stops_the_school(school, xod, school_data):
    # Valid JSON from the MIS ("George\ud83d": half an emoji) that PostgreSQL cannot store.
    school_data.pupils.append(pupil("309", "George\ud83d", "Half", 4, "4ES"))
    serve(xod, school_data)

    call_command("mis_sync", "--estab", ESTAB, stdout=io.StringIO())

    george = User.objects.get(school=school, mis_id="309")
    assert (george.forename, george.surname, george.is_active) == ("George", "Half", True)
    assert User.objects.filter(school=school, role="pupil").count() == len(school_data.pupils)
    run = SyncRun.objects.get(school=school)
    assert run.status == SyncRun.Status.APPLIED
    assert run.snapshot is not None
    assert "George" in [p["forename"] for p in run.snapshot["pupils"]]
