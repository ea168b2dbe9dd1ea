"""Reading the audit trail from the administration pages: the latest records and the chain check.

Only the platform administrator reads the trail here; a GHT's own people will get a view of their GHT's
records from the areas that need it. Reading changes nothing, so it writes no record of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from cyber360.core.audit import AuditRecord, ChainReport, verify_chain
from cyber360.core.scope import Principal, Role
from cyber360.core.uow import UnitOfWork

#: The page shows the most recent records only; ``cyber360 audit verify`` and exports cover the rest.
RECENT_RECORDS = 200
PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_email: str
    action: str
    object_type: str
    object_id: str
    ght_id: int | None
    before: str
    after: str
    request_id: str
    ip_address: str


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def _shown(canonical: str) -> str:
    """The before/after JSON as stored (readable, non-ASCII kept), empty when there is none."""
    return "" if canonical in {"", "null"} else canonical


def recent_records(uow: UnitOfWork, principal: Principal, page: int = 1) -> AuditPage:
    """One page of the latest records, newest first."""
    principal.require_role(Role.PLATFORM_ADMIN, action="audit.read")
    total = min(uow.session.execute(select(func.count(AuditRecord.id))).scalar_one(), RECENT_RECORDS)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    offset = (page - 1) * PAGE_SIZE
    rows = uow.session.execute(
        select(AuditRecord)
        .order_by(AuditRecord.id.desc())
        .offset(offset)
        .limit(max(0, min(PAGE_SIZE, RECENT_RECORDS - offset)))
    ).scalars()
    entries = [
        AuditEntry(
            id=row.id,
            at=row.at,
            actor_email=row.actor_email,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            ght_id=row.ght_id,
            before=_shown(row.before),
            after=_shown(row.after),
            request_id=row.request_id,
            ip_address=row.ip_address,
        )
        for row in rows
    ]
    return AuditPage(entries, page, pages, total)


def verify(uow: UnitOfWork, principal: Principal) -> ChainReport:
    """Recompute the whole hash chain (``cyber360 audit verify`` from the browser)."""
    principal.require_role(Role.PLATFORM_ADMIN, action="audit.verify")
    return verify_chain(uow.session)
