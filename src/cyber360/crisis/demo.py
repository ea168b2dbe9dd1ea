"""Loads the demo crisis data (data/demo/crisis.yaml) through the services, as the GHTs' RSSIs would have.

Past incidents and exercises are replayed at their own instants (the services take ``now``), so their
logbooks are hash-chained, their clocks closed with evidence and their audit records written like live ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.crisis import exercise_service, incident_service, logbook_service, plan_service, task_service
from cyber360.crisis.access import incident_row
from cyber360.crisis.labels import ROLE_LABELS
from cyber360.crisis.playbooks import ROLES
from cyber360.crisis.schemas import (
    ApplicationCreate,
    CellMemberSet,
    ClockClose,
    ContactCreate,
    ExerciseCreate,
    ExerciseEnd,
    ExerciseTick,
    IncidentClose,
    IncidentOpen,
    IncidentStatusChange,
    LessonCreate,
    ParticipantCreate,
    PlanCreate,
    TaskTick,
)
from cyber360.org.auth import build_principal
from cyber360.org.tables import EstablishmentRow, GhtRow, UserRow

DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo" / "crisis.yaml"
MANAGERS = {"a": "rssi-a@demo.test", "b": "rssi-b@demo.test", "c": "rssi-c@demo.test"}
PLANNED = [
    "chu-loire",
    "ch-estuaire",
    "ch-anjou",
    "chs-erdre",
    "hp-vendee",
    "ehpad-clisson",
    "ch-armor",
    "ch-garonne",
]
_APPLICATION_SET = {
    "chu": "hospital",
    "ch": "hospital",
    "hopital_proximite": "hospital",
    "chs": "psychiatry",
    "ehpad": "nursing_home",
}


def _principal(uow: UnitOfWork, email: str) -> Principal:
    user = uow.session.execute(select(UserRow).where(UserRow.email == email)).scalar_one()
    return build_principal(uow, user)


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _load_plan(uow: UnitOfWork, data: dict[str, Any], ids: dict[str, int], key: str, serial: int) -> None:
    establishment_id = ids[f"establishment:{key}"]
    establishment = uow.session.get(EstablishmentRow, establishment_id)
    assert establishment is not None
    ght = uow.session.get(GhtRow, establishment.ght_id)
    assert ght is not None
    ght_key = next(k for k in MANAGERS if ids[f"ght:{k}"] == ght.id)
    principal = _principal(uow, MANAGERS[ght_key])
    people = data["site_people"].get(key, {})
    blanc = data["plan_blanc"]
    plan = plan_service.create_plan(
        uow,
        principal,
        PlanCreate(
            establishment_id=establishment_id,
            plan_blanc_reference=blanc["reference"],
            plan_blanc_link=blanc["link"],
            fallback_room=blanc["fallback_room"],
        ),
    )
    cell = data["cells"].get(key, data["cells"]["default"])
    holders: dict[str, str] = {}
    for role in ROLES:
        if role not in cell:
            continue
        holder, holder_function, deputy, deputy_function = (value.format(**people) for value in cell[role])
        holders[role] = holder
        plan_service.set_cell_member(
            uow,
            principal,
            plan.id,
            CellMemberSet(
                role=role,
                holder_name=holder,
                holder_function=holder_function,
                deputy_name=deputy,
                deputy_function=deputy_function,
            ),
        )
    for index, role in enumerate(data["internal_contacts"]):
        number = serial * 10 + index
        plan_service.add_contact(
            uow,
            principal,
            plan.id,
            ContactCreate(
                category="internal",
                name=holders[role],
                function=ROLE_LABELS[role],
                phone=f"01 99 00 {20 + serial:02d} {index:02d}",
                personal_phone=f"06 39 98 {number // 100:02d} {number % 100:02d}",
            ),
        )
    for contact in data["external_contacts"]:
        values = {**contact, "name": contact["name"].format(region=ght.region)}
        plan_service.add_contact(uow, principal, plan.id, ContactCreate(**values))
    for service, name, rto, rpo, degraded in data["applications"][_APPLICATION_SET[establishment.kind]]:
        plan_service.add_application(
            uow,
            principal,
            plan.id,
            ApplicationCreate(
                clinical_service=service, name=name, rto_hours=rto, rpo_hours=rpo, degraded_mode=degraded
            ),
        )


def _load_incident(uow: UnitOfWork, spec: dict[str, Any], establishment_id: int) -> None:
    principal = _principal(uow, spec["by"])
    detected = _instant(spec["detected_at"])

    def at(minutes: int) -> datetime:
        return detected + timedelta(minutes=minutes)

    incident = incident_service.open_incident(
        uow,
        principal,
        IncidentOpen(
            establishment_id=establishment_id,
            scenario=spec["scenario"],
            detected_at=detected,
            personal_data=spec["personal_data"],
            title=spec["title"],
        ),
        now=at(12),
    )
    events: list[tuple[int, str, Any]] = [(item[0], "log", item) for item in spec["log"]]
    events += [(item[1], "clock", item) for item in spec["clocks"]]
    events += [(item[0], "status", item) for item in spec["status"]]
    sequences: dict[int, int] = {}
    for minutes, what, item in sorted(events, key=lambda event: event[0]):
        if what == "log":
            row = incident_row(uow, principal, incident.id)
            corrects = sequences[item[3]] if item[1] == "correction" else None
            entry = logbook_service.append(
                uow, principal, row, item[1], item[2], corrects=corrects, now=at(minutes)
            )
            uow.commit()
            sequences[spec["log"].index(item)] = entry.sequence
        elif what == "clock":
            incident_service.close_clock(
                uow,
                principal,
                incident.id,
                item[0],
                ClockClose(evidence=item[2], closed_at=at(minutes)),
                now=at(minutes),
            )
        else:
            incident_service.set_status(
                uow, principal, incident.id, IncidentStatusChange(status=item[1]), now=at(minutes)
            )
    for task in task_service.list_tasks(uow, principal, incident.id)[: spec["tasks_done"]]:
        task_service.tick_task(uow, principal, incident.id, task.id, TaskTick(done=True), now=task.due_at)
    close = spec["close"]
    incident_service.close_incident(
        uow,
        principal,
        incident.id,
        IncidentClose(
            summary=close["summary"], lessons=[LessonCreate(**lesson) for lesson in close["lessons"]]
        ),
        now=at(close["after_minutes"]),
    )


def _load_exercise(uow: UnitOfWork, spec: dict[str, Any], establishment_id: int) -> None:
    principal = _principal(uow, spec["by"])
    participants = [ParticipantCreate(name=name, role=role) for name, role in spec["participants"]]
    exercise = exercise_service.create_exercise(
        uow,
        principal,
        ExerciseCreate(
            establishment_id=establishment_id, library_id=spec["library_id"], participants=participants
        ),
        now=_instant(spec["created_at"]),
    )
    if "started_at" not in spec:
        return
    started = _instant(spec["started_at"])
    exercise_service.start_exercise(uow, principal, exercise.id, now=started)
    for action in spec["ticked"]:
        exercise_service.tick_action(
            uow, principal, exercise.id, action, ExerciseTick(done=True), now=started + timedelta(minutes=90)
        )
    exercise_service.end_exercise(
        uow,
        principal,
        exercise.id,
        ExerciseEnd(
            after_action=spec["after_action"], lessons=[LessonCreate(**item) for item in spec["lessons"]]
        ),
        now=started + timedelta(minutes=spec["end_after_minutes"]),
    )


def load_demo(uow: UnitOfWork, ids: dict[str, int]) -> None:
    """Crisis plans, past incidents with their logbooks, and exercises, for the demo organisation."""
    data: dict[str, Any] = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    for serial, key in enumerate(PLANNED, start=1):
        _load_plan(uow, data, ids, key, serial)
    for spec in data["incidents"]:
        _load_incident(uow, spec, ids[f"establishment:{spec['establishment']}"])
    for spec in data["exercises"]:
        _load_exercise(uow, spec, ids[f"establishment:{spec['establishment']}"])
