"""JSON routes of the insurer's portfolio accumulation: the current book, runs (start, list, read, progress,
rerun). An insurer's underwriters start runs, its underwriters and viewers read them; for anyone else the
portfolio does not exist (404)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, status

from cyber360.core.db import MAX_ROW_ID
from cyber360.core.web import CurrentUser, UowDep
from cyber360.cover import portfolio_service as service
from cyber360.cover.portfolio_service import RunCreate, RunDetail, RunPublic

router = APIRouter(prefix="/api/v1/cover/portfolio", tags=["cover"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("")
def api_book(principal: CurrentUser, uow: UowDep) -> dict[str, Any]:
    """The GHTs a new run would cover: granting the insurer, with one of its bound policies."""
    return {
        "ghts": [
            {"id": ght.id, "name": ght.name, "policy_id": policy.id, "policy_reference": policy.reference}
            for ght, policy in service.current_book(uow, principal)
        ]
    }


@router.get("/runs")
def api_runs(request: Request, principal: CurrentUser, uow: UowDep) -> list[RunPublic]:
    return service.list_runs(uow, principal, service.runner_of(request.app.state))


@router.post("/runs", status_code=status.HTTP_202_ACCEPTED)
def api_start(request: Request, body: RunCreate, principal: CurrentUser, uow: UowDep) -> RunPublic:
    """Queue a run over the current book (small runs are finished when the answer comes back)."""
    runner = service.runner_of(request.app.state)
    return service.public(service.start_run(uow, principal, runner, body), runner)


@router.get("/runs/{run_id}")
def api_run(request: Request, run_id: IdPath, principal: CurrentUser, uow: UowDep) -> RunDetail:
    """The run, its figures when done (``cyber360 portfolio --json``: gross and net) and its book."""
    return service.get_run(uow, principal, run_id, service.runner_of(request.app.state))


@router.get("/runs/{run_id}/progress")
def api_progress(request: Request, run_id: IdPath, principal: CurrentUser, uow: UowDep) -> RunPublic:
    return service.run_public(uow, principal, run_id, service.runner_of(request.app.state))


@router.post("/runs/{run_id}/rerun", status_code=status.HTTP_202_ACCEPTED)
def api_rerun(request: Request, run_id: IdPath, principal: CurrentUser, uow: UowDep) -> RunPublic:
    """A new run with this run's years and seed over the current book."""
    runner = service.runner_of(request.app.state)
    return service.public(service.rerun(uow, principal, runner, run_id), runner)
