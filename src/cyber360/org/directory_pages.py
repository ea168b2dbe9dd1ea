"""HTML pages of the directory: GHTs (with their grants and subscription) and establishments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from cyber360.core.db import MAX_ROW_ID
from cyber360.core.errors import Conflict, DomainError, FieldError
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, UowDep
from cyber360.org import service, views
from cyber360.org.model import (
    EstablishmentCreate,
    EstablishmentKind,
    EstablishmentUpdate,
    GhtCreate,
    GhtUpdate,
    GrantCreate,
)
from cyber360.org.page_support import (
    FormFields,
    IdPath,
    blank_to_none,
    digits,
    errors_by_field,
    locale_of,
    page,
    see_other,
)

router = APIRouter(include_in_schema=False)

_ESTABLISHMENT_NUMBERS = ("beds", "annual_revenue_eur", "patients_per_year")
_ESTABLISHMENT_FIELDS = ("name", "finess", "kind", *_ESTABLISHMENT_NUMBERS)


def _invalid(request: Request, uow: UnitOfWork, error: ValidationError | DomainError) -> dict[str, str]:
    """The refused change is undone before the form is shown again with the reasons."""
    uow.rollback()
    return errors_by_field(error, locale_of(request))


# GHTs -------------------------------------------------------------------------------------------------------


@router.get("/ghts")
def ght_list(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return page(request, "ghts/list.html", {"ghts": service.list_ghts(uow, principal)})


def _ght_form_values(fields: dict[str, str], *names: str) -> dict[str, Any]:
    values = blank_to_none(fields, *names)
    for name in ("name", "region"):
        if name in values:
            values[name] = values[name] or ""  # an emptied name is refused, not ignored
    return values


@router.get("/ghts/new")
def ght_new(request: Request, principal: PageUser) -> HTMLResponse:
    views.require_create_ght(principal)
    return page(request, "ghts/form.html", {"ght": None, "values": {}})


@router.post("/ghts/new")
def ght_create(request: Request, principal: PageWriter, uow: UowDep, fields: FormFields) -> Response:
    values = _ght_form_values(fields, "name", "region", "member_since")
    try:
        command = GhtCreate(**values, subscribed=fields.get("subscribed") == "yes")
        ght = service.create_ght(uow, principal, command)
    except (ValidationError, FieldError) as error:
        context = {"ght": None, "values": fields, "errors": _invalid(request, uow, error)}
        return page(request, "ghts/form.html", context, status_code=422)
    return see_other(f"/ghts/{ght.id}?saved=created")


def _ght_detail_page(
    request: Request, principal: Principal, uow: UnitOfWork, ght_id: int, **context: Any
) -> HTMLResponse:
    status = int(context.pop("status", 200))
    detail = views.ght_detail(uow, principal, ght_id)
    return page(request, "ghts/detail.html", {"detail": detail, **context}, status_code=status)


@router.get("/ghts/{ght_id}")
def ght_detail(request: Request, ght_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _ght_detail_page(request, principal, uow, ght_id)


@router.get("/ghts/{ght_id}/grants")
def ght_grants(request: Request, ght_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    """The GHT's page, where its grants are listed (the address the grant form posts to)."""
    return _ght_detail_page(request, principal, uow, ght_id)


