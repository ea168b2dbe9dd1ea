"""The audit trail: append-only, hash-chained records of every change, login, grant and denial.

Each record's hash covers its content and the previous record's hash, so altering or deleting a row
breaks every link after it; ``verify_chain`` reports the first broken one. The database refuses UPDATE
and DELETE on the table (triggers created by the migration), so the chain is also protected at rest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from cyber360.core.db import Base, UtcDateTime, utcnow

GENESIS_HASH = "0" * 64
#: PostgreSQL advisory lock key serialising appends to the chain (any constant shared by writers).
_CHAIN_LOCK_KEY = 360_0001


class AuditRecord(Base):
    """One line of the audit trail."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_email: Mapped[str] = mapped_column(String(320), default="")
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    ght_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(80), default="")
    object_id: Mapped[str] = mapped_column(String(80), default="")
    before: Mapped[str] = mapped_column(Text, default="null")
    after: Mapped[str] = mapped_column(Text, default="null")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


@dataclass(frozen=True)
class Actor:
    """Who did it, as written in the trail (a user, or the system for CLI and migrations)."""

    user_id: int | None
    email: str
    organisation_id: int | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(user_id=None, email=name, organisation_id=None)


def canonical_json(value: Any) -> str:
    """Stable JSON: sorted keys, no spaces, dates as ISO strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_hash(record: AuditRecord) -> str:
    """The hash of a record's content chained on ``prev_hash``."""
    payload = canonical_json(
        [
            record.prev_hash,
            _timestamp(record.at),
            record.actor_user_id,
            record.actor_email,
            record.organisation_id,
            record.ght_id,
            record.action,
            record.object_type,
            record.object_id,
            record.before,
            record.after,
            record.request_id,
            record.ip_address,
        ]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str = "",
    object_id: object = "",
    ght_id: int | None = None,
    before: Any = None,
    after: Any = None,
    request_id: str = "",
    ip_address: str = "",
) -> AuditRecord:
    """Append a record in the caller's transaction (it is written only if that transaction commits)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    prev = session.execute(select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).scalar()
    record = AuditRecord(
        at=utcnow(),
        actor_user_id=actor.user_id,
        actor_email=actor.email,
        organisation_id=actor.organisation_id,
        ght_id=ght_id,
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        before=canonical_json(before),
        after=canonical_json(after),
        request_id=request_id,
        ip_address=ip_address,
        prev_hash=prev or GENESIS_HASH,
    )
    record.hash = record_hash(record)
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a verification: how many records were checked and the first broken link."""

    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def _iter_records(session: Session, batch: int = 1000) -> Iterator[AuditRecord]:
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(AuditRecord).where(AuditRecord.id > last_id).order_by(AuditRecord.id).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash in order; report the first record whose link or content does not match."""
    expected_prev = GENESIS_HASH
    checked = 0
    for record in _iter_records(session):
        if record.prev_hash != expected_prev:
            return ChainReport(
                checked, record.id, "prev_hash does not match the previous record (deleted or reordered)"
            )
        if record_hash(record) != record.hash:
            return ChainReport(checked, record.id, "content altered: hash does not match")
        expected_prev = record.hash
        checked += 1
    return ChainReport(checked)
