"""Parsing: the recorded real responses as they are, and the tolerance rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from misclient.envelope import data_sets, exception_message, pagination
from misclient.errors import MalformedResponse
from misclient.parse import (
    NO_ID,
    NOT_A_RECORD,
    build_snapshot,
    has_visible_letter,
    parse_groups,
    parse_pupils,
    parse_staff,
)
from misclient.snapshot import (
    GROUP_HOUSE,
    GROUP_OTHER,
    GROUP_REGISTRATION,
    GROUP_TEACHING,
    GROUP_YEAR,
    snapshot_from_dict,
    snapshot_to_dict,
)

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


@pytest.fixture
def recorded_snapshot():
    students = recorded("students_page1.json")["Students"]
    students += recorded("students_page2.json")["Students"]
    return build_snapshot(
        estab="3281101",
        school_info=recorded("school_info.json")["SchoolInfo"],
        students=students,
        staff=recorded("staff.json")["Staff"],
        groups=recorded("groups.json")["Group"],
    )


def test_recorded_students_parse_with_mis_padding_collapsed(recorded_snapshot):
    pupils = {p.mis_id: p for p in recorded_snapshot.pupils}
    assert list(pupils) == ["3116", "3217", "3221", "3920"]
    albus = pupils["3116"]
    assert (albus.forename, albus.surname, albus.external_id) == (
        "Albus",
        "Dumbledore",
        "05a289a1-d579-4285-b050-894f5e11e04a",
    )
    assert albus.year_group == "Year 4"
    assert (albus.registration_group, albus.registration_group_id) == ("4ES", "188")
    assert albus.status == "OnRoll"
    assert pupils["3920"].year_group == "Year N2"


def test_the_recorded_token_had_no_upn_scope_so_pupils_have_no_upn(recorded_snapshot):
    assert {p.upn for p in recorded_snapshot.pupils} == {""}


def test_sensitive_fields_never_reach_the_snapshot(recorded_snapshot):
    stored = json.dumps(snapshot_to_dict(recorded_snapshot))
    for sensitive in (
        "Muslim",
        "Bangladeshi",
        "Example Street",
        "EX1 1AA",
        "2009-01-12",
        "redacted",
        "WATERS EDGE",  # the school's name: nothing reads it
        "Administrator / Clerk",  # staff roles
        '"RL"',  # staff code
        "N1 PM",  # staff registration groups
        "013e06d4-aa20-4b70-841d-e72767a7f744",  # a group's external id
    ):
        assert sensitive not in stored


def test_recorded_staff_parse_with_their_flags(recorded_snapshot):
    rebecca, valerie = recorded_snapshot.staff
    assert (rebecca.forename, rebecca.surname, rebecca.is_teacher) == ("Rebecca", "Lorrin", False)
    assert rebecca.email == ""  # WorkEmail null; HomeEmail is never used
    assert valerie.mis_id


def test_recorded_groups_come_under_the_singular_key_and_parse(recorded_snapshot):
    first = recorded_snapshot.groups[0]
    assert (first.mis_id, first.kind, first.name, first.code) == ("31", GROUP_YEAR, "Year 1", "1")


def test_recorded_school_info_gives_the_estab(recorded_snapshot):
    assert recorded_snapshot.school.estab == "8232999"
    assert build_snapshot(estab="8231234", school_info=[{"Name": "X"}]).school.estab == "8231234"


def test_a_snapshot_stored_with_fields_no_longer_kept_still_loads(recorded_snapshot):
    stored = json.loads(json.dumps(snapshot_to_dict(recorded_snapshot)))  # as the JSONField
    stored["school"] |= {"name": "WATERS EDGE PRIMARY SCHOOL", "phase": "Primary"}
    stored["staff"][0] |= {"title": "Mrs", "staff_code": "RL", "roles": ["Clerk"]}
    assert snapshot_from_dict(stored) == recorded_snapshot


def test_a_snapshot_round_trips_through_a_dict(recorded_snapshot):
    assert snapshot_from_dict(json.loads(json.dumps(snapshot_to_dict(recorded_snapshot)))) == (
        recorded_snapshot
    )


def test_the_last_page_still_has_next_page_but_says_it_is_the_last():
    last = recorded("students_page2.json")
    assert last["__pagination__"][0]["NextPage"] == "?page=3&pageSize=2"
    info = pagination(last)
    assert info is not None
    assert info.page_number >= info.page_count


def test_a_body_without_pagination_is_one_whole_answer():
    assert pagination(recorded("school_info.json")) is None


def test_the_recorded_error_body_is_an_error_and_success_bodies_are_not():
    assert exception_message(recorded("error.json")) == "Something went wrong"
    assert exception_message(recorded("token.json")) == ""
    assert exception_message(recorded("token_details.json")) == ""


def test_recorded_delta_sets_include_the_deleted_sets():
    sets = data_sets(recorded("students_changed_rows.json"))
    assert [row["Id"] for row in sets["students_deleted"]] == ["3221", "3920"]
    assert "__changedrows__" not in sets


def test_a_set_that_is_not_a_list_is_malformed():
    with pytest.raises(MalformedResponse):
        data_sets({"Students": {"Id": "1"}})


def test_rows_without_id_or_not_records_become_problems_not_guesses():
    pupils, problems = parse_pupils([{"Forename": "No", "Surname": "Id"}, "junk", {"Id": 7}])
    assert [p.mis_id for p in pupils] == ["7"]
    assert [(p.endpoint, p.reason, p.row_number) for p in problems] == [
        ("Students", NO_ID, 1),
        ("Students", NOT_A_RECORD, 2),
    ]


def test_field_names_are_matched_case_insensitively_and_values_coerced():
    (pupil,), _ = parse_pupils(
        [
            {
                "ID": 3116,
                "FORENAME": " Zoë ",
                "surname": "O'Brien",
                "yearGroup": "Year   6",
                "UPN": "b801200005001",
                "DateOfBirth": "2015-01-01",
                "GroupIds": "GC-88, 91,,",
            }
        ]
    )
    assert (pupil.mis_id, pupil.forename, pupil.surname) == ("3116", "Zoë", "O'Brien")
    assert (pupil.year_group, pupil.upn, pupil.group_ids) == (
        "Year 6",
        "B801200005001",
        ("88", "91"),
    )


def test_staff_flags_accept_ints_strings_and_booleans():
    snapshot = build_snapshot(
        estab="1",
        staff=[
            {"Id": "1", "IsTeacher": 1},
            {"Id": "2", "IsTeacher": "1"},
            {"Id": "3", "IsTeacher": None},
            {"Id": "4", "IsTeacher": True},
            {"Id": "5", "IsTeacher": "true"},
            {"Id": "6", "IsTeacher": "0"},
        ],
    )
    assert [s.is_teacher for s in snapshot.staff] == [True, True, False, True, True, False]


@pytest.mark.parametrize(
    ("xod_type", "kind"),
    [
        ("RegGrp", GROUP_REGISTRATION),
        ("TeachingGrp", GROUP_TEACHING),
        ("YearGrp", GROUP_YEAR),
        ("HouseGrp", GROUP_HOUSE),
        ("regGRP", GROUP_REGISTRATION),
        ("Club", GROUP_OTHER),
        (None, GROUP_OTHER),
    ],
)
def test_group_kinds_map_from_the_xod_type(xod_type, kind):
    (group,), _ = parse_groups([{"Id": "1", "Type": xod_type, "Code": "X"}])
    assert group.kind == kind


def test_members_come_from_csv_and_side_sets_with_or_without_prefixes():
    groups, _ = parse_groups(
        [{"Id": "8811", "Type": "TeachingGrp", "Code": "9X1/Fr", "StudentIds": "9919,PL-9925"}],
        student_members=[{"Id": "GC-8811.PL-9660", "GroupId": "GC-8811", "StudentId": "PL-9660"}],
        staff_members=[{"Id": "GC-8811.PWT-25", "GroupId": "8811", "StaffId": "25"}],
    )
    assert groups[0].pupil_ids == ("9919", "9925", "9660")
    assert groups[0].staff_ids == ("25",)


def test_an_id_that_merely_contains_a_dash_is_kept_whole():
    snapshot = build_snapshot(
        estab="1",
        students=[{"Id": "PL-1", "RegGroupId": "RG-4ES", "GroupIds": "RG-4ES"}],
        groups=[{"Id": "RG-4ES", "Type": "RegGrp", "Name": "4ES", "StudentIds": "PL-1"}],
    )
    assert snapshot.groups[0].pupil_ids == ("PL-1",)
    assert snapshot.pupils[0].registration_group_id == "RG-4ES"
    assert snapshot.pupils[0].group_ids == ("RG-4ES",)


def test_pupil_group_ids_are_completed_from_group_members():
    snapshot = build_snapshot(
        estab="1",
        students=[{"Id": "1"}],
        groups=[{"Id": "7", "Type": "TeachingGrp", "Name": "9X1/Ma", "StudentIds": "1"}],
    )
    assert snapshot.pupils[0].group_ids == ("7",)
    assert snapshot.memberships() == [("7", "1", "pupil")]


def test_lone_surrogates_are_dropped_and_pairs_kept():
    # json.loads turns "George\\ud83d" (valid JSON) into a str PostgreSQL cannot store.
    rows = json.loads(
        '[{"Id": "7", "Forename": "George\\ud83d", "Surname": "Sm\\udc00ith",'
        ' "RegGroup": "\\ud83d\\ude00 4ES"}]'
    )
    pupils, problems = parse_pupils(rows)
    assert problems == []
    assert (pupils[0].forename, pupils[0].surname) == ("George", "Smith")
    assert pupils[0].registration_group == "\U0001f600 4ES"
    assert json.dumps(
        snapshot_to_dict(build_snapshot(estab="1", students=rows)), ensure_ascii=False
    ).encode()


def test_bidirectional_controls_are_stripped_from_names():
    overrides = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
    pupils, _ = parse_pupils(
        [
            {
                "Id": "7",
                "Forename": f"Ada{overrides}",
                "Surname": "\u202eecalevoL",
                "RegGroup": "\u20684ES\u2069",
            }
        ]
    )
    staff, _ = parse_staff([{"Id": "8", "Forename": "\u2067Bob", "Surname": "Hall\u202c"}])
    assert (pupils[0].forename, pupils[0].surname) == ("Ada", "ecalevoL")
    assert pupils[0].registration_group == "4ES"
    assert (staff[0].forename, staff[0].surname) == ("Bob", "Hall")
    # Marks that only set a direction, and joiners, are not controls: they stay.
    assert parse_pupils([{"Id": "9", "Forename": "\u200fSara\u200d"}])[0][0].forename == (
        "\u200fSara\u200d"
    )


@pytest.mark.parametrize(
    ("value", "visible"),
    [
        ("John", True),
        ("\u738b", True),
        ("Zoe\u0308", True),
        ("\u200b\u200c\u200d\u2060\ufeff", False),
        ("\u0301\u0308", False),
        ("", False),
        (" - ' ", False),
    ],
)
def test_has_visible_letter(value, visible):
    assert has_visible_letter(value) is visible


def test_control_characters_never_reach_the_snapshot():
    pupils, problems = parse_pupils(
        [
            {
                "Id": "7\x00",
                "Forename": "Ada\x00",
                "Surname": "Love\tlace\x1f",
                "YearGroup": "Year\x00 4",
            }
        ]
    )
    assert problems == []
    assert (pupils[0].mis_id, pupils[0].forename, pupils[0].surname) == ("7", "Ada", "Love lace")
    assert pupils[0].year_group == "Year 4"
