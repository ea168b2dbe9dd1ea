"""Use cases of the action plan: actions generated from unmet controls or written by hand (or imported from
the crisis area's lessons), their costs, owners, due dates and status, and their ranking by euros of annual
loss avoided per euro of annualised cost: the engine re-runs with each action's control improved.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from cyber360.core.db import utcnow
from cyber360.core.scope import Principal
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.quant import simulate, summarize
from cyber360.risk import access, service
from cyber360.risk import model as risk_model
from cyber360.risk.tables import RiskActionRow

#: One-off costs are spread over this many years to compare them with yearly savings.
YEARS_OF_AMORTISATION = 5


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ActionCreate(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    control_id: str | None = Field(default=None, max_length=64)
    target_level: float | None = Field(default=None, ge=0, le=5)
    cost_one_off_eur: float = Field(default=0.0, ge=0, le=1e10)
    cost_yearly_eur: float = Field(default=0.0, ge=0, le=1e10)
    owner: str = Field(default="", max_length=200)
    due_on: date | None = None
    status: ActionStatus = ActionStatus.PLANNED


class ActionUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    cost_one_off_eur: float | None = Field(default=None, ge=0, le=1e10)
    cost_yearly_eur: float | None = Field(default=None, ge=0, le=1e10)
    owner: str | None = Field(default=None, max_length=200)
    due_on: date | None = None
    status: ActionStatus | None = None


class ActionPublic(BaseModel):
    id: int
    ght_id: int
    establishment_id: int
    title: str
    source: str
    control_id: str | None
    target_level: float | None
    cost_one_off_eur: float
    cost_yearly_eur: float
    annualised_cost_eur: float
    loss_avoided_eur: float | None
    return_ratio: float | None
    owner: str
    due_on: date | None
    status: str
    done_at: str | None


_FIELDS = ["title", "cost_one_off_eur", "cost_yearly_eur", "owner", "due_on", "status"]


def annualised(one_off: float, yearly: float) -> float:
    return one_off / YEARS_OF_AMORTISATION + yearly


def _public(row: RiskActionRow) -> ActionPublic:
    return ActionPublic(
        id=row.id,
        ght_id=row.ght_id,
        establishment_id=row.establishment_id,
        title=row.title,
        source=row.source,
        control_id=row.control_id,
        target_level=row.target_level,
        cost_one_off_eur=row.cost_one_off_eur,
        cost_yearly_eur=row.cost_yearly_eur,
        annualised_cost_eur=annualised(row.cost_one_off_eur, row.cost_yearly_eur),
        loss_avoided_eur=row.loss_avoided_eur,
        return_ratio=row.return_ratio,
        owner=row.owner,
        due_on=row.due_on,
        status=row.status,
        done_at=row.done_at.isoformat() if row.done_at else None,
    )


def _values(row: RiskActionRow) -> dict[str, Any]:
    return json.loads(json.dumps({key: getattr(row, key) for key in _FIELDS}, default=str))


def _rank_key(action: ActionPublic) -> tuple[int, float, int]:
    closed = action.status == ActionStatus.CANCELLED.value
    return (
        1 if closed else 0,
        -(action.return_ratio if action.return_ratio is not None else -1.0),
        action.id,
    )


def action_row(uow: UnitOfWork, principal: Principal, action_id: int) -> RiskActionRow:
    clause = access.read_clause(principal, RiskActionRow.establishment_id, RiskActionRow.ght_id)
    return get_in_scope(uow, principal, RiskActionRow, action_id, clause, object_type="risk_action")


def get_action(uow: UnitOfWork, principal: Principal, action_id: int) -> ActionPublic:
    return _public(action_row(uow, principal, action_id))


def _rows(uow: UnitOfWork, *where: Any) -> list[ActionPublic]:
    rows = uow.session.execute(select(RiskActionRow).where(*where)).scalars()
    return sorted((_public(row) for row in rows), key=_rank_key)


def list_actions(uow: UnitOfWork, principal: Principal, establishment_id: int) -> list[ActionPublic]:
    """The establishment's plan, best return first (cancelled actions last)."""
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    return _rows(uow, RiskActionRow.establishment_id == establishment.id)


