"""The board report of a GHT: a PDF of 2-4 pages (WeasyPrint), French first.

Page 1: the risk in euros (GHT aggregate and per establishment) and its trend; page 2: the top scenarios and
the top actions with their return; page 3: the maturity radar; annex: assumptions and sources (model version,
seeds, inputs' hashes, the catalogue's cited sources). Everything is drawn by the server: no network access.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from cyber360.core import i18n
from cyber360.core.i18n import N_
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import build_templates
from cyber360.org.tables import EstablishmentRow
from cyber360.risk import access, charts, explain, plan_service, service

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Control families of the maturity radar (CSF 2.0 functions, as in data/controls.yaml).
FUNCTIONS = ("govern", "identify", "protect", "detect", "respond", "recover")
FUNCTION_LABELS = {
    "govern": N_("Gouverner"),
    "identify": N_("Identifier"),
    "protect": N_("Protéger"),
    "detect": N_("Détecter"),
    "respond": N_("Répondre"),
    "recover": N_("Rétablir"),
}
MAX_SOURCES = 14


def control_functions() -> dict[str, str]:
    text = resources.files("cyber360").joinpath("data", "controls.yaml").read_text(encoding="utf-8")
    return {item["id"]: item.get("csf_function", "") for item in yaml.safe_load(text)["controls"]}


def radar_by_function(maturities: list[dict[str, float]]) -> dict[str, float | None]:
    """Mean maturity (as a percentage of level 5) of each control family, over the establishments."""
    functions = control_functions()
    result: dict[str, float | None] = {}
    for function in FUNCTIONS:
        values = [
            level
            for maturity in maturities
            for key, level in maturity.items()
            if functions.get(key) == function
        ]
        result[function] = round(sum(values) / len(values) / 5 * 100, 1) if values else None
    return result


def _sources(limit: int = MAX_SOURCES) -> tuple[list[tuple[str, str]], int]:
    """The cited sources and stated assumptions of the scenario catalogue (path, text)."""
    text = resources.files("cyber360").joinpath("data", "scenarios.yaml").read_text(encoding="utf-8")
    found: list[tuple[str, str]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key in ("source", "assumption"):
                if isinstance(node.get(key), str):
                    found.append((path, node[key]))
            for key, value in node.items():
                if key not in ("source", "assumption"):
                    walk(value, f"{path}.{key}" if path else str(key))

    walk(yaml.safe_load(text), "")
    scenario_rows = [item for item in found if item[0].startswith("scenarios.")] or found
    return scenario_rows[:limit], len(found)


def report_context(uow: UnitOfWork, principal: Principal, ght_id: int, locale: str) -> dict[str, Any]:
    _ = i18n.translator(locale)
    ght = access.ght_in_scope(uow, principal, ght_id)
    establishments = list(
        uow.session.execute(
            select(EstablishmentRow).where(EstablishmentRow.ght_id == ght.id).order_by(EstablishmentRow.name)
        ).scalars()
    )
    rows, maturities, snapshots = [], [], []
    for establishment in establishments:
        latest = service.latest(uow, ght.id, establishment.id)
        if latest is not None:
            inputs = json.loads(latest.inputs)
            maturities.append(inputs["maturity"])
            summary = json.loads(latest.summary)
            snapshots.append(latest)
            rows.append(
                {
                    "name": establishment.name,
                    "aal": latest.total_aal,
                    "var": summary["total"]["var"].get("99.5"),
                    "maturity": latest.mean_maturity,
                }
            )
    history = service.history(uow, ght.id, None)
    current = history[-1] if history else None
    summary = json.loads(current.summary) if current else None
    trend_svg = None
    if len(history) >= 1:
        trend_svg = charts.data_uri(
            charts.trajectory(
                [row.created_at for row in history],
                [row.total_aal for row in history],
                [row.mean_maturity for row in history],
                {"aal": _("Perte annuelle moyenne"), "maturity": _("Maturité moyenne (0-5)")},
            )
        )
    scenarios = []
    if summary:
        scenarios = sorted(
            (
                (explain.scenario_label(name, locale), item["aal"] or 0.0, item["var"].get("99.5"))
                for name, item in summary["scenarios"].items()
            ),
            key=lambda item: -item[1],
        )
    actions = [
        a
        for a in plan_service.list_ght_actions(uow, principal, ght.id)
        if a.return_ratio is not None and a.status not in ("done", "cancelled")
    ][:8]
    names = {row.id: row.name for row in establishments}
    radar = radar_by_function(maturities)
    from cyber360.assess import charts as assess_charts

    radar_svg = assess_charts.radar_svg(
        [_(FUNCTION_LABELS[name]) for name in FUNCTIONS],
        [assess_charts.Series(_("Moyenne du GHT"), [radar[name] for name in FUNCTIONS])],
        title=_("Maturité des contrôles par fonction"),
    )
    sources, source_count = _sources()
    previous = history[-2] if len(history) >= 2 else None
    return {
        "_": _,
        "locale": locale,
        "ght": ght,
        "today": date.today(),
        "current": current,
        "summary": summary,
        "previous": previous,
        "rows": rows,
        "trend_svg": trend_svg,
        "scenarios": scenarios[:6],
        "actions": actions,
        "establishment_names": names,
        "radar_svg": charts.data_uri(radar_svg),
        "radar": radar,
        "functions": FUNCTIONS,
        "function_labels": FUNCTION_LABELS,
        "snapshots": snapshots,
        "sources": sources,
        "source_count": source_count,
        "model_version": service.model_version(),
        "format_eur": i18n.format_eur,
    }


def render_html(context: dict[str, Any]) -> str:
    environment = build_templates([TEMPLATES])
    return environment.get_template("risk/report.html").render(context)


def ght_report_pdf(uow: UnitOfWork, principal: Principal, ght_id: int, locale: str = "fr") -> bytes:
    from weasyprint import HTML

    html = render_html(report_context(uow, principal, ght_id, locale))
    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
