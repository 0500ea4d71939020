from __future__ import annotations

import pytest

from misclient.upn import is_valid_upn, make_temporary_upn, make_upn, upn_check_letter


def test_the_reference_example_is_valid_and_its_wrong_check_letter_is_not():
    assert is_valid_upn("B801200005001")
    assert not is_valid_upn("A801200005001")


def test_the_check_letter_is_the_weighted_sum_mod_23():
    # 8*2 + 1*4 + 2*5 + 5*10 + 1*13 = 93; 93 mod 23 = 1 -> "B"
    assert upn_check_letter("801200005001") == "B"


@pytest.mark.parametrize(
    "upn",
    ["", "B80120000500", "B8012000050011", "I801200005001", "B80120000500I", "B8012000O5001"],
)
def test_malformed_upns_are_invalid(upn):
    assert not is_valid_upn(upn)


def test_case_and_surrounding_spaces_are_ignored():
    assert is_valid_upn(" b801200005001 ")


def test_made_upns_validate_and_carry_their_parts():
    upn = make_upn("823", "1234", 2026, 7)
    assert upn[1:] == "823123426007"
    assert is_valid_upn(upn)


def test_temporary_upns_end_in_a_letter_and_validate():
    upn = make_temporary_upn("823", "1234", 2026, 5, "K")
    assert upn.endswith("05K")
    assert is_valid_upn(upn)
    assert not is_valid_upn(("A" if upn[0] != "A" else "B") + upn[1:])


def test_a_body_that_is_not_a_upn_body_is_refused():
    with pytest.raises(ValueError, match="not the body"):
        upn_check_letter("80120000500")
