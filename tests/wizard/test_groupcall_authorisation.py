"""A school authorising the app at Groupcall, against the fake Groupcall over real HTTP:
the data areas asked for, "Set up Groupcall Xporter" (the signed invitation), the
school's consent arriving as Groupcall's callback, the health check, and the first sync.
And every callback we must not believe: forged, replayed, unknown, a wrong token (compared
in constant time), another school's, and one that leaves out data the sync needs."""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from misclient.scopes import OPTIONAL_SCOPES, REQUIRED_SCOPES
from tests.fixtures_pages import page_text
from tests.fixtures_xod import FakeXod
from tests.users.factories import UserFactory
from users.models import School, User
from wizard.models import GroupcallInvitation, MisConnection, SyncRun, SyncSettings
from wizard.services import authorisation
from wizard.services.authorisation import Contact, invitation_send
from wizard.services.data_areas import DATA_AREAS
from wizard.services.sync import sync_finish, sync_prepare

APP_ID = "mis-sync-tests"
MANAGEMENT_SECRET = "management-secret-for-tests-only"
State = MisConnection.State
Status = GroupcallInvitation.Status
CONTACT = Contact(first_name="Hana", last_name="Okafor", email="head@oakfield.example.org")


@pytest.fixture
def fake_xod_dataset(school_data) -> dict[str, Any]:
    """The test school at the fake Groupcall, not yet authorised (no secret), and the
    app's partner account there."""
    dataset = school_data.dataset()
    dataset["schools"][0]["secret"] = None
    dataset["partner_application_id"] = APP_ID
    dataset["partner_management_secret"] = MANAGEMENT_SECRET
    return dataset


@pytest.fixture
def groupcall(settings, xod: FakeXod) -> FakeXod:
    """The app's settings pointing at the fake Groupcall: data API, tokens, invitations."""
    settings.XOD_BASE_URL = xod.base_url
    settings.XOD_TOKEN_URL = xod.token_url
    settings.GROUPCALL_APPLICATION_ID = APP_ID
    settings.GROUPCALL_MANAGEMENT_SECRET = MANAGEMENT_SECRET
    settings.GROUPCALL_REGISTER_URL = urljoin(xod.base_url, "/API/XporterOnDemand/SchoolRegister")
    return xod


@pytest.fixture
def oakfield(page_school: School, groupcall: FakeXod) -> School:
    """The page's school, named as Groupcall names its estab."""
    page_school.estab = groupcall.estab
    page_school.name = groupcall.school["SchoolInfo"]["Name"]
    page_school.save()
    return page_school


def connect_url(school: School) -> str:
    return reverse("wizard:connect", args=[school.slug])


def invite_form(estab: str, **changes: Any) -> dict[str, Any]:
    form = {
        "action": "invite",
        "invite-estab": estab,
        "invite-contact_first_name": CONTACT.first_name,
        "invite-contact_last_name": CONTACT.last_name,
        "invite-contact_email": CONTACT.email,
        "invite-optional_scopes": ["UPN"],
    }
    return form | changes


def invite(school: School, groupcall: FakeXod, optional: tuple[str, ...] = ("UPN",)):
    """An invitation sent to the fake Groupcall, and the token of its callback address
    (which the app keeps only as a hash: read from what the fake received)."""
    invitation = invitation_send(
        school=school,
        estab=school.estab,
        contact=CONTACT,
        optional_scopes=optional,
        invited_by=None,
    )
    return invitation, token_of(invitation_callback(groupcall, invitation))


def invitation_callback(groupcall: FakeXod, invitation: GroupcallInvitation) -> str:
    """The callback address the fake Groupcall was given for this invitation."""
    return groupcall.app.invitations(invitation.estab)[-1].callback_url


def token_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def callback_form(estab: str, secret: str, scopes: str = "School,Student,UPN,Staff") -> dict:
    return {
        "schoolSecret": secret,
        "schoolId": estab,
        "schoolEmail": CONTACT.email,
        "schoolName": "Oakfield Primary School",
        "templateScopes": "School,Student,UPN,Staff",
        "scopes": scopes,
        "thirdParty": "XporterOnDemand",
        "partnerId": APP_ID,
    }


def post_callback(client, invitation: GroupcallInvitation, token: str, form: dict):
    url = reverse("wizard:groupcall_callback", args=[invitation.pk, token])
    return client.post(url, form)


def connection_row(school: School) -> tuple[Any, ...] | None:
    found = MisConnection.objects.filter(school=school).values_list(
        "secret_encrypted", "scopes_granted", "state", "authorised_at"
    )
    return found.first()


