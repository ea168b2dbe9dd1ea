"""Use cases of quotes: the technical premium of a policy on its GHT's current quantified risk, and the
premium once the top open actions of the GHT's plan are done (the prevention incentive).

Pricing (:func:`price`, pure): the GHT's model is built from its establishments' profiles and control
maturity (``risk.service.ght_inputs``); gross and net annual losses are simulated with the same seed
(``quant.simulate``, ``quant.terms.simulate_net``) and priced (``quant.pricing.technical_premium``). Then
the plan's top N open actions (ranked by euros avoided per euro) are applied one by one, each raising its
control to its target level in its establishment's maturity, and the model is rebuilt and re-priced with the
same seed and block size: common random numbers, so the difference is the plan's effect and not Monte Carlo
noise. Each action's saving is the premium before it minus the premium after it (the savings add up).

A quote is immutable: it keeps the inputs (risk inputs, terms, the actions applied) and their SHA-256, the
seed, years and block size, the gross and net figures, and both premium breakdowns.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import numpy as np
from sqlalchemy import select

from cyber360.core.errors import Conflict
from cyber360.core.scope import Principal
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.cover import access, policy_service
from cyber360.cover.model import (
    QUOTABLE,
    ActionEffect,
    PolicyStatus,
    QuoteCreate,
    QuotePublic,
    QuoteSummary,
    canonical_json,
    check_terms,
)
from cyber360.cover.tables import PolicyRow, QuoteRow
from cyber360.org.tables import GhtRow
from cyber360.quant.metrics import RETURN_PERIODS, LossCurve
from cyber360.quant.policy import Policy
from cyber360.quant.pricing import technical_premium
from cyber360.quant.simulate import SimulationResult, simulate
from cyber360.quant.summary import LEVELS, level_key, number, return_period_table
from cyber360.quant.terms import simulate_net
from cyber360.risk import plan_service
from cyber360.risk import service as risk_service

OBJECT_TYPE = "cover_quote"
OPEN_ACTION_STATUSES = frozenset({"planned", "in_progress"})


# Pricing (pure) -------------------------------------------------------------------------------------------


def figures(result: SimulationResult, *, components: bool) -> dict[str, Any]:
    """The run's total figures: AAL and its standard error, VaR and TVaR, AEP and OEP (JSON-ready)."""
    curve = LossCurve(result.total_aggregate)
    aal = curve.average()
    data: dict[str, Any] = {
        "years": result.years,
        "seed": result.seed,
        "block_years": result.block_years,
        "aal": number(aal.value),
        "aal_stderr": number(aal.stderr),
        "prob_zero": curve.prob_zero,
        "events_per_year": float(np.sum(result.event_counts)) / result.years,
        "var": {level_key(p): number(curve.quantile(p)) for p in LEVELS},
        "tvar": {level_key(p): number(curve.tail_mean(p)) for p in LEVELS},
        "var_ci95": {level_key(p): [number(v) for v in curve.quantile_interval(p)] for p in LEVELS},
        "aep": return_period_table(curve, RETURN_PERIODS),
        "oep": return_period_table(LossCurve(result.total_occurrence), RETURN_PERIODS),
    }
    if components:
        total = len(result.model.scenarios)
        data["components"] = {
            name: number(result.component_mean[total, index])
            for index, name in enumerate(result.component_names)
        }
    return data


def _premium(net: SimulationResult, policy: Policy) -> dict[str, Any]:
    return technical_premium(
        net.total_aggregate, policy.loadings, complaint_probability=policy.complaint_probability
    )


def _apply(inputs: dict[str, Any], action: dict[str, Any], default_maturity: float) -> tuple[float, float]:
    """Raise the action's control to its target in its establishment's maturity; (from, to) levels."""
    member = next(m for m in inputs["establishments"] if m["establishment_id"] == action["establishment_id"])
    maturity = member["maturity"]
    current = float(maturity.get(action["control_id"], default_maturity))
    target = action["target_level"]
    target = min(5.0, current + 1.0) if target is None else float(target)
    maturity[action["control_id"]] = max(current, target)
    return current, max(current, target)


def _paired_stderr(before: Any, after: Any) -> float | None:
    difference = np.asarray(before) - np.asarray(after)
    if difference.size < 2:
        return None
    return number(float(np.std(difference, ddof=1)) / math.sqrt(difference.size))


