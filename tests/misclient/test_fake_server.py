"""The fake XoD answers like the real one: the envelope, quirks and options of the
reference and the recorded responses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from misclient.fake.server import FakeXodServer
from misclient.fake.server.dataset import DatasetError, load_dataset
from tests.fixtures_xod import serving

RECORDED = Path(__file__).parent / "recorded"
SMALL_SCHOOL = Path(__file__).parent / "data" / "small_school.json"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


@pytest.fixture
def get(fake_xod):
    """GET School/{estab}/{path} with a valid token; returns the JSON body."""
    token = fake_xod.client().token()

    def get(path: str, **params: str) -> dict:
        answer = requests.get(
            f"{fake_xod.base_url}School/{fake_xod.estab}/{path}",
            params=params,
            headers={"Authorization": f"Idaas {token}"},
            timeout=5,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    return get


def test_the_token_answer_has_the_recorded_shape(fake_xod):
    answer = requests.post(
        fake_xod.token_url,
        json={
            "estab": fake_xod.estab,
            "relyingParty": fake_xod.relying_party,
            "password": fake_xod.secret,
            "thirdPartyId": "XporterOnDemand",
        },
        timeout=5,
    ).json()
    assert set(recorded("token.json")) <= set(answer)
    assert len(answer["token"]) > 600
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", answer["expires"])


def test_a_refused_token_answer_is_http_200_with_an_exception_message(fake_xod):
    answer = requests.post(
        fake_xod.legacy_token_url,
        json={"estab": fake_xod.estab, "relyingParty": fake_xod.relying_party, "password": "x"},
        timeout=5,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["token"], body["expires"]) == (None, "0001-01-01T00:00:00")
    assert body["ExceptionMessage"] == "Relying Party not found for estab or secret not correct"


def test_token_details_has_the_recorded_keys(fake_xod):
    client = fake_xod.client()
    answer = requests.get(
        fake_xod.base_url + "TokenDetails",
        headers={"Authorization": f"Idaas {client.token()}"},
        timeout=5,
    ).json()
    assert set(answer) == set(recorded("token_details.json"))


def test_groups_come_under_the_singular_key_with_the_side_sets(get):
    body = get("Groups", pageSize="2")
    assert list(body) == list(recorded("groups.json"))
    assert set(body["Group"][0]) >= {"Id", "Type", "Code", "Name", "RowHash", "LastUpdated"}
    assert "StudentIds" not in body["Group"][0]


def test_next_page_is_set_even_on_the_last_page(get):
    first = get("Students", pageSize="50")["__pagination__"][0]
    last = get("Students", page=str(first["PageCount"]), pageSize="50")["__pagination__"][0]
    assert last["PageNumber"] == last["PageCount"]
    assert last["NextPage"] == f"?page={last['PageCount'] + 1}&pageSize=50"
    assert set(last) == set(recorded("students_page2.json")["__pagination__"][0])


def test_no_pagination_block_without_paging_parameters(get):
    body = get("Students")
    assert "__pagination__" not in body
    assert list(body) == ["Students", "StudentSiblings", "meta"]


def test_student_rows_have_the_real_quirks(get, fake_xod):
    school = fake_xod.app.school(fake_xod.estab)
    school.scopes += ["StudentFunding", "StudentFamily", "SEN", "Address"]
    row = get("Students")["Students"][0]
    assert "DateofBirth" in row
    assert "DateOfBirth" not in row
    assert re.fullmatch(r"Year {1,2}\d{1,2}|Nursery \d|Reception", row["YearGroup"])
    assert isinstance(row["Id"], str)
    assert isinstance(row["FSMEligible"], int)
    assert row["ServiceChild"] == "0"
    assert re.fullmatch(r"[0-9A-F]{40}", row["RowHash"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", row["LastUpdated"])
    assert set(row) <= set(recorded("student_3116.json")["Students"][0]) | {"UPN", "FormerUPN"}


def test_staff_rows_have_the_recorded_field_names(get):
    row = get("Staff")["Staff"][0]
    assert "DateOfBirth" in row
    assert set(row) <= set(recorded("staff.json")["Staff"][0])
    assert row["IsTeacher"] in (0, 1)


def test_options_add_group_ids_and_member_ids(get):
    assert "GroupIds" not in get("Students")["Students"][0]
    assert get("Students", options="includeGroupIds")["Students"][0]["GroupIds"]
    group = get("Groups", options="includeMembersIds,includeSubjects", Type="TeachingGrp")["Group"][
        0
    ]
    assert all(group[key] for key in ("StudentIds", "StaffIds", "SubjectCode", "SubjectName"))
    body = get("Groups", options="includeStudentMembers,includeStaffMembers", Type="RegGrp")
    assert body["StudentMembers"][0]["StudentId"].startswith("PL-")
    assert not body["StaffMembers"][0]["StaffId"].startswith("PWT-")


def test_the_type_filter_and_an_id_in_the_path(get):
    types = {g["Type"] for g in get("Groups", Type="YearGrp")["Group"]}
    assert types == {"YearGrp"}
    one = get("Students")["Students"][3]
    assert get(f"Students/{one['Id']}")["Students"] == [one]


def test_teachers_only_and_leavers_options(get, fake_xod):
    teachers = get("Staff", options="teachersOnly")["Staff"]
    everyone = get("Staff")["Staff"]
    assert 0 < len(teachers) < len(everyone)
    assert {row["IsTeacher"] for row in teachers} == {1}
    school = fake_xod.app.school(fake_xod.estab)
    leaver = {**school.students[0], "StudentStatus": "Leaver", "LeavingDate": "2026-10-01"}
    school.set_rows("Students", [leaver, *school.students[1:]])
    on_roll = get("Students")["Students"]
    with_leavers = get("Students", options="includeLeavers")["Students"]
    assert len(with_leavers) == len(on_roll) + 1
    assert get("Students", studentStatus="Leaver")["Students"][0]["Id"] == leaver["Id"]


def test_changed_rows_give_deltas_with_deleted_ids(get, fake_xod):
    first = get("Students", changedRows="*", pageSize="500")
    assert (first["Students_deleted"], first["StudentSiblings_deleted"]) == ([], [])
    assert first["meta"] == []
    step = first["__changedRows__"][0]
    assert set(step) == set(recorded("students_changed_rows.json")["__changedRows__"][0])
    school = fake_xod.app.school(fake_xod.estab)
    rows = school.students
    renamed = {**rows[1], "Forename": "Renamed"}
    school.set_rows("Students", [renamed, *rows[2:]])
    second = get("Students", changedRows=step["NextChangedRows"], pageSize="500")
    assert [row["Forename"] for row in second["Students"]] == ["Renamed"]
    assert second["Students_deleted"] == [{"Id": rows[0]["Id"]}]
    third = get("Students", changedRows=second["__changedRows__"][0]["NextChangedRows"])
    assert (third["Students"], third["Students_deleted"]) == ([], [])


def test_an_unknown_changed_rows_token_is_an_xod_error(fake_xod):
    client = fake_xod.client()
    answer = requests.get(
        f"{fake_xod.base_url}School/{fake_xod.estab}/Students",
        params={"changedRows": "nonsense"},
        headers={"Authorization": f"Idaas {client.token()}"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert "nonsense" in answer.json()["ExceptionMessage"]


def test_a_hand_written_dataset_is_served_and_read_completely():
    dataset = json.loads(SMALL_SCHOOL.read_text(encoding="utf-8"))
    with serving(dataset) as fake:
        snapshot = fake.client().fetch_snapshot()
        other = fake.client(estab="8239999", secret="hand-written-secret-2").fetch_snapshot()
    assert [p.forename for p in snapshot.pupils] == ["Amelia", "Zoë", "John", "Jack", "Łukasz"]
    assert snapshot.pupils[0].upn == "B801200005001"
    assert snapshot.pupils[4].registration_group == ""
    assert [s.email for s in snapshot.staff][2] == ""
    assert {g.name: g.staff_ids for g in snapshot.groups}["4CD"] == ("12", "13")
    assert (snapshot.school.estab, other.school.estab) == ("8231234", "8239999")
    assert [(p.forename, p.year_group, p.registration_group) for p in other.pupils] == [
        ("Sam", "Reception", "RW")
    ]
    assert other.school.estab == "8239999"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.pop("schools"), '"schools" list'),
        (lambda d: d["schools"][0].pop("estab"), "estab is required"),
        (lambda d: d["schools"][0].update(secret=""), "secret must be text, or null"),
        (lambda d: d["schools"][0].update(Student=[]), "unknown keys ['Student']"),
        (lambda d: d["schools"][0].update(Students={"Id": "1"}), "Students must be a list"),
        (lambda d: d["schools"][0].update(faults=[{"kind": "boom"}]), "fault kind"),
        (lambda d: d["schools"].append(dict(d["schools"][0])), "same estab"),
    ],
)
def test_a_dataset_not_in_shape_is_refused_saying_where(change, words):
    dataset = json.loads(SMALL_SCHOOL.read_text(encoding="utf-8"))
    change(dataset)
    with pytest.raises(DatasetError, match=re.escape(words)):
        load_dataset(dataset)


def test_rows_without_row_hash_or_last_updated_get_them():
    school = load_dataset(SMALL_SCHOOL).schools["8231234"]
    assert all(re.fullmatch(r"[0-9A-F]{40}", row["RowHash"]) for row in school.students)
    assert all(row["LastUpdated"] for row in school.groups)


def test_updated_since_and_case_insensitive_parameters(get, fake_xod):
    school = fake_xod.app.school(fake_xod.estab)
    changed = {**school.students[0], "LastUpdated": "2030-01-01T00:00:00"}
    school.students[0] = changed
    recent = get("Students", updatedSince="2029-12-31T00:00:00", OPTIONS="includeGroupIds")
    assert [row["Id"] for row in recent["Students"]] == [changed["Id"]]
    assert recent["Students"][0]["GroupIds"]


def test_the_scopes_endpoint_lists_scope_definitions(fake_xod):
    answer = requests.get(
        fake_xod.base_url + "Scopes",
        headers={"Authorization": f"Idaas {fake_xod.client().token()}"},
        timeout=5,
    ).json()
    assert {"Name": "UPN", "Category": "Students"}.items() <= next(
        s for s in answer["Scopes"] if s["Name"] == "UPN"
    ).items()
    assert set(answer["Scopes"][0]) == set(recorded("scopes.json")["Scopes"][0])


def test_a_server_never_started_stops_at_once(fake_xod_dataset):
    FakeXodServer(fake_xod_dataset).stop()


def test_a_school_not_yet_authorised_is_refused_a_token_whatever_the_secret():
    dataset = json.loads(SMALL_SCHOOL.read_text(encoding="utf-8"))
    dataset["schools"][0]["secret"] = None
    dataset["schools"][1].pop("secret")
    with serving(dataset) as fake:
        for estab in ("8231234", "8239999"):
            for password in ("None", "", "hand-written-secret-1"):
                answer = requests.post(
                    fake.token_url,
                    json={"estab": estab, "relyingParty": fake.relying_party, "password": password},
                    timeout=5,
                ).json()
                assert answer["token"] is None
                assert answer["ExceptionMessage"] == (
                    "Relying Party not found for estab or secret not correct"
                )
