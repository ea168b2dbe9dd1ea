"""The underwriter's decisions on a claim: take it under review, accept, pay or refuse (``cover.claims``).

Only an underwriter of the claim's policy's insurer, granted by the GHT, decides
(``access.require_underwriter``); the indemnity is recomputed at review and at acceptance, and each decision
is audited with before and after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select

from cyber360.core.db import utcnow
from cyber360.core.errors import Conflict, FieldError
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.cover import access
from cyber360.cover.claim_indemnity import recompute
from cyber360.cover.claim_model import ClaimDecision, ClaimPublic
from cyber360.cover.claim_service import claim_public, claim_row
from cyber360.cover.claims import ClaimState, InvalidTransition, Transition, next_state
from cyber360.cover.tables import ClaimItemRow, PolicyRow

#: The audit action of each decision, by the state it leads to.
_AUDIT_ACTIONS: Final = {
    ClaimState.UNDER_REVIEW: "cover.claim.under_review",
    ClaimState.ACCEPTED: "cover.claim.accepted",
    ClaimState.PAID: "cover.claim.paid",
    ClaimState.REFUSED: "cover.claim.refused",
}


def decide(
    uow: UnitOfWork,
    principal: Principal,
    claim_id: int,
    transition: str,
    command: ClaimDecision,
    *,
    now: datetime | None = None,
    language: str = "fr",
) -> ClaimPublic:
    """A decision of the policy's underwriter: review, accept, pay or refuse (see ``cover.claims``)."""
    now = now or utcnow()
    decision = Transition(transition)
    row = claim_row(uow, principal, claim_id)
    policy = uow.session.get(PolicyRow, row.policy_id)
    assert policy is not None
    access.require_underwriter(
        principal, row.ght_id, policy.insurer_organisation_id, f"cover.claim.{transition}"
    )
    try:
        target = next_state(ClaimState(row.state), decision)
    except InvalidTransition as error:
        raise Conflict("error.claim_transition") from error
    if command.paid_eur is not None and decision is not Transition.PAY:
        raise FieldError("paid_eur", "error.invalid")
    if decision is Transition.REFUSE and not command.note:
        raise FieldError("note", "error.required")
    before = {"state": row.state, "proposed_indemnity_eur": row.proposed_indemnity_eur}
    if decision is Transition.ACCEPT:
        # One decision at a time per policy: the annual aggregates are consumed in acceptance order.
        uow.session.execute(select(PolicyRow.id).where(PolicyRow.id == policy.id).with_for_update())
        if not uow.session.execute(select(ClaimItemRow.id).where(ClaimItemRow.claim_id == row.id)).first():
            raise Conflict("error.claim_no_items")
    if decision in {Transition.REVIEW, Transition.ACCEPT}:
        recompute(uow, row, policy)
    if decision is Transition.PAY:
        proposed = row.proposed_indemnity_eur or 0.0
        paid = proposed if command.paid_eur is None else command.paid_eur
        if paid > proposed + 0.005:
            raise FieldError("paid_eur", "error.claim_paid_above")
        row.paid_eur, row.paid_at = round(paid, 2), now
    if decision in {Transition.ACCEPT, Transition.REFUSE}:
        row.decided_at = now
    if command.note:
        row.decision_note = command.note
    row.state = target.value
    row.updated_at = now
    after = {"state": row.state, "proposed_indemnity_eur": row.proposed_indemnity_eur}
    if decision is Transition.PAY:
        after["paid_eur"] = row.paid_eur
    if command.note:
        after["note"] = command.note
    uow.audit(
        principal,
        _AUDIT_ACTIONS[target],
        object_type="claim",
        object_id=row.id,
        ght_id=row.ght_id,
        before=before,
        after=after,
    )
    uow.commit()
    return claim_public(uow, principal, row, language)
