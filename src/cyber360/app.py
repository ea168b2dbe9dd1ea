"""Builds the web application from the areas' routers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from cyber360 import __version__
from cyber360.assess import api as assess_api
from cyber360.assess import exposure_api as assess_exposure_api
from cyber360.assess import exposure_pages as assess_exposure_pages
from cyber360.assess import pages as assess_pages
from cyber360.assess.errors import Refused as AssessRefused
from cyber360.assess.uploads import refused_handler as assess_refused_handler
from cyber360.core.db import make_engine, make_session_factory
from cyber360.core.i18n import N_
from cyber360.core.scope import Role
from cyber360.core.settings import Settings, get_settings
from cyber360.core.web import STATIC_DIR, NavItem, build_templates, install_shell
from cyber360.cover import api as cover_api
from cyber360.cover import claim_api as cover_claim_api
from cyber360.cover import claim_pages as cover_claim_pages
from cyber360.cover import cooperative_api as cover_cooperative_api
from cyber360.cover import cooperative_pages as cover_cooperative_pages
from cyber360.cover import pages as cover_pages
from cyber360.cover import portfolio_api as cover_portfolio_api
from cyber360.cover import portfolio_pages as cover_portfolio_pages
from cyber360.crisis import api as crisis_api
from cyber360.crisis import incident_api as crisis_incident_api
from cyber360.crisis import pages as crisis_pages
from cyber360.org import admin_pages as org_admin_pages
from cyber360.org import api as org_api
from cyber360.org import directory_pages as org_directory_pages
from cyber360.org import pages as org_pages
from cyber360.risk import api as risk_api
from cyber360.risk import pages as risk_pages
from cyber360.risk.jobs import JobRunner as RiskJobRunner

PACKAGE_DIR = Path(__file__).resolve().parent
_ADMIN = frozenset({Role.PLATFORM_ADMIN})
_DIRECTORY = frozenset({Role.PLATFORM_ADMIN, Role.GHT_MANAGER})
#: The cooperative's buyer follows members and subscriptions, not the hospitals themselves.
_HOSPITAL_DATA = frozenset(Role) - {Role.COOPERATIVE_BUYER}
#: Policies, quotes and claims: the GHT's people, its consultant and its insurer (not the platform admin).
_INSURANCE = frozenset(Role) - {Role.COOPERATIVE_BUYER, Role.PLATFORM_ADMIN}
#: The cooperative's subscriptions and anonymised figures: its buyer, and the GHTs' managers (members).
_COOPERATIVE = frozenset({Role.COOPERATIVE_BUYER, Role.GHT_MANAGER})


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
    app.state.templates = build_templates(
        [PACKAGE_DIR / area / "templates" for area in ("org", "assess", "risk", "crisis", "cover")]
    )
    app.state.risk_jobs = RiskJobRunner(app.state.session_factory)
    app.state.nav = [
        NavItem(N_("Tableau de bord"), "/"),
        NavItem(N_("GHT"), "/ghts"),
        NavItem(N_("Établissements"), "/establishments", _HOSPITAL_DATA),
        NavItem(N_("Évaluation"), "/assess", _HOSPITAL_DATA),
        NavItem(N_("Risque"), "/risk", _HOSPITAL_DATA),
        NavItem(N_("Crise"), "/crisis", _HOSPITAL_DATA),
        NavItem(N_("Assurance"), "/cover", _INSURANCE),
        NavItem(N_("Portefeuille"), "/cover/portfolio", frozenset({Role.UNDERWRITER})),
        NavItem(N_("Coopérative"), "/cooperative", _COOPERATIVE),
        NavItem(N_("Utilisateurs"), "/admin/users", _DIRECTORY),
        NavItem(N_("Journal d'audit"), "/admin/audit", _ADMIN),
    ]
    install_shell(app, settings)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(org_api.router)
    app.include_router(org_pages.router)
    app.include_router(org_directory_pages.router)
    app.include_router(org_admin_pages.router)
    app.include_router(crisis_api.router)
    app.include_router(crisis_incident_api.router)
    app.include_router(crisis_pages.router)
    app.include_router(assess_api.router)
    app.include_router(assess_exposure_api.router)
    app.include_router(assess_pages.router)
    app.include_router(assess_exposure_pages.router)
    app.include_router(risk_api.router)
    app.include_router(risk_pages.router)
    app.include_router(cover_portfolio_api.router)  # before cover's /cover/{...} routes
    app.include_router(cover_portfolio_pages.router)
    app.include_router(cover_api.router)
    app.include_router(cover_pages.router)
    app.include_router(cover_claim_api.router)
    app.include_router(cover_claim_pages.router)
    app.include_router(cover_cooperative_api.router)
    app.include_router(cover_cooperative_pages.router)
    app.add_exception_handler(AssessRefused, assess_refused_handler)
    return app
