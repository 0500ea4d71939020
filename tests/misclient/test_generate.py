"""The dataset generator and the rollover: realistic, awkward, deterministic, fast."""

from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict

import pytest

from misclient.fake.generate import generate_dataset
from misclient.fake.generate.rollover import rollover_dataset
from misclient.fake.server.dataset import load_dataset
from misclient.upn import is_valid_upn
from tests.fixtures_xod import serving

PRIMARY_NAMES = ["Nursery 1", "Nursery 2", "Reception", *(f"Year  {n}" for n in range(1, 7))]
SECONDARY_NAMES = [
    *(f"Year  {n}" for n in range(7, 10)),
    "Year 10",
    "Year 11",
    "Year 12",
    "Year 13",
]


@pytest.fixture(scope="module")
def primary():
    return generate_dataset(pupils=300, staff=40, phase="primary", seed=1)["schools"][0]


@pytest.fixture(scope="module")
def big_secondary():
    return generate_dataset(pupils=2000, staff=150, phase="secondary", seed=5)["schools"][0]


def groups_of(school, kind):
    return [g for g in school["Groups"] if g["Type"] == kind]


def test_the_same_seed_gives_the_same_dataset_and_another_seed_another():
    first = generate_dataset(pupils=80, staff=10, seed=3)
    assert json.dumps(first) == json.dumps(generate_dataset(pupils=80, staff=10, seed=3))
    assert json.dumps(first) != json.dumps(generate_dataset(pupils=80, staff=10, seed=4))


def test_the_dataset_is_in_the_server_format_with_the_defaults(primary):
    dataset = generate_dataset(pupils=30, staff=5)
    assert dataset["relying_party"] == "mis-sync-wizard.localhost"
    school = dataset["schools"][0]
    assert (school["estab"], school["authorisation_paused"]) == ("8231234", False)
    assert set(school) == {"estab", "secret", "scopes", "authorisation_paused"} | {
        "SchoolInfo",
        "Students",
        "Staff",
        "Groups",
    }
    assert load_dataset(dataset).schools["8231234"].secret == school["secret"]


def test_a_primary_has_nursery_to_year_6_with_mis_style_names(primary):
    assert [g["Name"] for g in groups_of(primary, "YearGrp")] == PRIMARY_NAMES
    assert [g["Code"] for g in groups_of(primary, "YearGrp")][:3] == ["N1", "N2", "R"]
    regs = [g["Name"] for g in groups_of(primary, "RegGrp")]
    assert all(re.fullmatch(r"(N[12] [AP]M|[R1-6][A-Z]{2}\d?)", name) for name in regs), regs
    assert not groups_of(primary, "TeachingGrp")
    assert primary["SchoolInfo"]["Phase"] == "Primary"


def test_a_secondary_has_years_7_to_13_forms_subject_classes_and_houses(big_secondary):
    assert [g["Name"] for g in groups_of(big_secondary, "YearGrp")] == SECONDARY_NAMES
    assert "7B" in {g["Name"] for g in groups_of(big_secondary, "RegGrp")}
    classes = groups_of(big_secondary, "TeachingGrp")
    assert "9X1/Ma" in {g["Name"] for g in classes}
    assert all(g["SubjectCode"] and g["SubjectName"] and g["StaffIds"] for g in classes)
    assert {g["SubjectName"] for g in classes} >= {"Mathematics", "English", "Science", "French"}
    assert len(groups_of(big_secondary, "HouseGrp")) == 4


def test_every_pupil_is_in_their_year_group_and_registration_group(primary):
    members = {g["Id"]: set(g["StudentIds"].split(",")) for g in primary["Groups"]}
    for pupil in primary["Students"]:
        assert pupil["Id"] in members[pupil["YearGroupId"]]
        if pupil["RegGroupId"]:
            assert pupil["Id"] in members[pupil["RegGroupId"]]


def test_ids_are_unique_strings(big_secondary):
    for rows in (big_secondary["Students"], big_secondary["Staff"], big_secondary["Groups"]):
        ids = [row["Id"] for row in rows]
        assert len(ids) == len(set(ids))
        assert all(isinstance(i, str) for i in ids)
    assert len({p["ExternalId"] for p in big_secondary["Students"]}) == 2000


