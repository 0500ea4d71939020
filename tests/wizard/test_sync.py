"""The sync engine end to end: fake XoD over HTTP -> plan -> apply, through mis_sync."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management.base import CommandError

from tests.fixtures_pages import page_text
from tests.wizard.conftest import serve
from tests.wizard.school_data import ESTAB, mis_sync, pupil, staff
from users import crypto
from users.models import ClassMembership, SchoolClass, User, YearGroup
from users.views.activation import LINK_USED
from wizard.models import SyncChange, SyncRun
from wizard.planner import reasons
from wizard.planner.reasons import YEAR_WITHOUT_REGISTRATION_GROUP

pytestmark = pytest.mark.django_db(transaction=False)


def accounts_state(school) -> dict[str, list[tuple]]:
    """Everything a sync may change, to compare before and after."""
    users = (
        User.objects.filter(school=school)
        .order_by("pk")
        .values_list(
            "pk",
            "username",
            "password",
            "forename",
            "surname",
            "email",
            "year_group_id",
            "is_active",
            "archived_at",
            "mis_id",
            "mis_external_id",
            "upn",
        )
    )
    members = ClassMembership.objects.filter(user__school=school).values_list(
        "user_id", "school_class_id", "role"
    )
    classes = (
        SchoolClass.objects.filter(school=school)
        .order_by("pk")
        .values_list("pk", "name", "mis_id", "archived", "year_group_id")
    )
    return {"users": list(users), "members": sorted(members), "classes": list(classes)}


def test_first_sync_creates_every_account_class_and_year(
    school, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = mis_sync()

    assert result["status"] == "applied"
    assert result["counts"]["new_pupils"] == 6
    assert result["counts"]["new_staff"] == 2
    usernames = set(User.objects.filter(school=school).values_list("username", flat=True))
    assert usernames == {
        "JohnS",
        "JackS",
        "JohnS2",
        "ZoeO",
        "LukaszN",
        "AmiraH",
        "EStone",
        "ABaker",
    }
    assert {c.name for c in SchoolClass.objects.filter(school=school)} == {"4ES", "3AB"}
    assert set(YearGroup.objects.filter(school=school).values_list("code", flat=True)) == {"3", "4"}
    four_es = SchoolClass.objects.get(school=school, name="4ES")
    assert four_es.memberships.filter(role="pupil").count() == 4
    assert four_es.memberships.get(role="teacher").user.username == "EStone"
    assert four_es.year_group is not None
    assert four_es.year_group.name == "Year 4"


def test_new_pupils_get_printable_passwords_in_their_years_format(school):
    mis_sync()
    zoe = User.objects.get(school=school, username="ZoeO")
    printed = crypto.decrypt(zoe.printable_password)
    assert zoe.password_format == "pin4"  # Year 4 default
    assert len(printed) == 4
    assert printed.isdigit()
    assert check_password(printed, zoe.password)
    assert zoe.check_password(printed)


def test_new_staff_get_an_activation_email_after_commit(school, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        mis_sync()
    assert mail.outbox == []  # nothing is sent from inside the transaction
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "abaker@school.example",
        "estone@school.example",
    ]
    assert "/activate/" in mail.outbox[0].body
    assert not User.objects.get(username="EStone").has_usable_password()


def test_immediate_second_sync_is_all_unchanged_and_writes_nothing(school):
    mis_sync()
    before = accounts_state(school)
    result = mis_sync()
    assert result["counts"]["unchanged"] == 8
    assert sum(v for k, v in result["counts"].items() if k != "unchanged") == 0
    assert accounts_state(school) == before
    assert not SyncChange.objects.filter(run_id=result["run_id"]).exists()


def test_twins_get_two_accounts(school):
    result = mis_sync()
    smiths = {a["mis_id"]: a["username"] for a in result["accounts"] if a["surname"] == "Smith"}
    assert smiths == {"101": "JohnS", "102": "JackS", "103": "JohnS2"}


def test_existing_accounts_keep_username_and_password(school, xod, school_data):
    mis_sync()
    john = User.objects.get(school=school, mis_id="101")
    old_hash, old_username = john.password, john.username
    school_data.pupils[0] = pupil("101", "Johnny", "Smyth", 5, "5XY")
    serve(xod, school_data)

    result = mis_sync()

    assert result["counts"]["moved"] == 1
    john.refresh_from_db()
    assert (john.username, john.password) == (old_username, old_hash)
    assert john.year_group is not None
    assert (john.forename, john.surname, john.year_group.code) == ("Johnny", "Smyth", "5")
    assert [c.name for c in john.classes.all()] == ["5XY"]


def test_bad_records_are_listed_with_reasons_and_the_rest_imported(school, xod, school_data):
    school_data.pupils.append(pupil("107", "Nora", "Noclass", 4, reg=None))
    school_data.staff.append(staff("203", "Ned", "Nomail", email=None))
    serve(xod, school_data)

    result = mis_sync()

    reasons = {e["mis_id"]: e["reason"] for e in result["errors"]}
    assert reasons["107"] == "Pupil has no class in the MIS"
    assert "email" in reasons["203"]
    assert result["counts"]["new_pupils"] == 6
    assert result["counts"]["new_staff"] == 2
    assert not User.objects.filter(mis_id__in=["107", "203"]).exists()


def test_an_empty_feed_is_refused_even_when_confirmed(school, xod, school_data):
    mis_sync()
    serve(xod, type(school_data)(staff=school_data.staff))  # no pupils at all
    with pytest.raises(CommandError, match="The MIS sent no pupils at all"):
        mis_sync("--confirm-brake")
    run = SyncRun.objects.latest("created_at")
    assert run.status == SyncRun.Status.FAILED
    assert run.error == reasons.NO_PUPILS_SENT
    assert not run.changes.exists()
    assert User.objects.filter(school=school, archived_at__isnull=False).count() == 0


def test_a_feed_without_staff_is_refused_too(school, xod, school_data):
    mis_sync()
    serve(xod, type(school_data)(pupils=school_data.pupils))
    with pytest.raises(CommandError, match="The MIS sent no staff at all"):
        mis_sync("--confirm-brake")
    assert User.objects.filter(school=school, archived_at__isnull=False).count() == 0


def test_an_empty_groups_answer_holds_the_plan_and_keeps_every_class(school, xod):
    mis_sync()
    before = accounts_state(school)
    xod.app.school(ESTAB).set_rows("Groups", [])

    with pytest.raises(SystemExit) as exit_info:
        mis_sync()

    assert exit_info.value.code == 3
    run = SyncRun.objects.latest("created_at")
    assert run.status == SyncRun.Status.HELD
    assert run.hold_reasons == [
        "This sync would archive 2 of 2 classes (100%), more than the 10% limit.",
        YEAR_WITHOUT_REGISTRATION_GROUP.format(pupils="2 pupils", year="Year 3"),
        YEAR_WITHOUT_REGISTRATION_GROUP.format(pupils="4 pupils", year="Year 4"),
    ]
    assert accounts_state(school) == before  # no class archived, nobody taken out of one
    assert ClassMembership.objects.filter(role="teacher").count() == 2

    result = mis_sync("--confirm-brake")

    assert result["status"] == "applied"
    assert not SchoolClass.objects.filter(school=school, archived=False).exists()


def test_confirm_brake_applies_a_held_plan(school, xod, school_data):
    mis_sync()
    school_data.pupils = school_data.pupils[:2]
    serve(xod, school_data)
    with pytest.raises(SystemExit):
        mis_sync()
    result = mis_sync("--confirm-brake")
    assert result["status"] == "applied"
    assert result["counts"]["leavers"] == 4
    leaver = User.objects.get(mis_id="106")
    assert leaver.archived_at
    assert not leaver.is_active
    assert leaver.purge_after


def test_dry_run_changes_nothing(school):
    result = mis_sync("--dry-run")
    assert result["status"] == "planned"
    assert result["counts"]["new_pupils"] == 6
    assert not User.objects.filter(school=school).exists()


def test_hand_made_account_is_a_possible_duplicate_and_link_keeps_its_login(school):
    amira = User.objects.create_user(
        "Amira1", "her own password", school=school, forename="Amira", surname="Haddad"
    )
    result = mis_sync()
    assert result["duplicates"] == [
        {"mis_id": "106", "name": "Amira Haddad", "candidate_username": "Amira1"}
    ]
    assert not User.objects.filter(mis_id="106").exists()

    result = mis_sync("--resolve-duplicates", "link")

    amira.refresh_from_db()
    assert amira.mis_id == "106"
    assert amira.mis_external_id == "ext-106"
    assert amira.username == "Amira1"
    assert amira.check_password("her own password")
    assert User.objects.filter(school=school, forename="Amira").count() == 1


def test_resolving_duplicates_as_new_creates_an_account_and_remembers(school):
    User.objects.create_user("Amira1", "pw", school=school, forename="Amira", surname="Haddad")
    mis_sync("--resolve-duplicates", "new")
    assert User.objects.filter(school=school, forename="Amira").count() == 2
    result = mis_sync()
    assert result["counts"]["duplicates"] == 0


def test_mis_errors_are_reported_in_words(school, xod):
    xod.app.pause_authorisation("8231234")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="paused"):
        mis_sync()
    assert SyncRun.objects.get().status == SyncRun.Status.FAILED


def test_year_mappings_are_saved_and_unmapped_years_are_not_imported(school, xod, school_data):
    from wizard.models import SyncSettings

    school_data.pupils.append(pupil("109", "Ada", "Mixed", "Mixed Age", "MX1"))
    serve(xod, school_data)

    result = mis_sync()

    assert {e["mis_id"]: e["reason"] for e in result["errors"]} == {
        "109": 'Year group "Mixed Age" is not mapped to a National Curriculum year'
    }
    saved = SyncSettings.objects.get(school=school).year_mapping
    assert saved["Year 4"] == "4"
    assert saved["Year 3"] == "3"

    SyncSettings.objects.filter(school=school).update(year_mapping={**saved, "Mixed Age": "5"})
    result = mis_sync()
    assert result["errors"] == []
    mixed = User.objects.get(mis_id="109")
    assert mixed.year_group is not None
    assert mixed.year_group.code == "5"


def test_the_activation_link_lets_new_staff_set_a_password_once(
    school, client, django_capture_on_commit_callbacks
):
    import re

    with django_capture_on_commit_callbacks(execute=True):
        mis_sync()
    email = next(m for m in mail.outbox if m.to == ["estone@school.example"])
    link = re.search(r"https?://[^/]+(/activate/\S+)", str(email.body))
    assert link
    path = link.group(1)

    form_page = client.get(path, follow=True)
    assert b"Set your password" in form_page.content
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"new_password1": "Correct-Horse-42", "new_password2": "Correct-Horse-42"},
    )
    assert response.status_code == 302
    teacher = User.objects.get(username="EStone")
    assert teacher.check_password("Correct-Horse-42")
    reused = client.get(path, follow=True)
    assert LINK_USED in page_text(reused)


class _RefusesOneAddress(locmem.EmailBackend):
    def send_messages(self, messages):
        if any("abaker" in address for m in messages for address in m.to):
            raise ValueError("Invalid address")
        return super().send_messages(messages)


def test_one_refused_activation_email_does_not_stop_the_others(
    school, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}._RefusesOneAddress"
    with django_capture_on_commit_callbacks(execute=True):
        result = mis_sync()
    assert result["status"] == "applied"
    assert [m.to for m in mail.outbox] == [["estone@school.example"]]


def test_a_dry_run_saves_no_settings(school):
    from wizard.models import SyncSettings

    mis_sync("--dry-run")
    assert not SyncSettings.objects.filter(school=school).exists()


# What a sync run keeps of the MIS: the fields the planner reads, and nothing else (legal
# names, staff titles, codes and roles, the school's name... are never stored).
STORED_SNAPSHOT_KEYS = {
    "": {"school", "pupils", "staff", "groups", "fetched_at", "source", "problems"}
    | {"missing_scopes"},
    "school": {"estab"},
    "pupils": {"mis_id", "external_id", "upn", "former_upn", "forename", "surname"}
    | {"year_group", "registration_group", "registration_group_id", "group_ids", "status"},
    "staff": {"mis_id", "external_id", "forename", "surname", "email", "is_teacher", "status"},
    "groups": {"mis_id", "kind", "name", "code", "subject_code", "subject_name", "pupil_ids"}
    | {"staff_ids"},
    "problems": {"endpoint", "reason", "row_number", "mis_id"},
}


def test_the_stored_snapshot_keeps_only_the_fields_the_planner_reads(school, xod, school_data):
    school_data.pupils.append({"Id": "", "Forename": "No", "Surname": "Id"})  # a problem
    serve(xod, school_data)

    mis_sync()

    stored = SyncRun.objects.get(school=school).snapshot
    assert stored is not None
    found = {"": set(stored), "school": set(stored["school"])}
    for part in ("pupils", "staff", "groups", "problems"):
        assert stored[part], part
        found[part] = set().union(*(set(row) for row in stored[part]))
    assert found == STORED_SNAPSHOT_KEYS
