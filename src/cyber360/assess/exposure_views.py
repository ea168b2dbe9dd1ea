"""Reading an establishment's technical exposure: assets, findings (with KEV and EPSS), and the summary of
what to fix first (internet-exposed services, KEV and high-EPSS findings, vulnerable medical devices)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from cyber360.assess import access
from cyber360.assess.exposure import AssetKey, Finding
from cyber360.assess.exposure_service import StoredExposure
from cyber360.assess.exposure_summary import summarize_exposure
from cyber360.assess.schemas import (
    AssetDetail,
    AssetPublic,
    ExposedServicePublic,
    ExposureSummaryPublic,
    FeedInfo,
    FindingPublic,
    MedicalDevicePublic,
    ServicePublic,
)
from cyber360.assess.tables import AssetRow, EpssRow, FeedStatusRow, FindingRow, KevRow
from cyber360.core.scope import Principal
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork

_CHUNK = 500


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _intel(uow: UnitOfWork, cves: Iterable[str]) -> tuple[dict[str, bool], dict[str, float]]:
    """KEV membership (with known ransomware use) and EPSS probability of the given CVEs."""
    wanted = sorted({cve for cve in cves if cve})
    kev: dict[str, bool] = {}
    epss: dict[str, float] = {}
    for chunk in _chunks(wanted):
        for cve, ransomware in uow.session.execute(
            select(KevRow.cve_id, KevRow.known_ransomware_campaign_use).where(KevRow.cve_id.in_(chunk))
        ):
            kev[cve] = bool(ransomware)
        for cve, score in uow.session.execute(
            select(EpssRow.cve, EpssRow.epss).where(EpssRow.cve.in_(chunk))
        ):
            epss[cve] = float(score)
    return kev, epss


def _label(row: AssetRow) -> str:
    return AssetKey(row.address, row.hostname).label()


def _asset_public(row: AssetRow, finding_count: int) -> AssetPublic:
    return AssetPublic(
        id=row.id,
        establishment_id=row.establishment_id,
        label=_label(row),
        address=row.address,
        hostname=row.hostname,
        kind=row.kind,
        os=row.os,
        is_medical_device=row.is_medical_device,
        internet_exposed=row.internet_exposed,
        services=[ServicePublic(**item) for item in json.loads(row.services or "[]")],
        finding_count=finding_count,
    )


def _finding_public(
    row: FindingRow, asset: AssetRow, kev: dict[str, bool], epss: dict[str, float]
) -> FindingPublic:
    return FindingPublic(
        id=row.id,
        asset_id=row.asset_id,
        establishment_id=row.establishment_id,
        asset_label=_label(asset),
        cve=row.cve,
        title=row.title,
        severity=row.severity,
        cvss_score=row.cvss_score,
        port=None if row.port < 0 else row.port,
        protocol=row.protocol,
        source=row.source,
        in_kev=row.cve in kev,
        known_ransomware_use=kev.get(row.cve, False),
        epss=epss.get(row.cve),
    )


def asset_row(uow: UnitOfWork, principal: Principal, asset_id: int) -> AssetRow:
    clause = access.read_clause(principal, AssetRow.establishment_id, AssetRow.ght_id)
    return get_in_scope(uow, principal, AssetRow, asset_id, clause, object_type="asset")


def finding_row(uow: UnitOfWork, principal: Principal, finding_id: int) -> FindingRow:
    clause = access.read_clause(principal, FindingRow.establishment_id, FindingRow.ght_id)
    return get_in_scope(uow, principal, FindingRow, finding_id, clause, object_type="finding")


def list_assets(uow: UnitOfWork, principal: Principal, establishment_id: int) -> list[AssetPublic]:
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    counts = dict(
        uow.session.execute(
            select(FindingRow.asset_id, func.count(FindingRow.id))
            .where(FindingRow.establishment_id == establishment.id)
            .group_by(FindingRow.asset_id)
        ).all()
    )
    rows = uow.session.execute(
        select(AssetRow)
        .where(AssetRow.establishment_id == establishment.id)
        .order_by(AssetRow.address, AssetRow.hostname)
    ).scalars()
    return [_asset_public(row, counts.get(row.id, 0)) for row in rows]


def get_asset(uow: UnitOfWork, principal: Principal, asset_id: int) -> AssetDetail:
    row = asset_row(uow, principal, asset_id)
    findings = list(
        uow.session.execute(
            select(FindingRow).where(FindingRow.asset_id == row.id).order_by(FindingRow.id)
        ).scalars()
    )
    kev, epss = _intel(uow, (finding.cve for finding in findings))
    return AssetDetail(
        **_asset_public(row, len(findings)).model_dump(),
        findings=[_finding_public(finding, row, kev, epss) for finding in findings],
    )


def get_finding(uow: UnitOfWork, principal: Principal, finding_id: int) -> FindingPublic:
    row = finding_row(uow, principal, finding_id)
    asset = uow.session.get(AssetRow, row.asset_id)
    assert asset is not None
    kev, epss = _intel(uow, [row.cve])
    return _finding_public(row, asset, kev, epss)


def feed_status(uow: UnitOfWork) -> list[FeedInfo]:
    rows = uow.session.execute(select(FeedStatusRow).order_by(FeedStatusRow.name)).scalars()
    return [FeedInfo.model_validate(row, from_attributes=True) for row in rows]


def exposure_summary(
    uow: UnitOfWork, principal: Principal, establishment_id: int, *, epss_threshold: float | None = None
) -> ExposureSummaryPublic:
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    stored = StoredExposure(uow, establishment.id)
    exposure = stored.exposure()
    kev, epss = _intel(uow, (finding.cve for finding in exposure.findings))
    options: dict[str, Any] = {} if epss_threshold is None else {"epss_threshold": epss_threshold}
    summary = summarize_exposure(exposure, kev_cves=frozenset(kev), epss=epss, **options)
    counts: dict[int, int] = {}
    for row in stored.findings.values():
        counts[row.asset_id] = counts.get(row.asset_id, 0) + 1

    def finding(item: Finding) -> FindingPublic:
        row = stored.findings[item.key]
        return _finding_public(row, stored.assets[item.asset], kev, epss)

    return ExposureSummaryPublic(
        establishment_id=establishment.id,
        asset_count=summary.asset_count,
        finding_count=summary.finding_count,
        epss_threshold=summary.epss_threshold,
        internet_exposed_services=[
            ExposedServicePublic(
                asset_id=stored.assets[item.asset].id,
                asset_label=item.asset.label(),
                service=ServicePublic(
                    port=item.service.port,
                    protocol=item.service.protocol,
                    name=item.service.name,
                    product=item.service.product,
                    version=item.service.version,
                ),
            )
            for item in summary.internet_exposed_services
        ],
        kev_findings=[finding(item) for item in summary.kev_findings],
        high_epss_findings=[finding(item.finding) for item in summary.high_epss_findings],
        vulnerable_medical_devices=[
            MedicalDevicePublic(
                asset=_asset_public(
                    stored.assets[device.asset.key], counts.get(stored.assets[device.asset.key].id, 0)
                ),
                findings=[finding(item) for item in device.findings],
            )
            for device in summary.vulnerable_medical_devices
        ],
        feeds=feed_status(uow),
    )
