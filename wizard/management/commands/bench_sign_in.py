"""A rerunnable load test: a whole school signs in at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_sync_bench \\
        python manage.py bench_sign_in --pupils 1000 --admins 20 --window 60 [--json]

It prepares a generated primary school (synced from the fake XoD, so every pupil has a
picture PIN, read back as the login cards read it) and its administrators (a password
made for the run), starts the production web server (gunicorn with purplemash/gunicorn.py
and DEBUG=0, over HTTPS with a certificate made for the run, as behind a school's one
public address: every request comes from 127.0.0.1), then runs locust headless with
bench/locustfile.py: the pupils arrive evenly over --window seconds, each signing in with
their pictures, while the administrators browse Manage users. It prints the throughput,
the latency of each step (p50, p95, p99), the errors, and what the lockout recorded:
every pupil signed in, no wrong try, no lock, no throttled address.
"""

from __future__ import annotations

import csv
import datetime
import ipaddress
import json
import os
import secrets
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from bench.signin_flow import Login, write_logins
from misclient.fake.generate import generate_dataset
from misclient.fake.server import FakeXodServer
from users import crypto
from users.credentials import PIN2, PIN4
from users.models import AccountLock, School, SignInAttempt, User
from wizard.bench import SECRET, process_stop
from wizard.management.commands.bench_schools import children_cpu, database_url, school_fresh
from wizard.models import SyncRun
from wizard.tasks import sync_school

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
ESTAB = "9970001"
# Pupils the sync leaves out (errors in the generated MIS) are made up by generating more.
MARGIN = 1.1
READY_SECONDS = 60


