"""Portfolio accumulation of an insurer: every GHT that granted it and holds one of its bound policies, run
together with correlated events (a GHT's shared information system, common suppliers, a systemic wave), gross
and net of each GHT's own policy.

Who: a run is its insurer's; its underwriters start runs, its underwriters and viewers read them. A run that
includes a GHT the reader can no longer read (grant revoked since) is out of scope: 404 like a nonexistent id,
audited. Its figures (the GHT's contribution, and the totals it is part of) came from that GHT's data under a
consent now withdrawn, and even its list of GHTs is that GHT's data: nothing of it is shown; the list says
how many runs are hidden and the underwriter reruns on the current book. Anyone else: no portfolio (404).

Inputs: each GHT's establishments, profiles and control maturities (``risk.service.ght_inputs``, in the
underwriter's scope), its policy's terms, the assumptions of ``data/suppliers.yaml``; their SHA-256 is kept
with the run; ``portfolio_book`` builds the engine's portfolio from them. Runs are queued in the request
and executed in a background thread (small ones in the request), locally or on the Dask scheduler of
``CYBER360_DASK_SCHEDULER``; the progress of a running run is kept in memory (a restarted server leaves its
unfinished runs queued or running).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import false, select
from sqlalchemy.orm import Session, defer, sessionmaker

from cyber360.core import i18n
from cyber360.core.db import utcnow
from cyber360.core.errors import FieldError, Forbidden, NotFound
from cyber360.core.i18n import N_
from cyber360.core.scope import OrganisationKind, Principal, Role
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.cover import access
from cyber360.cover.portfolio_book import accumulation_inputs, book_of, build_book, policy_terms
from cyber360.cover.tables import PolicyRow, PortfolioRunRow
from cyber360.org.tables import GhtRow
from cyber360.quant import portfolio as engine
from cyber360.risk import service as risk_service

log = logging.getLogger("cyber360.cover.portfolio")

MIN_YEARS, MAX_YEARS, DEFAULT_YEARS = 1_000, 200_000, 20_000
DEFAULT_SEED = 42
#: Runs up to this many years are computed in the request (well under a second for a few GHTs).
SYNCHRONOUS_YEARS = 5_000
BOUND = "bound"
READERS = frozenset({Role.UNDERWRITER, Role.VIEWER})
OBJECT_TYPE = "cover_portfolio_run"

EMPTY = N_("Aucun GHT qui vous a donné accès n'a de police en vigueur de votre assureur : rien à cumuler.")
i18n.ERROR_MESSAGES.setdefault("error.portfolio_empty", EMPTY)


class RunCreate(BaseModel):
    years: int = Field(default=DEFAULT_YEARS, ge=MIN_YEARS, le=MAX_YEARS)
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=2**31 - 1)


class RunPublic(BaseModel):
    id: int
    status: str
    progress: float
    years: int
    seed: int
    ght_ids: list[int]
    inputs_sha256: str
    error: str
    seconds: float | None
    created_at: datetime
    finished_at: datetime | None


class RunDetail(RunPublic):
    """A run with its figures (``portfolio_summary``: gross and net) and the book it covered."""

    figures: dict[str, Any] | None
    book: list[dict[str, Any]]


# Who --------------------------------------------------------------------------------------------------------


def is_reader(principal: Principal) -> bool:
    return principal.organisation_kind is OrganisationKind.INSURER and principal.role in READERS


def require_reader(principal: Principal) -> None:
    """Nobody but an insurer's people has a portfolio: for them it does not exist."""
    if not is_reader(principal):
        raise NotFound(OBJECT_TYPE)


def can_run(principal: Principal) -> bool:
    return is_reader(principal) and principal.role is Role.UNDERWRITER


def require_underwriter(principal: Principal) -> None:
    require_reader(principal)  # a viewer of the insurer reads (403 on a run); anyone else: 404
    if not can_run(principal):
        raise Forbidden("cover.portfolio.run")


def _ght_ids(row: PortfolioRunRow) -> list[int]:
    return [int(value) for value in json.loads(row.ght_ids)]


def _visible(uow: UnitOfWork, principal: Principal) -> tuple[list[PortfolioRunRow], int]:
    """The insurer's runs whose GHTs all still grant it (newest first), and how many others it has."""
    if not is_reader(principal):
        return [], 0
    mine = PortfolioRunRow.insurer_organisation_id == principal.organisation_id
    statement = select(PortfolioRunRow).options(defer(PortfolioRunRow.summary)).where(mine)
    rows = list(uow.session.execute(statement.order_by(PortfolioRunRow.id.desc())).scalars())
    shown = [row for row in rows if set(_ght_ids(row)) <= principal.readable_ght_ids]
    return shown, len(rows) - len(shown)


