"""The picture PIN's ten pictures: one per digit, each named and drawn."""

from __future__ import annotations

import pytest

from users.pictures import PICTURES, pictures_of


def test_one_picture_per_digit_each_with_its_own_name_and_colour() -> None:
    assert [p.digit for p in PICTURES] == [str(d) for d in range(10)]
    assert len({p.name for p in PICTURES}) == 10
    assert len({p.drawing for p in PICTURES}) == 10


def test_a_pin_reads_as_its_pictures() -> None:
    assert [p.label for p in pictures_of("3701")] == ["tree, 3", "boat, 7", "ball, 0", "sun, 1"]
    with pytest.raises(KeyError):
        pictures_of("3a")


def test_the_drawing_is_decorative_svg() -> None:
    svg = PICTURES[0].svg(size=48)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"')
    assert 'aria-hidden="true"' in svg
    assert 'width="48"' in svg
