"""A client for Groupcall Xporter on Demand (XoD), one school per client.

Reference: `shared/reference/xod-api.md`; the section each call follows is named beside
it. Every HTTP call goes through `Transport.send` (timeouts, retries, typed errors).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from misclient import errors
from misclient.envelope import Row, data_sets, exception_message, get_ci, pagination
from misclient.parse import build_snapshot, csv, text
from misclient.scopes import missing_optional, missing_required, required_for, scope_error
from misclient.snapshot import MisSnapshot
from misclient.tokens import TokenCache, cache_key, request_token
from misclient.transport import RetryPolicy, Transport

DEFAULT_PAGE_SIZE = 1000
MAX_PAGES = 10_000  # a guard against a server that never reaches its last page

STUDENT_OPTIONS = ("includeGroupIds",)
GROUP_OPTIONS = ("includeMembersIds", "includeSubjects")
# The set each endpoint answers under (lower-cased); Groups answers under "Group".
MAIN_SETS = {
    "SchoolInfo": ("schoolinfo",),
    "Students": ("students",),
    "Staff": ("staff",),
    "Groups": ("group", "groups"),
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TokenDetails:
    """What `GET TokenDetails` says about our access to one school."""

    estab: str
    name: str
    relying_party: str
    expires: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class FetchProgress:
    """One page fetched: `page` of `page_count` of `endpoint`; `pages_fetched` counts all
    pages of the whole fetch so far."""

    endpoint: str
    page: int
    page_count: int
    pages_fetched: int


ProgressCallback = Callable[[FetchProgress], None]


def _classify(message: str, endpoint: str) -> errors.XodError:
    """The typed error for an `ExceptionMessage` from a data endpoint."""
    lowered = message.lower()
    if "paused" in lowered:
        return errors.authorisation_paused(message)
    if "scope" in lowered:
        return scope_error([required_for(endpoint)], detail=message)
    return errors.service_error(message)


class XodClient:
    """Reads one school's data from XoD.

    `base_url` is the data API root (".../api/v1/"), `token_url` the GetToken address
    (current or legacy path). `timeout` applies to every call; `sleep` and `clock` are
    injectable for tests. Pass one `token_cache` to several clients to share tokens.
    """

    def __init__(
        self,
        *,
        estab: str,
        secret: str,
        base_url: str,
        token_url: str,
        relying_party: str,
        timeout: float = 30.0,
        page_size: int = DEFAULT_PAGE_SIZE,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utcnow,
        token_cache: TokenCache | None = None,
    ) -> None:
        self.estab = estab.strip()
        self.base_url = base_url.rstrip("/") + "/"
        self.token_url = token_url
        self.relying_party = relying_party
        self.page_size = page_size
        self._secret = secret
        self._clock = clock
        self._tokens = token_cache or TokenCache()
        self._transport = Transport(timeout=timeout, retry=retry, session=session, sleep=sleep)

    @classmethod
    def from_settings(cls, *, estab: str, secret: str, **overrides: Any) -> XodClient:
        """A client configured from the Django settings XOD_*; `overrides` (a school's own
        base_url, token_url...) win over them."""
        from django.conf import settings

        options: dict[str, Any] = {
            "base_url": settings.XOD_BASE_URL,
            "token_url": settings.XOD_TOKEN_URL,
            "relying_party": settings.XOD_RELYING_PARTY,
            "timeout": float(settings.XOD_TIMEOUT_SECONDS),
        }
        options.update(overrides)
        return cls(estab=estab, secret=secret, **options)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> XodClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- Token ("Token" section) ------------------------------------------------------

    def token(self, *, fresh: bool = False) -> str:
        """A token for this school: the cached one unless it expires within
        TOKEN_REFRESH_MARGIN or `fresh` is set. Raises BadCredentials, AuthorisationPaused,
        MisUnreachable or MalformedResponse."""
        key = cache_key(self.token_url, self.relying_party, self.estab, self._secret)
        cached = None if fresh else self._tokens.get(key)
        if cached and cached.fresh_at(self._clock()):
            return cached.value
        token = request_token(
            self._transport,
            self.token_url,
            estab=self.estab,
            relying_party=self.relying_party,
            secret=self._secret,
            now=self._clock(),
        )
        self._tokens.put(key, token)
        return token.value

    # -- Data calls ("Data endpoints", "Response envelope") ---------------------------

    def _authorised_get(self, path: str, params: dict[str, str]) -> requests.Response:
        """GET with our token; on 401 ("expired or wrong token") refresh once and retry."""
        for fresh in (False, True):
            headers = {"Authorization": f"Idaas {self.token(fresh=fresh)}"}
            response = self._transport.send(
                "GET", self.base_url + path, params=params, headers=headers
            )
            if response.status_code != 401:
                return response
        raise errors.BadCredentials(errors.ACCESS_WITHDRAWN, detail=f"HTTP 401 from {path}")

    def get_body(self, path: str, params: dict[str, str] | None = None) -> Row:
        """The JSON object answered for `path` (relative to base_url). Raises the typed
        errors of the module `errors` for error bodies, bad JSON and failed requests."""
        response = self._authorised_get(path, params or {})
        endpoint = path.rstrip("/").split("/")[-1]
        try:
            body = response.json()
        except ValueError as exc:
            if response.status_code >= 400:
                raise errors.service_error(f"HTTP {response.status_code} from {path}") from exc
            raise errors.malformed_response(f"the answer from {endpoint} is not JSON") from exc
        if not isinstance(body, dict):
            raise errors.malformed_response(f"the answer from {endpoint} is not a JSON object")
        message = exception_message(body)
        if message:
            raise _classify(message, endpoint)
        if response.status_code >= 400:
            raise errors.service_error(f"HTTP {response.status_code} from {path}")
        return body

    def token_details(self) -> TokenDetails:
        """What our token allows ("Authorisation by the school": TokenDetails); also a
        good "Test connection"."""
        body = self.get_body("TokenDetails")
        return TokenDetails(
            estab=text(get_ci(body, "Estab")),
            name=text(get_ci(body, "Name")),
            relying_party=text(get_ci(body, "RelyingParty")),
            expires=text(get_ci(body, "Expires")),
            scopes=csv(get_ci(body, "Scopes")),
        )

    def _params(self, options: tuple[str, ...], page: int | None) -> dict[str, str]:
        params = {"options": ",".join(options)} if options else {}
        if page is not None:
            params.update(page=str(page), pageSize=str(self.page_size))
        return params

    def fetch_sets(
        self,
        endpoint: str,
        *,
        options: tuple[str, ...] = (),
        paged: bool = True,
        on_page: Callable[[str, int, int], None] | None = None,
    ) -> dict[str, list[Any]]:
        """Every row of `School/{estab}/{endpoint}`, all pages, by lower-cased set name.

        Pages with `page`/`pageSize` and stops when PageNumber >= PageCount, never on
        NextPage (set even on the last page). `on_page(endpoint, page, page_count)` is
        called after each page. Raises MalformedResponse if a page lacks the endpoint's
        own set: an answer without "Students" is a broken feed, not a school without pupils.
        """
        sets: dict[str, list[Any]] = {}
        for page in range(1, MAX_PAGES + 1):
            body = self.get_body(
                f"School/{self.estab}/{endpoint}", self._params(options, page if paged else None)
            )
            found = data_sets(body)
            if not set(MAIN_SETS.get(endpoint, found)) & set(found):
                raise errors.malformed_response(f"the answer from {endpoint} has no {endpoint}")
            for name, rows in found.items():
                sets.setdefault(name, []).extend(rows)
            info = pagination(body)
            if on_page:
                on_page(endpoint, page, info.page_count if info else 1)
            if info is None or info.page_number >= info.page_count:
                return sets
            if info.page_number != page:
                raise errors.malformed_response(
                    f"{endpoint} answered page {info.page_number} for page {page}"
                )
        raise errors.malformed_response(f"{endpoint} has more than {MAX_PAGES} pages")

    def fetch_snapshot(self, progress: ProgressCallback | None = None) -> MisSnapshot:
        """The school's SchoolInfo, Students (on roll), Staff (all current staff, teachers
        or not: the planner filters) and Groups with members, as one snapshot.

        Raises ScopeNotGranted before reading anything if a required scope is missing;
        optional scopes that are missing end up in `snapshot.missing_scopes`.
        """
        scopes = self.token_details().scopes
        if missing := missing_required(scopes):
            raise scope_error(missing)
        on_page = _page_counter(progress)
        # Reference, "Data endpoints": SchoolInfo is one row, so it is not paged.
        school = self.fetch_sets("SchoolInfo", paged=False, on_page=on_page)
        # "Data endpoints", Students: on-roll pupils by default; GroupIds via the option.
        students = self.fetch_sets("Students", options=STUDENT_OPTIONS, on_page=on_page)
        # "Data endpoints", Staff: without teachersOnly, so support staff come too.
        staff = self.fetch_sets("Staff", on_page=on_page)
        # "Data endpoints", Groups: members as StudentIds/StaffIds CSV, subjects on classes.
        groups = self.fetch_sets("Groups", options=GROUP_OPTIONS, on_page=on_page)
        return build_snapshot(
            estab=self.estab,
            school_info=school.get("schoolinfo", []),
            students=students.get("students", []),
            staff=staff.get("staff", []),
            groups=groups.get("group", []) + groups.get("groups", []),
            student_members=groups.get("studentmembers", []),
            staff_members=groups.get("staffmembers", []),
            fetched_at=self._clock(),
            missing_scopes=missing_optional(scopes),
        )


def _page_counter(progress: ProgressCallback | None) -> Callable[[str, int, int], None]:
    """Adapts fetch_sets' per-endpoint page reports into FetchProgress with a running total."""
    fetched = 0

    def on_page(endpoint: str, page: int, page_count: int) -> None:
        nonlocal fetched
        fetched += 1
        if progress:
            progress(FetchProgress(endpoint, page, page_count, fetched))

    return on_page


__all__ = [
    "FetchProgress",
    "ProgressCallback",
    "RetryPolicy",
    "TokenCache",
    "TokenDetails",
    "XodClient",
]
