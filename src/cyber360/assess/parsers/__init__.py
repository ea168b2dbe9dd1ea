"""Scan imports: read a scanner report or an asset inventory into assets and findings.

:func:`parse_scan` takes the bytes of an uploaded file, checks its size first, recognises its format from
its content (not from its name) and returns a :class:`ScanResult`, or raises :class:`ScanParseError` with a
French message and an English ``code``. Formats: Nmap XML, OpenVAS/Greenbone XML reports, Nessus
``.nessus`` files and our CSV asset inventory (see :mod:`.inventory_csv`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from cyber360.assess.parsers.base import (
    DEFAULT_MAX_BYTES,
    ScanFormat,
    ScanParseError,
    ScanResult,
    ScanWarning,
    check_size,
    fail,
    iter_xml,
    local_name,
)
from cyber360.assess.parsers.inventory_csv import parse_inventory_csv
from cyber360.assess.parsers.nessus import parse_nessus
from cyber360.assess.parsers.nmap import parse_nmap
from cyber360.assess.parsers.openvas import parse_openvas

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PARSERS",
    "ScanFormat",
    "ScanParseError",
    "ScanResult",
    "ScanWarning",
    "check_size",
    "detect_format",
    "parse_scan",
]

PARSERS: Mapping[ScanFormat, Callable[[bytes], ScanResult]] = {
    ScanFormat.NMAP: parse_nmap,
    ScanFormat.OPENVAS: parse_openvas,
    ScanFormat.NESSUS: parse_nessus,
    ScanFormat.INVENTORY_CSV: parse_inventory_csv,
}
_XML_ROOTS = {
    "nmaprun": ScanFormat.NMAP,
    "NessusClientData_v2": ScanFormat.NESSUS,
    "report": ScanFormat.OPENVAS,
    "get_reports_response": ScanFormat.OPENVAS,
}
_ACCEPTED = "Nmap XML, rapport OpenVAS/Greenbone XML, fichier Nessus (.nessus) ou inventaire CSV"
_XML_EXTENSIONS = (".xml", ".nessus")


def _shown_name(filename: str) -> str:
    name = re.split(r"[\\/]", filename)[-1]
    return "".join(char for char in name if char.isprintable())[:80]


def _xml_root(data: bytes) -> str:
    for _, element in iter_xml(data):
        return local_name(element.tag)
    return ""


def detect_format(data: bytes, filename: str = "") -> ScanFormat:
    """The format of a file, from its content; the name only helps explain a refusal."""
    head = data[:4096]
    if not head.strip():
        fail("Le fichier est vide.", "file_empty")
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if utf16:
        text_head = head.decode("utf-16", errors="ignore").lstrip("\ufeff \t\r\n")[:64].encode()
    if text_head.startswith(b"<"):
        root = _xml_root(data)
        if root not in _XML_ROOTS:
            fail(
                f"Format XML non reconnu (élément racine « {root[:40]} »). Formats acceptés : {_ACCEPTED}.",
                "format_unrecognised",
            )
        return _XML_ROOTS[root]
    if head.startswith(b"PK\x03\x04"):
        fail(
            "Ce fichier est un classeur Excel ou une archive ZIP : enregistrez l'inventaire au format CSV.",
            "format_unrecognised",
        )
    if (b"\x00" in head and not utf16) or text_head.startswith((b"%PDF", b"{", b"[")):
        fail(f"Format de fichier non reconnu. Formats acceptés : {_ACCEPTED}.", "format_unrecognised")
    if _shown_name(filename).lower().endswith(_XML_EXTENSIONS):
        fail(
            f"Le fichier « {_shown_name(filename)} » devrait être un fichier XML, "
            "mais son contenu n'en est pas.",
            "format_mismatch",
        )
    return ScanFormat.INVENTORY_CSV


def parse_scan(data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ScanResult:
    """Assets and findings of an uploaded scan report or inventory, checked and cleaned.

    The size is checked before anything else is read. Any refusal is a :class:`ScanParseError`; the
    caller stores nothing of a refused file.
    """
    check_size(len(data), max_bytes)
    scan_format = detect_format(data, filename)
    try:
        return PARSERS[scan_format](data)
    except ScanParseError:
        raise
    except (ValueError, RecursionError, UnicodeError, OverflowError) as error:
        raise ScanParseError(
            "Fichier illisible : son contenu ne correspond pas au format attendu.", code="file_unreadable"
        ) from error
