"""A generated school through a first sync and a year's rollover."""

from __future__ import annotations

from typing import Any

import pytest

from misclient.fake.generate import generate_dataset
from misclient.fake.generate.rollover import rollover_dataset
from tests.wizard.school_data import ESTAB, RELYING_PARTY, SECRET, mis_sync
from users.models import User
from wizard.models import SyncSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset() -> dict[str, Any]:
    return generate_dataset(
        pupils=140,
        staff=16,
        phase="primary",
        seed=7,
        estab=ESTAB,
        secret=SECRET,
        relying_party=RELYING_PARTY,
    )


@pytest.fixture
def fake_xod_dataset(dataset) -> dict[str, Any]:
    return dataset


def students(dataset) -> dict[str, dict[str, Any]]:
    """Pupils on roll (a rollover keeps last year's leavers, with StudentStatus Leaver)."""
    rows = dataset["schools"][0]["Students"]
    return {r["ExternalId"]: r for r in rows if r.get("StudentStatus", "OnRoll") == "OnRoll"}


def test_first_sync_of_a_generated_school(school, dataset):
    SyncSettings.objects.create(school=school, staff_scope="all")
    result = mis_sync()

    pupils = students(dataset)
    not_imported = {e["mis_id"] for e in result["errors"]}
    with_class = {row["Id"] for row in pupils.values() if row.get("RegGroup")}
    assert result["status"] == "applied"
    assert result["counts"]["new_pupils"] == len(with_class - not_imported)
    assert not_imported  # the generator leaves some pupils out of any registration group
    assert {row["Id"] for row in pupils.values()} - with_class <= not_imported
    created = User.objects.filter(school=school, role="pupil")
    assert created.count() == result["counts"]["new_pupils"]
    assert all(
        u.memberships.filter(school_class__kind="registration").count() == 1 for u in created
    )
    usernames = [u.lower() for u in User.objects.values_list("username", flat=True)]
    assert len(usernames) == len(set(usernames))
    assert all(len(u) <= 20 and u.isalnum() for u in usernames)
    staff = dataset["schools"][0]["Staff"]
    no_email = {row["Id"] for row in staff if not row.get("WorkEmail")}
    assert no_email  # the generator leaves a few staff without an email
    assert no_email <= {e["mis_id"] for e in result["errors"] if "email" in e["reason"]}
    assert User.objects.filter(school=school, role="staff").count() == len(staff) - len(no_email)


def test_rollover_moves_everyone_up_archives_the_top_year_and_creates_the_intake(
    school, xod, dataset
):
    mis_sync()
    next_year = rollover_dataset(dataset, seed=7)
    xod.serve(next_year)
    old, new = students(dataset), students(next_year)
    linked = {u.mis_external_id: u for u in User.objects.filter(school=school, role="pupil")}

    with pytest.raises(SystemExit) as held:
        mis_sync()  # a whole year group leaves: more than the brake's 10%
    assert held.value.code == 3
    result = mis_sync("--confirm-brake")

    assert result["status"] == "applied"
    accounts = {u.mis_external_id: u for u in User.objects.filter(school=school, role="pupil")}
    errors = {e["mis_id"] for e in result["errors"]}
    stayed = [ext for ext in linked if ext in new and new[ext]["Id"] not in errors]
    assert stayed
    for ext in stayed:
        user = accounts[ext]
        assert user.is_active
        assert user.year_group is not None
        assert user.year_group.name.split()[-1] in new[ext]["YearGroup"].split()[-1]
        assert [c.name for c in user.classes.filter(kind="registration")] == [new[ext]["RegGroup"]]
        assert user.username == linked[ext].username
    gone = [ext for ext in linked if ext not in new]
    assert gone
    assert all(accounts[ext].archived_at is not None for ext in gone)
    leavers = [(a["role"], a["action"]) for a in result["accounts"] if a["action"] == "leaver"]
    assert leavers.count(("pupil", "leaver")) == len(gone)
    assert ("staff", "leaver") in leavers  # a teacher left
    intake = [
        ext
        for ext in new
        if ext not in old and new[ext]["Id"] not in errors and new[ext].get("RegGroup")
    ]
    assert intake
    assert all(ext in accounts and accounts[ext].is_active for ext in intake)
    assert result["counts"]["moved"] == len(stayed)
