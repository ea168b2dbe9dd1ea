"""The figures a run is reported with, as plain JSON-ready data (the shape of ``cyber360 quantify --json``).

``{"years", "seed", "scenarios": {name: figures}, "total": figures, "aep": [...], "oep": [...]}`` where
figures are the AAL and its standard error, the probability of a loss-free year, VaR and TVaR at each
level, per-component AAL, and beside them the exact values the model implies (``aal_exact``,
``prob_zero_exact``), so that a reader sees how far the estimate is from the truth. Numbers that cannot
be estimated (a tail thinner than one simulated year) are ``None`` (JSON ``null``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cyber360.quant.distributions import FloatArray
from cyber360.quant.metrics import RETURN_PERIODS, LossCurve, sparse_tvar_contributions
from cyber360.quant.model import Scenario
from cyber360.quant.simulate import SimulationResult
from cyber360.quant.streams import STREAM_LAYOUT_VERSION

#: Default VaR / TVaR levels: 95 %, 99 % and 99.5 % (Solvency II's SCR is the 1-year VaR at 99.5 %).
LEVELS = (0.95, 0.99, 0.995)


def level_key(level: float) -> str:
    """``0.995`` -> ``"99.5"``: the level in percent, as the JSON keys spell it."""
    return f"{level * 100:.10g}"


def number(value: float) -> float | None:
    """A finite float, or None for NaN and infinities (JSON has neither)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _exact(compute: Callable[[], float]) -> float | None:
    try:
        return number(compute())
    except (ArithmeticError, ValueError):
        return None


def _figures(
    annual: FloatArray, levels: Sequence[float], years: int | None = None
) -> tuple[dict[str, Any], LossCurve]:
    """Figures of an annual series: every year, or with ``years`` only its non-zero years (sparse)."""
    curve = LossCurve(annual, years)
    aal = curve.average()
    figures: dict[str, Any] = {
        "aal": number(aal.value),
        "aal_stderr": number(aal.stderr),
        "prob_zero": curve.prob_zero,
        "var": {level_key(p): number(curve.quantile(p)) for p in levels},
        "tvar": {level_key(p): number(curve.tail_mean(p)) for p in levels},
        "var_ci95": {level_key(p): [number(v) for v in curve.quantile_interval(p)] for p in levels},
    }
    return figures, curve


def _component_exact(scenario: Scenario, name: str) -> float | None:
    """E[annual loss of one component] = E[N] E[component loss per event]."""
    return _exact(lambda: scenario.frequency.mean() * scenario.magnitude.component_mean(name))


def _components(
    result: SimulationResult, row: int, exact: dict[str, float | None], whole: dict[str, Any]
) -> dict[str, Any]:
    """Per-component AAL of one row; a component that is the row's whole loss repeats its figures."""
    figures = {}
    for c, name in enumerate(result.component_names):
        if name not in exact:
            continue
        if result.is_whole_series(row, c):
            aal, stderr = whole["aal"], whole["aal_stderr"]
        else:
            aal, stderr = number(result.component_mean[row, c]), number(result.component_stderr[row, c])
        figures[name] = {"aal": aal, "aal_stderr": stderr, "aal_exact": exact.get(name)}
    return figures


def return_period_table(curve: LossCurve, return_periods: Sequence[float]) -> list[dict[str, float | None]]:
    return [{"return_period": t, "loss": number(curve.loss_at_return_period(t))} for t in return_periods]


def summarize(
    result: SimulationResult,
    levels: Sequence[float] = LEVELS,
    return_periods: Sequence[float] = RETURN_PERIODS,
) -> dict[str, Any]:
    """Every reported figure of a run, JSON-ready."""
    model = result.model
    total, aggregate_curve = _figures(result.total_aggregate, levels)
    contributions = sparse_tvar_contributions(
        result.scenario_years, result.scenario_aggregate, levels, result.total_aggregate, aggregate_curve
    )
    scenarios: dict[str, Any] = {}
    for s, scenario in enumerate(model.scenarios):
        figures, _ = _figures(result.scenario_aggregate[s], levels, result.years)
        exact = {name: _component_exact(scenario, name) for name in scenario.magnitude.component_names}
        figures.update(
            aal_exact=_exact(scenario.expected_annual_loss),
            prob_zero_exact=_exact(scenario.prob_no_event),
            events_per_year=float(result.event_counts[s]) / result.years,
            events_per_year_exact=_exact(scenario.frequency.mean),
            tvar_contribution={level_key(p): number(contributions[i, s]) for i, p in enumerate(levels)},
            components=_components(result, s, exact, figures),
        )
        scenarios[scenario.name] = figures
    total_exact: dict[str, float | None] = {}
    for name in result.component_names:
        values = [_component_exact(s, name) for s in model.scenarios if name in s.magnitude.component_names]
        total_exact[name] = None if any(v is None for v in values) else number(sum(v or 0.0 for v in values))
    total.update(
        aal_exact=_exact(model.expected_annual_loss),
        prob_zero_exact=_exact(model.prob_no_event),
        events_per_year=float(np.sum(result.event_counts)) / result.years,
        events_per_year_exact=_exact(model.expected_events_per_year),
        components=_components(result, len(model.scenarios), total_exact, total),
    )
    occurrence_curve = LossCurve(result.total_occurrence)
    return {
        "years": result.years,
        "seed": result.seed,
        "stream": {"layout_version": STREAM_LAYOUT_VERSION, "block_years": result.block_years},
        "levels": [level_key(p) for p in levels],
        "scenarios": scenarios,
        "total": total,
        "aep": return_period_table(aggregate_curve, return_periods),
        "oep": return_period_table(occurrence_curve, return_periods),
    }
