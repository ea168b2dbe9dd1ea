"""Administration pages: user accounts (platform administrator, GHT manager) and the audit trail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from cyber360.core.errors import DomainError, FieldError
from cyber360.core.scope import Principal, Role
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, UowDep
from cyber360.org import audit_view, service, views
from cyber360.org.model import UserCreate, UserUpdate
from cyber360.org.page_support import (
    FormFields,
    IdPath,
    blank_to_none,
    errors_by_field,
    locale_of,
    page,
    see_other,
)

router = APIRouter(include_in_schema=False)


def _invalid(request: Request, uow: UnitOfWork, error: ValidationError | DomainError) -> dict[str, str]:
    uow.rollback()
    return errors_by_field(error, locale_of(request))


# Users ------------------------------------------------------------------------------------------------------


def _users_page(
    request: Request, principal: Principal, uow: UnitOfWork, *, status: int = 200, **context: Any
) -> HTMLResponse:
    directory = views.user_directory(uow, principal)
    full = {"directory": directory, "values": {"locale": "fr"}, **context}
    return page(request, "admin/users.html", full, status_code=status)


@router.get("/admin/users")
def users(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _users_page(request, principal, uow)


@router.post("/admin/users")
def user_create(request: Request, principal: PageWriter, uow: UowDep, fields: FormFields) -> Response:
    values = blank_to_none(
        fields, "email", "display_name", "organisation_id", "role", "establishment_id", "locale"
    )
    if values["role"] != Role.ESTABLISHMENT_USER.value:
        values["establishment_id"] = None  # the establishment matters only for an establishment's user
    try:
        command = UserCreate(**values, password=fields.get("password", ""))
        service.create_user(uow, principal, command)
    except (ValidationError, FieldError) as error:
        errors = _invalid(request, uow, error)
        values = {key: value for key, value in fields.items() if key != "password"}
        return _users_page(request, principal, uow, status=422, errors=errors, values=values)
    return see_other("/admin/users?saved=created")


def _user_form(
    request: Request,
    principal: Principal,
    uow: UnitOfWork,
    user_id: int,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    user = service.get_user(uow, principal, user_id)
    directory = views.user_directory(uow, principal)
    full = {"user": user, "directory": directory, "values": user.model_dump(mode="json"), **context}
    return page(request, "admin/user_form.html", full, status_code=status)


@router.get("/admin/users/{user_id}")
def user_detail(request: Request, user_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    detail = views.user_detail(uow, principal, user_id)
    return page(request, "admin/user_detail.html", {"detail": detail})


@router.get("/admin/users/{user_id}/edit")
def user_edit(request: Request, user_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _user_form(request, principal, uow, user_id)


@router.post("/admin/users/{user_id}/edit")
def user_update(
    request: Request, user_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    """Send only what changed: the service refuses a change of one's own role or activation."""
    current = service.get_user(uow, principal, user_id).model_dump(mode="json")
    submitted = blank_to_none(fields, "display_name", "role", "establishment_id", "locale", "is_active")
    submitted["display_name"] = submitted["display_name"] or ""
    if submitted["role"] != Role.ESTABLISHMENT_USER.value:
        submitted["establishment_id"] = None
    submitted["is_active"] = {"yes": True, "no": False}.get(
        submitted["is_active"] or "", submitted["is_active"]
    )
    changes = {key: value for key, value in submitted.items() if str(value) != str(current.get(key))}
    try:
        service.update_user(uow, principal, user_id, UserUpdate(**changes))
    except (ValidationError, FieldError) as error:
        errors = _invalid(request, uow, error)
        return _user_form(request, principal, uow, user_id, status=422, errors=errors, values=fields)
    return see_other(f"/admin/users/{user_id}?saved=updated")


# Audit trail ------------------------------------------------------------------------------------------------


@router.get("/admin/audit")
def audit(
    request: Request,
    principal: PageUser,
    uow: UowDep,
    page_number: int = Query(1, alias="page", ge=1, le=1000),
) -> HTMLResponse:
    records = audit_view.recent_records(uow, principal, page_number)
    return page(request, "admin/audit.html", {"records": records, "report": None})


@router.post("/admin/audit/verify")
def audit_verify(request: Request, principal: PageWriter, uow: UowDep) -> HTMLResponse:
    report = audit_view.verify(uow, principal)
    records = audit_view.recent_records(uow, principal, 1)
    return page(request, "admin/audit.html", {"records": records, "report": report})
