"""Possible duplicates: unlinked accounts that look like an MIS record, and the answers."""

from __future__ import annotations

from tests.wizard.planner_factories import (
    SETTINGS,
    account,
    categories,
    changes_left,
    line_for,
    pupil,
    replan,
    snapshot,
    staff,
    usernames,
)
from wizard.planner import build_plan
from wizard.planner.duplicates import name_key
from wizard.planner.types import CREATE_NEW, LINK, Category, Decisions, LocalClass, decision_key

HAND_MADE = account(5, "jsmith1", "John", "Smith", year="4", class_ids=frozenset({1}))
CLASSES = [LocalClass(1, "4ES", "registration")]  # made by hand; linked by name
PUPIL_1 = decision_key("pupil", "1")
SNAP = snapshot(pupils=[pupil("1", "John", "Smith", external_id="e-1", upn="B801200005001")])


def test_an_unlinked_account_with_the_same_name_and_year_is_a_possible_duplicate() -> None:
    plan = build_plan(SNAP, [HAND_MADE], SETTINGS, classes=CLASSES)

    line = line_for(plan, "1")
    assert line.category == Category.DUPLICATE
    assert (line.candidate_account_id, line.candidate_username) == (5, "jsmith1")
    assert line.username == ""
    assert plan.counts()["duplicates"] == 1


def test_names_are_compared_transliterated_case_folded_and_letters_only() -> None:
    assert name_key("Zoë", "O'Brien") == name_key("ZOE", "obrien") == "zoe obrien"
    assert name_key("", "Smith") == ""
    twin = account(5, "zoe", "zoe", "o brien")

    plan = build_plan(snapshot(pupils=[pupil("1", "Zoë", "O'Brien")]), [twin], SETTINGS)

    assert line_for(plan, "1").category == Category.DUPLICATE


def test_no_duplicate_in_another_year_or_role_or_when_archived_or_linked() -> None:
    accounts = [
        account(5, "a", year="5"),
        account(6, "b", role="staff"),
        account(7, "c", archived=True),
        account(8, "d", mis_id="99", mis_source="wonde"),
    ]

    plan = build_plan(SNAP, accounts, SETTINGS)

    assert categories(plan) == {Category.NEW: 1}


def test_link_takes_over_the_account_and_keeps_its_login() -> None:
    decisions = Decisions(duplicates={PUPIL_1: LINK})

    plan = build_plan(SNAP, [HAND_MADE], SETTINGS, decisions, classes=CLASSES)

    line = line_for(plan, "1")
    assert line.category == Category.UPDATED
    assert (line.account_id, line.username) == (5, "jsmith1")
    assert line.after == {"mis_id": "1", "mis_external_id": "e-1", "upn": "B801200005001"}
    again, accounts, _ = replan(plan, SNAP, [HAND_MADE], CLASSES, decisions=decisions)
    assert changes_left(again) == []
    assert (accounts[0].username, accounts[0].mis_source) == ("jsmith1", "xod")


def test_link_into_a_different_class_is_a_move() -> None:
    plan = build_plan(SNAP, [HAND_MADE], SETTINGS, Decisions(all_duplicates=LINK))

    line = line_for(plan, "1")
    assert line.category == Category.MOVED
    assert line.after["registration_group"] == "4ES"


def test_create_new_gives_a_new_account_of_its_own() -> None:
    for decisions in (
        Decisions(duplicates={PUPIL_1: CREATE_NEW}),
        Decisions(all_duplicates=CREATE_NEW),
    ):
        plan = build_plan(SNAP, [HAND_MADE], SETTINGS, decisions)

        assert usernames(plan) == {"1": "JohnS"}
        # The account it is not, so that the answer can be remembered.
        assert line_for(plan, "1").candidate_account_id == 5


def test_a_remembered_not_a_duplicate_answer_rules_the_pair_out() -> None:
    decisions = Decisions(not_duplicates=frozenset({("1", 5)}))

    plan = build_plan(SNAP, [HAND_MADE], SETTINGS, decisions)

    assert categories(plan) == {Category.NEW: 1}


def test_a_per_record_answer_wins_over_the_answer_for_all() -> None:
    decisions = Decisions(duplicates={PUPIL_1: CREATE_NEW}, all_duplicates=LINK)

    plan = build_plan(SNAP, [HAND_MADE], SETTINGS, decisions)

    assert line_for(plan, "1").category == Category.NEW


def test_twins_and_one_hand_made_account_are_never_merged() -> None:
    snap = snapshot(pupils=[pupil("1"), pupil("2")])

    unanswered = build_plan(snap, [HAND_MADE], SETTINGS)
    link_all = build_plan(snap, [HAND_MADE], SETTINGS, Decisions(all_duplicates=LINK))
    second_is_it = build_plan(
        snap, [HAND_MADE], SETTINGS, Decisions(duplicates={decision_key("pupil", "2"): LINK})
    )
    first_is_not = build_plan(
        snap, [HAND_MADE], SETTINGS, Decisions(duplicates={PUPIL_1: CREATE_NEW})
    )

    assert [c.category for c in unanswered.accounts] == [Category.DUPLICATE, Category.NEW]
    assert usernames(unanswered) == {"2": "JohnS"}
    assert [c.account_id for c in link_all.accounts] == [5, None]
    assert [c.account_id for c in second_is_it.accounts] == [None, 5]
    assert [c.category for c in first_is_not.accounts] == [Category.NEW, Category.DUPLICATE]


