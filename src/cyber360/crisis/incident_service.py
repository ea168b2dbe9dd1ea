"""Live incidents: opening from a playbook, regulatory clocks, task board, status, closing with lessons.

The clocks are computed by ``crisis.clocks`` from the incident's facts at the instant ``now`` the caller
passes (the web layer takes it from the application's clock, which tests can set), together with the
evidence recorded when an obligation was met. The crisis cell's own milestones (opening, status changes,
obligations met, closing) are written to the logbook by the server, in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import func, select

from cyber360.core.db import utcnow
from cyber360.core.errors import Conflict, FieldError
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.crisis import access, clocks, lesson_service, logbook_service
from cyber360.crisis.labels import DEADLINE_LABELS, INCIDENT_STATUS_LABELS
from cyber360.crisis.logbook import GENESIS_HASH
from cyber360.crisis.playbook_service import effective_playbook
from cyber360.crisis.playbooks import schedule_tasks
from cyber360.crisis.schemas import (
    ClockClose,
    DeadlinePublic,
    IncidentClose,
    IncidentOpen,
    IncidentPublic,
    IncidentStatusChange,
    IncidentSummary,
)
from cyber360.crisis.tables import ClockClosureRow, IncidentRow, IncidentTaskRow, LessonRow
from cyber360.org.tables import EstablishmentRow, GhtRow

#: How far in the future a client's clock may be when it states an instant (clock skew, not prophecy).
CLOCK_SKEW = timedelta(minutes=5)

Language = Literal["fr", "en"]


def _language(value: str) -> Language:
    return "en" if value == "en" else "fr"


def facts(row: IncidentRow) -> clocks.IncidentFacts:
    return clocks.IncidentFacts(
        detected_at=row.detected_at,
        personal_data=row.personal_data,
        insured=row.insured,
        malicious=row.scenario != "accidental_outage",
        personal_data_aware_at=row.personal_data_aware_at,
        high_risk_to_data_subjects=row.high_risk_to_data_subjects,
    )


def _closures(uow: UnitOfWork, incident_id: int) -> dict[str, clocks.Closure]:
    rows = uow.session.execute(select(ClockClosureRow).where(ClockClosureRow.incident_id == incident_id))
    return {row.kind: clocks.Closure(row.closed_at, row.evidence) for row in rows.scalars()}


def clock_states(uow: UnitOfWork, row: IncidentRow, now: datetime) -> list[clocks.ClockState]:
    return clocks.evaluate_clocks(facts(row), now, _closures(uow, row.id))


def deadlines(uow: UnitOfWork, row: IncidentRow, now: datetime, language: str = "fr") -> list[DeadlinePublic]:
    lang = _language(language)
    result = []
    for state in clock_states(uow, row, now):
        deadline = state.deadline
        result.append(
            DeadlinePublic(
                kind=deadline.kind.value,
                starts_at=deadline.starts_at,
                due_at=deadline.due_at,
                target_at=deadline.target_at,
                status=state.status.value,
                remaining_seconds=None if state.remaining is None else int(state.remaining.total_seconds()),
                closed_at=state.closure.closed_at if state.closure else None,
                evidence=state.closure.evidence if state.closure else None,
                legal_basis=deadline.legal_basis.text(lang),
                recipient=deadline.recipient.text(lang),
                note=deadline.note.text(lang) if deadline.note else None,
            )
        )
    return result


def _establishment_name(uow: UnitOfWork, establishment_id: int) -> str:
    establishment = uow.session.get(EstablishmentRow, establishment_id)
    return establishment.name if establishment else ""


def _summary(uow: UnitOfWork, row: IncidentRow) -> IncidentSummary:
    return IncidentSummary(
        id=row.id,
        ght_id=row.ght_id,
        establishment_id=row.establishment_id,
        establishment_name=_establishment_name(uow, row.establishment_id),
        scenario=row.scenario,
        title=row.title,
        status=row.status,
        detected_at=row.detected_at,
        closed_at=row.closed_at,
    )


def public(uow: UnitOfWork, row: IncidentRow, now: datetime, language: str = "fr") -> IncidentPublic:
    counts = uow.session.execute(
        select(func.count(IncidentTaskRow.id), func.count(IncidentTaskRow.done_at)).where(
            IncidentTaskRow.incident_id == row.id
        )
    ).one()
    return IncidentPublic(
        **_summary(uow, row).model_dump(),
        personal_data=row.personal_data,
        personal_data_aware_at=row.personal_data_aware_at,
        high_risk_to_data_subjects=row.high_risk_to_data_subjects,
        insured=row.insured,
        playbook_origin=row.playbook_origin,
        opened_at=row.opened_at,
        after_action_summary=row.after_action_summary,
        deadlines=deadlines(uow, row, now, language),
        tasks_total=counts[0],
        tasks_done=counts[1],
        logbook_length=row.logbook_length,
        lessons=lesson_service.lessons_of(uow, LessonRow.incident_id, row.id),
    )


def list_incidents(uow: UnitOfWork, principal: Principal) -> list[IncidentSummary]:
    clause = access.read_clause(principal, IncidentRow.establishment_id, IncidentRow.ght_id)
    statement = select(IncidentRow).where(clause).order_by(IncidentRow.detected_at.desc(), IncidentRow.id)
    return [_summary(uow, row) for row in uow.session.execute(statement).scalars()]


def get_incident(
    uow: UnitOfWork,
    principal: Principal,
    incident_id: int,
    *,
    now: datetime | None = None,
    language: str = "fr",
) -> IncidentPublic:
    return public(uow, access.incident_row(uow, principal, incident_id), now or utcnow(), language)


def _paris(instant: datetime) -> str:
    return clocks.format_paris(instant, "fr")


def open_incident(
    uow: UnitOfWork,
    principal: Principal,
    command: IncidentOpen,
    *,
    now: datetime | None = None,
    language: str = "fr",
) -> IncidentPublic:
    """Open an incident at an establishment: clocks from its facts, task board from the GHT's playbook."""
    now = now or utcnow()
    establishment = access.referenced_establishment(uow, principal, command.establishment_id)
    access.require_write(principal, establishment.ght_id, establishment.id, "crisis.incident.open")
    if command.detected_at > now + CLOCK_SKEW:
        raise FieldError("detected_at", "error.crisis_future")
    detected_at = command.detected_at.astimezone(UTC)
    aware_at = command.personal_data_aware_at.astimezone(UTC) if command.personal_data_aware_at else None
    if aware_at is not None and aware_at < detected_at:
        raise FieldError("personal_data_aware_at", "error.crisis_before_detection")
    if (aware_at is not None or command.high_risk_to_data_subjects) and not command.personal_data:
        raise FieldError("personal_data", "error.invalid")
    ght = uow.session.get(GhtRow, establishment.ght_id)
    assert ght is not None
    playbook, origin = effective_playbook(uow, ght.id, command.scenario)
    row = IncidentRow(
        ght_id=ght.id,
        establishment_id=establishment.id,
        scenario=command.scenario,
        title=command.title or playbook.title,
        status="open",
        detected_at=detected_at,
        personal_data=command.personal_data,
        personal_data_aware_at=aware_at,
        high_risk_to_data_subjects=command.high_risk_to_data_subjects,
        insured=ght.subscribed if command.insured is None else command.insured,
        playbook_origin=origin,
        opened_at=now,
        opened_by_user_id=principal.user_id,
        logbook_head=GENESIS_HASH,
        logbook_length=0,
    )
    uow.session.add(row)
    uow.session.flush()
    for position, scheduled in enumerate(schedule_tasks(playbook, row.detected_at), start=1):
        task = scheduled.task
        uow.session.add(
            IncidentTaskRow(
                incident_id=row.id,
                ght_id=row.ght_id,
                position=position,
                task_key=task.id,
                phase=scheduled.phase,
                title=task.title,
                detail=task.detail or "",
                role=task.role,
                clock=task.clock.value if task.clock else None,
                due_at=scheduled.due_at,
            )
        )
    uow.audit(
        principal,
        "crisis.incident.opened",
        object_type="incident",
        object_id=row.id,
        ght_id=row.ght_id,
        after={
            "establishment_id": row.establishment_id,
            "scenario": row.scenario,
            "detected_at": row.detected_at,
            "personal_data": row.personal_data,
            "insured": row.insured,
            "playbook": origin,
        },
    )
    text = (
        f"Ouverture de l'incident « {row.title} » (détecté le {_paris(row.detected_at)}), "
        f"playbook {'du GHT' if origin == 'ght' else 'de référence'}."
    )
    logbook_service.append(uow, principal, row, "fact", text, now=now)
    uow.commit()
    return public(uow, row, now, language)


