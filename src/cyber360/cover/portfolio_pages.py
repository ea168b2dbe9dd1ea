"""HTML pages of the insurer's portfolio accumulation: the runs and the form to start one, and a run's page
(gross and net AAL, PML 1 in 200, TVaR, OEP/AEP, contributions by GHT and by scenario, what drives the
accumulation with the model's assumptions)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from cyber360.core.errors import FieldError
from cyber360.core.i18n import N_, translator
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, UowDep, render
from cyber360.cover import portfolio_service as service
from cyber360.cover import products
from cyber360.org.page_support import FormFields, IdPath, errors_by_field, format_date, locale_of, see_other
from cyber360.quant.portfolio import SUPPLIER_LABEL, WAVE_LABEL
from cyber360.risk import charts, explain
from cyber360.risk import service as risk_service
from cyber360.risk.model import SHARED_PREFIX

router = APIRouter(include_in_schema=False)

#: Labels of the portfolio's own correlated events (the others are the catalogue's scenarios).
COMMON_LABELS = {
    SUPPLIER_LABEL: N_("Éditeur commun compromis (tous ses clients)"),
    WAVE_LABEL: N_("Vague systémique"),
}
YEAR_CHOICES = (5_000, 20_000, 100_000, 200_000)


@lru_cache(maxsize=1)
def supplier_assumptions() -> dict[str, Any]:
    """data/suppliers.yaml as written (names and ranges, for the page; the engine reads its own copy)."""
    text = resources.files("cyber360.data").joinpath("suppliers.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def scenario_label(name: str, language: str) -> str:
    if name in COMMON_LABELS:
        return translator(language)(COMMON_LABELS[name])
    return explain.scenario_label(name, language)


def _product_name(key: str, language: str) -> str:
    product = products.find_product(key)
    return product.name(language) if product is not None else key


def _index(
    request: Request, principal: Principal, uow: UnitOfWork, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    runner = service.runner_of(request.app.state)
    context = {
        "runs": service.list_runs(uow, principal, runner),
        "hidden": service.hidden_runs(uow, principal),
        "book": service.current_book(uow, principal),
        "can_run": service.can_run(principal),
        "year_choices": YEAR_CHOICES,
        "format_date": format_date,
        "product_name": lambda key: _product_name(key, locale_of(request)),
        "default_years": service.DEFAULT_YEARS,
        "default_seed": service.DEFAULT_SEED,
        "errors": {},
        "values": {},
        **extra,
    }
    return render(request, "cover/portfolio.html", context, status_code=status)


@router.get("/cover/portfolio")
def portfolio_index(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _index(request, principal, uow)


@router.post("/cover/portfolio/runs")
def start_run(request: Request, principal: PageWriter, uow: UowDep, fields: FormFields) -> Response:
    values = {key: fields.get(key, "").strip() for key in ("years", "seed")}
    try:
        command = service.RunCreate.model_validate({key: value for key, value in values.items() if value})
        row = service.start_run(uow, principal, service.runner_of(request.app.state), command)
    except (ValidationError, FieldError) as error:
        uow.rollback()
        errors = errors_by_field(error, locale_of(request))
        return _index(request, principal, uow, status=422, errors=errors, values=values)
    return see_other(f"/cover/portfolio/runs/{row.id}")


@router.post("/cover/portfolio/runs/{run_id}/rerun")
def rerun(request: Request, run_id: IdPath, principal: PageWriter, uow: UowDep) -> Response:
    try:
        row = service.rerun(uow, principal, service.runner_of(request.app.state), run_id)
    except FieldError as error:
        uow.rollback()
        return _index(request, principal, uow, status=422, errors=errors_by_field(error, locale_of(request)))
    return see_other(f"/cover/portfolio/runs/{row.id}")


def _contributions(
    figures: dict[str, Any], part: str, names: dict[str, str], total: dict[str, float | None]
) -> list[dict[str, Any]]:
    """Rows of a contribution table: gross and net AAL and TVaR 99.5 % (Euler) contribution, share of
    the net TVaR; largest net TVaR contribution first."""
    rows = []
    for key, gross in figures["gross"][part].items():
        net = figures["net"][part][key]
        if not (gross["aal"] or net["aal"]):
            continue
        net_total = total.get("net") or 0.0
        share = (net["tvar_contribution"] or 0.0) / net_total if net_total else None
        rows.append({"key": key, "name": names.get(key, key), "gross": gross, "net": net, "share": share})
    return sorted(rows, key=lambda row: -(row["net"]["tvar_contribution"] or 0.0))


def _drivers(by_scenario: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {
        "shared_is": [row for row in by_scenario if row["key"].startswith(SHARED_PREFIX)],
        "suppliers": [row for row in by_scenario if row["key"] == SUPPLIER_LABEL],
        "wave": [row for row in by_scenario if row["key"] == WAVE_LABEL],
    }


def _figures_context(request: Request, run: service.RunDetail) -> dict[str, Any]:
    language = locale_of(request)
    _ = translator(language)
    figures = run.figures
    assert figures is not None
    ght_names = {item["key"]: item["name"] for item in run.book}
    tvar = {name: figures[name]["tvar"]["99.5"] for name in ("gross", "net")}
    labels = {key: scenario_label(key, language) for key in figures["gross"]["by_scenario"]}
    by_ght = _contributions(figures, "by_ght", ght_names, tvar)
    by_scenario = _contributions(figures, "by_scenario", labels, tvar)
    drivers = _drivers(by_scenario)
    axis = {
        "aep": _("Perte annuelle (AEP)"),
        "oep": _("Plus gros événement (OEP)"),
        "x": _("Période de retour (années)"),
    }
    bars = {row["name"]: float(row["net"]["tvar_contribution"] or 0.0) for row in by_ght}
    spread = risk_service.catalogue().figure("ght.spread_probability")
    return {
        "figures": figures,
        "by_ght": by_ght,
        "by_scenario": by_scenario,
        "drivers": drivers,
        "drivers_share": sum(row["share"] or 0.0 for rows in drivers.values() for row in rows),
        "gross_svg": charts.data_uri(charts.exceedance(figures["gross"], axis)),
        "net_svg": charts.data_uri(charts.exceedance(figures["net"], axis)),
        "ght_svg": charts.data_uri(
            charts.scenario_bars(bars, {"x": _("Contribution à la TVaR 99,5 % nette")})
        ),
        "exceedance": list(
            zip(
                figures["gross"]["aep"],
                figures["gross"]["oep"],
                figures["net"]["aep"],
                figures["net"]["oep"],
                strict=True,
            )
        ),
        "spread": spread,
        "assumptions": supplier_assumptions(),
        "supplier_use": {
            key: sum(item["suppliers"].get(key, 0) for item in run.book)
            for key in (s["key"] for s in supplier_assumptions()["suppliers"])
        },
    }


@router.get("/cover/portfolio/runs/{run_id}")
def run_page(request: Request, run_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    run = service.get_run(uow, principal, run_id, service.runner_of(request.app.state))
    context: dict[str, Any] = {"run": run, "can_run": service.can_run(principal)}
    if run.figures is not None:
        context |= _figures_context(request, run)
    return render(request, "cover/portfolio_run.html", context)
