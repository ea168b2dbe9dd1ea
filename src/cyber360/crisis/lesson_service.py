"""Lessons of incidents and exercises, stored as actions (owner, due date, status).

The action plan (issue 5, "Plan") takes them up with the other actions; until then they are listed here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.crisis import access
from cyber360.crisis.schemas import LessonCreate, LessonPublic
from cyber360.crisis.tables import LessonRow


def lessons_of(uow: UnitOfWork, column: Any, value: int) -> list[LessonPublic]:
    statement = select(LessonRow).where(column == value).order_by(LessonRow.id)
    return [
        LessonPublic.model_validate(row, from_attributes=True)
        for row in uow.session.execute(statement).scalars()
    ]


def add_lessons(
    uow: UnitOfWork,
    ght_id: int,
    establishment_id: int,
    lessons: list[LessonCreate],
    *,
    incident_id: int | None = None,
    exercise_id: int | None = None,
) -> None:
    """Lessons become actions (open, with an owner and a due date) that the action plan takes up."""
    for lesson in lessons:
        uow.session.add(
            LessonRow(
                ght_id=ght_id,
                establishment_id=establishment_id,
                incident_id=incident_id,
                exercise_id=exercise_id,
                title=lesson.title,
                owner=lesson.owner,
                due_on=lesson.due_on,
                status="open",
            )
        )


def list_lessons(uow: UnitOfWork, principal: Principal) -> list[LessonPublic]:
    """Every lesson in scope (incidents and exercises), for the action plan."""
    clause = access.read_clause(principal, LessonRow.establishment_id, LessonRow.ght_id)
    statement = select(LessonRow).where(clause).order_by(LessonRow.id)
    return [
        LessonPublic.model_validate(row, from_attributes=True)
        for row in uow.session.execute(statement).scalars()
    ]
