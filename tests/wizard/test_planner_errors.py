"""Records that cannot be imported are listed with a reason, and the rest are planned."""

from __future__ import annotations

from dataclasses import replace

from misclient.snapshot import ParseProblem
from tests.wizard.planner_factories import (
    SETTINGS,
    account,
    categories,
    line_for,
    pupil,
    settings,
    snapshot,
    staff,
)
from wizard.planner import build_plan, reasons
from wizard.planner.types import Category


def test_every_error_reason_while_everyone_else_is_planned() -> None:
    snap = snapshot(
        pupils=[
            pupil("1"),
            pupil("2", reg=""),
            pupil("3", reg="9Z", registration_group_id="9Z"),
            pupil("4", year="Year 4 Blue"),
            pupil("5", year=""),
            pupil("6", forename=" "),
            pupil("7", surname=""),
            pupil("", "Nameless"),
            pupil("8", "Amy", upn="B801200005001"),
            pupil("9", "Ben", upn="B801200005001"),
            pupil("10", "Cara"),
            pupil("10", "Dan"),
            pupil("11", "Eve", external_id="e-1"),
            pupil("12", "Fay", external_id="e-1"),
        ],
        staff=[staff("41"), staff("42", "Ann", "Hall", email="")],
    )
    snap = replace(snap, groups=tuple(g for g in snap.groups if g.mis_id != "9Z"))

    plan = build_plan(snap, [], SETTINGS)

    assert {c.mis_id: c.category for c in plan.accounts if c.category != Category.ERROR} == {
        "1": Category.NEW,
        "41": Category.NEW,
    }
    reason = {(c.mis_id, c.forename): c.reason for c in plan.of(Category.ERROR)}
    assert reason == {
        ("2", "John"): reasons.NO_REGISTRATION_GROUP,
        ("3", "John"): reasons.REGISTRATION_GROUP_NOT_SENT.format(name="9Z"),
        ("4", "John"): reasons.YEAR_NOT_MAPPED.format(name="Year 4 Blue"),
        ("5", "John"): reasons.NO_YEAR_GROUP,
        ("6", ""): reasons.EMPTY_NAME,
        ("7", "John"): reasons.EMPTY_NAME,
        ("", "Nameless"): reasons.NO_MIS_ID,
        ("8", "Amy"): reasons.REPEATED_ID.format(label="UPN", value="B801200005001"),
        ("9", "Ben"): reasons.REPEATED_ID.format(label="UPN", value="B801200005001"),
        ("10", "Cara"): reasons.REPEATED_ID.format(label="Id", value="10"),
        ("10", "Dan"): reasons.REPEATED_ID.format(label="Id", value="10"),
        ("11", "Eve"): reasons.REPEATED_ID.format(label="ExternalId", value="e-1"),
        ("12", "Fay"): reasons.REPEATED_ID.format(label="ExternalId", value="e-1"),
        ("42", "Ann"): reasons.NO_EMAIL,
    }
    assert reasons.YEAR_NOT_MAPPED.format(name="Year 4 Blue") == (
        'Year group "Year 4 Blue" is not mapped to a National Curriculum year'
    )
    assert plan.counts()["errors"] == 14


def test_an_unmapped_year_is_an_error_until_it_is_mapped() -> None:
    snap = snapshot(pupils=[pupil("1", year="Yr 4 (2025)")])

    unmapped = build_plan(snap, [], SETTINGS)
    mapped = build_plan(snap, [], settings(year_mapping={"Yr 4 (2025)": "4"}))

    assert line_for(unmapped, "1").category == Category.ERROR
    assert line_for(mapped, "1").year == "4"


def test_an_existing_account_in_error_is_kept_as_it_is_not_archived() -> None:
    snap = snapshot(pupils=[pupil("1", year="Year 4 Blue")])
    existing = account(3, "JohnS", mis_id="1", year="4")

    plan = build_plan(snap, [existing], SETTINGS)

    line = line_for(plan, "1")
    assert (line.category, line.account_id, line.username) == (Category.ERROR, 3, "JohnS")
    assert not plan.of(Category.LEAVER)


def test_existing_staff_without_an_email_are_still_updated() -> None:
    snap = snapshot(staff=[staff("41", "Rosa", "Lorrin-Smith", email="")])
    existing = account(3, "RL", "Rosa", "Lorrin", "staff", mis_id="41", email="r@school.example")

    line = line_for(build_plan(snap, [existing], SETTINGS), "41", "staff")

    assert line.category == Category.UPDATED
    assert line.after == {"surname": "Lorrin-Smith"}


def test_parse_problems_that_name_a_person_are_errors_and_protect_the_account() -> None:
    snap = snapshot(
        pupils=[pupil("1"), pupil("2", "Amy")],
        problems=[
            ParseProblem("Students", "DateOfBirth is not a date", mis_id="1"),
            ParseProblem("Students", "UPN is not 13 characters", mis_id="3"),
            ParseProblem("Students", "The record has no Id", row_number=4),
            ParseProblem("Groups", "A group with a strange type", mis_id="1"),
        ],
    )
    accounts = [account(9, "CaraD", "Cara", "Dunn", mis_id="3", year="4")]

    plan = build_plan(snap, accounts, SETTINGS)

    assert {c.mis_id: (c.category, c.reason) for c in plan.accounts} == {
        "1": (Category.ERROR, "DateOfBirth is not a date"),
        "2": (Category.NEW, ""),
        "3": (Category.ERROR, "UPN is not 13 characters"),
    }
    assert line_for(plan, "3").account_id == 9


def test_an_id_already_linked_to_another_account_is_an_error() -> None:
    # Record 1 is account 1 by ExternalId, but its Id is account 2's.
    snap = snapshot(pupils=[pupil("2", "Amy", external_id="e-1"), pupil("5", "Ben")])
    accounts = [
        account(1, "AmyS", "Amy", mis_id="1", mis_external_id="e-1", year="4"),
        account(2, "BenS", "Ben", mis_id="2", year="4"),
    ]

    plan = build_plan(snap, accounts, SETTINGS)

    amy = line_for(plan, "2")
    assert amy.category == Category.ERROR
    assert amy.reason == reasons.LINK_ID_TAKEN.format(label="Id", value="2", username="BenS")
    # Account 2 is named by the feed, so it is not archived; Ben's Id is new to us.
    assert line_for(plan, "5").category == Category.NEW
    assert categories(plan)[Category.LEAVER] == 0
