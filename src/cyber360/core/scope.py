"""Who is acting and what they may see: roles, the principal and its tenant scope.

Tenant scope lives in the data layer: every query of tenant data is filtered by the clauses built here,
so an object outside the scope is simply not found (404), never forbidden (403).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.sql.elements import ColumnElement as _ColumnElement

from cyber360.core.errors import Forbidden


class Role(StrEnum):
    """The roles of the platform (BRIEF.md, personas)."""

    PLATFORM_ADMIN = "platform_admin"
    COOPERATIVE_BUYER = "cooperative_buyer"
    GHT_MANAGER = "ght_manager"
    ESTABLISHMENT_USER = "establishment_user"
    CONSULTANT = "consultant"
    UNDERWRITER = "underwriter"
    VIEWER = "viewer"


class OrganisationKind(StrEnum):
    """The kinds of organisation a user belongs to."""

    PLATFORM = "platform"
    COOPERATIVE = "cooperative"
    GHT = "ght"
    INSURER = "insurer"
    SECURITY_FIRM = "security_firm"


#: Roles that change tenant data and so must use a second factor in production.
WRITING_ROLES = frozenset(
    {Role.PLATFORM_ADMIN, Role.GHT_MANAGER, Role.ESTABLISHMENT_USER, Role.CONSULTANT, Role.UNDERWRITER}
)


@dataclass(frozen=True)
class Principal:
    """The acting user and the GHTs and establishments they may read or change.

    ``all_tenants`` is true only for the platform administrator, who manages the directory
    (GHTs, establishments, users) of every tenant.
    """

    user_id: int
    email: str
    display_name: str
    role: Role
    organisation_id: int
    organisation_kind: OrganisationKind
    organisation_name: str = ""
    locale: str = "fr"
    readable_ght_ids: frozenset[int] = field(default_factory=frozenset)
    writable_ght_ids: frozenset[int] = field(default_factory=frozenset)
    establishment_id: int | None = None
    all_tenants: bool = False
    all_tenants_write: bool = False
    session_id: str | None = None
    via_token: bool = False
    #: A read-only API token: the web shell refuses it every method but GET, HEAD and OPTIONS.
    read_only: bool = False
    csrf_token: str = ""
    pending_second_factor: str | None = None
    totp_enabled: bool = False

    # Clauses for queries -------------------------------------------------------------------
    def ght_clause(self, ght_id_column: Any) -> ColumnElement[bool]:
        """A WHERE clause keeping only rows of GHTs this principal may read."""
        if self.all_tenants:
            return true()
        if not self.readable_ght_ids:
            return false()
        clause: _ColumnElement[bool] = ght_id_column.in_(sorted(self.readable_ght_ids))
        return clause

    def establishment_clause(self, establishment_id_column: Any, ght_id_column: Any) -> ColumnElement[bool]:
        """A WHERE clause keeping only rows of establishments this principal may read."""
        if self.role is Role.ESTABLISHMENT_USER:
            if self.establishment_id is None:
                return false()
            clause: _ColumnElement[bool] = establishment_id_column == self.establishment_id
            return clause
        return self.ght_clause(ght_id_column)

    # Checks on objects already found in scope ------------------------------------------------
    def can_read_ght(self, ght_id: int) -> bool:
        return self.all_tenants or ght_id in self.readable_ght_ids

    def can_write_ght(self, ght_id: int) -> bool:
        return self.all_tenants_write or ght_id in self.writable_ght_ids

    def can_write_establishment(self, establishment_id: int, ght_id: int) -> bool:
        if self.role is Role.ESTABLISHMENT_USER:
            return establishment_id == self.establishment_id and ght_id in self.writable_ght_ids
        return self.can_write_ght(ght_id)

    def can_write_content(self, writers: frozenset[Role], ght_id: int, establishment_id: int | None) -> bool:
        """Whether one of an area's ``writers`` may change tenant content of an establishment, or of the
        GHT as a whole when ``establishment_id`` is None (never an establishment user's right)."""
        if self.role not in writers:
            return False
        if establishment_id is None:
            return self.role is not Role.ESTABLISHMENT_USER and self.can_write_ght(ght_id)
        return self.can_write_establishment(establishment_id, ght_id)

    def require_write_content(
        self, writers: frozenset[Role], ght_id: int, establishment_id: int | None, action: str
    ) -> None:
        if not self.can_write_content(writers, ght_id, establishment_id):
            raise Forbidden(action)

    def require_write_ght(self, ght_id: int, action: str) -> None:
        if not self.can_write_ght(ght_id):
            raise Forbidden(action)

    def require_role(self, *roles: Role, action: str) -> None:
        if self.role not in roles:
            raise Forbidden(action)
