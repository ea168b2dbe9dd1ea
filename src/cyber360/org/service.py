"""Directory use cases (GHTs, establishments, users, grants): a command, a unit of work and the actor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cyber360.core import security
from cyber360.core.db import utcnow
from cyber360.core.errors import Conflict, FieldError, Forbidden, NotFound
from cyber360.core.scope import OrganisationKind, Principal, Role
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.org import auth
from cyber360.org.model import (
    GRANTABLE_ORGANISATION_KINDS,
    EstablishmentCreate,
    EstablishmentPublic,
    EstablishmentUpdate,
    GhtCreate,
    GhtPublic,
    GhtUpdate,
    GrantCreate,
    GrantPublic,
    OrganisationPublic,
    PasswordChange,
    UserCreate,
    UserPublic,
    UserUpdate,
    role_allowed,
)
from cyber360.org.tables import EstablishmentRow, GhtRow, GrantRow, OrganisationRow, UserRow


def _values(row: Any, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


def _flush_or_conflict(uow: UnitOfWork, field: str) -> None:
    try:
        uow.session.flush()
    except IntegrityError as error:
        uow.rollback()
        raise FieldError(field, "error.duplicate") from error


# GHTs ---------------------------------------------------------------------------------------------

_GHT_FIELDS = ["name", "region", "member_since", "subscribed", "support_establishment_id"]


def _ght_row(uow: UnitOfWork, principal: Principal, ght_id: int) -> GhtRow:
    return get_in_scope(uow, principal, GhtRow, ght_id, principal.ght_clause(GhtRow.id), object_type="ght")


def _referenced_ght(uow: UnitOfWork, principal: Principal, ght_id: int) -> GhtRow:
    """A GHT named in a command's body; unknown or out of scope, the field is refused (the same answer)."""
    try:
        return _ght_row(uow, principal, ght_id)
    except NotFound as error:
        raise FieldError("ght_id", "error.unknown_id") from error


def list_ghts(uow: UnitOfWork, principal: Principal) -> list[GhtPublic]:
    rows = uow.session.execute(select(GhtRow).where(principal.ght_clause(GhtRow.id)).order_by(GhtRow.name))
    return [GhtPublic.model_validate(row, from_attributes=True) for row in rows.scalars()]


def get_ght(uow: UnitOfWork, principal: Principal, ght_id: int) -> GhtPublic:
    return GhtPublic.model_validate(_ght_row(uow, principal, ght_id), from_attributes=True)


def create_ght(uow: UnitOfWork, principal: Principal, command: GhtCreate) -> GhtPublic:
    """Register a GHT with its own organisation (its users belong to it), member of the cooperative."""
    principal.require_role(Role.PLATFORM_ADMIN, action="ght.create")
    cooperative_id = uow.session.execute(
        select(OrganisationRow.id).where(OrganisationRow.kind == OrganisationKind.COOPERATIVE.value)
    ).scalar()
    organisation = OrganisationRow(kind=OrganisationKind.GHT.value, name=command.name)
    uow.session.add(organisation)
    uow.session.flush()
    row = GhtRow(organisation_id=organisation.id, cooperative_id=cooperative_id, **command.model_dump())
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        principal,
        "ght.created",
        object_type="ght",
        object_id=row.id,
        ght_id=row.id,
        after=_values(row, _GHT_FIELDS),
    )
    uow.commit()
    return GhtPublic.model_validate(row, from_attributes=True)


def update_ght(uow: UnitOfWork, principal: Principal, ght_id: int, command: GhtUpdate) -> GhtPublic:
    """Change a GHT. Subscription is the cooperative's decision; the rest is the GHT's own."""
    row = _ght_row(uow, principal, ght_id)
    changes = command.model_dump(exclude_unset=True)
    if "subscribed" in changes:
        principal.require_role(Role.PLATFORM_ADMIN, Role.COOPERATIVE_BUYER, action="ght.subscription")
        if changes["subscribed"] and row.cooperative_id is None:
            raise FieldError("subscribed", "error.not_a_member")  # the offer is reserved to members
    if set(changes) - {"subscribed"}:
        principal.require_write_ght(ght_id, "ght.update")
        if principal.role not in {Role.PLATFORM_ADMIN, Role.GHT_MANAGER}:
            raise Forbidden("ght.update")
    support = changes.get("support_establishment_id")
    if support is not None:
        establishment = uow.session.get(EstablishmentRow, support)
        if establishment is None or establishment.ght_id != ght_id:
            raise FieldError("support_establishment_id", "error.support_not_in_ght")
    before = _values(row, _GHT_FIELDS)
    for name, value in changes.items():
        setattr(row, name, value)
    uow.audit(
        principal,
        "ght.updated",
        object_type="ght",
        object_id=row.id,
        ght_id=row.id,
        before=before,
        after=_values(row, _GHT_FIELDS),
    )
    uow.commit()
    return GhtPublic.model_validate(row, from_attributes=True)


