"""The fake XoD server over real HTTP: a standard-library ThreadingHTTPServer holding a
`FakeXodApp` (XoD's requests) and sending `/_fake/` requests to the control endpoints.
Start it in a thread (`start()`, tests) or in the foreground (`serve_forever()`, the
`fake_xod` command).
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from misclient.fake.server import control
from misclient.fake.server.app import DEFAULT_TOKEN_LIFETIME, FakeXodApp
from misclient.fake.server.dataset import FakeDataset
from misclient.fake.server.responses import Answer


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], app: FakeXodApp) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.stopping = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout) closes its socket mid-answer: not an error here.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests.Session expects
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body
    # then waits for the client's delayed ACK (~40 ms a request).
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        path = urlsplit(self.path).path
        if path.lower().startswith(control.PREFIX):
            answer = control.handle(self.server.app, method, path.rstrip("/"), body, headers)
        else:
            answer = self.server.app.handle(method, self.path, headers, body)
        if answer.delay and self.server.stopping.wait(answer.delay):
            return
        self._write(answer)

    def _write(self, answer: Answer) -> None:
        payload = answer.body if isinstance(answer.body, bytes) else _json_bytes(answer.body)
        headers = {"Content-Type": "application/json; charset=utf-8", **answer.headers}
        self.send_response(answer.status)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is `requests()`; stderr noise helps nobody in tests


def _json_bytes(body: Any) -> bytes:
    """The body as UTF-8 JSON. Real MIS data holds lone UTF-16 surrogates (half an emoji),
    which have no UTF-8 form: then every non-ASCII character is sent as a JSON escape
    ("George\\ud83d"), which is valid JSON all the same."""
    try:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body).encode("ascii")


class FakeXodServer:
    """A fake XoD on `host:port` (port 0: any free port), serving `dataset`.

    URLs: `base_url` (the data API), `token_url` (current token path),
    `legacy_token_url`, `register_url` (the invitation API), `control_url`,
    `consent_page_url`. Faults, request counts and the schools' live
    state are on `app` (a FakeXodApp).
    """

    def __init__(
        self,
        dataset: FakeDataset | dict[str, Any] | str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
        **options: Any,
    ) -> None:
        self.app = FakeXodApp(dataset, token_lifetime=token_lifetime, **options)
        self._serving = threading.Event()
        self._httpd = _HTTPServer((host, port), self.app)
        self._thread: threading.Thread | None = None

    @property
    def root_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api/v1/"

    @property
    def token_url(self) -> str:
        return f"{self.root_url}/api/oauth/GetToken"

    @property
    def legacy_token_url(self) -> str:
        return f"{self.root_url}/idaas/sts/STS/GetToken"

    @property
    def control_url(self) -> str:
        return f"{self.root_url}/_fake/"

    @property
    def register_url(self) -> str:
        """Groupcall's invitation API (SchoolRegister)."""
        return f"{self.root_url}/API/XporterOnDemand/SchoolRegister"

    @property
    def consent_page_url(self) -> str:
        """The page standing in for Groupcall's consent email."""
        return f"{self.root_url}/_fake/consent"

    def start(self) -> FakeXodServer:
        """Serve in a background thread; returns self, so `FakeXodServer(d).start()`."""
        self._serving.set()
        # A short poll interval makes stop() quick, which tests starting many servers feel.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="fake-xod", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until stop() (from another thread) or KeyboardInterrupt."""
        self._serving.set()
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving; hung answers are abandoned."""
        self._httpd.stopping.set()
        if self._serving.is_set():  # shutdown() would wait forever for a loop never started
            self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeXodServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
