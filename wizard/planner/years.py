"""National Curriculum years and suggestions for mapping an MIS's year-group names to them.

MIS year names vary ("Year  4", "Y6", "Year Six", "6", "Yr6", "Year R", "Reception",
"FS2", "N2"), so the wizard suggests a mapping the administrator confirms; a saved
mapping always wins over a suggestion, and a name nothing recognises stays unmapped
(its pupils are not imported until it is mapped).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class NcYear:
    code: str  # "N1", "R", "4"
    name: str  # "Nursery 1", "Reception", "Year 4"
    position: int  # sort order, from 0


def _nc_years() -> tuple[NcYear, ...]:
    named = [("N1", "Nursery 1"), ("N2", "Nursery 2"), ("R", "Reception")]
    named += [(str(number), f"Year {number}") for number in range(1, 15)]
    return tuple(NcYear(code, name, position) for position, (code, name) in enumerate(named))


# In school order. Year 14 is rare (some post-16 courses) but is a real NC code.
NC_YEARS = _nc_years()
NC_YEAR_CODES = tuple(year.code for year in NC_YEARS)
_BY_CODE = {year.code: year for year in NC_YEARS}

_NUMBER_WORDS = {
    word: str(number)
    for number, word in enumerate(
        ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
        + ("eleven", "twelve", "thirteen", "fourteen"),
        start=1,
    )
}

# Looked up after lower-casing and removing everything but letters and digits.
# Foundation Stage 1 is the nursery year just before Reception (NC N2); Foundation
# Stage 2 is Reception. A plain "Nursery" is that same year, the one most schools have.
_EARLY_YEARS = {
    "r": "R",
    "yr": "R",
    "yearr": "R",
    "rec": "R",
    "reception": "R",
    "fs2": "R",
    "f2": "R",
    "fs1": "N2",
    "f1": "N2",
    "nursery": "N2",
    "n": "N2",
    "yearn": "N2",
    "n1": "N1",
    "nursery1": "N1",
    "n2": "N2",
    "nursery2": "N2",
}
_YEAR = re.compile(r"^(?:year|yr|y)?(\d{1,2}|[a-z]+)$")


def year_key(mis_name: str) -> str:
    """The form an MIS year name is stored under: whitespace collapsed, "Year  4" -> "Year 4"."""
    return " ".join(mis_name.split())


def nc_year_name(code: str) -> str:
    """The display name of an NC year code ("4" -> "Year 4"); an unknown code as it is."""
    year = _BY_CODE.get(code)
    return year.name if year else code


def nc_year_position(code: str) -> int:
    """The sort position of an NC year code; unknown codes sort after every known one."""
    year = _BY_CODE.get(code)
    return year.position if year else len(NC_YEARS)


def suggest_nc_year(mis_name: str) -> str | None:
    """The NC year code an MIS year-group name most likely means, or None if unrecognised.

    Case, spaces and punctuation are ignored: "Year  4", "Y4", "yr 4", "Year Four" and "4"
    all give "4"; "Reception", "Year R", "YR" and "FS2" give "R"; "Nursery 1" gives "N1".
    """
    compact = re.sub(r"[^a-z0-9]", "", mis_name.casefold())
    if compact in _EARLY_YEARS:
        return _EARLY_YEARS[compact]
    match = _YEAR.match(compact)
    if not match:
        return None
    number = match.group(1)
    number = _NUMBER_WORDS.get(number, number)
    if number.isdigit() and 1 <= int(number) <= 14:
        return str(int(number))
    return None


def suggest_mapping(mis_names: Iterable[str], saved: Mapping[str, str]) -> dict[str, str]:
    """MIS year name -> NC code for each distinct name in `mis_names`, in the order given.

    Keys are `year_key` forms. A saved mapping wins over a suggestion; a saved empty code
    means the administrator chose to leave that name unmapped. Names that are neither
    saved nor recognised are left out: they stay unmapped.
    """
    saved_by_key = {year_key(name): code for name, code in saved.items()}
    mapping: dict[str, str] = {}
    for name in mis_names:
        key = year_key(name)
        if not key or key in mapping:
            continue
        code = saved_by_key[key] if key in saved_by_key else suggest_nc_year(key)
        if code:
            mapping[key] = code
    return mapping
