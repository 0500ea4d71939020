"""Fixtures shared by every test package."""

import pytest

pytest_plugins = [
    "tests.fixtures_xod",
    "tests.fixtures_pages",
    "tests.users.signin_fixtures",
    "tests.fixtures_classes",
    "tests.url_sweep",
]


@pytest.fixture(autouse=True)
def _plans_forgotten():
    """Each test starts without the snapshots and plans an earlier test's process kept
    (on SQLite a rolled-back test's run ids are given out again)."""
    from wizard.services.runs import plans_forget

    plans_forget()
