"""Year-group mapping suggestions and the NC year list."""

from __future__ import annotations

import pytest

from wizard.planner.years import (
    NC_YEAR_CODES,
    NC_YEARS,
    nc_year_name,
    nc_year_position,
    suggest_mapping,
    suggest_nc_year,
)


@pytest.mark.parametrize(
    ("mis_name", "code"),
    [
        ("Year  4", "4"),
        ("Year 4", "4"),
        ("Y4", "4"),
        ("Yr4", "4"),
        ("yr 4", "4"),
        ("Year Four", "4"),
        ("Year Six", "6"),
        ("YEAR SIX", "6"),
        ("4", "4"),
        ("04", "4"),
        ("Year-4", "4"),
        ("Reception", "R"),
        ("Year R", "R"),
        ("R", "R"),
        ("YR", "R"),
        ("FS2", "R"),
        ("FS1", "N2"),
        ("N1", "N1"),
        ("N2", "N2"),
        ("Nursery", "N2"),
        ("Nursery 1", "N1"),
        ("Nursery 2", "N2"),
        ("Year 10", "10"),
        ("Year 11", "11"),
        ("Year 12", "12"),
        ("Year 13", "13"),
        ("Year 14", "14"),
        ("Year Thirteen", "13"),
        ("  year   thirteen ", "13"),
    ],
)
def test_recognised_year_names(mis_name: str, code: str) -> None:
    assert suggest_nc_year(mis_name) == code


@pytest.mark.parametrize(
    "mis_name", ["", "Year", "Year 0", "Year 15", "Year 4 Blue", "4ES", "Sixth Form", "Mixed", "X"]
)
def test_unrecognised_year_names_stay_unmapped(mis_name: str) -> None:
    assert suggest_nc_year(mis_name) is None


def test_saved_mappings_win_over_suggestions() -> None:
    names = ["Year  4", "Year 4", "Y6", "Sixth Form", "Reception", "Kittens"]
    saved = {"Y6": "5", "Sixth Form": "12", "Reception": ""}

    assert suggest_mapping(names, saved) == {"Year 4": "4", "Y6": "5", "Sixth Form": "12"}


def test_nc_years_are_in_school_order_with_display_names() -> None:
    assert NC_YEAR_CODES[:4] == ("N1", "N2", "R", "1")
    assert NC_YEAR_CODES[-2:] == ("13", "14")
    assert [(y.code, y.name) for y in NC_YEARS[:4]] == [
        ("N1", "Nursery 1"),
        ("N2", "Nursery 2"),
        ("R", "Reception"),
        ("1", "Year 1"),
    ]
    assert [y.position for y in NC_YEARS] == list(range(len(NC_YEARS)))
    assert nc_year_name("6") == "Year 6"
    assert nc_year_name("M") == "M"
    assert nc_year_position("10") > nc_year_position("9") > nc_year_position("R")
    assert nc_year_position("M") == len(NC_YEARS)
