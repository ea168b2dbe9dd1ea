"""The vectorised terms kernel against a plain loop over events, bit for bit, and its invariances.

The reference below is the module docstring of ``cyber360.quant.terms`` written as the obvious loop:
events stably sorted by period, a running total per section and for the policy restarting at each
period, each event keeping the increase of the capped running total. It performs the same floating
point operations in the same order as the kernel, so the two must agree exactly, not just closely.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyber360.quant.aggregates import NARROW_ROWS, cumulative_in_period, period_blocks, periods_of
from cyber360.quant.policy import OperatingLoss, Policy, Section
from cyber360.quant.terms import apply_policy

BI3 = ("asset_damage", "business_interruption", "third_party")


def reference_factor(days, terms):
    wait, indemnity = terms.waiting_period_hours / 24.0, terms.indemnity_period_days
    if wait == 0.0 and math.isinf(indemnity):
        return 1.0
    if math.isnan(days):
        return 1.0
    if days > 0.0:
        return max(min(days, indemnity) - wait, 0.0) / days
    return 1.0 if wait == 0.0 else 0.0


def layer(cumulative, deductible, limit):
    return min(max(cumulative - deductible, 0.0), limit)


def reference_increase(before, after, loss, deductible, limit):
    if math.isinf(limit) and deductible == 0.0:
        return loss  # no aggregate term: the claim itself
    return min(layer(after, deductible, limit) - layer(before, deductible, limit), loss)


def reference(policy, losses, names, driver, period, excluded=None):
    """Net loss per event and per section by a loop over events (the documented semantics)."""
    n = losses.shape[1]
    net = [0.0] * n
    sections = {name: [0.0] * n for name in policy.sections}
    running, current = {}, None
    for event in sorted(range(n), key=lambda e: period[e]):  # Python's sort is stable
        if period[event] != current:
            current, running = period[event], dict.fromkeys([*policy.sections, None], 0.0)
        dropped = excluded is not None and excluded[event]
        values = [0.0 if dropped else float(losses[c, event]) for c in range(len(names))]
        factor = reference_factor(float(driver[event]), policy.operating_loss)
        if "business_interruption" in names:
            values[names.index("business_interruption")] *= factor
        total = None
        for name, section in policy.sections.items():
            chosen = [i for i, c in enumerate(names) if name in ("all", c)]
            gross = 0.0
            for position, i in enumerate(chosen):
                gross = values[i] if position == 0 else gross + values[i]
            claim = min(max(gross - section.deductible, 0.0), section.limit)
            before = running[name]
            running[name] = before + claim
            insured = reference_increase(before, running[name], claim, 0.0, section.annual_aggregate_limit)
            if section.share != 1.0:
                insured *= section.share
            sections[name][event] = insured
            total = insured if total is None else total + insured
        before = running[None]
        running[None] = before + total
        net[event] = reference_increase(
            before, running[None], total, policy.annual_aggregate_deductible, policy.annual_aggregate_limit
        )
    return np.array(net), {name: np.array(values) for name, values in sections.items()}


def random_events(rng, *, n_periods=60, sort=True):
    """A stretch of years with 0 or 1 event (a few with 2 or 3), then a stretch mixing such years with
    years of a few, tens and hundreds of events: every layout the kernel has (single-event blocks,
    blocks with few or many events following another of their year, narrow and wide rows)."""
    sparse = rng.integers(0, 2, 4 * n_periods)
    sparse[rng.random(sparse.size) < 0.03] = 2
    kind = rng.integers(0, 10, n_periods)
    dense = np.where(kind < 5, rng.integers(0, 2, n_periods), rng.integers(2, 5, n_periods))
    dense = np.where(kind == 8, rng.integers(5, 40, n_periods), dense)
    dense = np.where(kind == 9, rng.integers(40, 300, n_periods), dense)
    counts = np.concatenate([sparse, dense])
    period = np.repeat(np.arange(counts.size) * 3 + 7, counts)  # sparse integer keys
    if not sort:
        period = rng.permutation(period)
    n = period.size
    losses = rng.lognormal(11, 1.5, (3, n)) * (rng.random((3, n)) < 0.9)  # some zero components
    driver = rng.uniform(0, 60, n)
    driver[rng.random(n) < 0.05] = 0.0
    driver[rng.random(n) < 0.05] = np.nan
    excluded = rng.random(n) < 0.1
    return losses, driver, period, excluded


POLICIES = {
    "components, aggregates everywhere": Policy(
        {
            "asset_damage": Section(50_000, 1e6, 2e6),
            "business_interruption": Section(0, 2e6, 3e6, 0.8),
            "third_party": Section(10_000, 5e5),
        },
        operating_loss=OperatingLoss(12, 180),
        annual_aggregate_limit=4e6,
        annual_aggregate_deductible=1e5,
        exclude_systemic=True,
    ),
    "all, policy deductible only": Policy(
        {"all": Section(100_000, 500_000, share=0.6)}, annual_aggregate_deductible=3e5
    ),
    "issue policy": Policy({"all": Section(100_000, 500_000)}, annual_aggregate_limit=800_000),
    "no aggregate": Policy({"business_interruption": Section(0, 1e6)}, operating_loss=OperatingLoss(24, 30)),
}


@pytest.mark.parametrize("name", list(POLICIES))
@pytest.mark.parametrize("sort", [True, False])
def test_kernel_equals_the_loop_bit_for_bit(name, sort):
    policy = POLICIES[name]
    rng = np.random.default_rng(7)
    for _ in range(3):
        losses, driver, period, excluded = random_events(rng, sort=sort)
        net, sections = reference(policy, losses, BI3, driver, period, excluded)
        for block in (16, 64, 1 << 15):
            result = apply_policy(policy, losses, BI3, driver, period, excluded=excluded, block_events=block)
            np.testing.assert_array_equal(result.net, net)
            for section in policy.sections:
                np.testing.assert_array_equal(result.sections[section], sections[section])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    deductible=st.floats(0, 1e6),
    limit=st.floats(1, 1e7),
    aggregate=st.one_of(st.just(math.inf), st.floats(0, 2e7)),
    policy_limit=st.one_of(st.just(math.inf), st.floats(0, 3e7)),
    policy_deductible=st.floats(0, 5e6),
    share=st.floats(0.01, 1),
    block=st.integers(1, 500),
)
def test_kernel_equals_the_loop_on_random_terms(
    seed, deductible, limit, aggregate, policy_limit, policy_deductible, share, block
):
    rng = np.random.default_rng(seed)
    losses, driver, period, _ = random_events(rng, n_periods=25, sort=bool(seed % 2))
    policy = Policy(
        {"all": Section(deductible, limit, aggregate, share)},
        operating_loss=OperatingLoss(float(seed % 48), 90.0),
        annual_aggregate_limit=policy_limit,
        annual_aggregate_deductible=policy_deductible,
    )
    result = apply_policy(policy, losses, BI3, driver, period, block_events=block)
    np.testing.assert_array_equal(result.net, reference(policy, losses, BI3, driver, period)[0])


def test_block_size_changes_no_number():
    rng = np.random.default_rng(3)
    losses, driver, period, excluded = random_events(rng, n_periods=200, sort=False)
    policy = POLICIES["components, aggregates everywhere"]
    runs = [
        apply_policy(policy, losses, BI3, driver, period, excluded=excluded, block_events=size)
        for size in (1, 2, 7, 100, 1000, 1 << 15)
    ]
    for run in runs[1:]:
        np.testing.assert_array_equal(run.net, runs[0].net)
        for name in policy.sections:
            np.testing.assert_array_equal(run.sections[name], runs[0].sections[name])


def test_chunks_cut_at_any_year_give_the_same_numbers():
    rng = np.random.default_rng(5)
    losses, driver, period, excluded = random_events(rng, n_periods=120)
    policy = POLICIES["components, aggregates everywhere"]
    whole = apply_policy(policy, losses, BI3, driver, period, excluded=excluded).net
    starts = np.flatnonzero(np.diff(period)) + 1
    for cut in rng.choice(starts, 10, replace=False):
        parts = [
            apply_policy(
                policy, losses[:, part], BI3, driver[part], period[part], excluded=excluded[part]
            ).net
            for part in (slice(0, cut), slice(cut, None))
        ]
        np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_the_random_events_reach_every_layout():
    period = np.sort(random_events(np.random.default_rng(7))[2])
    layouts = set()
    for start, stop in period_blocks(period, 16) + period_blocks(period, 64):
        periods = periods_of(period[start:stop])
        layouts.add("single" if not periods.rows else "few" if periods.carried is None else "many")
        layouts.update("wide" if table.index.shape[1] > NARROW_ROWS else "narrow" for table in periods.rows)
    assert layouts == {"single", "few", "many", "narrow", "wide"}


def test_running_total_restarts_at_each_period_and_adds_left_to_right():
    rng = np.random.default_rng(11)
    lengths = np.array([1, 2, 3, 4, 5, 16, 17, 40, 1, 1, 300, 2, 1000])
    period = np.repeat(np.arange(lengths.size), lengths)
    loss = rng.lognormal(0, 3, period.size)
    expected = np.empty_like(loss)
    for key in np.unique(period):
        total = None
        for index in np.flatnonzero(period == key):
            total = loss[index] if total is None else total + loss[index]
            expected[index] = total
    np.testing.assert_array_equal(cumulative_in_period(loss, periods_of(period)), expected)


def test_one_very_long_year_is_one_vectorised_row():
    period = np.zeros(200_000, dtype=np.int64)
    loss = np.full(period.size, 10.0)
    policy = Policy({"all": Section()}, annual_aggregate_limit=1_000.5)
    net = apply_policy(policy, loss[np.newaxis], ("loss",), np.full(period.size, np.nan), period).net
    assert net[:100].tolist() == [10.0] * 100 and net[100] == 0.5 and not net[101:].any()


def test_a_nan_loss_is_refused():
    losses = np.array([[1.0, np.nan, 3.0]])
    with pytest.raises(ValueError, match="NaN"):
        apply_policy(Policy({"all": Section(limit=2.0)}), losses, ("loss",), np.full(3, np.nan), np.zeros(3))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    deductible=st.floats(0, 1e6),
    limit=st.floats(1, 1e7),
    aggregate=st.floats(0, 2e7),
    policy_limit=st.floats(0, 3e7),
    policy_deductible=st.floats(0, 5e6),
)
def test_net_is_between_zero_and_gross_and_grows_with_every_limit(
    seed, deductible, limit, aggregate, policy_limit, policy_deductible
):
    rng = np.random.default_rng(seed)
    losses, driver, period, _ = random_events(rng, n_periods=20)
    gross = losses.sum(axis=0)
    years = np.unique(period, return_inverse=True)[1]

    def net(section_limit, section_aggregate, total_limit):
        policy = Policy(
            {"all": Section(deductible, section_limit, section_aggregate)},
            annual_aggregate_limit=total_limit,
            annual_aggregate_deductible=policy_deductible,
        )
        return apply_policy(policy, losses, BI3, driver, period).net

    low = net(limit, aggregate, policy_limit)
    assert (low >= 0).all() and (low <= gross).all()
    year_low = np.bincount(years, low)
    for higher in (net(2 * limit, aggregate, policy_limit), net(limit, 2 * aggregate, policy_limit)):
        assert (np.bincount(years, higher) >= year_low * (1 - 1e-12) - 1e-6).all()
    unlimited = net(math.inf, math.inf, math.inf)
    assert (np.bincount(years, unlimited) >= year_low * (1 - 1e-12) - 1e-6).all()
    # the year's total is the capped total, whatever the order of events within the year
    claims = np.bincount(years, np.clip(gross - deductible, 0, limit))
    expected = np.clip(np.minimum(claims, aggregate) - policy_deductible, 0, policy_limit)
    np.testing.assert_allclose(year_low, expected, rtol=1e-9, atol=1e-6)
