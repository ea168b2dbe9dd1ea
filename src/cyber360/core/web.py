"""The web shell: dependencies (unit of work, current user, CSRF), rendering, headers, error answers."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from cyber360.core import i18n
from cyber360.core.errors import DomainError, FieldError, Forbidden, Unauthenticated
from cyber360.core.scope import Principal, Role
from cyber360.core.settings import Settings
from cyber360.core.uow import UnitOfWork

log = logging.getLogger("cyber360.web")

SESSION_COOKIE = "c360_session"
LANG_COOKIE = "c360_lang"
LOGIN_CSRF_COOKIE = "c360_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class Authenticator(Protocol):
    """Resolves the principal behind a request (session cookie or bearer token); set by the app."""

    def __call__(self, uow: UnitOfWork, request: Request, allow_pending: bool) -> Principal: ...


class SecondFactorRedirect(Exception):
    """A page needs the second factor first: send the browser to verify or enrol."""

    def __init__(self, stage: str) -> None:
        super().__init__(stage)
        self.stage = stage


@dataclass(frozen=True)
class NavItem:
    """An entry of the navigation bar, shown to the listed roles (all when empty)."""

    label: str
    href: str
    roles: frozenset[Role] = frozenset()


def build_templates(directories: Sequence[Path]) -> Environment:
    environment = Environment(
        loader=FileSystemLoader([str(TEMPLATES_DIR), *map(str, directories)]),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["format_eur"] = i18n.format_eur
    environment.globals["format_number"] = i18n.format_number
    return environment


# Dependencies ----------------------------------------------------------------------------------------------


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    client = request.client.host if request.client else ""
    with UnitOfWork(
        request.app.state.session_factory, request_id=request.state.request_id, ip_address=client
    ) as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _authenticate(request: Request, uow: UnitOfWork, allow_pending: bool) -> Principal:
    authenticator: Authenticator = request.app.state.authenticator
    principal = authenticator(uow, request, allow_pending)
    request.state.principal = principal
    request.state.locale = principal.locale
    asked = request.headers.get("accept-language")
    if _is_api(request) and asked:
        # An API client asks for its language on each request; a browser's pages follow the user's choice.
        request.state.locale = i18n.negotiate(asked)
    if principal.read_only and request.method not in SAFE_METHODS:
        raise Forbidden("read_only_token")
    return principal


def current_principal(request: Request, uow: UowDep) -> Principal:
    """The authenticated user, second factor done. Cookie-authenticated API writes need the CSRF header
    (or a JSON body, which a foreign site cannot send without a CORS preflight that we never grant)."""
    principal = _authenticate(request, uow, allow_pending=False)
    if _is_api(request) and request.method not in SAFE_METHODS and not principal.via_token:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        header = request.headers.get(CSRF_HEADER, "")
        if content_type != "application/json" and not (
            header and secrets.compare_digest(header, principal.csrf_token)
        ):
            raise Forbidden("csrf")
    return principal


def pending_principal(request: Request, uow: UowDep) -> Principal:
    """The user of a session that may still wait for its second factor (verify or enrol pages)."""
    return _authenticate(request, uow, allow_pending=True)


async def check_form_csrf(request: Request) -> None:
    """Every form POST carries the session's CSRF token (or the login cookie's before login)."""
    form = await request.form()
    sent = str(form.get("csrf_token", ""))
    principal: Principal | None = getattr(request.state, "principal", None)
    expected = principal.csrf_token if principal else request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (sent and expected and secrets.compare_digest(sent, expected)):
        raise Forbidden("csrf")


CurrentUser = Annotated[Principal, Depends(current_principal)]
PendingUser = Annotated[Principal, Depends(pending_principal)]
FormCsrf = Depends(check_form_csrf)


def page_principal(request: Request, uow: UowDep) -> Principal:
    """For pages: like ``CurrentUser``; the error handlers turn a refusal into a redirect to login."""
    return _authenticate(request, uow, allow_pending=False)


PageUser = Annotated[Principal, Depends(page_principal)]


async def page_writer(request: Request, uow: UowDep) -> Principal:
    """For form POSTs: the authenticated user, and the form's CSRF token checked against the session's."""
    principal: Principal = await run_in_threadpool(_authenticate, request, uow, False)
    await check_form_csrf(request)
    return principal


async def pending_page_writer(request: Request, uow: UowDep) -> Principal:
    """For the second-factor forms: a session that may still wait for its second factor."""
    principal: Principal = await run_in_threadpool(_authenticate, request, uow, True)
    await check_form_csrf(request)
    return principal


async def optional_page_writer(request: Request, uow: UowDep) -> Principal | None:
    """For forms open to everyone (the language switch): the user if logged in, and the CSRF token checked
    against their session's, or against the login cookie's when nobody is logged in."""
    try:
        principal: Principal | None = await run_in_threadpool(_authenticate, request, uow, True)
    except DomainError:
        principal = None
    await check_form_csrf(request)
    return principal


PageWriter = Annotated[Principal, Depends(page_writer)]
PendingPageWriter = Annotated[Principal, Depends(pending_page_writer)]
OptionalPageWriter = Annotated[Principal | None, Depends(optional_page_writer)]


# Rendering --------------------------------------------------------------------------------------------------


def request_locale(request: Request) -> str:
    """The language of the answer: set by the shell from the cookie or Accept-Language, then by the user's
    preference once authenticated (see ``_authenticate``)."""
    return str(getattr(request.state, "locale", i18n.DEFAULT_LOCALE))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Render a page with the shell's context: translation, user, navigation, CSRF token."""
    locale = request_locale(request)
    principal: Principal | None = getattr(request.state, "principal", None)
    nav: list[NavItem] = getattr(request.app.state, "nav", [])
    visible = [item for item in nav if principal and (not item.roles or principal.role in item.roles)]
    csrf = principal.csrf_token if principal else request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if principal is None and not csrf:
        csrf = secrets.token_urlsafe(24)  # an anonymous page's forms need a token: issue the login cookie
    full = {
        "request": request,
        "_": i18n.translator(locale),
        "locale": locale,
        "principal": principal,
        "nav": visible,
        "csrf_token": csrf,
        "current_path": request.url.path,
        **(context or {}),
    }
    environment: Environment = request.app.state.templates
    html = environment.get_template(template).render(full)
    response = HTMLResponse(html, status_code=status_code)
    if principal is None and csrf != request.cookies.get(LOGIN_CSRF_COOKIE, ""):
        set_login_csrf_cookie(response, request.app.state.settings, csrf)
    return response


