"""Distributions: exact moments against independent formulas (SciPy), sampling, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from cyber360.quant.distributions import Distribution, Empirical, Fixed, LogNormal, Pert, Triangular, Uniform
from cyber360.quant.errors import ModelError
from cyber360.quant.tails import ParetoTail

N = 200_000


def sample_mean_ok(distribution: Distribution, seed: int = 1, sigmas: float = 5.0) -> None:
    """The sample mean lies within ``sigmas`` standard errors of the exact mean."""
    draws = distribution.sample(np.random.default_rng(seed), N)
    stderr = math.sqrt(distribution.variance() / N)
    assert abs(draws.mean() - distribution.mean()) < sigmas * stderr


def test_pert_is_the_standard_beta_pert() -> None:
    pert = Pert(low=50_000, mode=400_000, high=5_000_000)
    span = 4_950_000
    assert pert.alpha == pytest.approx(1 + 4 * 350_000 / span)
    assert pert.beta == pytest.approx(1 + 4 * 4_600_000 / span)
    reference = stats.beta(pert.alpha, pert.beta, loc=50_000, scale=span)
    assert pert.mean() == pytest.approx(reference.mean(), rel=1e-12)
    assert pert.mean() == pytest.approx((50_000 + 4 * 400_000 + 5_000_000) / 6, rel=1e-12)
    assert pert.variance() == pytest.approx(reference.var(), rel=1e-12)
    assert pert.cdf(1_000_000)[()] == pytest.approx(reference.cdf(1_000_000))
    assert pert.ppf(0.99)[()] == pytest.approx(reference.ppf(0.99))
    sample_mean_ok(pert)


def test_pert_sample_variance_matches() -> None:
    pert = Pert(0.05, 0.2, 0.6)
    draws = pert.sample(np.random.default_rng(2), N)
    # Var of the sample variance is about (mu4 - sigma^4) / n; mu4 from SciPy's exact kurtosis.
    reference = stats.beta(pert.alpha, pert.beta, loc=0.05, scale=0.55)
    mu4 = (reference.stats(moments="k") + 3) * reference.var() ** 2
    tolerance = 5 * math.sqrt((mu4 - reference.var() ** 2) / N)
    assert abs(draws.var() - pert.variance()) < tolerance
    assert draws.min() >= 0.05 and draws.max() <= 0.6


def test_lognormal_from_a_90_percent_interval() -> None:
    lognormal = LogNormal.from_interval(50_000, 5_000_000)
    assert lognormal.ppf([0.05, 0.95]) == pytest.approx([50_000, 5_000_000], rel=1e-9)
    assert lognormal.median == pytest.approx(math.sqrt(50_000 * 5_000_000))
    assert lognormal.sigma == pytest.approx(math.log(100) / (2 * 1.6448536269514722))
    reference = stats.lognorm(s=lognormal.sigma, scale=lognormal.median)
    assert lognormal.mean() == pytest.approx(reference.mean(), rel=1e-12)
    assert lognormal.variance() == pytest.approx(reference.var(), rel=1e-12)
    assert lognormal.mean() == pytest.approx(math.exp(lognormal.mu + lognormal.sigma**2 / 2))
    sample_mean_ok(lognormal)


def test_lognormal_from_median_and_other_coverage() -> None:
    lognormal = LogNormal.from_median(200_000, 1.2)
    assert lognormal.ppf(0.5)[()] == pytest.approx(200_000)
    eighty = LogNormal.from_interval(10, 1000, coverage=0.8)
    assert eighty.ppf([0.1, 0.9]) == pytest.approx([10, 1000])


@pytest.mark.parametrize(
    ("distribution", "reference"),
    [
        (Uniform(2, 10), stats.uniform(2, 8)),
        (Triangular(1, 2, 10), stats.triang((2 - 1) / 9, loc=1, scale=9)),
        (Triangular(1, 1, 10), stats.triang(0, loc=1, scale=9)),
        (Triangular(1, 10, 10), stats.triang(1, loc=1, scale=9)),
    ],
)
def test_moments_against_scipy(distribution: Distribution, reference: stats.rv_continuous) -> None:
    assert distribution.mean() == pytest.approx(reference.mean(), rel=1e-12)
    assert distribution.variance() == pytest.approx(reference.var(), rel=1e-12)
    grid = np.linspace(0.01, 0.99, 21)
    assert distribution.ppf(grid) == pytest.approx(reference.ppf(grid), rel=1e-9)
    x = reference.ppf(grid)
    assert distribution.cdf(x) == pytest.approx(reference.cdf(x), rel=1e-9, abs=1e-12)
    sample_mean_ok(distribution)


def test_fixed_and_empirical() -> None:
    fixed = Fixed(3)
    assert fixed.sample(np.random.default_rng(0), 4).tolist() == [3.0] * 4
    assert (fixed.mean(), fixed.variance(), fixed.support) == (3.0, 0.0, (3.0, 3.0))
    empirical = Empirical((5, 1, 3, 3))
    assert empirical.mean() == 3.0
    assert empirical.variance() == pytest.approx(np.var([5, 1, 3, 3]))
    assert empirical.ppf([0.0, 0.25, 0.5, 0.75, 1.0]).tolist() == [1, 1, 3, 3, 5]
    assert empirical.cdf([0, 1, 3, 4, 5]).tolist() == [0, 0.25, 0.75, 0.75, 1.0]
    draws = empirical.sample(np.random.default_rng(0), 40_000)
    assert set(np.unique(draws)) == {1.0, 3.0, 5.0}
    assert np.mean(draws == 3.0) == pytest.approx(0.5, abs=0.02)


def test_expectation_of_a_function_by_quadrature() -> None:
    pert = Pert(0.05, 0.2, 0.6)
    reference = stats.beta(pert.alpha, pert.beta, loc=0.05, scale=0.55).expect(lambda r: np.exp(-r))
    assert pert.expect(lambda r: np.exp(-r)) == pytest.approx(reference, rel=1e-9)
    assert Empirical((0.1, 0.3)).expect(lambda r: np.exp(-r)) == pytest.approx(
        (math.exp(-0.1) + math.exp(-0.3)) / 2
    )


def test_pareto_tail_splices_a_gpd_above_the_threshold() -> None:
    body = LogNormal.from_median(300_000, 1.0)
    threshold = 3_000_000
    tail = ParetoTail(body, threshold=threshold, scale=1_500_000, shape=0.3)
    exceed = 1 - body.cdf(threshold)[()]
    assert tail.tail_probability == pytest.approx(exceed)
    # Continuous at the threshold, and the GPD above it.
    assert tail.cdf(threshold)[()] == pytest.approx(1 - exceed)
    gpd = stats.genpareto(0.3, loc=threshold, scale=1_500_000)
    for x in (4e6, 1e7, 1e8):
        assert 1 - tail.cdf(x)[()] == pytest.approx(exceed * gpd.sf(x), rel=1e-9)
    u = np.array([0.01, 0.3, 0.9, 1 - exceed / 2, 0.99999])
    assert tail.cdf(tail.ppf(u)) == pytest.approx(u, rel=1e-9)
    # Mean: truncated body below, threshold + scale / (1 - shape) above.
    below, _ = integrate.quad(lambda x: x * body_pdf(body, x), 0, threshold, limit=200)
    expected = below + exceed * (threshold + 1_500_000 / 0.7)
    assert tail.mean() == pytest.approx(expected, rel=1e-6)
    sample_mean_ok(tail)
    draws = tail.sample(np.random.default_rng(3), N)
    assert np.mean(draws > threshold) == pytest.approx(exceed, abs=5 * math.sqrt(exceed / N))


def body_pdf(body: LogNormal, x: float) -> float:
    return float(stats.lognorm(s=body.sigma, scale=body.median).pdf(x))


def test_pareto_tail_moments_are_infinite_for_heavy_shapes() -> None:
    body = Uniform(0, 10)
    assert math.isinf(ParetoTail(body, 8, 1, 0.6, tail_probability=0.1).variance())
    assert math.isinf(ParetoTail(body, 8, 1, 1.2, tail_probability=0.1).mean())
    bounded = ParetoTail(body, 8, 1, -0.5, tail_probability=0.1)
    assert bounded.support == (0.0, 10.0)
    assert bounded.sample(np.random.default_rng(0), 10_000).max() <= 10.0


@pytest.mark.parametrize(
    ("build", "path", "reason"),
    [
        (lambda: Pert(1, 0.5, 2), "mode", "must be >= low"),
        (lambda: Pert(1, 3, 2), "high", "must be >= mode"),
        (lambda: Pert(1, 1, 1), "high", "must be > low (use fixed for a constant)"),
        (lambda: Uniform(1, 1), "high", "must be > low (use fixed for a constant)"),
        (lambda: LogNormal.from_interval(0, 1), "low", "must be > 0"),
        (lambda: LogNormal.from_interval(5, 1), "high", "must be > low"),
        (lambda: LogNormal.from_median(100, 0), "sigma", "must be > 0"),
        (
            lambda: LogNormal.from_interval(1, 5, coverage=1.0),
            "coverage",
            "must lie strictly between 0 and 1",
        ),
        (lambda: Fixed(float("nan")), "value", "must be a finite number"),
        (lambda: Fixed(True), "value", "must be a number"),
        (lambda: Empirical(()), "values", "must hold at least one value"),
        (
            lambda: ParetoTail(Uniform(5, 10), 4, 1, 0.2),
            "threshold",
            "must lie above the lowest value of the body",
        ),
        (
            lambda: ParetoTail(Uniform(0, 10), 10, 1, 0.2),
            "threshold",
            "the body never exceeds it: give tail_probability",
        ),
        (lambda: ParetoTail(Uniform(0, 10), 5, 0, 0.2), "scale", "must be > 0"),
    ],
)
def test_bad_parameters_name_the_field(build: object, path: str, reason: str) -> None:
    with pytest.raises(ModelError) as caught:
        build()  # type: ignore[operator]
    assert (caught.value.path, caught.value.reason) == (path, reason)


DISTRIBUTIONS: list[Distribution] = [
    Pert(0.05, 0.2, 0.6),
    LogNormal.from_interval(50_000, 5_000_000),
    Uniform(1, 2),
    Triangular(0, 1, 5),
    Empirical((1, 2, 7)),
    ParetoTail(LogNormal.from_median(1e5, 1), 1e6, 5e5, 0.4),
]


@settings(max_examples=25, deadline=None)
@given(first=st.integers(0, 300), second=st.integers(0, 300), which=st.integers(0, len(DISTRIBUTIONS) - 1))
def test_sampling_in_two_calls_equals_one_call(first: int, second: int, which: int) -> None:
    """The property reproducibility rests on: a stream is consumed element by element."""
    distribution = DISTRIBUTIONS[which]
    whole = distribution.sample(np.random.default_rng(7), first + second)
    rng = np.random.default_rng(7)
    split = np.concatenate([distribution.sample(rng, first), distribution.sample(rng, second)])
    assert np.array_equal(whole, split)


@settings(max_examples=40, deadline=None)
@given(u=st.floats(0.001, 0.999), which=st.sampled_from([0, 1, 2, 3, 5]))
def test_ppf_inverts_cdf(u: float, which: int) -> None:
    distribution = DISTRIBUTIONS[which]
    assert distribution.cdf(distribution.ppf(u))[()] == pytest.approx(u, rel=1e-7, abs=1e-9)
