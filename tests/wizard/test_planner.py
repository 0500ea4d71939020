"""The planner on small hand-made schools: first sync, re-sync, rollover, matching."""

from __future__ import annotations

from dataclasses import replace

import pytest

from misclient.snapshot import MisSnapshot
from tests.wizard.planner_factories import (
    SETTINGS,
    account,
    categories,
    changes_left,
    line_for,
    pupil,
    replan,
    settings,
    simulate_apply,
    snapshot,
    staff,
    teaching_group,
    usernames,
)
from users.credentials import PIN2, PIN4, WORD_DIGITS
from wizard.planner import build_plan
from wizard.planner.types import Category, LocalAccount, LocalClass


def small_school() -> MisSnapshot:
    return snapshot(
        pupils=[
            pupil("1", "John", "Smith", "Year 4", "4ES", external_id="e-1", upn="B801200005001"),
            pupil("2", "John", "Smith", "Year 4", "4ES", external_id="e-2"),  # his twin
            pupil("3", "Zoë", "Łukasz", "Reception", "RB", external_id="e-3"),
            pupil("4", "Aoife", "O'Brien", "Year 8", "8X", external_id="e-4"),
        ],
        staff=[
            staff("41", "Rosa", "Lorrin", external_id="s-41"),
            staff("42", "Ann", "Hall", is_teacher=False),  # support staff: out of scope
        ],
        tutors={"4ES": ["41"]},
    )


def test_first_sync_creates_everyone_with_usernames_by_format() -> None:
    plan = build_plan(small_school(), [], SETTINGS)

    assert categories(plan) == {Category.NEW: 5}
    assert usernames(plan) == {
        "1": "JohnS",
        "2": "JohnS2",
        "3": "ZoeL",
        "4": "AoifeO",
        "41": "RLorrin",
    }
    assert plan.counts()["new_pupils"] == 4
    assert plan.counts()["new_staff"] == 1
    assert not plan.held


def test_first_sync_lines_carry_what_apply_needs() -> None:
    plan = build_plan(small_school(), [], SETTINGS)

    john = line_for(plan, "1")
    assert (john.year, john.mis_year, john.registration_group) == ("4", "Year 4", "4ES")
    assert john.class_mis_ids == ("reg-4ES",)
    assert john.after == {
        "forename": "John",
        "surname": "Smith",
        "year": "4",
        "mis_id": "1",
        "mis_external_id": "e-1",
        "upn": "B801200005001",
        "registration_group": "4ES",
        "classes": ["reg-4ES"],
    }
    rosa = line_for(plan, "41", "staff")
    assert rosa.email == rosa.after["email"] == "rosa.lorrin@school.example"
    assert rosa.class_mis_ids == ("reg-4ES",)
    assert rosa.password_format == ""


def test_new_pupils_get_the_password_format_of_their_year() -> None:
    snap = small_school()

    default = build_plan(snap, [], SETTINGS)
    chosen = build_plan(snap, [], settings(password_formats={"4": PIN2}))

    assert [line_for(default, i).password_format for i in "134"] == [PIN4, PIN2, WORD_DIGITS]
    assert line_for(chosen, "1").password_format == PIN2


def test_planning_again_after_applying_changes_nothing() -> None:
    snap = small_school()
    plan = build_plan(snap, [], SETTINGS)

    again, accounts, _ = replan(plan, snap, [])

    assert categories(again) == {Category.UNCHANGED: 5}
    assert changes_left(again) == []
    assert {a.username for a in accounts} == set(usernames(plan).values())


def test_the_plan_is_deterministic_and_sorted_by_year_then_name() -> None:
    snap = small_school()
    shuffled = replace(snap, pupils=snap.pupils[::-1], staff=snap.staff[::-1])

    plan = build_plan(snap, [], SETTINGS)

    assert build_plan(shuffled, [], SETTINGS) == plan
    assert [line.mis_id for line in plan.accounts] == ["3", "1", "2", "4", "41"]


