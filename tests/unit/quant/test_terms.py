"""Known answers for every financial term alone and combined, and properties (hypothesis)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyber360.quant.aggregates import annual_aggregate, periods_of
from cyber360.quant.errors import ModelError
from cyber360.quant.policy import OperatingLoss, Policy, Section, policy_from_dict
from cyber360.quant.terms import apply_policy, time_factor

ALL = ("loss",)
BI3 = ("asset_damage", "business_interruption", "third_party")


def net(policy, losses, period, driver=None, components=ALL, excluded=None):
    losses = np.atleast_2d(np.asarray(losses, dtype=float))
    driver = np.full(losses.shape[1], np.nan) if driver is None else np.asarray(driver, dtype=float)
    return apply_policy(policy, losses, components, driver, np.asarray(period), excluded=excluded).net


def test_deductible_limit_share_alone_and_combined():
    losses, year = [50.0, 150.0, 400.0], [0, 1, 2]
    assert net(Policy({"all": Section(deductible=100)}), losses, year).tolist() == [0, 50, 300]
    assert net(Policy({"all": Section(limit=200)}), losses, year).tolist() == [50, 150, 200]
    assert net(Policy({"all": Section(share=0.5)}), losses, year).tolist() == [25, 75, 200]
    combined = Policy({"all": Section(deductible=100, limit=200, share=0.5)})
    assert net(combined, losses, year).tolist() == [0, 25, 100]


def test_section_aggregate_in_event_order():
    policy = Policy({"all": Section(deductible=10, limit=100, annual_aggregate_limit=150)})
    # year 0: claims 90, 100, 40 -> cumulative 90, 190, 230 capped at 150 -> 90, 60, 0; year 1 restarts
    assert net(policy, [100, 200, 50, 80], [0, 0, 0, 1]).tolist() == [90, 60, 0, 70]


def test_policy_aggregate_deductible_then_limit_and_unsorted_years():
    policy = Policy({"all": Section()}, annual_aggregate_deductible=50, annual_aggregate_limit=100)
    # year 1 events (in given order) 30, 40, 200: cumulative 30, 70, 270 -> minus 50 -> 0, 20, 220 -> cap 100
    assert net(policy, [30, 5, 40, 200], [1, 0, 1, 1]).tolist() == [0, 0, 20, 80]


def test_waiting_period_and_indemnity_period():
    terms = OperatingLoss(waiting_period_hours=12, indemnity_period_days=3)
    days = np.array([10.0, 2.0, 0.25, 0.0, np.nan])
    # (min(d, 3) - 0.5) / d: 2.5/10, 1.5/2, 0, 0 (zero days with a waiting period), 1 (no driver)
    assert time_factor(days, terms).tolist() == [0.25, 0.75, 0.0, 0.0, 1.0]
    assert time_factor(days, OperatingLoss()).tolist() == [1.0] * 5
    only_wait = time_factor(np.array([2.0]), OperatingLoss(waiting_period_hours=24))
    assert only_wait.tolist() == [0.5]


def test_time_terms_only_on_business_interruption_then_sections():
    losses = np.array([[100.0], [1000.0], [10.0]])  # asset, BI, third party of one event, 10 days
    policy = Policy(
        {
            "asset_damage": Section(deductible=20),
            "business_interruption": Section(limit=200),
            "third_party": Section(share=0.5),
        },
        operating_loss=OperatingLoss(waiting_period_hours=24, indemnity_period_days=5),
    )
    result = apply_policy(policy, losses, BI3, np.array([10.0]), np.array([0]))
    # BI: 1000 x (5 - 1) / 10 = 400 -> limit 200; asset 80; third party 5
    assert result.sections["business_interruption"].tolist() == [200.0]
    assert result.net.tolist() == [285.0]
    everything = Policy({"all": Section(deductible=100)}, operating_loss=policy.operating_loss)
    assert apply_policy(everything, losses, BI3, np.array([10.0]), np.array([0])).net.tolist() == [410.0]


def test_uncovered_component_and_exclusion():
    losses = np.array([[100.0, 100.0], [50.0, 50.0], [7.0, 7.0]])
    policy = Policy({"third_party": Section()}, exclude_systemic=True)
    result = apply_policy(
        policy, losses, BI3, np.array([1.0, 1.0]), np.array([0, 0]), excluded=np.array([False, True])
    )
    assert result.net.tolist() == [7.0, 0.0]


def test_issue_policy_parses_as_is():
    policy = policy_from_dict(
        {
            "sections": {"all": {"deductible": 100000, "limit": 500000}},
            "annual_aggregate_limit": 800000,
            "loadings": {"expense_ratio": 0.25, "margin": 0.05, "cost_of_capital": 0.06},
        }
    )
    assert policy.sections["all"].limit == 500000 and policy.annual_aggregate_limit == 800000
    # 3 events in a year: 300k, 700k, 900k -> 200k, 500k, 500k -> aggregate 800k: 200k, 500k, 100k
    assert net(policy, [300e3, 700e3, 900e3], [0, 0, 0]).tolist() == [200e3, 500e3, 100e3]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({}, "sections"),
        ({"sections": {"all": {"limit": -1}}}, "sections.all.limit"),
        ({"sections": {"all": {"share": 2}}}, "sections.all.share"),
        ({"sections": {"fire": {}}}, "sections.fire"),
        ({"sections": {"all": {"deductibel": 1}}}, "sections.all.deductibel"),
        (
            {"sections": {"all": {}}, "operating_loss": {"waiting_period_hours": "x"}},
            "operating_loss.waiting_period_hours",
        ),
        ({"sections": {"all": {}}, "loadings": {"expense_ratio": 0.8, "margin": 0.3}}, "loadings.margin"),
        ({"sections": {"all": {}, "third_party": {}}}, "sections.all"),
    ],
)
def test_errors_name_the_field(data, path):
    with pytest.raises(ModelError) as error:
        policy_from_dict(data)
    assert error.value.path == path


def test_annual_aggregate_does_not_depend_on_what_precedes():
    loss = np.array([0.1, 0.2, 0.3, 1e15, 0.1, 0.2, 0.3])
    period = np.array([0, 0, 0, 1, 2, 2, 2])
    out = annual_aggregate(loss, periods_of(period), 0.45)
    assert out[:3].tolist() == out[4:].tolist()


losses_strategy = st.lists(st.floats(0, 1e7), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    losses=losses_strategy,
    deductible=st.floats(0, 1e6),
    limit=st.floats(1, 1e7),
    aggregate=st.floats(0, 2e7),
    share=st.floats(0.01, 1),
    wait=st.floats(0, 48),
    seed=st.integers(0, 1000),
)
def test_properties(losses, deductible, limit, aggregate, share, wait, seed):
    rng = np.random.default_rng(seed)
    n = len(losses)
    matrix = np.vstack([np.array(losses), rng.uniform(0, 1e6, n), rng.uniform(0, 1e5, n)])
    period = np.sort(rng.integers(0, 3, n))
    days = rng.uniform(0, 30, n)

    def run(lim):
        policy = Policy(
            {"all": Section(deductible, lim, share=share)},
            operating_loss=OperatingLoss(wait, 90),
            annual_aggregate_limit=aggregate,
        )
        return apply_policy(policy, matrix, BI3, days, period).net

    low, high = run(limit), run(limit * 2)
    gross = matrix.sum(axis=0)
    assert (low >= 0).all() and (low <= gross + 1e-6).all()
    totals = lambda x: np.bincount(period, x, minlength=3)  # noqa: E731
    assert (totals(high) >= totals(low) - 1e-6).all()
    assert math.isclose(low.sum(), high.sum()) or high.sum() >= low.sum()
