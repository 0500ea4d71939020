"""The fake_xod_dataset and fake_xod management commands."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command

from misclient.fake.server.dataset import load_dataset
from misclient.management.commands.fake_xod import dataset_to_serve, parse_generate
from misclient.register import Partner, SchoolInvitation, school_register
from wizard.bench import free_port

ROOT = Path(__file__).resolve().parents[2]
SMALL_SCHOOL = Path(__file__).parent / "data" / "small_school.json"
INVITATION = SchoolInvitation(
    estab="8231234",
    school_name="Hand-written School",
    contact_first_name="Sam",
    contact_last_name="Contact",
    contact_email="office@school.example.org",
    contact_phone="",
    scopes=("School", "Student", "Staff"),
    callback_url="http://127.0.0.1:9/callback",
)


def dataset_from_command(*args: str) -> dict:
    out = io.StringIO()
    call_command("fake_xod_dataset", *args, stdout=out)
    return json.loads(out.getvalue())


def test_fake_xod_dataset_writes_a_loadable_deterministic_school():
    args = ("--pupils", "40", "--staff", "6", "--phase", "secondary", "--seed", "9")
    data = dataset_from_command(*args, "--estab", "8880001", "--secret", "s3cret")
    school = data["schools"][0]
    assert (school["estab"], school["secret"]) == ("8880001", "s3cret")
    assert len(school["Students"]) == 40
    assert len(school["Staff"]) == 6
    assert load_dataset(data).schools["8880001"]
    assert dataset_from_command(*args, "--estab", "8880001", "--secret", "s3cret") == data


def test_fake_xod_dataset_rolls_a_file_over_to_another_file(tmp_path):
    first, second = tmp_path / "school.json", tmp_path / "next.json"
    call_command("fake_xod_dataset", "--pupils", "60", "--staff", "8", "--output", str(first))
    call_command("fake_xod_dataset", "--rollover-from", str(first), "--output", str(second))
    before = json.loads(first.read_text(encoding="utf-8"))["schools"][0]
    after = json.loads(second.read_text(encoding="utf-8"))["schools"][0]
    assert int(after["SchoolInfo"]["CurrentAcademicYear"]) == (
        int(before["SchoolInfo"]["CurrentAcademicYear"]) + 1
    )


def test_fake_xod_dataset_refuses_bad_input(tmp_path):
    with pytest.raises(CommandError, match="7 digits"):
        dataset_from_command("--estab", "12")
    broken = tmp_path / "broken.json"
    broken.write_text('{"schools": [{"secret": "s"}]}', encoding="utf-8")
    with pytest.raises(CommandError, match="estab is required"):
        dataset_from_command("--rollover-from", str(broken))


def test_fake_xod_dataset_writes_a_school_not_yet_authorised():
    data = dataset_from_command("--pupils", "5", "--staff", "2", "--no-secret")
    assert data["schools"][0]["secret"] is None
    assert load_dataset(data).schools["8231234"].secret is None


def test_fake_xod_can_serve_schools_not_yet_authorised():
    served = dataset_to_serve({"dataset": [str(SMALL_SCHOOL)], "no_secret": True})
    assert [school["secret"] for school in served["schools"]] == [None, None]
    generated = dataset_to_serve({"generate": "pupils=5,staff=2", "no_secret": False})
    assert generated["schools"][0]["secret"] == "fake-secret-8231234-1"


def test_the_generate_spec_is_parsed_into_generator_arguments():
    assert parse_generate("pupils=300, staff=40,seed=1,phase=secondary") == {
        "pupils": 300,
        "staff": 40,
        "seed": 1,
        "phase": "secondary",
    }
    with pytest.raises(CommandError, match="cannot use 'pupils=many'"):
        parse_generate("pupils=many")


def test_fake_xod_says_so_when_its_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        with pytest.raises(CommandError, match="Cannot listen"):
            call_command("fake_xod", "--port", port, "--dataset", str(SMALL_SCHOOL))


def wait_for_token(port: int, estab: str, secret: str, relying_party: str) -> dict:
    deadline = time.monotonic() + 20
    while True:
        try:
            answer = requests.post(
                f"http://127.0.0.1:{port}/api/oauth/GetToken",
                json={"estab": estab, "relyingParty": relying_party, "password": secret},
                timeout=2,
            )
            return answer.json()
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def fake_xod_process(*args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """`manage.py fake_xod` in its own process on a free port until the block ends;
    its output is in `served.out` / `served.err` after."""
    served = Served(port=free_port())
    command = [sys.executable, "manage.py", "fake_xod", "--port", str(served.port), *args]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield served
    finally:
        process.terminate()
        served.out, served.err = process.communicate(timeout=10)


@dataclass
class Served:
    port: int
    out: str = ""
    err: str = ""

    def token(self, estab: str, secret: str) -> dict:
        return wait_for_token(self.port, estab, secret, "mis-sync-wizard.localhost")


def test_fake_xod_runs_as_a_process_serving_a_hand_written_dataset():
    environment = {**os.environ, "FAKE_XOD_PARTNER_SECRET": "demo-management-secret"}
    arguments = ("--dataset", str(SMALL_SCHOOL), "--partner-app-id", "demo-app")
    with fake_xod_process(*arguments, env=environment) as served:
        answer = served.token("8231234", "hand-written-secret-1")
        partner = Partner(
            application_id="demo-app",
            management_secret="demo-management-secret",
            name="Demo",
            registered_email="demo@example.org",
            register_url=f"http://127.0.0.1:{served.port}/API/XporterOnDemand/SchoolRegister",
        )
        invited = school_register(INVITATION, partner, timeout=5)
    out, port = served.out, served.port
    assert answer["token"], (answer, served.err)
    assert invited.ok, invited
    assert (
        f"consent page (Groupcall's email, for the school): http://127.0.0.1:{port}/_fake/consent"
        in out
    )
    assert "for partner application id demo-app" in out
    assert "demo-management-secret" not in out
    assert f"XOD_BASE_URL=http://127.0.0.1:{port}/api/v1/" in out
    assert f"XOD_TOKEN_URL=http://127.0.0.1:{port}/api/oauth/GetToken" in out
    assert "estab 8231234, secret hand-written-secret-1" in out
    assert "estab 8239999, secret hand-written-secret-2" in out


def test_fake_xod_runs_as_a_process_serving_a_generated_school():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_XOD_PARTNER")}
    arguments = ("--host", "127.0.0.1", "--generate", "pupils=30,staff=5,seed=2")
    with fake_xod_process(*arguments, env=environment) as served:
        answer = served.token("8231234", "fake-secret-8231234-2")
    assert answer["token"]
    assert "estab 8231234, secret fake-secret-8231234-2" in served.out
    assert "invitation API: refuses all (no --partner-app-id/--partner-secret)" in served.out


def test_fake_xod_refuses_a_generate_spec_it_cannot_use():
    with pytest.raises(CommandError, match="phase must be primary or secondary"):
        call_command("fake_xod", "--port", "0", "--generate", "phase=tertiary")


def test_fake_xod_serves_the_schools_of_several_datasets(tmp_path):
    second = tmp_path / "second.json"
    call_command(
        "fake_xod_dataset",
        *("--pupils", "5", "--staff", "2", "--estab", "8235678", "--no-secret"),
        *("--output", str(second)),
    )
    with fake_xod_process("--dataset", str(SMALL_SCHOOL), "--dataset", str(second)) as served:
        answer = served.token("8231234", "hand-written-secret-1")
    assert answer["token"], (answer, served.err)
    assert "estab 8235678, secret none yet (not authorised: invite the school)" in served.out


def test_fake_xod_refuses_two_datasets_with_the_same_school():
    with pytest.raises(CommandError, match="same estab"):
        call_command(
            "fake_xod",
            "--port",
            "0",
            "--dataset",
            str(SMALL_SCHOOL),
            "--dataset",
            str(SMALL_SCHOOL),
        )
