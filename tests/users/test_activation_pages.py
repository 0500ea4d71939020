"""Staff activation: a link that no longer works says why (expired: a new one can be
emailed; already used: sign in or reset by email), administrators see who has not
activated and send the email again (one or all), and staff reset a forgotten password
by email."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse

from tests.fixtures_pages import page_text
from tests.users.factories import UserFactory
from users.activation import activation_link
from users.models import User
from users.views.activation import (
    LINK_EXPIRED,
    LINK_INVALID,
    LINK_USED,
    NEW_LINK_SENT,
    RESENT_ALL,
    RESENT_ONE,
)

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Correct-Horse-42"


def new_staff(school, username="EStone", email="estone@school.example", **fields):
    person = UserFactory.create(
        school=school, role=User.Role.STAFF, username=username, email=email, **fields
    )
    person.set_unusable_password()
    person.save()
    return person


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def expired_link_path(person: User, monkeypatch) -> str:
    """The path of an activation link made 4 days ago (links work for 3)."""
    with monkeypatch.context() as patch:
        four_days_ago = datetime.now() - timedelta(days=4)
        patch.setattr(default_token_generator, "_now", lambda: four_days_ago)
        return path_of(activation_link(person))


def link_in(message) -> str:
    found = re.search(r"https?://\S+/activate/\S+/", message.body)
    assert found, message.body
    return path_of(found.group(0))


def set_password(client, path: str):
    form = client.get(path, follow=True)
    assert "Set your password" in page_text(form)
    return client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )


def test_an_activation_link_sets_the_password_then_offers_to_sign_in(client, page_school):
    person = new_staff(page_school)
    response = set_password(client, path_of(activation_link(person)))
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert "Sign in to Oakfield Primary School" in page_text(response)
    assert reverse("users:sign_in", args=["oakfield"]) in page_text(response)


def test_a_reused_link_says_it_was_used_and_how_to_sign_in(client, page_school):
    person = new_staff(page_school)
    path = path_of(activation_link(person))
    set_password(client, path)

    page = page_text(client.get(path, follow=True))

    assert "This link has already been used" in page
    assert LINK_USED in page
    assert reverse("users:forgotten_password", args=["oakfield"]) in page
    assert "Email me a new link" not in page


def test_an_expired_link_says_so_and_emails_a_new_one_on_request(client, page_school, monkeypatch):
    person = new_staff(page_school)
    path = expired_link_path(person, monkeypatch)

    page = page_text(client.get(path))
    assert "This link has expired" in page
    assert LINK_EXPIRED in page
    assert "Email me a new link" in page

    response = client.post(path + "new-link/")
    assert NEW_LINK_SENT in page_text(response)
    [message] = mail.outbox
    assert message.to == ["estone@school.example"]
    set_password(client, link_in(message))
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("token", ["not-atoken", "abc", "zzzzzz-0123456789abcdef0123"])
def test_a_broken_link_says_it_does_not_work_and_sends_nothing(client, page_school, token):
    person = new_staff(page_school)
    uid = path_of(activation_link(person)).split("/")[2]
    path = reverse("users:activate", args=[uid, token])

    assert LINK_INVALID in page_text(client.get(path))
    response = client.post(reverse("users:activation_renew", args=[uid, token]))
    assert LINK_INVALID in page_text(response)
    assert mail.outbox == []


def test_no_new_link_once_the_password_is_set(client, page_school, monkeypatch):
    person = new_staff(page_school)
    path = expired_link_path(person, monkeypatch)
    set_password(client, path_of(activation_link(person)))

    response = client.post(path + "new-link/")

    assert LINK_USED in page_text(response)
    assert mail.outbox == []


def test_administrators_see_who_has_not_activated(admin_page_client, page_school):
    waiting = new_staff(page_school, username="EStone")
    new_staff(page_school, username="ALeft", archived_at="2026-01-01T00:00:00Z")
    UserFactory.create(school=page_school, role=User.Role.STAFF, username="DoneD")
    UserFactory.create(school=page_school, role=User.Role.PUPIL, username="PupilP")

    page = page_text(admin_page_client.get(reverse("users:staff_not_activated", args=["oakfield"])))

    assert waiting.username in page
    for username in ("ALeft", "DoneD", "PupilP", "AlexA"):
        assert username not in page
    assert "Send the email again to everyone listed (1)" in page


def test_the_email_is_sent_again_to_one(admin_page_client, page_school):
    person = new_staff(page_school)
    new_staff(page_school, username="ABaker", email="abaker@school.example")
    url = reverse("users:activation_resend", args=["oakfield"])

    response = admin_page_client.post(url, {"account": person.pk}, follow=True)

    [message] = mail.outbox
    assert message.to == ["estone@school.example"]
    assert RESENT_ONE.format(name=person.full_name, email=person.email) in page_text(response)
    set_password(admin_page_client.__class__(), link_in(message))
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_the_email_is_sent_again_to_all_who_have_not_activated(admin_page_client, page_school):
    new_staff(page_school)
    new_staff(page_school, username="ABaker", email="abaker@school.example")
    UserFactory.create(
        school=page_school, role=User.Role.STAFF, username="DoneD", email="d@school.example"
    )

    response = admin_page_client.post(
        reverse("users:activation_resend", args=["oakfield"]), follow=True
    )

    assert sorted(m.to[0] for m in mail.outbox) == [
        "abaker@school.example",
        "estone@school.example",
    ]
    assert RESENT_ALL.format(count=2, plural="s") in page_text(response)


def test_an_activated_member_of_staff_is_not_sent_the_email_again(admin_page_client, page_school):
    done = UserFactory.create(school=page_school, role=User.Role.STAFF, email="d@school.example")
    url = reverse("users:activation_resend", args=["oakfield"])
    assert admin_page_client.post(url, {"account": done.pk}).status_code == 404
    assert mail.outbox == []


def test_the_account_page_offers_to_send_the_email_again(admin_page_client, page_school):
    person = new_staff(page_school)
    url = reverse("users:account", args=["oakfield", person.pk])
    page = page_text(admin_page_client.get(url))
    assert "Send the activation email again" in page
    response = admin_page_client.post(
        reverse("users:activation_resend", args=["oakfield"]),
        {"account": person.pk, "next": url},
    )
    assert response["Location"] == url
    assert len(mail.outbox) == 1


def test_staff_reset_a_forgotten_password_by_email(client, page_school, other_school):
    person = UserFactory.create(
        school=page_school, role=User.Role.STAFF, username="EStone", email="estone@school.example"
    )
    UserFactory.create(
        school=other_school, role=User.Role.STAFF, username="EStone", email="estone@school.example"
    )

    url = reverse("users:forgotten_password", args=["oakfield"])
    assert "Forgotten your password?" in page_text(client.get(url))
    response = client.post(url, {"email": "EStone@School.example"}, follow=True)

    assert "Check your email" in page_text(response)
    [message] = mail.outbox
    assert message.to == ["estone@school.example"]
    assert "Oakfield Primary School" in message.subject
    assert reverse("users:sign_in", args=["oakfield"]) in message.body
    set_password(client, link_in(message))
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, page_school):
    UserFactory.create(school=page_school, role=User.Role.PUPIL, email="pupil@school.example")
    url = reverse("users:forgotten_password", args=["oakfield"])
    for address in ("nobody@school.example", "pupil@school.example"):
        response = client.post(url, {"email": address}, follow=True)
        assert "Check your email" in page_text(response)
    assert mail.outbox == []


def test_forgotten_password_emails_are_limited_per_person_and_per_address(client, page_school):
    from users.views.activation import EMAILS_PER_ADDRESS, EMAILS_PER_PERSON

    UserFactory.create(
        school=page_school, role=User.Role.STAFF, username="EStone", email="estone@school.example"
    )
    url = reverse("users:forgotten_password", args=["oakfield"])
    for _ in range(EMAILS_PER_PERSON + 2):
        response = client.post(url, {"email": "estone@school.example"}, follow=True)
        assert "Check your email" in page_text(response)  # the same answer every time
    assert len(mail.outbox) == EMAILS_PER_PERSON

    # One machine asking for many people's links is held up too, whoever they are.
    mail.outbox.clear()
    for n in range(EMAILS_PER_ADDRESS + 2):
        UserFactory.create(
            school=page_school, role=User.Role.STAFF, username=f"T{n}", email=f"t{n}@school.example"
        )
        client.post(url, {"email": f"t{n}@school.example"}, REMOTE_ADDR="10.0.0.9")
    assert len(mail.outbox) == EMAILS_PER_ADDRESS
    assert (
        client.post(url, {"email": "t0@school.example"}, REMOTE_ADDR="10.0.0.8").status_code == 302
    )
    assert len(mail.outbox) == EMAILS_PER_ADDRESS + 1
