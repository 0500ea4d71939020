"""The Connect page against the fake XoD over real HTTP: saving the estab and secret
(encrypted, never shown back), "Test connection", and a message in words for each error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from misclient import errors
from tests.fixtures_pages import page_text
from tests.users.factories import SchoolFactory
from wizard.models import MisConnection
from wizard.services import connection as messages
from wizard.views.connect import ESTAB_INVALID, ESTAB_TAKEN, SECRET_REQUIRED

pytestmark = pytest.mark.django_db

URL = reverse("wizard:connect", args=["oakfield"])
State = MisConnection.State


@pytest.fixture
def xod(settings, fake_xod, page_school):
    """The fake XoD as this app's Groupcall, and the page's school with its estab."""
    settings.XOD_BASE_URL = fake_xod.base_url
    settings.XOD_TOKEN_URL = fake_xod.token_url
    settings.XOD_RELYING_PARTY = fake_xod.relying_party
    settings.XOD_TIMEOUT_SECONDS = 2
    page_school.estab = fake_xod.estab
    page_school.save()
    return fake_xod


def save(client, xod, secret=None):
    secret = xod.secret if secret is None else secret
    return client.post(URL, {"action": "save", "estab": xod.estab, "secret": secret})


def test_save_and_test_a_working_connection(admin_page_client, xod, page_school):
    page_school.name = xod.school["SchoolInfo"]["Name"]  # as Groupcall names it
    page_school.save()
    response = save(admin_page_client, xod)
    connection = MisConnection.objects.get(school=page_school)
    assert connection.state == MisConnection.State.READY
    assert connection.secret == xod.secret
    assert xod.secret not in connection.secret_encrypted
    assert connection.last_checked_at is not None
    assert connection.last_error == ""
    content = page_text(response)
    assert "The connection works" in content
    assert xod.requests("GetToken") == 1
    assert xod.requests("TokenDetails") == 1


def test_the_secret_is_never_shown_back(admin_page_client, xod):
    save(admin_page_client, xod)
    assert xod.secret not in page_text(admin_page_client.get(URL))
    refused = admin_page_client.post(URL, {"action": "save", "estab": "12", "secret": xod.secret})
    assert ESTAB_INVALID in page_text(refused)
    assert xod.secret not in page_text(refused)


def test_an_empty_secret_keeps_the_saved_one(admin_page_client, xod, page_school):
    save(admin_page_client, xod)
    response = save(admin_page_client, xod, secret="")
    assert MisConnection.objects.get(school=page_school).secret == xod.secret
    assert "The connection works" in page_text(response)


def test_the_first_connection_needs_a_secret(admin_page_client, xod, page_school):
    response = save(admin_page_client, xod, secret="")
    assert f'<a href="#id_secret">{SECRET_REQUIRED}</a>' in page_text(response)
    assert not MisConnection.objects.filter(school=page_school).exists()


def test_an_estab_of_another_school_is_refused(admin_page_client, xod):
    SchoolFactory.create(estab="8239999")
    response = admin_page_client.post(URL, {"action": "save", "estab": "8239999", "secret": "s"})
    assert ESTAB_TAKEN in page_text(response)


def test_test_connection_checks_the_saved_one_again(admin_page_client, xod):
    save(admin_page_client, xod)
    response = admin_page_client.post(URL, {"action": "test"})
    assert "The connection works" in page_text(response)
    assert xod.requests("GetToken") == 2  # a fresh token each time: the secret is checked


def check_fails_with(client, xod, message, secret=None):
    response = save(client, xod, secret)
    content = page_text(response)
    assert "The connection did not work" in content
    assert message in content
    connection = MisConnection.objects.get()
    assert connection.last_error == message
    assert message in page_text(client.get(URL))  # remembered as the last test's outcome


def test_a_wrong_secret(admin_page_client, xod):
    check_fails_with(admin_page_client, xod, messages.BAD_CREDENTIALS, secret="not-the-secret")


def test_authorisation_paused(admin_page_client, xod):
    xod.app.pause_authorisation(xod.estab)
    check_fails_with(admin_page_client, xod, messages.AUTHORISATION_PAUSED)


def test_a_missing_scope_names_the_data_areas(admin_page_client, xod):
    xod.app.set_scopes(xod.estab, ["School", "Staff", "UPN"])
    expected = messages.SCOPE_MISSING.format(what="your pupils", scopes="Student")
    check_fails_with(admin_page_client, xod, expected)


def test_mis_unreachable(admin_page_client, xod):
    xod.app.fail_next(xod.estab, 10, status=503)
    check_fails_with(admin_page_client, xod, messages.MIS_UNREACHABLE)
    assert xod.requests("GetToken") == messages.TEST_RETRY.attempts


def test_a_malformed_answer(admin_page_client, xod):
    xod.app.malformed_next(xod.estab, 1, endpoint="TokenDetails")
    check_fails_with(admin_page_client, xod, messages.MALFORMED)


def test_an_xporter_error(admin_page_client, xod):
    xod.app.error_next(xod.estab, message="Estab offline", endpoint="TokenDetails")
    expected = messages.SERVICE_ERROR.format(detail="Estab offline")
    check_fails_with(admin_page_client, xod, expected)


def test_optional_data_withheld_is_noted_but_works(admin_page_client, xod):
    xod.app.set_scopes(xod.estab, ["School", "Student", "Staff"])
    content = page_text(save(admin_page_client, xod))
    assert "The connection works" in content
    assert "pupils' UPNs" in content


def test_a_school_name_groupcall_does_not_share_is_pointed_out(admin_page_client, xod, page_school):
    groupcall_name = xod.school["SchoolInfo"]["Name"]
    ours = page_school.name
    note = messages.CHECK_SCHOOL.format(school_estab=xod.estab, name=groupcall_name, ours=ours)
    page = page_text(save(admin_page_client, xod))
    # Said once, in the status, beside the button that confirms it.
    assert page.count(f"Groupcall reads estab {xod.estab} as {groupcall_name}") == 1
    assert page.count(f"knows estab {xod.estab}") == 0
    assert note in page
    assert "Status: Check this is your school" in page
    assert f"Yes, {groupcall_name} is our school" in page
    assert MisConnection.objects.get(school=page_school).state == MisConnection.State.CHECK_SCHOOL
    start = admin_page_client.get(reverse("wizard:start", args=["oakfield"]))
    assert start["Location"] == URL  # no wizard until it is confirmed
    admin_page_client.post(URL, {"action": "confirm_school"})
    again = page_text(admin_page_client.post(URL, {"action": "test"}))
    assert "Status: Ready" in again  # the confirmed name is remembered
    assert MisConnection.objects.get(school=page_school).confirmed_mis_name == groupcall_name
    page_school.name = groupcall_name
    page_school.save()
    assert note not in page_text(save(admin_page_client, xod))


@pytest.mark.parametrize(
    ("error", "state", "words"),
    [
        (errors.BadCredentials("x"), State.REFUSED, messages.BAD_CREDENTIALS),
        (errors.AuthorisationPaused("x"), State.PAUSED, messages.AUTHORISATION_PAUSED),
        (errors.MisUnreachable("x"), State.UNREACHABLE, messages.MIS_UNREACHABLE),
        (errors.MalformedResponse("x"), State.PROBLEM, messages.MALFORMED),
        (
            errors.ScopeNotGranted("x", scopes=("Student",)),
            State.SCOPES_MISSING,
            "Your school has not shared your pupils with this app. In the Groupcall portal, "
            "allow Student for this app, then check the connection again.",
        ),
        (
            errors.XodServiceError("Xporter said no", detail="Estab offline"),
            State.PROBLEM,
            messages.SERVICE_ERROR.format(detail="Estab offline"),
        ),
        (
            errors.XodServiceError("Xporter said no"),
            State.PROBLEM,
            messages.SERVICE_ERROR.format(detail="Xporter said no"),
        ),
    ],
)
def test_each_groupcall_error_has_a_state_and_words(error, state, words):
    assert messages.problem_state(error) == state
    assert messages.problem_message(error) == words
