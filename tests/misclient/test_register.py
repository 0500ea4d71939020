"""Inviting a school through Groupcall's invitation API, the school's consent and the
callback, against the fake over real HTTP (reference: "Invitation API", "Authorisation by
the school")."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from misclient import errors
from misclient.register import (
    CALLBACK_FIELDS,
    SchoolInvitation,
    parse_callback,
    school_register,
    sign,
)
from tests.fixtures_xod import TEST_PARTNER_APP_ID, CallbackReceiver, FakeXod, serving

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
VECTOR_BODY = b'{"Schools": [{"LeaCode": "823", "DfesCode": "1234"}], "RegistrationType": "Test"}'
VECTOR_TIMESTAMP = "2026-12-02T10:00:00+00:00"
VECTOR_SECRET = "management-secret-1"
# Computed once (and checked with `openssl dgst -sha256 -hmac`): a change of algorithm fails.
VECTOR_SIGNATURE = "2EF09D5A7411F582972C0DB3B30E5C32C25B33C00257EBE602E10C26B7FFDBD6"


def spelled_out_signature(body: bytes, timestamp: str, secret: str) -> str:
    """HMAC-SHA256 by its definition (RFC 2104), over Base64(body + timestamp + secret)."""
    key = secret.encode().ljust(64, b"\0")  # shorter than SHA-256's block: zero-padded
    message = base64.b64encode(body + timestamp.encode() + secret.encode())
    inner = hashlib.sha256(bytes(k ^ 0x36 for k in key) + message).digest()
    return hashlib.sha256(bytes(k ^ 0x5C for k in key) + inner).hexdigest().upper()


@pytest.fixture
def receiver(callback_receiver: CallbackReceiver) -> CallbackReceiver:
    return callback_receiver


def invitation(fake: FakeXod, callback_url: str = "", **changes: Any) -> SchoolInvitation:
    fields: dict[str, Any] = {
        "estab": fake.estab,
        "school_name": "Made-up Academy",
        "contact_first_name": "Alex",
        "contact_last_name": "Example",
        "contact_email": "head@school.example.org",
        "contact_phone": "01234 567890",
        "scopes": ("School", "Student", "UPN", "Staff"),
        "callback_url": callback_url or "http://127.0.0.1:9/unused",
    }
    return SchoolInvitation(**{**fields, **changes})


def post_vector(
    fake: FakeXod,
    *,
    timestamp: str = VECTOR_TIMESTAMP,
    secret: str = VECTOR_SECRET,
    application_id: str = TEST_PARTNER_APP_ID,
    sent_body: bytes = VECTOR_BODY,
    sent_timestamp: str = "",
) -> requests.Response:
    """The known vector sent to the fake; the `sent_` parts differ from what was signed."""
    signature = sign(VECTOR_BODY, timestamp, secret)
    headers = {"DateTime": sent_timestamp or timestamp, "Authorization": f"Groupcall {signature}"}
    if application_id:
        headers["ApplicationId"] = application_id
    return requests.post(fake.server.register_url, data=sent_body, headers=headers, timeout=5)


@pytest.fixture
def fake(fake_xod_dataset: dict[str, Any]) -> Iterator[FakeXod]:
    """The fake, its clock at NOW (the vector's time), accepting the vector's secret."""
    options = {"clock": lambda: NOW, "partner_management_secret": VECTOR_SECRET}
    with serving(fake_xod_dataset, **options) as served:
        yield served


# -- The signature -------------------------------------------------------------------


def test_the_signature_matches_a_known_vector():
    expected = spelled_out_signature(VECTOR_BODY, VECTOR_TIMESTAMP, VECTOR_SECRET)
    assert sign(VECTOR_BODY, VECTOR_TIMESTAMP, VECTOR_SECRET) == expected == VECTOR_SIGNATURE


def test_the_fake_accepts_the_known_vector_as_sent(fake):
    answer = post_vector(fake)
    assert answer.status_code == 200, answer.text
    # Signed correctly; this school entry has no contact, so it is refused on its own.
    assert answer.json() == {
        "Schools": [
            {
                "LeaCode": "823",
                "DfesCode": "1234",
                "Status": "Failed",
                "Message": "SchoolContactEmail is required",
            }
        ]
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sent_body": VECTOR_BODY.replace(b"1234", b"1235")}, "signature incorrect"),
        ({"sent_timestamp": VECTOR_TIMESTAMP.replace(":00+", ":01+")}, "signature incorrect"),
        ({"secret": VECTOR_SECRET + "x"}, "signature incorrect"),
        ({"application_id": ""}, "ApplicationId header missing or incorrect"),
        ({"application_id": "someone-else"}, "ApplicationId header missing or incorrect"),
        ({"timestamp": "2026-12-02T09:44:59+00:00"}, "DateTime header"),
        ({"timestamp": "2026-12-02T10:00:00"}, "DateTime header"),  # no offset
    ],
)
def test_the_fake_refuses_any_change_to_a_signed_request(fake, change, message):
    answer = post_vector(fake, **change)
    assert answer.status_code == 401
    assert answer.json()["Message"].startswith(f"Unauthorized: {message}")
    assert fake.app.invitations() == []


def test_a_timestamp_in_another_zone_within_fifteen_minutes_is_accepted(fake):
    answer = post_vector(fake, timestamp="2026-12-02T11:14:00+01:00")
    assert answer.status_code == 200


# -- school_register against the fake --------------------------------------------------


def test_an_invitation_is_sent_signed_and_recorded(fake, caplog):
    caplog.set_level(logging.DEBUG)
    sent = invitation(fake, callback_url="http://app.example/groupcall/callback/abc")
    answer = school_register(sent, fake.partner(test_registration=True), now=lambda: NOW)
    assert answer.ok
    assert answer.status == "OK"
    assert answer.message.startswith("Groupcall has emailed head@school.example.org")
    [made] = fake.app.invitations(fake.estab)
    assert (made.contact_first_name, made.contact_last_name) == ("Alex", "Example")
    assert made.contact_email == "head@school.example.org"
    assert made.scopes == ("School", "Student", "UPN", "Staff")
    assert made.callback_url == "http://app.example/groupcall/callback/abc"
    assert (made.registration_type, made.partner_name) == ("Test", "Sync Wizard (tests)")
    assert made.consented is None
    assert VECTOR_SECRET not in caplog.text
    assert not re.search(r"[0-9A-F]{64}", caplog.text)  # no signature either
    assert VECTOR_SECRET not in repr(fake.partner())


def test_the_request_body_and_headers_are_those_of_the_reference(fake):
    sent: list[requests.PreparedRequest] = []
    session = requests.Session()
    session.hooks["response"].append(lambda response, **_: sent.append(response.request))
    school_register(invitation(fake), fake.partner(), session=session, now=lambda: NOW)
    [request] = sent
    assert request.headers["ApplicationId"] == TEST_PARTNER_APP_ID
    assert request.headers["DateTime"] == VECTOR_TIMESTAMP
    body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
    signature = spelled_out_signature(body, VECTOR_TIMESTAMP, VECTOR_SECRET)
    assert request.headers["Authorization"] == f"Groupcall {signature}"
    document = json.loads(body)
    assert document["RegistrationType"] == "Live"
    assert document["Schools"] == [
        {
            "LeaCode": fake.estab[:3],
            "DfesCode": fake.estab[3:],
            "SchoolName": "Made-up Academy",
            "SchoolContactFirstName": "Alex",
            "SchoolContactLastName": "Example",
            "SchoolContactEmail": "head@school.example.org",
            "SchoolContactPhone": "01234 567890",
            "PartnerApplicationId": TEST_PARTNER_APP_ID,
            "PartnerName": "Sync Wizard (tests)",
            "PartnerRegisteredEmail": "partner@example.org",
            "ScopesToAuthorise": "School,Student,UPN,Staff",
            "WeAcceptGroupcallUsagePolicy": True,
            "CallbackUrl": "http://127.0.0.1:9/unused",
        }
    ]


def test_a_school_unknown_to_groupcall_is_refused_in_words(fake):
    answer = school_register(invitation(fake, estab="8819001"), fake.partner(), now=lambda: NOW)
    assert not answer.ok
    assert (answer.status, answer.detail) == ("Failed", "School not found in EduBase")
    assert answer.message.startswith(
        "Groupcall does not know a school with LA number 881 and DfE number 9001 "
        "(estab 8819001). Check the estab number"
    )
    assert fake.app.invitations() == []


def test_a_missing_contact_email_is_refused_in_words(fake):
    answer = school_register(invitation(fake, contact_email=""), fake.partner(), now=lambda: NOW)
    assert not answer.ok
    assert answer.message.startswith("Groupcall did not accept the contact's email address")


@pytest.mark.parametrize(
    "partner_change",
    [{"application_id": "not-ours"}, {"management_secret": "wrong"}],
)
def test_a_refused_partner_raises_partner_rejected(fake, partner_change):
    with pytest.raises(errors.PartnerRejected) as refused:
        school_register(invitation(fake), fake.partner(**partner_change), now=lambda: NOW)
    assert "GROUPCALL_APPLICATION_ID and GROUPCALL_MANAGEMENT_SECRET" in str(refused.value)
    assert refused.value.detail.startswith("Unauthorized: ")
    assert not refused.value.transient


def test_a_fake_without_partner_credentials_refuses_every_invitation(fake_xod_dataset):
    with (
        serving(fake_xod_dataset, partner_application_id="") as unconfigured,
        pytest.raises(errors.PartnerRejected),
    ):
        school_register(invitation(unconfigured), unconfigured.partner(application_id="x"))


def test_an_unreachable_or_failing_service_raises_mis_unreachable(fake):
    partner = fake.partner()
    fake.server.stop()
    with pytest.raises(errors.MisUnreachable) as unreachable:
        school_register(invitation(fake), partner, timeout=0.5, now=lambda: NOW)
    assert "could not be reached" in str(unreachable.value)
    assert unreachable.value.transient


def test_a_server_error_raises_mis_unreachable_and_is_not_retried(fake):
    fake.app.fail_next(fake.estab, 2, status=503, endpoint="SchoolRegister")
    with pytest.raises(errors.MisUnreachable) as unreachable:
        school_register(invitation(fake), fake.partner(), now=lambda: NOW)
    assert unreachable.value.status == 503
    assert fake.requests("SchoolRegister") == 1


def test_an_unreadable_answer_raises_malformed_response(fake):
    fake.app.malformed_next(fake.estab, endpoint="SchoolRegister")
    with pytest.raises(errors.MalformedResponse):
        school_register(invitation(fake), fake.partner(), now=lambda: NOW)


# -- Consent and the callback ------------------------------------------------------------


def invited(fake: FakeXod, receiver: CallbackReceiver, **changes: Any) -> SchoolInvitation:
    sent = invitation(fake, callback_url=receiver.url, **changes)
    assert school_register(sent, fake.partner(), now=lambda: NOW).ok
    return sent


def test_consent_posts_the_callback_with_a_new_secret(fake, receiver):
    invited(fake, receiver)
    old_secret = fake.secret
    old_client = fake.client()
    old_client.token()
    assert fake.consent() == 200
    [form] = receiver.forms
    assert receiver.content_types == ["application/x-www-form-urlencoded"]
    assert set(form) == set(CALLBACK_FIELDS)
    new_secret = form["schoolSecret"]
    assert new_secret != old_secret
    assert form["schoolId"] == fake.estab
    assert form["schoolEmail"] == "head@school.example.org"
    assert form["schoolName"] == fake.school["SchoolInfo"]["Name"]
    assert form["templateScopes"] == form["scopes"] == "School,Student,UPN,Staff"
    assert (form["thirdParty"], form["partnerId"]) == ("XporterOnDemand", TEST_PARTNER_APP_ID)
    assert fake.client(secret=new_secret).token()
    with pytest.raises(errors.BadCredentials):
        fake.client(secret=old_secret).token()
    with pytest.raises(errors.XodError):  # the old secret's token is withdrawn too
        old_client.token_details()
    assert fake.app.invitations(fake.estab)[0].consented == NOW


def test_consent_grants_only_the_scopes_chosen(fake, receiver):
    invited(fake, receiver)
    fake.consent(scopes=["School", "Student"])
    [form] = receiver.forms
    assert form["templateScopes"] == "School,Student,UPN,Staff"
    assert form["scopes"] == "School,Student"
    details = fake.client(secret=form["schoolSecret"]).token_details()
    assert tuple(details.scopes) == ("School", "Student")


def test_consent_while_choosing_people_pauses_the_authorisation(fake, receiver):
    invited(fake, receiver)
    fake.consent(paused=True)
    with pytest.raises(errors.AuthorisationPaused):
        fake.client(secret=receiver.forms[0]["schoolSecret"]).token()


def test_install_completed_is_sent_again_with_the_same_secret(fake, receiver):
    invited(fake, receiver)
    fake.consent()
    fake.consent(install_completed=True)
    first, second = receiver.forms
    assert "installCompleted" not in first
    assert second["installCompleted"] == "true"
    assert second["schoolSecret"] == first["schoolSecret"]
    assert parse_callback(second).install_completed


def test_the_status_the_application_answered_is_returned(fake):
    with CallbackReceiver(status=403) as refusing:
        invited(fake, refusing)
        assert fake.consent() == 403
    assert fake.consent() == 0  # the application has gone


def test_consent_needs_an_invitation(fake):
    from misclient.fake.server.invitations import NoInvitation

    with pytest.raises(NoInvitation):
        fake.consent()
    answer = requests.post(f"{fake.server.control_url}{fake.estab}/consent", json={}, timeout=5)
    assert answer.status_code == 404


def test_consent_over_the_control_endpoint(fake, receiver):
    invited(fake, receiver)
    listed = requests.get(f"{fake.server.control_url}{fake.estab}/invitations", timeout=5).json()
    assert listed["count"] == 1
    assert listed["invitations"][0]["callback_url"] == receiver.url
    answer = requests.post(
        f"{fake.server.control_url}{fake.estab}/consent",
        json={"scopes": ["Student"], "paused": False, "install_completed": True},
        timeout=5,
    )
    assert answer.json() == {"ok": True, "callback_status": 200}
    assert receiver.forms[0]["scopes"] == "Student"
    assert receiver.forms[0]["installCompleted"] == "true"


# -- parse_callback ----------------------------------------------------------------------


def test_parse_callback_reads_the_form_in_any_case(fake, receiver):
    invited(fake, receiver)
    fake.consent(scopes=["School", "UPN"])
    form = {name.upper(): f" {value} " for name, value in receiver.forms[0].items()}
    consent = parse_callback(form)
    assert consent.estab == fake.estab
    assert consent.secret == receiver.forms[0]["schoolSecret"]
    assert consent.scopes == ("School", "UPN")
    assert consent.template_scopes == ("School", "Student", "UPN", "Staff")
    assert (consent.school_email, consent.partner_id) == (
        "head@school.example.org",
        TEST_PARTNER_APP_ID,
    )
    assert not consent.install_completed
    assert consent.secret not in repr(consent)


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"schoolId": "8231234"}, "no schoolSecret or schoolId"),
        ({"schoolSecret": "s"}, "no schoolSecret or schoolId"),
        ({"schoolSecret": "s", "schoolId": "823123"}, "not 7 digits"),
        ({"schoolSecret": "s", "schoolId": "82312345"}, "not 7 digits"),
    ],
)
def test_a_callback_without_secret_or_estab_is_malformed(form, words):
    with pytest.raises(errors.MalformedResponse, match=words):
        parse_callback(form)


# -- The consent page (the fake's stand-in for Groupcall's email) -----------------------


def test_the_consent_page_lists_an_invitation_and_its_button_consents(fake, receiver):
    invited(fake, receiver)
    page = requests.get(fake.server.consent_page_url, timeout=5)
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert '<html lang="en">' in html
    assert "<title>" in html
    assert f"(estab {fake.estab})" in html
    assert "Alex Example &lt;head@school.example.org&gt;" in html
    assert "Scopes asked for: School, Student, UPN, Staff." in html
    assert "<button>Consent to share with Sync Wizard (tests)</button>" in html
    assert '<label for="i1-s2">UPN</label>' in html
    action = re.search(r'<form method="post" action="([^"]+)"', html)
    assert action is not None
    # What a browser sends with UPN unticked.
    form = {"scopes": ["School", "Student", "Staff"], "choose_scopes": "1"}
    answer = requests.post(fake.server.root_url + action[1], data=form, timeout=5)
    assert answer.status_code == 200
    assert "The app accepted the callback (HTTP 200)." in answer.text
    assert receiver.forms[0]["scopes"] == "School,Student,Staff"
    assert 'href="/_fake/consent"' in answer.text
    again = requests.get(fake.server.consent_page_url, timeout=5).text
    assert "Consent given." in again
    assert "installation is complete</button>" in again


def test_the_consent_page_escapes_what_the_invitation_said(fake, receiver):
    invited(fake, receiver, contact_first_name="<script>alert(1)</script>")
    html = requests.get(fake.server.consent_page_url, timeout=5).text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_old_datetime_is_refused_by_school_register_too(fake):
    with pytest.raises(errors.PartnerRejected):
        school_register(invitation(fake), fake.partner(), now=lambda: NOW - timedelta(minutes=16))


def test_an_invitation_needs_a_seven_digit_estab(fake):
    with pytest.raises(ValueError, match="7 digits"):
        invitation(fake, estab="881900")


def test_a_signed_body_not_in_the_documented_shape_is_an_invalid_request(fake):
    body = b'{"Schools": "8231234"}'
    headers = {
        "ApplicationId": TEST_PARTNER_APP_ID,
        "DateTime": VECTOR_TIMESTAMP,
        "Authorization": f"Groupcall {sign(body, VECTOR_TIMESTAMP, VECTOR_SECRET)}",
    }
    answer = requests.post(fake.server.register_url, data=body, headers=headers, timeout=5)
    assert (answer.status_code, answer.json()) == (400, {"Message": "The request is invalid."})


def test_another_refusal_of_the_whole_request_is_a_service_error(fake):
    fake.app.fail_next(fake.estab, status=400, endpoint="SchoolRegister")
    with pytest.raises(errors.XodServiceError, match="An error has occurred"):
        school_register(invitation(fake), fake.partner(), now=lambda: NOW)