class Command(BaseCommand):
    help = "Load test: a school's pupils sign in with picture PINs while admins browse."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=1000)
        parser.add_argument("--admins", type=int, default=20)
        parser.add_argument("--window", type=float, default=60, help="seconds pupils arrive in")
        parser.add_argument(
            "--clients", type=int, default=100, help="pupil devices at most signing in at once"
        )
        parser.add_argument("--port", type=int, default=8850)
        parser.add_argument(
            "--web-workers", type=int, default=0, help="gunicorn workers (default: its config's)"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        school, logins = prepare_school(options["pupils"], options["admins"])
        prepared = time.perf_counter() - start
        with tempfile.TemporaryDirectory(prefix="bench-sign-in-") as folder:
            work = Path(folder)
            write_logins(work / "logins.csv", logins)
            since = datetime.datetime.now(tz=datetime.UTC)
            before = children_cpu()
            with web_server(work, options["port"], options["web_workers"]) as base_url:
                outcome = run_locust(work, base_url, school, options)
                locust_cpu = children_cpu() - before
            web_cpu = children_cpu() - before - locust_cpu
            served = _requests_served(work / "web.log")
            report = {
                "pupils": options["pupils"],
                "admins": options["admins"],
                "window_seconds": options["window"],
                "cores": os.cpu_count(),
                "load_average_before": round(outcome.pop("load"), 2),
                "prepare_seconds": round(prepared, 1),
                **outcome,
                # CPU seconds, wherever the time went on a shared machine (PostgreSQL's
                # own is not counted): gunicorn's workers and locust's client.
                "web_cpu_seconds": round(web_cpu, 1),
                "web_requests_served": served,
                "locust_cpu_seconds": round(locust_cpu, 1),
                "sign_in_records": sign_in_records(school, since),
            }
        self.stdout.write(json.dumps(report) if options["json"] else _table(report))
        if problems := _problems(report):
            raise CommandError("; ".join(problems))


def prepare_school(pupils: int, admins: int) -> tuple[School, list[Login]]:
    """A generated primary school synced from a fake XoD (every pupil a picture PIN) and
    `admins` administrators: returns it and the first `pupils` pupils' and the
    administrators' logins. The school is made afresh each time."""
    dataset = generate_dataset(
        pupils=max(int(pupils * MARGIN), pupils + 5),
        staff=max(10, pupils // 25),
        phase="primary",
        seed=1,
        estab=ESTAB,
        secret=SECRET,
        relying_party=settings.XOD_RELYING_PARTY,
    )
    with FakeXodServer(dataset) as server:
        school = school_fresh(ESTAB, server.base_url)
        outcome = sync_school(school.pk, confirm_brake=True)
    if outcome["status"] != SyncRun.Status.APPLIED:
        raise CommandError(f"The school could not be synced: {outcome['error']}")
    accounts = User.objects.filter(
        school=school, role=User.Role.PUPIL, password_format__in=[PIN2, PIN4]
    ).order_by("username")[:pupils]
    logins = [Login("pupil", p.username, crypto.decrypt(p.printable_password)) for p in accounts]
    if len(logins) < pupils:
        raise CommandError(f"The school has only {len(logins)} pupils with picture PINs.")
    return school, logins + _administrators(school, admins)


def _administrators(school: School, count: int) -> list[Login]:
    password = secrets.token_urlsafe(12)  # one for all: each is hashed at full cost anyway
    logins = []
    for number in range(1, count + 1):
        username = f"BenchAdmin{number}"
        User.objects.create_user(username, password, school=school, role=User.Role.ADMIN)
        logins.append(Login("admin", username, password))
    return logins


def sign_in_records(school: School, since: datetime.datetime) -> dict[str, int]:
    """What the lockout recorded during the run: tries by outcome, and locks made."""
    tries = (
        SignInAttempt.objects.filter(school=school, at__gte=since)
        .values_list("outcome")
        .annotate(count=Count("id"))
    )
    counted = {outcome: 0 for outcome in SignInAttempt.Outcome.values} | dict(tries)
    counted["locks"] = AccountLock.objects.filter(school=school, locked_at__gte=since).count()
    return counted


def _certificate(work: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made for the run."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(tz=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert, key_file = work / "cert.pem", work / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key_file


def production_env(work: Path, port: int, web_workers: int) -> dict[str, str]:
    """The web server's environment: production settings (DEBUG=0), this database."""
    cert, key = _certificate(work)
    env = dict(
        os.environ,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        # The key the pupils' printable passwords were encrypted with (the pages show them).
        CREDENTIALS_KEY=settings.CREDENTIALS_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"https://127.0.0.1:{port}",
        # Required with DEBUG=0; nothing in this test sends an email.
        EMAIL_URL="smtp://bench:bench@127.0.0.1:25",
        DATABASE_URL=database_url(),
        HOST="127.0.0.1",
        PORT=str(port),
        TLS_CERTFILE=str(cert),
        TLS_KEYFILE=str(key),
        VAR_DIR=str(work),
        LOG_LEVEL="WARNING",
    )
    if web_workers:
        env["WEB_CONCURRENCY"] = str(web_workers)
    return env


@contextmanager
def web_server(work: Path, port: int, web_workers: int) -> Iterator[str]:
    """gunicorn, as bin/serve starts it, until the block ends; yields its address."""
    env = production_env(work, port, web_workers)
    log = work / "web.log"
    command = [str(BIN / "gunicorn"), "purplemash.wsgi", "--config", "purplemash/gunicorn.py"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    base_url = f"https://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, log)
        yield base_url
    finally:
        process_stop(process)


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"gunicorn stopped:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=5, context=unverified):
                return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"gunicorn did not answer in {READY_SECONDS} s")


def run_locust(
    work: Path, base_url: str, school: School, options: dict[str, Any]
) -> dict[str, Any]:
    """Runs bench/locustfile.py headless; returns its figures."""
    users = options["clients"] + options["admins"]
    result = work / "result.json"
    env = dict(
        os.environ,
        BENCH_LOGINS=str(work / "logins.csv"),
        BENCH_SCHOOL=school.slug,
        BENCH_WINDOW=str(options["window"]),
        BENCH_RESULT=str(result),
    )
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        base_url,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        # A bound, should the pupils never finish: the run ends when they have.
        "--run-time",
        f"{int(options['window'] * 5 + 120)}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(work / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    finished = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if not result.exists():
        raise CommandError(f"locust did not finish:\n{finished.stdout}\n{finished.stderr}")
    return {
        "load": load,
        "locust_seconds": round(seconds, 1),
        **json.loads(result.read_text()),
        "steps": _steps(work / "locust_stats.csv"),
        "errors": _errors(work / "locust_failures.csv"),
    }


def _steps(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    return [
        {
            "name": row["Name"],
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "per_second": round(float(row["Requests/s"]), 1),
            "p50_ms": _number(row["50%"]),
            "p95_ms": _number(row["95%"]),
            "p99_ms": _number(row["99%"]),
            "max_ms": round(float(row["Max Response Time"] or 0)),
        }
        for row in rows
    ]


def _number(text: str) -> int | None:
    return None if text in ("", "N/A") else round(float(text))


def _errors(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(newline="") as file:
        return [
            {"name": row["Name"], "error": row["Error"], "count": int(row["Occurrences"])}
            for row in csv.DictReader(file)
        ]


def _requests_served(log: Path) -> int:
    """Requests in gunicorn's access log (a post and the page it redirects to are two)."""
    with log.open(errors="replace") as lines:
        return sum(1 for line in lines if ' HTTP/1.1" ' in line and "/healthz" not in line)


def _problems(report: dict[str, Any]) -> list[str]:
    records = report["sign_in_records"]
    expected = report["pupils"] + report["admins"]
    problems = []
    if report["signed_in"] != report["pupils"]:
        problems.append(f"{report['pupils'] - report['signed_in']} pupils did not sign in")
    if any(step["failures"] for step in report["steps"]):
        problems.append("some requests failed")
    if records[SignInAttempt.Outcome.SIGNED_IN] != expected:
        problems.append(f"{records[SignInAttempt.Outcome.SIGNED_IN]} sign-ins recorded")
    Outcome = SignInAttempt.Outcome
    for outcome in (Outcome.WRONG, Outcome.LOCKED, Outcome.THROTTLED, "locks"):
        if records.get(outcome):
            problems.append(f"{records[outcome]} {outcome} recorded")
    return problems


def _table(report: dict[str, Any]) -> str:
    last = report["last_signed_in_after_seconds"]
    lines = [
        f"{report['pupils']} pupils sign in with picture PINs, arriving over "
        f"{report['window_seconds']:.0f} s, while {report['admins']} administrators browse "
        f"({report['cores']} cores, load average {report['load_average_before']} before)",
        f"Pupils signed in: {report['signed_in']} of {report['pupils']}, failed: "
        f"{report['failed']}; the last one was on their page "
        + (f"{last:.1f} s after the first arrived" if last else "never"),
        "",
        "| Step | Requests | Failures | Req/s | p50 | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {s['name']} | {s['requests']} | {s['failures']} | {s['per_second']} | "
        f"{s['p50_ms']} ms | {s['p95_ms']} ms | {s['p99_ms']} ms | {s['max_ms']} ms |"
        for s in report["steps"]
    ]
    records = report["sign_in_records"]
    per_request = 1000 * report["web_cpu_seconds"] / max(report["web_requests_served"], 1)
    lines += [
        "",
        f"CPU: web server {report['web_cpu_seconds']} s for {report['web_requests_served']} "
        f"requests ({per_request:.0f} ms a request), "
        f"load generator {report['locust_cpu_seconds']} s (PostgreSQL's not counted)",
        "Recorded by the lockout: "
        + ", ".join(f"{outcome} {count}" for outcome, count in records.items()),
    ]
    lines += [f"Error: {e['name']}: {e['error']} ({e['count']}x)" for e in report["errors"]]
    return "\n".join(lines)
