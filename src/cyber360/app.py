"""Builds the web application from the areas' routers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from cyber360 import __version__
from cyber360.core.db import make_engine, make_session_factory
from cyber360.core.scope import Role
from cyber360.core.settings import Settings, get_settings
from cyber360.core.web import STATIC_DIR, NavItem, build_templates, install_shell
from cyber360.org import api as org_api
from cyber360.org import pages as org_pages

PACKAGE_DIR = Path(__file__).resolve().parent
_ADMIN = frozenset({Role.PLATFORM_ADMIN})
_DIRECTORY = frozenset({Role.PLATFORM_ADMIN, Role.GHT_MANAGER})


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application for ``settings`` (from the environment by default)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Cyber360 Santé",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the stock docs page loads its scripts from a CDN: not on a hospital intranet
        redoc_url=None,
    )
    engine = make_engine(settings.resolved_database_url())
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.authenticator = org_api.authenticate_request
    app.state.templates = build_templates([PACKAGE_DIR / "org" / "templates"])
    app.state.nav = [
        NavItem("Tableau de bord", "/"),
        NavItem("Établissements", "/establishments"),
        NavItem("GHT", "/ghts"),
        NavItem("Utilisateurs", "/admin/users", _DIRECTORY),
        NavItem("Journal d'audit", "/admin/audit", _ADMIN),
    ]
    install_shell(app, settings)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(org_api.router)
    app.include_router(org_pages.router)
    return app
