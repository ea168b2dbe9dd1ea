"""What the pages show: read models built from the directory services, and who may do what.

The services enforce every right; ``Capabilities`` mirrors their rules so that a page offers only the
buttons that will work. A page that exists only to change something (an edit form) asks the matching
``require_*`` first, so that it answers 403 up front rather than after the user has typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from cyber360.core.errors import Forbidden
from cyber360.core.scope import Principal, Role
from cyber360.core.uow import UnitOfWork
from cyber360.org import service
from cyber360.org.model import (
    ROLES_BY_ORGANISATION_KIND,
    EstablishmentPublic,
    GhtPublic,
    GrantPublic,
    OrganisationPublic,
    UserPublic,
)

_DIRECTORY_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.GHT_MANAGER})


@dataclass(frozen=True)
class Capabilities:
    """What the acting user may do, as the services decide it (used to show or hide actions)."""

    principal: Principal

    @property
    def role(self) -> Role:
        return self.principal.role

    def create_ght(self) -> bool:
        return self.role is Role.PLATFORM_ADMIN

    def edit_ght(self, ght_id: int) -> bool:
        return self.role in _DIRECTORY_ROLES and self.principal.can_write_ght(ght_id)

    def change_subscription(self) -> bool:
        return self.role in {Role.PLATFORM_ADMIN, Role.COOPERATIVE_BUYER}

    def grant(self, ght_id: int) -> bool:
        return self.role is Role.GHT_MANAGER and self.principal.can_write_ght(ght_id)

    def create_establishment(self, ght_id: int | None = None) -> bool:
        if self.role not in _DIRECTORY_ROLES:
            return False
        if ght_id is None:
            return self.principal.all_tenants_write or bool(self.principal.writable_ght_ids)
        return self.principal.can_write_ght(ght_id)

    def edit_establishment(self, establishment: EstablishmentPublic) -> bool:
        return self.principal.can_write_establishment(establishment.id, establishment.ght_id)

    def manage_users(self) -> bool:
        return self.role in _DIRECTORY_ROLES

    def read_audit(self) -> bool:
        return self.role is Role.PLATFORM_ADMIN

    def members_only(self) -> bool:
        """The cooperative's buyer follows memberships and subscriptions, not the hospitals' details."""
        return self.role is Role.COOPERATIVE_BUYER


def _require(allowed: bool, action: str) -> None:
    if not allowed:
        raise Forbidden(action)


# Dashboard ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GhtSummary:
    ght: GhtPublic
    establishments: int | None
    revenue_eur: int | None


@dataclass(frozen=True)
class Dashboard:
    """The landing page: the GHTs in the user's scope with their size (members only for the buyer)."""

    ghts: list[GhtSummary]
    establishment_count: int | None
    revenue_eur: int | None
    subscribed_count: int
    user_count: int | None


def dashboard(uow: UnitOfWork, principal: Principal) -> Dashboard:
    can = Capabilities(principal)
    ghts = service.list_ghts(uow, principal)
    subscribed = sum(1 for ght in ghts if ght.subscribed)
    users = len(service.list_users(uow, principal)) if can.manage_users() else None
    if can.members_only():
        return Dashboard([GhtSummary(ght, None, None) for ght in ghts], None, None, subscribed, users)
    establishments = service.list_establishments(uow, principal)
    summaries = [
        GhtSummary(
            ght,
            sum(1 for item in establishments if item.ght_id == ght.id),
            sum(item.annual_revenue_eur for item in establishments if item.ght_id == ght.id),
        )
        for ght in ghts
    ]
    revenue = sum(item.annual_revenue_eur for item in establishments)
    return Dashboard(summaries, len(establishments), revenue, subscribed, users)


# GHTs -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GhtDetail:
    ght: GhtPublic
    establishments: list[EstablishmentPublic]
    support: EstablishmentPublic | None
    grants: list[GrantPublic]
    grantable: list[OrganisationPublic]


def ght_detail(uow: UnitOfWork, principal: Principal, ght_id: int) -> GhtDetail:
    can = Capabilities(principal)
    ght = service.get_ght(uow, principal, ght_id)
    if can.members_only():
        return GhtDetail(ght, [], None, [], [])
    establishments = service.list_establishments(uow, principal, ght_id)
    support = next((item for item in establishments if item.id == ght.support_establishment_id), None)
    grants = service.list_grants(uow, principal, ght_id)
    granted = {grant.organisation_id for grant in grants if grant.revoked_at is None}
    grantable = [
        organisation
        for organisation in (
            service.list_organisations(uow, principal, grantable=True) if can.grant(ght_id) else []
        )
        if organisation.id not in granted
    ]
    return GhtDetail(ght, establishments, support, grants, grantable)


