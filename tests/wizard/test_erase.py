"""Erasing one person on request (issue 11, item 7): `manage.py erase_person` and Django
admin's action remove the account, memberships, sign-in records and change rows about
them, rewrite the stored runs without their rows, leave everyone else as they were, and
say what was removed in words."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.wizard.school_data import SchoolData, mis_sync, pupil, small_school
from users.models import AccountLock, ClassMembership, School, SignInAttempt, User
from wizard.models import NotDuplicate, SyncChange, SyncRun
from wizard.services import erase

pytestmark = pytest.mark.django_db

AMIRA = ("106", "Amira", "Haddad")  # a pupil of 3AB in small_school
ORLA = ("107", "Orla", "Quinlivan")  # no registration group: not imported, in the run only


@pytest.fixture
def school_data() -> SchoolData:
    data = small_school()
    data.pupils.append(pupil(ORLA[0], ORLA[1], ORLA[2], 4, reg=None))
    return data


@pytest.fixture
def synced(school: School) -> School:
    assert mis_sync()["status"] == "applied"
    return school


def stored_text(school: School) -> str:
    """Everything the school's runs and change rows hold, as JSON text."""
    runs = SyncRun.objects.filter(school=school)
    rows = SyncChange.objects.filter(run__school=school)
    return json.dumps(
        [list(runs.values("snapshot", "decisions", "undo_report", "settings_used", "counts"))]
        + [list(rows.values("name", "username", "mis_id", "planned", "prior", "written"))],
        default=str,
    )


def snapshot_ids(school: School) -> set[str]:
    snapshot = SyncRun.objects.get(school=school).snapshot
    assert snapshot is not None
    people = {row["mis_id"] for row in snapshot["pupils"] + snapshot["staff"]}
    members = {i for group in snapshot["groups"] for i in group["pupil_ids"]}
    return people | members


def erase_person(*args: str) -> str:
    out = io.StringIO()
    call_command("erase_person", *args, stdout=out)
    return out.getvalue().strip()


def test_erasing_a_pupil_by_username_removes_her_everywhere(synced: School):
    amira = User.objects.get(school=synced, forename=AMIRA[1])
    SignInAttempt.objects.create(school=synced, username=amira.username.lower(), outcome="wrong")
    AccountLock.objects.create(
        school=synced,
        username=amira.username.lower(),
        account=amira,
        until=timezone.now() + timedelta(minutes=15),
    )
    others = set(User.objects.filter(school=synced).exclude(pk=amira.pk).values_list("pk"))
    assert AMIRA[2] in stored_text(synced)
    assert AMIRA[0] in snapshot_ids(synced)

    said = erase_person("--school", synced.slug, "--username", amira.username)

    assert not User.objects.filter(pk=amira.pk).exists()
    assert not ClassMembership.objects.filter(user_id=amira.pk).exists()
    assert not SyncChange.objects.filter(account_id=amira.pk).exists()
    assert not SignInAttempt.objects.filter(username__iexact=amira.username).exists()
    assert not AccountLock.objects.filter(username__iexact=amira.username).exists()
    text = stored_text(synced)
    assert AMIRA[1] not in text
    assert AMIRA[2] not in text
    assert f"ext-{AMIRA[0]}" not in text
    assert AMIRA[0] not in snapshot_ids(synced)
    # Everyone else is as they were, in the accounts and in the run.
    assert set(User.objects.filter(school=synced).values_list("pk")) == others
    assert "Zoe" in text or "Zoë" in text
    assert {"101", "102", "103", "104", "105"} <= snapshot_ids(synced)
    assert said == (
        f"Erased {amira.username}: one account, one class membership, one sync change row, "
        "one sync run rewritten without them, no other change rows no longer naming them, "
        "one sign-in record, one lock, no answers about possible duplicates."
    )


