"""What every scan parser shares: the result, the error, size limits, safe XML and clean text.

Uploaded files are hostile: they map a hospital's weaknesses and may be crafted to attack the importer.
XML goes through defusedxml (no entity declarations, no external references, nothing expanded or fetched),
every text value is cleaned (control characters, length, spreadsheet formulas) and the size is checked
before any parsing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NoReturn
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from cyber360.assess.exposure import (
    SPREADSHEET_FORMULA_PREFIXES,
    Asset,
    Exposure,
    Finding,
    merge_exposure,
    normalise_address,
)

#: Largest scan file accepted, in bytes (50 MiB), checked before parsing.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: Warnings kept per import; beyond, one last warning counts the rest.
MAX_WARNINGS = 100

CVE_PATTERN = re.compile(r"CVE-\d{4}-\d{4,7}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]+")
_HOSTNAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*")


class ScanFormat(StrEnum):
    NMAP = "nmap"
    OPENVAS = "openvas"
    NESSUS = "nessus"
    INVENTORY_CSV = "inventory_csv"


class ScanParseError(ValueError):
    """A file refused as a whole: nothing of it may be stored. ``message`` is in French, for the user;
    ``code`` is a stable English identifier (for the API, logs and translations)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class ScanWarning:
    """Something accepted with a change or left out, worth telling the user (message in French)."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The assets and findings of one imported file, without duplicates."""

    format: ScanFormat
    assets: tuple[Asset, ...]
    findings: tuple[Finding, ...]
    warnings: tuple[ScanWarning, ...] = ()

    def as_exposure(self) -> Exposure:
        return Exposure(self.assets, self.findings)


def check_size(size: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse a file larger than ``max_bytes``; call it with the announced size before reading, too."""
    if size > max_bytes:
        raise ScanParseError(
            f"Fichier trop volumineux : {size} octets, la limite est de {max_bytes} octets.",
            code="file_too_large",
        )


def fail(message: str, code: str) -> NoReturn:
    raise ScanParseError(message, code=code)


def wrong_format(expected: str, found: str) -> NoReturn:
    fail(f"Ce fichier n'est pas un {expected} : élément racine « {found[:40]} ».", "format_mismatch")


def _refuse_external_doctype(name: str, sysid: str | None, pubid: str | None, internal: bool) -> None:
    if sysid or pubid:
        raise ExternalReferenceForbidden(name, None, sysid, pubid)


def iter_xml(data: bytes) -> Iterator[tuple[str, Element]]:
    """Start and end events of an XML document, parsed by defusedxml with our refusals turned into
    :class:`ScanParseError`: an entity declaration (entity-expansion bombs, XXE), an external reference
    (a DOCTYPE pointing to an outside DTD) or a malformed or truncated document."""
    parser = DefusedXMLParser(target=TreeBuilder(), forbid_entities=True, forbid_external=True)
    parser.parser.StartDoctypeDeclHandler = _refuse_external_doctype
    try:
        for event, element in iterparse(io.BytesIO(data), events=("start", "end"), parser=parser):
            yield str(event), element
    except (EntitiesForbidden, ExternalReferenceForbidden) as error:
        if isinstance(error, ExternalReferenceForbidden) or error.sysid or error.pubid:
            fail(
                "Fichier XML refusé : il fait référence à une ressource externe (entité externe ou DTD), "
                "ce qu'un rapport de scanner ne fait jamais.",
                "xml_external_entity_forbidden",
            )
        fail(
            "Fichier XML refusé : il déclare des entités XML (risque d'« explosion » d'entités), "
            "ce qu'un rapport de scanner ne fait jamais.",
            "xml_entities_forbidden",
        )
    except DefusedXmlException:
        fail("Fichier XML refusé : construction XML interdite.", "xml_forbidden")
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        fail(
            f"Fichier XML mal formé ou tronqué (ligne {line}, colonne {column}).",
            "xml_malformed",
        )
    except (ValueError, LookupError):
        fail("Fichier XML illisible : encodage de caractères non pris en charge.", "xml_malformed")


def local_name(tag: str) -> str:
    """The tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def child_text(element: Element, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "") if child is not None else ""


def parse_float(text: str | None) -> float | None:
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if 0.0 <= value <= 10.0 else None


def parse_port(text: str | None) -> int | None:
    value = (text or "").strip()
    if value.isdigit() and 0 < int(value) <= 65535:
        return int(value)
    return None


def cvss_version_of(vector: str, default: str) -> str:
    """The CVSS version a vector is written in (``CVSS:3.1/...`` is 3.1, a bare v2 vector is 2.0)."""
    match = re.match(r"\s*CVSS:(\d\.\d)/", vector)
    if match:
        return match.group(1)
    return "2.0" if re.match(r"\s*(CVSS2#)?AV:[LAN]/AC:", vector) else default


@dataclass
class Collector:
    """Gathers what a parser reads, cleaning every text value and keeping the warnings."""

    format: ScanFormat
    assets: list[Asset] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[ScanWarning] = field(default_factory=list)
    dropped_warnings: int = 0

    def warn(self, code: str, message: str) -> None:
        warning = ScanWarning(code, message)
        if warning in self.warnings:
            return
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(warning)
        else:
            self.dropped_warnings += 1

    def text(self, value: str | None, limit: int = 200, *, where: str = "") -> str:
        """One line of text: control characters removed, whitespace collapsed, at most ``limit``
        characters, and no leading spreadsheet formula character (a warning tells it was removed)."""
        cleaned = " ".join(_CONTROL.sub(" ", value or "").split())[:limit]
        neutralised = cleaned.lstrip("".join(SPREADSHEET_FORMULA_PREFIXES) + " ")
        if neutralised != cleaned:
            self.warn(
                "spreadsheet_formula_neutralised",
                f"{where or 'Valeur'} : caractères de formule de tableur retirés "
                f"en tête de « {cleaned[:40]} ».",
            )
        return neutralised

    def address(self, value: str | None, *, where: str = "") -> str:
        """The canonical address, or "" with a warning when the value is not an IP address."""
        raw = (value or "").strip()
        if not raw:
            return ""
        address = normalise_address(raw)
        if address is None:
            self.warn(
                "invalid_address",
                f"{where or 'Hôte'} : adresse IP invalide « {self.text(raw, 60)} », ignorée.",
            )
            return ""
        return address

    def hostname(self, value: str | None, *, where: str = "") -> str:
        """The host name in lower case without trailing dot, or "" with a warning when it is not one."""
        raw = (value or "").strip().rstrip(".").lower()
        if not raw:
            return ""
        try:
            ascii_name = raw.encode("idna").decode("ascii") if not raw.isascii() else raw
        except UnicodeError:
            ascii_name = ""
        if len(ascii_name) > 253 or not _HOSTNAME.fullmatch(ascii_name):
            self.warn(
                "invalid_hostname",
                f"{where or 'Hôte'} : nom d'hôte invalide « {self.text(raw, 60)} », ignoré.",
            )
            return ""
        return ascii_name

    def result(self) -> ScanResult:
        """The result, with duplicates merged (a host seen by several results is one asset)."""
        merged = merge_exposure(Exposure(), self.assets, self.findings).exposure
        warnings = list(self.warnings)
        if self.dropped_warnings:
            warnings.append(
                ScanWarning("warnings_truncated", f"… et {self.dropped_warnings} autres avertissements.")
            )
        if not merged.assets:
            warnings.append(ScanWarning("no_asset", "Aucun hôte exploitable dans ce fichier."))
        return ScanResult(self.format, merged.assets, merged.findings, tuple(warnings))
