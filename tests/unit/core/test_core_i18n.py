"""Languages: French first, English by choice; every message the services can raise exists in English."""

from __future__ import annotations

import pytest

from cyber360.core import i18n


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "fr"),
        ("", "fr"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,en;q=0.5", "en"),
        ("de", "fr"),
        ("fr-CA,en;q=0.8", "fr"),
        ("en;q=0.2,fr;q=0.9", "fr"),
        ("en;q=abc,fr;q=0.1", "fr"),
        ("*", "fr"),
        ("," * 5000, "fr"),
    ],
)
def test_negotiate(header, expected):
    assert i18n.negotiate(header) == expected


def _sources() -> list[str]:
    return sorted(set(i18n.ERROR_MESSAGES.values()) | set(i18n.PYDANTIC_MESSAGES.values()))


@pytest.mark.parametrize("source", _sources())
def test_every_error_message_has_an_english_translation(source):
    english = i18n.translator("en")(source)
    assert english != source, f"no English for {source!r}"
    assert set(_placeholders(english)) == set(_placeholders(source)), "placeholders must survive translation"


def _placeholders(message: str) -> list[str]:
    import re

    return re.findall(r"{(\w+)}", message)


def test_error_text_formats_and_survives_missing_parameters():
    assert (
        i18n.error_text("fr", "error.length", {"min": 2, "max": 5})
        == "Longueur attendue : entre 2 et 5 caractères."
    )
    assert (
        i18n.error_text("en", "error.length", {"min": 2, "max": 5})
        == "Expected length: between 2 and 5 characters."
    )
    assert "{minutes}" in i18n.error_text("fr", "error.too_many_attempts", {})
    assert i18n.error_text("fr", "unknown.key") == "unknown.key"
    assert (
        i18n.error_text("en", "string_too_long", {"max_length": 200}) == "Too long: at most 200 characters."
    )


def test_amounts_in_each_language():
    assert i18n.format_eur(1_234_567, "fr") == "1\u202f234\u202f567\xa0€"
    assert i18n.format_eur(1_234_567, "en") == "€1,234,567"
    assert i18n.format_number(1234.5, "en") == "1,234.5"