def test_a_person_the_mis_sent_who_never_had_an_account_is_erased_by_mis_id(synced: School):
    assert ORLA[2] in stored_text(synced)
    accounts = User.objects.count()

    said = erase_person("--school", synced.slug, "--mis-id", ORLA[0], "--role", "pupil")

    assert ORLA[1] not in stored_text(synced)
    assert ORLA[2] not in stored_text(synced)
    assert ORLA[0] not in snapshot_ids(synced)
    assert User.objects.count() == accounts
    assert said.startswith("Erased pupil 107: no accounts, no class memberships, one sync change")


def test_a_staff_mis_id_is_not_a_pupils(synced: School):
    """Pupil 201 and staff 201 would be two people: erasing staff 201 keeps pupils."""
    emma = User.objects.get(school=synced, mis_id="201", role=User.Role.STAFF)
    pupils = User.objects.filter(school=synced, role=User.Role.PUPIL).count()
    said = erase_person("--school", synced.slug, "--mis-id", "201", "--role", "staff")
    assert not User.objects.filter(pk=emma.pk).exists()
    assert User.objects.filter(school=synced, role=User.Role.PUPIL).count() == pupils
    assert "Stone" not in stored_text(synced)
    assert said.startswith(f"Erased {emma.username}: one account")


def test_an_answer_about_a_possible_duplicate_goes_too(synced: School):
    amira = User.objects.get(school=synced, forename=AMIRA[1])
    NotDuplicate.objects.create(school=synced, mis_id="999", account=amira)
    run = SyncRun.objects.get(school=synced)
    run.decisions = {"not_duplicates": [["999", amira.pk]], "links": {"pupil:106": amira.pk}}
    run.save()
    report = erase.person_erase(
        school=synced, person=erase.person_find(school=synced, username=amira.username)
    )
    assert report.duplicate_answers == 1
    run.refresh_from_db()
    assert run.decisions["not_duplicates"] == []
    assert run.decisions["links"] == {}


def test_nobody_found_changes_nothing_and_says_why(synced: School):
    before = stored_text(synced), User.objects.count()
    with pytest.raises(CommandError, match="has no account with the username Nobody"):
        erase_person("--school", synced.slug, "--username", "Nobody")
    with pytest.raises(CommandError, match="Nothing at .* has the pupil MIS id 555"):
        erase_person("--school", synced.slug, "--mis-id", "555", "--role", "pupil")
    with pytest.raises(CommandError, match="No school has the address nowhere"):
        erase_person("--school", "nowhere", "--username", "JohnS")
    with pytest.raises(CommandError, match="needs --role"):
        erase_person("--school", synced.slug, "--mis-id", "101")
    assert (stored_text(synced), User.objects.count()) == before


def test_another_schools_person_of_the_same_username_is_left_alone(synced: School):
    other = School.objects.create(name="Birchwood Academy", estab="8239999", slug="birchwood")
    amira = User.objects.get(school=synced, forename=AMIRA[1])
    twin = User.objects.create(school=other, username=amira.username, forename="Amira")
    erase_person("--school", synced.slug, "--username", amira.username)
    assert User.objects.filter(pk=twin.pk).exists()


def test_support_staff_erase_from_django_admin_after_confirming(client, synced, support_user):
    amira = User.objects.get(school=synced, forename=AMIRA[1])
    client.force_login(support_user)
    url = "/admin/users/user/"
    chosen = {"action": "erase_people", "_selected_action": [amira.pk]}

    confirm = client.post(url, chosen)
    assert confirm.status_code == 200
    assert "Erase this person's data" in confirm.content.decode()
    assert User.objects.filter(pk=amira.pk).exists()  # nothing before confirming

    done = client.post(url, {**chosen, "confirm": "yes"}, follow=True)
    assert not User.objects.filter(pk=amira.pk).exists()
    assert AMIRA[2] not in stored_text(synced)
    shown = [str(message) for message in done.context["messages"]]
    assert shown == [
        f"Erased {amira.username}: one account, one class membership, one sync change row, "
        "one sync run rewritten without them, no other change rows no longer naming them, "
        "no sign-in records, no locks, no answers about possible duplicates."
    ]
