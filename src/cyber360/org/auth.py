"""Authentication use cases: login with throttling, sessions, second factor, API tokens, principals."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import func, select, update

from cyber360.core import security
from cyber360.core.audit import Actor
from cyber360.core.db import utcnow
from cyber360.core.errors import (
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from cyber360.core.scope import WRITING_ROLES, OrganisationKind, Principal, Role
from cyber360.core.settings import DEMO_PASSWORD, Environment, Settings
from cyber360.core.uow import UnitOfWork
from cyber360.org.tables import (
    ApiTokenRow,
    GhtRow,
    GrantRow,
    LoginAttemptRow,
    OrganisationRow,
    RecoveryCodeRow,
    UserRow,
    WebSessionRow,
)

API_TOKEN_PREFIX = "c360_"  # noqa: S105 - a public prefix, not a secret
#: Sessions record activity at most once a minute, to spare the database a write per request.
_LAST_SEEN_GRANULARITY = timedelta(seconds=60)


class LoginFailed(DomainError):
    """Wrong e-mail or password (never say which)."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__("error.login_failed")


class SecondFactorPending(DomainError):
    """The password was right; the session waits for the second factor (or its enrolment)."""

    status_code = 401

    def __init__(self, stage: str) -> None:
        super().__init__("error.second_factor_required")
        self.stage = stage


@dataclass(frozen=True)
class LoginResult:
    """A new session: the cookie token (given once), its CSRF token and what remains to do."""

    session_token: str
    csrf_token: str
    pending_second_factor: str | None  # None, "verify" or "enroll"
    user_id: int


def _second_factor_stage(settings: Settings, user: UserRow) -> str | None:
    if user.totp_enabled:
        return "verify"
    if settings.is_production and Role(user.role) in WRITING_ROLES:
        return "enroll"
    return None


def login(
    uow: UnitOfWork, settings: Settings, email: str, password: str, *, user_agent: str = ""
) -> LoginResult:
    """Check the password, throttle guessing, open a session; every outcome is audited."""
    email = email.strip().lower()[:320]
    session = uow.session
    now = utcnow()
    window_start = now - timedelta(minutes=settings.login_failure_window_minutes)
    failures_for = lambda column, value: session.execute(  # noqa: E731
        select(func.count(LoginAttemptRow.id)).where(
            column == value, LoginAttemptRow.success.is_(False), LoginAttemptRow.at >= window_start
        )
    ).scalar_one()
    by_account = failures_for(LoginAttemptRow.email, email)
    by_address = failures_for(LoginAttemptRow.ip_address, uow.ip_address) if uow.ip_address else 0
    if by_account >= settings.login_max_failures or by_address >= settings.login_max_failures * 4:
        uow.audit(Actor(None, email), "auth.login_throttled", after={"email": email})
        uow.commit()
        raise TooManyAttempts("error.too_many_attempts", minutes=settings.login_failure_window_minutes)

    user = session.execute(select(UserRow).where(UserRow.email == email)).scalar_one_or_none()
    password_ok = security.verify_password(user.password_hash if user else None, password)
    if password_ok and settings.env is not Environment.DEMO and password == DEMO_PASSWORD:
        password_ok = False  # the published demo password opens nothing outside the demo
    if user is None or not password_ok or not user.is_active:
        session.add(LoginAttemptRow(email=email, ip_address=uow.ip_address, at=now, success=False))
        reason = "inactive" if (user is not None and password_ok) else "bad_credentials"
        uow.audit(
            Actor(user.id if user else None, email, user.organisation_id if user else None),
            "auth.login_failed",
            after={"email": email, "reason": reason},
        )
        uow.commit()
        raise LoginFailed()

    if security.password_needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    stage = _second_factor_stage(settings, user)
    token = security.new_token()
    csrf = security.new_token(nbytes=24)
    session.add(LoginAttemptRow(email=email, ip_address=uow.ip_address, at=now, success=True))
    session.add(
        WebSessionRow(
            token_hash=security.token_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            second_factor_done=stage is None,
            ip_address=uow.ip_address,
            user_agent=user_agent[:300],
        )
    )
    uow.audit(Actor(user.id, email, user.organisation_id), "auth.login", after={"second_factor": stage})
    uow.commit()
    return LoginResult(token, csrf, stage, user.id)


