"""Technical exposure use cases: import a scan into an establishment's assets and findings, read them, and
summarise what to fix first (internet-exposed services, KEV and high-EPSS findings, vulnerable medical
devices). A refused file stores nothing: no asset, no finding, no import row, no audit record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from sqlalchemy import select

from cyber360.assess import access
from cyber360.assess.errors import Issue, Refused
from cyber360.assess.exposure import (
    Asset,
    AssetKey,
    AssetKind,
    Exposure,
    Finding,
    FindingKey,
    Service,
    Severity,
    merge_exposure,
)
from cyber360.assess.parsers import ScanParseError, parse_scan
from cyber360.assess.parsers.base import DEFAULT_MAX_BYTES
from cyber360.assess.schemas import (
    ScanImportPublic,
    WarningPublic,
)
from cyber360.assess.tables import AssetRow, FindingRow, ScanImportRow
from cyber360.core.db import utcnow
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork

_CHUNK = 500


def _services(row: AssetRow) -> tuple[Service, ...]:
    return tuple(Service(**item) for item in json.loads(row.services or "[]"))


def _asset(row: AssetRow) -> Asset:
    return Asset(
        hostname=row.hostname,
        address=row.address,
        kind=AssetKind(row.kind),
        os=row.os,
        is_medical_device=row.is_medical_device,
        internet_exposed=row.internet_exposed,
        services=_services(row),
    )


def _finding(row: FindingRow, key: AssetKey) -> Finding:
    return Finding(
        asset=key,
        title=row.title,
        severity=Severity(row.severity),
        source=row.source,
        source_id=row.source_id,
        cve=row.cve,
        cvss_score=row.cvss_score,
        cvss_version=row.cvss_version,
        port=None if row.port < 0 else row.port,
        protocol=row.protocol,
    )


class StoredExposure:
    """An establishment's stored exposure: the rows by domain key, and the domain objects."""

    def __init__(self, uow: UnitOfWork, establishment_id: int) -> None:
        session = uow.session
        self.assets: dict[AssetKey, AssetRow] = {}
        for asset in session.execute(
            select(AssetRow).where(AssetRow.establishment_id == establishment_id)
        ).scalars():
            self.assets[AssetKey(asset.address, asset.hostname)] = asset
        keys = {asset.id: key for key, asset in self.assets.items()}
        self.findings: dict[FindingKey, FindingRow] = {}
        self.domain_findings: list[Finding] = []
        for row in session.execute(
            select(FindingRow).where(FindingRow.establishment_id == establishment_id)
        ).scalars():
            finding = _finding(row, keys[row.asset_id])
            self.findings[finding.key] = row
            self.domain_findings.append(finding)

    def exposure(self) -> Exposure:
        return Exposure(tuple(_asset(row) for row in self.assets.values()), tuple(self.domain_findings))


def _services_json(services: Iterable[Service]) -> str:
    return json.dumps(
        [
            {
                "port": s.port,
                "protocol": s.protocol,
                "name": s.name,
                "product": s.product,
                "version": s.version,
            }
            for s in services
        ]
    )


def _set_asset(row: AssetRow, asset: Asset) -> None:
    row.address, row.hostname = asset.address, asset.hostname
    row.kind, row.os = asset.kind.value, asset.os[:200]
    row.is_medical_device, row.internet_exposed = asset.is_medical_device, asset.internet_exposed
    row.services = _services_json(asset.services)


def _set_finding(row: FindingRow, finding: Finding) -> None:
    key = finding.key
    row.protocol, row.port, row.reference = key.protocol, key.port, key.reference[:120]
    row.cve, row.title, row.severity = finding.cve, finding.title[:300], finding.severity.value
    row.source, row.source_id = finding.source[:20], finding.source_id[:100]
    row.cvss_score, row.cvss_version = finding.cvss_score, finding.cvss_version[:10]


