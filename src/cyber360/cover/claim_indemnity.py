"""The proposed indemnity of a claim, recomputed from its policy's terms (``cover.claims``) with what the
other settled claims of the same policy year already consumed of the annual aggregates."""

from __future__ import annotations

import json
from datetime import date
from typing import Final

from sqlalchemy import select

from cyber360.core.errors import Conflict
from cyber360.core.uow import UnitOfWork
from cyber360.cover import claim_views
from cyber360.cover.claims import SETTLED, ClaimFacts, Consumption, LossItem, compute_indemnity, policy_year
from cyber360.cover.tables import ClaimItemRow, ClaimRow, PolicyRow
from cyber360.crisis.clocks import PARIS
from cyber360.crisis.tables import IncidentRow
from cyber360.quant.policy import Policy, policy_from_dict

#: Scenarios that are not attacks: the complaint rule (L.12-10-1) does not apply to them.
NON_MALICIOUS_SCENARIOS: Final = frozenset({"accidental_outage"})


def policy_terms(policy: PolicyRow) -> Policy:
    try:
        return policy_from_dict(json.loads(policy.terms))
    except ValueError as error:  # bad JSON or a ModelError: stored terms the engine cannot read
        raise Conflict("error.claim_policy_terms") from error


def _year(policy: PolicyRow, row: ClaimRow) -> tuple[date, date]:
    return policy_year(policy.period_start, policy.period_end, row.learned_at.astimezone(PARIS).date())


def _consumed(uow: UnitOfWork, policy: PolicyRow, row: ClaimRow) -> Consumption:
    """What the other settled claims of the same policy year consumed of the annual aggregates."""
    year = _year(policy, row)
    others = uow.session.execute(
        select(ClaimRow)
        .where(ClaimRow.policy_id == policy.id, ClaimRow.id != row.id, ClaimRow.state.in_(sorted(SETTLED)))
        .order_by(ClaimRow.decided_at, ClaimRow.id)
    ).scalars()
    total = Consumption()
    for other in others:
        if _year(policy, other) == year:
            total = total.plus(claim_views.stored_consumption(other))
    return total


def _facts(uow: UnitOfWork, row: ClaimRow) -> ClaimFacts:
    items = uow.session.execute(
        select(ClaimItemRow).where(ClaimItemRow.claim_id == row.id).order_by(ClaimItemRow.id)
    ).scalars()
    incident = uow.session.get(IncidentRow, row.incident_id) if row.incident_id else None
    return ClaimFacts(
        items=[LossItem(item.section, item.amount_eur) for item in items],
        learned_at=row.learned_at,
        complaint_filed_at=row.complaint_filed_at,
        degraded_days=row.degraded_days,
        systemic=row.systemic,
        complaint_required=incident is None or incident.scenario not in NON_MALICIOUS_SCENARIOS,
    )


def recompute(uow: UnitOfWork, row: ClaimRow, policy: PolicyRow) -> None:
    """Apply the policy's terms to the claim as it stands and store the explanation and the indemnity."""
    uow.session.flush()
    result = compute_indemnity(policy_terms(policy), _facts(uow, row), _consumed(uow, policy, row))
    row.indemnity = claim_views.stored(result, _year(policy, row))
    row.proposed_indemnity_eur = round(result.indemnity, 2)
