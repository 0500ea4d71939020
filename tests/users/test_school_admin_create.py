"""Support staff make a school and its first administrator: in Django admin, or with
`manage.py school_admin_create` (printing a one-time password)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.users.factories import SchoolFactory, UserFactory
from users.admin import USERNAME_TAKEN_AT_SCHOOL
from users.models import School, User

pytestmark = pytest.mark.django_db


def create(*args):
    out = StringIO()
    call_command("school_admin_create", *args, stdout=out)
    return out.getvalue()


def printed_password(output):
    found = re.search(r"password: (\S+)", output)
    assert found, output
    return found.group(1)


def test_the_command_creates_an_administrator_who_can_sign_in(client):
    SchoolFactory.create(estab="8231234", slug="oakfield", name="Oakfield")
    output = create("--estab", "8231234", "--username", "Head")
    admin = User.objects.get(username="Head")
    assert admin.role == User.Role.ADMIN
    assert admin.school == School.objects.get(slug="oakfield")
    assert "http://127.0.0.1:8000/s/oakfield/" in output
    password = printed_password(output)
    assert password not in admin.password  # only the hash is kept
    response = client.post("/s/oakfield/", {"username": "head", "password": password})
    assert response["Location"] == "/s/oakfield/users/"


def test_running_it_again_prints_a_new_password(db):
    SchoolFactory.create(estab="8231234")
    first = printed_password(create("--estab", "8231234", "--username", "Head"))
    second = printed_password(create("--estab", "8231234", "--username", "HEAD"))
    assert first != second
    admin = User.objects.get(username="Head")
    assert admin.check_password(second)
    assert not admin.check_password(first)


def test_the_command_refuses_an_unknown_estab_or_a_pupils_username(db):
    with pytest.raises(CommandError, match="No school has the estab number 8239999"):
        create("--estab", "8239999", "--username", "Head")
    school = SchoolFactory.create(estab="8231234")
    UserFactory.create(school=school, username="SamP")
    with pytest.raises(CommandError, match="SamP is already a pupil account"):
        create("--estab", "8231234", "--username", "SamP")


def test_support_staff_create_a_school_and_its_first_administrator_in_django_admin(
    client, support_user, other_admin
):
    client.force_login(support_user)
    response = client.post(
        "/admin/users/school/add/", {"name": "Oakfield", "estab": "8231234", "slug": "oakfield"}
    )
    assert response.status_code == 302
    school = School.objects.get(slug="oakfield")
    # Another school already has an "AlexA": usernames are unique per school only.
    response = client.post(
        "/admin/users/user/add/",
        {
            "school": school.pk,
            "role": "admin",
            "username": "AlexA",
            "password1": "a long passphrase",
            "password2": "a long passphrase",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    admin = User.objects.get(school=school, username="AlexA")
    assert admin.role == User.Role.ADMIN
    signed_in = Client().post(
        "/s/oakfield/", {"username": "AlexA", "password": "a long passphrase"}
    )
    assert signed_in["Location"] == "/s/oakfield/users/"


def test_django_admin_refuses_a_username_the_school_already_has(client, support_user, other_admin):
    client.force_login(support_user)
    response = client.post(
        "/admin/users/user/add/",
        {
            "school": other_admin.school.pk,
            "role": "admin",
            "username": "alexa",
            "password1": "a long passphrase",
            "password2": "a long passphrase",
        },
    )
    assert response.status_code == 200
    assert USERNAME_TAKEN_AT_SCHOOL in response.context["adminform"].form.errors["username"]