def _live_session(uow: UnitOfWork, settings: Settings, token: str) -> tuple[WebSessionRow, UserRow]:
    row = uow.session.execute(
        select(WebSessionRow).where(WebSessionRow.token_hash == security.token_digest(token))
    ).scalar_one_or_none()
    if row is None or row.ended_at is not None:
        raise Unauthenticated()
    now = utcnow()
    idle = timedelta(minutes=settings.session_idle_minutes)
    absolute = timedelta(hours=settings.session_absolute_hours)
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        row.ended_at = now
        uow.commit()
        raise Unauthenticated()
    user = uow.session.get(UserRow, row.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated()
    if now - row.last_seen_at > _LAST_SEEN_GRANULARITY:
        row.last_seen_at = now
        uow.commit()
    return row, user


def authenticate_session(
    uow: UnitOfWork, settings: Settings, token: str, *, allow_pending: bool = False
) -> Principal:
    """The principal behind a session cookie; ends sessions past their idle or absolute timeout."""
    row, user = _live_session(uow, settings, token)
    stage = None if row.second_factor_done else _second_factor_stage(settings, user)
    if stage is not None and not allow_pending:
        raise SecondFactorPending(stage)
    principal = build_principal(uow, user)
    return replace(principal, session_id=str(row.id), pending_second_factor=stage, csrf_token=row.csrf_token)


def authenticate_token(uow: UnitOfWork, token: str) -> Principal:
    """The principal behind an API token; a read-only token loses every write right."""
    row = uow.session.execute(
        select(ApiTokenRow).where(ApiTokenRow.token_hash == security.token_digest(token))
    ).scalar_one_or_none()
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at < now):
        raise Unauthenticated()
    user = uow.session.get(UserRow, row.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated()
    if row.last_used_at is None or now - row.last_used_at > _LAST_SEEN_GRANULARITY:
        row.last_used_at = now
        uow.commit()
    principal = replace(build_principal(uow, user), via_token=True)
    if row.read_only:
        principal = replace(principal, writable_ght_ids=frozenset(), all_tenants_write=False, read_only=True)
    return principal


def logout(uow: UnitOfWork, token: str) -> None:
    row = uow.session.execute(
        select(WebSessionRow).where(WebSessionRow.token_hash == security.token_digest(token))
    ).scalar_one_or_none()
    if row is None or row.ended_at is not None:
        return
    row.ended_at = utcnow()
    user = uow.session.get(UserRow, row.user_id)
    uow.audit(
        Actor(row.user_id, user.email if user else "", user.organisation_id if user else None), "auth.logout"
    )
    uow.commit()


def end_sessions(uow: UnitOfWork, user_id: int, *, except_session_id: int | None = None) -> None:
    """End every open session of a user (deactivation, password change) in the caller's transaction."""
    statement = update(WebSessionRow).where(
        WebSessionRow.user_id == user_id, WebSessionRow.ended_at.is_(None)
    )
    if except_session_id is not None:
        statement = statement.where(WebSessionRow.id != except_session_id)
    uow.session.execute(statement.values(ended_at=utcnow()))


def build_principal(uow: UnitOfWork, user: UserRow) -> Principal:
    """Compute a user's tenant scope from their organisation, role and the GHTs' grants."""
    session = uow.session
    organisation = session.get(OrganisationRow, user.organisation_id)
    assert organisation is not None
    kind = OrganisationKind(organisation.kind)
    role = Role(user.role)
    readable: frozenset[int] = frozenset()
    writable: frozenset[int] = frozenset()
    if kind is OrganisationKind.GHT:
        own = (
            session.execute(select(GhtRow.id).where(GhtRow.organisation_id == organisation.id))
            .scalars()
            .all()
        )
        readable = frozenset(own)
        writable = readable if role in {Role.GHT_MANAGER, Role.ESTABLISHMENT_USER} else frozenset()
    elif kind is OrganisationKind.COOPERATIVE:
        members = session.execute(select(GhtRow.id).where(GhtRow.cooperative_id == organisation.id)).scalars()
        readable = frozenset(members)
    elif kind in {OrganisationKind.INSURER, OrganisationKind.SECURITY_FIRM}:
        granted = session.execute(
            select(GrantRow.ght_id).where(
                GrantRow.organisation_id == organisation.id, GrantRow.revoked_at.is_(None)
            )
        ).scalars()
        readable = frozenset(granted)
        writable = readable if role in {Role.CONSULTANT, Role.UNDERWRITER} else frozenset()
    return Principal(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=role,
        organisation_id=organisation.id,
        organisation_kind=kind,
        organisation_name=organisation.name,
        locale=user.locale,
        readable_ght_ids=readable,
        writable_ght_ids=writable,
        establishment_id=user.establishment_id if role is Role.ESTABLISHMENT_USER else None,
        all_tenants=role is Role.PLATFORM_ADMIN,
        all_tenants_write=role is Role.PLATFORM_ADMIN,
        totp_enabled=user.totp_enabled,
    )


# Second factor -----------------------------------------------------------------------------------


def verify_second_factor(
    uow: UnitOfWork,
    principal: Principal,
    code: str,
    *,
    max_failures: int = 5,
    window_minutes: int = 15,
) -> None:
    """Complete a session's login with a TOTP code or a recovery code (single use).

    A wrong code counts as a failed login of the account: six digits would otherwise fall to guessing.
    Past ``max_failures`` in ``window_minutes`` the session ends and the login starts again (throttled).
    """
    if principal.session_id is None:
        raise Forbidden("second_factor")  # an API token has no login to complete
    user = uow.session.get(UserRow, principal.user_id)
    assert user is not None
    now = utcnow()
    failures = uow.session.execute(
        select(func.count(LoginAttemptRow.id)).where(
            LoginAttemptRow.email == user.email,
            LoginAttemptRow.success.is_(False),
            LoginAttemptRow.at >= now - timedelta(minutes=window_minutes),
        )
    ).scalar_one()
    if failures >= max_failures:
        uow.session.execute(
            update(WebSessionRow).where(WebSessionRow.id == int(principal.session_id)).values(ended_at=now)
        )
        uow.audit(principal, "auth.second_factor_throttled")
        uow.commit()
        raise TooManyAttempts("error.too_many_attempts", minutes=window_minutes)
    ok = False
    if user.totp_secret:
        step = security.totp_matching_step(user.totp_secret, code, time.time(), user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            ok = True
    if not ok:
        digest = security.token_digest(code.strip().lower())
        recovery = uow.session.execute(
            select(RecoveryCodeRow).where(
                RecoveryCodeRow.user_id == user.id,
                RecoveryCodeRow.code_hash == digest,
                RecoveryCodeRow.used_at.is_(None),
            )
        ).scalar_one_or_none()
        if recovery is not None:
            recovery.used_at = utcnow()
            ok = True
    if not ok:
        uow.session.add(LoginAttemptRow(email=user.email, ip_address=uow.ip_address, at=now, success=False))
        uow.audit(principal, "auth.second_factor_failed")
        uow.commit()
        raise FieldError("code", "error.second_factor_invalid")
    row = uow.session.get(WebSessionRow, int(principal.session_id))
    assert row is not None
    row.second_factor_done = True
    uow.audit(principal, "auth.second_factor_ok")
    uow.commit()


def start_totp_enrolment(uow: UnitOfWork, principal: Principal) -> tuple[str, str]:
    """A new secret (kept, not yet enabled) and its provisioning URI for the QR code."""
    user = uow.session.get(UserRow, principal.user_id)
    assert user is not None
    if user.totp_enabled:
        raise FieldError("code", "error.second_factor_already_enabled")
    user.totp_secret = security.new_totp_secret()
    uow.commit()
    return user.totp_secret, security.totp_uri(user.totp_secret, user.email)


def confirm_totp_enrolment(uow: UnitOfWork, principal: Principal, code: str) -> list[str]:
    """Enable the second factor once a first code matches; returns the recovery codes (shown once)."""
    user = uow.session.get(UserRow, principal.user_id)
    assert user is not None
    if user.totp_enabled or not user.totp_secret:
        raise FieldError("code", "error.second_factor_not_started")
    step = security.totp_matching_step(user.totp_secret, code, time.time(), user.totp_last_step)
    if step is None:
        raise FieldError("code", "error.second_factor_invalid")
    user.totp_enabled = True
    user.totp_last_step = step
    codes = security.new_recovery_codes()
    uow.session.execute(
        update(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user.id).values(used_at=utcnow())
    )
    for code_value in codes:
        uow.session.add(RecoveryCodeRow(user_id=user.id, code_hash=security.token_digest(code_value)))
    if principal.session_id is not None:
        row = uow.session.get(WebSessionRow, int(principal.session_id))
        if row is not None:
            row.second_factor_done = True
    uow.audit(principal, "auth.second_factor_enabled", object_type="user", object_id=user.id)
    uow.commit()
    return codes


# API tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewApiToken:
    id: int
    name: str
    token: str  # shown once
    read_only: bool


def create_api_token(
    uow: UnitOfWork, principal: Principal, name: str, *, read_only: bool = True, days: int | None = 90
) -> NewApiToken:
    """A token acting with the user's rights (read-only unless asked), valid ``days`` days."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise FieldError("name", "error.length", min=1, max=100)
    if days is not None and not 1 <= days <= 366:
        raise FieldError("days", "error.range", min=1, max=366)
    token = security.new_token(API_TOKEN_PREFIX)
    row = ApiTokenRow(
        user_id=principal.user_id,
        name=name,
        prefix=token[:12],
        token_hash=security.token_digest(token),
        read_only=read_only,
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        principal,
        "api_token.created",
        object_type="api_token",
        object_id=row.id,
        after={"name": name, "read_only": read_only, "prefix": row.prefix},
    )
    uow.commit()
    return NewApiToken(row.id, name, token, read_only)


def list_api_tokens(uow: UnitOfWork, principal: Principal) -> list[ApiTokenRow]:
    return list(
        uow.session.execute(
            select(ApiTokenRow).where(ApiTokenRow.user_id == principal.user_id).order_by(ApiTokenRow.id)
        ).scalars()
    )


def revoke_api_token(uow: UnitOfWork, principal: Principal, token_id: int) -> None:
    row = uow.session.execute(
        select(ApiTokenRow).where(ApiTokenRow.id == token_id, ApiTokenRow.user_id == principal.user_id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("api_token", token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        uow.audit(principal, "api_token.revoked", object_type="api_token", object_id=row.id)
        uow.commit()
