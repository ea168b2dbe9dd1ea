"""Simulation against exact answers: compound Poisson moments, P(no event), over-dispersion, drivers.

Every tolerance is a number of Monte Carlo standard errors computed from the sample itself, so the
tests fail on a bias, not on bad luck (5 sigmas: about one false alarm in 1.7 million).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from cyber360.quant.counts import NegativeBinomial, Poisson, count_model
from cyber360.quant.distributions import Fixed, LogNormal, Pert, Uniform
from cyber360.quant.errors import ModelError
from cyber360.quant.model import Component, Driver, Frequency, Magnitude, Model, Scenario
from cyber360.quant.simulate import simulate

YEARS = 400_000
SIGMAS = 5.0


def one(scenario: Scenario) -> Model:
    return Model((scenario,))


def assert_mean(values: np.ndarray, expected: float) -> None:
    stderr = values.std(ddof=1) / math.sqrt(values.size)
    assert abs(values.mean() - expected) < SIGMAS * stderr, (values.mean(), expected, stderr)


def assert_variance(values: np.ndarray, expected: float) -> None:
    centred = values - values.mean()
    m2, m4 = np.mean(centred**2), np.mean(centred**4)
    stderr = math.sqrt((m4 - m2**2) / values.size)
    assert abs(values.var(ddof=1) - expected) < SIGMAS * stderr, (values.var(), expected, stderr)


def assert_probability(observed: float, expected: float, n: int) -> None:
    assert abs(observed - expected) < SIGMAS * math.sqrt(expected * (1 - expected) / n)


def test_compound_poisson_mean_and_variance() -> None:
    """S = X_1 + ... + X_N, N ~ Poisson(rate): E[S] = rate E[X], Var[S] = rate E[X^2]."""
    severity = LogNormal.from_median(100_000, 0.8)
    scenario = Scenario("s", Frequency(Fixed(0.7)), Magnitude.single(severity))
    annual = simulate(one(scenario), YEARS, seed=11).total_aggregate
    assert scenario.expected_annual_loss() == pytest.approx(0.7 * severity.mean())
    assert scenario.annual_loss_variance() == pytest.approx(0.7 * severity.second_moment())
    assert_mean(annual, 0.7 * severity.mean())
    assert_variance(annual, 0.7 * severity.second_moment())
    assert_probability(float(np.mean(annual == 0)), math.exp(-0.7), YEARS)


def test_uncertain_rate_is_drawn_once_per_year() -> None:
    """Mixed Poisson: P(N = 0) = E[exp(-rate)], Var[S] = E[rate] E[X^2] + Var[rate] E[X]^2."""
    rate = Pert(0.05, 0.2, 0.6)
    severity = Pert(50_000, 400_000, 5_000_000)
    scenario = Scenario("s", Frequency(rate), Magnitude.single(severity))
    result = simulate(one(scenario), YEARS, seed=12)
    reference = stats.beta(rate.alpha, rate.beta, loc=0.05, scale=0.55)
    p_zero = reference.expect(lambda r: np.exp(-r))
    assert scenario.prob_no_event() == pytest.approx(p_zero, rel=1e-9)
    assert_probability(float(np.mean(result.total_aggregate == 0)), p_zero, YEARS)
    expected_variance = rate.mean() * severity.second_moment() + rate.variance() * severity.mean() ** 2
    assert scenario.annual_loss_variance() == pytest.approx(expected_variance)
    assert_mean(result.total_aggregate, rate.mean() * severity.mean())
    assert_variance(result.total_aggregate, expected_variance)
    # Not the "mode as mean" of some peers: E[rate] = (low + 4 mode + high) / 6.
    assert result.event_counts[0] / YEARS == pytest.approx((0.05 + 0.8 + 0.6) / 6, rel=0.02)


def test_negative_binomial_counts_are_over_dispersed() -> None:
    """Var[N] = rate + dispersion rate^2, P(N = 0) = (1 + dispersion rate)^(-1/dispersion)."""
    frequency = Frequency(Fixed(2.0), NegativeBinomial(0.5))
    scenario = Scenario("s", frequency, Magnitude.single(Fixed(1.0)))
    counts = simulate(one(scenario), YEARS, seed=13).total_aggregate  # a loss of 1 per event counts events
    assert frequency.variance() == pytest.approx(2.0 + 0.5 * 4.0)
    assert_mean(counts, 2.0)
    assert_variance(counts, 4.0)
    assert_probability(float(np.mean(counts == 0)), (1 + 0.5 * 2.0) ** -2.0, YEARS)
    assert frequency.prob_no_event() == pytest.approx(0.25)


def test_negative_binomial_with_an_uncertain_rate() -> None:
    frequency = Frequency(Uniform(0.5, 1.5), NegativeBinomial(1.0))
    scenario = Scenario("s", frequency, Magnitude.single(Fixed(1.0)))
    counts = simulate(one(scenario), YEARS, seed=14).total_aggregate
    # E[rate] + dispersion E[rate^2] + Var[rate] with E[rate^2] = 1 + 1/12.
    assert frequency.variance() == pytest.approx(1.0 + (1 + 1 / 12) + 1 / 12)
    assert_variance(counts, frequency.variance())


def test_fixed_rate_path_gives_poisson_counts_per_year() -> None:
    """The known-rate shortcut (events scattered uniformly over a block) has Poisson(rate) years."""
    scenario = Scenario("s", Frequency(Fixed(0.3)), Magnitude.single(Fixed(1.0)))
    counts = simulate(one(scenario), YEARS, seed=15).total_aggregate.astype(np.int64)
    observed = np.bincount(counts, minlength=6)[:6] / YEARS
    for k in range(6):
        assert_probability(observed[k], stats.poisson.pmf(k, 0.3), YEARS)
    # Years are independent: no correlation between consecutive years.
    lag = np.corrcoef(counts[:-1], counts[1:])[0, 1]
    assert abs(lag) < SIGMAS / math.sqrt(YEARS)


def test_driver_makes_components_move_together() -> None:
    days = Uniform(1, 20)
    magnitude = Magnitude(
        (
            Component("asset_damage", base=Fixed(10_000), per_unit=Fixed(5_000)),
            Component("business_interruption", per_unit=Pert(20_000, 50_000, 120_000)),
            Component("third_party", base=LogNormal.from_median(30_000, 1.0)),
        ),
        driver=Driver("degraded_mode_days", days, unit="days"),
    )
    scenario = Scenario("s", Frequency(Fixed(1.0)), magnitude)
    assert magnitude.component_mean("asset_damage") == pytest.approx(10_000 + 5_000 * 10.5)
    assert magnitude.component_mean("business_interruption") == pytest.approx(
        Pert(20_000, 50_000, 120_000).mean() * 10.5
    )
    result = simulate(one(scenario), 100_000, seed=16)
    for c, name in enumerate(result.component_names):
        exact = magnitude.component_mean(name)
        assert abs(result.component_mean[0, c] - exact) < SIGMAS * result.component_stderr[0, c]
    assert_mean(result.total_aggregate, magnitude.mean())
    assert_variance(result.total_aggregate, magnitude.second_moment())  # Poisson(1): Var S = E[X^2]


def test_magnitude_second_moment_by_brute_force() -> None:
    """E[X^2] for X = B + D R, checked against a direct simulation of the formula's ingredients."""
    magnitude = Magnitude(
        (
            Component("asset_damage", base=Uniform(0, 2), per_unit=Uniform(1, 3)),
            Component("third_party", per_unit=Fixed(2)),
        ),
        driver=Driver("days", Uniform(0, 4)),
    )
    rng = np.random.default_rng(0)
    n = 1_000_000
    d = rng.uniform(0, 4, n)
    x = rng.uniform(0, 2, n) + d * rng.uniform(1, 3, n) + 2 * d
    assert abs(np.mean(x**2) - magnitude.second_moment()) < SIGMAS * np.std(x**2) / math.sqrt(n)
    assert magnitude.mean() == pytest.approx(1 + 2 * 2 + 2 * 2)


