"""HTML pages of the organisation area: login, second factor, language, dashboard and the user's account.

Routes are thin: they read the form, call a service and render. The services decide every right.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cyber360.core import i18n, security
from cyber360.core.errors import FieldError, TooManyAttempts
from cyber360.core.scope import Principal
from cyber360.core.web import (
    LANG_COOKIE,
    SESSION_COOKIE,
    FormCsrf,
    OptionalPageWriter,
    PageUser,
    PageWriter,
    PendingPageWriter,
    PendingUser,
    SettingsDep,
    UowDep,
)
from cyber360.org import auth, service, views
from cyber360.org.api import set_session_cookie
from cyber360.org.model import PasswordChange
from cyber360.org.page_support import (
    FormFields,
    IdPath,
    errors_by_field,
    locale_of,
    page,
    safe_next,
    see_other,
)

router = APIRouter(include_in_schema=False)

NextQuery = Query("", alias="next", max_length=2000)
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


class LoginForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=256)


# Login, second factor, logout -----------------------------------------------------------------------------


def _login_page(
    request: Request,
    next_target: str,
    email: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {"next": next_target, "email": email, "errors": errors or {}}
    return page(request, "login.html", context, status_code=status)


@router.get("/login")
def login_form(request: Request, next_target: str = NextQuery) -> HTMLResponse:
    return _login_page(request, safe_next(next_target, ""))


@router.post("/login", dependencies=[FormCsrf])
def login_submit(request: Request, uow: UowDep, settings: SettingsDep, fields: FormFields) -> Response:
    """Check the password; then go to the second factor, or back where the user was going."""
    next_target = safe_next(fields.get("next"), "")
    email = fields.get("email", "").strip()[:320]
    locale = locale_of(request)
    try:
        form = LoginForm.model_validate(fields | {"email": email})
        result = auth.login(
            uow, settings, form.email, form.password, user_agent=request.headers.get("user-agent", "")
        )
    except ValidationError as error:
        return _login_page(request, next_target, email, errors_by_field(error, locale), 422)
    except auth.LoginFailed as error:
        return _login_page(request, next_target, email, errors_by_field(error, locale), 401)
    except TooManyAttempts as error:
        return _login_page(request, next_target, email, errors_by_field(error, locale), 429)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        auth.logout(uow, previous)  # one browser, one session: the one opened before ends
    if result.pending_second_factor == "verify":
        target = "/login/second-factor" + (f"?next={quote(next_target)}" if next_target else "")
    elif result.pending_second_factor == "enroll":
        target = "/account/second-factor"
    else:
        target = next_target or "/"
    response = see_other(target)
    set_session_cookie(response, settings, result.session_token)
    return response


@router.get("/login/second-factor")
def second_factor_form(request: Request, principal: PendingUser, next_target: str = NextQuery) -> Response:
    next_target = safe_next(next_target, "")
    if principal.pending_second_factor is None:
        return see_other(next_target or "/")
    if principal.pending_second_factor == "enroll":
        return see_other("/account/second-factor")
    return page(request, "second_factor.html", {"next": next_target})


@router.post("/login/second-factor")
def second_factor_submit(
    request: Request, principal: PendingPageWriter, uow: UowDep, settings: SettingsDep, fields: FormFields
) -> Response:
    next_target = safe_next(fields.get("next"), "")
    try:
        auth.verify_second_factor(
            uow,
            principal,
            fields.get("code", "")[:64],
            max_failures=settings.login_max_failures,
            window_minutes=settings.login_failure_window_minutes,
        )
    except FieldError as error:
        errors = errors_by_field(error, locale_of(request))
        return page(request, "second_factor.html", {"next": next_target, "errors": errors}, status_code=422)
    except TooManyAttempts as error:
        # The service ended the session: the login starts again, once the wait is over.
        request.state.principal = None
        response = _login_page(request, next_target, "", errors_by_field(error, locale_of(request)), 429)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    return see_other(next_target or "/")


@router.post("/logout")
def logout(request: Request, principal: PendingPageWriter, uow: UowDep) -> Response:
    auth.logout(uow, request.cookies.get(SESSION_COOKIE, ""))
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# Language ---------------------------------------------------------------------------------------------------


@router.post("/locale")
def switch_locale(
    request: Request, principal: OptionalPageWriter, uow: UowDep, settings: SettingsDep, fields: FormFields
) -> Response:
    """French or English: the logged-in user's preference, and a cookie for the pages before login."""
    locale = fields.get("locale", "")
    if locale not in i18n.SUPPORTED_LOCALES:
        raise FieldError("locale", "error.choice")
    if principal is not None:
        service.update_own_locale(uow, principal, locale)
    response: RedirectResponse = see_other(safe_next(fields.get("next")))
    response.set_cookie(
        LANG_COOKIE,
        locale,
        max_age=LANG_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.cookies_secure,
        path="/",
    )
    return response


