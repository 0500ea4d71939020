"""The brake: too many leavers, an emptied year group or an empty feed hold the plan."""

from __future__ import annotations

from tests.wizard.planner_factories import SETTINGS, account, pupil, settings, snapshot, staff
from wizard.planner import build_plan, reasons
from wizard.planner.types import Category, Decisions, LocalAccount


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