def import_scan(
    uow: UnitOfWork,
    principal: Principal,
    establishment_id: int,
    filename: str,
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ScanImportPublic:
    """Parse a scan report or inventory and merge it into the establishment's exposure."""
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    access.require_write(principal, establishment.ght_id, establishment.id, "scan.import")
    try:
        result = parse_scan(data, filename, max_bytes=max_bytes)
    except ScanParseError as error:
        status = 413 if error.code == "file_too_large" else 422
        raise Refused([Issue("file", error.code, error.message)], status_code=status) from None
    stored = StoredExposure(uow, establishment.id)
    outcome = merge_exposure(stored.exposure(), result.assets, result.findings)
    now = utcnow()
    for old, new in outcome.renamed:
        stored.assets[new] = stored.assets.pop(old)
    merged_assets = {asset.key: asset for asset in outcome.exposure.assets}
    for asset_key in outcome.assets_added:
        new_asset = AssetRow(
            establishment_id=establishment.id, ght_id=establishment.ght_id, first_seen_at=now
        )
        stored.assets[asset_key] = new_asset
        uow.session.add(new_asset)
    for asset_key in (*outcome.assets_added, *outcome.assets_updated):
        _set_asset(stored.assets[asset_key], merged_assets[asset_key])
        stored.assets[asset_key].last_seen_at = now
    uow.session.flush()
    merged_findings = {finding.key: finding for finding in outcome.exposure.findings}
    existing = {
        (row.asset_id, row.protocol, row.port, row.reference): row for row in stored.findings.values()
    }
    for key in outcome.findings_added:
        row = FindingRow(
            establishment_id=establishment.id,
            ght_id=establishment.ght_id,
            asset_id=stored.assets[key.asset].id,
            first_seen_at=now,
        )
        uow.session.add(row)
        existing[(row.asset_id, key.protocol, key.port, key.reference[:120])] = row
    for key in (*outcome.findings_added, *outcome.findings_updated):
        row = existing[(stored.assets[key.asset].id, key.protocol, key.port, key.reference[:120])]
        _set_finding(row, merged_findings[key])
        row.last_seen_at = now
    record = ScanImportRow(
        establishment_id=establishment.id,
        ght_id=establishment.ght_id,
        filename=_shown_name(filename),
        format=result.format.value,
        sha256=hashlib.sha256(data).hexdigest(),
        asset_count=len(result.assets),
        finding_count=len(result.findings),
        assets_added=len(outcome.assets_added),
        assets_updated=len(outcome.assets_updated),
        findings_added=len(outcome.findings_added),
        findings_updated=len(outcome.findings_updated),
        warnings=json.dumps(
            [{"code": w.code, "message": w.message} for w in result.warnings], ensure_ascii=False
        ),
        imported_by_user_id=principal.user_id,
        imported_at=now,
    )
    uow.session.add(record)
    uow.session.flush()
    counts = {
        name: getattr(record, name)
        for name in (
            "asset_count",
            "finding_count",
            "assets_added",
            "assets_updated",
            "findings_added",
            "findings_updated",
        )
    }
    uow.audit(
        principal,
        "scan.imported",
        object_type="scan_import",
        object_id=record.id,
        ght_id=establishment.ght_id,
        after={
            "establishment_id": establishment.id,
            "filename": record.filename,
            "format": record.format,
            "sha256": record.sha256,
            **counts,
        },
    )
    uow.commit()
    return _import_public(record)


def _shown_name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(char for char in name if char.isprintable())[:255] or "scan"


def _import_public(row: ScanImportRow) -> ScanImportPublic:
    return ScanImportPublic(
        id=row.id,
        establishment_id=row.establishment_id,
        filename=row.filename,
        format=row.format,
        asset_count=row.asset_count,
        finding_count=row.finding_count,
        assets_added=row.assets_added,
        assets_updated=row.assets_updated,
        findings_added=row.findings_added,
        findings_updated=row.findings_updated,
        warnings=[WarningPublic(**item) for item in json.loads(row.warnings or "[]")],
        imported_at=row.imported_at,
    )


def list_imports(uow: UnitOfWork, principal: Principal, establishment_id: int) -> list[ScanImportPublic]:
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    rows = uow.session.execute(
        select(ScanImportRow)
        .where(ScanImportRow.establishment_id == establishment.id)
        .order_by(ScanImportRow.imported_at.desc(), ScanImportRow.id.desc())
    ).scalars()
    return [_import_public(row) for row in rows]
