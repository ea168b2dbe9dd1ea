"""JSON routes of the technical exposure: scan imports, assets, findings, the exposure summary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cyber360.assess import exposure_service, exposure_views
from cyber360.assess.api import IdPath
from cyber360.assess.schemas import (
    AssetDetail,
    AssetPublic,
    ExposureSummaryPublic,
    FindingPublic,
    ScanImportPublic,
)
from cyber360.assess.uploads import ApiUpload, multipart_body
from cyber360.core.web import CurrentUser, SettingsDep, UowDep

router = APIRouter(prefix="/api/v1", tags=["exposure"])


@router.post(
    "/establishments/{establishment_id}/scans",
    response_model=ScanImportPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=multipart_body(),
)
def api_import_scan(
    establishment_id: IdPath, upload: ApiUpload, principal: CurrentUser, uow: UowDep, settings: SettingsDep
) -> ScanImportPublic:
    """Import an Nmap XML, OpenVAS/Greenbone XML, Nessus (.nessus) or CSV inventory file (multipart ``file``),
    merged into the establishment's assets and findings. A refused file (422, or 413 when too large) names
    the reason in French with a stable code, and stores nothing."""
    return exposure_service.import_scan(
        uow,
        principal,
        establishment_id,
        upload.filename,
        upload.require(),
        max_bytes=settings.upload_max_bytes,
    )


@router.get("/establishments/{establishment_id}/scans", response_model=list[ScanImportPublic])
def api_list_scans(establishment_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[ScanImportPublic]:
    return exposure_service.list_imports(uow, principal, establishment_id)


@router.get("/establishments/{establishment_id}/assets", response_model=list[AssetPublic])
def api_list_assets(establishment_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[AssetPublic]:
    return exposure_views.list_assets(uow, principal, establishment_id)


@router.get("/establishments/{establishment_id}/exposure", response_model=ExposureSummaryPublic)
def api_exposure(
    establishment_id: IdPath,
    principal: CurrentUser,
    uow: UowDep,
    epss_threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
) -> ExposureSummaryPublic:
    """What to fix first: internet-exposed services, KEV findings, high-EPSS findings (at or above
    ``epss_threshold``, 0.1 by default) and medical devices with known vulnerabilities."""
    return exposure_views.exposure_summary(uow, principal, establishment_id, epss_threshold=epss_threshold)


@router.get("/assets/{asset_id}", response_model=AssetDetail)
def api_get_asset(asset_id: IdPath, principal: CurrentUser, uow: UowDep) -> AssetDetail:
    return exposure_views.get_asset(uow, principal, asset_id)


@router.get("/findings/{finding_id}", response_model=FindingPublic)
def api_get_finding(finding_id: IdPath, principal: CurrentUser, uow: UowDep) -> FindingPublic:
    return exposure_views.get_finding(uow, principal, finding_id)