def run_row(uow: UnitOfWork, principal: Principal, run_id: int) -> PortfolioRunRow:
    visible = [row.id for row in _visible(uow, principal)[0]]
    clause = PortfolioRunRow.id.in_(visible) if visible else false()
    return get_in_scope(uow, principal, PortfolioRunRow, run_id, clause, object_type=OBJECT_TYPE)


# The book and its inputs ------------------------------------------------------------------------------------


def current_book(uow: UnitOfWork, principal: Principal) -> list[tuple[GhtRow, PolicyRow]]:
    """The GHTs (granting the insurer, in the principal's scope) with a bound policy of the insurer, each
    with that policy (the latest period when there are several)."""
    require_reader(principal)
    rows = uow.session.execute(
        select(GhtRow, PolicyRow)
        .join(PolicyRow, PolicyRow.ght_id == GhtRow.id)
        .where(
            PolicyRow.status == BOUND,
            PolicyRow.insurer_organisation_id == principal.organisation_id,
            access.policy_clause(principal, PolicyRow.ght_id, PolicyRow.insurer_organisation_id),
        )
        .order_by(GhtRow.id, PolicyRow.period_start.desc(), PolicyRow.id.desc())
    ).all()
    book: dict[int, tuple[GhtRow, PolicyRow]] = {}
    for ght, policy in rows:
        book.setdefault(ght.id, (ght, policy))
    return list(book.values())


def gather_inputs(uow: UnitOfWork, principal: Principal) -> dict[str, Any]:
    """Everything a run is computed from (plain JSON): its SHA-256 identifies the run's inputs."""
    ghts = [
        {
            "ght_id": ght.id,
            "name": ght.name,
            "policy_id": policy.id,
            "policy_reference": policy.reference,
            "terms": policy_terms(policy.terms),
            "inputs": risk_service.ght_inputs(uow, principal, ght),
        }
        for ght, policy in current_book(uow, principal)
    ]
    ghts = [item for item in ghts if item["inputs"]["establishments"]]  # an empty GHT has no risk
    if not ghts:
        raise FieldError("ght_ids", "error.portfolio_empty")
    return {
        "kind": "portfolio",
        "insurer_organisation_id": principal.organisation_id,
        "model_version": risk_service.model_version(),
        "ghts": ghts,
        "accumulation": accumulation_inputs(),
    }


# Runs -------------------------------------------------------------------------------------------------------


class PortfolioRunner:
    """The local executor: one worker thread; the progress of running runs, by id, in memory."""

    def __init__(self, session_factory: sessionmaker[Session], scheduler: str = ""):
        self.session_factory, self.scheduler = session_factory, scheduler
        self.progress: dict[int, float] = {}
        self._executor: ThreadPoolExecutor | None = None

    def submit(self, run_id: int, principal: Principal, inputs: dict[str, Any], years: int) -> None:
        if years <= SYNCHRONOUS_YEARS:
            execute(self, run_id, principal, inputs)
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cover-portfolio")
        self._executor.submit(execute, self, run_id, principal, inputs)


_RUNNER_LOCK = threading.Lock()


def runner_of(state: Any) -> PortfolioRunner:
    """The application's runner (``app.state``), made on first use with its settings' Dask scheduler."""
    with _RUNNER_LOCK:
        runner = getattr(state, "cover_portfolio_jobs", None)
        if runner is None:
            runner = PortfolioRunner(state.session_factory, state.settings.dask_scheduler)
            state.cover_portfolio_jobs = runner
        return runner


def start_run(
    uow: UnitOfWork, principal: Principal, runner: PortfolioRunner, command: RunCreate
) -> PortfolioRunRow:
    """Gather the book's inputs, queue the run (underwriters only), commit, and hand it to the runner."""
    require_underwriter(principal)
    inputs = gather_inputs(uow, principal)
    ght_ids = [item["ght_id"] for item in inputs["ghts"]]
    row = PortfolioRunRow(
        insurer_organisation_id=principal.organisation_id,
        ght_ids=json.dumps(ght_ids),
        inputs_sha256=risk_service.sha256_of(inputs),
        years=command.years,
        seed=command.seed,
        status="queued",
        created_by_user_id=principal.user_id or None,
    )
    uow.session.add(row)
    uow.session.flush()
    after = {"ght_ids": ght_ids, "years": row.years, "seed": row.seed, "inputs_sha256": row.inputs_sha256}
    uow.audit(principal, "cover.portfolio.run.start", object_type=OBJECT_TYPE, object_id=row.id, after=after)
    uow.commit()
    runner.submit(row.id, principal, inputs, command.years)
    uow.session.refresh(row)
    return row


def rerun(uow: UnitOfWork, principal: Principal, runner: PortfolioRunner, run_id: int) -> PortfolioRunRow:
    """A new run with an earlier run's years and seed, over the current book."""
    row = run_row(uow, principal, run_id)
    return start_run(uow, principal, runner, RunCreate(years=row.years, seed=row.seed))


