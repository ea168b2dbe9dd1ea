"""JSON routes of live incidents: opening, clocks, task board, status, closing, and the logbook.

The logbook has no route to change or delete an entry: PUT, PATCH and DELETE on its URLs answer 405.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, status

from cyber360.core.web import CurrentUser, UowDep, request_locale
from cyber360.crisis import incident_service, logbook_service, task_service
from cyber360.crisis.clock import IdPath, Now
from cyber360.crisis.schemas import (
    ChainPublic,
    ClockClose,
    IncidentClose,
    IncidentOpen,
    IncidentPublic,
    IncidentStatusChange,
    IncidentSummary,
    LogEntryCreate,
    LogEntryPublic,
    TaskPublic,
    TaskTick,
)

router = APIRouter(prefix="/api/v1", tags=["incidents"])

DeadlineKindPath = Literal[
    "health_report",
    "nis2_early_warning",
    "nis2_notification",
    "nis2_final_report",
    "cnil_notification",
    "data_subjects_notification",
    "insurance_complaint",
]
SequencePath = Annotated[int, Path(ge=1, le=1_000_000)]


@router.get("/incidents", response_model=list[IncidentSummary])
def api_list_incidents(principal: CurrentUser, uow: UowDep) -> list[IncidentSummary]:
    return incident_service.list_incidents(uow, principal)


@router.post("/incidents", response_model=IncidentPublic, status_code=status.HTTP_201_CREATED)
def api_open_incident(
    body: IncidentOpen, request: Request, principal: CurrentUser, uow: UowDep, now: Now
) -> IncidentPublic:
    """Open an incident; the answer carries its regulatory deadlines (``deadlines``: kind, due_at...)."""
    return incident_service.open_incident(uow, principal, body, now=now, language=request_locale(request))


@router.get("/incidents/{incident_id}", response_model=IncidentPublic)
def api_get_incident(
    incident_id: IdPath, request: Request, principal: CurrentUser, uow: UowDep, now: Now
) -> IncidentPublic:
    return incident_service.get_incident(
        uow, principal, incident_id, now=now, language=request_locale(request)
    )


@router.post("/incidents/{incident_id}/status", response_model=IncidentPublic)
def api_set_status(
    incident_id: IdPath,
    body: IncidentStatusChange,
    request: Request,
    principal: CurrentUser,
    uow: UowDep,
    now: Now,
) -> IncidentPublic:
    return incident_service.set_status(
        uow, principal, incident_id, body, now=now, language=request_locale(request)
    )


@router.post("/incidents/{incident_id}/clocks/{kind}", response_model=IncidentPublic)
def api_close_clock(
    incident_id: IdPath,
    kind: DeadlineKindPath,
    body: ClockClose,
    request: Request,
    principal: CurrentUser,
    uow: UowDep,
    now: Now,
) -> IncidentPublic:
    """Record that an obligation was met, with its evidence."""
    return incident_service.close_clock(
        uow, principal, incident_id, kind, body, now=now, language=request_locale(request)
    )


@router.get("/incidents/{incident_id}/tasks", response_model=list[TaskPublic])
def api_list_tasks(incident_id: IdPath, principal: CurrentUser, uow: UowDep, now: Now) -> list[TaskPublic]:
    return task_service.list_tasks(uow, principal, incident_id, now=now)


@router.post("/incidents/{incident_id}/tasks/{task_id}", response_model=TaskPublic)
def api_tick_task(
    incident_id: IdPath, task_id: IdPath, body: TaskTick, principal: CurrentUser, uow: UowDep, now: Now
) -> TaskPublic:
    return task_service.tick_task(uow, principal, incident_id, task_id, body, now=now)


@router.post("/incidents/{incident_id}/close", response_model=IncidentPublic)
def api_close_incident(
    incident_id: IdPath, body: IncidentClose, request: Request, principal: CurrentUser, uow: UowDep, now: Now
) -> IncidentPublic:
    """Close with the after-action report; its lessons become actions."""
    return incident_service.close_incident(
        uow, principal, incident_id, body, now=now, language=request_locale(request)
    )


# Logbook ------------------------------------------------------------------------------------------


@router.get("/incidents/{incident_id}/log", response_model=list[LogEntryPublic])
def api_list_log(incident_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[LogEntryPublic]:
    return logbook_service.list_entries(uow, principal, incident_id)


@router.post(
    "/incidents/{incident_id}/log", response_model=LogEntryPublic, status_code=status.HTTP_201_CREATED
)
def api_append_log(
    incident_id: IdPath, body: LogEntryCreate, principal: CurrentUser, uow: UowDep, now: Now
) -> LogEntryPublic:
    """Append an entry stamped by the server; a correction (kind ``correction``) names the corrected one."""
    return logbook_service.add_entry(uow, principal, incident_id, body, now=now)


@router.get("/incidents/{incident_id}/log/verify", response_model=ChainPublic)
def api_verify_log(incident_id: IdPath, principal: CurrentUser, uow: UowDep) -> ChainPublic:
    """Recompute the hash chain: valid, or the first broken entry and why."""
    return logbook_service.verify(uow, principal, incident_id)


@router.get("/incidents/{incident_id}/log/{sequence}", response_model=LogEntryPublic)
def api_get_log_entry(
    incident_id: IdPath, sequence: SequencePath, principal: CurrentUser, uow: UowDep
) -> LogEntryPublic:
    return logbook_service.get_entry(uow, principal, incident_id, sequence)


@router.get("/incidents/{incident_id}/decisions", response_model=list[LogEntryPublic])
def api_decisions(incident_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[LogEntryPublic]:
    """The decision register (the logbook's decisions with their corrections)."""
    return logbook_service.decisions(uow, principal, incident_id)
