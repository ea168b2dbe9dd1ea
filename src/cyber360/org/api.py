"""JSON routes of the organisation area: authentication, account, GHTs, establishments, users, grants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from cyber360.core.db import MAX_ROW_ID
from cyber360.core.errors import Unauthenticated
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import SESSION_COOKIE, CurrentUser, PendingUser, SettingsDep, UowDep
from cyber360.org import auth, service
from cyber360.org.model import (
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
)

router = APIRouter(prefix="/api/v1", tags=["organisation"])

#: An id in a path or a query: a number beyond what the database stores is refused, named, not a server error.
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class LoginAnswer(BaseModel):
    user_id: int
    csrf_token: str
    second_factor: str | None


class SecondFactorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=6, max_length=20)]


class Me(BaseModel):
    id: int
    email: str
    display_name: str
    role: str
    organisation_id: int
    organisation_kind: str
    organisation_name: str
    locale: str
    establishment_id: int | None
    readable_ght_ids: list[int]
    writable_ght_ids: list[int]
    totp_enabled: bool


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=100)]
    read_only: bool = True
    days: Annotated[int | None, Field(ge=1, le=366)] = 90


class TokenAnswer(BaseModel):
    id: int
    name: str
    token: str
    read_only: bool


def set_session_cookie(response: Response, settings: SettingsDep, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_absolute_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookies_secure,
        path="/",
    )


@router.post("/auth/login", response_model=LoginAnswer)
def api_login(
    body: LoginRequest, request: Request, response: Response, uow: UowDep, settings: SettingsDep
) -> LoginAnswer:
    """Open a session: 200 and the session cookie, 401 for a wrong e-mail or password, 429 when throttled."""
    result = auth.login(
        uow, settings, body.email, body.password, user_agent=request.headers.get("user-agent", "")
    )
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        auth.logout(uow, previous)  # one client, one session: the one opened before ends
    set_session_cookie(response, settings, result.session_token)
    return LoginAnswer(
        user_id=result.user_id, csrf_token=result.csrf_token, second_factor=result.pending_second_factor
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def api_logout(request: Request, uow: UowDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.logout(uow, token)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _me(principal: Principal) -> Me:
    return Me(
        id=principal.user_id,
        email=principal.email,
        display_name=principal.display_name,
        role=principal.role.value,
        organisation_id=principal.organisation_id,
        organisation_kind=principal.organisation_kind.value,
        organisation_name=principal.organisation_name,
        locale=principal.locale,
        establishment_id=principal.establishment_id,
        readable_ght_ids=sorted(principal.readable_ght_ids),
        writable_ght_ids=sorted(principal.writable_ght_ids),
        totp_enabled=principal.totp_enabled,
    )


@router.get("/me", response_model=Me)
def api_me(principal: CurrentUser) -> Me:
    return _me(principal)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def api_change_password(body: PasswordChange, principal: CurrentUser, uow: UowDep) -> Response:
    service.change_password(uow, principal, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/tokens")
def api_list_tokens(principal: CurrentUser, uow: UowDep) -> list[dict[str, object]]:
    return [
        {
            "id": row.id,
            "name": row.name,
            "prefix": row.prefix,
            "read_only": row.read_only,
            "created_at": row.created_at,
            "expires_at": row.expires_at,
            "revoked_at": row.revoked_at,
        }
        for row in auth.list_api_tokens(uow, principal)
    ]


@router.post("/me/tokens", response_model=TokenAnswer, status_code=status.HTTP_201_CREATED)
def api_create_token(body: TokenRequest, principal: CurrentUser, uow: UowDep) -> TokenAnswer:
    token = auth.create_api_token(uow, principal, body.name, read_only=body.read_only, days=body.days)
    return TokenAnswer(id=token.id, name=token.name, token=token.token, read_only=token.read_only)


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def api_revoke_token(token_id: IdPath, principal: CurrentUser, uow: UowDep) -> Response:
    auth.revoke_api_token(uow, principal, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/ghts", response_model=list[GhtPublic])
def api_list_ghts(principal: CurrentUser, uow: UowDep) -> list[GhtPublic]:
    return service.list_ghts(uow, principal)


@router.post("/ghts", response_model=GhtPublic, status_code=status.HTTP_201_CREATED)
def api_create_ght(body: GhtCreate, principal: CurrentUser, uow: UowDep) -> GhtPublic:
    return service.create_ght(uow, principal, body)


@router.get("/ghts/{ght_id}", response_model=GhtPublic)
def api_get_ght(ght_id: IdPath, principal: CurrentUser, uow: UowDep) -> GhtPublic:
    return service.get_ght(uow, principal, ght_id)


@router.patch("/ghts/{ght_id}", response_model=GhtPublic)
def api_update_ght(ght_id: IdPath, body: GhtUpdate, principal: CurrentUser, uow: UowDep) -> GhtPublic:
    return service.update_ght(uow, principal, ght_id, body)


@router.get("/ghts/{ght_id}/grants", response_model=list[GrantPublic])
def api_list_grants(ght_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[GrantPublic]:
    return service.list_grants(uow, principal, ght_id)


@router.post("/grants", response_model=GrantPublic, status_code=status.HTTP_201_CREATED)
def api_create_grant(body: GrantCreate, principal: CurrentUser, uow: UowDep) -> GrantPublic:
    return service.create_grant(uow, principal, body)


@router.delete("/grants/{grant_id}", response_model=GrantPublic)
def api_revoke_grant(grant_id: IdPath, principal: CurrentUser, uow: UowDep) -> GrantPublic:
    return service.revoke_grant(uow, principal, grant_id)


@router.get("/establishments", response_model=list[EstablishmentPublic])
def api_list_establishments(
    principal: CurrentUser, uow: UowDep, ght_id: IdQuery = None
) -> list[EstablishmentPublic]:
    return service.list_establishments(uow, principal, ght_id)


@router.post("/establishments", response_model=EstablishmentPublic, status_code=status.HTTP_201_CREATED)
def api_create_establishment(
    body: EstablishmentCreate, principal: CurrentUser, uow: UowDep
) -> EstablishmentPublic:
    return service.create_establishment(uow, principal, body)


@router.get("/establishments/{establishment_id}", response_model=EstablishmentPublic)
def api_get_establishment(
    establishment_id: IdPath, principal: CurrentUser, uow: UowDep
) -> EstablishmentPublic:
    return service.get_establishment(uow, principal, establishment_id)


@router.patch("/establishments/{establishment_id}", response_model=EstablishmentPublic)
def api_update_establishment(
    establishment_id: IdPath, body: EstablishmentUpdate, principal: CurrentUser, uow: UowDep
) -> EstablishmentPublic:
    return service.update_establishment(uow, principal, establishment_id, body)


@router.get("/organisations", response_model=list[OrganisationPublic])
def api_list_organisations(
    principal: CurrentUser, uow: UowDep, grantable: bool = False
) -> list[OrganisationPublic]:
    return service.list_organisations(uow, principal, grantable=grantable)


@router.get("/users", response_model=list[UserPublic])
def api_list_users(principal: CurrentUser, uow: UowDep) -> list[UserPublic]:
    return service.list_users(uow, principal)


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def api_create_user(body: UserCreate, principal: CurrentUser, uow: UowDep) -> UserPublic:
    return service.create_user(uow, principal, body)


@router.get("/users/{user_id}", response_model=UserPublic)
def api_get_user(user_id: IdPath, principal: CurrentUser, uow: UowDep) -> UserPublic:
    return service.get_user(uow, principal, user_id)


@router.patch("/users/{user_id}", response_model=UserPublic)
def api_update_user(user_id: IdPath, body: UserUpdate, principal: CurrentUser, uow: UowDep) -> UserPublic:
    return service.update_user(uow, principal, user_id, body)


@router.post("/auth/second-factor", status_code=status.HTTP_204_NO_CONTENT)
def api_second_factor(
    body: SecondFactorRequest, principal: PendingUser, uow: UowDep, settings: SettingsDep
) -> Response:
    """Complete a login with a TOTP code or a recovery code (throttled like passwords)."""
    auth.verify_second_factor(
        uow,
        principal,
        body.code,
        max_failures=settings.login_max_failures,
        window_minutes=settings.login_failure_window_minutes,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def authenticate_request(uow: UnitOfWork, request: Request, allow_pending: bool) -> Principal:
    """The principal behind a request: a bearer API token, else the session cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return auth.authenticate_token(uow, header[7:].strip())
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthenticated()
    settings = request.app.state.settings
    return auth.authenticate_session(uow, settings, token, allow_pending=allow_pending)