def test_every_upn_has_a_valid_check_letter_and_is_unique(big_secondary):
    upns = [p["UPN"] for p in big_secondary["Students"]]
    former = [p["FormerUPN"] for p in big_secondary["Students"] if p["FormerUPN"]]
    assert all(is_valid_upn(upn) for upn in upns + former)
    assert len(set(upns)) == len(upns)
    assert former  # a few pupils came with an older UPN
    assert any(upn[-1].isalpha() for upn in upns)  # and a few have a temporary one


def test_twins_share_surname_year_and_class_and_a_forename_initial(primary):
    by_key = defaultdict(list)
    for p in primary["Students"]:
        by_key[(p["Surname"], p["RegGroup"], p["DateofBirth"], p["Forename"][0])].append(p)
    twins = [pair for pair in by_key.values() if len(pair) == 2]
    assert len(twins) >= 3
    assert all(a["Forename"] != b["Forename"] for a, b in twins)
    assert all(a["YearGroup"] == b["YearGroup"] and a["RegGroup"] for a, b in twins)


def test_some_pupils_share_a_name_with_a_pupil_in_another_year(primary):
    years = defaultdict(set)
    for p in primary["Students"]:
        years[(p["Forename"], p["Surname"])].add(p["YearGroup"])
    assert any(len(found) > 1 for found in years.values())


def test_names_of_many_origins_and_scripts(big_secondary):
    names = [f"{p['Forename']} {p['Surname']}" for p in big_secondary["Students"]]
    text = " ".join(names)
    assert any(c in text for c in "ëéøłšäñ")
    assert "'" in text  # O'Brien
    assert re.search(r"\w-\w", text)  # Ashworth-Hale
    assert re.search(r"\b(van der|van den|de|Da) [A-Z]", text)
    assert re.search("[\u0370-\u03ff]", text)  # Greek
    assert re.search("[\u0400-\u04ff]", text)  # Cyrillic
    assert re.search("[\u4e00-\u9fff]", text)  # Chinese


def test_a_few_pupils_have_no_registration_group(primary):
    without = [p for p in primary["Students"] if not p["RegGroup"]]
    assert 1 <= len(without) <= 5
    assert all(p["YearGroupId"] for p in without)


def test_staff_are_mostly_teachers_with_codes_and_work_emails(big_secondary):
    staff = big_secondary["Staff"]
    teachers = [s for s in staff if s["IsTeacher"] == 1]
    support = [s for s in staff if s["IsSupport"] == 1]
    assert len(teachers) > len(support) > 0
    assert len({s["StaffCode"] for s in staff}) == len(staff)
    domain = big_secondary["SchoolInfo"]["Email"].split("@")[1]
    emails = [s["WorkEmail"] for s in staff if s["WorkEmail"]]
    assert all(e.endswith("@" + domain) and e.isascii() for e in emails)
    assert len(set(emails)) == len(emails)
    assert 1 <= len(staff) - len(emails) <= 10
    assert sum("Headteacher" in s["Roles"] for s in staff) == 1


def test_sensitive_fields_are_there_to_be_dropped(primary):
    pupil = primary["Students"][0]
    assert {"SENProvision", "FSMEligible", "AddressBlock"} <= set(pupil)
    assert pupil["ServiceChild"] == "0"


def test_generating_and_reading_2000_pupils_is_quick(big_secondary):
    started = time.perf_counter()
    dataset = generate_dataset(pupils=2000, staff=150, phase="secondary", seed=5)
    generated = time.perf_counter()
    with serving(dataset) as fake:
        snapshot = fake.client(timeout=10).fetch_snapshot()
    fetched = time.perf_counter()
    assert len(snapshot.pupils) == 2000
    assert len(snapshot.staff) == 150
    assert generated - started < 3
    assert fetched - generated < 8
    print(f"generate {generated - started:.2f}s, serve and fetch {fetched - generated:.2f}s")


@pytest.fixture(scope="module")
def rollover():
    before = generate_dataset(pupils=300, staff=40, phase="secondary", seed=2)
    return before["schools"][0], rollover_dataset(before, seed=2)["schools"][0]


def test_rollover_moves_the_academic_year_on(rollover):
    before, after = rollover
    assert int(after["SchoolInfo"]["CurrentAcademicYear"]) == (
        int(before["SchoolInfo"]["CurrentAcademicYear"]) + 1
    )
    assert load_dataset({"schools": [after]}).schools[after["estab"]]


