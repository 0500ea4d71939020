"""The sync benchmark runs end to end on a tiny school and reports every phase."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from users.models import School, User
from wizard.management.commands.bench_sync import ESTAB, PHASES


@pytest.mark.django_db
def test_bench_sync_times_every_phase_and_leaves_no_school_behind():
    out = io.StringIO()
    call_command("bench_sync", "--pupils", "50", "--repeat", "1", "--json", stdout=out)
    report = json.loads(out.getvalue())

    (size,) = report["sizes"]
    assert size["pupils"] == 50
    assert size["staff"] == 4  # 7.5% of 50, rounded
    assert [phase["phase"] for phase in size["phases"]] == PHASES
    for phase in size["phases"]:
        assert phase["median_s"] > 0, phase
        assert phase["min_s"] <= phase["median_s"] <= phase["max_s"]
        assert phase["queries"] > 0, phase
        assert phase["peak_mb"] > 0, phase
    assert report["database"] in ("postgresql", "sqlite")
    assert not School.objects.filter(estab=ESTAB).exists()
    assert not User.objects.filter(username="bench-admin").exists()
