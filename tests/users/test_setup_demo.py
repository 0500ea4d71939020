"""The README's promise: the printed login signs in to Django admin."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from users.models import School

pytestmark = pytest.mark.django_db


def _printed_login() -> tuple[str, str]:
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    text = out.getvalue()
    username = re.search(r"username: (\S+)", text)
    password = re.search(r"password: (\S+)", text)
    assert username
    assert password
    return username.group(1), password.group(1)


def test_the_printed_admin_login_signs_in_to_django_admin(client):
    username, password = _printed_login()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert School.objects.filter(estab="8231234").exists()


def test_running_it_again_keeps_the_school_and_prints_a_new_working_password(client):
    _printed_login()
    username, password = _printed_login()
    assert School.objects.count() == 1
    assert client.login(username=username, password=password)
