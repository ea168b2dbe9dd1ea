"""HTML pages of claims: the list (with the incidents a claim may be declared from), the declaration form,
and a claim's page (facts, loss items, evidence files, the indemnity explained line by line, decisions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from cyber360.assess.errors import Refused
from cyber360.assess.uploads import PageUpload, file_attachment, refusal_messages
from cyber360.core import i18n
from cyber360.core.db import MAX_ROW_ID
from cyber360.core.errors import DomainError
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, SettingsDep, UowDep, render, request_locale
from cyber360.cover import claim_decisions, claim_documents, claim_forms, claim_service, claim_views
from cyber360.cover.claim_api import evidence_store, optional_id
from cyber360.cover.claim_model import (
    ClaimCreate,
    ClaimDecision,
    ClaimItemCreate,
    ClaimUpdate,
    TransitionName,
)
from cyber360.crisis import clocks
from cyber360.crisis.clock import IdPath, Now
from cyber360.crisis.page_support import FormFields, errors_of, paris_input_value, paris_wall_clock, see_other
from cyber360.org.page_support import format_date, refused_outright

router = APIRouter()


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    language: Literal["fr", "en"] = "en" if request_locale(request) == "en" else "fr"
    full: dict[str, Any] = {
        "state_labels": claim_views.STATE_LABELS,
        "transition_labels": claim_views.TRANSITION_LABELS,
        "section_labels": claim_views.SECTION_LABELS,
        "format_paris": lambda instant: clocks.format_paris(instant, language) if instant else "—",
        "format_day": lambda text: format_date(date.fromisoformat(text), language),
        "errors": {},
        "values": {},
        "saved": request.query_params.get("saved", "")[:40],
        **context,
    }
    return render(request, template, full, status_code=status_code)


def _errors(uow: UnitOfWork, request: Request, error: ValidationError | DomainError) -> dict[str, str]:
    if isinstance(error, Refused):
        uow.rollback()
        return refusal_messages(error, request_locale(request))
    return errors_of(uow, request, error)


def _blank(fields: dict[str, str], name: str) -> str | None:
    return fields.get(name, "").strip() or None


def _instant(fields: dict[str, str], name: str) -> Any:
    value = _blank(fields, name)
    return paris_wall_clock(value) if value else None


def _number(fields: dict[str, str], name: str) -> str | None:
    value = _blank(fields, name)
    return (
        value.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".") if value else None
    )


# List and declaration ---------------------------------------------------------------------------------------


@router.get("/claims")
def claims_list(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    context = {
        "claims": claim_service.list_claims(uow, principal),
        "can_declare": bool(claim_forms.claimable_policies(uow, principal)),
        "incidents": claim_forms.declarable_incidents(uow, principal),
    }
    return _page(request, "cover/claim_list.html", context)


def _new_page(
    request: Request,
    uow: UnitOfWork,
    principal: Principal,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    policies = claim_forms.claimable_policies(uow, principal)
    ghts = {policy.ght_id for policy in policies}
    context = {
        "policies": policies,
        "establishments": claim_forms.declarable_establishments(uow, principal, ghts),
        "ght_wide": any(claim_forms.may_declare_ght_wide(principal, ght) for ght in ghts),
        "values": values,
        "errors": errors or {},
    }
    return _page(request, "cover/claim_new.html", context, status_code)


@router.get("/claims/new")
def claim_new(
    request: Request,
    principal: PageUser,
    uow: UowDep,
    incident_id: int | None = Query(default=None, ge=1, le=MAX_ROW_ID),
) -> HTMLResponse:
    values: dict[str, Any] = {}
    if incident_id is not None:
        prefill = claim_forms.incident_prefill(uow, principal, incident_id)
        values = {key: value for key, value in prefill.items() if value is not None}
        for name in ("learned_at", "complaint_filed_at"):
            if name in values:
                values[name] = paris_input_value(values[name])
    policies = claim_forms.claimable_policies(uow, principal)
    chosen = [policy for policy in policies if values.get("ght_id") in {None, policy.ght_id}]
    if chosen:
        values.setdefault("policy_id", chosen[0].id)
    return _new_page(request, uow, principal, values)


@router.post("/claims/new")
def claim_declare(
    request: Request, principal: PageWriter, uow: UowDep, fields: FormFields, now: Now
) -> Response:
    try:
        command = ClaimCreate.model_validate(
            {
                "policy_id": fields.get("policy_id"),
                "establishment_id": _blank(fields, "establishment_id"),
                "incident_id": _blank(fields, "incident_id"),
                "title": fields.get("title", ""),
                "learned_at": _instant(fields, "learned_at"),
                "complaint_filed_at": _instant(fields, "complaint_filed_at"),
                "complaint_reference": fields.get("complaint_reference", ""),
                "degraded_days": _number(fields, "degraded_days"),
                "systemic": fields.get("systemic") == "yes",
            }
        )
        claim = claim_service.declare(uow, principal, command, now=now, language=request_locale(request))
    except (ValidationError, DomainError) as error:
        if refused_outright(error):
            raise
        errors = _errors(uow, request, error)
        return _new_page(request, uow, principal, dict(fields), errors, 422)
    return see_other(f"/claims/{claim.id}?saved=declared")


# A claim ----------------------------------------------------------------------------------------------------


def _claim_page(
    request: Request,
    principal: Principal,
    uow: UnitOfWork,
    claim_id: int,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    claim = claim_service.get_claim(uow, principal, claim_id, language=request_locale(request))
    translate = i18n.translator(request_locale(request))
    context = {
        "claim": claim,
        "section_options": [(name, translate(claim_views.SECTION_LABELS[name])) for name in claim.sections],
        "facts": {
            "complaint_filed_at": paris_input_value(claim.complaint_filed_at)
            if claim.complaint_filed_at
            else "",
            "complaint_reference": claim.complaint_reference,
            "degraded_days": "" if claim.degraded_days is None else claim.degraded_days,
        },
        **extra,
    }
    return _page(request, "cover/claim_detail.html", context, status_code)


@router.get("/claims/{claim_id}")
def claim_detail(request: Request, claim_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _claim_page(request, principal, uow, claim_id)


def _act(
    request: Request,
    principal: Principal,
    uow: UnitOfWork,
    claim_id: int,
    form: str,
    fields: dict[str, str],
    action: Callable[[], Any],
) -> Response:
    try:
        action()
    except (ValidationError, DomainError) as error:
        if refused_outright(error):
            raise
        errors = _errors(uow, request, error)
        return _claim_page(request, principal, uow, claim_id, 422, form=form, errors=errors, values=fields)
    return see_other(f"/claims/{claim_id}?saved={form}#{form}")


@router.post("/claims/{claim_id}/facts")
def claim_facts(
    request: Request, claim_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields, now: Now
) -> Response:
    def action() -> Any:
        command = ClaimUpdate.model_validate(
            {
                "complaint_filed_at": _instant(fields, "complaint_filed_at"),
                "complaint_reference": fields.get("complaint_reference", ""),
                "degraded_days": _number(fields, "degraded_days"),
                "systemic": fields.get("systemic") == "yes",
            }
        )
        return claim_service.update_claim(uow, principal, claim_id, command, now=now)

    return _act(request, principal, uow, claim_id, "facts", fields, action)


@router.post("/claims/{claim_id}/items")
def claim_add_item(
    request: Request, claim_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    def action() -> Any:
        command = ClaimItemCreate.model_validate(
            {
                "section": fields.get("section", ""),
                "description": fields.get("description", ""),
                "amount_eur": _number(fields, "amount_eur"),
                "evidence": fields.get("evidence", ""),
            }
        )
        return claim_documents.add_item(uow, principal, claim_id, command)

    return _act(request, principal, uow, claim_id, "items", fields, action)


@router.post("/claims/{claim_id}/items/{item_id}/delete")
def claim_remove_item(
    request: Request, claim_id: IdPath, item_id: IdPath, principal: PageWriter, uow: UowDep
) -> Response:
    claim_documents.remove_item(uow, principal, claim_id, item_id)
    return see_other(f"/claims/{claim_id}?saved=item_removed#items")


@router.post("/claims/{claim_id}/evidence")
def claim_add_evidence(
    request: Request,
    claim_id: IdPath,
    upload: PageUpload,
    principal: PageUser,
    uow: UowDep,
    settings: SettingsDep,
) -> Response:
    """A file for the claim (the upload dependency checked the form's CSRF token after reading the body)."""

    def action() -> Any:
        item_id = optional_id(upload.fields.get("item_id", ""), "item_id")
        store = evidence_store(settings)
        claim_documents.check_upload(uow, principal, claim_id, item_id)  # out of scope: 404 before the file
        data = upload.require()
        return claim_documents.add_evidence(
            uow, principal, store, claim_id, upload.filename, data, item_id=item_id
        )

    return _act(request, principal, uow, claim_id, "evidence", upload.fields, action)


@router.get("/claims/{claim_id}/evidence/{evidence_id}")
def claim_download_evidence(
    claim_id: IdPath, evidence_id: IdPath, principal: PageUser, uow: UowDep, settings: SettingsDep
) -> Response:
    download = claim_documents.open_evidence(uow, principal, evidence_store(settings), claim_id, evidence_id)
    return file_attachment(download.path, download.filename, download.content_type)


@router.post("/claims/{claim_id}/transitions/{transition}")
def claim_decide(
    request: Request,
    claim_id: IdPath,
    transition: TransitionName,
    principal: PageWriter,
    uow: UowDep,
    fields: FormFields,
    now: Now,
) -> Response:
    def action() -> Any:
        paid = _number(fields, "paid_eur") if transition == "pay" else None
        command = ClaimDecision.model_validate({"note": fields.get("note", ""), "paid_eur": paid})
        return claim_decisions.decide(uow, principal, claim_id, transition, command, now=now)

    return _act(request, principal, uow, claim_id, "decision", fields, action)
