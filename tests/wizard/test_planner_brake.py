"""The brake: too many leavers or archived classes, an emptied year group, pupils left
without a registration group or an empty feed hold the plan."""

from __future__ import annotations

from dataclasses import replace

from misclient.snapshot import MisPupil, MisSnapshot
from tests.wizard.planner_factories import (
    SETTINGS,
    account,
    categories,
    changes_left,
    line_for,
    pupil,
    replan,
    settings,
    snapshot,
    staff,
    teaching_group,
)
from wizard.planner import build_plan, reasons
from wizard.planner.types import Category, ClassCategory, Decisions, LocalAccount, LocalClass


def year_4(count: int, start: int = 1) -> list[LocalAccount]:
    return [
        account(i, f"p{i}", f"Pupil{i}", "Test", mis_id=str(i), year="4")
        for i in range(start, start + count)
    ]


def feed_of(accounts: list[LocalAccount]) -> list:
    return [pupil(a.mis_id, a.forename, a.surname) for a in accounts]


def test_archiving_more_than_the_limit_holds_the_plan() -> None:
    accounts = year_4(210)
    snap = snapshot(pupils=feed_of(accounts[37:]))

    plan = build_plan(snap, accounts, SETTINGS)

    assert len(plan.of(Category.LEAVER)) == 37
    assert plan.hold_reasons == (
        "This sync would archive 37 of 210 pupil accounts (18%), more than the 10% limit.",
    )
    assert plan.held
    assert not plan.brake_confirmed


def test_archiving_up_to_the_limit_does_not_hold() -> None:
    accounts = year_4(20)

    plan = build_plan(snapshot(pupils=feed_of(accounts[2:])), accounts, SETTINGS)

    assert len(plan.of(Category.LEAVER)) == 2
    assert plan.hold_reasons == ()


def test_the_limit_is_the_schools_and_staff_count_separately() -> None:
    pupils = year_4(20)
    teachers = [
        account(100 + i, f"t{i}", f"T{i}", "Teacher", "staff", mis_id=f"s{i}", email=f"t{i}@x")
        for i in range(4)
    ]
    snap = snapshot(
        pupils=feed_of(pupils[2:]),
        staff=[staff(t.mis_id, t.forename, t.surname, t.email) for t in teachers[1:]],
    )

    strict = build_plan(snap, pupils + teachers, settings(brake_percent=5))
    relaxed = build_plan(snap, pupils + teachers, settings(brake_percent=25))

    assert strict.hold_reasons == (
        "This sync would archive 2 of 20 pupil accounts (10%), more than the 5% limit.",
        "This sync would archive 1 of 4 staff accounts (25%), more than the 5% limit.",
    )
    assert relaxed.hold_reasons == ()


def test_an_empty_feed_holds_the_plan() -> None:
    accounts = year_4(5)

    plan = build_plan(snapshot(), accounts, SETTINGS)

    assert len(plan.of(Category.LEAVER)) == 5
    assert plan.hold_reasons == (
        "This sync would archive 5 of 5 pupil accounts (100%), more than the 10% limit.",
        reasons.YEAR_EMPTIED.format(year="Year 4"),
    )


def test_an_empty_feed_on_the_first_sync_has_nothing_to_hold() -> None:
    assert build_plan(snapshot(), [], SETTINGS).hold_reasons == ()


def test_emptying_a_year_group_holds_even_under_the_limit() -> None:
    accounts = year_4(30) + [account(99, "r1", "Rae", "Reid", mis_id="99", year="R")]

    plan = build_plan(snapshot(pupils=feed_of(accounts[:30])), accounts, SETTINGS)

    assert plan.hold_reasons == ("Reception would be left with no pupils.",)


def test_a_year_group_refilled_by_moves_or_new_pupils_is_not_emptied() -> None:
    accounts = [
        account(1, "a", "Amy", mis_id="1", year="6"),
        account(2, "b", "Ben", mis_id="2", year="5"),
        *year_4(20, start=10),
    ]
    snap = snapshot(
        pupils=[
            pupil("2", "Ben", year="Year 6", reg="6A"),  # Year 5 -> 6
            pupil("3", "Cy", year="Year 5", reg="5A"),  # a new Year 5
            *feed_of(accounts[2:]),
        ]
    )

    plan = build_plan(snap, accounts, settings(brake_percent=50))

    assert plan.hold_reasons == ()


