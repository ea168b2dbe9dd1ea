"""Every message of the policies and quotes pages, the underwriting file and the area's labels exists in
English (locale/en/LC_MESSAGES/messages.po)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_python
from jinja2.ext import babel_extract

from cyber360.core import i18n

COVER = Path(i18n.__file__).resolve().parent.parent / "cover"
TEMPLATES = sorted(
    path
    for path in (COVER / "templates" / "cover").glob("*.html")
    if not path.name.startswith(("claim", "cooperative", "portfolio"))
)
MODULES = [COVER / f"{name}.py" for name in ("model", "pages", "report", "policy_service", "quote_service")]
OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true"}
SAME_IN_ENGLISH = {"GHT", "Action", "Type", "Date", "Exclusions", "Conditions", "support", "{rate} × capital"}


def _messages() -> list[tuple[str, str]]:
    found = []
    for path in TEMPLATES:
        with path.open("rb") as handle:
            for _line, _function, message, _comments in babel_extract(handle, ("_",), [], OPTIONS):
                text = message[0] if isinstance(message, tuple) else message  # _("...", name=value)
                if isinstance(text, str):
                    found.append((path.name, text))
    for path in MODULES:
        with path.open("rb") as handle:
            for _line, _function, message, _comments in extract_python(handle, ("_", "N_"), [], {}):
                if isinstance(message, str):
                    found.append((path.name, message))
    return found


MESSAGES = _messages()


def test_the_pages_have_messages_to_translate():
    assert len(MESSAGES) > 150


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    english = i18n.translator("en")
    missing = [(where, message) for where, message in MESSAGES if english(message) == message]
    assert [item for item in missing if item[1] not in SAME_IN_ENGLISH] == []
    placeholders = [
        (where, message)
        for where, message in MESSAGES
        if set(re.findall(r"{(\w+)}", english(message))) != set(re.findall(r"{(\w+)}", message))
    ]
    assert placeholders == []
