"""Scopes the school has not granted: fields simply absent, or an endpoint refused."""

from __future__ import annotations

import pytest
import requests

from misclient import errors
from misclient.scopes import describe_missing_scopes


def test_missing_optional_scopes_give_a_snapshot_without_those_fields_and_a_report(fake_xod):
    fake_xod.app.set_scopes(fake_xod.estab, ["School", "Student", "Staff"])
    snapshot = fake_xod.client().fetch_snapshot()
    assert snapshot.pupils
    # Legal names and staff roles (StudentExtended, StaffExtended, StaffEmployment) are
    # never kept, so only the UPN scope is missed.
    assert snapshot.missing_scopes == ("UPN",)
    assert {(p.upn, p.former_upn) for p in snapshot.pupils} == {("", "")}
    assert all(p.forename and p.external_id for p in snapshot.pupils)
    report = describe_missing_scopes(snapshot.missing_scopes)
    assert report[0].startswith("The school has not shared the UPN scope, so pupils' UPNs")


def test_fields_outside_the_granted_scopes_are_absent_from_the_rows(fake_xod):
    fake_xod.app.set_scopes(fake_xod.estab, ["SchoolLite", "StudentLite", "StaffLite"])
    token = fake_xod.client().token()
    headers = {"Authorization": f"Idaas {token}"}
    base = f"{fake_xod.base_url}School/{fake_xod.estab}"
    student = requests.get(f"{base}/Students", headers=headers, timeout=5).json()["Students"][0]
    for absent in (
        "UPN",
        "FormerUPN",
        "LegalForename",
        "DateofBirth",
        "SENProvision",
        "FSMEligible",
        "AddressBlock",
        "AdmissionNo",
    ):
        assert absent not in student
    assert {"Id", "ExternalId", "Forename", "Surname", "YearGroup", "RegGroup", "RowHash"} <= set(
        student
    )
    member = requests.get(f"{base}/Staff", headers=headers, timeout=5).json()["Staff"][0]
    for absent in ("Roles", "LegalSurname", "HomeEmail", "RegGroup"):
        assert absent not in member
    assert {"WorkEmail", "IsTeacher", "IsSupport", "StaffCode"} <= set(member)


def test_the_lite_scopes_are_enough_to_sync(fake_xod):
    fake_xod.app.set_scopes(fake_xod.estab, ["SchoolLite", "StudentLite", "StaffLite", "UPN"])
    snapshot = fake_xod.client().fetch_snapshot()
    assert all(p.upn for p in snapshot.pupils)
    assert "UPN" not in snapshot.missing_scopes


@pytest.mark.parametrize(
    ("granted", "missing", "words"),
    [
        (["School", "Staff", "UPN"], ("Student",), "its pupils"),
        (["School", "Student"], ("Staff",), "its staff"),
        (["Student", "Staff"], ("School",), "its classes and year groups"),
    ],
)
def test_a_missing_required_scope_stops_before_reading_anything(fake_xod, granted, missing, words):
    fake_xod.app.set_scopes(fake_xod.estab, granted)
    with pytest.raises(errors.ScopeNotGranted) as caught:
        fake_xod.client().fetch_snapshot()
    assert caught.value.scopes == missing
    assert words in str(caught.value)
    assert not caught.value.transient
    assert fake_xod.requests() == 2  # the token and TokenDetails, nothing else


def test_the_fake_refuses_an_endpoint_without_its_scope_and_the_client_says_which(fake_xod):
    client = fake_xod.client()
    client.token()
    fake_xod.app.set_scopes(fake_xod.estab, ["School", "Staff"])
    answer = requests.get(
        f"{fake_xod.base_url}School/{fake_xod.estab}/Students",
        headers={"Authorization": f"Idaas {client.token()}"},
        timeout=5,
    )
    assert answer.status_code == 403
    assert "Student" in answer.json()["ExceptionMessage"]
    with pytest.raises(errors.ScopeNotGranted) as caught:
        client.fetch_sets("Students")
    assert caught.value.scopes == ("Student",)
