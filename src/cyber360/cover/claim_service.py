"""Claims: reading, declaring (alone or from a crisis incident), completing the facts, and the proposed
indemnity, recomputed from the policy's terms (``cover.claims``) whenever the items or the facts change, at
review and at acceptance. Loss items and files: ``claim_documents``; the underwriter's decisions:
``claim_decisions``. Every change is audited with before and after.

Reading goes through ``access.claim_clause``: the claim's GHT, its establishment for an establishment user,
and for an insurer the claim's policy's insurer (a correlated sub-query on the policy, so that a claim is
fetched, or denied and audited, by ``core.scoped.get_in_scope`` like every tenant object).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, false, select

from cyber360.core.db import utcnow
from cyber360.core.errors import Conflict, FieldError, NotFound
from cyber360.core.scope import Principal, Role
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.cover import access, claim_views
from cyber360.cover.claim_indemnity import policy_terms, recompute
from cyber360.cover.claim_model import ClaimCreate, ClaimPublic, ClaimSummary, ClaimUpdate
from cyber360.cover.claims import (
    COMPONENTS,
    DOCUMENTABLE,
    ClaimState,
    allowed_transitions,
    covering_section,
)
from cyber360.cover.tables import ClaimRow, PolicyRow
from cyber360.crisis.clocks import PARIS
from cyber360.crisis.incident_service import CLOCK_SKEW
from cyber360.crisis.tables import ClockClosureRow, IncidentRow
from cyber360.org.tables import GhtRow

#: Policy statuses a claim may be declared on (a bound policy; an expired one for losses of its period).
CLAIMABLE_POLICY_STATUSES: Final = frozenset({"bound", "expired"})


# Scope ------------------------------------------------------------------------------------------------------


def _claim_insurer() -> Any:
    return (
        select(PolicyRow.insurer_organisation_id)
        .where(PolicyRow.id == ClaimRow.policy_id)
        .correlate(ClaimRow)
        .scalar_subquery()
    )


def read_clause(principal: Principal) -> ColumnElement[bool]:
    """The claims this principal reads."""
    return access.claim_clause(principal, ClaimRow.ght_id, ClaimRow.establishment_id, _claim_insurer())


def claim_row(uow: UnitOfWork, principal: Principal, claim_id: int) -> ClaimRow:
    """A claim in the reader's scope, else ``NotFound`` (denial audited)."""
    return get_in_scope(uow, principal, ClaimRow, claim_id, read_clause(principal), object_type="claim")


def declarable_policy_clause(principal: Principal) -> ColumnElement[bool]:
    """Policies a declarant may name: an establishment user names their GHT's policy without reading it."""
    if principal.role in access.NO_COVER_DATA:
        return false()
    if principal.role is Role.ESTABLISHMENT_USER:
        return principal.ght_clause(PolicyRow.ght_id)
    return access.policy_clause(principal, PolicyRow.ght_id, PolicyRow.insurer_organisation_id)


def _referenced_policy(uow: UnitOfWork, principal: Principal, policy_id: int) -> PolicyRow:
    clause = declarable_policy_clause(principal)
    try:
        return get_in_scope(uow, principal, PolicyRow, policy_id, clause, object_type="policy")
    except NotFound as error:
        raise FieldError("policy_id", "error.unknown_id") from error


def _referenced_incident(uow: UnitOfWork, principal: Principal, incident_id: int) -> IncidentRow:
    from cyber360.crisis import access as crisis_access

    try:
        return crisis_access.incident_row(uow, principal, incident_id)
    except NotFound as error:
        raise FieldError("incident_id", "error.unknown_id") from error


def _referenced_establishment(
    uow: UnitOfWork, principal: Principal, establishment_id: int, ght_id: int
) -> int:
    from cyber360.org import service as org_service

    try:
        establishment = org_service.establishment_row(uow, principal, establishment_id)
    except NotFound as error:
        raise FieldError("establishment_id", "error.unknown_id") from error
    if establishment.ght_id != ght_id:
        raise FieldError("establishment_id", "error.claim_establishment_other_ght")
    return establishment.id


def policy_in_scope(uow: UnitOfWork, principal: Principal, policy_id: int) -> PolicyRow:
    clause = access.policy_clause(principal, PolicyRow.ght_id, PolicyRow.insurer_organisation_id)
    return get_in_scope(uow, principal, PolicyRow, policy_id, clause, object_type="policy")


def ght_in_scope(uow: UnitOfWork, principal: Principal, ght_id: int) -> GhtRow:
    clause = false() if principal.role in access.NO_COVER_DATA else principal.ght_clause(GhtRow.id)
    return get_in_scope(uow, principal, GhtRow, ght_id, clause, object_type="ght")


# Reading ----------------------------------------------------------------------------------------------------


