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


@pytest.mark.django_db
def test_bench_sync_compare_reports_each_yardstick_and_the_issues_ratios():
    out = io.StringIO()
    call_command(
        "bench_sync",
        *("--pupils", "30", "--repeat", "1", "--compare", "--json"),
        *("--skip", "cards,summary,summary_again,resync,rollover"),
        stdout=out,
    )
    (size,) = json.loads(out.getvalue())["sizes"]
    assert set(size["compare"]) == {
        "this engine: plan + apply",
        "bulk_create",
        "bulk_create + credentials",
        "import-export preview (dry run)",
        "import-export import",
        "import-export preview, use_bulk",
        "import-export import, use_bulk",
    }
    ratios = {line["ratio"]: line for line in size["ratios"]}
    plan = next(p["median_s"] for p in size["phases"] if p["phase"] == "plan")
    dry_run = size["compare"]["import-export preview (dry run)"]["seconds"]
    line = ratios["import-export dry run / our plan, at least 20"]
    assert line["value"] == pytest.approx(dry_run / plan, rel=0.1)  # both rounded
    assert line["met"] == (line["value"] >= 20)
    assert len(ratios) == 4
