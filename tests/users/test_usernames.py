"""Username formats, transliteration and allocation (pure: no database)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from users.usernames import (
    BAD_CHARACTER,
    BAD_DOT,
    BAD_LENGTH,
    EMPTY_TEMPLATE,
    MAX_LENGTH,
    NO_FIELD,
    PRESET_TEMPLATES,
    PRESETS,
    UNCLOSED_BRACE,
    UNKNOWN_FIELD,
    USERNAME_RE,
    UsernameAllocator,
    ascii_name,
    example_username,
    fallback_username,
    template_for,
    username_base,
    validate_template,
)


def test_presets_make_the_documented_usernames() -> None:
    assert {key: example_username(key) for key in PRESETS} == {
        "forename_surname_initial": "JohnS",
        "forename_initial_surname": "JSmith",
        "forename_surname": "JohnSmith",
        "forename_dot_surname": "John.Smith",
        "surname_forename_initial": "SmithJ",
    }
    assert set(PRESET_TEMPLATES) == set(PRESETS)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Zoë", "Zoe"),
        ("Łukasz", "Lukasz"),
        ("O'Brien", "OBrien"),
        ("O’Brien", "OBrien"),
        ("Mary-Jane", "MaryJane"),
        ("de la Cruz", "delaCruz"),
        ("Søren Ærø", "SorenAero"),
        ("Strauß", "Strauss"),
        ("Владимир", "Vladimir"),
        ("张伟", "ZhangWei"),
        ("Ἀθηνᾶ", "Athina"),
        ("Jo🙂", "Jo"),
        ("🙂", ""),
        ("  ", ""),
    ],
)
def test_names_are_transliterated_to_letters_and_digits(name: str, expected: str) -> None:
    assert ascii_name(name) == expected


def test_custom_templates() -> None:
    assert username_base("{forename:1}.{surname}", "Zoë", "O'Brien") == "Z.OBrien"
    assert username_base("{surname:4}{forename:2}24", "John", "Smith") == "SmitJo24"
    assert username_base("{Forename}{ surname : 1 }", "John", "Smith") == "JohnS"
    # A dot never strands when a name gives nothing.
    assert username_base("{forename}.{surname}", "🙂", "Smith") == "Smith"
    assert template_for("forename_surname") == "{forename}{surname}"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("", EMPTY_TEMPLATE),
        ("   ", EMPTY_TEMPLATE),
        ("pupil", NO_FIELD),
        ("{middle}{surname}", UNKNOWN_FIELD.format(field="middle")),
        ("{forename:0}", BAD_LENGTH.format(field="forename")),
        ("{forename:21}", BAD_LENGTH.format(field="forename")),
        ("{forename", UNCLOSED_BRACE),
        ("forename}", UNCLOSED_BRACE),
        ("{forename}-{surname}", BAD_CHARACTER.format(char="-")),
        ("{forename} {surname}", BAD_CHARACTER.format(char=" ")),
        ("{forename}é", BAD_CHARACTER.format(char="é")),
        (".{surname}", BAD_DOT),
        ("{forename}..{surname}", BAD_DOT),
        ("{forename}.", BAD_DOT),
    ],
)
def test_a_bad_template_is_refused_in_plain_words(template: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        validate_template(template)


def test_an_unknown_format_key_is_refused() -> None:
    with pytest.raises(ValueError, match="is not a name you can use"):
        template_for("{nickname}")


def test_collisions_are_numbered_from_2_case_insensitively() -> None:
    usernames = UsernameAllocator(["johns", "JOHNS3"])

    made = [usernames.allocate("JohnS", fallback="pupil1") for _ in range(3)]

    assert made == ["JohnS2", "JohnS4", "JohnS5"]
    assert "JOHNS4" in usernames


def test_usernames_are_at_most_20_characters_even_with_a_number() -> None:
    long_name = "Wolfeschlegelsteinhausen"
    usernames = UsernameAllocator()

    made = [
        usernames.allocate_for(
            "forename_surname", forename="Hubert", surname=long_name, role="pupil", mis_id="1"
        )
        for _ in range(11)
    ]

    assert made[:3] == ["HubertWolfeschlegels", "HubertWolfeschlegel2", "HubertWolfeschlegel3"]
    assert made[10] == "HubertWolfeschlege11"
    assert all(len(name) <= MAX_LENGTH for name in made)


def test_a_shortened_dotted_username_never_ends_in_a_dot() -> None:
    usernames = UsernameAllocator(["abcdefghijklmnopqr.t"])

    assert usernames.allocate("Abcdefghijklmnopqr.Tuv", fallback="x") == "Abcdefghijklmnopqr2"


def test_a_name_that_gives_nothing_falls_back_on_role_and_mis_id() -> None:
    usernames = UsernameAllocator(["pupil3116"])

    made = usernames.allocate_for(
        "forename_surname_initial", forename="🙂", surname="", role="pupil", mis_id="3116"
    )

    assert made == "pupil31162"
    assert fallback_username("staff", "PWT-42") == "staffPWT42"


def test_archived_usernames_are_never_reused() -> None:
    # The caller passes every username of the school, archived accounts' included.
    usernames = UsernameAllocator(["ZoeL"])

    assert (
        usernames.allocate_for(
            "forename_surname_initial", forename="Zoë", surname="Lane", role="pupil", mis_id="1"
        )
        == "ZoeL2"
    )


names = st.text(max_size=30)
formats = st.sampled_from(
    [*PRESETS, "{forename:1}.{surname:3}", "{surname}{forename}7", "x{forename:2}"]
)


# No deadline: on a busy machine a slow example is not a failure.
@settings(max_examples=200, deadline=None)
@given(
    people=st.lists(st.tuples(names, names, st.text(max_size=8)), max_size=40),
    taken=st.lists(st.text(max_size=22), max_size=10),
    username_format=formats,
)
def test_usernames_are_always_unique_and_valid(
    people: list[tuple[str, str, str]], taken: list[str], username_format: str
) -> None:
    usernames = UsernameAllocator(taken)
    made = [
        usernames.allocate_for(
            username_format, forename=forename, surname=surname, role="pupil", mis_id=mis_id
        )
        for forename, surname, mis_id in people
    ]

    lowered = [name.lower() for name in made]
    assert len(set(lowered)) == len(made)
    assert not set(lowered) & {name.lower() for name in taken}
    for name in made:
        assert USERNAME_RE.match(name), name
        assert len(name) <= MAX_LENGTH
