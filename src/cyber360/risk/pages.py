"""HTML pages of the risk area: overview, results of an establishment and of a GHT, runs and their progress,
comparison of two snapshots, sensitivity, and the action plan."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from cyber360.core.errors import DomainError
from cyber360.core.i18n import translator
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, UowDep, render
from cyber360.org.page_support import FormFields, IdPath, errors_by_field, filled, locale_of, see_other
from cyber360.org.tables import EstablishmentRow, GhtRow
from cyber360.risk import access, charts, explain, jobs, plan_service, results_service, service

router = APIRouter(include_in_schema=False)


def _labels(request: Request) -> Any:
    return translator(locale_of(request))


def _results_context(request: Request, rows: list[Any]) -> dict[str, Any]:
    """Figures and charts of the latest snapshot, with the trajectory of all."""
    _ = _labels(request)
    if not rows:
        return {"latest": None, "history": []}
    latest = rows[-1]
    public = service.snapshot_public(latest)
    language = locale_of(request)
    labels = {name: explain.scenario_label(name, language) for name in public.get("scenarios", {})}
    exceedance = charts.exceedance(
        public,
        {
            "aep": _("Perte annuelle (AEP)"),
            "oep": _("Plus gros événement (OEP)"),
            "x": _("Période de retour (années)"),
        },
    )
    trajectory = charts.trajectory(
        [row.created_at for row in rows],
        [row.total_aal for row in rows],
        [row.mean_maturity for row in rows],
        {"aal": _("Perte annuelle moyenne"), "maturity": _("Maturité moyenne (0-5)")},
    )
    return {
        "latest": latest,
        "result": public,
        "scenario_labels": labels,
        "history": list(reversed(rows)),
        "exceedance_svg": charts.data_uri(exceedance),
        "trajectory_svg": charts.data_uri(trajectory),
    }


@router.get("/risk")
def risk_index(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    ghts = list(
        uow.session.execute(
            select(GhtRow).where(access.ght_clause(principal, GhtRow.id)).order_by(GhtRow.name)
        ).scalars()
    )
    establishments = list(
        uow.session.execute(
            select(EstablishmentRow)
            .where(access.read_clause(principal, EstablishmentRow.id, EstablishmentRow.ght_id))
            .order_by(EstablishmentRow.ght_id, EstablishmentRow.name)
        ).scalars()
    )
    latest = {row.id: service.latest(uow, row.ght_id, row.id) for row in establishments}
    ght_latest = {row.id: service.latest(uow, row.id, None) for row in ghts}
    return render(
        request,
        "risk/index.html",
        {"ghts": ghts, "establishments": establishments, "latest": latest, "ght_latest": ght_latest},
    )


def _establishment_page(
    request: Request, principal: Principal, uow: UnitOfWork, establishment_id: int, **extra: Any
) -> HTMLResponse:
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    rows = service.history(uow, establishment.ght_id, establishment.id)
    actions = plan_service.list_actions(uow, principal, establishment.id)
    status = int(extra.pop("status", 200))
    context = {
        "establishment": establishment,
        "can_write": access.can_write(principal, establishment.ght_id, establishment.id),
        "actions": actions[:5],
        "run_url": f"/establishments/{establishment.id}/risk/runs",
        **_results_context(request, rows),
        **extra,
    }
    return render(request, "risk/establishment.html", context, status_code=status)


@router.get("/establishments/{establishment_id}/risk")
def establishment_risk(
    request: Request, establishment_id: IdPath, principal: PageUser, uow: UowDep
) -> HTMLResponse:
    return _establishment_page(request, principal, uow, establishment_id)


@router.get("/ghts/{ght_id}/risk")
def ght_risk(request: Request, ght_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    ght = access.ght_in_scope(uow, principal, ght_id)
    rows = service.history(uow, ght.id, None)
    establishments = list(
        uow.session.execute(
            select(EstablishmentRow).where(EstablishmentRow.ght_id == ght.id).order_by(EstablishmentRow.name)
        ).scalars()
    )
    members = [(row, service.latest(uow, ght.id, row.id)) for row in establishments]
    context = {
        "ght": ght,
        "members": members,
        "can_write": access.can_write(principal, ght.id, None),
        "run_url": f"/ghts/{ght.id}/risk/runs",
        **_results_context(request, rows),
    }
    return render(request, "risk/ght.html", context)


def _run_command(fields: dict[str, str]) -> jobs.RunCreate:
    return jobs.RunCreate.model_validate(filled(fields))


def _start(
    request: Request, principal: Principal, uow: UnitOfWork, fields: dict[str, str], **target: int
) -> Response:
    try:
        command = _run_command({key: fields.get(key, "") for key in ("years", "seed")})
    except ValidationError as error:
        return render(
            request,
            "error.html",
            {"status": 422, "message": "; ".join(errors_by_field(error, locale_of(request)).values())},
            status_code=422,
        )
    job = jobs.start_run(uow, principal, request.app.state.risk_jobs, command, **target)
    return see_other(f"/risk/jobs/{job.id}")


@router.post("/establishments/{establishment_id}/risk/runs")
def run_establishment(
    request: Request, establishment_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    return _start(request, principal, uow, fields, establishment_id=establishment_id)


@router.post("/ghts/{ght_id}/risk/runs")
def run_ght(
    request: Request, ght_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    return _start(request, principal, uow, fields, ght_id=ght_id)


@router.get("/risk/jobs/{job_id}")
def job_page(request: Request, job_id: IdPath, principal: PageUser, uow: UowDep) -> Response:
    job = jobs.job(uow, principal, job_id)
    target = (
        f"/establishments/{job.establishment_id}/risk" if job.establishment_id else f"/ghts/{job.ght_id}/risk"
    )
    if job.status == "done":
        return see_other(target)
    return render(request, "risk/job.html", {"job": job, "target": target})


@router.get("/establishments/{establishment_id}/risk/compare")
def compare_page(
    request: Request, establishment_id: IdPath, principal: PageUser, uow: UowDep
) -> HTMLResponse:
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    rows = service.history(uow, establishment.ght_id, establishment.id)
    ids = [row.id for row in rows]

    def pick(name: str, default: int | None) -> int | None:
        value = request.query_params.get(name, "")
        return int(value) if value.isdigit() and int(value) in ids else default

    after = pick("after", ids[-1] if ids else None)
    before = pick("before", ids[-2] if len(ids) >= 2 else None)
    comparison = (
        results_service.compare(uow, principal, before, after, locale_of(request))
        if before and after
        else None
    )
    language = locale_of(request)
    scenario_labels = {
        name: explain.scenario_label(name, language) for name in (comparison or {}).get("scenarios", {})
    }
    return render(
        request,
        "risk/compare.html",
        {
            "establishment": establishment,
            "history": list(reversed(rows)),
            "comparison": comparison,
            "scenario_labels": scenario_labels,
            "before": before,
            "after": after,
        },
    )


@router.get("/establishments/{establishment_id}/risk/tornado")
def tornado_page(
    request: Request, establishment_id: IdPath, principal: PageUser, uow: UowDep
) -> HTMLResponse:
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    _ = _labels(request)
    data = results_service.tornado(uow, principal, establishment_id)
    bars, base = [(bar["figure"], bar["low"], bar["high"]) for bar in data["bars"]], data["base"]
    svg = charts.data_uri(charts.tornado(bars, base, {"x": _("Perte annuelle moyenne")})) if bars else None
    return render(
        request, "risk/tornado.html", {"establishment": establishment, "bars": bars, "base": base, "svg": svg}
    )


# Plan ------------------------------------------------------------------------------------------------


def _plan_page(
    request: Request, principal: Principal, uow: UnitOfWork, establishment_id: int, **extra: Any
) -> HTMLResponse:
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    _ = _labels(request)
    actions = plan_service.list_actions(uow, principal, establishment.id)
    budget_text = request.query_params.get("budget", "")
    budget = float(budget_text) if budget_text.isdigit() else None
    points = plan_service.cumulative(actions)
    svg = (
        charts.data_uri(
            charts.cumulative(
                points,
                budget,
                {
                    "curve": _("Perte évitée cumulée"),
                    "budget": _("Budget annuel"),
                    "x": _("Coût annualisé cumulé"),
                    "y": _("Perte annuelle évitée"),
                },
            )
        )
        if points
        else None
    )
    status = int(extra.pop("status", 200))
    context = {
        "establishment": establishment,
        "actions": actions,
        "svg": svg,
        "budget": budget,
        "progress": plan_service.progress(actions),
        "statuses": [s.value for s in plan_service.ActionStatus],
        "can_write": access.can_write(principal, establishment.ght_id, establishment.id),
        "errors": {},
        "values": {},
        **extra,
    }
    return render(request, "risk/plan.html", context, status_code=status)


@router.get("/establishments/{establishment_id}/plan")
def plan_page(request: Request, establishment_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _plan_page(request, principal, uow, establishment_id)


@router.post("/establishments/{establishment_id}/plan/actions")
def create_action(
    request: Request, establishment_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values = {
        key: fields.get(key, "")
        for key in ("title", "cost_one_off_eur", "cost_yearly_eur", "owner", "due_on", "control_id")
    }
    try:
        command = plan_service.ActionCreate.model_validate(filled(values))
        plan_service.create_action(uow, principal, establishment_id, command)
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status_code in {403, 404}:
            raise
        uow.rollback()
        return _plan_page(
            request,
            principal,
            uow,
            establishment_id,
            errors=errors_by_field(error, locale_of(request)),
            values=values,
            status=422,
        )
    uow.commit()
    return see_other(f"/establishments/{establishment_id}/plan")


@router.post("/establishments/{establishment_id}/plan/rank")
def rank_plan(request: Request, establishment_id: IdPath, principal: PageWriter, uow: UowDep) -> Response:
    plan_service.rank(uow, principal, establishment_id)
    uow.commit()
    return see_other(f"/establishments/{establishment_id}/plan")


@router.post("/plan/actions/{action_id}")
def update_action(
    request: Request, action_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values = {
        key: fields[key]
        for key in ("status", "owner", "due_on", "cost_one_off_eur", "cost_yearly_eur")
        if key in fields
    }
    try:
        command = plan_service.ActionUpdate.model_validate(filled(values))
    except ValidationError as error:
        row = plan_service.action_row(uow, principal, action_id)
        return _plan_page(
            request,
            principal,
            uow,
            row.establishment_id,
            errors=errors_by_field(error, locale_of(request)),
            status=422,
        )
    action = plan_service.update_action(uow, principal, action_id, command)
    uow.commit()
    return see_other(f"/establishments/{action.establishment_id}/plan")


def snapshot_inputs(row: Any) -> dict[str, Any]:
    return dict(json.loads(row.inputs))
