"""Made-up schools for the fake XoD: `generate_dataset(...)` makes one (school.py) and
`rollover_dataset(...)` moves it on a year (rollover.py). The dataset shape is the
server's (`misclient.fake.server.dataset`)."""

from __future__ import annotations

from misclient.fake.generate.rollover import rollover_dataset
from misclient.fake.generate.school import (
    DEFAULT_ACADEMIC_YEAR,
    DEFAULT_ESTAB,
    DEFAULT_RELYING_PARTY,
    generate_dataset,
)

__all__ = [
    "DEFAULT_ACADEMIC_YEAR",
    "DEFAULT_ESTAB",
    "DEFAULT_RELYING_PARTY",
    "generate_dataset",
    "rollover_dataset",
]
