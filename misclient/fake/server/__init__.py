"""The fake XoD server: `FakeXodApp` (app.py) answers one request at a time from a
dataset (dataset.py), with faults (faults.py); `FakeXodServer` (httpd.py) holds an app and
serves it over real HTTP, with the test-only control endpoints (control.py)."""

from __future__ import annotations

from misclient.fake.server.app import FakeXodApp
from misclient.fake.server.dataset import DatasetError, FakeDataset, FakeSchool, load_dataset
from misclient.fake.server.faults import Fault
from misclient.fake.server.httpd import FakeXodServer

__all__ = [
    "DatasetError",
    "FakeDataset",
    "FakeSchool",
    "FakeXodApp",
    "FakeXodServer",
    "Fault",
    "load_dataset",
]