# Dashboard --------------------------------------------------------------------------------------------------


@router.get("/")
def dashboard(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return page(request, "dashboard.html", {"view": views.dashboard(uow, principal)})


# Account ----------------------------------------------------------------------------------------------------


def _account_page(
    request: Request,
    principal: Principal,
    uow: UowDep,
    *,
    status: int = 200,
    **context: object,
) -> HTMLResponse:
    tokens = auth.list_api_tokens(uow, principal)
    return page(request, "account.html", {"tokens": tokens, **context}, status_code=status)


@router.get("/account")
def account(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _account_page(request, principal, uow)


@router.post("/account/password")
def account_password(request: Request, principal: PageWriter, uow: UowDep, fields: FormFields) -> Response:
    try:
        command = PasswordChange(
            current_password=fields.get("current_password", ""), new_password=fields.get("new_password", "")
        )
        if fields.get("new_password_confirm", "") != command.new_password:
            raise FieldError("new_password_confirm", "error.password_mismatch")
        service.change_password(uow, principal, command)
    except (ValidationError, FieldError) as error:
        errors = errors_by_field(error, locale_of(request))
        return _account_page(request, principal, uow, status=422, password_errors=errors)
    return see_other("/account?saved=password")


class TokenForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=100)
    access: str = Field(pattern="^(read|write)$")
    days: int = Field(ge=1, le=366)


@router.post("/account/tokens")
def account_token_create(
    request: Request, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    """A new API token: shown once, on this answer only."""
    try:
        form = TokenForm.model_validate(
            {
                "name": fields.get("name", "").strip(),
                "access": fields.get("access", ""),
                "days": fields.get("days"),
            }
        )
        token = auth.create_api_token(
            uow, principal, form.name, read_only=form.access == "read", days=form.days
        )
    except (ValidationError, FieldError) as error:
        errors = errors_by_field(error, locale_of(request))
        return _account_page(request, principal, uow, status=422, token_errors=errors, token_form=fields)
    return _account_page(request, principal, uow, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def account_token_revoke(token_id: IdPath, principal: PageWriter, uow: UowDep) -> Response:
    auth.revoke_api_token(uow, principal, token_id)
    return see_other("/account?saved=token_revoked")


# Second-factor enrolment (reachable while a production login waits for it) ----------------------------------


@router.get("/account/second-factor")
def second_factor_setup(request: Request, principal: PendingUser) -> HTMLResponse:
    return page(request, "second_factor_setup.html", {"stage": "status"})


@router.post("/account/second-factor/start")
def second_factor_start(request: Request, principal: PendingPageWriter, uow: UowDep) -> HTMLResponse:
    """A new secret, shown as a QR code drawn here (nothing leaves the server) and as text."""
    try:
        secret, uri = auth.start_totp_enrolment(uow, principal)
    except FieldError as error:
        errors = errors_by_field(error, locale_of(request))
        return page(
            request, "second_factor_setup.html", {"stage": "status", "errors": errors}, status_code=422
        )
    context = {"stage": "scan", "secret": secret, "qr_svg": security.totp_qr_svg(uri)}
    return page(request, "second_factor_setup.html", context)


@router.post("/account/second-factor/confirm")
def second_factor_confirm(
    request: Request, principal: PendingPageWriter, uow: UowDep, fields: FormFields
) -> HTMLResponse:
    """The first code from the app turns the second factor on; the recovery codes are shown once."""
    try:
        codes = auth.confirm_totp_enrolment(uow, principal, fields.get("code", "")[:64])
    except FieldError as error:
        errors = errors_by_field(error, locale_of(request))
        return page(request, "second_factor_setup.html", {"stage": "scan", "errors": errors}, status_code=422)
    return page(request, "second_factor_setup.html", {"stage": "done", "recovery_codes": codes})
