"""What the declaration forms offer the acting user: the policies they may declare a claim on, the
establishments they may declare for, and their incidents a claim may be declared from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cyber360.core.scope import Principal, Role
from cyber360.core.uow import UnitOfWork
from cyber360.cover import access
from cyber360.cover.claim_model import PolicyChoice
from cyber360.cover.claim_service import CLAIMABLE_POLICY_STATUSES, complaint_of, declarable_policy_clause
from cyber360.cover.claims import ClaimState
from cyber360.cover.tables import ClaimRow, PolicyRow


def _own_establishment(principal: Principal) -> int | None:
    return principal.establishment_id if principal.role is Role.ESTABLISHMENT_USER else None


def claimable_policies(uow: UnitOfWork, principal: Principal) -> list[PolicyChoice]:
    """Policies in force that the acting user may declare a claim on (reference and period only)."""
    rows = uow.session.execute(
        select(PolicyRow)
        .where(declarable_policy_clause(principal), PolicyRow.status.in_(sorted(CLAIMABLE_POLICY_STATUSES)))
        .order_by(PolicyRow.ght_id, PolicyRow.period_start.desc(), PolicyRow.id)
    ).scalars()
    return [
        PolicyChoice(
            id=row.id,
            reference=row.reference,
            product=row.product,
            ght_id=row.ght_id,
            period_start=row.period_start.isoformat(),
            period_end=row.period_end.isoformat(),
        )
        for row in rows
        if access.can_declare(principal, row.ght_id, _own_establishment(principal))
    ]


def declarable_establishments(uow: UnitOfWork, principal: Principal, ght_ids: set[int]) -> list[Any]:
    """Establishments of these GHTs the acting user may declare a claim for."""
    from cyber360.org import service as org_service

    return [
        item
        for item in org_service.list_establishments(uow, principal, None)
        if item.ght_id in ght_ids and access.can_declare(principal, item.ght_id, item.id)
    ]


def may_declare_ght_wide(principal: Principal, ght_id: int) -> bool:
    return access.can_declare(principal, ght_id, None)


def declarable_incidents(uow: UnitOfWork, principal: Principal) -> list[Any]:
    """The acting user's incidents detected during the period of a policy in force of their GHT, not yet the
    subject of a claim."""
    from cyber360.crisis import incident_service
    from cyber360.crisis.clocks import PARIS

    periods: dict[int, list[tuple[str, str]]] = {}
    for policy in claimable_policies(uow, principal):
        periods.setdefault(policy.ght_id, []).append((policy.period_start, policy.period_end))
    if not periods:
        return []
    claimed = set(
        uow.session.execute(
            select(ClaimRow.incident_id).where(
                ClaimRow.incident_id.is_not(None), ClaimRow.state != ClaimState.REFUSED.value
            )
        ).scalars()
    )

    def covered(incident: Any) -> bool:
        day = incident.detected_at.astimezone(PARIS).date().isoformat()
        return any(start <= day <= end for start, end in periods.get(incident.ght_id, []))

    return [
        incident
        for incident in incident_service.list_incidents(uow, principal)
        if incident.id not in claimed
        and covered(incident)
        and access.can_declare(principal, incident.ght_id, incident.establishment_id)
    ]


def incident_prefill(uow: UnitOfWork, principal: Principal, incident_id: int) -> dict[str, Any]:
    """The facts a claim declared from this incident starts with (an incident out of scope: not found)."""
    from cyber360.crisis import access as crisis_access

    incident = crisis_access.incident_row(uow, principal, incident_id)
    closure = complaint_of(uow, incident)
    return {
        "incident_id": incident.id,
        "incident_title": incident.title,
        "ght_id": incident.ght_id,
        "establishment_id": incident.establishment_id,
        "title": incident.title,
        "learned_at": incident.detected_at,
        "complaint_filed_at": closure.closed_at if closure else None,
        "complaint_reference": closure.evidence[:200] if closure else "",
    }
