"""A fake Groupcall XoD server that speaks the real protocol, and its dataset generator.

`FakeXodServer(dataset).start()` serves a dataset (see `dataset.py` for its shape) over
real HTTP; `generate_dataset(...)` makes a realistic school to serve.
"""

from __future__ import annotations

from misclient.fake.dataset import DatasetError, FakeDataset, FakeSchool, load_dataset
from misclient.fake.faults import Fault
from misclient.fake.server import FakeXodServer

__all__ = [
    "DatasetError",
    "FakeDataset",
    "FakeSchool",
    "FakeXodServer",
    "Fault",
    "load_dataset",
]
