"""Who may read and change the assess area's data.

An assessment, its evidence and an establishment's technical exposure are a map of the hospital's
weaknesses: they are seen by the GHT's own people (its managers and viewers; an establishment user sees
their own establishment only, not the GHT-wide assessments) and by the organisations the GHT granted (its
consultant, its insurer). Nobody else: neither the cooperative's buyer (aggregated figures only) nor the
platform administrator, who manages the directory (tenants, users) and the platform-wide framework library
but not a hospital's content. For them the data does not exist (404, audited as a denied access).

Changing is for the people who run the assessment: the GHT's manager, the establishment's own user, the
consultant the GHT granted. Validating (or sending back to draft) is for the manager and the consultant.
The insurer reads, with the GHT's consent, but does not write the answers it prices on.

Framework libraries: the shipped ones and those the platform administrator imports are seen by everyone;
a GHT manager's import is private to that GHT (seen by those who may read the GHT's assessments).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_

from cyber360.core.errors import FieldError, NotFound
from cyber360.core.scope import Principal, Role
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.org import service as org_service
from cyber360.org.tables import EstablishmentRow, GhtRow

#: Roles that never see a hospital's assessment or exposure data.
NO_TENANT_CONTENT = frozenset({Role.PLATFORM_ADMIN, Role.COOPERATIVE_BUYER})
WRITERS = frozenset({Role.GHT_MANAGER, Role.ESTABLISHMENT_USER, Role.CONSULTANT})
VALIDATORS = frozenset({Role.GHT_MANAGER, Role.CONSULTANT})
LIBRARY_IMPORTERS = frozenset({Role.PLATFORM_ADMIN, Role.GHT_MANAGER})


def read_clause(principal: Principal, establishment_column: Any, ght_column: Any) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows (of one establishment, or GHT-wide when the establishment column
    is empty) that this principal may read."""
    if principal.role in NO_TENANT_CONTENT:
        return false()
    return principal.establishment_clause(establishment_column, ght_column)


def ght_read_clause(principal: Principal, ght_column: Any) -> ColumnElement[bool]:
    """Rows attached to a GHT as a whole (a GHT-private framework library)."""
    if principal.role in NO_TENANT_CONTENT:
        return false()
    return principal.ght_clause(ght_column)


def library_clause(principal: Principal, ght_column: Any) -> ColumnElement[bool]:
    """Platform-wide libraries, plus the GHT-private ones of the GHTs the principal may read."""
    return or_(ght_column.is_(None), ght_read_clause(principal, ght_column))


def can_write(principal: Principal, ght_id: int, establishment_id: int | None) -> bool:
    """May change assessments or exposure of this establishment (of the GHT as a whole when ``None``)."""
    return principal.can_write_content(WRITERS, ght_id, establishment_id)


def require_write(principal: Principal, ght_id: int, establishment_id: int | None, action: str) -> None:
    principal.require_write_content(WRITERS, ght_id, establishment_id, action)


def can_validate(principal: Principal, ght_id: int) -> bool:
    return principal.role in VALIDATORS and principal.can_write_ght(ght_id)


def can_import_library(principal: Principal) -> bool:
    if principal.role is Role.PLATFORM_ADMIN:
        return True
    return principal.role is Role.GHT_MANAGER and bool(principal.writable_ght_ids)


def establishment_in_scope(uow: UnitOfWork, principal: Principal, establishment_id: int) -> EstablishmentRow:
    """An establishment (named in a path) whose assess data the principal may read, else ``NotFound``."""
    if principal.role in NO_TENANT_CONTENT:
        return get_in_scope(
            uow, principal, EstablishmentRow, establishment_id, false(), object_type="establishment"
        )
    return org_service.establishment_row(uow, principal, establishment_id)


def referenced_establishment(
    uow: UnitOfWork, principal: Principal, establishment_id: int, field: str = "establishment_id"
) -> EstablishmentRow:
    """An establishment named in a command's body: unknown or out of scope, the field is refused alike."""
    try:
        return establishment_in_scope(uow, principal, establishment_id)
    except NotFound as error:
        raise FieldError(field, "error.unknown_id") from error


def referenced_ght(uow: UnitOfWork, principal: Principal, ght_id: int, field: str = "ght_id") -> GhtRow:
    """A GHT named in a command's body, in the principal's assess scope; else the field is refused."""
    clause = ght_read_clause(principal, GhtRow.id)
    try:
        return get_in_scope(uow, principal, GhtRow, ght_id, clause, object_type="ght")
    except NotFound as error:
        raise FieldError(field, "error.unknown_id") from error