def list_ght_actions(uow: UnitOfWork, principal: Principal, ght_id: int) -> list[ActionPublic]:
    ght = access.ght_in_scope(uow, principal, ght_id)
    return _rows(uow, RiskActionRow.ght_id == ght.id)


def create_action(
    uow: UnitOfWork,
    principal: Principal,
    establishment_id: int,
    command: ActionCreate,
    *,
    source: str = "manual",
) -> ActionPublic:
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    access.require_write(principal, establishment.ght_id, establishment.id, "risk.plan.create")
    row = RiskActionRow(
        ght_id=establishment.ght_id,
        establishment_id=establishment.id,
        source=source,
        control_id=command.control_id or None,
        target_level=command.target_level,
        **{key: getattr(command, key) for key in _FIELDS},
    )
    row.status = command.status.value
    if row.status == ActionStatus.DONE.value:
        row.done_at = utcnow()
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        principal,
        "risk.action.create",
        object_type="risk_action",
        object_id=row.id,
        ght_id=row.ght_id,
        after=_values(row),
    )
    return _public(row)


def update_action(
    uow: UnitOfWork, principal: Principal, action_id: int, command: ActionUpdate
) -> ActionPublic:
    row = action_row(uow, principal, action_id)
    access.require_write(principal, row.ght_id, row.establishment_id, "risk.plan.update")
    before = _values(row)
    for key, value in command.model_dump(exclude_unset=True).items():
        if value is None and key != "due_on":
            continue
        setattr(row, key, value.value if isinstance(value, StrEnum) else value)
    if row.status == ActionStatus.DONE.value and row.done_at is None:
        row.done_at = utcnow()
    elif row.status != ActionStatus.DONE.value:
        row.done_at = None
    row.updated_at = utcnow()
    uow.audit(
        principal,
        "risk.action.update",
        object_type="risk_action",
        object_id=row.id,
        ght_id=row.ght_id,
        before=before,
        after=_values(row),
    )
    return _public(row)


# Ranking ---------------------------------------------------------------------------------------------


def _aal(profile: Any, maturity: dict[str, float], catalogue: Any, years: int, seed: int) -> float:
    """The AAL: exact model mean when ``years`` is 0 (no Monte Carlo noise in a ranking), else simulated."""
    model = risk_model.build_model(profile, maturity, catalogue)
    if years <= 0:
        return float(model.expected_annual_loss())
    return float(summarize(simulate(model, years, seed))["total"]["aal"] or 0.0)


def _rows_of(uow: UnitOfWork, establishment_id: int) -> list[RiskActionRow]:
    statement = select(RiskActionRow).where(RiskActionRow.establishment_id == establishment_id)
    return list(uow.session.execute(statement).scalars())