def set_login_csrf_cookie(response: Response, settings: Settings, token: str) -> None:
    """The double-submit token of the forms shown before login (login form, language switch)."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookies_secure,
        path="/",
    )


def field_errors(
    error: RequestValidationError | FieldError | DomainError, locale: str
) -> list[dict[str, Any]]:
    """Errors as a list of {field, loc, msg, type}: the field named, the reason in the user's language."""
    if isinstance(error, FieldError):
        return [
            {
                "field": error.field,
                "loc": ["body", error.field],
                "msg": i18n.error_text(locale, error.message_key, error.params),
                "type": error.message_key,
            }
        ]
    if isinstance(error, DomainError):
        return [
            {
                "field": None,
                "loc": [],
                "msg": i18n.error_text(locale, error.message_key, error.params),
                "type": error.message_key,
            }
        ]
    result = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        field = ".".join(part for part in location if part not in {"body", "query", "path", "form"}) or None
        kind = str(item.get("type", "value_error"))
        context = {
            key: value
            for key, value in (item.get("ctx") or {}).items()
            if isinstance(value, (int, float, str))
        }
        message = item.get("msg", "")
        if kind == "value_error" and "finess_invalid" in str(message):
            text = i18n.error_text(locale, "error.finess_invalid")
        elif kind in i18n.PYDANTIC_MESSAGES:
            text = i18n.error_text(locale, kind, context)
        else:
            text = i18n.error_text(locale, "error.invalid")
        result.append({"field": field, "loc": location, "msg": text, "type": kind})
    return result


# Middleware and handlers ------------------------------------------------------------------------------------


def install_shell(app: FastAPI, settings: Settings) -> None:
    """Request ids, language, security headers and error answers for the whole application."""

    @app.middleware("http")
    async def _shell(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = uuid.uuid4().hex
        cookie_locale = request.cookies.get(LANG_COOKIE)
        request.state.locale = (
            cookie_locale
            if cookie_locale in i18n.SUPPORTED_LOCALES
            else i18n.negotiate(request.headers.get("accept-language"))
        )
        response = await call_next(request)
        headers = response.headers
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["X-Request-Id"] = request.state.request_id
        if settings.cookies_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if not request.url.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        return response

    def _locale(request: Request) -> str:
        return request_locale(request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        locale = _locale(request)
        if _is_api(request):
            return JSONResponse({"detail": field_errors(error, locale)}, status_code=422)
        # Pages: a malformed id in the path is an unknown page; anything else an invalid request.
        in_path = any((item.get("loc") or ("",))[0] == "path" for item in error.errors())
        status, key = (404, "error.not_found") if in_path else (422, "error.invalid")
        context = {"status": status, "message": i18n.error_text(locale, key)}
        return render(request, "error.html", context, status_code=status)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, error: DomainError) -> Response:
        locale = _locale(request)
        if isinstance(error, Unauthenticated) or getattr(error, "stage", None):
            stage = getattr(error, "stage", None)
            if not _is_api(request):
                if stage == "verify":
                    return RedirectResponse("/login/second-factor", status_code=303)
                if stage == "enroll":
                    return RedirectResponse("/account/second-factor", status_code=303)
                target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
                response = RedirectResponse(f"/login?next={target}", status_code=303)
                response.delete_cookie(SESSION_COOKIE, path="/")
                return response
        if _is_api(request):
            headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
            return JSONResponse(
                {"detail": field_errors(error, locale)}, status_code=error.status_code, headers=headers
            )
        message = i18n.error_text(locale, error.message_key, error.params)
        return render(
            request,
            "error.html",
            {"status": error.status_code, "message": message},
            status_code=error.status_code,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        locale = _locale(request)
        key = "error.not_found" if error.status_code == 404 else "error.invalid"
        if error.status_code == 413:
            key = "error.payload_too_large"
        if _is_api(request):
            return JSONResponse(
                {"detail": [{"field": None, "loc": [], "msg": i18n.error_text(locale, key), "type": key}]},
                status_code=error.status_code,
            )
        return render(
            request,
            "error.html",
            {"status": error.status_code, "message": i18n.error_text(locale, key)},
            status_code=error.status_code,
        )

    @app.exception_handler(Exception)
    async def _server_error(request: Request, error: Exception) -> Response:
        log.exception("unhandled error (request %s)", getattr(request.state, "request_id", "?"))
        locale = _locale(request)
        if _is_api(request):
            return JSONResponse(
                {
                    "detail": [
                        {
                            "field": None,
                            "loc": [],
                            "msg": i18n.error_text(locale, "error.server"),
                            "type": "error.server",
                        }
                    ]
                },
                status_code=500,
            )
        return render(
            request,
            "error.html",
            {"status": 500, "message": i18n.error_text(locale, "error.server")},
            status_code=500,
        )


async def in_threadpool(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await run_in_threadpool(function, *args, **kwargs)
