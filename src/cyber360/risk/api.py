"""JSON routes of the risk area: results (latest snapshot, history, comparison), runs, plan, board report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status

from cyber360.core.db import MAX_ROW_ID
from cyber360.core.errors import NotFound
from cyber360.core.web import CurrentUser, UowDep, request_locale
from cyber360.risk import jobs, plan_service, report, results_service, service
from cyber360.risk.jobs import JobPublic, RunCreate
from cyber360.risk.plan_service import ActionCreate, ActionPublic, ActionUpdate

router = APIRouter(prefix="/api/v1", tags=["risk"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
IdQuery = Annotated[int, Query(ge=1, le=MAX_ROW_ID)]


def _found(value: dict[str, Any] | None) -> dict[str, Any]:
    if value is None:
        raise NotFound("risk_snapshot")
    return value


@router.get("/establishments/{establishment_id}/risk")
def api_establishment_risk(establishment_id: IdPath, principal: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """The latest snapshot: ``cyber360 quantify --json`` plus ``snapshot`` and ``profile``."""
    return _found(service.establishment_risk(uow, principal, establishment_id))


@router.get("/ghts/{ght_id}/risk")
def api_ght_risk(ght_id: IdPath, principal: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return _found(service.ght_risk(uow, principal, ght_id))


@router.get("/establishments/{establishment_id}/risk/snapshots")
def api_establishment_snapshots(
    establishment_id: IdPath, principal: CurrentUser, uow: UowDep
) -> list[dict[str, Any]]:
    return service.list_snapshots(uow, principal, establishment_id=establishment_id)


@router.get("/ghts/{ght_id}/risk/snapshots")
def api_ght_snapshots(ght_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[dict[str, Any]]:
    return service.list_snapshots(uow, principal, ght_id=ght_id)


@router.get("/risk/snapshots/{snapshot_id}")
def api_snapshot(snapshot_id: IdPath, principal: CurrentUser, uow: UowDep) -> dict[str, Any]:
    return service.snapshot_public(service.snapshot_row(uow, principal, snapshot_id))


@router.get("/risk/snapshots/{snapshot_id}/compare")
def api_compare(
    request: Request, snapshot_id: IdPath, before: IdQuery, principal: CurrentUser, uow: UowDep
) -> dict[str, Any]:
    """From snapshot ``before`` to this one: the change of each figure and its explanation."""
    return results_service.compare(uow, principal, before, snapshot_id, request_locale(request))


@router.post("/establishments/{establishment_id}/risk/runs", status_code=status.HTTP_202_ACCEPTED)
def api_run_establishment(
    request: Request, establishment_id: IdPath, body: RunCreate, principal: CurrentUser, uow: UowDep
) -> JobPublic:
    return jobs.start_run(
        uow, principal, request.app.state.risk_jobs, body, establishment_id=establishment_id
    )


@router.post("/ghts/{ght_id}/risk/runs", status_code=status.HTTP_202_ACCEPTED)
def api_run_ght(
    request: Request, ght_id: IdPath, body: RunCreate, principal: CurrentUser, uow: UowDep
) -> JobPublic:
    return jobs.start_run(uow, principal, request.app.state.risk_jobs, body, ght_id=ght_id)


@router.get("/risk/jobs/{job_id}")
def api_job(job_id: IdPath, principal: CurrentUser, uow: UowDep) -> JobPublic:
    return jobs.job(uow, principal, job_id)


@router.get("/establishments/{establishment_id}/risk/tornado")
def api_tornado(establishment_id: IdPath, principal: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """The AAL with each top figure at the low then the high end of its range (``base``: central values)."""
    return results_service.tornado(uow, principal, establishment_id)


# Plan -----------------------------------------------------------------------------------------------------


@router.get("/establishments/{establishment_id}/plan")
def api_plan(establishment_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[ActionPublic]:
    return plan_service.list_actions(uow, principal, establishment_id)


@router.get("/ghts/{ght_id}/plan")
def api_ght_plan(ght_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[ActionPublic]:
    return plan_service.list_ght_actions(uow, principal, ght_id)


@router.post("/establishments/{establishment_id}/plan/actions", status_code=status.HTTP_201_CREATED)
def api_create_action(
    establishment_id: IdPath, body: ActionCreate, principal: CurrentUser, uow: UowDep
) -> ActionPublic:
    action = plan_service.create_action(uow, principal, establishment_id, body)
    uow.commit()
    return action


@router.post("/establishments/{establishment_id}/plan/rank")
def api_rank(establishment_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[ActionPublic]:
    """Add actions for unmet controls and re-rank the plan by euros avoided per euro."""
    actions = plan_service.rank(uow, principal, establishment_id)
    uow.commit()
    return actions


@router.post("/establishments/{establishment_id}/plan/import-lessons")
def api_import_lessons(establishment_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[ActionPublic]:
    actions = plan_service.import_lessons(uow, principal, establishment_id)
    uow.commit()
    return actions


@router.get("/plan/actions/{action_id}")
def api_action(action_id: IdPath, principal: CurrentUser, uow: UowDep) -> ActionPublic:
    return plan_service.get_action(uow, principal, action_id)


@router.patch("/plan/actions/{action_id}")
def api_update_action(
    action_id: IdPath, body: ActionUpdate, principal: CurrentUser, uow: UowDep
) -> ActionPublic:
    action = plan_service.update_action(uow, principal, action_id, body)
    uow.commit()
    return action


@router.get("/ghts/{ght_id}/report.pdf", response_class=Response)
def api_report(request: Request, ght_id: IdPath, principal: CurrentUser, uow: UowDep) -> Response:
    """The board report of the GHT (PDF, French first)."""
    pdf = report.ght_report_pdf(uow, principal, ght_id, request_locale(request))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="rapport-risque-ght-{ght_id}.pdf"'},
    )