def _client(scheduler: str) -> Any:
    if not scheduler:
        return nullcontext()
    from dask.distributed import Client  # imported only when a scheduler is set (heavy)

    return Client(scheduler)  # type: ignore[no-untyped-call]


def compute(
    inputs: dict[str, Any], years: int, seed: int, scheduler: str = "", progress: Any = None
) -> dict[str, Any]:
    """The figures of stored inputs (``portfolio_summary``) and the book they covered; on the Dask
    scheduler at ``scheduler`` when given (same figures: the engine's streams do not depend on it)."""
    portfolio = build_book(inputs)
    with _client(scheduler) as client:
        result = engine.simulate_portfolio(portfolio, years, seed, client=client, progress=progress)
    return {"figures": engine.portfolio_summary(result), "book": book_of(inputs, portfolio)}


def _complete(
    uow: UnitOfWork, principal: Principal, row: PortfolioRunRow, started: float, **outcome: Any
) -> None:
    """Mark a run done (``summary``) or failed (``error``), audited, in the caller's transaction."""
    summary = outcome.get("summary")
    row.status, row.error = ("done", "") if summary else ("failed", outcome["error"])
    row.summary = risk_service.canonical(summary) if summary else ""
    row.seconds, row.finished_at = round(time.monotonic() - started, 3), utcnow()
    after: dict[str, Any] = {"status": row.status, "seconds": row.seconds, "error": row.error}
    if summary:
        figures = summary["figures"]
        after |= {
            f"{name}_{what}": figures[name][what] for name in ("gross", "net") for what in ("aal", "pml_200")
        }
    action = "cover.portfolio.run.done" if summary else "cover.portfolio.run.fail"
    uow.audit(principal, action, object_type=OBJECT_TYPE, object_id=row.id, after=after)


def execute(runner: PortfolioRunner, run_id: int, principal: Principal, inputs: dict[str, Any]) -> None:
    """Run one queued run to its end (in the worker thread, or inline)."""
    started = time.monotonic()
    try:
        with UnitOfWork(runner.session_factory) as uow:
            row = uow.session.get(PortfolioRunRow, run_id)
            assert row is not None
            years, seed, row.status = row.years, row.seed, "running"
            uow.commit()
        runner.progress[run_id] = 0.0

        def progress(done: int, total: int) -> None:
            runner.progress[run_id] = min(done / total if total else 1.0, 0.99)

        outcome: dict[str, Any]
        try:
            outcome = {"summary": compute(inputs, years, seed, runner.scheduler, progress)}
        except Exception as error:  # a failed run is shown on its page; the server goes on
            log.exception("portfolio run %s failed", run_id)
            outcome = {"error": str(error)[:1000] or type(error).__name__}
        with UnitOfWork(runner.session_factory) as uow:
            row = uow.session.get(PortfolioRunRow, run_id)
            assert row is not None
            _complete(uow, principal, row, started, **outcome)
            uow.commit()
    finally:
        runner.progress.pop(run_id, None)


# Reading ----------------------------------------------------------------------------------------------------


def _progress(row: PortfolioRunRow, runner: PortfolioRunner | None) -> float:
    if row.status == "done":
        return 1.0
    return runner.progress.get(row.id, 0.0) if runner is not None and row.status == "running" else 0.0


def public(row: PortfolioRunRow, runner: PortfolioRunner | None = None) -> RunPublic:
    values = {name: getattr(row, name) for name in set(RunPublic.model_fields) - {"progress", "ght_ids"}}
    return RunPublic(**values, progress=_progress(row, runner), ght_ids=_ght_ids(row))


def list_runs(
    uow: UnitOfWork, principal: Principal, runner: PortfolioRunner | None = None
) -> list[RunPublic]:
    require_reader(principal)
    return [public(row, runner) for row in _visible(uow, principal)[0]]


def hidden_runs(uow: UnitOfWork, principal: Principal) -> int:
    """How many of the insurer's runs are no longer shown (a GHT in them withdrew its grant)."""
    return _visible(uow, principal)[1]


def get_run(
    uow: UnitOfWork, principal: Principal, run_id: int, runner: PortfolioRunner | None = None
) -> RunDetail:
    row = run_row(uow, principal, run_id)
    stored = json.loads(row.summary) if row.status == "done" and row.summary else {}
    return RunDetail(
        **public(row, runner).model_dump(), figures=stored.get("figures"), book=stored.get("book", [])
    )


def run_public(
    uow: UnitOfWork, principal: Principal, run_id: int, runner: PortfolioRunner | None = None
) -> RunPublic:
    """A run without its figures: its state and progress (polled while it runs)."""
    return public(run_row(uow, principal, run_id), runner)
