"""The one way tests start the fake XoD server (fixtures loaded by tests/conftest.py).

`serving(dataset)` starts a FakeXodServer on a free port in a thread and yields a FakeXod
handle: its URLs, the app (for fault injection, request counts and the schools' live
rows), the dataset, the first school's estab and secret, and a `client()` factory whose
retries never really sleep (the delays asked for land in `sleeps`).

Unless the dataset or the options name other partner credentials, the fake's invitation
API accepts TEST_PARTNER_APP_ID and TEST_PARTNER_SECRET; `partner()` is a
misclient.register.Partner signing with them, and `consent()` makes the first school
consent to its latest invitation (the callback goes to the invitation's URL; the
`callback_receiver` fixture is a stand-in application that records it).

The `fake_xod` fixture serves a copy of `fake_xod_dataset` that way: a small generated
secondary school unless a test package or module overrides that fixture (tests/wizard
serves its hand-built school; its `xod` fixture points the settings at the fake).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from misclient.fake.generate import generate_dataset
from misclient.fake.server import FakeXodApp, FakeXodServer
from misclient.register import Partner
from misclient.transport import RetryPolicy
from misclient.xod import XodClient

# Short enough that a hung request costs little, long enough for a loaded CI machine.
TEST_TIMEOUT = 0.5
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)
# Made up for tests: the partner the fake's invitation API accepts by default.
TEST_PARTNER_APP_ID = "test-partner-app"
TEST_PARTNER_SECRET = "test-management-secret"


@dataclass
class FakeXod:
    server: FakeXodServer
    dataset: dict[str, Any]
    sleeps: list[float] = field(default_factory=list)

    @property
    def app(self) -> FakeXodApp:
        return self.server.app

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def token_url(self) -> str:
        return self.server.token_url

    @property
    def legacy_token_url(self) -> str:
        return self.server.legacy_token_url

    @property
    def relying_party(self) -> str:
        return str(self.dataset.get("relying_party") or "")

    @property
    def school(self) -> dict[str, Any]:
        """The first school of the dataset, as loaded (rows as in the file)."""
        return self.dataset["schools"][0]

    @property
    def estab(self) -> str:
        return str(self.school["estab"])

    @property
    def secret(self) -> str:
        return str(self.school["secret"])

    def client(self, **overrides: Any) -> XodClient:
        """A client for the first school (or `estab=`/`secret=` overrides)."""
        options: dict[str, Any] = {
            "estab": self.estab,
            "secret": self.secret,
            "base_url": self.base_url,
            "token_url": self.token_url,
            "relying_party": self.relying_party,
            "timeout": TEST_TIMEOUT,
            "retry": FAST_RETRY,
            "sleep": self.sleeps.append,
        }
        options.update(overrides)
        return XodClient(**options)

    def serve(self, dataset: dict[str, Any]) -> None:
        """Serve the rows of `dataset`'s first school from now on (the MIS changed)."""
        entry = dataset["schools"][0]
        school = self.app.school(str(entry["estab"]))
        for name in ("Students", "Staff", "Groups"):
            school.set_rows(name, entry.get(name, []))
        if info := entry.get("SchoolInfo"):
            school.set_rows("SchoolInfo", [school.school_info | info])

    def partner(self, **overrides: Any) -> Partner:
        """This application as the partner the fake accepts (or `overrides`)."""
        options: dict[str, Any] = {
            "application_id": self.app.dataset.partner_application_id,
            "management_secret": self.app.dataset.partner_management_secret,
            "name": "Sync Wizard (tests)",
            "registered_email": "partner@example.org",
            "register_url": self.server.register_url,
        }
        options.update(overrides)
        return Partner(**options)

    def consent(self, estab: str = "", **choices: Any) -> int:
        """The school (default: the first) consents to its latest invitation
        (FakeXodApp.consent `choices`); the status the callback got."""
        return self.app.consent(estab or self.estab, **choices)

    def requests(self, endpoint: str = "", estab: str = "") -> int:
        """How many requests the school (default: the first) sent to `endpoint` (or all)."""
        return self.app.request_count(estab or self.estab, endpoint)


class CallbackReceiver:
    """A tiny stand-in for an application's Groupcall callback endpoint, on a free port:
    records each form posted to `url` and answers `status`. A context manager."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.forms: list[dict[str, str]] = []
        self.content_types: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                receiver.forms.append({name: values[-1] for name, values in form.items()})
                receiver.content_types.append(self.headers.get("Content-Type", ""))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/groupcall/callback/tok3n"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,))

    def __enter__(self) -> CallbackReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def callback_receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as running:
        yield running


@contextmanager
def serving(dataset: dict[str, Any], **options: Any) -> Iterator[FakeXod]:
    """The fake XoD serving `dataset` (FakeXodServer `options`) until the block ends."""
    if not dataset.get("partner_application_id"):
        options.setdefault("partner_application_id", TEST_PARTNER_APP_ID)
    if not dataset.get("partner_management_secret"):
        options.setdefault("partner_management_secret", TEST_PARTNER_SECRET)
    server = FakeXodServer(dataset, **options).start()
    try:
        yield FakeXod(server=server, dataset=dataset)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def generated_xod_dataset() -> dict[str, Any]:
    return generate_dataset(pupils=120, staff=16, phase="secondary", seed=11)


@pytest.fixture
def fake_xod_dataset(generated_xod_dataset: dict[str, Any]) -> dict[str, Any]:
    """The dataset `fake_xod` serves; override this fixture to serve another."""
    return copy.deepcopy(generated_xod_dataset)


@pytest.fixture
def fake_xod(fake_xod_dataset: dict[str, Any]) -> Iterator[FakeXod]:
    with serving(fake_xod_dataset) as fake:
        yield fake