# --- The whole flow, over HTTP both ways --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_invite_consent_callback_and_first_sync_over_http(
    live_server, settings, groupcall, oakfield, client, school_admin
):
    settings.SITE_URL = live_server.url
    oakfield.name = "Oakfield Primary School"  # not the name Groupcall has for the estab
    oakfield.save()
    client.force_login(school_admin)

    start = client.get(reverse("wizard:start", args=[oakfield.slug]))
    assert start.status_code == 302
    assert start["Location"] == connect_url(oakfield)
    page = page_text(client.get(connect_url(oakfield)))
    assert "Status: Not set up yet" in page
    for area in DATA_AREAS:
        assert area.used_for in page
        assert area.never_used_for in page
    assert "its year groups, classes and (if you choose to import them) subject classes" in page
    assert "<strong>Never used for:</strong> Showing on login cards, making usernames" in page
    assert "registration" not in page.lower()

    sent = client.post(connect_url(oakfield), invite_form(oakfield.estab), follow=True)
    page = page_text(sent)
    assert f"Groupcall has been asked to email {CONTACT.email}" in page
    assert "Status: Invited: waiting for consent" in page
    (received,) = groupcall.app.invitations(oakfield.estab)
    invitation = GroupcallInvitation.objects.get(school=oakfield)
    assert invitation.status == Status.INVITED
    assert invitation.scopes_requested == ["School", "Student", "UPN", "Staff"]
    callback = invitation_callback(groupcall, invitation)
    assert callback.startswith(f"{live_server.url}/groupcall/callback/{invitation.pk}/")
    assert token_of(callback) not in str(invitation.token_hash)

    assert groupcall.app.consent(oakfield.estab) == 200  # Groupcall posts the callback

    connection = MisConnection.objects.get(school=oakfield)
    new_secret = groupcall.app.school(oakfield.estab).secret
    assert connection.secret == new_secret
    assert new_secret not in connection.secret_encrypted
    assert sorted(connection.scopes_granted) == ["School", "Staff", "Student", "UPN"]
    start = client.get(reverse("wizard:start", args=[oakfield.slug]), follow=True)  # checked
    page = page_text(start)
    assert start.redirect_chain[-1][0] == connect_url(oakfield)
    assert "Status: Check this is your school" in page
    assert "Groupcall reads estab 8231234 as Test Primary School, but this app knows" in page
    assert MisConnection.objects.get(school=oakfield).state == State.CHECK_SCHOOL
    assert groupcall.requests("TokenDetails") == 1
    confirmed = client.post(connect_url(oakfield), {"action": "confirm_school"}, follow=True)
    assert "Status: Ready" in page_text(confirmed)
    assert MisConnection.objects.get(school=oakfield).state == State.READY
    assert client.get(reverse("wizard:start", args=[oakfield.slug])).status_code == 200

    run = sync_finish(run=sync_prepare(school=oakfield, started_by=school_admin))
    assert run.status == SyncRun.Status.APPLIED
    assert User.objects.filter(school=oakfield, role=User.Role.PUPIL).count() == len(
        groupcall.school["Students"]
    )


# --- Callbacks we must not believe ------------------------------------------------


@pytest.mark.django_db
def test_a_forged_callback_changes_nothing(client, oakfield, groupcall):
    invitation, token = invite(oakfield, groupcall)
    forged = post_callback(client, invitation, "x" * len(token), callback_form(oakfield.estab, "s"))
    assert forged.status_code == 404
    assert connection_row(oakfield) is None
    assert GroupcallInvitation.objects.get(pk=invitation.pk).status == Status.INVITED


@pytest.mark.django_db
def test_a_callback_for_an_unknown_invitation_changes_nothing(client, oakfield, groupcall):
    invitation, token = invite(oakfield, groupcall)
    url = reverse("wizard:groupcall_callback", args=[invitation.pk + 100, token])
    assert client.post(url, callback_form(oakfield.estab, "s")).status_code == 404
    assert connection_row(oakfield) is None


@pytest.mark.django_db
def test_tokens_are_compared_in_constant_time(client, oakfield, groupcall, monkeypatch):
    """Both a wrong token and an unknown invitation go through hmac.compare_digest with a
    hash of the same length, so the answer's timing tells nothing about the token."""
    invitation, token = invite(oakfield, groupcall)
    compared: list[tuple[str, str]] = []
    compare_digest = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(authorisation.hmac, "compare_digest", spy)
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert post_callback(client, invitation, wrong, {}).status_code == 404
    url = reverse("wizard:groupcall_callback", args=[invitation.pk + 1, token])
    assert client.post(url, {}).status_code == 404
    assert len(compared) == 2
    assert compared[0][0] == invitation.token_hash
    assert all(len(a) == len(b) == 64 for a, b in compared)
    assert connection_row(oakfield) is None


