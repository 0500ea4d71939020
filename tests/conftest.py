"""Fixtures shared by every test package."""

pytest_plugins = [
    "tests.fixtures_xod",
    "tests.fixtures_pages",
    "tests.users.signin_fixtures",
    "tests.fixtures_classes",
    "tests.url_sweep",
]