@router.get("/ghts/{ght_id}/edit")
def ght_edit(request: Request, ght_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    detail = views.ght_for_edit(uow, principal, ght_id)
    values = detail.ght.model_dump(mode="json")
    return page(request, "ghts/form.html", {"ght": detail.ght, "detail": detail, "values": values})


@router.post("/ghts/{ght_id}/edit")
def ght_update(
    request: Request, ght_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values = _ght_form_values(fields, "name", "region", "member_since", "support_establishment_id")
    if values["support_establishment_id"] is None:
        del values["support_establishment_id"]  # no choice offered (no establishment yet): leave it as is
    try:
        service.update_ght(uow, principal, ght_id, GhtUpdate(**values))
    except (ValidationError, FieldError) as error:
        detail = views.ght_for_edit(uow, principal, ght_id)
        context = {
            "ght": detail.ght,
            "detail": detail,
            "values": fields,
            "errors": _invalid(request, uow, error),
        }
        return page(request, "ghts/form.html", context, status_code=422)
    return see_other(f"/ghts/{ght_id}?saved=updated")


@router.post("/ghts/{ght_id}/subscription")
def ght_subscription(
    request: Request, ght_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    """The cooperative records whether the member GHT subscribed to the offer."""
    try:
        service.update_ght(uow, principal, ght_id, GhtUpdate(subscribed=fields.get("subscribed", "")))
    except ValidationError as error:
        return _ght_detail_page(
            request, principal, uow, ght_id, status=422, subscription_errors=_invalid(request, uow, error)
        )
    return see_other(f"/ghts/{ght_id}?saved=subscription")


@router.post("/ghts/{ght_id}/grants")
def grant_create(
    request: Request, ght_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    """The GHT's manager lets its insurer or its security firm see the GHT's data."""
    try:
        command = GrantCreate(ght_id=ght_id, organisation_id=fields.get("organisation_id") or None)
        service.create_grant(uow, principal, command)
    except (ValidationError, FieldError) as error:
        return _ght_detail_page(
            request, principal, uow, ght_id, status=422, grant_errors=_invalid(request, uow, error)
        )
    except Conflict as error:
        errors = _invalid(request, uow, error)
        return _ght_detail_page(request, principal, uow, ght_id, status=409, grant_errors=errors)
    return see_other(f"/ghts/{ght_id}?saved=granted#grants")


@router.post("/grants/{grant_id}/revoke")
def grant_revoke(grant_id: IdPath, principal: PageWriter, uow: UowDep) -> Response:
    grant = service.revoke_grant(uow, principal, grant_id)
    return see_other(f"/ghts/{grant.ght_id}?saved=revoked#grants")


# Establishments ---------------------------------------------------------------------------------------------


@router.get("/establishments")
def establishment_list(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return page(request, "establishments/list.html", {"lines": views.establishment_list(uow, principal)})


def _establishment_values(fields: dict[str, str], *names: str) -> dict[str, Any]:
    values = blank_to_none(fields, *names)
    for name in _ESTABLISHMENT_NUMBERS:
        if name in values:
            values[name] = digits(values[name])
    return values


def _establishment_form(
    request: Request, ghts: list[Any], establishment: Any, values: dict[str, Any], **context: Any
) -> HTMLResponse:
    status = int(context.pop("status", 200))
    full = {"ghts": ghts, "establishment": establishment, "values": values, "kinds": list(EstablishmentKind)}
    return page(request, "establishments/form.html", {**full, **context}, status_code=status)


@router.get("/establishments/new")
def establishment_new(
    request: Request, principal: PageUser, uow: UowDep, ght_id: int = Query(0, ge=0, le=MAX_ROW_ID)
) -> HTMLResponse:
    ghts = views.ghts_for_new_establishment(uow, principal)
    return _establishment_form(request, ghts, None, {"ght_id": ght_id or ghts[0].id})


@router.post("/establishments/new")
def establishment_create(
    request: Request, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values = _establishment_values(fields, "ght_id", *_ESTABLISHMENT_FIELDS)
    try:
        establishment = service.create_establishment(uow, principal, EstablishmentCreate(**values))
    except (ValidationError, FieldError) as error:
        ghts = views.ghts_for_new_establishment(uow, principal)
        return _establishment_form(
            request, ghts, None, fields, errors=_invalid(request, uow, error), status=422
        )
    return see_other(f"/establishments/{establishment.id}?saved=created")


@router.get("/establishments/{establishment_id}")
def establishment_detail(
    request: Request, establishment_id: IdPath, principal: PageUser, uow: UowDep
) -> HTMLResponse:
    detail = views.establishment_detail(uow, principal, establishment_id)
    return page(request, "establishments/detail.html", {"detail": detail})


@router.get("/establishments/{establishment_id}/edit")
def establishment_edit(
    request: Request, establishment_id: IdPath, principal: PageUser, uow: UowDep
) -> HTMLResponse:
    detail = views.establishment_for_edit(uow, principal, establishment_id)
    values = detail.establishment.model_dump(mode="json")
    return _establishment_form(request, [detail.ght], detail.establishment, values)


@router.post("/establishments/{establishment_id}/edit")
def establishment_update(
    request: Request, establishment_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values = _establishment_values(fields, *_ESTABLISHMENT_FIELDS)
    try:
        service.update_establishment(uow, principal, establishment_id, EstablishmentUpdate(**values))
    except (ValidationError, FieldError) as error:
        detail = views.establishment_for_edit(uow, principal, establishment_id)
        errors = _invalid(request, uow, error)
        return _establishment_form(
            request, [detail.ght], detail.establishment, fields, errors=errors, status=422
        )
    return see_other(f"/establishments/{establishment_id}?saved=updated")
