"""Our CSV asset inventory: the machines an establishment declares, scanned or not.

Format. One line per asset after a header line. Separator: comma, semicolon (what a French Excel writes)
or tab, taken from the header line. Encoding: UTF-8 with or without BOM, UTF-16 with BOM, otherwise
Windows-1252 (with a warning). Header names are read without regard to case, accents, spaces or
punctuation, in French or English; columns:

============== ======================================================== ====================================
column         also written                                             content
============== ======================================================== ====================================
hostname       nom, nom_hote, nom d'hôte, hôte, host, fqdn, machine      host name
address        adresse, adresse_ip, adresse IP, ip, ip_address, ipv4    IPv4 or IPv6 address
kind           type, nature, catégorie, category, type_equipement       see :data:`KIND_ALIASES`
medical_device dispositif_medical, dispositif médical, dm, biomedical   oui/non, yes/no, vrai/faux, 1/0, x
internet_exposed exposé internet, exposition_internet, internet          idem
os             système, système d'exploitation, operating_system        text
vendor         fabricant, constructeur, marque, manufacturer            text
model          modèle, produit, product                                  text
services       ports, ports ouverts, open_ports                         ``104/tcp 443/tcp 2575/tcp``
============== ======================================================== ====================================

Each line needs a host name or an address (the header at least one of the two columns). An empty yes/no
cell means "guess" (see :mod:`.heuristics`; vendor and model feed the medical-device guess). Services are
separated by spaces, commas, semicolons or ``|``; the protocol is tcp unless written. Other columns are
ignored with a warning. An invalid address, host name, yes/no value or port refuses the whole file,
naming the line and the column. A text cell starting with ``=``, ``+``, ``-`` or ``@`` (a spreadsheet
formula, "CSV injection") loses those characters, with a warning.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from typing import NoReturn

from cyber360.assess.exposure import AssetKind, Service
from cyber360.assess.parsers.base import Collector, ScanFormat, ScanResult, fail
from cyber360.assess.parsers.heuristics import classify

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "hostname": ("hostname", "host_name", "host", "nom", "nom_hote", "nom_d_hote", "hote", "fqdn", "machine"),
    "address": ("address", "adresse", "adresse_ip", "ip", "ip_address", "ipv4", "ipv6", "addresse_ip"),
    "kind": ("kind", "type", "nature", "categorie", "category", "type_equipement", "type_d_equipement"),
    "medical_device": (
        "medical_device",
        "is_medical_device",
        "dispositif_medical",
        "dm",
        "biomedical",
        "equipement_biomedical",
    ),
    "internet_exposed": (
        "internet_exposed",
        "exposed",
        "expose_internet",
        "expose_a_internet",
        "exposition_internet",
        "internet",
    ),
    "os": ("os", "operating_system", "systeme", "systeme_exploitation", "systeme_d_exploitation"),
    "vendor": ("vendor", "manufacturer", "fabricant", "constructeur", "marque"),
    "model": ("model", "modele", "product", "produit"),
    "services": ("services", "ports", "ports_ouverts", "open_ports"),
}
_COLUMN_OF = {alias: column for column, aliases in COLUMN_ALIASES.items() for alias in aliases}
_FRENCH_COLUMN = {
    "hostname": "nom d'hôte",
    "address": "adresse",
    "kind": "type",
    "medical_device": "dispositif médical",
    "internet_exposed": "exposé à internet",
    "os": "système",
    "vendor": "fabricant",
    "model": "modèle",
    "services": "services",
}

#: Values of the kind column, after lower-casing and removing accents.
KIND_ALIASES: dict[str, AssetKind] = {
    **dict.fromkeys(("server", "serveur", "srv", "serveur virtuel", "vm", "hyperviseur"), AssetKind.SERVER),
    **dict.fromkeys(
        ("workstation", "poste", "poste de travail", "pc", "ordinateur", "portable", "laptop", "desktop"),
        AssetKind.WORKSTATION,
    ),
    **dict.fromkeys(
        (
            "network",
            "reseau",
            "equipement reseau",
            "switch",
            "commutateur",
            "routeur",
            "router",
            "pare feu",
            "firewall",
            "borne wifi",
            "point d acces",
        ),
        AssetKind.NETWORK,
    ),
    **dict.fromkeys(("printer", "imprimante", "copieur", "multifonction"), AssetKind.PRINTER),
    **dict.fromkeys(
        (
            "medical device",
            "dispositif medical",
            "dm",
            "biomedical",
            "equipement biomedical",
            "modalite",
            "modality",
            "imagerie",
        ),
        AssetKind.MEDICAL_DEVICE,
    ),
    **dict.fromkeys(("iot", "objet connecte", "camera", "gtb", "telephone ip", "voip"), AssetKind.IOT),
    **dict.fromkeys(("other", "autre"), AssetKind.OTHER),
}
_TRUE = frozenset({"oui", "o", "yes", "y", "true", "vrai", "1", "x"})
_FALSE = frozenset({"non", "n", "no", "false", "faux", "0"})
_SERVICE = re.compile(r"(?:(tcp|udp|sctp)/)?(\d{1,5})(?:/(tcp|udp|sctp))?")
_FIELD_LIMIT = 10_000


def _plain(text: str) -> str:
    """Lower case, accents removed, anything but letters and digits made a single space."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


