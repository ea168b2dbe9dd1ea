"""Technical exposure of an establishment: what attackers can see and use.

An *asset* is a machine seen by a scanner (Nmap, OpenVAS/Greenbone, Nessus) or declared in an inventory:
an address, a host name, what kind of machine it is, whether it is a medical device, whether it can be
reached from the internet, and the network services it offers. A *finding* is a vulnerability a scanner
reported on one asset, one CVE per finding (a scanner result naming several CVEs gives several findings).

Imports accumulate: a scan merged into the current exposure adds what is new and refreshes what is known,
without duplicates (see :func:`merge_exposure`). The summary (:func:`summarize_exposure`) puts first what
attackers use in practice: services reachable from the internet, vulnerabilities listed in the CISA Known
Exploited Vulnerabilities catalogue (KEV), vulnerabilities with a high EPSS probability of exploitation,
and medical devices with known vulnerabilities (module ``exposure_summary``).

Pure domain: no I/O, no database. Values reaching here are already cleaned by the parsers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

#: Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
SPREADSHEET_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class Severity(StrEnum):
    """Qualitative severity, on the CVSS v3 scale (none/info, low, medium, high, critical)."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(Severity)}


def severity_from_cvss(score: float | None) -> Severity:
    """CVSS v3 qualitative rating: 0 info, 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10 critical."""
    if score is None or score <= 0:
        return Severity.INFO
    if score < 4.0:
        return Severity.LOW
    if score < 7.0:
        return Severity.MEDIUM
    if score < 9.0:
        return Severity.HIGH
    return Severity.CRITICAL


class AssetKind(StrEnum):
    """What an asset is, as far as a scanner or an inventory can tell."""

    SERVER = "server"
    WORKSTATION = "workstation"
    NETWORK = "network"
    PRINTER = "printer"
    MEDICAL_DEVICE = "medical_device"
    IOT = "iot"
    OTHER = "other"
    UNKNOWN = "unknown"


def normalise_address(text: str) -> str | None:
    """The canonical text of an IPv4 or IPv6 address, or None when ``text`` is not one."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def is_public_address(address: str) -> bool:
    """True for a globally routable address (not RFC 1918, loopback, link-local, CGNAT, documentation...)."""
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


def spreadsheet_safe(value: str) -> str:
    """The value to write in a CSV/XLSX export: a cell starting like a formula is prefixed with a quote."""
    return "'" + value if value.startswith(SPREADSHEET_FORMULA_PREFIXES) else value


@dataclass(frozen=True, slots=True, order=True)
class AssetKey:
    """The stable identity of an asset within an establishment: its address and its host name.

    Either part may be empty (a scanner may know only one), never both. Parsers give the canonical forms:
    :func:`normalise_address` and a lower-case host name without trailing dot.
    """

    address: str
    hostname: str

    def __post_init__(self) -> None:
        if not self.address and not self.hostname:
            raise ValueError("an asset needs an address or a host name")

    def label(self) -> str:
        if self.address and self.hostname:
            return f"{self.hostname} ({self.address})"
        return self.hostname or self.address


@dataclass(frozen=True, slots=True)
class Service:
    """A network service an asset offers: an open port and what answers on it."""

    port: int
    protocol: str
    name: str = ""
    product: str = ""
    version: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port out of range: {self.port}")

    @property
    def key(self) -> tuple[str, int]:
        return (self.protocol, self.port)


@dataclass(frozen=True, slots=True)
class Asset:
    """A machine of the establishment's network."""

    hostname: str
    address: str
    kind: AssetKind = AssetKind.UNKNOWN
    os: str = ""
    is_medical_device: bool = False
    internet_exposed: bool = False
    services: tuple[Service, ...] = ()

    @property
    def key(self) -> AssetKey:
        return AssetKey(self.address, self.hostname)