def test_count_model_choices() -> None:
    assert count_model("poisson", None) == Poisson()
    assert count_model("negative_binomial", 0.3) == NegativeBinomial(0.3)
    with pytest.raises(ModelError, match="dispersion: is required"):
        count_model("negative_binomial", None)
    with pytest.raises(ModelError, match="dispersion: only applies"):
        count_model("poisson", 1.0)
    with pytest.raises(ModelError, match="count: must be poisson or negative_binomial"):
        count_model("binomial", None)
    with pytest.raises(ModelError, match="dispersion: must be > 0"):
        NegativeBinomial(0.0)


@pytest.mark.parametrize("counts", [Poisson(), NegativeBinomial(0.7)])
def test_count_inversion_gives_the_count_law(counts: Poisson | NegativeBinomial) -> None:
    """Thinning draws counts by inversion of their CDF: same pmf as the closed form, rate by rate."""
    rng = np.random.default_rng(5)
    n = 400_000
    rates = rng.uniform(0.0, 3.0, n)
    drawn = counts.invert(rng.random(n), rates)
    for k in range(6):
        if isinstance(counts, Poisson):
            expected = float(np.mean(stats.poisson.pmf(k, rates)))
        else:
            shape = 1.0 / counts.dispersion
            expected = float(np.mean(stats.nbinom.pmf(k, shape, shape / (shape + rates))))
        assert_probability(float(np.mean(drawn == k)), expected, n)


def test_thinning_skips_the_rate_of_years_without_event() -> None:
    from cyber360.quant.events import zero_count_bound

    assert zero_count_bound(Frequency(Pert(0.05, 0.2, 0.6))) == pytest.approx(math.exp(-0.6))
    assert zero_count_bound(Frequency(Fixed(0.1))) is None  # a Poisson process per block instead
    assert zero_count_bound(Frequency(Pert(1.0, 5.0, 9.0))) is None  # above THINNING_MAX_RATE
    assert zero_count_bound(Frequency(Fixed(2.0), NegativeBinomial(0.5))) == pytest.approx(2.0**-2)