def decode(data: bytes, collector: Collector) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        collector.warn("encoding_assumed", "Fichier lu en Windows-1252 (il n'est pas en UTF-8).")
        return data.decode("cp1252", errors="replace")


def _lines(text: str) -> Iterator[str]:
    for line in text.splitlines(keepends=True):
        if len(line) > _FIELD_LIMIT * 4:
            fail("Inventaire CSV refusé : une ligne dépasse la longueur permise.", "csv_malformed")
        yield line


def parse_inventory_csv(data: bytes) -> ScanResult:
    """Assets of a CSV inventory in the format above."""
    collector = Collector(ScanFormat.INVENTORY_CSV)
    text = decode(data, collector)
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), [])
        columns = [_COLUMN_OF.get(_plain(name).replace(" ", "_"), "") for name in header]
        if not {"hostname", "address"} & set(columns):
            fail(
                "Inventaire CSV non reconnu : l'en-tête doit contenir une colonne « nom d'hôte » (hostname) "
                "ou « adresse » (address).",
                "format_unrecognised",
            )
        ignored = [
            collector.text(name, 40) for name, column in zip(header, columns, strict=True) if not column
        ]
        if ignored:
            collector.warn("columns_ignored", "Colonnes ignorées : " + ", ".join(ignored[:20]) + ".")
        for row in reader:
            if any(cell.strip() for cell in row):
                _read_row(row, columns, reader.line_num, collector)
    except csv.Error as error:
        fail(f"Inventaire CSV mal formé (ligne {reader.line_num}) : {error}.", "csv_malformed")
    return collector.result()


def _read_row(row: list[str], columns: list[str], line: int, collector: Collector) -> None:
    cells: dict[str, str] = {}
    for column, cell in zip(columns, row, strict=False):
        if column and cell.strip() and column not in cells:
            if len(cell) > _FIELD_LIMIT:
                _refuse(line, column, "valeur trop longue", cell, "csv_value_too_long")
            cells[column] = cell.strip()

    def text(column: str, limit: int) -> str:
        where = f"Ligne {line}, colonne « {_FRENCH_COLUMN[column]} »"
        return collector.text(cells.get(column), limit, where=where)

    address = collector.address(cells.get("address"))
    if cells.get("address") and not address:
        _refuse(line, "address", "adresse IP invalide", cells["address"], "csv_invalid_address")
    hostname = collector.hostname(cells.get("hostname"))
    if cells.get("hostname") and not hostname:
        _refuse(line, "hostname", "nom d'hôte invalide", cells["hostname"], "csv_invalid_hostname")
    if not address and not hostname:
        fail(f"Ligne {line} : il faut un nom d'hôte ou une adresse.", "csv_missing_identity")

    kind = AssetKind.UNKNOWN
    kind_text = text("kind", 80)
    if kind_text:
        kind = KIND_ALIASES.get(_plain(kind_text), AssetKind.OTHER)
        if _plain(kind_text) not in KIND_ALIASES:
            collector.warn(
                "unknown_kind", f"Ligne {line} : type « {kind_text[:40]} » inconnu, classé « autre »."
            )
    collector.assets.append(
        classify(
            hostname=hostname,
            address=address,
            kind=kind,
            os=text("os", 120),
            services=_services(cells.get("services", ""), line),
            names=(text("vendor", 120), text("model", 120)),
            declared_medical=_yes_no(cells, "medical_device", line),
            declared_exposed=_yes_no(cells, "internet_exposed", line),
        )
    )


def _refuse(line: int, column: str, reason: str, value: str, code: str) -> NoReturn:
    shown = "".join(char if char.isprintable() else "?" for char in value[:40])
    fail(f"Ligne {line}, colonne « {_FRENCH_COLUMN.get(column, column)} » : {reason} « {shown} ».", code)


def _yes_no(cells: dict[str, str], column: str, line: int) -> bool | None:
    value = _plain(cells.get(column, ""))
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    _refuse(line, column, "valeur attendue oui ou non, trouvé", cells[column], "csv_invalid_boolean")


def _services(text: str, line: int) -> list[Service]:
    services = []
    for token in re.split(r"[\s,;|]+", text.strip().lower()):
        if not token:
            continue
        match = _SERVICE.fullmatch(token)
        if match is None or (match.group(1) and match.group(3)) or not 0 < int(match.group(2)) <= 65535:
            _refuse(line, "services", "port invalide", token, "csv_invalid_service")
        services.append(Service(int(match.group(2)), match.group(1) or match.group(3) or "tcp"))
    return services