def price(
    inputs: dict[str, Any], terms: dict[str, Any], actions: list[dict[str, Any]], years: int, seed: int
) -> dict[str, Any]:
    """Price ``terms`` on the GHT ``inputs`` now and after ``actions`` (plan rows as dicts, best first)."""
    policy = check_terms(terms)
    model = risk_service.build(inputs)
    gross = simulate(model, years, seed)
    block = gross.block_years
    net = simulate_net(model, policy, years, seed, block_years=block)
    premium = _premium(net, policy)
    default_maturity = risk_service.catalogue().number("maturity.default_maturity")
    after_inputs = copy.deepcopy(inputs)
    effects, previous, last_net, after_model = [], premium["technical"], net, model
    for action in actions:
        from_level, to_level = _apply(after_inputs, action, default_maturity)
        after_model = risk_service.build(after_inputs)
        last_net = simulate_net(after_model, policy, years, seed, block_years=block)
        technical = _premium(last_net, policy)["technical"]
        effects.append(
            {
                **{key: action[key] for key in ("action_id", "establishment_id", "establishment", "title")},
                **{key: action[key] for key in ("control_id", "loss_avoided_eur", "return_ratio")},
                "from_level": from_level,
                "target_level": to_level,
                "premium_after_eur": technical,
                "premium_saving_eur": previous - technical,
            }
        )
        previous = technical
    premium_after = _premium(last_net, policy) if effects else premium
    gross_after = simulate(after_model, years, seed, block_years=block) if effects else gross
    complaint = policy.complaint_probability
    saving_stderr = _paired_stderr(net.total_aggregate, last_net.total_aggregate) if effects else 0.0
    return {
        "gross": figures(gross, components=True),
        "net": figures(net, components=False),
        "premium": premium,
        "after": {
            "premium": premium_after,
            "gross": figures(gross_after, components=True),
            "net": figures(last_net, components=False),
            "actions": effects,
            "saving_eur": premium["technical"] - premium_after["technical"],
            "expected_loss_saving_eur": premium["expected_loss"] - premium_after["expected_loss"],
            "expected_loss_saving_stderr_eur": None if saving_stderr is None else complaint * saving_stderr,
        },
    }


# Use cases ------------------------------------------------------------------------------------------------


def top_actions(
    uow: UnitOfWork, principal: Principal, ght: GhtRow, risk_inputs: dict[str, Any], count: int
) -> list[dict[str, Any]]:
    """The GHT plan's ``count`` best open quantified actions (euros avoided per euro, best first)."""
    if count <= 0:
        return []
    names = {
        member["establishment_id"]: member["profile"]["name"] for member in risk_inputs["establishments"]
    }
    chosen = [
        action
        for action in plan_service.list_ght_actions(uow, principal, ght.id)
        if action.status in OPEN_ACTION_STATUSES
        and action.control_id
        and action.return_ratio is not None
        and action.establishment_id in names
    ]
    chosen.sort(key=lambda action: (-(action.return_ratio or 0.0), action.id))
    return [
        {
            "action_id": action.id,
            "establishment_id": action.establishment_id,
            "establishment": names.get(action.establishment_id, ""),
            "title": action.title,
            "control_id": action.control_id,
            "target_level": action.target_level,
            "loss_avoided_eur": action.loss_avoided_eur,
            "return_ratio": action.return_ratio,
        }
        for action in chosen[:count]
    ]


def create_quote(uow: UnitOfWork, principal: Principal, policy_id: int, command: QuoteCreate) -> QuotePublic:
    """Price the policy now and after the plan's top actions; store the immutable quote, audited."""
    policy = policy_service.policy_row(uow, principal, policy_id)
    access.require_quote(principal, policy.ght_id, policy.insurer_organisation_id, "cover.quote.create")
    if PolicyStatus(policy.status) not in QUOTABLE:
        raise Conflict("error.cover_policy_closed")
    ght = uow.session.get(GhtRow, policy.ght_id)
    assert ght is not None
    risk_inputs = risk_service.ght_inputs(uow, principal, ght)
    if not risk_inputs["establishments"]:
        raise Conflict("error.cover_no_establishment")
    terms = policy_service.terms_of(policy)
    actions = top_actions(uow, principal, ght, risk_inputs, command.top_actions)
    priced = price(risk_inputs, terms, actions, command.years, command.seed)
    inputs = {"risk": risk_inputs, "terms": terms, "actions": actions}
    after = priced["after"]
    row = QuoteRow(
        policy_id=policy.id,
        ght_id=policy.ght_id,
        inputs=canonical_json(inputs),
        inputs_sha256=risk_service.sha256_of(inputs),
        terms_sha256=risk_service.sha256_of(terms),
        model_version=str(risk_inputs["model_version"]),
        years=command.years,
        seed=command.seed,
        top_actions=command.top_actions,
        gross=canonical_json(priced["gross"]),
        net=canonical_json(priced["net"]),
        premium=canonical_json(priced["premium"]),
        premium_after=canonical_json(after),
        technical_premium_eur=float(priced["premium"]["technical"]),
        technical_premium_after_eur=float(after["premium"]["technical"]),
        created_by_user_id=principal.user_id or None,
        created_by=principal.email,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        principal,
        "cover.quote.create",
        object_type=OBJECT_TYPE,
        object_id=row.id,
        ght_id=row.ght_id,
        after={
            "policy_id": policy.id,
            "years": row.years,
            "seed": row.seed,
            "top_actions": row.top_actions,
            "inputs_sha256": row.inputs_sha256,
            "terms_sha256": row.terms_sha256,
            "technical_premium_eur": row.technical_premium_eur,
            "technical_premium_after_eur": row.technical_premium_after_eur,
        },
    )
    return public(row)