def test_staff_with_the_same_work_email_are_possible_duplicates() -> None:
    snap = snapshot(staff=[staff("41", "Rosa", "Lorrin", email="r.lorrin@school.example")])
    hand_made = account(
        5, "mrsl", "Rosie", "Lorrin-Smith", "staff", email="R.Lorrin@school.example"
    )

    line = line_for(build_plan(snap, [hand_made], SETTINGS), "41", "staff")

    assert (line.category, line.candidate_account_id) == (Category.DUPLICATE, 5)


def test_a_staff_duplicate_without_email_can_be_linked_but_not_created() -> None:
    snap = snapshot(staff=[staff("41", "Rosa", "Lorrin", email="")])
    hand_made = account(5, "mrsl", "Rosa", "Lorrin", "staff", email="r@school.example")

    linked = build_plan(snap, [hand_made], SETTINGS, Decisions(all_duplicates=LINK))
    created = build_plan(snap, [hand_made], SETTINGS, Decisions(all_duplicates=CREATE_NEW))

    assert line_for(linked, "41", "staff").category == Category.UPDATED
    assert line_for(created, "41", "staff").category == Category.ERROR


def test_answers_are_keyed_by_role_and_mis_id() -> None:
    assert decision_key("pupil", "19") == "pupil:19"
    assert decision_key("staff", "19") == "staff:19"


def test_an_answer_for_a_pupil_is_not_an_answer_for_staff_with_the_same_mis_id() -> None:
    # Pupil 19 and staff 19 are different people, each a possible duplicate of a hand-made
    # account of their own role.
    snap = snapshot(
        pupils=[pupil("19", "John", "Smith")],
        staff=[staff("19", "Rosa", "Lorrin", email="r.lorrin@school.example")],
    )
    accounts = [HAND_MADE, account(6, "mrsl", "Rosa", "Lorrin", "staff")]

    pupil_linked = build_plan(
        snap, accounts, SETTINGS, Decisions(duplicates={decision_key("pupil", "19"): LINK})
    )
    staff_new = build_plan(
        snap, accounts, SETTINGS, Decisions(duplicates={decision_key("staff", "19"): CREATE_NEW})
    )
    bare_id = build_plan(snap, accounts, SETTINGS, Decisions(duplicates={"19": LINK}))

    assert (line_for(pupil_linked, "19").category, line_for(pupil_linked, "19").account_id) == (
        Category.MOVED,
        5,
    )
    assert line_for(pupil_linked, "19", "staff").category == Category.DUPLICATE
    assert line_for(staff_new, "19").category == Category.DUPLICATE
    assert line_for(staff_new, "19", "staff").category == Category.NEW
    assert line_for(staff_new, "19", "staff").candidate_account_id == 6
    assert categories(bare_id) == {Category.DUPLICATE: 2}  # not a key: no answer


def test_a_new_record_matched_by_hand_takes_over_that_account() -> None:
    renamed = account(7, "jjones", "Jane", "Jones", year="4")  # typed in before a marriage
    snap = snapshot(pupils=[pupil("1", "Jane", "Smith"), pupil("2", "Tom", "Lee")])
    before = build_plan(snap, [renamed], SETTINGS, classes=CLASSES)
    assert line_for(before, "1").category == Category.NEW

    plan = build_plan(snap, [renamed], SETTINGS, Decisions(links={PUPIL_1: 7}), classes=CLASSES)

    line = line_for(plan, "1")
    assert line.category in (Category.UPDATED, Category.MOVED)
    assert (line.account_id, line.username) == (7, "jjones")
    assert line.after["surname"] == "Smith"
    assert line_for(plan, "2").category == Category.NEW


def test_a_match_by_hand_to_an_unsuitable_account_is_ignored() -> None:
    linked = account(7, "jjones", "Jane", "Jones", mis_id="99", mis_source="xod")
    staff_account = account(8, "mrsmith", "Jane", "Smith", role="staff")
    snap = snapshot(pupils=[pupil("1", "Jane", "Smith"), pupil("2", "Jo", "Smith")])
    for target in (7, 8, 123):
        plan = build_plan(
            snap, [linked, staff_account], SETTINGS, Decisions(links={PUPIL_1: target})
        )
        assert line_for(plan, "1").category == Category.NEW
    # Two records matched to one account: the first (in the planner's order) has it.
    pupil_2 = decision_key("pupil", "2")
    free = account(9, "jsmith", "J", "Smith", year="4")
    plan = build_plan(snap, [free], SETTINGS, Decisions(links={PUPIL_1: 9, pupil_2: 9}))
    assert [line_for(plan, mis_id).account_id for mis_id in ("1", "2")].count(9) == 1
