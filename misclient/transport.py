"""The one request seam every XoD HTTP call goes through.

It sets an explicit timeout on every call, retries what may succeed a moment later
(connection failures, timeouts, 429 and 5xx) with capped exponential backoff, and turns
what is left into our typed errors. It knows nothing of tokens or the envelope.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from misclient.errors import mis_unreachable, service_error

log = logging.getLogger(__name__)

# 429 is not documented for XoD (reference: "No rate limit is documented"), but a
# gateway in front of it may send one; it means "later", like the 5xx family.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_TRANSIENT_EXCEPTIONS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` is the total number of tries of one request (1 = no retry)."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (1-based); a server's Retry-After
        is honoured but never beyond `max_delay`."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        return min(self.base_delay * 2.0 ** (retry - 1), self.max_delay)


def _retry_after(response: requests.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


class Transport:
    """Sends requests through one `requests.Session`.

    `sleep` is injectable so tests can retry without waiting.
    """

    def __init__(
        self,
        *,
        timeout: float,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.sleep = sleep

    def send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """The response to the first try that is not transient; any status other than
        those in RETRY_STATUSES is returned for the caller to judge.

        Raises MisUnreachable when every try failed transiently, XodServiceError when
        the request could not be made at all (a bad URL).
        """
        detail, status, retry_after = "", 0, None
        for attempt in range(1, self.retry.attempts + 1):
            if attempt > 1:
                self.sleep(self.retry.delay(attempt - 1, retry_after))
            retry_after = None
            try:
                response = self._send_once(method, url, **kwargs)
            except _TRANSIENT_EXCEPTIONS as exc:
                detail, status = f"{type(exc).__name__} from {url}", 0
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                detail, status = f"HTTP {response.status_code} from {url}", response.status_code
                retry_after = _retry_after(response)
            log.warning("XoD try %d of %d failed: %s", attempt, self.retry.attempts, detail)
        raise mis_unreachable(detail, status)

    def _send_once(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except _TRANSIENT_EXCEPTIONS:
            raise
        except requests.RequestException as exc:
            raise service_error(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        self.session.close()
