"""Threat-intelligence feeds read from local files: the CISA Known Exploited Vulnerabilities catalogue
(KEV, JSON) and FIRST's Exploit Prediction Scoring System scores (EPSS, CSV, often gzip-compressed).

Nothing is fetched from the internet: an administrator downloads the files and ``cyber360 feeds import``
reads them. The loaders stream: they yield one record at a time and never hold the whole EPSS file
(about 300,000 lines) in memory. KEV is streamed with ijson when it is installed; otherwise the file is
read whole, up to a size cap. Every record is checked; a malformed one stops the load with a
:class:`FeedError` naming the place and the reason (in French, with an English ``code``).

Small snapshots ship in ``cyber360/data/feeds`` for tests and the demo (see its README for sources and
licences); :func:`open_bundled_feed` opens them.
"""

from __future__ import annotations

import gzip
import importlib
import io
import json
import math
import re
import zlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from itertools import count
from typing import IO, Any

CVE_ID = re.compile(r"CVE-\d{4}-\d{4,7}")
#: Largest KEV file read without ijson (the catalogue was 1.4 MB in 2025).
DEFAULT_KEV_MAX_BYTES = 64 * 1024 * 1024
#: Largest decompressed EPSS file (the daily file is about 10 MB decompressed).
DEFAULT_EPSS_MAX_BYTES = 256 * 1024 * 1024
_MAX_LINE = 4096
_MAX_TEXT = 2000

BUNDLED_KEV = "known_exploited_vulnerabilities_excerpt.json"
BUNDLED_EPSS = "epss_scores_excerpt.csv"


class FeedError(ValueError):
    """A feed file refused; ``message`` in French, ``code`` a stable English identifier."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class KevEntry:
    """A vulnerability that CISA knows to be exploited in the wild."""

    cve_id: str
    vendor_project: str
    product: str
    vulnerability_name: str
    date_added: date
    short_description: str
    required_action: str
    due_date: date | None
    known_ransomware_campaign_use: bool
    notes: str
    cwes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KevCatalogue:
    """The header of a KEV file."""

    title: str
    catalog_version: str
    date_released: str
    count: int | None


@dataclass(frozen=True, slots=True)
class EpssScore:
    """The probability (0-1) that a CVE is exploited in the next 30 days, and its percentile among CVEs."""

    cve: str
    epss: float
    percentile: float | None


@dataclass(frozen=True, slots=True)
class EpssMetadata:
    """From the comment line ``#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000``."""

    model_version: str
    score_date: str


def _ijson() -> Any | None:
    try:
        return importlib.import_module("ijson")
    except ImportError:
        return None


def open_bundled_feed(name: str) -> IO[bytes]:
    """Open a snapshot shipped in ``cyber360/data/feeds`` (:data:`BUNDLED_KEV`, :data:`BUNDLED_EPSS`)."""
    return files("cyber360").joinpath("data", "feeds", name).open("rb")


# --- KEV -----------------------------------------------------------------------------------------


