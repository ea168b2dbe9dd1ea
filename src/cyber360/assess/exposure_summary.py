"""The exposure summary of an establishment: what to fix first.

Attackers of hospitals use what is reachable from the internet and vulnerabilities already exploited in
the wild. The summary lists the services of internet-exposed assets, the findings whose CVE is in the CISA
Known Exploited Vulnerabilities catalogue (KEV), the findings whose CVE has a high EPSS probability of
exploitation (FIRST), and the medical devices with known vulnerabilities.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from cyber360.assess.exposure import Asset, AssetKey, Exposure, Finding, FindingKey, Service

#: EPSS probability at or above which a finding is "high EPSS". An assumption: 0.1 (a 10 % chance of
#: exploitation activity in the next 30 days) is the example threshold FIRST discusses in its EPSS user
#: guide as a balance between coverage and efficiency; each caller may pass its own.
DEFAULT_EPSS_THRESHOLD = 0.1


@dataclass(frozen=True, slots=True)
class ExposedService:
    """A service offered by an asset reachable from the internet."""

    asset: AssetKey
    service: Service


@dataclass(frozen=True, slots=True)
class ScoredFinding:
    """A finding with the EPSS probability of its CVE being exploited in the next 30 days."""

    finding: Finding
    epss: float


@dataclass(frozen=True, slots=True)
class VulnerableMedicalDevice:
    asset: Asset
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class ExposureSummary:
    """What to fix first in an establishment's technical exposure."""

    asset_count: int
    finding_count: int
    epss_threshold: float
    internet_exposed_services: tuple[ExposedService, ...]
    kev_findings: tuple[Finding, ...]
    high_epss_findings: tuple[ScoredFinding, ...]
    vulnerable_medical_devices: tuple[VulnerableMedicalDevice, ...]


def _by_severity(finding: Finding) -> tuple[int, float, FindingKey]:
    return (-finding.severity.rank, -(finding.cvss_score or 0.0), finding.key)


def summarize_exposure(
    exposure: Exposure,
    *,
    kev_cves: Collection[str] = frozenset(),
    epss: Mapping[str, float] | None = None,
    epss_threshold: float = DEFAULT_EPSS_THRESHOLD,
) -> ExposureSummary:
    """The exposure summary of an establishment.

    ``kev_cves`` holds the CVE identifiers of the KEV catalogue (or of the part of it that matters) and
    ``epss`` the EPSS probability of each CVE; a finding is "high EPSS" when its probability is at least
    ``epss_threshold``. Lists come most severe (or most probable) first.
    """
    if not 0.0 <= epss_threshold <= 1.0:
        raise ValueError(f"EPSS threshold must lie between 0 and 1, not {epss_threshold}")
    scores = epss or {}
    exposed = tuple(
        ExposedService(asset.key, service)
        for asset in sorted(exposure.assets, key=lambda asset: asset.key)
        if asset.internet_exposed
        for service in asset.services
    )
    with_cve = [finding for finding in exposure.findings if finding.cve]
    kev = tuple(sorted((finding for finding in with_cve if finding.cve in kev_cves), key=_by_severity))
    probable = [
        ScoredFinding(finding, scores[finding.cve])
        for finding in with_cve
        if finding.cve in scores and scores[finding.cve] >= epss_threshold
    ]
    probable.sort(key=lambda scored: (-scored.epss, _by_severity(scored.finding)))
    vulnerable: dict[AssetKey, list[Finding]] = {}
    for finding in exposure.findings:
        if finding.is_vulnerability:
            vulnerable.setdefault(finding.asset, []).append(finding)
    devices = tuple(
        VulnerableMedicalDevice(asset, tuple(sorted(vulnerable[asset.key], key=_by_severity)))
        for asset in sorted(exposure.assets, key=lambda asset: asset.key)
        if asset.is_medical_device and asset.key in vulnerable
    )
    return ExposureSummary(
        asset_count=len(exposure.assets),
        finding_count=len(exposure.findings),
        epss_threshold=epss_threshold,
        internet_exposed_services=exposed,
        kev_findings=kev,
        high_epss_findings=tuple(probable),
        vulnerable_medical_devices=devices,
    )
