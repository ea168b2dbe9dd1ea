"""The claims' term texts and errors are extracted for translation and registered in the shell, and a
claim's explanation reads in either language (that every message has its English translation is checked
for the whole application by tests/unit/core/test_translations_complete.py)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_python
from jinja2.ext import babel_extract

from cyber360.core import i18n
from cyber360.cover import claim_views

COVER = Path(i18n.__file__).resolve().parent.parent / "cover"
TEMPLATES = sorted((COVER / "templates" / "cover").glob("claim_*.html"))
MODULES = sorted(COVER.glob("claim*.py"))
OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true"}


def _messages() -> list[tuple[str, str]]:
    found = []
    for path in TEMPLATES:
        with path.open("rb") as handle:
            for _line, _function, message, _comments in babel_extract(handle, ("_",), [], OPTIONS):
                text = message[0] if isinstance(message, tuple) else message
                if isinstance(text, str):
                    found.append((path.name, text))
    for path in MODULES:
        with path.open("rb") as handle:
            for _line, _function, message, _comments in extract_python(handle, ("_", "N_"), [], {}):
                if isinstance(message, str):
                    found.append((path.name, message))
    return found


MESSAGES = _messages()


def test_the_claims_have_messages_to_translate():
    assert len(TEMPLATES) == 3 and len(MESSAGES) > 100
    texts = {message for _, message in MESSAGES}
    assert set(claim_views.TERM_TEXTS.values()) <= texts
    assert set(claim_views.ERROR_MESSAGES.values()) <= texts


def test_every_error_of_the_claims_is_registered_in_the_shell():
    for key, message in claim_views.ERROR_MESSAGES.items():
        assert i18n.ERROR_MESSAGES[key] == message
        assert i18n.error_text("en", key, {"max": 200, "start": "2026-01-01", "end": "2026-12-31"}) != message