def test_rollover_moves_pupils_up_a_year_keeping_external_id_and_upn(rollover):
    before, after = rollover
    old = {p["ExternalId"]: p for p in before["Students"]}
    stayed = [
        p for p in after["Students"] if p["ExternalId"] in old and p["StudentStatus"] == "OnRoll"
    ]
    assert len(stayed) > 200
    for pupil in stayed:
        was = old[pupil["ExternalId"]]
        assert pupil["UPN"] == was["UPN"]
        assert int(pupil["YearGroup"].split()[-1]) == int(was["YearGroup"].split()[-1]) + 1
        assert pupil["RegGroupId"] != was["RegGroupId"] or not was["RegGroupId"]
    old_reg_ids = {g["Id"] for g in groups_of(before, "RegGrp")}
    assert not old_reg_ids & {g["Id"] for g in groups_of(after, "RegGrp")}


def test_rollover_top_year_leaves_and_a_new_intake_arrives(rollover):
    before, after = rollover
    old = {p["ExternalId"] for p in before["Students"]}
    top = {p["ExternalId"] for p in before["Students"] if p["YearGroup"] == "Year 13"}
    leavers = {p["ExternalId"] for p in after["Students"] if p["StudentStatus"] == "Leaver"}
    assert top <= leavers
    assert len(leavers - top) >= 1  # Year 11 leavers and mid-year leavers
    new = [p for p in after["Students"] if p["ExternalId"] not in old]
    years = Counter(p["YearGroup"] for p in new)
    assert years["Year  7"] > 30
    assert sum(years.values()) > years["Year  7"]  # mid-year joiners elsewhere
    assert all(is_valid_upn(p["UPN"]) for p in new)


def test_rollover_re_enrols_one_pupil_under_a_new_id(rollover):
    before, after = rollover
    old = {p["ExternalId"]: p["Id"] for p in before["Students"]}
    changed = [
        p for p in after["Students"] if p["ExternalId"] in old and old[p["ExternalId"]] != p["Id"]
    ]
    assert len(changed) == 1


def test_rollover_a_teacher_leaves_and_another_starts(rollover):
    before, after = rollover
    old = {s["ExternalId"] for s in before["Staff"]}
    left = [s for s in after["Staff"] if s["StaffStatus"] == "Previous"]
    started = [s for s in after["Staff"] if s["ExternalId"] not in old]
    assert len(left) == 1
    assert left[0]["IsTeacher"] == 1
    assert len(started) == 1
    assert started[0]["IsTeacher"] == 1


def test_rollover_keeps_most_class_ids_but_changes_some(rollover):
    before, after = rollover
    old = {g["Name"]: g["Id"] for g in groups_of(before, "TeachingGrp")}
    same_name = [g for g in groups_of(after, "TeachingGrp") if g["Name"] in old]
    kept = [g for g in same_name if old[g["Name"]] == g["Id"]]
    assert len(same_name) / 2 < len(kept) < len(same_name)
    years = {g["Code"]: g["Id"] for g in groups_of(before, "YearGrp")}
    assert all(years[g["Code"]] == g["Id"] for g in groups_of(after, "YearGrp"))


def test_rollover_changes_row_hashes_of_changed_rows_only(rollover):
    before, after = rollover
    old = {s["ExternalId"]: s for s in before["Staff"]}
    for member in after["Staff"]:
        was = old.get(member["ExternalId"])
        if was and {k: v for k, v in was.items() if k not in ("RowHash", "LastUpdated")} == {
            k: v for k, v in member.items() if k not in ("RowHash", "LastUpdated")
        }:
            assert member["RowHash"] == was["RowHash"]
        elif was:
            assert member["RowHash"] != was["RowHash"]


def test_a_primary_rolls_over_too(primary):
    after = rollover_dataset({"schools": [primary]}, seed=1)["schools"][0]
    assert [g["Name"] for g in groups_of(after, "YearGrp")] == PRIMARY_NAMES
    was = {p["ExternalId"]: p for p in primary["Students"]}
    reception = [p for p in after["Students"] if p["YearGroup"] == "Reception"]
    moved_up = [p for p in reception if p["ExternalId"] in was]
    assert len(moved_up) >= len(reception) - 2  # a mid-year joiner may have arrived
    assert all(was[p["ExternalId"]]["YearGroup"] == "Nursery 2" for p in moved_up)


def test_rollover_is_deterministic_and_leaves_its_input_alone():
    before = generate_dataset(pupils=120, staff=15, phase="secondary", seed=8)
    snapshot = json.dumps(before)
    first = rollover_dataset(before, seed=8)
    assert json.dumps(before) == snapshot
    assert json.dumps(first) == json.dumps(rollover_dataset(before, seed=8))