# Establishments ------------------------------------------------------------------------------------

_ESTABLISHMENT_FIELDS = ["name", "finess", "kind", "beds", "annual_revenue_eur", "patients_per_year"]


def _establishment_clause(principal: Principal) -> Any:
    return principal.establishment_clause(EstablishmentRow.id, EstablishmentRow.ght_id)


def list_establishments(
    uow: UnitOfWork, principal: Principal, ght_id: int | None = None
) -> list[EstablishmentPublic]:
    statement = select(EstablishmentRow).where(_establishment_clause(principal))
    if ght_id is not None:
        statement = statement.where(EstablishmentRow.ght_id == ght_id)
    rows = uow.session.execute(statement.order_by(EstablishmentRow.ght_id, EstablishmentRow.name)).scalars()
    return [EstablishmentPublic.model_validate(row, from_attributes=True) for row in rows]


def establishment_row(uow: UnitOfWork, principal: Principal, establishment_id: int) -> EstablishmentRow:
    """The establishment if the actor may read it (for other areas that attach data to one)."""
    return get_in_scope(
        uow,
        principal,
        EstablishmentRow,
        establishment_id,
        _establishment_clause(principal),
        object_type="establishment",
    )


def get_establishment(uow: UnitOfWork, principal: Principal, establishment_id: int) -> EstablishmentPublic:
    return EstablishmentPublic.model_validate(
        establishment_row(uow, principal, establishment_id), from_attributes=True
    )


def create_establishment(
    uow: UnitOfWork, principal: Principal, command: EstablishmentCreate
) -> EstablishmentPublic:
    _referenced_ght(uow, principal, command.ght_id)
    principal.require_write_ght(command.ght_id, "establishment.create")
    principal.require_role(Role.PLATFORM_ADMIN, Role.GHT_MANAGER, action="establishment.create")
    row = EstablishmentRow(**command.model_dump())
    uow.session.add(row)
    _flush_or_conflict(uow, "finess")
    uow.audit(
        principal,
        "establishment.created",
        object_type="establishment",
        object_id=row.id,
        ght_id=row.ght_id,
        after=_values(row, _ESTABLISHMENT_FIELDS),
    )
    uow.commit()
    return EstablishmentPublic.model_validate(row, from_attributes=True)


def update_establishment(
    uow: UnitOfWork, principal: Principal, establishment_id: int, command: EstablishmentUpdate
) -> EstablishmentPublic:
    row = establishment_row(uow, principal, establishment_id)
    # The directory is the GHT's own declaration: a granted insurer or consultant reads it, never rewrites
    # it (an insurer would otherwise change the revenue it prices on).
    principal.require_role(
        Role.PLATFORM_ADMIN, Role.GHT_MANAGER, Role.ESTABLISHMENT_USER, action="establishment.update"
    )
    if not principal.can_write_establishment(row.id, row.ght_id):
        raise Forbidden("establishment.update")
    before = _values(row, _ESTABLISHMENT_FIELDS)
    for name, value in command.model_dump(exclude_unset=True).items():
        if value is None:
            raise FieldError(name, "error.required")
        setattr(row, name, value)
    _flush_or_conflict(uow, "finess")
    uow.audit(
        principal,
        "establishment.updated",
        object_type="establishment",
        object_id=row.id,
        ght_id=row.ght_id,
        before=before,
        after=_values(row, _ESTABLISHMENT_FIELDS),
    )
    uow.commit()
    return EstablishmentPublic.model_validate(row, from_attributes=True)


# Organisations and users -------------------------------------------------------------------------------


