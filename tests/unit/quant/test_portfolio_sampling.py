"""The O(events) sampling kernel: candidate years by gaps, sums of optional parts drawn part by part.

Known answers at a fixed seed, within four standard errors: events per year, P(no event) and the
count's variance against the model's exact values, for hospital-sized rates (about 0.01 a year);
the mean, variance and share of zero of a sum of optional parts against its exact moments.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cyber360.quant.counts import NegativeBinomial, Poisson
from cyber360.quant.distributions import Fixed, LogNormal, Pert, Uniform
from cyber360.quant.model import Component, Driver, Frequency, Magnitude, Scenario
from cyber360.quant.sampling import candidate_years, sample_loss, sample_scenario_block
from cyber360.quant.streams import stream
from cyber360.risk.distributions import LossPart, LossSum

BLOCK = 131_072


def within(estimate: float, exact: float, stderr: float, sigmas: float = 4.0) -> None:
    assert abs(estimate - exact) <= sigmas * stderr + 1e-12, (estimate, exact, stderr)


@pytest.mark.parametrize("probability", [0.0005, 0.02, 0.3, 0.9])
def test_candidate_years_are_a_bernoulli_process(probability: float) -> None:
    years = candidate_years(stream(3, 1, 2), probability, BLOCK)
    assert np.all(np.diff(years) > 0) and years[0] >= 0 and years[-1] < BLOCK
    within(years.size, probability * BLOCK, math.sqrt(BLOCK * probability * (1 - probability)))
    # Gaps are geometric: the share of candidates followed by a candidate the next year is p.
    follows = float(np.mean(np.diff(years) == 1))
    within(follows, probability, math.sqrt(probability * (1 - probability) / max(years.size - 1, 1)))


def test_candidate_years_of_a_short_run_are_the_start_of_a_longer_one() -> None:
    long = candidate_years(stream(3, 7), 0.05, BLOCK)
    for n in (1, 17, 1000, 40_000):
        assert np.array_equal(candidate_years(stream(3, 7), 0.05, n), long[long < n])
    assert candidate_years(stream(3, 7), 0.0, BLOCK).size == 0


def hospital_scenario(counts: Poisson | NegativeBinomial) -> Scenario:
    magnitude = Magnitude(
        (Component("asset_damage", base=LogNormal.from_median(1e5, 1.0), per_unit=Fixed(1e3)),),
        Driver("degraded_mode_days", Uniform(1.0, 20.0), "days"),
    )
    return Scenario("ransomware", Frequency(Pert(0.0063, 0.0114, 0.0178), counts), magnitude)


@pytest.mark.parametrize("counts", [Poisson(), NegativeBinomial(0.7)])
def test_counts_have_the_model_law(counts: Poisson | NegativeBinomial) -> None:
    """Mean events per year, P(no event) and Var[N] against the exact values, 30 blocks (3.9 M years)."""
    scenario = hospital_scenario(counts)
    per_year = [
        np.bincount(sample_scenario_block(scenario, 11, (5,), block, BLOCK, BLOCK).year, minlength=BLOCK)
        for block in range(30)
    ]
    n = np.concatenate(per_year)
    frequency = scenario.frequency
    within(n.mean(), frequency.mean(), math.sqrt(frequency.variance() / n.size))
    p0 = frequency.prob_no_event()
    within(float(np.mean(n == 0)), p0, math.sqrt(p0 * (1 - p0) / n.size))
    # Var[N] ~ E[N] here; the standard error of a sample variance of a near-Bernoulli count.
    within(float(n.var()), frequency.variance(), math.sqrt(float(np.mean(n.astype(float) ** 4)) / n.size))


def test_events_of_a_short_run_are_the_start_of_a_longer_one() -> None:
    scenario = hospital_scenario(Poisson())
    long = sample_scenario_block(scenario, 2, (9,), 0, BLOCK, BLOCK)
    short = sample_scenario_block(scenario, 2, (9,), 0, BLOCK, 50_000)
    cut = short.year.size
    assert cut > 0 and np.array_equal(long.year[:cut], short.year) and long.year[cut] >= 50_000
    assert np.array_equal(long.losses[:, :cut], short.losses)
    assert long.driver is not None and short.driver is not None
    assert np.array_equal(long.driver[:cut], short.driver)


NOTIFICATION = LossSum(
    (
        LossPart(1.0, LogNormal.from_median(5e4, 0.8)),
        LossPart(0.3, Pert(1e5, 2e5, 9e5)),
        LossPart(0.05, Uniform(1e5, 1.5e6)),
        LossPart(0.0, Fixed(1e9)),
    )
)


def test_optional_parts_have_the_sum_law() -> None:
    n = 1_000_000
    draws = sample_loss(NOTIFICATION, 4, (1, 2), 0, "component:third_party:base", n)
    within(float(draws.mean()), NOTIFICATION.mean(), math.sqrt(NOTIFICATION.variance() / n))
    # Var of the sample variance ~ (mu4 - sigma^4) / n; bounded here by E[(X - m)^4] / n.
    fourth = float(np.mean((draws - draws.mean()) ** 4))
    within(float(draws.var()), NOTIFICATION.variance(), math.sqrt(fourth / n))
    only_certain = LossSum((LossPart(0.4, Fixed(1.0)), LossPart(0.5, Fixed(2.0))))
    values = sample_loss(only_certain, 4, (1,), 0, "r", n)
    for value, probability in ((0.0, 0.6 * 0.5), (1.0, 0.4 * 0.5), (2.0, 0.6 * 0.5), (3.0, 0.4 * 0.5)):
        within(float(np.mean(values == value)), probability, math.sqrt(probability * (1 - probability) / n))


def test_optional_parts_of_fewer_events_are_the_first_ones() -> None:
    long = sample_loss(NOTIFICATION, 4, (1, 2), 3, "component:third_party:base", 5000)
    for n in (0, 1, 999):
        assert np.array_equal(
            sample_loss(NOTIFICATION, 4, (1, 2), 3, "component:third_party:base", n), long[:n]
        )
