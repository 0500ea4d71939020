"""Classes: matched by MIS id, else by name to a hand-made class."""

from __future__ import annotations

from misclient.snapshot import MisGroup
from tests.wizard.planner_factories import (
    SETTINGS,
    account,
    changes_left,
    line_for,
    pupil,
    replan,
    settings,
    snapshot,
    teaching_group,
)
from wizard.planner import build_plan
from wizard.planner.types import Category, ClassCategory, LocalClass

SNAP = snapshot(
    pupils=[
        pupil("1", reg="4ES"),
        pupil("2", "Amy", reg="4ES"),
        pupil("3", year="Year 5", reg="4ES"),
    ],
    groups=[
        teaching_group("t-1", "4 Maths", ["1"], subject_name="Maths"),
        MisGroup("h-1", "house", "Red house", pupil_ids=("1",)),
    ],
)
MATHS = settings(subject_groups=frozenset({"t-1"}))


def by_mis_id(plan) -> dict:
    return {c.mis_id: c for c in plan.classes}


def test_new_classes_take_their_year_from_their_pupils() -> None:
    plan = build_plan(SNAP, [], MATHS)

    classes = by_mis_id(plan)
    assert set(classes) == {"reg-4ES", "t-1"}  # houses are never imported
    assert classes["reg-4ES"].category == ClassCategory.NEW
    assert classes["reg-4ES"].after == {
        "mis_id": "reg-4ES",
        "name": "4ES",
        "kind": "registration",
        "subject": "",
        "year": "4",
    }
    assert (classes["t-1"].subject, classes["t-1"].year) == ("Maths", "")


def test_on_the_first_sync_hand_made_classes_are_linked_by_exact_name_and_kind() -> None:
    hand_made = [
        LocalClass(1, "4ES", "registration", year="3"),
        LocalClass(2, "4 maths", "teaching"),  # not the exact name
        LocalClass(3, "4 Maths", "registration"),  # not the same kind
    ]

    plan = build_plan(SNAP, [], MATHS, classes=hand_made)

    classes = by_mis_id(plan)
    assert classes["reg-4ES"].category == ClassCategory.LINKED
    assert classes["reg-4ES"].class_id == 1
    assert classes["reg-4ES"].before == {"mis_id": "", "year": "3"}
    assert classes["reg-4ES"].after == {"mis_id": "reg-4ES", "year": "4"}
    assert classes["t-1"].category == ClassCategory.NEW


def test_after_the_first_sync_a_hand_made_class_of_an_unlinked_group_still_links() -> None:
    # As after an undo gave the class back to the school: linking it again avoids a
    # second "4ES"; a group already linked to a class never takes a hand-made one.
    local = [
        LocalClass(1, "5B", "registration", mis_id="reg-5B"),
        LocalClass(2, "4ES", "registration"),
        LocalClass(3, "5B", "registration"),
    ]

    plan = build_plan(SNAP, [], SETTINGS, classes=local)

    classes = by_mis_id(plan)
    assert classes["reg-4ES"].category == ClassCategory.LINKED
    assert classes["reg-4ES"].class_id == 2
    assert classes["reg-5B"].category == ClassCategory.ARCHIVED
    assert classes["reg-5B"].after == {"archived": True}
    assert 3 not in {c.class_id for c in plan.classes}


def test_classes_are_matched_by_mis_id_and_updated() -> None:
    local = [
        LocalClass(1, "Old name", "registration", mis_id="reg-4ES", year="4"),
        LocalClass(2, "4 Maths", "teaching", mis_id="t-1", subject="Mathematics", year="4"),
        LocalClass(3, "Gone", "teaching", mis_id="t-9", archived=True),
    ]

    plan = build_plan(SNAP, [], MATHS, classes=local)

    classes = by_mis_id(plan)
    assert classes["reg-4ES"].category == ClassCategory.UPDATED
    assert classes["reg-4ES"].after == {"name": "4ES"}
    # The MIS gives a teaching group no year, so the school's own is kept.
    assert classes["t-1"].before == {"subject": "Mathematics"}
    assert classes["t-1"].year == "4"
    assert "t-9" not in classes  # archived before, and still gone: left alone


def test_a_class_that_comes_back_is_restored() -> None:
    local = [LocalClass(1, "4ES", "registration", mis_id="reg-4ES", year="4", archived=True)]

    plan = build_plan(SNAP, [], SETTINGS, classes=local)

    assert by_mis_id(plan)["reg-4ES"].after == {"archived": False}


def test_unselecting_a_teaching_group_archives_it_and_takes_its_members_out() -> None:
    local = [
        LocalClass(1, "4ES", "registration", mis_id="reg-4ES", year="4"),
        LocalClass(2, "4 Maths", "teaching", mis_id="t-1", subject="Maths"),
    ]
    member = account(1, "JohnS", mis_id="1", year="4", class_ids=frozenset({1, 2}))

    plan = build_plan(SNAP, [member], SETTINGS, classes=local)

    assert by_mis_id(plan)["t-1"].category == ClassCategory.ARCHIVED
    line = line_for(plan, "1")
    assert line.category == Category.UPDATED
    assert (line.before, line.after) == ({"classes": ["reg-4ES", "t-1"]}, {"classes": ["reg-4ES"]})
    again, _, _ = replan(plan, SNAP, [member], local)
    assert [c for c in changes_left(again) if c.mis_id == "1"] == []


def test_first_sync_into_hand_made_classes_plans_nothing_more_the_second_time() -> None:
    hand_made = [LocalClass(1, "4ES", "registration"), LocalClass(2, "4 Maths", "teaching")]

    plan = build_plan(SNAP, [], MATHS, classes=hand_made)
    again, _, classes = replan(plan, SNAP, [], hand_made, MATHS)

    assert changes_left(again) == []
    assert len(classes) == 2