@pytest.mark.django_db
def test_a_replayed_callback_changes_nothing(client, oakfield, groupcall):
    invitation, token = invite(oakfield, groupcall)
    first = post_callback(client, invitation, token, callback_form(oakfield.estab, "secret-1"))
    assert first.status_code == 200
    before = connection_row(oakfield)
    again = post_callback(client, invitation, token, callback_form(oakfield.estab, "secret-1"))
    assert (again.status_code, again.content) == (200, b"Already recorded.")
    assert connection_row(oakfield) == before
    other = post_callback(client, invitation, token, callback_form(oakfield.estab, "secret-2"))
    assert other.status_code == 409
    assert connection_row(oakfield) == before
    assert MisConnection.objects.get(school=oakfield).secret == "secret-1"


@pytest.mark.django_db
def test_a_callback_for_another_school_or_without_a_secret_is_refused(client, oakfield, groupcall):
    invitation, token = invite(oakfield, groupcall)
    other_school = post_callback(client, invitation, token, callback_form("8239999", "s"))
    assert other_school.status_code == 400
    no_secret = callback_form(oakfield.estab, "")
    assert post_callback(client, invitation, token, no_secret).status_code == 400
    assert connection_row(oakfield) is None


@pytest.mark.django_db
def test_a_callback_missing_a_required_scope_says_which_and_what_it_means(
    client, admin_page_client, oakfield, groupcall
):
    invitation, token = invite(oakfield, groupcall)
    form = callback_form(oakfield.estab, "secret-1", scopes="School,Student,UPN")
    assert post_callback(client, invitation, token, form).status_code == 200
    connection = MisConnection.objects.get(school=oakfield)
    assert connection.state == State.SCOPES_MISSING
    start = admin_page_client.get(reverse("wizard:start", args=[oakfield.slug]), follow=True)
    page = page_text(start)
    assert "Status: Data the sync needs is not shared" in page
    assert "does not share staff, so the wizard cannot read staff" in page
    assert start.redirect_chain[-1][0] == connect_url(oakfield)


# --- Invitations Groupcall does not accept, and an app with no partner account -------


@pytest.mark.django_db
def test_an_unknown_school_is_told_in_words(admin_page_client, oakfield, groupcall):
    response = admin_page_client.post(connect_url(oakfield), invite_form("8819001"))
    page = page_text(response)
    assert "Status: Groupcall did not accept the request" in page
    assert "There is a problem" in page
    assert 'value="8819001"' in page  # kept for correcting
    assert School.objects.get(pk=oakfield.pk).estab == oakfield.estab  # not saved
    assert "Groupcall does not know a school with LA number 881 and DfE number 9001" in page
    assert GroupcallInvitation.objects.get(school=oakfield).status == Status.FAILED
    assert not MisConnection.objects.filter(school=oakfield).exists()


@pytest.mark.django_db
def test_without_a_partner_account_the_button_is_a_message(admin_page_client, oakfield, settings):
    settings.GROUPCALL_MANAGEMENT_SECRET = ""
    page = page_text(admin_page_client.get(connect_url(oakfield)))
    assert authorisation.NO_PARTNER in page
    assert "Set up Groupcall Xporter</button>" not in page
    response = admin_page_client.post(connect_url(oakfield), invite_form(oakfield.estab))
    assert authorisation.NO_PARTNER in page_text(response)
    assert not GroupcallInvitation.objects.exists()


@pytest.mark.django_db
def test_invite_form_errors_are_in_words_beside_the_field(admin_page_client, oakfield):
    form = invite_form("12", **{"invite-contact_email": "not an email"})
    page = page_text(admin_page_client.post(connect_url(oakfield), form))
    assert '<a href="#id_invite-estab">Enter the estab number as 7 digits' in page
    assert 'id="id_invite-contact_email_error"' in page
    assert not GroupcallInvitation.objects.exists()


# --- Re-authorisation, pausing and withdrawal -----------------------------------------


