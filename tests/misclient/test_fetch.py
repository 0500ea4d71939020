"""Fetching a whole school from the fake XoD: paging, progress, and the round trip from
a generated dataset to a snapshot with the same people."""

from __future__ import annotations

import json
import math

import pytest
import requests

from misclient import errors
from misclient.snapshot import GROUP_REGISTRATION, GROUP_TEACHING, snapshot_to_dict
from misclient.xod import FetchProgress
from tests.fixtures_xod import serving


def on_roll(school):
    return [row for row in school["Students"] if row.get("StudentStatus") == "OnRoll"]


def current_staff(school):
    return [row for row in school["Staff"] if row.get("StaffStatus") == "Current"]


def test_pages_are_followed_until_page_number_reaches_page_count(fake_xod):
    pupils, staff, groups = (
        len(on_roll(fake_xod.school)),
        len(current_staff(fake_xod.school)),
        len(fake_xod.school["Groups"]),
    )
    snapshot = fake_xod.client(page_size=50).fetch_snapshot()
    assert len(snapshot.pupils) == pupils
    # NextPage is set on the last page too: the client must not ask for one more.
    assert fake_xod.requests("Students") == math.ceil(pupils / 50) > 1
    assert fake_xod.requests("Staff") == math.ceil(staff / 50)
    assert fake_xod.requests("Groups") == math.ceil(groups / 50) > 1
    assert fake_xod.requests("SchoolInfo") == 1
    last = [r for r in fake_xod.app.requests(fake_xod.estab) if r.endpoint == "Students"][-1]
    assert last.query["page"] == str(math.ceil(pupils / 50))
    assert last.query["pageSize"] == "50"


def test_the_default_page_size_is_1000_and_the_options_are_sent(fake_xod):
    fake_xod.client().fetch_snapshot()
    queries = {r.endpoint: r.query for r in fake_xod.app.requests(fake_xod.estab)}
    assert queries["Students"] == {"options": "includeGroupIds", "page": "1", "pageSize": "1000"}
    assert queries["Staff"] == {"page": "1", "pageSize": "1000"}  # all staff, not teachersOnly
    assert queries["Groups"]["options"] == "includeMembersIds,includeSubjects"
    assert queries["SchoolInfo"] == {}


def test_progress_reports_every_page_with_a_running_total(fake_xod):
    reports: list[FetchProgress] = []
    fake_xod.client(page_size=50).fetch_snapshot(progress=reports.append)
    assert [r.pages_fetched for r in reports] == list(range(1, len(reports) + 1))
    students = [(r.page, r.page_count) for r in reports if r.endpoint == "Students"]
    assert students == [(1, 3), (2, 3), (3, 3)]
    assert len(reports) == fake_xod.requests() - 2  # not the token nor TokenDetails


def test_a_generated_school_round_trips_into_a_snapshot_with_the_same_people(fake_xod):
    snapshot = fake_xod.client(page_size=40).fetch_snapshot()
    school = fake_xod.school
    assert {(p.mis_id, p.external_id, p.upn, p.forename, p.surname) for p in snapshot.pupils} == {
        (r["Id"], r["ExternalId"], r["UPN"], r["Forename"], r["Surname"]) for r in on_roll(school)
    }
    assert {(s.mis_id, s.email, s.is_teacher) for s in snapshot.staff} == {
        (r["Id"], r["WorkEmail"] or "", bool(r["IsTeacher"])) for r in current_staff(school)
    }
    assert {(g.mis_id, g.pupil_ids) for g in snapshot.groups} == {
        (r["Id"], tuple(filter(None, r["StudentIds"].split(",")))) for r in school["Groups"]
    }
    assert snapshot.problems == ()
    assert snapshot.missing_scopes == ()
    assert snapshot.school.estab == fake_xod.estab
    assert snapshot.fetched_at is not None


def test_pupils_carry_their_year_registration_and_teaching_groups(fake_xod):
    snapshot = fake_xod.client().fetch_snapshot()
    groups = {g.mis_id: g for g in snapshot.groups}
    pupil = next(p for p in snapshot.pupils if p.registration_group)
    assert groups[pupil.registration_group_id].kind == GROUP_REGISTRATION
    assert groups[pupil.registration_group_id].name == pupil.registration_group
    taught = [groups[g] for g in pupil.group_ids if groups[g].kind == GROUP_TEACHING]
    assert taught
    assert all(g.subject_code and g.subject_name for g in taught)
    assert pupil.year_group.startswith("Year ")
    assert "  " not in pupil.year_group


def test_a_server_that_ignores_the_page_asked_for_is_malformed(fake_xod, monkeypatch):
    from misclient.fake.server import responses

    original = responses.paginate

    def stuck_on_page_one(rows, query):
        page, block = original(rows, query)
        if block:
            block[0]["PageNumber"] = 1
        return page, block

    monkeypatch.setattr(responses, "paginate", stuck_on_page_one)
    with pytest.raises(errors.MalformedResponse):
        fake_xod.client(page_size=50).fetch_snapshot()
    assert fake_xod.requests("Students") == 2


def test_an_answer_without_its_own_set_is_malformed_not_an_empty_school(fake_xod, monkeypatch):
    from misclient.fake.server import responses

    monkeypatch.setitem(responses.SET_NAMES, "Students", "Pupils")
    with pytest.raises(errors.MalformedResponse, match="has no Students"):
        fake_xod.client().fetch_snapshot()
    assert fake_xod.requests("Students") == 1


def test_a_lone_surrogate_is_served_as_valid_json_and_parsed_into_a_storable_name(
    fake_xod_dataset,
):
    # Real MIS data holds lone UTF-16 surrogates: half an emoji, cut off.
    pupil = on_roll(fake_xod_dataset["schools"][0])[0]
    pupil["Forename"] = "George\ud83d"
    with serving(fake_xod_dataset) as fake:
        client = fake.client()
        raw = requests.get(
            f"{fake.base_url}School/{fake.estab}/Students",
            headers={"Authorization": f"Idaas {client.token()}"},
            timeout=5,
        )
        snapshot = client.fetch_snapshot()

    assert raw.status_code == 200
    assert b'"George\\ud83d"' in raw.content  # the fake sends what the MIS holds
    served = {r["Id"]: r["Forename"] for r in json.loads(raw.content)["Students"]}
    assert served[pupil["Id"]] == "George\ud83d"
    forename = {p.mis_id: p.forename for p in snapshot.pupils}[pupil["Id"]]
    assert forename == "George"
    # Storable: the whole snapshot encodes as UTF-8, as PostgreSQL's text and JSONB need.
    json.dumps(snapshot_to_dict(snapshot), ensure_ascii=False).encode("utf-8")
