"""Who may read and change the cover area's data: policies, quotes, claims.

A policy, its quotes and its claims are read by the GHT's own people and by the organisations the GHT
granted: its consultant and its insurer, and an insurer only the policies it underwrites (a GHT granted to
two insurers shows neither the other's terms nor its premiums). An establishment user sees only the claims
of their own establishment (policies and premiums are GHT-wide). The platform administrator and the
cooperative's buyer see none of it (404, audited): the buyer sees anonymised aggregates only
(``cooperative_service``).

Changing: the terms of a policy and the decisions on a claim (review, accept, refuse, pay) are the
underwriter's, for the policies of their own insurer; a quote may be run by that underwriter or by the
GHT's manager (it changes no term, it prices the current risk); a claim is declared and documented by the
GHT's manager or, for their establishment, the establishment's user.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false

from cyber360.core.errors import Forbidden
from cyber360.core.scope import OrganisationKind, Principal, Role

NO_COVER_DATA = frozenset({Role.PLATFORM_ADMIN, Role.COOPERATIVE_BUYER})
#: Who may declare and document a claim (within their write scope).
DECLARANTS = frozenset({Role.GHT_MANAGER, Role.ESTABLISHMENT_USER})
#: Who may run a quote on a policy (within their write scope).
QUOTERS = frozenset({Role.GHT_MANAGER, Role.UNDERWRITER})


def policy_clause(principal: Principal, ght_column: Any, insurer_column: Any) -> ColumnElement[bool]:
    """Policies (and their quotes, through the policy) this principal reads."""
    if principal.role in NO_COVER_DATA or principal.role is Role.ESTABLISHMENT_USER:
        return false()
    clause = principal.ght_clause(ght_column)
    if principal.organisation_kind is OrganisationKind.INSURER:
        return and_(clause, insurer_column == principal.organisation_id)
    return clause


def claim_clause(
    principal: Principal, ght_column: Any, establishment_column: Any, insurer_column: Any
) -> ColumnElement[bool]:
    """Claims this principal reads (``insurer_column``: the claim's policy's insurer)."""
    if principal.role in NO_COVER_DATA:
        return false()
    if principal.role is Role.ESTABLISHMENT_USER:
        return principal.establishment_clause(establishment_column, ght_column)
    return policy_clause(principal, ght_column, insurer_column)


def is_policy_insurer(principal: Principal, ght_id: int, insurer_organisation_id: int) -> bool:
    """The acting user is an underwriter of the policy's insurer, granted by its GHT."""
    return (
        principal.role is Role.UNDERWRITER
        and principal.organisation_id == insurer_organisation_id
        and principal.can_write_ght(ght_id)
    )


def require_underwriter(principal: Principal, ght_id: int, insurer_organisation_id: int, action: str) -> None:
    if not is_policy_insurer(principal, ght_id, insurer_organisation_id):
        raise Forbidden(action)


def can_quote(principal: Principal, ght_id: int, insurer_organisation_id: int) -> bool:
    if principal.role is Role.UNDERWRITER:
        return is_policy_insurer(principal, ght_id, insurer_organisation_id)
    return principal.can_write_content(QUOTERS, ght_id, None)


def require_quote(principal: Principal, ght_id: int, insurer_organisation_id: int, action: str) -> None:
    if not can_quote(principal, ght_id, insurer_organisation_id):
        raise Forbidden(action)


def can_declare(principal: Principal, ght_id: int, establishment_id: int | None) -> bool:
    """Declare or document a claim (``establishment_id`` None: GHT-wide, never an establishment user)."""
    return principal.can_write_content(DECLARANTS, ght_id, establishment_id)


def require_declare(principal: Principal, ght_id: int, establishment_id: int | None, action: str) -> None:
    if not can_declare(principal, ght_id, establishment_id):
        raise Forbidden(action)