def ght_for_edit(uow: UnitOfWork, principal: Principal, ght_id: int) -> GhtDetail:
    """The GHT and its establishments (for the support choice), if the user may change it."""
    ght = service.get_ght(uow, principal, ght_id)  # 404 first: out of scope never reads as forbidden
    _require(Capabilities(principal).edit_ght(ght_id), "ght.update")
    establishments = service.list_establishments(uow, principal, ght_id)
    return GhtDetail(ght, establishments, None, [], [])


def require_create_ght(principal: Principal) -> None:
    _require(Capabilities(principal).create_ght(), "ght.create")


# Establishments ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EstablishmentLine:
    establishment: EstablishmentPublic
    ght_name: str


def establishment_list(uow: UnitOfWork, principal: Principal) -> list[EstablishmentLine]:
    names = {ght.id: ght.name for ght in service.list_ghts(uow, principal)}
    return [
        EstablishmentLine(item, names.get(item.ght_id, ""))
        for item in service.list_establishments(uow, principal)
    ]


@dataclass(frozen=True)
class EstablishmentDetail:
    establishment: EstablishmentPublic
    ght: GhtPublic
    is_support: bool


def establishment_detail(uow: UnitOfWork, principal: Principal, establishment_id: int) -> EstablishmentDetail:
    establishment = service.get_establishment(uow, principal, establishment_id)
    ght = service.get_ght(uow, principal, establishment.ght_id)
    return EstablishmentDetail(establishment, ght, ght.support_establishment_id == establishment.id)


def establishment_for_edit(
    uow: UnitOfWork, principal: Principal, establishment_id: int
) -> EstablishmentDetail:
    detail = establishment_detail(uow, principal, establishment_id)
    _require(Capabilities(principal).edit_establishment(detail.establishment), "establishment.update")
    return detail


def ghts_for_new_establishment(uow: UnitOfWork, principal: Principal) -> list[GhtPublic]:
    """The GHTs the user may add an establishment to; forbidden when there is none."""
    can = Capabilities(principal)
    ghts = [ght for ght in service.list_ghts(uow, principal) if can.create_establishment(ght.id)]
    _require(bool(ghts), "establishment.create")
    return ghts


# Users ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserDirectory:
    """The users the actor manages and the choices their forms offer."""

    users: list[UserPublic]
    organisations: list[OrganisationPublic]
    roles: list[Role]
    establishments: list[EstablishmentPublic]

    def organisation_name(self, organisation_id: int) -> str:
        return next((item.name for item in self.organisations if item.id == organisation_id), "")

    def establishment_name(self, establishment_id: int | None) -> str:
        return next((item.name for item in self.establishments if item.id == establishment_id), "")


def user_directory(uow: UnitOfWork, principal: Principal) -> UserDirectory:
    _require(Capabilities(principal).manage_users(), "user.manage")
    users = service.list_users(uow, principal)
    if principal.role is Role.PLATFORM_ADMIN:
        organisations = service.list_organisations(uow, principal)
        roles = list(Role)
    else:
        organisations = [
            OrganisationPublic(
                id=principal.organisation_id,
                kind=principal.organisation_kind.value,
                name=principal.organisation_name,
            )
        ]
        allowed = ROLES_BY_ORGANISATION_KIND.get(principal.organisation_kind.value, frozenset())
        roles = [role for role in Role if role in allowed]
    establishments = service.list_establishments(uow, principal)
    return UserDirectory(users, organisations, roles, establishments)


@dataclass(frozen=True)
class UserDetail:
    user: UserPublic
    organisation_name: str
    establishment_name: str


def user_detail(uow: UnitOfWork, principal: Principal, user_id: int) -> UserDetail:
    """A user of the actor's directory (themselves, for a role that manages nobody)."""
    user = service.get_user(uow, principal, user_id)
    if user.organisation_id == principal.organisation_id:
        organisation = principal.organisation_name
    else:
        organisation = next(
            (
                item.name
                for item in service.list_organisations(uow, principal)
                if item.id == user.organisation_id
            ),
            "",
        )
    establishment = next(
        (
            item.name
            for item in service.list_establishments(uow, principal)
            if item.id == user.establishment_id
        ),
        "",
    )
    return UserDetail(user, organisation, establishment)