def test_existing_accounts_keep_their_username_and_get_updates() -> None:
    snap = snapshot(pupils=[pupil("1", "Jon", "Smith-Jones", external_id="e-1")])
    existing = account(7, "johnny", "John", "Smith", mis_id="1", year="4", class_ids={1})
    classes = [LocalClass(1, "4ES", "registration", mis_id="reg-4ES", year="4")]

    line = line_for(build_plan(snap, [existing], SETTINGS, classes=classes), "1")

    assert line.category == Category.UPDATED
    assert (line.username, line.account_id) == ("johnny", 7)
    assert line.before == {"forename": "John", "surname": "Smith", "mis_external_id": ""}
    assert line.after == {"forename": "Jon", "surname": "Smith-Jones", "mis_external_id": "e-1"}


def test_an_empty_id_upn_or_email_in_the_feed_never_blanks_the_account() -> None:
    snap = snapshot(pupils=[pupil("1")], staff=[staff("41", email="")])
    accounts = [
        account(1, "JohnS", mis_id="1", mis_external_id="e-1", upn="B801200005001", year="4"),
        account(2, "RLorrin", "Rosa", "Lorrin", "staff", mis_id="41", email="r@school.example"),
    ]
    classes = [LocalClass(1, "4ES", "registration", mis_id="reg-4ES", year="4")]
    accounts[0] = replace(accounts[0], class_ids=frozenset({1}))

    plan = build_plan(snap, accounts, SETTINGS, classes=classes)

    assert categories(plan) == {Category.UNCHANGED: 2}


def rollover_school() -> tuple[MisSnapshot, list[LocalAccount], list[LocalClass]]:
    """Last year: Year 5 (5A) and Year 6 (6A). This year: 5A moved up, 6A left, a new 5A."""
    classes = [
        LocalClass(1, "5A", "registration", mis_id="reg-5A", year="5"),
        LocalClass(2, "6A", "registration", mis_id="reg-6A", year="6"),
    ]
    accounts = [
        account(1, "AmyB", "Amy", "Baker", mis_id="1", year="5", class_ids=frozenset({1})),
        account(2, "BenC", "Ben", "Cole", mis_id="2", year="5", class_ids=frozenset({1})),
        account(3, "CaraD", "Cara", "Dunn", mis_id="3", year="6", class_ids=frozenset({2})),
        account(4, "DanE", "Dan", "Evans", mis_id="4", year="6", class_ids=frozenset({2})),
    ]
    snap = snapshot(
        pupils=[
            pupil("1", "Amy", "Baker", "Year 6", "6A"),
            pupil("2", "Ben", "Cole", "Year 6", "6A"),
            pupil("5", "Eve", "Fox", "Year 5", "5A"),
        ]
    )
    return snap, accounts, classes


def test_rollover_moves_pupils_archives_leavers_and_creates_the_intake() -> None:
    snap, accounts, classes = rollover_school()

    plan = build_plan(snap, accounts, SETTINGS, classes=classes)

    assert categories(plan) == {Category.MOVED: 2, Category.LEAVER: 2, Category.NEW: 1}
    amy = line_for(plan, "1")
    assert amy.before == {"year": "5", "registration_group": "5A", "classes": ["reg-5A"]}
    assert amy.after == {"year": "6", "registration_group": "6A", "classes": ["reg-6A"]}
    assert [c.username for c in plan.of(Category.LEAVER)] == ["CaraD", "DanE"]
    assert usernames(plan) == {"5": "EveF"}
    # Half the linked pupils leave: the brake holds the plan until it is confirmed.
    assert plan.held

    again, _, _ = replan(plan, snap, accounts, classes)
    assert changes_left(again) == []


def test_pupils_are_matched_by_external_id_then_upn_or_former_upn_then_mis_id() -> None:
    snap = snapshot(
        pupils=[
            pupil("11", "Amy", external_id="e-1"),
            pupil("12", "Ben", upn="B801200005001"),
            pupil("13", "Cara", upn="Q801200005002", former_upn="P801200005009"),
            pupil("4", "Dan"),
        ]
    )
    accounts = [
        account(1, "a", "Amy", mis_id="1", mis_external_id="e-1", year="4"),
        account(2, "b", "Ben", mis_id="2", upn="B801200005001", year="4"),
        account(3, "c", "Cara", mis_id="3", upn="P801200005009", year="4"),
        account(4, "d", "Dan", mis_id="4", year="4"),
    ]

    plan = build_plan(snap, accounts, SETTINGS)

    assert {c.mis_id: c.account_id for c in plan.accounts} == {"11": 1, "12": 2, "13": 3, "4": 4}
    assert line_for(plan, "13").after["upn"] == "Q801200005002"
    assert line_for(plan, "11").after["mis_id"] == "11"
    assert Category.LEAVER not in categories(plan)


