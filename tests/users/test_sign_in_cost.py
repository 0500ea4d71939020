"""What a pupil's sign-in costs the database, step by step: a whole school signs in at the
start of a lesson (bench_sign_in), so a query more on this path is a thousand more a
minute. And the session it makes: written once, under a key of its own. Meanwhile the
school's administrators browse their pages (an account's page here)."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.users.signin_fixtures import PIN
from users.models import SignInAttempt

pytestmark = pytest.mark.django_db

# Transactions are opened and closed differently by each database: not counted.
TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", re.IGNORECASE)


def statements(call):
    """The response of `call()` and the SQL it ran, transaction statements left out."""
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [q["sql"] for q in captured if not TRANSACTION.match(q["sql"])]


def test_a_pupils_sign_in_costs_a_fixed_number_of_queries(client, pin_pupil, page_school):
    sign_in = reverse("users:sign_in", args=[page_school.slug])

    page, sql = statements(lambda: client.get(sign_in))
    assert page.status_code == 200
    assert len(sql) == 1, sql  # the school

    pad, sql = statements(lambda: client.post(sign_in, {"username": "avas"}))
    assert "Tap your pictures" in pad.content.decode()
    # The school, the account, the address's wrong tries, the login's lock.
    assert len(sql) == 4, sql

    signed_in, sql = statements(lambda: client.post(sign_in, {"username": "avas", "pin": PIN}))
    assert signed_in["Location"] == reverse("users:home", args=[page_school.slug])
    # The school, the account (for the pad's length, then to check the PIN), the wrong
    # tries, the lock; the try recorded, the last sign-in's time, the session.
    assert len(sql) == 8, sql
    assert [s.split()[0] for s in sql if "django_session" in s] == ["INSERT"]

    home, sql = statements(lambda: client.get(signed_in["Location"]))
    assert "You are signed in to" in home.content.decode()
    assert len(sql) == 4, sql  # the school, the session, the pupil, their classes
    assert SignInAttempt.objects.get().outcome == SignInAttempt.Outcome.SIGNED_IN


def test_signing_in_replaces_a_session_the_device_already_had(client, pin_pupil, page_school):
    """A session made before signing in (perhaps planted by someone else) is not the one
    that becomes signed in."""
    session = client.session
    session["seen"] = True
    session.save()
    before = session.session_key

    client.post(reverse("users:sign_in", args=[page_school.slug]), {"username": "avas", "pin": PIN})

    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(pin_pupil.pk)
    assert client.session["seen"] is True  # what it held is kept, as Django's login() does


def test_a_made_up_session_key_is_not_the_one_signed_in(client, pin_pupil, page_school):
    client.cookies["sessionid"] = "madeupmadeupmadeupmadeupmadeup12"

    client.post(reverse("users:sign_in", args=[page_school.slug]), {"username": "avas", "pin": PIN})

    after = client.cookies["sessionid"].value
    assert after != "madeupmadeupmadeupmadeupmadeup12"
    assert Session.objects.get(session_key=after).get_decoded()["_auth_user_id"] == str(
        pin_pupil.pk
    )


def test_an_accounts_page_looks_the_school_up_once(admin_page_client, pin_pupil, page_school):
    page, sql = statements(
        lambda: admin_page_client.get(reverse("users:account", args=["oakfield", pin_pupil.pk]))
    )
    assert "Username" in page.content.decode()
    assert len([s for s in sql if 'FROM "users_school"' in s]) == 1, sql
