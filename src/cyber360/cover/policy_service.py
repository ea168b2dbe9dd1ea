"""Use cases of policies: create (the underwriter of an insurer the GHT granted, for a member GHT that
subscribed), change terms and period while a draft, move the status along its life cycle, read in scope.

Who reads a policy is :func:`cyber360.cover.access.policy_clause`: the GHT's own people (not an
establishment user), its consultant, and its insurer for the policies it underwrites. Every change is
audited with its before and after in the same transaction; the caller commits.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import ColumnElement, false, select

from cyber360.core.db import utcnow
from cyber360.core.errors import FieldError
from cyber360.core.scope import Principal, Role
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.cover import access, products
from cyber360.cover.model import (
    PolicyCreate,
    PolicyPublic,
    PolicyStatus,
    PolicyUpdate,
    canonical_json,
    check_period,
    check_terms,
    check_transition,
)
from cyber360.cover.tables import PolicyRow
from cyber360.org.tables import GhtRow, GrantRow, OrganisationRow
from cyber360.risk.service import sha256_of

OBJECT_TYPE = "cover_policy"
_AUDITED = ("reference", "product", "status", "period_start", "period_end", "insurer_organisation_id")


def ght_clause(principal: Principal, ght_column: Any) -> ColumnElement[bool]:
    """GHTs whose policies this principal may list (the readers of ``access.policy_clause``)."""
    if principal.role in access.NO_COVER_DATA or principal.role is Role.ESTABLISHMENT_USER:
        return false()
    return principal.ght_clause(ght_column)


def ght_in_scope(uow: UnitOfWork, principal: Principal, ght_id: int) -> GhtRow:
    return get_in_scope(uow, principal, GhtRow, ght_id, ght_clause(principal, GhtRow.id), object_type="ght")


def policy_row(uow: UnitOfWork, principal: Principal, policy_id: int) -> PolicyRow:
    clause = access.policy_clause(principal, PolicyRow.ght_id, PolicyRow.insurer_organisation_id)
    return get_in_scope(uow, principal, PolicyRow, policy_id, clause, object_type=OBJECT_TYPE)


def is_eligible(ght: GhtRow) -> bool:
    """The offer is reserved to the cooperative's member GHTs that subscribed it (BRIEF, the origin)."""
    return ght.cooperative_id is not None and bool(ght.subscribed)


def require_eligible(ght: GhtRow) -> None:
    if not is_eligible(ght):
        raise FieldError("ght_id", "error.cover_not_eligible")


def terms_of(row: PolicyRow) -> dict[str, Any]:
    terms: dict[str, Any] = json.loads(row.terms)
    return terms


