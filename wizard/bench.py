"""The sync benchmark's machinery (`manage.py bench_sync`): a generated school served by
a fake XoD in its own process, and each phase of a sync timed, its SQL queries counted
and its peak memory read.

Not a test: figures depend on the machine. The commands print them; docs/performance.md
records them.
"""

from __future__ import annotations

import io
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from misclient.fake.generate import generate_dataset, rollover_dataset
from users.models import School, SchoolClass, User

SECRET = "benchmark-secret"
RELYING_PARTY = "benchmark.localhost"
MANAGE = Path(settings.BASE_DIR) / "manage.py"


def school_dataset(pupils: int, staff: int, phase: str, estab: str) -> dict[str, Any]:
    """A generated school, as a fake XoD dataset."""
    return generate_dataset(
        pupils=pupils,
        staff=staff,
        phase=phase,
        seed=1,
        estab=estab,
        secret=SECRET,
        relying_party=RELYING_PARTY,
    )


def next_year(dataset: dict[str, Any]) -> dict[str, Any]:
    """The same school one academic year on (the generator's rollover)."""
    return rollover_dataset(dataset)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FakeXodProcess:
    """`manage.py fake_xod` serving `dataset` in a process of its own, so that its JSON
    encoding does not share a core's time with the sync it answers (as in production)."""

    def __init__(self, dataset: dict[str, Any]) -> None:
        self._file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)  # noqa: SIM115
        json.dump(dataset, self._file)
        self._file.close()
        self.port = _free_port()
        self.root_url = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.root_url}/api/v1/"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> FakeXodProcess:
        command = [sys.executable, str(MANAGE), "fake_xod", "--port", str(self.port)]
        self._process = subprocess.Popen(  # noqa: S603 (our own manage.py)
            [*command, "--dataset", self._file.name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("The fake XoD stopped at start.")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("The fake XoD did not start within a minute.")

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
        Path(self._file.name).unlink(missing_ok=True)

    def serve_rows(self, estab: str, school: dict[str, Any]) -> None:
        """The MIS moves on: the server answers with `school`'s rows from now on."""
        rows = {name: school[name] for name in ("SchoolInfo", "Students", "Staff", "Groups")}
        request = urllib.request.Request(  # noqa: S310 (our own local server)
            f"{self.root_url}/_fake/{estab}/rows",
            data=json.dumps(rows).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            answer.read()


def school_connect(estab: str, base_url: str) -> School:
    """The school of `estab`, connected to the fake XoD at `base_url`."""
    call_command(
        "school_connect",
        "--estab",
        estab,
        "--secret",
        SECRET,
        "--base-url",
        base_url,
        stdout=io.StringIO(),
    )
    return School.objects.get(estab=estab)


def school_delete(estab: str) -> None:
    """The benchmark's school, its accounts, classes and runs."""
    User.objects.filter(school__estab=estab).delete()
    SchoolClass.objects.filter(school__estab=estab).delete()
    School.objects.filter(estab=estab).delete()


# -- Measuring ---------------------------------------------------------------------------


def _peak_rss_reset() -> None:
    """Starts a new peak of resident memory for this process (Linux: clear_refs 5)."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    """This process's peak resident memory since the last reset, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Sample:
    seconds: float
    queries: int
    peak_mb: float


@contextmanager
def measured() -> Iterator[list[Sample]]:
    """Times the block, counts its SQL queries and reads its peak memory; the Sample is
    in the yielded list once the block ends."""
    found: list[Sample] = []
    count = 0

    def counter(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, ctx)

    _peak_rss_reset()
    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        yield found
    found.append(Sample(time.perf_counter() - start, count, _peak_rss_mb()))


@dataclass
class Phase:
    """The samples of one phase at one school size."""

    name: str
    pupils: int
    samples: list[Sample] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        seconds = [s.seconds for s in self.samples]
        median = statistics.median(seconds)
        return {
            "phase": self.name,
            "median_s": round(median, 3),
            "min_s": round(min(seconds), 3),
            "max_s": round(max(seconds), 3),
            "ms_per_pupil": round(1000 * median / self.pupils, 3),
            "queries": max(s.queries for s in self.samples),
            "peak_mb": round(max(s.peak_mb for s in self.samples), 1),
        }
