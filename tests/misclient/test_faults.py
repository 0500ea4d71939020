"""Every fault the fake can inject gives its typed error, or succeeds after retries;
the number of requests the server received is asserted each time."""

from __future__ import annotations

import json

import pytest
import requests

from misclient import errors
from misclient.fake.server.faults import Fault
from tests.fixtures_xod import FAST_RETRY, TEST_TIMEOUT, serving

ATTEMPTS = FAST_RETRY.attempts


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_with_exponential_backoff(fake_xod, status):
    fake_xod.app.fail_next(fake_xod.estab, 2, status=status, endpoint="Students")
    snapshot = fake_xod.client().fetch_snapshot()
    assert snapshot.pupils
    assert fake_xod.requests("Students") == 1 + 2
    assert fake_xod.sleeps == [0.01, 0.02]


def test_429_is_retried_honouring_retry_after_but_capped(fake_xod):
    fake_xod.app.fail_next(fake_xod.estab, 1, status=429)
    fake_xod.client().fetch_snapshot()
    assert fake_xod.requests("GetToken") == 2
    assert fake_xod.sleeps == [FAST_RETRY.max_delay]  # the fake asks for 1 s


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_fault_that_outlasts_the_retries_is_a_transient_mis_unreachable(fake_xod, status):
    fake_xod.app.fail_next(fake_xod.estab, 10, status=status, endpoint="Staff")
    with pytest.raises(errors.MisUnreachable) as caught:
        fake_xod.client().fetch_snapshot()
    assert caught.value.transient
    assert caught.value.status == status
    assert f"HTTP {status}" in str(caught.value)
    assert fake_xod.requests("Staff") == ATTEMPTS
    assert fake_xod.requests("Groups") == 0
    assert len(fake_xod.sleeps) == ATTEMPTS - 1


def test_a_hung_request_times_out_and_is_retried(fake_xod):
    fake_xod.app.hang_next(fake_xod.estab, 1, seconds=TEST_TIMEOUT * 4, endpoint="Groups")
    assert fake_xod.client().fetch_snapshot().groups
    assert fake_xod.requests("Groups") == 2


def test_a_server_that_keeps_hanging_is_unreachable(fake_xod):
    fake_xod.app.hang_next(fake_xod.estab, ATTEMPTS, seconds=TEST_TIMEOUT * 4)
    with pytest.raises(errors.MisUnreachable) as caught:
        fake_xod.client().token()
    assert caught.value.status == 0
    assert "Timeout" in caught.value.detail
    assert fake_xod.requests("GetToken") == ATTEMPTS


def test_malformed_json_is_permanent_and_not_retried(fake_xod):
    fake_xod.app.malformed_next(fake_xod.estab, 1, endpoint="Staff")
    with pytest.raises(errors.MalformedResponse) as caught:
        fake_xod.client().fetch_snapshot()
    assert not caught.value.transient
    assert "Staff" in str(caught.value)
    assert fake_xod.requests("Staff") == 1


def test_a_malformed_token_answer_is_malformed(fake_xod):
    fake_xod.app.malformed_next(fake_xod.estab, 1, endpoint="GetToken")
    with pytest.raises(errors.MalformedResponse):
        fake_xod.client().token()
    assert fake_xod.requests("GetToken") == 1


def test_an_exception_message_with_http_200_is_an_error(fake_xod):
    fake_xod.app.error_next(fake_xod.estab, message="Something went wrong", endpoint="Students")
    with pytest.raises(errors.XodServiceError) as caught:
        fake_xod.client().fetch_snapshot()
    assert caught.value.detail == "Something went wrong"
    assert "Something went wrong" in str(caught.value)
    assert fake_xod.requests("Students") == 1


def test_faults_can_be_set_in_the_dataset(generated_xod_dataset):
    dataset = json.loads(json.dumps(generated_xod_dataset))
    school = dataset["schools"][0]
    school["faults"] = [{"kind": "status", "status": 503, "count": 1, "endpoint": "GetToken"}]
    with serving(dataset) as fake:
        fake.client().token()
        assert fake.requests("GetToken") == 2


def test_faults_and_counts_through_the_http_control_endpoints(fake_xod):
    control = f"{fake_xod.server.control_url}{fake_xod.estab}"
    added = requests.post(
        f"{control}/faults", json=[{"kind": "status", "status": 500, "count": 9}], timeout=5
    )
    assert added.json() == {"ok": True}
    with pytest.raises(errors.MisUnreachable):
        fake_xod.client().token()
    assert requests.get(f"{control}/requests", timeout=5).json()["count"] == ATTEMPTS
    requests.post(f"{control}/faults/clear", timeout=5)
    requests.post(f"{control}/authorisation", json={"paused": True}, timeout=5)
    with pytest.raises(errors.AuthorisationPaused):
        fake_xod.client().token()
    requests.post(f"{control}/authorisation", json={"paused": False}, timeout=5)
    client = fake_xod.client()
    client.token_details()
    requests.post(f"{control}/expire-tokens", timeout=5)
    client.token_details()
    assert fake_xod.requests("GetToken") == ATTEMPTS + 1 + 1 + 1


def test_the_control_endpoint_refuses_bad_faults(fake_xod):
    control = f"{fake_xod.server.control_url}{fake_xod.estab}"
    answer = requests.post(f"{control}/faults", json={"kind": "explode"}, timeout=5)
    assert answer.status_code == 400
    assert "fault kind" in answer.json()["error"]
    assert (
        requests.get(f"{fake_xod.server.control_url}0000000/requests", timeout=5).status_code == 404
    )


def test_the_control_endpoints_belong_to_the_http_server_not_to_the_app(fake_xod):
    path = f"/_fake/{fake_xod.estab}/faults/clear"
    assert fake_xod.app.handle("POST", path, {}, b"").status == 404  # XoD has no such path
    assert requests.post(f"{fake_xod.server.root_url}{path}", timeout=5).json() == {"ok": True}
    assert fake_xod.app.requests(fake_xod.estab) == []  # control requests are not XoD's


def test_a_fault_counts_down_and_is_used_up(fake_xod):
    fake_xod.app.add_fault(fake_xod.estab, Fault("status", count=2, status=503))
    assert len(fake_xod.app.school(fake_xod.estab).faults.pending()) == 1
    fake_xod.client().token()
    assert fake_xod.app.school(fake_xod.estab).faults.pending() == []
    assert [r.status for r in fake_xod.app.requests(fake_xod.estab)] == [503, 503, 200]
