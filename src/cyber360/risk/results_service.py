"""Use cases reading the risk results further: comparing two snapshots (and explaining the change), and the
sensitivity of an establishment's AAL to the catalogue's uncertain figures (tornado)."""

from __future__ import annotations

import json
from typing import Any

from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.risk import access
from cyber360.risk import model as risk_model
from cyber360.risk.service import (
    DEFAULT_SEED,
    _profile,
    catalogue,
    establishment_inputs,
    snapshot_meta,
    snapshot_row,
)


def _scenario_aal(summary: dict[str, Any]) -> dict[str, float]:
    return {name: float(item["aal"] or 0.0) for name, item in summary["scenarios"].items()}


def compare(
    uow: UnitOfWork, principal: Principal, before_id: int, after_id: int, language: str = "fr"
) -> dict[str, Any]:
    """From snapshot ``before_id`` to ``after_id``: the change of each figure, and why."""
    before = snapshot_row(uow, principal, before_id)
    after = snapshot_row(uow, principal, after_id)
    before_inputs, after_inputs = json.loads(before.inputs), json.loads(after.inputs)
    before_summary, after_summary = json.loads(before.summary), json.loads(after.summary)
    if before_inputs["kind"] == "establishment" and after_inputs["kind"] == "establishment":
        explanations = risk_model.explain_change(
            (_profile(before_inputs["profile"]), before_inputs["maturity"]),
            (_profile(after_inputs["profile"]), after_inputs["maturity"]),
            before_summary,
            after_summary,
            since=before.created_at.date(),
            language=language,
            catalogue=catalogue(),
        )
    else:
        explanations = []
    before_scenarios, after_scenarios = _scenario_aal(before_summary), _scenario_aal(after_summary)
    return {
        "before": snapshot_meta(before),
        "after": snapshot_meta(after),
        "total_aal_change": after.total_aal - before.total_aal,
        "var_995_change": (after_summary["total"]["var"].get("99.5") or 0.0)
        - (before_summary["total"]["var"].get("99.5") or 0.0),
        "scenarios": {
            name: {
                "before": before_scenarios.get(name, 0.0),
                "after": after_scenarios.get(name, 0.0),
                "change": after_scenarios.get(name, 0.0) - before_scenarios.get(name, 0.0),
            }
            for name in sorted(set(before_scenarios) | set(after_scenarios))
        },
        "same_inputs": before.inputs_sha256 == after.inputs_sha256,
        "explanations": explanations,
    }


def tornado(uow: UnitOfWork, principal: Principal, establishment_id: int, years: int = 0) -> dict[str, Any]:
    """The sensitivity of the establishment's AAL to its top figures, each pinned at the low then the high end
    of its range (exact model means by default: instant). ``base`` is the AAL at the central values."""
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    inputs = establishment_inputs(uow, principal, establishment)
    profile = _profile(inputs["profile"])
    bars = risk_model.tornado(profile, inputs["maturity"], catalogue(), years, DEFAULT_SEED)
    base = risk_model.build_model(profile, inputs["maturity"], catalogue()).expected_annual_loss()
    return {
        "base": float(base),
        "bars": [{"figure": path, "low": low, "high": high} for path, low, high in bars],
    }