def list_organisations(
    uow: UnitOfWork, principal: Principal, *, grantable: bool = False
) -> list[OrganisationPublic]:
    """Organisations the actor may pick from: all for the administrator, grantable ones for a GHT manager."""
    statement = select(OrganisationRow).order_by(OrganisationRow.kind, OrganisationRow.name)
    if grantable or principal.role is not Role.PLATFORM_ADMIN:
        statement = statement.where(OrganisationRow.kind.in_(sorted(GRANTABLE_ORGANISATION_KINDS)))
        if principal.role not in {Role.PLATFORM_ADMIN, Role.GHT_MANAGER}:
            return []
    return [
        OrganisationPublic.model_validate(row, from_attributes=True)
        for row in uow.session.execute(statement).scalars()
    ]


def _user_clause(principal: Principal) -> Any:
    if principal.role is Role.PLATFORM_ADMIN:
        return UserRow.id.is_not(None)
    if principal.role is Role.GHT_MANAGER:
        return UserRow.organisation_id == principal.organisation_id
    return UserRow.id == principal.user_id


def list_users(uow: UnitOfWork, principal: Principal) -> list[UserPublic]:
    rows = uow.session.execute(
        select(UserRow).where(_user_clause(principal)).order_by(UserRow.email)
    ).scalars()
    return [UserPublic.model_validate(row, from_attributes=True) for row in rows]


def get_user(uow: UnitOfWork, principal: Principal, user_id: int) -> UserPublic:
    row = get_in_scope(uow, principal, UserRow, user_id, _user_clause(principal), object_type="user")
    return UserPublic.model_validate(row, from_attributes=True)


_USER_FIELDS = ["email", "display_name", "organisation_id", "role", "establishment_id", "locale", "is_active"]


def _check_user_placement(
    uow: UnitOfWork, principal: Principal, organisation_id: int, role: Role, establishment_id: int | None
) -> None:
    organisation = uow.session.get(OrganisationRow, organisation_id)
    if organisation is None:
        raise FieldError("organisation_id", "error.unknown_id")
    if principal.role is Role.GHT_MANAGER and organisation_id != principal.organisation_id:
        raise FieldError("organisation_id", "error.unknown_id")
    if principal.role not in {Role.PLATFORM_ADMIN, Role.GHT_MANAGER}:
        raise Forbidden("user.manage")
    if not role_allowed(organisation.kind, role):
        raise FieldError("role", "error.role_not_allowed")
    if role is Role.ESTABLISHMENT_USER:
        establishment = uow.session.get(EstablishmentRow, establishment_id) if establishment_id else None
        ght = uow.session.execute(select(GhtRow).where(GhtRow.organisation_id == organisation_id)).scalar()
        if establishment is None or ght is None or establishment.ght_id != ght.id:
            raise FieldError("establishment_id", "error.establishment_not_in_ght")


def create_user(uow: UnitOfWork, principal: Principal, command: UserCreate) -> UserPublic:
    principal.require_role(Role.PLATFORM_ADMIN, Role.GHT_MANAGER, action="user.create")
    _check_user_placement(uow, principal, command.organisation_id, command.role, command.establishment_id)
    row = UserRow(
        email=command.email.lower(),
        display_name=command.display_name,
        password_hash=security.hash_password(command.password),
        organisation_id=command.organisation_id,
        role=command.role.value,
        establishment_id=command.establishment_id if command.role is Role.ESTABLISHMENT_USER else None,
        locale=command.locale,
    )
    uow.session.add(row)
    _flush_or_conflict(uow, "email")
    uow.audit(
        principal, "user.created", object_type="user", object_id=row.id, after=_values(row, _USER_FIELDS)
    )
    uow.commit()
    return UserPublic.model_validate(row, from_attributes=True)


def update_user(uow: UnitOfWork, principal: Principal, user_id: int, command: UserUpdate) -> UserPublic:
    """Change a user; deactivating or changing the role ends their sessions at once."""
    row = get_in_scope(uow, principal, UserRow, user_id, _user_clause(principal), object_type="user")
    changes = command.model_dump(exclude_unset=True)
    role = Role(changes.get("role") or row.role)
    if {"role", "establishment_id", "is_active"} & set(changes):
        if row.id == principal.user_id:
            raise FieldError("role" if "role" in changes else "is_active", "error.not_on_yourself")
        _check_user_placement(
            uow, principal, row.organisation_id, role, changes.get("establishment_id", row.establishment_id)
        )
    before = _values(row, _USER_FIELDS)
    for name, value in changes.items():
        setattr(row, name, value.value if isinstance(value, Role) else value)
    if role is not Role.ESTABLISHMENT_USER:
        row.establishment_id = None
    if changes.get("is_active") is False or "role" in changes:
        auth.end_sessions(uow, row.id)
    uow.audit(
        principal,
        "user.updated",
        object_type="user",
        object_id=row.id,
        before=before,
        after=_values(row, _USER_FIELDS),
    )
    uow.commit()
    return UserPublic.model_validate(row, from_attributes=True)


