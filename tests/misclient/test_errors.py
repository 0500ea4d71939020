from __future__ import annotations

import pickle

import pytest

from misclient import errors
from misclient.scopes import REQUIRED_SCOPES, describe_missing_scopes, scope_error


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (errors.bad_credentials(), False),
        (errors.authorisation_paused(), False),
        (scope_error([REQUIRED_SCOPES[1]]), False),
        (errors.mis_unreachable("timeout"), True),
        (errors.malformed_response("not JSON"), False),
        (errors.service_error("Something went wrong"), False),
        (errors.partner_rejected("Unauthorized: signature incorrect"), False),
        (errors.register_unreachable("timeout"), True),
    ],
)
def test_only_an_unreachable_mis_is_transient(error, transient):
    assert isinstance(error, errors.XodError)
    assert error.transient is transient


def test_errors_survive_pickling_as_celery_does_with_them():
    error = scope_error([REQUIRED_SCOPES[1], REQUIRED_SCOPES[2]], detail="no Student scope")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.ScopeNotGranted
    assert (str(copy), copy.scopes, copy.detail) == (str(error), ("Student", "Staff"), error.detail)


def test_messages_say_what_to_do_in_plain_words():
    assert "ask the school for the current secret" in str(errors.bad_credentials())
    assert "Student (or StudentLite)" in str(scope_error([REQUIRED_SCOPES[1]]))
    assert "its pupils" in str(scope_error([REQUIRED_SCOPES[1]]))
    assert "try again" in str(errors.mis_unreachable("HTTP 503"))
    assert "HTTP 503" in str(errors.mis_unreachable("HTTP 503"))
    assert "check GROUPCALL_APPLICATION_ID" in str(errors.partner_rejected())
    assert "invitation service could not be reached" in str(errors.register_unreachable("x"))


def test_missing_optional_scopes_are_described_one_sentence_each():
    sentences = describe_missing_scopes(["UPN", "Photos"])
    assert sentences == [
        "The school has not shared the UPN scope, so pupils' UPNs (which recognise a pupil "
        "whose MIS record was re-created) will be missing.",
        "The school has not shared the Photos scope, so some details will be missing.",
    ]
