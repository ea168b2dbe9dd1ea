"""Runs of the engine in the background: a small job table and a local executor started by the application.

A run is queued in the request's transaction; a worker thread gathers the inputs, simulates (writing its
progress 0..1 now and then in short transactions of its own), stores the snapshot and marks the job done, or
failed with the error. Small runs (and every run when ``synchronous`` is set, as in the tests) are executed
at once in the request, so that their result is there when the answer comes back.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from cyber360.core.db import utcnow
from cyber360.core.scope import Principal
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.risk import access, service
from cyber360.risk.tables import RiskJobRow

log = logging.getLogger("cyber360.risk.jobs")

MIN_YEARS, MAX_YEARS = 1_000, 2_000_000
#: Runs up to this many years are computed in the request (a few seconds at most).
SYNCHRONOUS_YEARS = 20_000


class RunCreate(BaseModel):
    years: int = Field(default=100_000, ge=MIN_YEARS, le=MAX_YEARS)
    seed: int = Field(default=service.DEFAULT_SEED, ge=0, le=2**31 - 1)


class JobPublic(BaseModel):
    id: int
    ght_id: int
    establishment_id: int | None
    status: str
    progress: float
    error: str
    years: int
    seed: int
    snapshot_id: int | None


class JobRunner:
    """The local executor: one worker thread (runs are CPU-bound NumPy, one at a time is enough)."""

    def __init__(
        self, session_factory: sessionmaker[Session], *, synchronous: bool = False, workers: int = 1
    ):
        self.session_factory = session_factory
        self.synchronous = synchronous
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None

    def submit(self, job_id: int, principal: Principal, years: int) -> Future[None] | None:
        if self.synchronous or years <= SYNCHRONOUS_YEARS:
            execute(self.session_factory, job_id, principal)
            return None
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="risk-run")
        return self._executor.submit(execute, self.session_factory, job_id, principal)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _public(row: RiskJobRow) -> JobPublic:
    return JobPublic.model_validate(row, from_attributes=True)


def start_run(
    uow: UnitOfWork,
    principal: Principal,
    runner: JobRunner,
    command: RunCreate,
    *,
    establishment_id: int | None = None,
    ght_id: int | None = None,
) -> JobPublic:
    """Queue a run (writers only), commit, and hand it to the executor."""
    if establishment_id is not None:
        establishment = access.establishment_in_scope(uow, principal, establishment_id)
        access.require_write(principal, establishment.ght_id, establishment.id, "risk.run")
        ght = establishment.ght_id
    else:
        assert ght_id is not None
        ght = access.ght_in_scope(uow, principal, ght_id).id
        access.require_write(principal, ght, None, "risk.run")
    row = RiskJobRow(
        ght_id=ght,
        establishment_id=establishment_id,
        status="queued",
        progress=0.0,
        error="",
        years=command.years,
        seed=command.seed,
        created_by_user_id=principal.user_id or None,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        principal,
        "risk.run.start",
        object_type="risk_job",
        object_id=row.id,
        ght_id=ght,
        after={"establishment_id": establishment_id, "years": command.years, "seed": command.seed},
    )
    uow.commit()
    runner.submit(row.id, principal, command.years)
    uow.session.refresh(row)
    return _public(row)


def _update(session_factory: sessionmaker[Session], job_id: int, **values: Any) -> None:
    with UnitOfWork(session_factory) as uow:
        row = uow.session.get(RiskJobRow, job_id)
        if row is not None:
            for key, value in values.items():
                setattr(row, key, value)
            uow.commit()


def execute(session_factory: sessionmaker[Session], job_id: int, principal: Principal) -> None:
    """Run one job to its end (in a worker thread, or inline)."""
    try:
        with UnitOfWork(session_factory) as uow:
            job = uow.session.get(RiskJobRow, job_id)
            assert job is not None
            years, seed = job.years, job.seed
            job.status = "running"
            inputs = service.inputs_for(
                uow,
                principal,
                establishment_id=job.establishment_id,
                ght_id=None if job.establishment_id else job.ght_id,
                write=True,
            )
            uow.commit()
        last = [0.0, time.monotonic()]

        def progress(done: int, total: int) -> None:
            fraction = done / total if total else 1.0
            if fraction - last[0] >= 0.05 and time.monotonic() - last[1] >= 0.5:
                last[:] = [fraction, time.monotonic()]
                _update(session_factory, job_id, progress=min(fraction, 0.99))

        summary = service.run_inputs(inputs, years, seed, progress)
        with UnitOfWork(session_factory) as uow:
            snapshot = service.store_snapshot(uow, principal, inputs, years, seed, summary)
            job = uow.session.get(RiskJobRow, job_id)
            assert job is not None
            job.status, job.progress, job.snapshot_id, job.finished_at = "done", 1.0, snapshot.id, utcnow()
            uow.commit()
    except Exception as error:  # a failed run is shown on its page; the server goes on
        log.exception("risk run %s failed", job_id)
        _update(
            session_factory,
            job_id,
            status="failed",
            error=str(error)[:500] or type(error).__name__,
            finished_at=utcnow(),
        )


def job(uow: UnitOfWork, principal: Principal, job_id: int) -> JobPublic:
    clause = access.read_clause(principal, RiskJobRow.establishment_id, RiskJobRow.ght_id)
    return _public(get_in_scope(uow, principal, RiskJobRow, job_id, clause, object_type="risk_job"))