def rank(
    uow: UnitOfWork,
    principal: Principal,
    establishment_id: int,
    *,
    years: int = 0,
    seed: int = service.DEFAULT_SEED,
) -> list[ActionPublic]:
    """Add the best action for each unmet control not yet in the plan, then re-run the engine with each
    action's control raised to its target and store the loss avoided and the return per euro. Actions
    without a control keep no figure (written by hand, unquantified)."""
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    access.require_write(principal, establishment.ght_id, establishment.id, "risk.plan.rank")
    inputs = service.establishment_inputs(uow, principal, establishment)
    catalogue = service.catalogue()
    profile = service._profile(inputs["profile"])
    maturity: dict[str, float] = dict(inputs["maturity"])
    planned = {
        row.control_id
        for row in _rows_of(uow, establishment.id)
        if row.control_id and row.status != ActionStatus.CANCELLED.value
    }
    base = _aal(profile, maturity, catalogue, years, seed)
    results = [
        (candidate, _aal(profile, candidate.maturity_after(maturity), catalogue, years, seed))
        for candidate in risk_model.candidate_actions(maturity, catalogue, profile)
        if candidate.control_id not in planned
    ]
    for item in risk_model.rank_actions(base, results, YEARS_OF_AMORTISATION):
        candidate = item.action
        if candidate.control_id in planned or item.avoided_eur <= 0:
            continue
        planned.add(candidate.control_id)
        command = ActionCreate(
            title=candidate.label("fr")[:300],
            control_id=candidate.control_id,
            target_level=candidate.to_level,
            cost_one_off_eur=round(candidate.one_off_eur, 2),
            cost_yearly_eur=round(candidate.yearly_eur, 2),
        )
        create_action(uow, principal, establishment.id, command, source="generated")
    for row in _rows_of(uow, establishment.id):
        if not row.control_id or row.status == ActionStatus.DONE.value:
            continue
        current = maturity.get(row.control_id, catalogue.number("maturity.default_maturity"))
        target = row.target_level if row.target_level is not None else min(5.0, current + 1)
        improved = {**maturity, row.control_id: max(target, current)}
        avoided = max(0.0, base - _aal(profile, improved, catalogue, years, seed))
        cost = annualised(row.cost_one_off_eur, row.cost_yearly_eur)
        row.loss_avoided_eur = avoided
        row.return_ratio = avoided / cost if cost > 0 else None
    uow.audit(
        principal,
        "risk.plan.rank",
        object_type="establishment",
        object_id=establishment.id,
        ght_id=establishment.ght_id,
        after={"base_aal": base, "years": years, "seed": seed},
    )
    uow.session.flush()
    return list_actions(uow, principal, establishment.id)


def cumulative(actions: list[ActionPublic]) -> list[tuple[float, float]]:
    """(cumulative annualised cost, cumulative loss avoided) in ranked order, over quantified open actions.

    A sum of one-at-a-time savings: it overstates a little when two actions protect against the same loss."""
    points, cost, avoided = [], 0.0, 0.0
    for action in actions:
        if (
            action.status in (ActionStatus.CANCELLED.value, ActionStatus.DONE.value)
            or action.return_ratio is None
        ):
            continue
        cost += action.annualised_cost_eur
        avoided += action.loss_avoided_eur or 0.0
        points.append((cost, avoided))
    return points


def progress(actions: list[ActionPublic]) -> dict[str, Any]:
    counts = {status.value: 0 for status in ActionStatus}
    for action in actions:
        counts[action.status] = counts.get(action.status, 0) + 1
    open_total = len(actions) - counts[ActionStatus.CANCELLED.value]
    done = counts[ActionStatus.DONE.value]
    return {
        "counts": counts,
        "done_share": done / open_total if open_total else 0.0,
        "done_dates": sorted(a.done_at for a in actions if a.done_at),
    }


def import_lessons(uow: UnitOfWork, principal: Principal, establishment_id: int) -> list[ActionPublic]:
    """Turn the crisis area's lessons of this establishment into plan actions (once each)."""
    from cyber360.crisis.tables import LessonRow

    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    access.require_write(principal, establishment.ght_id, establishment.id, "risk.plan.import")
    known = set(
        uow.session.execute(
            select(RiskActionRow.crisis_lesson_id).where(RiskActionRow.establishment_id == establishment.id)
        ).scalars()
    )
    lessons = uow.session.execute(
        select(LessonRow).where(LessonRow.establishment_id == establishment.id).order_by(LessonRow.id)
    ).scalars()
    created = []
    for lesson in lessons:
        if lesson.id in known:
            continue
        action = create_action(
            uow,
            principal,
            establishment.id,
            ActionCreate(title=lesson.title[:300], owner=lesson.owner[:200], due_on=lesson.due_on),
            source="crisis_lesson",
        )
        row = uow.session.get(RiskActionRow, action.id)
        assert row is not None
        row.crisis_lesson_id = lesson.id
        created.append(action)
    return created
