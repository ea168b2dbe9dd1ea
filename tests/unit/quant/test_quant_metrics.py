"""Risk measures on hand-built arrays with hand-computed answers, then properties on random ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cyber360.quant.metrics import (
    RETURN_PERIODS,
    LossCurve,
    average_annual_loss,
    exceedance_curve,
    exceedance_probability,
    prob_zero,
    sparse_tvar_contributions,
    tail_value_at_risk,
    tvar_contributions,
    value_at_risk,
)

# Ten simulated years; sorted: 0 0 0 0 0 10 20 30 40 100.
LOSSES = np.array([0, 30, 0, 100, 0, 10, 0, 40, 0, 20], dtype=float)
# Two scenarios adding up to LOSSES: A has the 10, 30 and 100 years, B the 20 and 40 years.
PART_A = np.array([0, 30, 0, 100, 0, 10, 0, 0, 0, 0], dtype=float)
PART_B = LOSSES - PART_A


def test_average_annual_loss_and_its_standard_error() -> None:
    aal = average_annual_loss(LOSSES)
    assert aal.value == 20.0
    # Squared deviations: 5 x 400 + 100 + 0 + 100 + 400 + 6400 = 9000; / 9 = 1000; sqrt(1000 / 10) = 10.
    assert aal.stderr == pytest.approx(10.0)


def test_value_at_risk_is_the_ceil_n_p_th_smallest() -> None:
    assert value_at_risk(LOSSES, 0.5) == 0.0  # 5th smallest
    assert value_at_risk(LOSSES, 0.6) == 10.0  # 6th
    assert value_at_risk(LOSSES, 0.8) == 30.0  # 8th
    assert value_at_risk(LOSSES, 0.85) == 40.0  # ceil(8.5) = 9th
    assert value_at_risk(LOSSES, 0.9) == 40.0  # 9th, not the 10th despite 0.9 * 10 = 9.000000000000002
    assert math.isnan(value_at_risk(LOSSES, 0.95))  # tail of half a year: not estimable


def test_tail_value_at_risk_weights_the_boundary_year() -> None:
    assert tail_value_at_risk(LOSSES, 0.9) == 100.0  # the worst year
    assert tail_value_at_risk(LOSSES, 0.8) == 70.0  # (100 + 40) / 2
    assert tail_value_at_risk(LOSSES, 0.85) == pytest.approx(80.0)  # (100 + 0.5 x 40) / 1.5
    assert tail_value_at_risk(LOSSES, 0.5) == 40.0  # (100 + 40 + 30 + 20 + 10) / 5
    assert tail_value_at_risk(LOSSES, 0.1) == pytest.approx(200 / 9)  # the nine worst years
    assert math.isnan(tail_value_at_risk(LOSSES, 0.95))


def test_exceedance_and_return_periods() -> None:
    assert prob_zero(LOSSES) == 0.5
    assert exceedance_probability(LOSSES, 30) == 0.2  # strictly above: 40 and 100
    assert exceedance_probability(LOSSES, 29.99) == 0.3
    assert exceedance_probability(LOSSES, 0) == 0.5
    assert exceedance_probability(LOSSES, -1) == 1.0
    assert exceedance_probability(LOSSES, 100) == 0.0
    curve = dict(exceedance_curve(LOSSES, (2, 5, 10, 20)))
    assert curve[2] == 0.0 and curve[5] == 30.0 and curve[10] == 40.0
    assert math.isnan(curve[20])  # a 20-year loss from 10 years is not an estimate
    with pytest.raises(ValueError, match="exceed 1 year"):
        LossCurve(LOSSES).loss_at_return_period(1)


def test_euler_contributions_add_up_to_tvar() -> None:
    contributions = tvar_contributions(np.vstack([PART_A, PART_B]), [0.8, 0.85, 0.9, 0.95])
    # 0.8: the worst two years are 100 (A) and 40 (B).
    assert contributions[0] == pytest.approx([50.0, 20.0])
    # 0.85: 1.5 years: 100 (A) whole, half of 40 (B).
    assert contributions[1] == pytest.approx([100 / 1.5, 20 / 1.5])
    assert contributions[2] == pytest.approx([100.0, 0.0])
    assert np.isnan(contributions[3]).all()


def test_ties_at_the_boundary_still_add_up() -> None:
    parts = np.array([[5, 0, 5, 0, 1], [0, 5, 0, 5, 0]], dtype=float)  # four years of 5, one of 1
    contributions = tvar_contributions(parts, [0.5])[0]
    assert contributions.sum() == pytest.approx(tail_value_at_risk(parts.sum(axis=0), 0.5))


def test_quantile_interval_brackets_the_estimate() -> None:
    draws = np.random.default_rng(0).exponential(1.0, 100_000)
    curve = LossCurve(draws)
    low, high = curve.quantile_interval(0.99)
    assert low <= curve.quantile(0.99) <= high
    assert low < math.log(100) < high  # the true 99 % quantile of Exp(1)


def test_plot_points_run_along_the_curve() -> None:
    periods, losses = LossCurve(LOSSES).points()
    assert periods.tolist() == [10.0, 5.0, 10 / 3, 2.5, 2.0]
    assert losses.tolist() == [100, 40, 30, 20, 10]
    empty_periods, _ = LossCurve(np.zeros(5)).points()
    assert empty_periods.size == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [([], "no simulated loss"), ([1.0, float("nan")], "NaN"), ([1.0, -2.0], "negative")],
)
def test_bad_losses(values: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LossCurve(values)


@pytest.mark.parametrize("level", [0.0, 1.0, -0.5, 1.5])
def test_bad_levels(level: float) -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        value_at_risk(LOSSES, level)


def test_return_periods_of_the_issue() -> None:
    assert RETURN_PERIODS == (2, 5, 10, 20, 50, 100, 200, 250, 500, 1000)


annual_losses = hnp.arrays(
    np.float64,
    st.integers(1, 300),
    elements=st.one_of(st.just(0.0), st.floats(0.0, 1e9, allow_nan=False, allow_subnormal=False)),
)


@settings(max_examples=60, deadline=None)
@given(losses=annual_losses, level=st.floats(0.01, 0.99))
def test_properties_of_var_and_tvar(losses: np.ndarray, level: float) -> None:
    curve = LossCurve(losses)
    var, tvar = curve.quantile(level), curve.tail_mean(level)
    if losses.size * (1 - level) < 1 - 1e-9:
        assert math.isnan(var) and math.isnan(tvar)
        return
    assert var == np.quantile(losses, level, method="inverted_cdf")
    assert tvar >= var * (1 - 1e-12)
    assert tvar <= losses.max() * (1 + 1e-12)
    assert curve.exceedance_probability(var) <= 1 - level + 1e-9
    assert curve.exceedance_probability(np.nextafter(var, -np.inf)) >= 1 - level - 1e-9


@settings(max_examples=40, deadline=None)
@given(
    parts=hnp.arrays(
        np.float64, st.tuples(st.integers(1, 4), st.integers(1, 200)), elements=st.floats(0, 1e6)
    ),
    level=st.floats(0.01, 0.99),
)
def test_contributions_always_add_up(parts: np.ndarray, level: float) -> None:
    total = parts.sum(axis=0)
    contributions = tvar_contributions(parts, [level], total=total)[0]
    tvar = tail_value_at_risk(total, level)
    if math.isnan(tvar):
        assert np.isnan(contributions).all()
    else:
        assert contributions.sum() == pytest.approx(tvar, rel=1e-9, abs=1e-9)


def test_binomial_quantile_matches_scipy() -> None:
    from scipy import stats

    from cyber360.quant.metrics import _binomial_quantile

    for n in (1, 5, 37, 1000, 10**6):
        for p in (0.01, 0.5, 0.99, 0.995):
            for q in (0.025, 0.3, 0.975):
                assert _binomial_quantile(q, n, p) == int(stats.binom.ppf(q, n, p))


@settings(max_examples=60, deadline=None)
@given(
    parts=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 60)),
        elements=st.sampled_from([0.0, 1.0, 2.0, 5.0]),
    ),
    levels=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=4),
)
def test_contributions_add_up_with_many_ties(parts: np.ndarray, levels: list[float]) -> None:
    total = parts.sum(axis=0)
    contributions = tvar_contributions(parts, levels)
    for row, level in zip(contributions, levels, strict=True):
        tvar = tail_value_at_risk(total, level)
        if math.isnan(tvar):
            assert np.isnan(row).all()
        else:
            assert row.sum() == pytest.approx(tvar, rel=1e-12, abs=1e-12)
            assert (row >= 0).all()


@settings(max_examples=60, deadline=None)
@given(
    parts=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 60)),
        elements=st.sampled_from([0.0, 0.0, 1.0, 2.0, 5.0, 7.5]),
    ),
    levels=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=4),
)
def test_sparse_contributions_equal_the_dense_ones(parts: np.ndarray, levels: list[float]) -> None:
    total = parts.sum(axis=0)
    dense = tvar_contributions(parts, levels, total=total)
    years = [np.flatnonzero(row) for row in parts]
    values = [row[row != 0.0] for row in parts]
    sparse = sparse_tvar_contributions(years, values, levels, total)
    np.testing.assert_allclose(sparse, dense, rtol=1e-12, atol=1e-12)


def test_curve_from_sparse_years_equals_the_dense_curve() -> None:
    dense, sparse = LossCurve(LOSSES), LossCurve(LOSSES[LOSSES > 0], years=LOSSES.size)
    assert sparse.prob_zero == dense.prob_zero and sparse.average() == dense.average()
    assert [sparse.quantile(p) for p in (0.5, 0.8, 0.9)] == [dense.quantile(p) for p in (0.5, 0.8, 0.9)]
    assert LossCurve([], years=3).prob_zero == 1.0
    with pytest.raises(ValueError, match="cannot be some of"):
        LossCurve([1.0, 2.0], years=1)
