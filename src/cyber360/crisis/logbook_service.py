"""The incident logbook (main courante) in the database: append, read, verify; the decision register.

Entries are hashed and chained by ``crisis.logbook``; the server stamps them (never the client); there is no
use case to change or remove one, and the database refuses it too (triggers of the migration). The
incident keeps the last hash and the length, so a logbook cut short at rest is detected as well.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cyber360.core.db import utcnow
from cyber360.core.errors import Conflict, FieldError, NotFound
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.crisis import access, logbook
from cyber360.crisis.schemas import ChainPublic, LogEntryCreate, LogEntryPublic
from cyber360.crisis.tables import IncidentRow, LogEntryRow


def _domain(row: LogEntryRow) -> logbook.LogEntry:
    return logbook.LogEntry(
        incident_id=str(row.incident_id),
        sequence=row.sequence,
        recorded_at=row.recorded_at,
        author=row.author,
        # Stored as text: a tampered, unknown kind must reach ``verify_chain``, which reports it.
        kind=cast(logbook.EntryKind, row.kind),
        text=row.text,
        corrects=row.corrects,
        previous_hash=row.previous_hash,
        entry_hash=row.entry_hash,
    )


def _rows(uow: UnitOfWork, incident_id: int) -> list[LogEntryRow]:
    statement = (
        select(LogEntryRow).where(LogEntryRow.incident_id == incident_id).order_by(LogEntryRow.sequence)
    )
    return list(uow.session.execute(statement).scalars())


def append(
    uow: UnitOfWork,
    principal: Principal,
    incident: IncidentRow,
    kind: str,
    text: str,
    *,
    corrects: int | None = None,
    now: datetime | None = None,
) -> LogEntryRow:
    """Chain a new entry after the last one, in the caller's transaction (the caller commits)."""
    # Serialise the appends of one incident (PostgreSQL; SQLite already has a single writer).
    uow.session.execute(select(IncidentRow.id).where(IncidentRow.id == incident.id).with_for_update())
    last = uow.session.execute(
        select(LogEntryRow)
        .where(LogEntryRow.incident_id == incident.id)
        .order_by(LogEntryRow.sequence.desc())
        .limit(1)
    ).scalar_one_or_none()
    previous = _domain(last) if last is not None else None
    recorded_at = now or utcnow()
    if previous is not None and recorded_at < previous.recorded_at:
        recorded_at = previous.recorded_at  # a server clock never goes back within one logbook
    length = previous.sequence if previous else 0
    if kind == logbook.EntryKind.CORRECTION and corrects is None:
        raise FieldError("corrects", "error.required")
    if corrects is not None and kind != logbook.EntryKind.CORRECTION:
        raise FieldError("corrects", "error.crisis_correction_pointer")
    if corrects is not None and not 1 <= corrects <= length:
        raise FieldError("corrects", "error.crisis_correction_target")
    try:
        entry = logbook.append_entry(
            previous,
            incident_id=str(incident.id),
            recorded_at=recorded_at,
            author=principal.display_name[: logbook.MAX_AUTHOR_LENGTH] or principal.email,
            kind=kind,
            text=text,
            corrects=corrects,
        )
    except logbook.LogbookError as error:
        raise FieldError(error.field, "error.invalid") from None
    row = LogEntryRow(
        incident_id=incident.id,
        ght_id=incident.ght_id,
        sequence=entry.sequence,
        recorded_at=entry.recorded_at,
        author=entry.author,
        author_user_id=principal.user_id,
        kind=entry.kind.value,
        text=entry.text,
        corrects=entry.corrects,
        previous_hash=entry.previous_hash,
        entry_hash=entry.entry_hash,
    )
    uow.session.add(row)
    incident.logbook_head = entry.entry_hash
    incident.logbook_length = entry.sequence
    try:
        uow.session.flush()
    except IntegrityError as error:
        uow.rollback()
        raise Conflict("error.crisis_logbook_busy") from error
    uow.audit(
        principal,
        "crisis.log.appended",
        object_type="incident",
        object_id=incident.id,
        ght_id=incident.ght_id,
        after={"sequence": entry.sequence, "kind": entry.kind.value, "entry_hash": entry.entry_hash},
    )
    return row


def _public(rows: list[LogEntryRow]) -> list[LogEntryPublic]:
    corrected_by = logbook.corrections_of([_domain(row) for row in rows])
    return [
        LogEntryPublic(
            incident_id=row.incident_id,
            sequence=row.sequence,
            recorded_at=row.recorded_at,
            author=row.author,
            kind=row.kind,
            text=row.text,
            corrects=row.corrects,
            corrected_by=corrected_by.get(row.sequence, []),
            previous_hash=row.previous_hash,
            entry_hash=row.entry_hash,
        )
        for row in rows
    ]


def add_entry(
    uow: UnitOfWork,
    principal: Principal,
    incident_id: int,
    command: LogEntryCreate,
    *,
    now: datetime | None = None,
) -> LogEntryPublic:
    """A new line of the main courante, stamped by the server, authored by the acting user."""
    incident = access.incident_row(uow, principal, incident_id)
    access.require_write(principal, incident.ght_id, incident.establishment_id, "crisis.log.append")
    if incident.status == "closed":
        raise Conflict("error.crisis_incident_closed")
    row = append(uow, principal, incident, command.kind, command.text, corrects=command.corrects, now=now)
    uow.commit()
    return _public(_rows(uow, incident.id))[row.sequence - 1]


def list_entries(uow: UnitOfWork, principal: Principal, incident_id: int) -> list[LogEntryPublic]:
    incident = access.incident_row(uow, principal, incident_id)
    return _public(_rows(uow, incident.id))


def get_entry(uow: UnitOfWork, principal: Principal, incident_id: int, sequence: int) -> LogEntryPublic:
    entries = list_entries(uow, principal, incident_id)
    if not 1 <= sequence <= len(entries):
        raise NotFound("log_entry", sequence)
    return entries[sequence - 1]


def decisions(uow: UnitOfWork, principal: Principal, incident_id: int) -> list[LogEntryPublic]:
    """The decision register: the logbook's decisions, each with the corrections made to it."""
    return [entry for entry in list_entries(uow, principal, incident_id) if entry.kind == "decision"]


def verify(uow: UnitOfWork, principal: Principal, incident_id: int) -> ChainPublic:
    """Recompute the chain and compare its head with the one the incident recorded."""
    incident = access.incident_row(uow, principal, incident_id)
    rows = _rows(uow, incident.id)
    result = logbook.verify_chain(
        [_domain(row) for row in rows],
        incident_id=str(incident.id),
        expected_head=incident.logbook_head,
    )
    return ChainPublic(
        valid=result.valid,
        entries_checked=result.entries_checked,
        head_hash=result.head_hash,
        broken_at_sequence=result.broken_at_sequence,
        reason=result.reason,
    )
