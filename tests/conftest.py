"""Fixtures shared by every test package."""

pytest_plugins = ["tests.fixtures_xod", "tests.fixtures_pages", "tests.fixtures_classes"]
