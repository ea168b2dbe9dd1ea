"""HTML pages of live incidents: opening, the crisis board (clocks, tasks, logbook), situation report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from cyber360.core.errors import DomainError, Forbidden
from cyber360.core.scope import Principal, Role
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, UowDep, request_locale
from cyber360.crisis import access, incident_service, kit, logbook_service, task_service
from cyber360.crisis.clock import IdPath, Now
from cyber360.crisis.incident_api import DeadlineKindPath
from cyber360.crisis.page_support import (
    FormFields,
    errors_of,
    page,
    paris_input_value,
    paris_wall_clock,
    see_other,
)
from cyber360.crisis.playbooks import SCENARIOS
from cyber360.crisis.schemas import (
    ClockClose,
    IncidentClose,
    IncidentOpen,
    IncidentStatusChange,
    LessonCreate,
    LogEntryCreate,
    TaskTick,
)
from cyber360.org import service as org_service

router = APIRouter()


def writable_establishments(uow: UnitOfWork, principal: Principal) -> list[Any]:
    if principal.role is Role.COOPERATIVE_BUYER:
        return []
    return [
        item
        for item in org_service.list_establishments(uow, principal, None)
        if access.can_write(principal, item.ght_id, item.id)
    ]


def _new_page(
    request: Request, uow: UnitOfWork, principal: Principal, now: Any, **extra: Any
) -> HTMLResponse:
    status_code = int(extra.pop("status_code", 200))
    establishments = writable_establishments(uow, principal)
    if not establishments:
        raise Forbidden("crisis.incident.open")
    values = {"detected_at": paris_input_value(now), "scenario": "ransomware", "insured": ""}
    context = {"establishments": establishments, "scenarios": SCENARIOS, "values": values, **extra}
    return page(request, "crisis/incident_new.html", context, status_code=status_code)


@router.get("/crisis/incidents/new")
def incident_new(request: Request, principal: PageUser, uow: UowDep, now: Now) -> HTMLResponse:
    return _new_page(request, uow, principal, now)


@router.post("/crisis/incidents/new")
def incident_open(
    request: Request, principal: PageWriter, uow: UowDep, fields: FormFields, now: Now
) -> Response:
    insured = {"yes": True, "no": False}.get(fields.get("insured", ""))
    try:
        command = IncidentOpen(
            establishment_id=fields.get("establishment_id"),
            scenario=fields.get("scenario"),
            detected_at=paris_wall_clock(fields.get("detected_at", "")),
            personal_data=fields.get("personal_data") == "yes",
            insured=insured,
            title=fields.get("title", "").strip(),
        )
        incident = incident_service.open_incident(
            uow, principal, command, now=now, language=request_locale(request)
        )
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status_code in {403, 404}:
            raise
        errors = errors_of(uow, request, error)
        return _new_page(request, uow, principal, now, errors=errors, values=fields, status_code=422)
    return see_other(f"/crisis/incidents/{incident.id}?saved=opened")


def _board(
    request: Request,
    principal: Principal,
    uow: UnitOfWork,
    incident_id: int,
    now: Any,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    language = request_locale(request)
    incident = incident_service.get_incident(uow, principal, incident_id, now=now, language=language)
    tasks = task_service.list_tasks(uow, principal, incident_id, now=now)
    entries = logbook_service.list_entries(uow, principal, incident_id)
    phases: dict[str, list[Any]] = {}
    for task in tasks:
        phases.setdefault(task.phase, []).append(task)
    context = {
        "incident": incident,
        "phases": phases,
        "entries": list(reversed(entries)),
        "decisions": [entry for entry in entries if entry.kind == "decision"],
        "writable": access.can_write(principal, incident.ght_id, incident.establishment_id),
        "chain": logbook_service.verify(uow, principal, incident_id),
        "values": {},
        **extra,
    }
    return page(request, "crisis/incident.html", context, status_code=status_code)


@router.get("/crisis/incidents/{incident_id}")
def incident_board(
    request: Request, incident_id: IdPath, principal: PageUser, uow: UowDep, now: Now
) -> HTMLResponse:
    return _board(request, principal, uow, incident_id, now)


def _act(
    request: Request,
    principal: Principal,
    uow: UnitOfWork,
    incident_id: int,
    now: Any,
    form: str,
    fields: dict[str, str],
    action: Any,
) -> Response:
    try:
        action()
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status_code in {403, 404}:
            raise
        errors = errors_of(uow, request, error)
        return _board(request, principal, uow, incident_id, now, 422, form=form, errors=errors, values=fields)
    return see_other(f"/crisis/incidents/{incident_id}?saved={form}#{form}")


@router.post("/crisis/incidents/{incident_id}/log")
def incident_log(
    request: Request, incident_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields, now: Now
) -> Response:
    corrects = fields.get("corrects", "").strip() or None
    kind = "correction" if corrects else fields.get("kind", "")

    def action() -> Any:
        command = LogEntryCreate(kind=kind, text=fields.get("text", ""), corrects=corrects)
        return logbook_service.add_entry(uow, principal, incident_id, command, now=now)

    return _act(request, principal, uow, incident_id, now, "logbook", fields, action)


@router.post("/crisis/incidents/{incident_id}/tasks/{task_id}")
def incident_task(
    request: Request,
    incident_id: IdPath,
    task_id: IdPath,
    principal: PageWriter,
    uow: UowDep,
    fields: FormFields,
    now: Now,
) -> Response:
    command = TaskTick(done=fields.get("done") == "yes")
    task_service.tick_task(uow, principal, incident_id, task_id, command, now=now)
    return see_other(f"/crisis/incidents/{incident_id}?saved=task#task-{task_id}")


@router.post("/crisis/incidents/{incident_id}/clocks/{kind}")
def incident_clock(
    request: Request,
    incident_id: IdPath,
    kind: DeadlineKindPath,
    principal: PageWriter,
    uow: UowDep,
    fields: FormFields,
    now: Now,
) -> Response:
    def action() -> Any:
        closed_at = paris_wall_clock(fields["closed_at"]) if fields.get("closed_at") else None
        command = ClockClose(evidence=fields.get("evidence", ""), closed_at=closed_at)
        return incident_service.close_clock(uow, principal, incident_id, kind, command, now=now)

    return _act(request, principal, uow, incident_id, now, f"clock-{kind}", fields, action)


@router.post("/crisis/incidents/{incident_id}/status")
def incident_status(
    request: Request, incident_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields, now: Now
) -> Response:
    def action() -> Any:
        command = IncidentStatusChange(status=fields.get("status"))
        return incident_service.set_status(uow, principal, incident_id, command, now=now)

    return _act(request, principal, uow, incident_id, now, "status", fields, action)


def lessons_from(fields: dict[str, str]) -> list[LessonCreate]:
    """Up to five lessons typed in the closing form (title, owner, due date); empty lines are skipped."""
    lessons = []
    for index in range(1, 6):
        title = fields.get(f"lesson_{index}_title", "").strip()
        if title:
            lessons.append(
                LessonCreate(
                    title=title,
                    owner=fields.get(f"lesson_{index}_owner", "").strip(),
                    due_on=fields.get(f"lesson_{index}_due_on") or None,
                )
            )
    return lessons


@router.post("/crisis/incidents/{incident_id}/close")
def incident_close(
    request: Request, incident_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields, now: Now
) -> Response:
    def action() -> Any:
        command = IncidentClose(summary=fields.get("summary", ""), lessons=lessons_from(fields))
        return incident_service.close_incident(uow, principal, incident_id, command, now=now)

    return _act(request, principal, uow, incident_id, now, "close", fields, action)


@router.get("/crisis/incidents/{incident_id}/sitrep")
def incident_sitrep(
    request: Request, incident_id: IdPath, principal: PageUser, uow: UowDep, now: Now
) -> HTMLResponse:
    """The situation report, generated on demand."""
    context = kit.sitrep_context(uow, principal, incident_id, language=request_locale(request), now=now)
    return page(request, "crisis/sitrep.html", context)


@router.get("/crisis/incidents/{incident_id}/sitrep.pdf")
def incident_sitrep_pdf(
    request: Request, incident_id: IdPath, principal: PageUser, uow: UowDep, now: Now
) -> Response:
    language = request_locale(request)
    context = kit.sitrep_context(uow, principal, incident_id, language=language, now=now)
    html = kit.render_document(request.app.state.templates, "crisis/sitrep_document.html", context, language)
    headers = {"Content-Disposition": f'attachment; filename="point-de-situation-{incident_id}.pdf"'}
    return Response(kit.render_pdf(html), media_type="application/pdf", headers=headers)
