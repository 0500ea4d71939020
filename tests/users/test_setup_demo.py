"""The README's promise: the printed logins work, the school administrator's on the
school's sign-in page and the support login in Django admin; and the demo school has
what a school has before its first sync, so the wizard shows duplicates and matches."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command

from misclient.fake.generate import generate_dataset
from users.models import School, SchoolClass, User

pytestmark = pytest.mark.django_db


def _printed_logins(*args: str) -> dict[str, tuple[str, str, str]]:
    """{"school": (address, username, password), "support": (...)} as printed."""
    out = io.StringIO()
    call_command("setup_demo", "--url", "http://testserver", *args, stdout=out)
    found = re.findall(r"sign in at (\S+)\n  username: (\S+)\n  password: (\S+)", out.getvalue())
    assert len(found) == 2
    return {"school": found[0], "support": found[1]}


def test_the_school_administrators_login_signs_in_on_the_schools_page(client):
    address, username, password = _printed_logins()["school"]
    assert address == "http://testserver/s/demo/"
    response = client.post("/s/demo/", {"username": username, "password": password})
    assert response.status_code == 302
    assert response.url == "/s/demo/users/"


def test_the_support_login_signs_in_to_django_admin(client):
    address, username, password = _printed_logins()["support"]
    assert address == "http://testserver/admin/"
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert School.objects.filter(estab="8231234").exists()


def test_running_it_again_keeps_the_school_and_prints_new_working_passwords(client):
    _printed_logins()
    logins = _printed_logins()
    assert School.objects.count() == 1
    assert User.objects.filter(role=User.Role.ADMIN).count() == 2
    _, username, password = logins["support"]
    assert client.login(username=username, password=password)


def test_the_demo_school_starts_with_accounts_and_a_class_typed_in_by_hand(tmp_path):
    dataset = generate_dataset(pupils=40, staff=6, phase="primary", seed=1, estab="8231234")
    path = tmp_path / "school.json"
    path.write_text(json.dumps(dataset))
    _printed_logins("--dataset", str(path))

    mis = dataset["schools"][0]
    school = School.objects.get(estab="8231234")
    first_group = next(g["Name"] for g in mis["Groups"] if g["Type"] == "RegGrp")
    assert list(SchoolClass.objects.filter(school=school).values_list("name", flat=True)) == [
        first_group
    ]
    pupils = User.objects.filter(school=school, role=User.Role.PUPIL).order_by("pk")
    assert [(p.forename, p.surname) for p in pupils] == [
        (mis["Students"][0]["Forename"], mis["Students"][0]["Surname"]),
        (mis["Students"][1]["Forename"], mis["Students"][1]["Surname"]),
        (mis["Students"][2]["Forename"], "Renamed"),
    ]
    assert all(not p.mis_id for p in pupils)
    assert User.objects.filter(school=school, role=User.Role.STAFF).count() == 1


def test_a_second_school_only_prints_its_administrators_login(client, tmp_path):
    _printed_logins()
    dataset = generate_dataset(pupils=5, staff=2, phase="primary", seed=2, estab="8235678")
    path = tmp_path / "second.json"
    path.write_text(json.dumps(dataset))
    mis_name = dataset["schools"][0]["SchoolInfo"]["Name"]
    out = io.StringIO()
    call_command(
        "setup_demo",
        *("--estab", "8235678", "--dataset", str(path)),
        *("--url", "http://testserver", "--school-only"),
        stdout=out,
    )
    school = School.objects.get(estab="8235678")
    assert (school.name, school.slug) == (mis_name, mis_name.split()[0].lower())
    found = re.findall(r"sign in at (\S+)\n  username: (\S+)\n  password: (\S+)", out.getvalue())
    assert [address for address, _, _ in found] == [f"http://testserver/s/{school.slug}/"]
    _, username, password = found[0]
    response = client.post(f"/s/{school.slug}/", {"username": username, "password": password})
    assert response.status_code == 302
    assert not hasattr(school, "mis_connection")
    assert not User.objects.filter(school=school).exclude(role=User.Role.ADMIN).exists()
    assert User.objects.filter(school=None, is_superuser=True).count() == 1
