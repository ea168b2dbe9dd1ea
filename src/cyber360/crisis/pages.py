"""HTML pages of the crisis area: overview, crisis plans and their contacts, playbooks, offline kit.

Incidents and exercises have their own modules (``incident_pages``, ``exercise_pages``); this router
includes them so that the application registers one router for the area.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from cyber360.core.errors import DomainError, Forbidden
from cyber360.core.scope import Principal, Role
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, UowDep, request_locale
from cyber360.crisis import (
    access,
    exercise_pages,
    exercise_service,
    incident_pages,
    incident_service,
    kit,
    lesson_service,
    plan_service,
    playbook_service,
)
from cyber360.crisis.clock import IdPath, Now
from cyber360.crisis.page_support import FormFields, errors_of, page, see_other
from cyber360.crisis.playbooks import Scenario, format_duration
from cyber360.crisis.schemas import (
    ApplicationCreate,
    CellMemberSet,
    ContactCreate,
    PlanCreate,
    PlanUpdate,
    PlaybookSave,
)
from cyber360.org import service as org_service

router = APIRouter(include_in_schema=False)
router.include_router(incident_pages.router)
router.include_router(exercise_pages.router)


def require_crisis_reader(principal: Principal) -> None:
    """The cooperative's buyer has no crisis page at all (aggregated figures only)."""
    if principal.role is Role.COOPERATIVE_BUYER:
        raise Forbidden("crisis.read")


