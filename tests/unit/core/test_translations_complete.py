"""Every message the application shows (templates, and ``_``/``N_`` strings of the code) exists in English
(locale/en/LC_MESSAGES/messages.po) with the same placeholders: French first, English second, everywhere."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_python
from jinja2.ext import babel_extract

from cyber360.core import i18n

PACKAGE = Path(i18n.__file__).resolve().parent.parent
OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true"}


def _messages() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PACKAGE.glob("*/templates/**/*.html")):
        with path.open("rb") as handle:
            for _line, _function, message, _comments in babel_extract(handle, ("_",), [], OPTIONS):
                text = message[0] if isinstance(message, tuple) else message  # _("...", name=value)
                if isinstance(text, str):
                    found.append((str(path.relative_to(PACKAGE)), text))
    for path in sorted(PACKAGE.glob("**/*.py")):
        with path.open("rb") as handle:
            for _line, _function, message, _comments in extract_python(handle, ("_", "N_"), [], {}):
                if isinstance(message, str):
                    found.append((str(path.relative_to(PACKAGE)), message))
    return found


MESSAGES = _messages()


def test_every_area_has_messages_to_translate():
    areas = {where.split("/")[0] for where, _ in MESSAGES}
    assert {"org", "assess", "risk", "crisis", "cover", "core"} <= areas
    assert len(MESSAGES) > 1000


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    english = i18n.translator("en")
    catalogue = i18n._catalog("en")  # a word written alike in both languages has msgstr = msgid
    missing = sorted({message for _, message in MESSAGES if message not in catalogue})
    assert missing == []
    placeholders = sorted(
        {
            message
            for _, message in MESSAGES
            if set(re.findall(r"{(\w+)}", english(message))) != set(re.findall(r"{(\w+)}", message))
        }
    )
    assert placeholders == []
