"""The sign-in page's two steps: a username, then a picture pad or a password; and where
pupils and staff land."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.fixtures_pages import PASSWORD, page_text
from tests.users.signin_fixtures import PIN
from users.models import SignInAttempt, User
from users.pictures import PICTURES
from users.views.signin import PICTURES_WRONG, SIGN_IN_FAILED, pin_length

pytestmark = pytest.mark.django_db


def sign_in_url(school):
    return reverse("users:sign_in", args=[school.slug])


def tap(client, school, username, pin_so_far, digit):
    """One tap on the pad without JavaScript: the button submits the form."""
    data = {"username": username, "pin": pin_so_far, "tap": digit}
    return client.post(sign_in_url(school), data)


def test_a_picture_pin_pupil_gets_the_pad_after_their_username(client, pin_pupil, page_school):
    response = client.post(sign_in_url(page_school), {"username": "avas"})
    content = page_text(response)
    assert "<h1>Tap your pictures</h1>" in content
    for picture in PICTURES:
        assert f'name="tap" value="{picture.digit}"' in content
        assert f'aria-label="{picture.label}"' in content
    assert "0 of 2 pictures tapped" in content
    assert 'type="password"' not in content


def test_tapping_the_pictures_without_javascript_signs_the_pupil_in(client, pin_pupil, page_school):
    response = tap(client, page_school, "avas", "", PIN[0])
    content = page_text(response)
    assert "1 of 2 pictures tapped" in content
    assert f'name="pin" value="{PIN[0]}"' in content
    assert "_auth_user_id" not in client.session

    response = tap(client, page_school, "avas", PIN[0], PIN[1])
    assert response["Location"] == reverse("users:home", args=["oakfield"])
    assert client.session["_auth_user_id"] == str(pin_pupil.pk)
    attempt = SignInAttempt.objects.get()
    assert (attempt.username, attempt.account, attempt.outcome) == ("avas", pin_pupil, "signed_in")


def test_the_whole_pin_at_once_signs_in_as_the_pads_script_sends_it(client, pin_pupil, page_school):
    response = client.post(sign_in_url(page_school), {"username": "AvaS", "pin": PIN})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(pin_pupil.pk)


def test_start_again_forgets_the_pictures_tapped(client, pin_pupil, page_school):
    response = tap(client, page_school, "avas", PIN[0], "again")
    content = page_text(response)
    assert "0 of 2 pictures tapped" in content
    assert 'name="pin" value=""' in content


def test_wrong_pictures_say_so_and_the_pad_starts_again(client, pin_pupil, page_school):
    response = tap(client, page_school, "avas", "9", "9")
    content = page_text(response)
    assert PICTURES_WRONG in content
    assert "0 of 2 pictures tapped" in content
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.get().outcome == "wrong"


def test_a_pin_pupil_may_type_the_pin_as_a_password_instead(client, pin_pupil, page_school):
    response = client.post(
        sign_in_url(page_school), {"username": "avas", "pin": "", "use_password": "1"}
    )
    assert 'type="password"' in page_text(response)
    response = client.post(sign_in_url(page_school), {"username": "avas", "password": PIN})
    assert client.session["_auth_user_id"] == str(pin_pupil.pk)


def test_staff_get_a_password_field_and_land_on_their_page(client, teacher, page_school):
    response = client.post(sign_in_url(page_school), {"username": "tteach"})
    content = page_text(response)
    assert 'type="password"' in content
    assert 'name="tap"' not in content
    response = client.post(sign_in_url(page_school), {"username": "tteach", "password": PASSWORD})
    assert response["Location"] == reverse("users:home", args=["oakfield"])
    home = page_text(client.get(response["Location"]))
    assert "Hello, Tess Teach" in home
    assert ">1AB</a></li>" in home  # a link to the class page


def test_the_pupils_page_names_them_and_their_class(client, pin_pupil, page_school):
    client.force_login(pin_pupil)
    content = page_text(client.get(reverse("users:home", args=["oakfield"])))
    assert "Hello, Ava Stone!" in content
    assert "Your class: <strong>1AB</strong>" in content


def test_the_home_page_is_for_the_schools_own_people(client, pin_pupil, other_admin, school_admin):
    url = reverse("users:home", args=["oakfield"])
    response = client.get(url)
    assert response["Location"].startswith(reverse("users:sign_in", args=["oakfield"]))
    client.force_login(other_admin)
    assert client.get(url).status_code == 404
    client.force_login(school_admin)
    assert client.get(url)["Location"] == reverse("users:manage", args=["oakfield"])


def _second_step(client, school, username):
    """The second step's page with what differs by username taken out."""
    content = page_text(client.post(sign_in_url(school), {"username": username}))
    content = content.replace(username, "USERNAME")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content)


def test_an_unknown_username_gets_the_same_kind_of_step_as_a_real_one(
    client, pin_pupil, teacher, page_school
):
    """A pad for an unknown username looks exactly like a real pupil's, and a password
    field exactly like staff's: the step does not tell whether the username exists."""
    unknown = [f"nobody{n}" for n in range(30)]
    lengths = {name: pin_length(page_school, name) for name in unknown}
    assert set(lengths.values()) == {0, 2, 4}  # each kind of step happens
    assert all(pin_length(page_school, name) == lengths[name] for name in unknown)  # stable

    fake_pad = next(name for name in unknown if lengths[name] == 2)
    assert _second_step(client, page_school, fake_pad) == _second_step(client, page_school, "AvaS")
    fake_password = next(name for name in unknown if lengths[name] == 0)
    assert _second_step(client, page_school, fake_password) == _second_step(
        client, page_school, "TTeach"
    )


@pytest.mark.parametrize("change", [{"is_active": False}, {"archived_at": "2026-09-01T00:00Z"}])
def test_archived_or_inactive_accounts_cannot_sign_in_and_get_the_same_message(
    client, pin_pupil, teacher, page_school, change
):
    User.objects.filter(pk__in=[pin_pupil.pk, teacher.pk]).update(**change)
    response = client.post(sign_in_url(page_school), {"username": "avas", "pin": PIN})
    assert PICTURES_WRONG in page_text(response)
    response = client.post(sign_in_url(page_school), {"username": "tteach", "password": PASSWORD})
    assert SIGN_IN_FAILED in page_text(response)
    assert "_auth_user_id" not in client.session
    assert list(SignInAttempt.objects.values_list("outcome", flat=True)) == ["wrong", "wrong"]


def test_the_password_step_offers_a_forgotten_password_link(client, page_school, school_admin):
    from django.urls import reverse

    response = client.post(reverse("users:sign_in", args=[page_school.slug]), {"username": "AlexA"})
    assert reverse("users:forgotten_password", args=[page_school.slug]) in response.content.decode()