def writable_incident(uow: UnitOfWork, principal: Principal, incident_id: int, action: str) -> IncidentRow:
    row = access.incident_row(uow, principal, incident_id)
    access.require_write(principal, row.ght_id, row.establishment_id, action)
    return row


def ensure_open(row: IncidentRow) -> None:
    if row.status == "closed":
        raise Conflict("error.crisis_incident_closed")


def set_status(
    uow: UnitOfWork,
    principal: Principal,
    incident_id: int,
    command: IncidentStatusChange,
    *,
    now: datetime | None = None,
    language: str = "fr",
) -> IncidentPublic:
    now = now or utcnow()
    row = writable_incident(uow, principal, incident_id, "crisis.incident.status")
    ensure_open(row)
    if command.status != row.status:
        before = row.status
        row.status = command.status
        uow.audit(
            principal,
            "crisis.incident.status",
            object_type="incident",
            object_id=row.id,
            ght_id=row.ght_id,
            before={"status": before},
            after={"status": row.status},
        )
        text = f"Statut : {INCIDENT_STATUS_LABELS[before]} → {INCIDENT_STATUS_LABELS[row.status]}."
        logbook_service.append(uow, principal, row, "decision", text, now=now)
        uow.commit()
    return public(uow, row, now, language)


def close_clock(
    uow: UnitOfWork,
    principal: Principal,
    incident_id: int,
    kind: str,
    command: ClockClose,
    *,
    now: datetime | None = None,
    language: str = "fr",
) -> IncidentPublic:
    """Record that an obligation was met, with its evidence (receipt, reference); also after closing."""
    now = now or utcnow()
    row = writable_incident(uow, principal, incident_id, "crisis.clock.close")
    closed_at = (command.closed_at or now).astimezone(UTC)
    if closed_at > now + CLOCK_SKEW:
        raise FieldError("closed_at", "error.crisis_future")
    if closed_at < row.detected_at:
        raise FieldError("closed_at", "error.crisis_before_detection")
    if kind not in {state.kind.value for state in clock_states(uow, row, now)}:
        raise FieldError("kind", "error.crisis_clock_not_applicable")
    if kind in _closures(uow, row.id):
        raise Conflict("error.crisis_clock_closed")
    uow.session.add(
        ClockClosureRow(
            incident_id=row.id,
            ght_id=row.ght_id,
            kind=kind,
            closed_at=closed_at,
            evidence=command.evidence,
            closed_by_user_id=principal.user_id,
        )
    )
    uow.audit(
        principal,
        "crisis.clock.closed",
        object_type="incident",
        object_id=row.id,
        ght_id=row.ght_id,
        after={"kind": kind, "closed_at": closed_at, "evidence": command.evidence},
    )
    text = f"Obligation remplie : {DEADLINE_LABELS[kind]} le {_paris(closed_at)}. Preuve : {command.evidence}"
    logbook_service.append(uow, principal, row, "communication", text, now=now)
    uow.commit()
    return public(uow, row, now, language)


def close_incident(
    uow: UnitOfWork,
    principal: Principal,
    incident_id: int,
    command: IncidentClose,
    *,
    now: datetime | None = None,
    language: str = "fr",
) -> IncidentPublic:
    """Close with an after-action report; its lessons are stored as actions."""
    now = now or utcnow()
    row = writable_incident(uow, principal, incident_id, "crisis.incident.close")
    ensure_open(row)
    before = row.status
    row.status, row.closed_at, row.after_action_summary = "closed", now, command.summary
    lesson_service.add_lessons(uow, row.ght_id, row.establishment_id, command.lessons, incident_id=row.id)
    uow.audit(
        principal,
        "crisis.incident.closed",
        object_type="incident",
        object_id=row.id,
        ght_id=row.ght_id,
        before={"status": before},
        after={"status": "closed", "lessons": len(command.lessons)},
    )
    text = f"Clôture de l'incident. Retour d'expérience : {len(command.lessons)} action(s) retenue(s)."
    logbook_service.append(uow, principal, row, "decision", text, now=now)
    uow.commit()
    return public(uow, row, now, language)