def covered_components(policy: PolicyRow) -> list[str]:
    """The components a loss item may name: those a section of the policy covers."""
    terms = policy_terms(policy)
    return [component for component in COMPONENTS if covering_section(terms, component) is not None]


def claim_public(uow: UnitOfWork, principal: Principal, row: ClaimRow, language: str) -> ClaimPublic:
    policy = uow.session.get(PolicyRow, row.policy_id)
    assert policy is not None
    state = ClaimState(row.state)
    insurer = access.is_policy_insurer(principal, row.ght_id, policy.insurer_organisation_id)
    return claim_views.public(
        uow,
        row,
        language,
        sections=covered_components(policy),
        can_document=state in DOCUMENTABLE
        and access.can_declare(principal, row.ght_id, row.establishment_id),
        transitions=[transition.value for transition in allowed_transitions(state)] if insurer else [],
    )


def get_claim(uow: UnitOfWork, principal: Principal, claim_id: int, *, language: str = "fr") -> ClaimPublic:
    return claim_public(uow, principal, claim_row(uow, principal, claim_id), language)


def list_claims(
    uow: UnitOfWork, principal: Principal, *, ght_id: int | None = None, policy_id: int | None = None
) -> list[ClaimSummary]:
    statement = select(ClaimRow).where(read_clause(principal))
    if ght_id is not None:
        statement = statement.where(ClaimRow.ght_id == ght_id)
    if policy_id is not None:
        statement = statement.where(ClaimRow.policy_id == policy_id)
    rows = uow.session.execute(statement.order_by(ClaimRow.declared_at.desc(), ClaimRow.id.desc())).scalars()
    return [claim_views.summary(uow, row) for row in rows]


def claims_of_ght(uow: UnitOfWork, principal: Principal, ght_id: int) -> list[ClaimSummary]:
    return list_claims(uow, principal, ght_id=ght_in_scope(uow, principal, ght_id).id)


def claims_of_policy(uow: UnitOfWork, principal: Principal, policy_id: int) -> list[ClaimSummary]:
    return list_claims(uow, principal, policy_id=policy_in_scope(uow, principal, policy_id).id)


# Declaring and documenting ----------------------------------------------------------------------------------


def _check_instants(learned_at: datetime, complaint_filed_at: datetime | None, now: datetime) -> None:
    if learned_at > now + CLOCK_SKEW:
        raise FieldError("learned_at", "error.claim_future")
    if complaint_filed_at is not None:
        if complaint_filed_at > now + CLOCK_SKEW:
            raise FieldError("complaint_filed_at", "error.claim_future")
        if complaint_filed_at < learned_at:
            raise FieldError("complaint_filed_at", "error.claim_complaint_before")


def _check_period(policy: PolicyRow, learned_at: datetime, field: str) -> None:
    if not policy.period_start <= learned_at.astimezone(PARIS).date() <= policy.period_end:
        start, end = policy.period_start.isoformat(), policy.period_end.isoformat()
        raise FieldError(field, "error.claim_outside_period", start=start, end=end)


def complaint_of(uow: UnitOfWork, incident: IncidentRow) -> ClockClosureRow | None:
    return uow.session.execute(
        select(ClockClosureRow).where(
            ClockClosureRow.incident_id == incident.id, ClockClosureRow.kind == "insurance_complaint"
        )
    ).scalar_one_or_none()


def _facts_snapshot(row: ClaimRow) -> dict[str, Any]:
    return {
        "title": row.title,
        "learned_at": row.learned_at,
        "complaint_filed_at": row.complaint_filed_at,
        "complaint_reference": row.complaint_reference,
        "degraded_days": row.degraded_days,
        "systemic": row.systemic,
        "proposed_indemnity_eur": row.proposed_indemnity_eur,
    }


