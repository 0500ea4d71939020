"""XoD tokens (reference: "Token"): asking for one, and keeping it until shortly before
it expires."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from misclient import errors
from misclient.envelope import Row, exception_message, get_ci
from misclient.parse import text
from misclient.transport import Transport

THIRD_PARTY_ID = "XporterOnDemand"
# Tokens live for days; refreshing a little early avoids one expiring mid-fetch.
TOKEN_REFRESH_MARGIN = timedelta(minutes=5)
# Used only if a token answer has no usable `expires`.
FALLBACK_TOKEN_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class Token:
    value: str
    expires: datetime

    def fresh_at(self, now: datetime) -> bool:
        """True while the token has more than TOKEN_REFRESH_MARGIN to live."""
        return self.expires - TOKEN_REFRESH_MARGIN > now


class TokenCache:
    """Tokens by school, safe to share between clients and threads of one process."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, ...], Token] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> Token | None:
        with self._lock:
            return self._tokens.get(key)

    def put(self, key: tuple[str, ...], token: Token) -> None:
        with self._lock:
            self._tokens[key] = token


def cache_key(token_url: str, relying_party: str, estab: str, secret: str) -> tuple[str, ...]:
    # The secret's hash, not the secret: a re-authorised school's new secret gets a new
    # token, and no secret sits in the cache.
    secret_hash = hashlib.sha256(secret.encode()).hexdigest()
    return (token_url, relying_party, estab, secret_hash)


def parse_expires(value: Any, now: datetime) -> datetime:
    """`expires` as an aware datetime ("2026-11-29T09:34:46.4025550Z"; no zone means UTC)."""
    try:
        expires = datetime.fromisoformat(text(value))
    except ValueError:
        return now + FALLBACK_TOKEN_LIFETIME
    return expires if expires.tzinfo else expires.replace(tzinfo=UTC)


def _token_body(response: requests.Response) -> Row:
    try:
        body = response.json()
    except ValueError as exc:
        if response.status_code in (400, 401, 403):
            raise errors.bad_credentials(f"HTTP {response.status_code}") from exc
        raise errors.malformed_response("the token answer is not JSON") from exc
    if not isinstance(body, dict):
        raise errors.malformed_response("the token answer is not a JSON object")
    return body


def request_token(
    transport: Transport,
    token_url: str,
    *,
    estab: str,
    relying_party: str,
    secret: str,
    now: datetime,
) -> Token:
    """A new token for the school. The failure status is undocumented, so the body is
    read whatever the status: an ExceptionMessage says what went wrong.

    Raises BadCredentials, AuthorisationPaused, MisUnreachable or MalformedResponse.
    """
    payload = {
        "estab": estab,
        "relyingParty": relying_party,
        "password": secret,
        "thirdpartyid": THIRD_PARTY_ID,
    }
    response = transport.send("POST", token_url, json=payload)
    body = _token_body(response)
    if message := exception_message(body):
        if "paused" in message.lower():
            raise errors.authorisation_paused(message)
        raise errors.bad_credentials(message)
    if response.status_code >= 400:
        raise errors.bad_credentials(f"HTTP {response.status_code} from the token service")
    value = text(get_ci(body, "token"))
    if not value:
        raise errors.malformed_response("the token answer has no token")
    return Token(value, parse_expires(get_ci(body, "expires"), now))