def test_a_stronger_key_wins_an_account_over_a_weaker_one() -> None:
    # Record 2 carries account 1's old MIS id, but record 1 has its ExternalId.
    snap = snapshot(pupils=[pupil("1", "Amy", external_id="e-9"), pupil("2", "Ben")])
    accounts = [account(1, "AmyS", "Amy", mis_id="2", mis_external_id="e-9", year="4")]

    plan = build_plan(snap, accounts, SETTINGS)

    assert line_for(plan, "1").account_id == 1
    assert line_for(plan, "2").category == Category.ERROR


def test_only_linked_accounts_of_the_same_source_and_role_are_matched() -> None:
    snap = snapshot(pupils=[pupil("1", "Amy")], staff=[staff("2")])
    accounts = [
        account(1, "x", "Zed", mis_id="1", mis_source="wonde"),
        account(2, "y", "Yan", "Staff", "staff", mis_id="1"),
        account(3, "z", "Xi", "Pupil", mis_id="2"),
    ]

    plan = build_plan(snap, accounts, SETTINGS)

    assert categories(plan) == {Category.NEW: 2, Category.LEAVER: 2}
    assert {c.account_id for c in plan.of(Category.LEAVER)} == {2, 3}


def test_staff_are_matched_by_external_id_then_id_then_work_email() -> None:
    snap = snapshot(
        staff=[
            staff("51", "Ann", "Ash", external_id="x-1"),
            staff("2", "Bea", "Bell"),
            staff("53", "Cy", "Cope", email="Cy.Cope@School.example"),
        ]
    )
    accounts = [
        account(1, "AAsh", "Ann", "Ash", "staff", mis_id="1", mis_external_id="x-1"),
        account(2, "BBell", "Bea", "Bell", "staff", mis_id="2", email="bea.bell@school.example"),
        account(3, "CCope", "Cy", "Cope", "staff", mis_id="3", email="cy.cope@school.example"),
    ]

    plan = build_plan(snap, accounts, SETTINGS)

    assert {c.mis_id: c.account_id for c in plan.accounts} == {"51": 1, "2": 2, "53": 3}
    assert line_for(plan, "53", "staff").after == {"mis_id": "53"}
    assert line_for(plan, "51", "staff").after == {
        "email": "ann.ash@school.example",
        "mis_id": "51",
    }


def test_staff_scope_teachers_ignores_support_staff_without_archiving_them() -> None:
    snap = small_school()
    support = account(
        9, "AHall", "Ann", "Hall", "staff", mis_id="42", email="ann.hall@school.example"
    )

    only_teachers = build_plan(snap, [support], SETTINGS)
    everyone = build_plan(snap, [support], settings(staff_scope="all"))

    assert [c.mis_id for c in only_teachers.accounts if c.role == "staff"] == ["41"]
    assert line_for(everyone, "42", "staff").category == Category.UNCHANGED


def test_a_returning_pupil_gets_their_archived_account_back_with_updates() -> None:
    snap = snapshot(pupils=[pupil("1", "Amy", "Baker", "Year 5", "5A", upn="B801200005001")])
    archived = account(
        3, "AmyB", "Amy", "Baker", mis_id="77", upn="B801200005001", year="4", archived=True
    )

    plan = build_plan(snap, [archived], SETTINGS)

    line = line_for(plan, "1")
    assert (line.category, line.username, line.account_id) == (Category.RETURNING, "AmyB", 3)
    assert line.after["year"] == "5"
    assert line.after["mis_id"] == "1"
    again, accounts, _ = replan(plan, snap, [archived])
    assert changes_left(again) == []
    assert not accounts[0].archived