def _clause(principal: Principal) -> Any:
    readable = select(PolicyRow.id).where(
        access.policy_clause(principal, PolicyRow.ght_id, PolicyRow.insurer_organisation_id)
    )
    return QuoteRow.policy_id.in_(readable)


def quote_row(uow: UnitOfWork, principal: Principal, quote_id: int) -> QuoteRow:
    return get_in_scope(uow, principal, QuoteRow, quote_id, _clause(principal), object_type=OBJECT_TYPE)


def summary(row: QuoteRow) -> QuoteSummary:
    return QuoteSummary(
        id=row.id,
        policy_id=row.policy_id,
        ght_id=row.ght_id,
        created_at=row.created_at,
        created_by=row.created_by,
        years=row.years,
        seed=row.seed,
        top_actions=row.top_actions,
        technical_premium_eur=row.technical_premium_eur,
        technical_premium_after_eur=row.technical_premium_after_eur,
    )


def public(row: QuoteRow) -> QuotePublic:
    inputs = json.loads(row.inputs)
    premium, net, after = json.loads(row.premium), json.loads(row.net), json.loads(row.premium_after)
    complaint = premium["complaint_probability"]

    def stderr(figures: dict[str, Any]) -> float | None:
        value = figures.get("aal_stderr")
        return None if value is None else complaint * value

    return QuotePublic(
        **summary(row).model_dump(),
        model_version=row.model_version,
        inputs_sha256=row.inputs_sha256,
        risk_inputs_sha256=risk_service.sha256_of(inputs["risk"]),
        terms_sha256=row.terms_sha256,
        terms=inputs["terms"],
        gross=json.loads(row.gross),
        net=net,
        premium=premium,
        premium_after=after["premium"],
        gross_after=after["gross"],
        net_after=after["net"],
        actions=[ActionEffect(**item) for item in after["actions"]],
        saving_eur=after["saving_eur"],
        expected_loss_stderr_eur=stderr(net),
        expected_loss_after_stderr_eur=stderr(after["net"]),
        expected_loss_saving_eur=after["expected_loss_saving_eur"],
        expected_loss_saving_stderr_eur=after["expected_loss_saving_stderr_eur"],
    )


def get_quote(uow: UnitOfWork, principal: Principal, quote_id: int) -> QuotePublic:
    return public(quote_row(uow, principal, quote_id))


def quote_rows(uow: UnitOfWork, policy_id: int) -> list[QuoteRow]:
    """A policy's quotes, newest first (the caller checked the policy's scope)."""
    statement = select(QuoteRow).where(QuoteRow.policy_id == policy_id)
    return list(uow.session.execute(statement.order_by(QuoteRow.id.desc())).scalars())


def list_quotes(uow: UnitOfWork, principal: Principal, policy_id: int) -> list[QuoteSummary]:
    policy = policy_service.policy_row(uow, principal, policy_id)
    return [summary(row) for row in quote_rows(uow, policy.id)]


def latest_quote(uow: UnitOfWork, policy_id: int) -> QuotePublic | None:
    rows = quote_rows(uow, policy_id)
    return public(rows[0]) if rows else None


def can_quote(principal: Principal, policy: PolicyRow) -> bool:
    return access.can_quote(principal, policy.ght_id, policy.insurer_organisation_id)
