"""Tokens against the fake XoD over real HTTP: getting, caching, refreshing, refusing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from misclient import errors
from misclient.fake.server.responses import DENIED
from misclient.tokens import TokenCache

pytestmark = pytest.mark.filterwarnings("error")


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_token_is_issued_and_sent_with_the_idaas_scheme(fake_xod):
    client = fake_xod.client()
    details = client.token_details()
    assert details.estab == fake_xod.estab
    assert details.relying_party == fake_xod.relying_party
    assert "Student" in details.scopes
    assert fake_xod.requests("GetToken") == 1
    assert fake_xod.requests("TokenDetails") == 1


def test_the_legacy_token_path_works_too(fake_xod):
    client = fake_xod.client(token_url=fake_xod.legacy_token_url)
    assert client.token_details().estab == fake_xod.estab


def test_the_fake_refuses_a_bearer_token(fake_xod):
    token = fake_xod.client().token()
    answer = requests.get(
        fake_xod.base_url + "TokenDetails", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert answer.status_code == 401
    assert answer.json() == {"Message": DENIED}


def test_a_wrong_secret_is_bad_credentials_and_not_retried(fake_xod):
    with pytest.raises(errors.BadCredentials) as caught:
        fake_xod.client(secret="wrong").token_details()
    assert not caught.value.transient
    assert caught.value.message == errors.BAD_CREDENTIALS
    assert "secret not correct" in caught.value.detail
    assert fake_xod.requests("GetToken") == 1
    assert fake_xod.requests("TokenDetails") == 0


def test_an_unknown_estab_or_relying_party_is_bad_credentials(fake_xod):
    with pytest.raises(errors.BadCredentials):
        fake_xod.client(estab="9999999").token()
    with pytest.raises(errors.BadCredentials):
        fake_xod.client(relying_party="someone-else.example").token()


def test_paused_authorisation_at_token_time(fake_xod):
    fake_xod.app.pause_authorisation(fake_xod.estab)
    with pytest.raises(errors.AuthorisationPaused) as caught:
        fake_xod.client().fetch_snapshot()
    assert caught.value.message == errors.AUTHORISATION_PAUSED
    assert not caught.value.transient
    assert fake_xod.requests() == 1


def test_paused_after_the_token_was_issued_is_an_error_even_with_http_200(fake_xod):
    client = fake_xod.client()
    client.token()
    fake_xod.app.pause_authorisation(fake_xod.estab)
    with pytest.raises(errors.AuthorisationPaused):
        client.token_details()
    assert fake_xod.app.requests(fake_xod.estab)[-1].status == 200


def test_the_token_is_cached_until_shortly_before_it_expires(fake_xod):
    clock = Clock()
    client = fake_xod.client(clock=clock)
    client.token_details()
    client.token_details()
    assert fake_xod.requests("GetToken") == 1
    clock.now += timedelta(hours=120) - timedelta(minutes=10)
    client.token_details()
    assert fake_xod.requests("GetToken") == 1
    clock.now += timedelta(minutes=6)  # now within 5 minutes of expiry
    client.token_details()
    assert fake_xod.requests("GetToken") == 2


def test_a_shared_cache_serves_several_clients_until_the_secret_changes(fake_xod):
    cache = TokenCache()
    fake_xod.client(token_cache=cache).token()
    fake_xod.client(token_cache=cache).token()
    assert fake_xod.requests("GetToken") == 1
    fake_xod.app.school(fake_xod.estab).secret = "re-authorised"
    fake_xod.client(token_cache=cache, secret="re-authorised").token_details()
    assert fake_xod.requests("GetToken") == 2


def test_an_expired_token_gets_401_then_one_refresh_and_a_retry(fake_xod):
    client = fake_xod.client()
    client.token_details()
    fake_xod.app.expire_tokens(fake_xod.estab)
    assert client.token_details().estab == fake_xod.estab
    assert fake_xod.requests("GetToken") == 2
    assert [r.status for r in fake_xod.app.requests(fake_xod.estab)] == [200, 200, 401, 200, 200]


def test_tokens_really_expire_on_the_server_clock(fake_xod):
    server_clock = Clock()
    fake_xod.app.clock = server_clock
    client = fake_xod.client()
    client.token_details()
    server_clock.now += timedelta(hours=121)  # the client's clock still thinks it is fresh
    client.token_details()
    assert fake_xod.requests("GetToken") == 2


def test_a_second_401_after_refreshing_means_access_was_withdrawn(fake_xod):
    fake_xod.app.fail_next(fake_xod.estab, 2, status=401, endpoint="TokenDetails")
    with pytest.raises(errors.BadCredentials) as caught:
        fake_xod.client().token_details()
    assert caught.value.message == errors.ACCESS_WITHDRAWN
    assert (fake_xod.requests("GetToken"), fake_xod.requests("TokenDetails")) == (2, 2)


def test_a_token_is_bound_to_its_school(fake_xod):
    token = fake_xod.client().token()
    other = fake_xod.app.school(fake_xod.estab)
    assert other.estab == fake_xod.estab
    answer = requests.get(
        f"{fake_xod.base_url}School/8239999/Students",
        headers={"Authorization": f"Idaas {token}"},
        timeout=5,
    )
    assert answer.status_code == 401