def _home(
    request: Request, principal: Principal, uow: UnitOfWork, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    require_crisis_reader(principal)
    plans = plan_service.list_plans(uow, principal)
    planned = {plan.establishment_id for plan in plans}
    establishments = org_service.list_establishments(uow, principal, None)
    context = {
        "incidents": incident_service.list_incidents(uow, principal),
        "plans": plans,
        "without_plan": [
            item
            for item in establishments
            if item.id not in planned and access.can_write(principal, item.ght_id, item.id)
        ],
        "exercises": exercise_service.list_exercises(uow, principal),
        "lessons": lesson_service.list_lessons(uow, principal),
        "can_open": any(access.can_write(principal, item.ght_id, item.id) for item in establishments),
        **extra,
    }
    return page(request, "crisis/home.html", context, status_code=status_code)


@router.get("/crisis")
def crisis_home(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _home(request, principal, uow)


@router.post("/crisis/plans")
def plan_create(request: Request, principal: PageWriter, uow: UowDep, fields: FormFields) -> Response:
    try:
        command = PlanCreate(establishment_id=fields.get("establishment_id"))
        plan = plan_service.create_plan(uow, principal, command)
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status_code in {403, 404}:
            raise
        return _home(request, principal, uow, 422, errors=errors_of(uow, request, error))
    return see_other(f"/crisis/plans/{plan.id}?saved=created")


def _plan_page(
    request: Request,
    principal: Principal,
    uow: UnitOfWork,
    plan_id: int,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    plan = plan_service.get_plan(uow, principal, plan_id)
    context = {
        "plan": plan,
        "writable": access.can_write(principal, plan.ght_id, plan.establishment_id),
        "crisis_role": access.can_see_personal_phones(principal, plan.ght_id, plan.establishment_id),
        "values": {},
        **extra,
    }
    return page(request, "crisis/plan.html", context, status_code=status_code)


@router.get("/crisis/plans/{plan_id}")
def plan_detail(request: Request, plan_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _plan_page(request, principal, uow, plan_id)


@router.get("/crisis/plans/{plan_id}/contacts")
def plan_contacts(request: Request, plan_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    """The contacts with the personal phones, for the crisis roles (this view is audited)."""
    row = plan_service.plan_row(uow, principal, plan_id)
    contacts, revealed = plan_service.reveal_contacts(uow, principal, row, "contacts_page")
    plan = plan_service.get_plan(uow, principal, plan_id)
    return page(request, "crisis/contacts.html", {"plan": plan, "contacts": contacts, "revealed": revealed})


def _plan_form(
    request: Request,
    principal: Principal,
    uow: UnitOfWork,
    plan_id: int,
    fields: dict[str, str],
    form: str,
    action: Callable[[], BaseModel | None],
) -> Response:
    try:
        action()
    except (ValidationError, DomainError) as error:
        if not isinstance(error, ValidationError) and error.status_code in {403, 404}:
            raise
        errors = errors_of(uow, request, error)
        return _plan_page(request, principal, uow, plan_id, 422, form=form, errors=errors, values=fields)
    return see_other(f"/crisis/plans/{plan_id}?saved={form}#{form}")


def _text(fields: dict[str, str], *names: str) -> dict[str, str]:
    return {name: fields.get(name, "").strip() for name in names}


@router.post("/crisis/plans/{plan_id}/edit")
def plan_update(
    request: Request, plan_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values = _text(fields, "plan_blanc_reference", "plan_blanc_link", "fallback_room")
    return _plan_form(
        request,
        principal,
        uow,
        plan_id,
        fields,
        "plan_blanc",
        lambda: plan_service.update_plan(uow, principal, plan_id, PlanUpdate(**values)),
    )


@router.post("/crisis/plans/{plan_id}/cell")
def plan_cell(
    request: Request, plan_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values = _text(fields, "role", "holder_name", "holder_function", "deputy_name", "deputy_function")
    return _plan_form(
        request,
        principal,
        uow,
        plan_id,
        fields,
        "cell",
        lambda: plan_service.set_cell_member(uow, principal, plan_id, CellMemberSet(**values)),
    )


@router.post("/crisis/plans/{plan_id}/contacts")
def plan_add_contact(
    request: Request, plan_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values = _text(fields, "category", "name", "function", "phone", "personal_phone", "email", "notes")
    return _plan_form(
        request,
        principal,
        uow,
        plan_id,
        fields,
        "contacts",
        lambda: plan_service.add_contact(uow, principal, plan_id, ContactCreate(**values)),
    )


@router.post("/crisis/plans/{plan_id}/contacts/{contact_id}/delete")
def plan_remove_contact(plan_id: IdPath, contact_id: IdPath, principal: PageWriter, uow: UowDep) -> Response:
    plan_service.remove_contact(uow, principal, plan_id, contact_id)
    return see_other(f"/crisis/plans/{plan_id}?saved=removed#contacts")


@router.post("/crisis/plans/{plan_id}/applications")
def plan_add_application(
    request: Request, plan_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values: dict[str, Any] = _text(
        fields, "clinical_service", "name", "rto_hours", "rpo_hours", "degraded_mode"
    )
    return _plan_form(
        request,
        principal,
        uow,
        plan_id,
        fields,
        "applications",
        lambda: plan_service.add_application(uow, principal, plan_id, ApplicationCreate(**values)),
    )


@router.post("/crisis/plans/{plan_id}/applications/{application_id}/delete")
def plan_remove_application(
    plan_id: IdPath, application_id: IdPath, principal: PageWriter, uow: UowDep
) -> Response:
    plan_service.remove_application(uow, principal, plan_id, application_id)
    return see_other(f"/crisis/plans/{plan_id}?saved=removed#applications")


# Offline kit ------------------------------------------------------------------------------------------------


def _kit_html(
    request: Request, principal: Principal, uow: UnitOfWork, establishment_id: int, now: Any
) -> str:
    language = request_locale(request)
    context = kit.kit_context(uow, principal, establishment_id, language=language, now=now)
    return kit.render_document(request.app.state.templates, "crisis/kit_document.html", context, language)


@router.get("/crisis/establishments/{establishment_id}/kit.pdf")
def kit_pdf(
    request: Request, establishment_id: IdPath, principal: PageUser, uow: UowDep, now: Now
) -> Response:
    """The printable crisis kit (personal phones for the crisis roles only; their view is audited)."""
    pdf = kit.render_pdf(_kit_html(request, principal, uow, establishment_id, now))
    headers = {"Content-Disposition": f'attachment; filename="kit-crise-{establishment_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/crisis/establishments/{establishment_id}/kit.html")
def kit_export(
    request: Request, establishment_id: IdPath, principal: PageUser, uow: UowDep, now: Now
) -> Response:
    """The same kit as one self-contained HTML file that opens from a USB key, without any server."""
    html = _kit_html(request, principal, uow, establishment_id, now)
    headers = {"Content-Disposition": f'attachment; filename="kit-crise-{establishment_id}.html"'}
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


# Playbooks -------------------------------------------------------------------------------------------------


@router.get("/crisis/playbooks")
def playbook_list(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    require_crisis_reader(principal)
    ghts = [ght for ght in org_service.list_ghts(uow, principal)]
    return page(request, "crisis/playbooks.html", {"shipped": playbook_service.list_shipped(), "ghts": ghts})


def _playbook_page(
    request: Request, principal: Principal, uow: UnitOfWork, ght_id: int, scenario: str, **extra: Any
) -> HTMLResponse:
    status_code = int(extra.pop("status_code", 200))
    playbook = playbook_service.get_playbook(uow, principal, ght_id, scenario)
    effective, _origin = playbook_service.effective_playbook(uow, ght_id, scenario)
    context = {
        "playbook": playbook,
        "tasks": [(phase, task, format_duration(task.deadline)) for phase, task in effective.tasks()],
        "writable": access.can_write(principal, ght_id, None),
        "document": playbook.document,
        **extra,
    }
    return page(request, "crisis/playbook.html", context, status_code=status_code)


@router.get("/crisis/ghts/{ght_id}/playbooks/{scenario}")
def playbook_detail(
    request: Request, ght_id: IdPath, scenario: Scenario, principal: PageUser, uow: UowDep
) -> HTMLResponse:
    return _playbook_page(request, principal, uow, ght_id, scenario)


@router.post("/crisis/ghts/{ght_id}/playbooks/{scenario}")
def playbook_save(
    request: Request,
    ght_id: IdPath,
    scenario: Scenario,
    principal: PageWriter,
    uow: UowDep,
    fields: FormFields,
) -> Response:
    if fields.get("reset") == "yes":
        playbook_service.reset_playbook(uow, principal, ght_id, scenario)
        return see_other(f"/crisis/ghts/{ght_id}/playbooks/{scenario}?saved=reset")
    document = fields.get("document", "")
    try:
        playbook_service.save_playbook(uow, principal, ght_id, scenario, PlaybookSave(document=document))
    except (ValidationError, DomainError) as error:
        if not isinstance(error, ValidationError) and error.status_code in {403, 404}:
            raise
        errors = errors_of(uow, request, error)
        return _playbook_page(
            request, principal, uow, ght_id, scenario, errors=errors, document=document, status_code=422
        )
    return see_other(f"/crisis/ghts/{ght_id}/playbooks/{scenario}?saved=saved")