def public(uow: UnitOfWork, row: PolicyRow) -> PolicyPublic:
    ght = uow.session.get(GhtRow, row.ght_id)
    insurer = uow.session.get(OrganisationRow, row.insurer_organisation_id)
    terms = terms_of(row)
    return PolicyPublic(
        id=row.id,
        reference=row.reference,
        ght_id=row.ght_id,
        ght_name=ght.name if ght else "",
        insurer_organisation_id=row.insurer_organisation_id,
        insurer_name=insurer.name if insurer else "",
        product=row.product,
        status=PolicyStatus(row.status),
        period_start=row.period_start,
        period_end=row.period_end,
        terms=terms,
        terms_sha256=sha256_of(terms),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(row: PolicyRow) -> dict[str, Any]:
    values = {key: getattr(row, key) for key in _AUDITED}
    values["terms"] = terms_of(row)
    values["terms_sha256"] = sha256_of(values["terms"])
    parsed: dict[str, Any] = json.loads(json.dumps(values, default=str))
    return parsed


# Reading ----------------------------------------------------------------------------------------------------


def list_policies(uow: UnitOfWork, principal: Principal, ght_id: int | None = None) -> list[PolicyPublic]:
    """Policies the principal reads, of one GHT (named in a path: out of scope is a 404) or of all."""
    statement = select(PolicyRow).where(
        access.policy_clause(principal, PolicyRow.ght_id, PolicyRow.insurer_organisation_id)
    )
    if ght_id is not None:
        ght = ght_in_scope(uow, principal, ght_id)
        statement = statement.where(PolicyRow.ght_id == ght.id)
    rows = uow.session.execute(statement.order_by(PolicyRow.ght_id, PolicyRow.id.desc())).scalars()
    return [public(uow, row) for row in rows]


def get_policy(uow: UnitOfWork, principal: Principal, policy_id: int) -> PolicyPublic:
    return public(uow, policy_row(uow, principal, policy_id))


def can_change(principal: Principal, row: PolicyRow) -> bool:
    """Whether the principal may change this policy's terms and status (its insurer's underwriter)."""
    return access.is_policy_insurer(principal, row.ght_id, row.insurer_organisation_id)


def insurable_ghts(uow: UnitOfWork, principal: Principal) -> list[tuple[GhtRow, bool]]:
    """For an underwriter: the GHTs that granted their insurer, each with whether it may be insured."""
    if principal.role is not Role.UNDERWRITER:
        return []
    granted = select(GrantRow.ght_id).where(
        GrantRow.organisation_id == principal.organisation_id, GrantRow.revoked_at.is_(None)
    )
    rows = uow.session.execute(
        select(GhtRow).where(GhtRow.id.in_(granted), principal.ght_clause(GhtRow.id)).order_by(GhtRow.name)
    ).scalars()
    return [(ght, is_eligible(ght)) for ght in rows if principal.can_write_ght(ght.id)]


def new_policy_ght(uow: UnitOfWork, principal: Principal, ght_id: int) -> GhtRow:
    """The GHT a new policy would cover, if the principal may write one for it (the form's GET)."""
    ght = ght_in_scope(uow, principal, ght_id)
    access.require_underwriter(principal, ght.id, principal.organisation_id, "cover.policy.create")
    return ght


# Changing ---------------------------------------------------------------------------------------------------


def create_policy(uow: UnitOfWork, principal: Principal, ght_id: int, command: PolicyCreate) -> PolicyPublic:
    """A draft policy of the underwriter's insurer on the GHT, from the product's default terms unless
    the command gives its own."""
    ght = new_policy_ght(uow, principal, ght_id)
    require_eligible(ght)
    product = products.find_product(command.product)
    if product is None:
        raise FieldError("product", "error.cover_unknown_product")
    terms = command.terms if command.terms is not None else product.terms()
    check_terms(terms)
    check_period(command.period_start, command.period_end)
    row = PolicyRow(
        ght_id=ght.id,
        insurer_organisation_id=principal.organisation_id,
        reference=f"pending-{uuid.uuid4().hex}",
        product=product.key,
        status=PolicyStatus.DRAFT.value,
        terms=canonical_json(terms),
        period_start=command.period_start,
        period_end=command.period_end,
        created_by_user_id=principal.user_id or None,
    )
    uow.session.add(row)
    uow.session.flush()
    row.reference = f"C360-{command.period_start.year}-{row.id:06d}"
    uow.session.flush()
    uow.audit(
        principal,
        "cover.policy.create",
        object_type=OBJECT_TYPE,
        object_id=row.id,
        ght_id=row.ght_id,
        after=_values(row),
    )
    return public(uow, row)


def update_policy(
    uow: UnitOfWork, principal: Principal, policy_id: int, command: PolicyUpdate
) -> PolicyPublic:
    """Terms and period of a draft; the status along draft -> bound -> expired / cancelled. A bound
    policy's terms are frozen: the change is refused, and new terms mean a new policy."""
    row = policy_row(uow, principal, policy_id)
    access.require_underwriter(principal, row.ght_id, row.insurer_organisation_id, "cover.policy.update")
    changes = {
        key: value for key, value in command.model_dump(exclude_unset=True).items() if value is not None
    }
    before = _values(row)
    contract = [key for key in ("terms", "period_start", "period_end") if key in changes]
    if contract and row.status != PolicyStatus.DRAFT.value:
        raise FieldError(contract[0], "error.cover_policy_frozen")
    if "terms" in changes:
        check_terms(changes["terms"])
        row.terms = canonical_json(changes["terms"])
    start = changes.get("period_start", row.period_start)
    end = changes.get("period_end", row.period_end)
    if "period_start" in changes or "period_end" in changes:
        check_period(start, end)
        row.period_start, row.period_end = start, end
    status = changes.get("status")
    if status is not None:
        check_transition(row.status, status)
        if status is PolicyStatus.BOUND and row.status != status.value:
            ght = uow.session.get(GhtRow, row.ght_id)
            assert ght is not None
            require_eligible(ght)
        row.status = status.value
    after = _values(row)
    if after == before:
        return public(uow, row)
    row.updated_at = utcnow()
    uow.session.flush()
    uow.audit(
        principal,
        "cover.policy.update",
        object_type=OBJECT_TYPE,
        object_id=row.id,
        ght_id=row.ght_id,
        before=before,
        after=after,
    )
    return public(uow, row)
