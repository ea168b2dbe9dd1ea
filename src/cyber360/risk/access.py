"""Who may read and change the risk area's data (results, plans, reports).

Euro figures per scenario are as sensitive as the weaknesses they come from: they are read by the GHT's own
people (an establishment user sees their own establishment only, not the GHT-wide figures) and by the
organisations the GHT granted (its consultant, its insurer, who prices from them). The platform administrator
and the cooperative's buyer do not see them (404, audited). Changing (runs, plan) is for the GHT manager,
the establishment's own user and the granted consultant.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false

from cyber360.core.errors import FieldError, NotFound
from cyber360.core.scope import Principal, Role
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.org import service as org_service
from cyber360.org.tables import EstablishmentRow, GhtRow

NO_TENANT_CONTENT = frozenset({Role.PLATFORM_ADMIN, Role.COOPERATIVE_BUYER})
WRITERS = frozenset({Role.GHT_MANAGER, Role.ESTABLISHMENT_USER, Role.CONSULTANT})


def read_clause(principal: Principal, establishment_column: Any, ght_column: Any) -> ColumnElement[bool]:
    """Rows of one establishment (or GHT-wide when the establishment column is empty) this principal reads."""
    if principal.role in NO_TENANT_CONTENT:
        return false()
    return principal.establishment_clause(establishment_column, ght_column)


def ght_clause(principal: Principal, ght_column: Any) -> ColumnElement[bool]:
    """GHTs whose GHT-wide figures this principal reads (not an establishment user)."""
    if principal.role in NO_TENANT_CONTENT or principal.role is Role.ESTABLISHMENT_USER:
        return false()
    return principal.ght_clause(ght_column)


def can_write(principal: Principal, ght_id: int, establishment_id: int | None) -> bool:
    return principal.can_write_content(WRITERS, ght_id, establishment_id)


def require_write(principal: Principal, ght_id: int, establishment_id: int | None, action: str) -> None:
    principal.require_write_content(WRITERS, ght_id, establishment_id, action)


def establishment_in_scope(uow: UnitOfWork, principal: Principal, establishment_id: int) -> EstablishmentRow:
    if principal.role in NO_TENANT_CONTENT:
        return get_in_scope(
            uow, principal, EstablishmentRow, establishment_id, false(), object_type="establishment"
        )
    return org_service.establishment_row(uow, principal, establishment_id)


def ght_in_scope(uow: UnitOfWork, principal: Principal, ght_id: int) -> GhtRow:
    return get_in_scope(uow, principal, GhtRow, ght_id, ght_clause(principal, GhtRow.id), object_type="ght")


def referenced(value: Any, field: str) -> Any:
    """An id named in a body that is unknown or out of scope: the field is refused."""
    if value is None:
        raise FieldError(field, "error.unknown_id")
    return value


__all__ = ["NotFound", "can_write", "establishment_in_scope", "ght_clause", "ght_in_scope", "read_clause"]
