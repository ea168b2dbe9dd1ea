"""The task board of an incident: the playbook's tasks on the incident's timeline, ticked when done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from cyber360.core.db import MAX_ROW_ID, utcnow
from cyber360.core.errors import NotFound
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.crisis import access
from cyber360.crisis.incident_service import ensure_open, writable_incident
from cyber360.crisis.schemas import TaskPublic, TaskTick
from cyber360.crisis.tables import IncidentTaskRow


def _task(row: IncidentTaskRow, now: datetime) -> TaskPublic:
    return TaskPublic(
        id=row.id,
        key=row.task_key,
        phase=row.phase,
        title=row.title,
        detail=row.detail,
        role=row.role,
        clock=row.clock,
        due_at=row.due_at,
        done_at=row.done_at,
        done_by=row.done_by,
        overdue=row.done_at is None and row.due_at < now,
    )


def list_tasks(
    uow: UnitOfWork, principal: Principal, incident_id: int, *, now: datetime | None = None
) -> list[TaskPublic]:
    """The task board, in playbook order."""
    row = access.incident_row(uow, principal, incident_id)
    statement = (
        select(IncidentTaskRow)
        .where(IncidentTaskRow.incident_id == row.id)
        .order_by(IncidentTaskRow.position)
    )
    current = now or utcnow()
    return [_task(task, current) for task in uow.session.execute(statement).scalars()]


def tick_task(
    uow: UnitOfWork,
    principal: Principal,
    incident_id: int,
    task_id: int,
    command: TaskTick,
    *,
    now: datetime | None = None,
) -> TaskPublic:
    now = now or utcnow()
    row = writable_incident(uow, principal, incident_id, "crisis.task.tick")
    ensure_open(row)
    task = uow.session.get(IncidentTaskRow, task_id) if 1 <= task_id <= MAX_ROW_ID else None
    if task is None or task.incident_id != row.id:
        raise NotFound("incident_task", task_id)
    if command.done != (task.done_at is not None):
        before = {"done_at": task.done_at}
        task.done_at = now if command.done else None
        task.done_by = principal.display_name[:200] if command.done else ""
        uow.audit(
            principal,
            "crisis.task.ticked",
            object_type="incident",
            object_id=row.id,
            ght_id=row.ght_id,
            before=before,
            after={"task": task.task_key, "done_at": task.done_at},
        )
        uow.commit()
    return _task(task, now)
