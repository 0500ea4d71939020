"""The school's sign-in page /s/<slug>/ and signing out."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_pages import PASSWORD, page_text
from tests.users.factories import UserFactory
from users.models import User
from users.views.signin import SIGN_IN_FAILED, SIGNED_OUT

pytestmark = pytest.mark.django_db


def sign_in_url(school):
    return reverse("users:sign_in", args=[school.slug])


def test_the_sign_in_page_names_the_school(client, page_school):
    response = client.get(sign_in_url(page_school))
    assert response.status_code == 200
    assert b"Sign in to Oakfield Primary School" in response.content
    assert b"<title>Sign in \xe2\x80\x93 Oakfield Primary School</title>" in response.content


def test_an_administrator_signs_in_and_lands_on_manage_users(client, school_admin, page_school):
    response = client.post(sign_in_url(page_school), {"username": "alexa", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("users:manage", args=["oakfield"])
    assert client.session["_auth_user_id"] == str(school_admin.pk)


@pytest.mark.parametrize(
    ("username", "password"),
    [("AlexA", "wrong password"), ("NoSuchUser", PASSWORD), ("NoSuchUser", "wrong")],
)
def test_wrong_credentials_say_so_without_telling_which(
    client, school_admin, page_school, username, password
):
    response = client.post(sign_in_url(page_school), {"username": username, "password": password})
    assert response.status_code == 200
    content = page_text(response)
    assert SIGN_IN_FAILED in content
    assert "There is a problem" in content
    assert "_auth_user_id" not in client.session


def test_an_administrator_of_another_school_cannot_sign_in_here(client, other_admin, page_school):
    response = client.post(sign_in_url(page_school), {"username": "AlexA", "password": PASSWORD})
    assert SIGN_IN_FAILED in page_text(response)
    assert "_auth_user_id" not in client.session


def test_an_archived_account_cannot_sign_in_and_gets_the_same_message(client, page_school):
    archived = timezone.now()
    UserFactory.create(
        school=page_school, role=User.Role.ADMIN, username="Gone", archived_at=archived
    )
    response = client.post(sign_in_url(page_school), {"username": "Gone", "password": PASSWORD})
    assert SIGN_IN_FAILED in page_text(response)


def test_empty_fields_are_named_beside_the_field_and_in_the_summary(client, page_school):
    response = client.post(sign_in_url(page_school), {"username": "", "password": ""})
    content = page_text(response)
    assert '<a href="#id_username">Enter your username</a>' in content
    assert 'id="id_username_error"' in content
    assert 'aria-describedby="id_username_error"' in content
    assert "<title>Error: Sign in" in content


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(client, school_admin):
    url = sign_in_url(school_admin.school)
    accounts = reverse("users:accounts", args=["oakfield"])
    response = client.post(url, {"username": "AlexA", "password": PASSWORD, "next": accounts})
    assert response["Location"] == accounts
    client.logout()
    response = client.post(
        url, {"username": "AlexA", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("users:manage", args=["oakfield"])


def test_a_signed_in_administrator_opening_the_sign_in_page_goes_to_manage_users(
    admin_page_client, page_school
):
    response = admin_page_client.get(sign_in_url(page_school))
    assert response["Location"] == reverse("users:manage", args=["oakfield"])


def test_an_unknown_school_is_not_found(client, db):
    assert client.get("/s/no-such-school/").status_code == 404


def test_sign_out_ends_the_session_and_says_so(admin_page_client, page_school):
    response = admin_page_client.post(
        reverse("users:sign_out", args=[page_school.slug]), follow=True
    )
    assert response.redirect_chain[0][0] == sign_in_url(page_school)
    assert SIGNED_OUT in page_text(response)
    assert "_auth_user_id" not in admin_page_client.session


def test_sign_out_is_post_only(admin_page_client, page_school):
    response = admin_page_client.get(reverse("users:sign_out", args=[page_school.slug]))
    assert response.status_code == 405
    assert "_auth_user_id" in admin_page_client.session
