"""The reported figures: strict JSON, estimates beside exact values, contributions adding up."""

from __future__ import annotations

import json
import math

import pytest

from cyber360.quant.distributions import Fixed, LogNormal, Pert, Uniform
from cyber360.quant.model import Component, Driver, Frequency, Magnitude, Model, Scenario
from cyber360.quant.simulate import simulate
from cyber360.quant.summary import level_key, number, summarize

MODEL = Model(
    (
        Scenario(
            "ransomware",
            Frequency(Pert(0.05, 0.2, 0.6)),
            Magnitude(
                (
                    Component("asset_damage", base=LogNormal.from_median(2e5, 1.0)),
                    Component("business_interruption", per_unit=Uniform(1e4, 5e4)),
                ),
                Driver("degraded_mode_days", Pert(1, 5, 30), "days"),
            ),
        ),
        Scenario("breach", Frequency(Fixed(0.1)), Magnitude((Component("asset_damage", base=Fixed(1e5)),))),
    )
)


def test_summary_is_strict_json_with_estimates_and_exact_values() -> None:
    summary = summarize(simulate(MODEL, 50_000, seed=1), levels=(0.9, 0.995, 0.99999))
    text = json.dumps(summary, allow_nan=False)  # NaN would not be JSON
    assert json.loads(text) == summary
    total = summary["total"]
    # 50 000 years x 0.001 % = half a year in the tail: not estimable, null rather than the maximum.
    assert total["var"]["99.999"] is None and total["tvar"]["99.999"] is None
    assert summary["levels"] == ["90", "99.5", "99.999"]
    # Exact figures beside the estimates, within a few standard errors.
    assert abs(total["aal"] - total["aal_exact"]) < 5 * total["aal_stderr"]
    assert total["aal_exact"] == pytest.approx(MODEL.expected_annual_loss())
    assert total["prob_zero_exact"] == pytest.approx(MODEL.prob_no_event())
    assert abs(total["prob_zero"] - total["prob_zero_exact"]) < 5 * math.sqrt(0.25 / 50_000)
    asset = total["components"]["asset_damage"]
    breach_asset = summary["scenarios"]["breach"]["components"]["asset_damage"]
    ransom_asset = summary["scenarios"]["ransomware"]["components"]["asset_damage"]
    assert asset["aal_exact"] == pytest.approx(breach_asset["aal_exact"] + ransom_asset["aal_exact"])
    assert asset["aal"] == pytest.approx(breach_asset["aal"] + ransom_asset["aal"])
    assert "business_interruption" not in summary["scenarios"]["breach"]["components"]
    for key in ("90", "99.5"):
        contributions = sum(s["tvar_contribution"][key] for s in summary["scenarios"].values())
        assert contributions == pytest.approx(total["tvar"][key])
        low, high = total["var_ci95"][key]
        assert low <= total["var"][key] <= high


def test_helpers() -> None:
    assert [level_key(p) for p in (0.95, 0.99, 0.995, 0.999)] == ["95", "99", "99.5", "99.9"]
    assert number(float("nan")) is None and number(float("inf")) is None and number(2) == 2.0
