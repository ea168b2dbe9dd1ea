"""Claims against the pricing engine: for one event, and for two events of a year, the claim engine pays
exactly what ``quant.terms.apply_policy`` prices; properties (hypothesis): never negative, never above the
declared loss, growing with a limit."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyber360.cover.claims import COMPONENTS, ClaimFacts, LossItem, compute_indemnity
from cyber360.quant.policy import OperatingLoss, Policy, Section
from cyber360.quant.terms import apply_policy

LEARNED = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
IN_TIME = LEARNED + timedelta(hours=13)

# The same amounts as the pricing engine --------

amounts = st.floats(min_value=0.0, max_value=5e7, allow_nan=False)
optional_amount = st.one_of(st.just(math.inf), st.floats(min_value=1.0, max_value=5e7))
sections = st.builds(
    Section,
    deductible=st.floats(min_value=0.0, max_value=2e6),
    limit=optional_amount,
    annual_aggregate_limit=st.one_of(st.just(math.inf), st.floats(min_value=0.0, max_value=5e7)),
    share=st.floats(min_value=0.05, max_value=1.0),
)
operating = st.builds(
    OperatingLoss,
    waiting_period_hours=st.sampled_from([0.0, 8.0, 12.0, 24.0]),
    indemnity_period_days=st.sampled_from([math.inf, 90.0, 180.0, 3.0]),
)


@st.composite
def policies(draw):
    if draw(st.booleans()):
        chosen = {"all": draw(sections)}
    else:
        names = draw(st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=4, unique=True))
        chosen = {name: draw(sections) for name in names}
    return Policy(
        chosen,
        operating_loss=draw(operating),
        annual_aggregate_limit=draw(st.one_of(st.just(math.inf), st.floats(min_value=0.0, max_value=5e7))),
        annual_aggregate_deductible=draw(st.sampled_from([0.0, 50_000.0, 1e6])),
        exclude_systemic=draw(st.booleans()),
    )


events = st.tuples(
    st.lists(amounts, min_size=4, max_size=4),
    st.one_of(st.none(), st.floats(min_value=0.0, max_value=400.0)),
    st.booleans(),
)


def claim_of(losses, days, systemic):
    items = [LossItem(component, amount) for component, amount in zip(COMPONENTS, losses) if amount > 0]
    return ClaimFacts(items, LEARNED, IN_TIME, degraded_days=days, systemic=systemic)


def engine(policy, claims):
    losses = np.array([event[0] for event in claims], dtype=float).T
    driver = np.array([np.nan if event[1] is None else event[1] for event in claims])
    excluded = np.array([event[2] for event in claims]) if policy.exclude_systemic else None
    period = np.zeros(len(claims), dtype=np.int64)
    return apply_policy(policy, losses, COMPONENTS, driver, period, excluded=excluded).net


@settings(max_examples=300, deadline=None)
@given(policies(), events)
def test_one_claim_pays_what_the_engine_prices_for_one_event(policy, event):
    result = compute_indemnity(policy, claim_of(*event))
    assert result.indemnity == engine(policy, [event])[0]


@settings(max_examples=300, deadline=None)
@given(policies(), events, events)
def test_two_claims_of_a_year_consume_the_aggregates_as_the_engine_does(policy, first, second):
    earlier = compute_indemnity(policy, claim_of(*first))
    later = compute_indemnity(policy, claim_of(*second), earlier.consumption)
    expected = engine(policy, [first, second])
    assert earlier.indemnity == expected[0]
    assert later.indemnity == pytest.approx(expected[1], rel=1e-12, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(policies(), events, st.booleans())
def test_never_negative_never_above_the_declared_loss(policy, event, late):
    claim = claim_of(*event)
    if late:
        claim = ClaimFacts(claim.items, LEARNED, LEARNED + timedelta(hours=73), claim.degraded_days)
    result = compute_indemnity(policy, claim)
    assert 0.0 <= result.indemnity <= result.declared * (1 + 1e-12)
    assert result.lines[-1].after == result.indemnity
    assert not late or result.indemnity == 0.0


@settings(max_examples=300, deadline=None)
@given(policies(), events, st.floats(min_value=1.0, max_value=5e7), st.floats(min_value=1.0, max_value=10.0))
def test_the_indemnity_grows_with_a_limit(policy, event, limit, factor):
    name = next(iter(policy.sections))
    section = policy.sections[name]

    def with_limits(per_claim, aggregate):
        changed = Section(section.deductible, per_claim, section.annual_aggregate_limit, section.share)
        return Policy(
            {**policy.sections, name: changed},
            operating_loss=policy.operating_loss,
            annual_aggregate_limit=aggregate,
            annual_aggregate_deductible=policy.annual_aggregate_deductible,
            exclude_systemic=policy.exclude_systemic,
        )

    claim = claim_of(*event)
    small = compute_indemnity(with_limits(limit, limit), claim).indemnity
    larger = compute_indemnity(with_limits(limit * factor, limit), claim).indemnity
    largest = compute_indemnity(with_limits(limit * factor, limit * factor), claim).indemnity
    assert small <= larger <= largest