def _text(raw: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = raw.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FeedError(f"{where} : le champ « {key} » doit être un texte.", code="kev_invalid_field")
    if required and not value.strip():
        raise FeedError(f"{where} : le champ « {key} » est vide.", code="kev_invalid_field")
    return value.strip()[:_MAX_TEXT]


def _date(text: str, key: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FeedError(
            f"{where} : date « {text[:20]} » invalide dans « {key} ».", code="kev_invalid_field"
        ) from None


def _kev_entry(raw: object, index: int) -> KevEntry:
    where = f"KEV, entrée {index + 1}"
    if not isinstance(raw, dict):
        raise FeedError(f"{where} : un objet JSON est attendu.", code="kev_invalid_entry")
    cve_id = _text(raw, "cveID", where, required=True)
    if not CVE_ID.fullmatch(cve_id):
        raise FeedError(f"{where} : identifiant CVE invalide « {cve_id[:30]} ».", code="kev_invalid_field")
    due = _text(raw, "dueDate", where)
    cwes = raw.get("cwes") or []
    if not isinstance(cwes, list) or not all(isinstance(cwe, str) for cwe in cwes):
        raise FeedError(f"{where} : « cwes » doit être une liste de textes.", code="kev_invalid_field")
    return KevEntry(
        cve_id=cve_id,
        vendor_project=_text(raw, "vendorProject", where),
        product=_text(raw, "product", where),
        vulnerability_name=_text(raw, "vulnerabilityName", where),
        date_added=_date(_text(raw, "dateAdded", where, required=True), "dateAdded", where),
        short_description=_text(raw, "shortDescription", where),
        required_action=_text(raw, "requiredAction", where),
        due_date=_date(due, "dueDate", where) if due else None,
        known_ransomware_campaign_use=_text(raw, "knownRansomwareCampaignUse", where).lower() == "known",
        notes=_text(raw, "notes", where),
        cwes=tuple(cwe[:20] for cwe in cwes),
    )


def _load_whole(stream: IO[bytes], max_bytes: int) -> dict[str, Any]:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FeedError(
            f"Fichier KEV trop volumineux pour être lu d'un bloc (plus de {max_bytes} octets) : "
            "installez ijson pour le lire en flux.",
            code="feed_too_large",
        )
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise FeedError(f"Fichier KEV illisible : JSON invalide ({error}).", code="feed_malformed") from None
    if not isinstance(document, dict):
        raise FeedError("Fichier KEV illisible : un objet JSON est attendu.", code="feed_malformed")
    return document


def iter_kev(stream: IO[bytes], *, max_bytes: int = DEFAULT_KEV_MAX_BYTES) -> Iterator[KevEntry]:
    """The entries of a KEV JSON file (``{"vulnerabilities": [...]}``), one at a time."""
    ijson = _ijson()
    if ijson is None:
        vulnerabilities = _load_whole(stream, max_bytes).get("vulnerabilities")
        if not isinstance(vulnerabilities, list):
            raise FeedError("Fichier KEV : la liste « vulnerabilities » manque.", code="feed_malformed")
        for index, raw in enumerate(vulnerabilities):
            yield _kev_entry(raw, index)
        return
    index = 0
    try:
        for index, raw in enumerate(ijson.items(stream, "vulnerabilities.item", use_float=True)):
            yield _kev_entry(raw, index)
    except ijson.JSONError as error:
        raise FeedError(
            f"Fichier KEV illisible après l'entrée {index} : JSON invalide ou tronqué ({error}).",
            code="feed_malformed",
        ) from None


def read_kev_catalogue(stream: IO[bytes], *, max_bytes: int = DEFAULT_KEV_MAX_BYTES) -> KevCatalogue:
    """The title, version, release date and count of a KEV file."""
    header: dict[str, Any] = {}
    ijson = _ijson()
    if ijson is None:
        header = _load_whole(stream, max_bytes)
    else:
        wanted = {"title", "catalogVersion", "dateReleased", "count"}
        try:
            for prefix, _event, value in ijson.parse(stream, use_float=True):
                if prefix in wanted:
                    header[prefix] = value
                    if wanted <= header.keys():
                        break
        except ijson.JSONError as error:
            raise FeedError(
                f"Fichier KEV illisible : JSON invalide ({error}).", code="feed_malformed"
            ) from None
    raw_count = header.get("count")
    return KevCatalogue(
        title=_text(header, "title", "KEV"),
        catalog_version=_text(header, "catalogVersion", "KEV"),
        date_released=_text(header, "dateReleased", "KEV"),
        count=int(raw_count)
        if isinstance(raw_count, int | float) and not isinstance(raw_count, bool)
        else None,
    )


def kev_cve_ids(entries: Iterable[KevEntry]) -> frozenset[str]:
    """The CVE identifiers of a catalogue, for :func:`cyber360.assess.exposure_summary.summarize_exposure`."""
    return frozenset(entry.cve_id for entry in entries)


# --- EPSS ----------------------------------------------------------------------------------------


def _lines(stream: IO[bytes], max_bytes: int) -> Iterator[tuple[int, str]]:
    """Numbered text lines of a plain or gzip-compressed file, each and all of them size-limited."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        magic = bytes(peek(2))[:2]
    elif stream.seekable():
        position = stream.tell()
        magic = stream.read(2)
        stream.seek(position)
    else:
        data = stream.read(2)
        magic, stream = data, io.BufferedReader(_Prefixed(data, stream))
    source: IO[bytes] | gzip.GzipFile = gzip.GzipFile(fileobj=stream) if magic == b"\x1f\x8b" else stream
    total = 0
    try:
        for number in count(1):
            line = source.readline(_MAX_LINE + 1)
            if not line:
                return
            total += len(line)
            if total > max_bytes:
                raise FeedError(
                    f"Fichier EPSS trop volumineux (plus de {max_bytes} octets).", code="feed_too_large"
                )
            if len(line) > _MAX_LINE:
                raise FeedError(f"EPSS, ligne {number} : ligne trop longue.", code="feed_malformed")
            yield number, line.decode("utf-8-sig" if number == 1 else "utf-8").strip()
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise FeedError(
            f"Fichier EPSS illisible (gzip ou texte invalide : {error}).", code="feed_malformed"
        ) from None


class _Prefixed(io.RawIOBase):
    """A non-seekable stream with its first bytes, already read, put back in front."""

    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self.prefix = prefix
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.prefix[: len(buffer)] if self.prefix else self.stream.read(len(buffer))
        self.prefix = self.prefix[len(data) :] if self.prefix else b""
        buffer[: len(data)] = data
        return len(data)


def read_epss_metadata(stream: IO[bytes]) -> EpssMetadata:
    """The model version and score date of an EPSS file (empty when it has no comment line)."""
    for _, line in _lines(stream, _MAX_LINE):
        if not line.startswith("#"):
            break
        fields = dict(part.partition(":")[::2] for part in line[1:].split(","))
        return EpssMetadata(fields.get("model_version", "")[:60], fields.get("score_date", "")[:40])
    return EpssMetadata("", "")


def _probability(text: str, column: str, number: int) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise FeedError(
            f"EPSS, ligne {number} : « {column} » doit être un nombre entre 0 et 1, pas « {text[:20]} ».",
            code="epss_invalid_value",
        )
    return value


def iter_epss(stream: IO[bytes], *, max_bytes: int = DEFAULT_EPSS_MAX_BYTES) -> Iterator[EpssScore]:
    """The scores of an EPSS CSV file (``cve,epss,percentile`` after an optional ``#`` comment line),
    plain or gzip-compressed, one at a time."""
    columns: dict[str, int] | None = None
    for number, line in _lines(stream, max_bytes):
        if not line or line.startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split(",")]
        if columns is None:
            columns = {name.lower(): position for position, name in enumerate(cells)}
            if "cve" not in columns or "epss" not in columns:
                raise FeedError(
                    f"EPSS, ligne {number} : en-tête « cve,epss,percentile » attendu.",
                    code="epss_header_missing",
                )
            continue
        if len(cells) != len(columns):
            raise FeedError(
                f"EPSS, ligne {number} : {len(cells)} colonnes au lieu de {len(columns)}.",
                code="feed_malformed",
            )
        cve = cells[columns["cve"]]
        if not CVE_ID.fullmatch(cve):
            raise FeedError(
                f"EPSS, ligne {number} : identifiant CVE invalide « {cve[:30]} ».", code="epss_invalid_value"
            )
        percentile = columns.get("percentile")
        yield EpssScore(
            cve=cve,
            epss=_probability(cells[columns["epss"]], "epss", number),
            percentile=None if percentile is None else _probability(cells[percentile], "percentile", number),
        )
    if columns is None:
        raise FeedError(
            "Fichier EPSS vide : en-tête « cve,epss,percentile » attendu.", code="epss_header_missing"
        )


def select_epss(scores: Iterable[EpssScore], cves: Collection[str]) -> dict[str, float]:
    """The EPSS probability of the given CVEs only, read in one pass over a stream of scores."""
    return {score.cve: score.epss for score in scores if score.cve in cves}
