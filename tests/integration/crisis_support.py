"""Helpers of the crisis tests: a clock the tests move, the demo's crisis objects by key, table snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from cyber360.core.db import Base
from cyber360.crisis.tables import (
    CrisisApplicationRow,
    CrisisContactRow,
    CrisisPlanRow,
    ExerciseRow,
    IncidentRow,
    IncidentTaskRow,
)

CRISIS_TABLES = sorted(name for name in Base.metadata.tables if name.startswith("crisis_"))


class Clock:
    """The application's clock in a test: ``app.state.clock = Clock(start)``, then ``advance(minutes=30)``."""

    def __init__(self, start: datetime) -> None:
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class CrisisData:
    """The demo's crisis objects: id -> establishment id (and the children used by the write checks)."""

    plans: dict[int, int] = field(default_factory=dict)
    incidents: dict[int, int] = field(default_factory=dict)
    exercises: dict[int, int] = field(default_factory=dict)
    contact_of_plan: dict[int, int] = field(default_factory=dict)
    application_of_plan: dict[int, int] = field(default_factory=dict)
    task_of_incident: dict[int, int] = field(default_factory=dict)


def read_crisis_data(engine: Engine) -> CrisisData:
    data = CrisisData()
    with engine.connect() as connection:
        for row in connection.execute(select(CrisisPlanRow.id, CrisisPlanRow.establishment_id)):
            data.plans[row.id] = row.establishment_id
        for row in connection.execute(select(IncidentRow.id, IncidentRow.establishment_id)):
            data.incidents[row.id] = row.establishment_id
        for row in connection.execute(select(ExerciseRow.id, ExerciseRow.establishment_id)):
            data.exercises[row.id] = row.establishment_id
        for row in connection.execute(select(CrisisContactRow.id, CrisisContactRow.plan_id)):
            data.contact_of_plan.setdefault(row.plan_id, row.id)
        for row in connection.execute(select(CrisisApplicationRow.id, CrisisApplicationRow.plan_id)):
            data.application_of_plan.setdefault(row.plan_id, row.id)
        for row in connection.execute(select(IncidentTaskRow.id, IncidentTaskRow.incident_id)):
            data.task_of_incident.setdefault(row.incident_id, row.id)
    return data


def crisis_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the crisis tables, to show that a refused request changed nothing."""
    with engine.connect() as connection:
        return {
            name: sorted(tuple(row) for row in connection.execute(Base.metadata.tables[name].select()))
            for name in CRISIS_TABLES
        }


def paris(text: str) -> datetime:
    """An ISO 8601 instant with its offset, as an aware datetime in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


def due_at(answer: dict[str, Any], kind: str) -> datetime:
    (deadline,) = [item for item in answer["deadlines"] if item["kind"] == kind]
    return paris(deadline["due_at"].replace("Z", "+00:00"))