def test_a_confirmed_brake_is_recorded_on_the_plan() -> None:
    plan = build_plan(snapshot(), year_4(3), SETTINGS, Decisions(confirm_brake=True))

    assert plan.hold_reasons
    assert plan.brake_confirmed
    assert not plan.held


# Classes: a Groups answer that lost its groups must not archive the school's classes.

FORMS = "ABCDE"


def thirty_forms() -> tuple[list[MisPupil], list[LocalAccount], list[LocalClass]]:
    """A school synced before: 30 linked registration groups, 1A to 6E (five a year),
    of two pupils each, and the pupils' feed records, accounts and classes."""
    pupils: list[MisPupil] = []
    accounts: list[LocalAccount] = []
    classes: list[LocalClass] = []
    for n in range(30):
        year, name = str(n // 5 + 1), f"{n // 5 + 1}{FORMS[n % 5]}"
        classes.append(LocalClass(n + 1, name, "registration", mis_id=f"reg-{name}", year=year))
        for i in (100 + 2 * n, 101 + 2 * n):
            pupils.append(pupil(str(i), f"Pupil{i}", "Test", f"Year {year}", name))
            member = frozenset({n + 1})
            accounts.append(
                account(i, f"p{i}", f"Pupil{i}", "Test", mis_id=str(i), year=year, class_ids=member)
            )
    return pupils, accounts, classes


def without_groups(snap: MisSnapshot, *kept: str) -> MisSnapshot:
    """`snap` as if its Groups answer had lost every group but those named `kept`."""
    return replace(snap, groups=tuple(g for g in snap.groups if g.name in kept))


def left_without(pupils: str, year: str) -> str:
    return reasons.YEAR_WITHOUT_REGISTRATION_GROUP.format(pupils=pupils, year=year)


def test_an_empty_groups_answer_holds_the_plan() -> None:
    pupils, accounts, classes = thirty_forms()

    plan = build_plan(without_groups(snapshot(pupils)), accounts, SETTINGS, classes=classes)

    assert [c.category for c in plan.classes] == [ClassCategory.ARCHIVED] * 30
    assert categories(plan) == {Category.ERROR: 60}
    assert line_for(plan, "100").reason == reasons.REGISTRATION_GROUP_NOT_SENT.format(name="1A")
    assert plan.hold_reasons == (
        "This sync would archive 30 of 30 classes (100%), more than the 10% limit.",
        *(left_without("10 pupils", f"Year {year}") for year in range(1, 7)),
    )
    assert plan.held


def test_a_groups_answer_that_drops_most_groups_holds_the_plan() -> None:
    pupils, accounts, classes = thirty_forms()
    snap = without_groups(snapshot(pupils), "1A", "2A", "3A", "4A", "5A", "6A")

    plan = build_plan(snap, accounts, SETTINGS, classes=classes)

    assert plan.hold_reasons[0] == (
        "This sync would archive 24 of 30 classes (80%), more than the 10% limit."
    )
    assert plan.hold_reasons[1:] == tuple(
        left_without("8 pupils", f"Year {y}") for y in range(1, 7)
    )


def test_one_registration_group_of_30_archived_is_not_held() -> None:
    pupils, accounts, classes = thirty_forms()
    # 6E is closed and its two pupils join 6A.
    pupils = [
        replace(p, registration_group="6A", registration_group_id="reg-6A")
        if p.registration_group == "6E"
        else p
        for p in pupils
    ]

    plan = build_plan(snapshot(pupils), accounts, SETTINGS, classes=classes)

    assert [c.name for c in plan.classes if c.category == ClassCategory.ARCHIVED] == ["6E"]
    assert categories(plan) == {Category.UNCHANGED: 58, Category.MOVED: 2}
    assert plan.hold_reasons == ()


def test_pupils_left_without_a_registration_group_hold_the_plan_under_the_limit() -> None:
    pupils, accounts, classes = thirty_forms()
    # The Groups answer lost 4C alone (1 of 30 groups): its pupils still name it.
    kept = [c.name for c in classes if c.name != "4C"]

    plan = build_plan(without_groups(snapshot(pupils), *kept), accounts, SETTINGS, classes=classes)

    assert plan.hold_reasons == (
        "2 pupils in Year 4 would be left without a class: "
        "the MIS did not send the classes they are in.",
    )
    assert [line.category for line in plan.accounts if line.mis_id in ("134", "135")] == [
        Category.ERROR,
        Category.ERROR,
    ]


def test_only_pupils_losing_their_last_live_registration_group_are_counted() -> None:
    classes = [
        LocalClass(1, "4A", "registration", mis_id="reg-4A", year="4"),
        LocalClass(2, "4B", "registration", mis_id="reg-4B", year="4"),
        LocalClass(3, "Nurture", "registration", year="4"),  # made by hand: never archived
        LocalClass(4, "Old", "registration", mis_id="reg-Old", archived=True),
    ]
    accounts = [
        account(1, "a", "Amy", mis_id="1", year="4", class_ids=frozenset({1})),
        account(2, "b", "Ben", mis_id="2", year="", class_ids=frozenset({1})),
        account(3, "c", "Cy", mis_id="3", year="4", class_ids=frozenset({1, 3})),
        account(4, "d", "Di", mis_id="4", year="4", class_ids=frozenset({4})),
        account(5, "e", "Eve", mis_id="5", year="4", class_ids=frozenset({2})),
    ]
    # 4A is gone from the Groups answer; Amy and Ben still name it, Cy is in a class made
    # by hand too, Di was in no live class before, and Eve's 4B is still sent.
    snap = snapshot(
        [pupil(a.mis_id, a.forename, reg="4B" if a.id == 5 else "4A") for a in accounts]
    )

    plan = build_plan(without_groups(snap, "4B"), accounts, SETTINGS, classes=classes)

    assert plan.hold_reasons == (
        "This sync would archive 1 of 2 classes (50%), more than the 10% limit.",
        left_without("1 pupil", "Year 4"),
        reasons.NO_YEAR_WITHOUT_REGISTRATION_GROUP.format(pupils="1 pupil"),
    )


TEACHING = [LocalClass(100 + n, f"Maths {n}", "teaching", mis_id=f"t-{n}") for n in range(10)]
ALL_SUBJECTS = settings(subject_groups=frozenset(c.mis_id for c in TEACHING))


def teaching_snapshot(*numbers: int) -> MisSnapshot:
    return snapshot(groups=[teaching_group(f"t-{n}", f"Maths {n}") for n in numbers])


def test_archiving_most_teaching_groups_holds_the_plan() -> None:
    plan = build_plan(teaching_snapshot(0, 1, 2, 3), [], ALL_SUBJECTS, classes=TEACHING)

    assert plan.hold_reasons == (
        "This sync would archive 6 of 10 subject classes (60%), more than the 10% limit.",
    )


def test_one_teaching_group_of_ten_archived_is_not_held() -> None:
    plan = build_plan(teaching_snapshot(*range(9)), [], ALL_SUBJECTS, classes=TEACHING)

    assert [c.mis_id for c in plan.classes if c.category == ClassCategory.ARCHIVED] == ["t-9"]
    assert plan.hold_reasons == ()


def test_no_longer_importing_subject_groups_is_held_too() -> None:
    # Every linked teaching group would be archived and its teachers taken out of it.
    plan = build_plan(teaching_snapshot(*range(10)), [], SETTINGS, classes=TEACHING)

    assert plan.hold_reasons == (
        "This sync would archive 10 of 10 subject classes (100%), more than the 10% limit.",
    )


def test_a_confirmed_empty_groups_answer_applies_and_then_plans_nothing() -> None:
    pupils, accounts, classes = thirty_forms()
    snap = without_groups(snapshot(pupils))
    confirmed = Decisions(confirm_brake=True)

    plan = build_plan(snap, accounts, SETTINGS, confirmed, classes=classes)
    again, _, after = replan(plan, snap, accounts, classes)

    assert plan.hold_reasons
    assert not plan.held
    assert all(c.archived for c in after)
    assert changes_left(again) == []
    assert again.hold_reasons == ()