def update_own_locale(uow: UnitOfWork, principal: Principal, locale: str) -> None:
    if locale not in {"fr", "en"}:
        raise FieldError("locale", "error.choice")
    row = uow.session.get(UserRow, principal.user_id)
    assert row is not None
    if row.locale != locale:
        uow.audit(
            principal,
            "user.locale",
            object_type="user",
            object_id=row.id,
            before={"locale": row.locale},
            after={"locale": locale},
        )
        row.locale = locale
        uow.commit()


def change_password(uow: UnitOfWork, principal: Principal, command: PasswordChange) -> None:
    """Change one's own password; every other session of the user ends."""
    row = uow.session.get(UserRow, principal.user_id)
    assert row is not None
    if not security.verify_password(row.password_hash, command.current_password):
        raise FieldError("current_password", "error.password_wrong")
    row.password_hash = security.hash_password(command.new_password)
    auth.end_sessions(
        uow, row.id, except_session_id=int(principal.session_id) if principal.session_id else None
    )
    uow.audit(principal, "user.password_changed", object_type="user", object_id=row.id)
    uow.commit()


# Grants ----------------------------------------------------------------------------------------------------


def _grant_public(uow: UnitOfWork, row: GrantRow) -> GrantPublic:
    organisation = uow.session.get(OrganisationRow, row.organisation_id)
    return GrantPublic(
        id=row.id,
        ght_id=row.ght_id,
        organisation_id=row.organisation_id,
        organisation_name=organisation.name if organisation else "",
        granted_at=row.granted_at,
        revoked_at=row.revoked_at,
    )


def list_grants(uow: UnitOfWork, principal: Principal, ght_id: int) -> list[GrantPublic]:
    _ght_row(uow, principal, ght_id)
    rows = uow.session.execute(
        select(GrantRow).where(GrantRow.ght_id == ght_id).order_by(GrantRow.id)
    ).scalars()
    return [_grant_public(uow, row) for row in rows]


def create_grant(uow: UnitOfWork, principal: Principal, command: GrantCreate) -> GrantPublic:
    """The GHT's manager lets a security firm or an insurer see the GHT's data."""
    _referenced_ght(uow, principal, command.ght_id)
    principal.require_role(Role.GHT_MANAGER, action="grant.create")
    principal.require_write_ght(command.ght_id, "grant.create")
    organisation = uow.session.get(OrganisationRow, command.organisation_id)
    if organisation is None or organisation.kind not in GRANTABLE_ORGANISATION_KINDS:
        raise FieldError("organisation_id", "error.not_grantable")
    existing = uow.session.execute(
        select(GrantRow).where(
            GrantRow.ght_id == command.ght_id,
            GrantRow.organisation_id == organisation.id,
            GrantRow.revoked_at.is_(None),
        )
    ).scalar()
    if existing is not None:
        raise Conflict("error.grant_exists")
    row = GrantRow(
        ght_id=command.ght_id, organisation_id=organisation.id, granted_by_user_id=principal.user_id
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        principal,
        "grant.created",
        object_type="grant",
        object_id=row.id,
        ght_id=row.ght_id,
        after={"organisation_id": organisation.id, "organisation": organisation.name},
    )
    uow.commit()
    return _grant_public(uow, row)


def revoke_grant(uow: UnitOfWork, principal: Principal, grant_id: int) -> GrantPublic:
    row = get_in_scope(
        uow, principal, GrantRow, grant_id, principal.ght_clause(GrantRow.ght_id), object_type="grant"
    )
    principal.require_role(Role.GHT_MANAGER, action="grant.revoke")
    principal.require_write_ght(row.ght_id, "grant.revoke")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        uow.audit(
            principal,
            "grant.revoked",
            object_type="grant",
            object_id=row.id,
            ght_id=row.ght_id,
            before={"revoked_at": None},
            after={"revoked_at": row.revoked_at},
        )
        uow.commit()
    return _grant_public(uow, row)


def require_found(value: Any, object_type: str, object_id: object) -> Any:
    if value is None:
        raise NotFound(object_type, object_id)
    return value