def test_archived_accounts_missing_from_the_feed_are_left_alone() -> None:
    gone = account(3, "AmyB", "Amy", "Baker", mis_id="77", year="4", archived=True)

    plan = build_plan(snapshot(pupils=[pupil("1")]), [gone], SETTINGS)

    assert categories(plan) == {Category.NEW: 1}


def test_leavers_and_pupils_not_on_roll() -> None:
    snap = snapshot(pupils=[pupil("1"), pupil("2", "Amy", status="Leaver")])
    accounts = [account(1, "JohnS", mis_id="1", year="4"), account(2, "AmyS", "Amy", mis_id="2")]

    plan = build_plan(snap, accounts, SETTINGS)

    assert [c.account_id for c in plan.of(Category.LEAVER)] == [2]


def test_new_usernames_never_reuse_one_an_archived_account_holds() -> None:
    archived = account(1, "JOHNS", "Johann", "Schmidt", archived=True)

    plan = build_plan(snapshot(pupils=[pupil("1")]), [archived], SETTINGS)

    assert usernames(plan) == {"1": "JohnS2"}


def test_a_custom_username_template_is_used_and_a_bad_one_refused() -> None:
    snap = snapshot(pupils=[pupil("1")], staff=[staff("41")])
    custom = settings(pupil_username_format="{forename:3}{surname}", staff_username_format="x")

    assert usernames(build_plan(snap, [], replace(custom, staff_username_format="{surname}")))[
        "1"
    ] == ("JohSmith")
    with pytest.raises(ValueError, match="forename"):
        build_plan(snap, [], custom)


def test_teaching_groups_are_imported_only_when_selected() -> None:
    snap = snapshot(
        pupils=[pupil("1"), pupil("2", "Amy", group_ids=("t-2",))],
        staff=[staff("41")],
        groups=[
            teaching_group("t-1", "4 Maths", ["1"], staff_ids=("41",), subject_name="Maths"),
            teaching_group("t-2", "4 French", subject_name="French"),
        ],
    )

    none = build_plan(snap, [], SETTINGS)
    both = build_plan(snap, [], settings(subject_groups=frozenset({"t-1", "t-2"})))

    assert {c.mis_id for c in none.classes} == {"reg-4ES"}
    assert line_for(both, "1").class_mis_ids == ("reg-4ES", "t-1")
    assert line_for(both, "2").class_mis_ids == ("reg-4ES", "t-2")
    assert line_for(both, "41", "staff").class_mis_ids == ("t-1",)
    assert line_for(none, "41", "staff").class_mis_ids == ()


def test_a_changed_teaching_group_membership_is_an_update() -> None:
    snap = snapshot(pupils=[pupil("1")], groups=[teaching_group("t-1", "Maths", ["1"])])
    chosen = settings(subject_groups=frozenset({"t-1"}))
    classes = [
        LocalClass(1, "4ES", "registration", mis_id="reg-4ES", year="4"),
        LocalClass(2, "Maths", "teaching", mis_id="t-1"),
        LocalClass(3, "Chess club", "teaching"),  # made by hand: never touched
    ]
    member = account(1, "JohnS", mis_id="1", year="4", class_ids=frozenset({1, 3}))

    plan = build_plan(snap, [member], chosen, classes=classes)

    line = line_for(plan, "1")
    assert line.category == Category.UPDATED
    assert line.before == {"classes": ["reg-4ES"]}
    assert line.after == {"classes": ["reg-4ES", "t-1"]}
    again, accounts, _ = replan(plan, snap, [member], classes, chosen)
    assert changes_left(again) == []
    assert accounts[0].class_ids == {1, 2, 3}


def test_registration_group_found_by_name_when_its_id_is_missing() -> None:
    snap = snapshot(pupils=[pupil("1"), pupil("2", "Amy", registration_group_id="")])

    plan = build_plan(snap, [], SETTINGS)

    assert line_for(plan, "2").class_mis_ids == ("reg-4ES",)


def test_simulated_apply_archives_leavers() -> None:
    accounts = [account(1, "JohnS", mis_id="1", year="4")]
    plan = build_plan(snapshot(), accounts, SETTINGS)

    after, _ = simulate_apply(plan, accounts)

    assert after[0].archived
