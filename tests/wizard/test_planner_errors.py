"""Records that cannot be imported are listed with a reason, and the rest are planned."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from misclient.snapshot import ParseProblem
from misclient.upn import make_upn
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
from wizard.planner.feed import is_email, shown
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
        # A record without an Id is listed too, by its place in the feed.
        "": (Category.ERROR, "The record has no Id (record 4 of Students as the MIS sent them)"),
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


# Values that would not fit their database columns (users/models.py): on PostgreSQL one
# of them would make the whole apply fail, so each is an error of its own record.

LONG_ID = "9" * 65
VALID_UPN = make_upn("801", "2000", 5, 1)  # B801200005001
WRONG_CHECK_LETTER = "C" + VALID_UPN[1:]


def test_values_too_long_for_the_database_are_errors_and_the_rest_is_planned() -> None:
    snap = snapshot(
        pupils=[
            pupil("1", "Amy"),
            pupil(LONG_ID, "Ben"),
            pupil("3", "Cara", external_id="e" * 65),
            pupil("4", "D" * 101),
            pupil("5", "Eve", "S" * 101),
            pupil("6" * 64, "Fay", "F" * 100, external_id="e" * 64),  # just fits
        ],
        staff=[staff("41"), staff("4" * 65, "Ann", "Hall")],
    )

    plan = build_plan(snap, [], SETTINGS)

    too_long_id = reasons.ID_TOO_LONG.format(label="Id")
    assert {c.mis_id: (c.category, c.reason) for c in plan.accounts} == {
        "1": (Category.NEW, ""),
        "9" * 63 + "…": (Category.ERROR, too_long_id),
        "3": (Category.ERROR, reasons.ID_TOO_LONG.format(label="ExternalId")),
        "4": (Category.ERROR, reasons.NAME_TOO_LONG),
        "5": (Category.ERROR, reasons.NAME_TOO_LONG),
        "6" * 64: (Category.NEW, ""),
        "41": (Category.NEW, ""),
        "4" * 63 + "…": (Category.ERROR, too_long_id),
    }
    assert reasons.ID_TOO_LONG.format(label="Id") == "The MIS Id is longer than 64 characters"
    assert all(len(c.mis_id) <= 64 for c in plan.accounts)  # SyncChange.mis_id holds 64


ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"  # spaces, joiners, word joiner, BOM: all Cf
COMBINING = "\u0301\u0308\u0327"  # acute, diaeresis and cedilla on nothing: all M*


def test_names_that_show_no_letter_are_empty_names() -> None:
    snap = snapshot(
        pupils=[
            pupil("1", "John", ZERO_WIDTH),
            pupil("2", COMBINING, "Clarke"),
            pupil("3", "Zoe\u0308", "Kim\u200b"),  # a letter shows: imported
            pupil("4", "\u5c0f\u96e8", "\u738b"),  # letters of another script
        ],
        staff=[staff("41", "\u200d", "Hall")],
    )

    plan = build_plan(snap, [], SETTINGS)

    assert {c.mis_id: (c.category, c.reason) for c in plan.accounts} == {
        "1": (Category.ERROR, reasons.EMPTY_NAME),
        "2": (Category.ERROR, reasons.EMPTY_NAME),
        "3": (Category.NEW, ""),
        "4": (Category.NEW, ""),
        "41": (Category.ERROR, reasons.EMPTY_NAME),
    }


def test_a_upn_that_is_not_a_valid_upn_is_an_error() -> None:
    snap = snapshot(
        pupils=[
            pupil("1", "Amy", upn=VALID_UPN),
            pupil("2", "Ben", upn=f" {VALID_UPN.lower()} "),  # the same UPN, as read
            pupil("3", "Cara", upn=VALID_UPN[:-1]),  # 12 characters
            pupil("4", "Dan", upn=VALID_UPN + "00"),  # 15: too long for the column
            pupil("5", "Eve", upn=WRONG_CHECK_LETTER),
            pupil("6", "Fay", upn="I801200005001"),  # I is not a check letter
            pupil("7", "Gus", upn=make_upn("801", "2000", 5, 7), former_upn="not a UPN"),
            pupil("8", "Hal", upn="B801-20000-5001"),
        ],
    )

    plan = build_plan(snap, [], SETTINGS)

    reason = {c.mis_id: c.reason for c in plan.accounts}
    assert reason == {
        "1": reasons.REPEATED_ID.format(label="UPN", value=VALID_UPN),
        "2": reasons.REPEATED_ID.format(label="UPN", value=VALID_UPN),
        "3": reasons.INVALID_UPN.format(upn=VALID_UPN[:-1]),
        "4": reasons.INVALID_UPN.format(upn=VALID_UPN + "00"),
        "5": reasons.INVALID_UPN.format(upn=WRONG_CHECK_LETTER),
        "6": reasons.INVALID_UPN.format(upn="I801200005001"),
        "7": "",  # a FormerUPN is only compared, never stored
        "8": reasons.INVALID_UPN.format(upn="B801-20000-5001"),
    }
    assert reasons.INVALID_UPN.format(upn="X") == 'The MIS UPN "X" is not a valid UPN'


def test_a_valid_upn_in_lower_case_or_with_spaces_is_imported_in_capitals() -> None:
    snap = snapshot(pupils=[pupil("1", upn=f" {VALID_UPN.lower()} ")])

    line = line_for(build_plan(snap, [], SETTINGS), "1")

    assert (line.category, line.after["upn"]) == (Category.NEW, VALID_UPN)


def test_an_existing_pupil_whose_upn_turns_bad_is_kept_as_it_is_not_archived() -> None:
    snap = snapshot(pupils=[pupil("1", "Amy", upn=WRONG_CHECK_LETTER)])
    existing = account(3, "AmyS", "Amy", mis_id="1", upn=VALID_UPN, year="4")

    plan = build_plan(snap, [existing], SETTINGS)

    line = line_for(plan, "1")
    assert (line.category, line.account_id) == (Category.ERROR, 3)
    assert line.reason == reasons.INVALID_UPN.format(upn=WRONG_CHECK_LETTER)
    assert not plan.of(Category.LEAVER)


def test_a_very_long_value_is_cut_short_in_the_reason() -> None:
    snap = snapshot(pupils=[pupil("1", upn="B" * 500)])

    line = line_for(build_plan(snap, [], SETTINGS), "1")

    assert line.reason == reasons.INVALID_UPN.format(upn="B" * 39 + "…")


def test_the_first_reason_that_applies_wins() -> None:
    snap = snapshot(
        pupils=[
            pupil(LONG_ID, "", upn="bad1"),  # too long an Id, no forename, bad UPN
            pupil("2", "", upn="bad2"),  # no forename, bad UPN
            pupil("3", "X" * 101, upn="bad3"),  # too long a name, bad UPN
            pupil("4", upn="bad4", year="Year 4 Blue"),  # bad UPN, year not mapped
            pupil("5", upn="bad5", reg=""),  # bad UPN, no registration group
        ],
        staff=[staff("41", "", email="not an email"), staff(LONG_ID, email="x")],
    )

    plan = build_plan(snap, [], SETTINGS)

    assert {(c.role, c.mis_id[:3]): c.reason for c in plan.accounts} == {
        ("pupil", "999"): reasons.ID_TOO_LONG.format(label="Id"),
        ("pupil", "2"): reasons.EMPTY_NAME,
        ("pupil", "3"): reasons.NAME_TOO_LONG,
        ("pupil", "4"): reasons.INVALID_UPN.format(upn="BAD4"),
        ("pupil", "5"): reasons.INVALID_UPN.format(upn="BAD5"),
        ("staff", "41"): reasons.EMPTY_NAME,
        ("staff", "999"): reasons.ID_TOO_LONG.format(label="Id"),
    }


BAD_EMAILS = [
    "rosa",
    "rosa@school",  # no dot in the domain
    "rosa@@school.example",
    "rosa@home@school.example",
    "rosa lorrin@school.example",
    "rosa@school.example, office@school.example",
    "rosa@school.example;office@school.example",
    "Rosa Lorrin <rosa@school.example>",
    "@school.example",
    "rosa@.school.example",
    "rosa@school..example",
    "rosa@school.example.",
    ".rosa@school.example",
    "rosa..lorrin@school.example",
    "rosa@-school.example",
    "rosa@school.example\x00",
    "r" * 243 + "@school.example",  # 258 characters: more than the column's 254
]
GOOD_EMAILS = [
    "rosa@school.example",
    "Rosa.Lorrin+staff@mail.school.example",
    "o'brien@school.example",
    "r" * 239 + "@school.example",  # 254 characters
]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_a_work_email_that_is_not_one_valid_address_is_an_error(email: str) -> None:
    assert not is_email(email)
    new = snapshot(staff=[staff("41", email=email)])
    existing = account(3, "RL", "Rosa", "Lorrin", "staff", mis_id="41", email="r@school.example")

    for accounts in ([], [existing]):  # new staff and existing staff alike
        plan = build_plan(new, accounts, SETTINGS)

        line = line_for(plan, "41", "staff")
        assert line.category == Category.ERROR
        assert line.reason == reasons.INVALID_EMAIL.format(email=shown(email))
        assert not plan.of(Category.LEAVER)


@pytest.mark.parametrize("email", GOOD_EMAILS)
def test_a_plain_work_email_is_imported(email: str) -> None:
    assert is_email(email)
    line = line_for(
        build_plan(snapshot(staff=[staff("41", email=email)]), [], SETTINGS), "41", "staff"
    )

    assert (line.category, line.after["email"]) == (Category.NEW, email)


def test_the_invalid_email_reason_in_words() -> None:
    assert reasons.INVALID_EMAIL.format(email="x") == 'Work email "x" is not a valid email address'


def test_a_group_whose_id_is_too_long_is_not_imported_and_its_pupils_are_told_why() -> None:
    long_reg = "R" * 65
    snap = snapshot(
        pupils=[
            pupil("1", "Amy"),
            pupil("2", "Ben", reg="5X", registration_group_id=long_reg),
            pupil("3", "Cara", reg="5X", registration_group_id=""),  # found by name
        ],
        groups=[teaching_group("T" * 65, "Maths", ["1"]), teaching_group("t-2", "Art", ["1"])],
    )
    plan_settings = settings(subject_groups=frozenset({"T" * 65, "t-2"}))

    plan = build_plan(snap, [], plan_settings)

    assert {c.mis_id for c in plan.classes} == {"reg-4ES", "t-2"}
    assert line_for(plan, "1").class_mis_ids == ("reg-4ES", "t-2")
    assert line_for(plan, "2").reason == reasons.REGISTRATION_GROUP_ID_TOO_LONG.format(name="5X")
    assert line_for(plan, "3").reason == reasons.REGISTRATION_GROUP_ID_TOO_LONG.format(name="5X")
    assert categories(plan) == {Category.NEW: 1, Category.ERROR: 2}


def test_a_class_name_or_subject_too_long_is_cut_to_100_characters_and_stays_so() -> None:
    long_name = "4 " + "Extraordinarily " * 10  # 162 characters
    snap = snapshot(
        pupils=[pupil("1", reg=long_name, registration_group_id="reg-1")],
        groups=[teaching_group("t-1", "Maths", ["1"], subject_name="M" * 150)],
    )
    plan_settings = settings(subject_groups=frozenset({"t-1"}))

    plan = build_plan(snap, [], plan_settings)

    by_id = {c.mis_id: c for c in plan.classes}
    assert by_id["reg-1"].name == long_name[:100].rstrip()
    assert len(by_id["reg-1"].name) <= 100
    assert by_id["t-1"].subject == "M" * 100
    line = line_for(plan, "1")
    assert (line.category, line.after["registration_group"]) == (
        Category.NEW,
        long_name[:100].rstrip(),
    )
    again, _, _ = replan(plan, snap, [], plan_settings=plan_settings)
    assert changes_left(again) == []


def test_error_lines_carry_a_code_that_never_depends_on_the_words() -> None:
    snap = snapshot(
        pupils=[pupil("1", forename=" "), pupil("2", "Amy"), pupil("2", "Ben"), pupil("3")],
        staff=[staff("41")],
        problems=(ParseProblem("Students", "The MIS sent a broken record.", 4, "3"),),
    )

    plan = build_plan(snap, [], SETTINGS)

    codes = {(c.mis_id, c.forename): c.reason_code for c in plan.of(Category.ERROR)}
    assert codes == {
        ("1", ""): reasons.EMPTY_NAME.code,
        ("2", "Amy"): reasons.REPEATED_ID.code,
        ("2", "Ben"): reasons.REPEATED_ID.code,
        ("3", "John"): "mis_problem",
    }


def test_a_reason_keeps_its_code_when_filled_in_or_copied() -> None:
    filled = reasons.YEAR_NOT_MAPPED.format(name="Year 4 Blue")
    assert filled == 'Year group "Year 4 Blue" is not mapped to a National Curriculum year'
    assert reasons.code_of(filled) == "year_not_mapped"
    assert reasons.code_of(copy.deepcopy(filled)) == "year_not_mapped"
    assert reasons.code_of("words from elsewhere") == ""
