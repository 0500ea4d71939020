"""A whole school signs in: its pupils arrive evenly over BENCH_WINDOW seconds, each signs
in with their picture PIN on a device of their own (a fresh set of cookies), while the
school's administrators sign in and browse Manage users. `manage.py bench_sign_in`
prepares the school, starts the server and runs this; by hand:

    BENCH_LOGINS=logins.csv BENCH_SCHOOL=bench-sign-in BENCH_WINDOW=60 \\
    BENCH_RESULT=result.json locust -f bench/locustfile.py --headless \\
        --host https://127.0.0.1:8850 --users 120 --spawn-rate 120

Environment: BENCH_LOGINS (CSV: role, username, secret), BENCH_SCHOOL (the school's slug),
BENCH_WINDOW (seconds over which the pupils arrive), BENCH_RESULT (a JSON file written at
the end: pupils signed in, failures, and when the last one finished). Every request of a
step is recorded under the step's name; "pupil signs in (whole)" is the time from the
sign-in page to the pupil's own page. The run ends once every pupil has had their turn.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import gevent
import gevent.ssl
from locust import FastHttpUser, between, constant, events, task
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.signin_flow import (  # noqa: E402  (after the path above)
    FlowError,
    Login,
    Page,
    admin_browses,
    admin_signs_in,
    pupil_signs_in,
    read_logins,
)

LOGINS = read_logins(Path(os.environ.get("BENCH_LOGINS", "logins.csv")))
PUPILS = [login for login in LOGINS if login.role == "pupil"]
ADMINS = [login for login in LOGINS if login.role == "admin"]
SCHOOL = os.environ.get("BENCH_SCHOOL", "bench-sign-in")
WINDOW = float(os.environ.get("BENCH_WINDOW", "60"))
WHOLE = "pupil signs in (whole)"


class Tally:
    """The run's pupils: whose turn is next, and how they fared."""

    def __init__(self) -> None:
        self.turns = itertools.count()
        self.admins = itertools.count()
        self.started = 0.0
        self.signed_in = 0
        self.failed = 0
        self.last_finished = 0.0

    def done(self) -> bool:
        return self.signed_in + self.failed >= len(PUPILS)


TALLY = Tally()


@events.test_start.add_listener
def _start(environment: Environment, **kwargs: Any) -> None:
    TALLY.started = time.monotonic()


@events.quitting.add_listener
def _write_result(environment: Environment, **kwargs: Any) -> None:
    result = os.environ.get("BENCH_RESULT")
    if result:
        finished = TALLY.last_finished - TALLY.started if TALLY.last_finished else None
        Path(result).write_text(
            json.dumps(
                {
                    "pupils": len(PUPILS),
                    "signed_in": TALLY.signed_in,
                    "failed": TALLY.failed,
                    "window_seconds": WINDOW,
                    "last_signed_in_after_seconds": finished,
                }
            )
        )


def _unverified_tls(cafile: str | None = None) -> gevent.ssl.SSLContext:
    """Every connection's TLS context: one, made once, checking no certificate (the load
    test's is made for the run). geventhttpclient would make one for each new device and
    load `cafile`, a bundle of CA certificates, into it: 30 ms of CPU for every pupil.
    Sharing it resumes no TLS session: each device still makes its own handshake."""
    return _UNVERIFIED_TLS


_UNVERIFIED_TLS = gevent.ssl.SSLContext(gevent.ssl.PROTOCOL_TLS_CLIENT)
_UNVERIFIED_TLS.check_hostname = False
_UNVERIFIED_TLS.verify_mode = gevent.ssl.CERT_NONE


class LocustBrowser:
    """signin_flow's Browser over locust's HTTP client (each request is in the figures).

    FastHttpUser's client (geventhttpclient) rather than HttpUser's (requests): it does
    the same work for a fraction of the CPU, and the load generator shares the machine
    with the server it measures. It keeps cookies and follows redirects."""

    def __init__(self, user: FastHttpUser) -> None:
        self.client = user.client
        # As a browser sends it with a form: Django checks it on HTTPS posts.
        self.form_headers = {"Origin": str(user.host)}

    def get(self, path: str, name: str) -> Page:
        return _page(self.client.get(path, name=name), path)

    def post(self, path: str, data: dict[str, str], name: str) -> Page:
        return _page(self.client.post(path, data=data, name=name, headers=self.form_headers), path)


def _page(response: Any, path: str) -> Page:
    # A connection that failed has status 0 and no text (locust has counted the failure).
    return Page(response.status_code, response.text or "", response.url or path)


class Pupil(FastHttpUser):
    """Signs in one pupil after another, each at their turn in the window."""

    wait_time = constant(0)
    ssl_context_factory = staticmethod(_unverified_tls)

    @task
    def sign_in(self) -> None:
        turn = next(TALLY.turns)
        if turn >= len(PUPILS):
            self._stop_when_all_done()
            return
        at = TALLY.started + turn * WINDOW / len(PUPILS)
        gevent.sleep(max(0.0, at - time.monotonic()))
        # A device of the pupil's own: no cookies, a connection of its own.
        self.client.cookiejar.clear()
        self.client.client.close()
        self._signs_in(PUPILS[turn])

    def _signs_in(self, login: Login) -> None:
        start = time.perf_counter()
        error: Exception | None = None
        try:
            pupil_signs_in(LocustBrowser(self), SCHOOL, login)
        except (FlowError, OSError) as problem:
            error = problem
        took = (time.perf_counter() - start) * 1000
        events.request.fire(
            request_type="FLOW",
            name=WHOLE,
            response_time=took,
            response_length=0,
            exception=error,
            context={},
        )
        if error:
            TALLY.failed += 1
        else:
            TALLY.signed_in += 1
        TALLY.last_finished = time.monotonic()

    def _stop_when_all_done(self) -> None:
        while not TALLY.done():
            gevent.sleep(0.2)
        if self.environment.runner is not None:
            # From a greenlet of its own: quitting stops every user, this one included.
            gevent.spawn(self.environment.runner.quit).join()


class Administrator(FastHttpUser):
    """Signs in once, then looks at Manage users, a class and a pupil every few seconds.

    The administrators sign in one after another across the window, as the pupils arrive,
    not all in its first second: each sign-in hashes a password at Django's full cost (a
    quarter of a second of a core), and twenty at once would be a burst no school makes."""

    fixed_count = len(ADMINS)
    wait_time = between(1, 3)
    ssl_context_factory = staticmethod(_unverified_tls)

    def on_start(self) -> None:
        self.browser = LocustBrowser(self)
        self.chooser = random.Random()
        turn = next(TALLY.admins)
        self.login = ADMINS[turn % len(ADMINS)]
        self.signed_in = False
        self.arrives_at = TALLY.started + (turn % len(ADMINS)) * WINDOW / len(ADMINS)

    @task
    def browse(self) -> None:
        # Signed out (a first visit, or a sign-in that failed): sign in again first.
        if not self.signed_in:
            gevent.sleep(max(0.0, self.arrives_at - time.monotonic()))
            self.signed_in = _flow("administrator signs in (whole)", admin_signs_in, self)
        elif not _flow("administrator browses", admin_browses, self, self.chooser):
            self.signed_in = False


def _flow(name: str, steps: Any, user: Administrator, *more: Any) -> bool:
    """Runs `steps` for `user`; a page not as expected is recorded as a failure."""
    try:
        steps(user.browser, SCHOOL, *(more or (user.login,)))
    except (FlowError, OSError) as problem:
        events.request.fire(
            request_type="FLOW",
            name=name,
            response_time=0,
            response_length=0,
            exception=problem,
            context={},
        )
        return False
    return True