@dataclass(frozen=True, slots=True, order=True)
class FindingKey:
    """A finding is the same across imports when it is on the same asset and port and names the same CVE
    (whichever scanner saw it); without a CVE, when it comes from the same check of the same scanner."""

    asset: AssetKey
    protocol: str
    port: int
    reference: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A vulnerability reported on an asset. ``port`` is None for a host-level finding."""

    asset: AssetKey
    title: str
    severity: Severity
    source: str
    source_id: str
    cve: str = ""
    cvss_score: float | None = None
    cvss_version: str = ""
    port: int | None = None
    protocol: str = ""

    def __post_init__(self) -> None:
        if self.cvss_score is not None and not 0.0 <= self.cvss_score <= 10.0:
            raise ValueError(f"CVSS score out of range: {self.cvss_score}")

    @property
    def key(self) -> FindingKey:
        reference = self.cve or f"{self.source}:{self.source_id}"
        return FindingKey(self.asset, self.protocol, -1 if self.port is None else self.port, reference)

    @property
    def is_vulnerability(self) -> bool:
        """A known vulnerability rather than a piece of information."""
        return bool(self.cve) or self.severity is not Severity.INFO


@dataclass(frozen=True, slots=True)
class Exposure:
    """The assets and findings known for one establishment (sorted by key after a merge)."""

    assets: tuple[Asset, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    """The exposure after a merge, and what changed. ``renamed`` pairs (old key, new key) of known assets
    whose key gained its missing address or host name, so that stored rows can follow."""

    exposure: Exposure
    assets_added: tuple[AssetKey, ...] = ()
    assets_updated: tuple[AssetKey, ...] = ()
    findings_added: tuple[FindingKey, ...] = ()
    findings_updated: tuple[FindingKey, ...] = ()
    renamed: tuple[tuple[AssetKey, AssetKey], ...] = ()


def _merge_services(known: tuple[Service, ...], seen: tuple[Service, ...]) -> tuple[Service, ...]:
    services = {service.key: service for service in known}
    for service in seen:
        previous = services.get(service.key)
        if previous is None:
            services[service.key] = service
        else:
            services[service.key] = Service(
                service.port,
                service.protocol,
                service.name or previous.name,
                service.product or previous.product,
                service.version or previous.version,
            )
    return tuple(sorted(services.values(), key=lambda service: service.key))


def _merge_asset(known: Asset, seen: Asset) -> Asset:
    """Latest information wins where it says something; a medical-device or internet-exposure flag, once
    raised by any source, stays raised (clearing it is a human decision, recorded by the service layer)."""
    if known.kind is AssetKind.MEDICAL_DEVICE or seen.kind is AssetKind.UNKNOWN:
        kind = known.kind
    else:
        kind = seen.kind
    return Asset(
        hostname=known.hostname or seen.hostname,
        address=known.address or seen.address,
        kind=kind,
        os=seen.os or known.os,
        is_medical_device=known.is_medical_device or seen.is_medical_device,
        internet_exposed=known.internet_exposed or seen.internet_exposed,
        services=_merge_services(known.services, seen.services),
    )


def _on_asset(finding: Finding, asset: AssetKey) -> Finding:
    return finding if finding.asset == asset else replace(finding, asset=asset)


def _merge_finding(known: Finding, seen: Finding, asset: AssetKey) -> Finding:
    """The latest report wins; the highest severity and the most recent CVSS version are kept."""
    severity = max(known.severity, seen.severity, key=lambda severity: severity.rank)
    scored = seen
    if seen.cvss_score is None or (known.cvss_score is not None and known.cvss_version > seen.cvss_version):
        scored = known
    return replace(
        seen, asset=asset, severity=severity, cvss_score=scored.cvss_score, cvss_version=scored.cvss_version
    )


def _names_compatible(first: str, second: str) -> bool:
    """Two names of one machine: the same, one unknown, or a short name (inventories, NetBIOS) and the
    full DNS name that starts with it (irm-01 and irm-01.ch-demo.fr)."""
    if first == second or not first or not second:
        return True
    short, full = sorted((first, second), key=len)
    return "." not in short and full.startswith(short + ".")


class _AssetIndex:
    def __init__(self, assets: Iterable[Asset]) -> None:
        self.assets: dict[AssetKey, Asset] = {}
        self.by_address: dict[str, set[AssetKey]] = {}
        for asset in assets:
            self.put(asset)

    def put(self, asset: Asset) -> None:
        self.assets[asset.key] = asset
        if asset.key.address:
            self.by_address.setdefault(asset.key.address, set()).add(asset.key)

    def remove(self, key: AssetKey) -> None:
        del self.assets[key]
        self.by_address.get(key.address, set()).discard(key)

    def match(self, key: AssetKey) -> AssetKey | None:
        """The known asset that ``key`` designates (see :func:`merge_exposure`), or None."""
        if key in self.assets:
            return key
        same_address = self.by_address.get(key.address, set()) if key.address else set()
        candidates = [known for known in same_address if _names_compatible(known.hostname, key.hostname)]
        named = [known for known in candidates if known.hostname]
        if named:
            return named[0] if len(named) == 1 else None
        return candidates[0] if candidates else None


def merge_exposure(current: Exposure, assets: Iterable[Asset], findings: Iterable[Finding]) -> MergeOutcome:
    """Merge an import (its assets, then its findings) into the current exposure, without duplicates.

    An incoming asset is the known asset with the same key. Failing that, an incoming asset with an
    address is the only known asset with that address and a compatible name (the same, or a short name
    its full name starts with), else the one with that address and no name: a scan that saw 10.1.2.3
    and an inventory that names it pacs01 at 10.1.2.3 describe one machine, whose key gains the missing
    name (see ``renamed``). Several candidates are ambiguous, and a name without address matches only
    exactly (one name may designate machines at several addresses): the incoming asset then stays
    apart. Findings are identified by :class:`FindingKey`; merging the same parsed import twice changes
    nothing.
    """
    index = _AssetIndex(current.assets)
    known_before = set(index.assets)
    forward: dict[AssetKey, AssetKey] = {}
    touched: dict[AssetKey, None] = {}

    def follow(key: AssetKey) -> AssetKey:
        while key in forward:
            key = forward[key]
        return key

    def absorb(asset: Asset) -> AssetKey:
        known_key = index.match(asset.key)
        if known_key is None:
            asset = replace(asset, services=_merge_services((), asset.services))
            index.put(asset)
            touched[asset.key] = None
            return asset.key
        known = index.assets[known_key]
        merged = _merge_asset(known, asset)
        if merged != known:
            index.remove(known_key)
            index.put(merged)
            if merged.key != known_key:
                forward[known_key] = merged.key
                touched.pop(known_key, None)
            touched[merged.key] = None
        return merged.key

    # Complete keys first, so that a partial key meets every asset it could designate.
    ordered = sorted(assets, key=lambda asset: not (asset.address and asset.hostname))
    resolved = {asset.key: absorb(asset) for asset in ordered}

    merged_findings: dict[FindingKey, Finding] = {}
    for finding in current.findings:
        moved = _on_asset(finding, follow(finding.asset))
        merged_findings[moved.key] = moved
    findings_added: dict[FindingKey, None] = {}
    findings_updated: dict[FindingKey, None] = {}
    for finding in findings:
        asset_key = follow(resolved.get(finding.asset, finding.asset))
        if asset_key not in index.assets:
            asset_key = absorb(Asset(hostname=asset_key.hostname, address=asset_key.address))
        moved = _on_asset(finding, asset_key)
        previous = merged_findings.get(moved.key)
        if previous is None:
            merged_findings[moved.key] = moved
            findings_added[moved.key] = None
        else:
            combined = _merge_finding(previous, moved, asset_key)
            if combined != previous:
                merged_findings[moved.key] = combined
                if moved.key not in findings_added:
                    findings_updated[moved.key] = None

    backward = {new: old for old, new in forward.items()}

    def origin(key: AssetKey) -> AssetKey:
        while key in backward:
            key = backward[key]
        return key

    exposure = Exposure(
        tuple(sorted(index.assets.values(), key=lambda asset: asset.key)),
        tuple(sorted(merged_findings.values(), key=lambda finding: finding.key)),
    )
    return MergeOutcome(
        exposure=exposure,
        assets_added=tuple(key for key in touched if origin(key) not in known_before),
        assets_updated=tuple(key for key in touched if origin(key) in known_before),
        findings_added=tuple(findings_added),
        findings_updated=tuple(findings_updated),
        renamed=tuple(
            (origin(key), key) for key in touched if origin(key) in known_before and origin(key) != key
        ),
    )
