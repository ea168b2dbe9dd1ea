"""JSON routes of claims: list (in scope, of a GHT, of a policy), declare, read, complete, loss items,
evidence files, and the underwriter's decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from cyber360.assess.evidence_service import EvidenceStore
from cyber360.assess.uploads import ApiUpload, file_attachment, multipart_body
from cyber360.core.db import MAX_ROW_ID
from cyber360.core.errors import FieldError
from cyber360.core.web import CurrentUser, SettingsDep, UowDep, request_locale
from cyber360.cover import claim_decisions, claim_documents, claim_service
from cyber360.cover.claim_model import (
    ClaimCreate,
    ClaimDecision,
    ClaimEvidencePublic,
    ClaimItemCreate,
    ClaimPublic,
    ClaimSummary,
    ClaimUpdate,
    TransitionName,
)
from cyber360.crisis.clock import IdPath, Now

router = APIRouter(prefix="/api/v1", tags=["claims"])
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]


def evidence_store(settings: SettingsDep) -> EvidenceStore:
    return claim_documents.evidence_store(settings.data_dir, settings.upload_max_bytes)


def optional_id(value: str, field: str) -> int | None:
    """An id typed in a form field: empty is none; anything but a row id is refused, naming the field."""
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ROW_ID:
        raise FieldError(field, "error.unknown_id")
    return int(text)


@router.get("/claims", response_model=list[ClaimSummary])
def api_list_claims(
    principal: CurrentUser, uow: UowDep, ght_id: IdQuery = None, policy_id: IdQuery = None
) -> list[ClaimSummary]:
    """The claims in the reader's scope (optionally of one GHT or one policy)."""
    return claim_service.list_claims(uow, principal, ght_id=ght_id, policy_id=policy_id)


@router.get("/ghts/{ght_id}/claims", response_model=list[ClaimSummary])
def api_ght_claims(ght_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[ClaimSummary]:
    return claim_service.claims_of_ght(uow, principal, ght_id)


@router.get("/policies/{policy_id}/claims", response_model=list[ClaimSummary])
def api_policy_claims(policy_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[ClaimSummary]:
    return claim_service.claims_of_policy(uow, principal, policy_id)


@router.post("/claims", response_model=ClaimPublic, status_code=status.HTTP_201_CREATED)
def api_declare_claim(
    body: ClaimCreate, request: Request, principal: CurrentUser, uow: UowDep, now: Now
) -> ClaimPublic:
    """Declare a claim alone, or from an incident (``incident_id``: establishment, title, ``learned_at`` and
    the complaint's time default to the incident's detection and its ``insurance_complaint`` clock)."""
    return claim_service.declare(uow, principal, body, now=now, language=request_locale(request))


@router.get("/claims/{claim_id}", response_model=ClaimPublic)
def api_get_claim(claim_id: IdPath, request: Request, principal: CurrentUser, uow: UowDep) -> ClaimPublic:
    """The claim with its items, files, and the proposed indemnity explained line by line."""
    return claim_service.get_claim(uow, principal, claim_id, language=request_locale(request))


@router.patch("/claims/{claim_id}", response_model=ClaimPublic)
def api_update_claim(
    claim_id: IdPath, body: ClaimUpdate, request: Request, principal: CurrentUser, uow: UowDep, now: Now
) -> ClaimPublic:
    """Complete the facts (complaint, degraded-mode days...) while declared or under review."""
    return claim_service.update_claim(
        uow, principal, claim_id, body, now=now, language=request_locale(request)
    )


@router.post("/claims/{claim_id}/items", response_model=ClaimPublic, status_code=status.HTTP_201_CREATED)
def api_add_item(
    claim_id: IdPath, body: ClaimItemCreate, request: Request, principal: CurrentUser, uow: UowDep
) -> ClaimPublic:
    return claim_documents.add_item(uow, principal, claim_id, body, language=request_locale(request))


@router.delete("/claims/{claim_id}/items/{item_id}", response_model=ClaimPublic)
def api_remove_item(
    claim_id: IdPath, item_id: IdPath, request: Request, principal: CurrentUser, uow: UowDep
) -> ClaimPublic:
    return claim_documents.remove_item(uow, principal, claim_id, item_id, language=request_locale(request))


@router.post(
    "/claims/{claim_id}/evidence",
    response_model=ClaimEvidencePublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=multipart_body("item_id"),
)
def api_add_evidence(
    claim_id: IdPath, upload: ApiUpload, principal: CurrentUser, uow: UowDep, settings: SettingsDep
) -> ClaimEvidencePublic:
    """Attach a file (PDF, PNG, JPEG, text, CSV, DOCX, XLSX) to the claim, optionally to one of its items."""
    item_id = optional_id(upload.fields.get("item_id", ""), "item_id")
    return claim_documents.add_evidence(
        uow, principal, evidence_store(settings), claim_id, upload.filename, upload.require(), item_id=item_id
    )


@router.get("/claims/{claim_id}/evidence/{evidence_id}", response_class=Response)
def api_download_evidence(
    claim_id: IdPath, evidence_id: IdPath, principal: CurrentUser, uow: UowDep, settings: SettingsDep
) -> Response:
    download = claim_documents.open_evidence(uow, principal, evidence_store(settings), claim_id, evidence_id)
    return file_attachment(download.path, download.filename, download.content_type)


@router.post("/claims/{claim_id}/transitions/{transition}", response_model=ClaimPublic)
def api_decide(
    claim_id: IdPath,
    transition: TransitionName,
    body: ClaimDecision,
    request: Request,
    principal: CurrentUser,
    uow: UowDep,
    now: Now,
) -> ClaimPublic:
    """The underwriter's decision: ``review``, ``accept``, ``pay`` (``paid_eur``, the proposed indemnity by
    default) or ``refuse`` (with a ``note``)."""
    return claim_decisions.decide(
        uow, principal, claim_id, transition, body, now=now, language=request_locale(request)
    )
