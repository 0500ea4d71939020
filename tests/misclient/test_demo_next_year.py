"""`demo_next_year` moves the running fake MIS, and its dataset file, on a year."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.fixtures_xod import serving


def test_the_fake_and_its_file_move_on_a_year(tmp_path, generated_xod_dataset):
    path = tmp_path / "school.json"
    path.write_text(json.dumps(generated_xod_dataset))
    before = generated_xod_dataset["schools"][0]
    with serving(json.loads(path.read_text())) as fake:
        port = urlsplit(fake.base_url).port
        call_command("demo_next_year", "--dataset", str(path), "--port", str(port))
        served = fake.app.dataset.schools[fake.estab]
        year = int(before["SchoolInfo"]["CurrentAcademicYear"]) + 1
        assert int(served.school_info["CurrentAcademicYear"]) == year
        served_ids = {row["Id"] for row in served.students}
    saved = json.loads(path.read_text())["schools"][0]
    assert int(saved["SchoolInfo"]["CurrentAcademicYear"]) == year
    assert served_ids == {row["Id"] for row in saved["Students"]}
    assert served_ids != {row["Id"] for row in before["Students"]}  # leavers and joiners


def test_without_a_running_fake_it_says_so(tmp_path, generated_xod_dataset):
    path = tmp_path / "school.json"
    path.write_text(json.dumps(generated_xod_dataset))
    with pytest.raises(CommandError, match="did not answer"):
        call_command("demo_next_year", "--dataset", str(path), "--port", "1")
