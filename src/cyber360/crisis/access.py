"""Who may read, change and see the sensitive parts of the crisis area.

Reading follows the tenant scope (GHT, or the one establishment of an establishment user), except for the
cooperative's buyer, who sees aggregated figures only and no crisis data at all. Changing is for the people
who run a crisis: the GHT's managers, the establishment's own users, the consultant the GHT granted, and the
platform administrator. The insurer reads (with the GHT's consent) but does not run the crisis. The personal
phones of the out-of-band contacts are shown to the crisis roles only (GHT manager, user of that
establishment, granted consultant), and each view is audited by the services.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false

from cyber360.core.errors import FieldError, NotFound
from cyber360.core.scope import Principal, Role
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.crisis.tables import ExerciseRow, IncidentRow
from cyber360.org import service as org_service
from cyber360.org.tables import EstablishmentRow, GhtRow

CRISIS_WRITERS = frozenset({Role.PLATFORM_ADMIN, Role.GHT_MANAGER, Role.ESTABLISHMENT_USER, Role.CONSULTANT})


def read_clause(principal: Principal, establishment_column: Any, ght_column: Any) -> ColumnElement[bool]:
    """A WHERE clause keeping the crisis rows this principal may read."""
    if principal.role is Role.COOPERATIVE_BUYER:
        return false()
    return principal.establishment_clause(establishment_column, ght_column)


def can_write(principal: Principal, ght_id: int, establishment_id: int | None) -> bool:
    """May change crisis data of this establishment (or of the GHT as a whole when ``None``)."""
    return principal.can_write_content(CRISIS_WRITERS, ght_id, establishment_id)


def require_write(principal: Principal, ght_id: int, establishment_id: int | None, action: str) -> None:
    principal.require_write_content(CRISIS_WRITERS, ght_id, establishment_id, action)


def can_see_personal_phones(principal: Principal, ght_id: int, establishment_id: int | None) -> bool:
    """The crisis roles: a manager of the GHT, a user of that establishment, the consultant it granted."""
    if principal.role is Role.GHT_MANAGER:
        return ght_id in principal.writable_ght_ids
    if principal.role is Role.ESTABLISHMENT_USER:
        return establishment_id is not None and establishment_id == principal.establishment_id
    if principal.role is Role.CONSULTANT:
        return ght_id in principal.readable_ght_ids
    return False


def referenced_establishment(
    uow: UnitOfWork, principal: Principal, establishment_id: int, field: str = "establishment_id"
) -> EstablishmentRow:
    """An establishment named in a command's body: unknown or out of scope, the field is refused alike."""
    try:
        row = org_service.establishment_row(uow, principal, establishment_id)
    except NotFound as error:
        raise FieldError(field, "error.unknown_id") from error
    if principal.role is Role.COOPERATIVE_BUYER:
        raise FieldError(field, "error.unknown_id")
    return row


def ght_in_scope(uow: UnitOfWork, principal: Principal, ght_id: int) -> GhtRow:
    """A GHT in the reader's crisis scope (e.g. named in a path), else ``NotFound`` (denial audited)."""
    clause = false() if principal.role is Role.COOPERATIVE_BUYER else principal.ght_clause(GhtRow.id)
    return get_in_scope(uow, principal, GhtRow, ght_id, clause, object_type="ght")


def referenced_ght(uow: UnitOfWork, principal: Principal, ght_id: int, field: str = "ght_id") -> GhtRow:
    """A GHT named in a command's body: unknown or out of scope, the field is refused (one answer)."""
    try:
        return ght_in_scope(uow, principal, ght_id)
    except NotFound as error:
        raise FieldError(field, "error.unknown_id") from error


def incident_row(uow: UnitOfWork, principal: Principal, incident_id: int) -> IncidentRow:
    """An incident in the reader's crisis scope, else ``NotFound`` (denial audited)."""
    clause = read_clause(principal, IncidentRow.establishment_id, IncidentRow.ght_id)
    return get_in_scope(uow, principal, IncidentRow, incident_id, clause, object_type="incident")


def exercise_row(uow: UnitOfWork, principal: Principal, exercise_id: int) -> ExerciseRow:
    """An exercise in the reader's crisis scope, else ``NotFound`` (denial audited)."""
    clause = read_clause(principal, ExerciseRow.establishment_id, ExerciseRow.ght_id)
    return get_in_scope(uow, principal, ExerciseRow, exercise_id, clause, object_type="exercise")