def declare(
    uow: UnitOfWork,
    principal: Principal,
    command: ClaimCreate,
    *,
    now: datetime | None = None,
    language: str = "fr",
) -> ClaimPublic:
    """Declare a claim on a policy, alone or from an incident of the policy's GHT (facts prefilled)."""
    now = now or utcnow()
    policy = _referenced_policy(uow, principal, command.policy_id)
    incident = _referenced_incident(uow, principal, command.incident_id) if command.incident_id else None
    if incident is not None and incident.ght_id != policy.ght_id:
        raise FieldError("incident_id", "error.claim_incident_other_ght")
    establishment_id = command.establishment_id
    if incident is not None:
        if establishment_id not in {None, incident.establishment_id}:
            raise FieldError("establishment_id", "error.claim_establishment_incident")
        establishment_id = incident.establishment_id
    elif establishment_id is None and principal.role is Role.ESTABLISHMENT_USER:
        establishment_id = principal.establishment_id
    if establishment_id is not None:
        establishment_id = _referenced_establishment(uow, principal, establishment_id, policy.ght_id)
    access.require_declare(principal, policy.ght_id, establishment_id, "cover.claim.declare")
    if policy.status not in CLAIMABLE_POLICY_STATUSES:
        raise FieldError("policy_id", "error.claim_policy_not_bound")
    closure = complaint_of(uow, incident) if incident is not None else None
    title = command.title or (incident.title if incident else "")
    if not title:
        raise FieldError("title", "error.required")
    learned_at = command.learned_at or (incident.detected_at if incident else None)
    if learned_at is None:
        raise FieldError("learned_at", "error.required")
    learned_at = learned_at.astimezone(UTC)
    complaint_filed_at = command.complaint_filed_at or (closure.closed_at if closure else None)
    complaint_filed_at = complaint_filed_at.astimezone(UTC) if complaint_filed_at else None
    complaint_reference = command.complaint_reference or (closure.evidence[:200] if closure else "")
    _check_instants(learned_at, complaint_filed_at, now)
    _check_period(policy, learned_at, "learned_at" if command.learned_at or not incident else "incident_id")
    if (
        incident is not None
        and uow.session.execute(
            select(ClaimRow.id).where(
                ClaimRow.incident_id == incident.id,
                ClaimRow.policy_id == policy.id,
                ClaimRow.state != ClaimState.REFUSED.value,
            )
        ).first()
    ):
        raise Conflict("error.claim_incident_declared")
    row = ClaimRow(
        policy_id=policy.id,
        ght_id=policy.ght_id,
        establishment_id=establishment_id,
        incident_id=incident.id if incident else None,
        reference=f"pending-{secrets.token_hex(12)}",
        title=title,
        state=ClaimState.DECLARED.value,
        learned_at=learned_at,
        complaint_filed_at=complaint_filed_at,
        complaint_reference=complaint_reference,
        degraded_days=command.degraded_days,
        systemic=command.systemic,
        declared_by_user_id=principal.user_id,
        declared_at=now,
        updated_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    row.reference = f"SIN-{learned_at.astimezone(PARIS).year}-{row.id:06d}"
    recompute(uow, row, policy)
    uow.audit(
        principal,
        "cover.claim.declared",
        object_type="claim",
        object_id=row.id,
        ght_id=row.ght_id,
        after={
            "reference": row.reference,
            "policy_id": policy.id,
            "establishment_id": establishment_id,
            "incident_id": row.incident_id,
            **_facts_snapshot(row),
        },
    )
    uow.commit()
    return claim_public(uow, principal, row, language)


def documentable(
    uow: UnitOfWork, principal: Principal, claim_id: int, action: str
) -> tuple[ClaimRow, PolicyRow]:
    """A claim the acting user may document now: in scope, a declarant of its establishment (or GHT), and
    still declared or under review."""
    row = claim_row(uow, principal, claim_id)
    access.require_declare(principal, row.ght_id, row.establishment_id, action)
    if ClaimState(row.state) not in DOCUMENTABLE:
        raise Conflict("error.claim_not_documentable")
    policy = uow.session.get(PolicyRow, row.policy_id)
    assert policy is not None
    return row, policy


def update_claim(
    uow: UnitOfWork,
    principal: Principal,
    claim_id: int,
    command: ClaimUpdate,
    *,
    now: datetime | None = None,
    language: str = "fr",
) -> ClaimPublic:
    """Complete the facts (title, complaint, degraded-mode days, systemic flag); the indemnity follows."""
    now = now or utcnow()
    row, policy = documentable(uow, principal, claim_id, "cover.claim.update")
    before = _facts_snapshot(row)
    sent = command.model_fields_set
    if command.title is not None:
        row.title = command.title
    if command.complaint_reference is not None:
        row.complaint_reference = command.complaint_reference
    if command.systemic is not None:
        row.systemic = command.systemic
    if "complaint_filed_at" in sent:
        filed = command.complaint_filed_at
        row.complaint_filed_at = filed.astimezone(UTC) if filed else None
    if "degraded_days" in sent:
        row.degraded_days = command.degraded_days
    _check_instants(row.learned_at, row.complaint_filed_at, now)
    row.updated_at = now
    recompute(uow, row, policy)
    after = _facts_snapshot(row)
    changed = {key for key in after if after[key] != before[key]}
    if changed:
        uow.audit(
            principal,
            "cover.claim.updated",
            object_type="claim",
            object_id=row.id,
            ght_id=row.ght_id,
            before={key: before[key] for key in sorted(changed)},
            after={key: after[key] for key in sorted(changed)},
        )
        uow.commit()
    else:
        uow.rollback()
    return get_claim(uow, principal, claim_id, language=language)