@pytest.mark.django_db
def test_a_new_authorisation_replaces_the_secret_and_keeps_settings_and_accounts(
    client, oakfield, groupcall
):
    first, token = invite(oakfield, groupcall)
    post_callback(client, first, token, callback_form(oakfield.estab, "old-secret"))
    SyncSettings.objects.create(school=oakfield, pupil_username_format="forename_surname")
    pupil = UserFactory.create(school=oakfield, username="amiraj")

    second, token = invite(oakfield, groupcall)
    assert (
        post_callback(client, second, token, callback_form(oakfield.estab, "new")).status_code
        == 200
    )
    connection = MisConnection.objects.get(school=oakfield)
    assert connection.secret == "new"
    assert connection.state == State.UNCHECKED
    assert SyncSettings.objects.get(school=oakfield).pupil_username_format == "forename_surname"
    assert User.objects.filter(pk=pupil.pk, school=oakfield).exists()
    assert MisConnection.objects.filter(school=oakfield).count() == 1


def consent_at_fake(groupcall: FakeXod, estab: str, scopes: list[str], **state: Any) -> str:
    """What Groupcall's side holds once the school has consented (a new secret, the
    scopes granted); returns the secret. The callback is then posted by the test."""
    school = groupcall.app.school(estab)
    school.secret, school.scopes = f"secret-{len(scopes)}-{estab}", scopes
    school.authorisation_paused = state.get("paused", False)
    return school.secret


@pytest.mark.django_db
def test_a_paused_authorisation_sends_the_administrator_back_with_the_reason(
    client, admin_page_client, oakfield, groupcall
):
    invitation, token = invite(oakfield, groupcall)
    secret = consent_at_fake(groupcall, oakfield.estab, ["School", "Student", "Staff"], paused=True)
    post_callback(client, invitation, token, callback_form(oakfield.estab, secret))
    run = sync_prepare(school=oakfield)
    assert run.status == SyncRun.Status.FAILED
    assert MisConnection.objects.get(school=oakfield).state == State.PAUSED
    run_page = page_text(admin_page_client.get(reverse("wizard:run", args=[oakfield.slug, run.pk])))
    assert "Go to the Groupcall connection" in run_page
    start = admin_page_client.get(reverse("wizard:start", args=[oakfield.slug]), follow=True)
    assert start.redirect_chain[-1][0] == connect_url(oakfield)
    assert "paused this app's access" in page_text(start)


@pytest.mark.django_db
def test_a_withdrawn_secret_sends_the_administrator_back_too(
    client, admin_page_client, oakfield, groupcall
):
    invitation, token = invite(oakfield, groupcall)
    consent_at_fake(groupcall, oakfield.estab, ["School", "Student", "Staff"])
    post_callback(client, invitation, token, callback_form(oakfield.estab, "an-old-secret"))
    page = page_text(admin_page_client.get(connect_url(oakfield)))
    assert "Status: Authorisation withdrawn or replaced" in page
    assert "Groupcall did not accept this estab number and secret" in page
    start = admin_page_client.get(reverse("wizard:start", args=[oakfield.slug]))
    assert start["Location"] == connect_url(oakfield)


@pytest.mark.django_db
def test_the_connect_page_checks_the_token_and_shows_the_scopes(
    client, admin_page_client, oakfield, groupcall
):
    invitation, token = invite(oakfield, groupcall, optional=())
    secret = consent_at_fake(groupcall, oakfield.estab, ["School", "Student", "Staff"])
    form = callback_form(oakfield.estab, secret, scopes="School,Student,Staff")
    post_callback(client, invitation, token, form)
    page = page_text(admin_page_client.get(connect_url(oakfield)))
    assert "Status: Ready" in page
    assert groupcall.requests("TokenDetails") == 1
    assert '<th scope="row">Unique pupil numbers (Groupcall: UPN)</th>' in page
    assert "Without unique pupil numbers:" in page
    admin_page_client.get(connect_url(oakfield))
    assert groupcall.requests("TokenDetails") == 1  # checked again only after an hour


def test_the_required_data_areas_are_the_scopes_the_client_needs():
    required = [area.scope for area in DATA_AREAS if area.required]
    assert sorted(required) == sorted(need.alternatives[0] for need in REQUIRED_SCOPES)
    optional = [area.scope for area in DATA_AREAS if not area.required]
    assert sorted(optional) == sorted(OPTIONAL_SCOPES)
    assert all(area.without for area in DATA_AREAS if not area.required)


@pytest.mark.django_db
def test_no_secret_reaches_the_logs(client, oakfield, groupcall, caplog):
    caplog.set_level(logging.DEBUG)
    invitation, token = invite(oakfield, groupcall)
    post_callback(client, invitation, token, callback_form(oakfield.estab, "school-secret-xyz"))
    logged = caplog.text + repr([record.args for record in caplog.records])
    assert caplog.records  # the HTTP calls were logged, at least by urllib3
    for secret in (MANAGEMENT_SECRET, "school-secret-xyz", token):
        assert secret not in logged
