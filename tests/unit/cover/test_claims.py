"""Claims: the state machine, the policy year, every term alone and combined on hand-computed amounts, and the
L.12-10-1 complaint rule (the engine's equivalence and the properties: ``test_claims_properties``)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from cyber360.cover.claims import (
    NOTHING,
    ClaimFacts,
    ClaimState,
    Consumption,
    InvalidTransition,
    LossItem,
    Transition,
    allowed_transitions,
    compute_indemnity,
    covering_section,
    next_state,
    policy_year,
)
from cyber360.quant.policy import OperatingLoss, Policy, Section

LEARNED = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
IN_TIME = LEARNED + timedelta(hours=13)


def facts(*items: tuple[str, float], complaint=IN_TIME, days=None, systemic=False, required=True):
    return ClaimFacts(
        items=[LossItem(section, amount) for section, amount in items],
        learned_at=LEARNED,
        complaint_filed_at=complaint,
        degraded_days=days,
        systemic=systemic,
        complaint_required=required,
    )


def lines(result):
    return [(line.term, line.section, line.before, line.after) for line in result.lines]


# States --------


def test_the_state_machine():
    assert next_state(ClaimState.DECLARED, Transition.REVIEW) is ClaimState.UNDER_REVIEW
    assert next_state(ClaimState.UNDER_REVIEW, Transition.ACCEPT) is ClaimState.ACCEPTED
    assert next_state(ClaimState.ACCEPTED, Transition.PAY) is ClaimState.PAID
    assert next_state(ClaimState.DECLARED, Transition.REFUSE) is ClaimState.REFUSED
    assert next_state(ClaimState.UNDER_REVIEW, Transition.REFUSE) is ClaimState.REFUSED
    for state, transition in [
        (ClaimState.DECLARED, Transition.ACCEPT),
        (ClaimState.DECLARED, Transition.PAY),
        (ClaimState.UNDER_REVIEW, Transition.PAY),
        (ClaimState.ACCEPTED, Transition.REFUSE),
        (ClaimState.PAID, Transition.REFUSE),
        (ClaimState.REFUSED, Transition.REVIEW),
        (ClaimState.PAID, Transition.PAY),
    ]:
        with pytest.raises(InvalidTransition):
            next_state(state, transition)
    assert allowed_transitions(ClaimState.DECLARED) == (Transition.REVIEW, Transition.REFUSE)
    assert allowed_transitions(ClaimState.UNDER_REVIEW) == (Transition.ACCEPT, Transition.REFUSE)
    assert allowed_transitions(ClaimState.ACCEPTED) == (Transition.PAY,)
    assert allowed_transitions(ClaimState.PAID) == allowed_transitions(ClaimState.REFUSED) == ()


def test_policy_year_runs_from_anniversary_to_anniversary():
    assert policy_year(date(2026, 1, 1), date(2026, 12, 31), date(2026, 7, 14)) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    three_years = (date(2025, 4, 1), date(2028, 3, 31))
    assert policy_year(*three_years, date(2026, 3, 31)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert policy_year(*three_years, date(2026, 4, 1)) == (date(2026, 4, 1), date(2027, 3, 31))
    assert policy_year(date(2024, 2, 29), date(2026, 6, 30), date(2026, 5, 1)) == (
        date(2026, 2, 28),
        date(2026, 6, 30),
    )


def test_covering_section():
    per_component = Policy({"asset_damage": Section(), "business_interruption": Section()})
    assert covering_section(per_component, "asset_damage") == "asset_damage"
    assert covering_section(per_component, "third_party") is None
    assert covering_section(Policy({"all": Section()}), "third_party") == "all"


# Every term alone --------


def test_no_term_pays_the_declared_loss():
    result = compute_indemnity(Policy({"asset_damage": Section()}), facts(("asset_damage", 100_000.0)))
    assert result.declared == result.indemnity == 100_000.0
    assert [line.term for line in result.lines] == ["declared", "complaint_in_time", "indemnity"]


def test_deductible_alone():
    result = compute_indemnity(
        Policy({"asset_damage": Section(deductible=100_000)}),
        facts(("asset_damage", 100_000.0), ("asset_damage", 50_000.0)),
    )
    assert result.indemnity == 50_000.0
    assert lines(result)[:2] == [
        ("declared", "asset_damage", None, 150_000.0),
        ("deductible", "asset_damage", 150_000.0, 50_000.0),
    ]
    assert result.lines[0].params == {"items": 2}
    assert result.lines[1].params == {"deductible_eur": 100_000}


def test_limit_alone():
    result = compute_indemnity(
        Policy({"third_party": Section(limit=500_000)}), facts(("third_party", 600_000.0))
    )
    assert result.indemnity == 500_000.0
    assert lines(result)[1] == ("limit", "third_party", 600_000.0, 500_000.0)


def test_share_alone():
    result = compute_indemnity(
        Policy({"crisis_costs": Section(share=0.8)}), facts(("crisis_costs", 100_000.0))
    )
    assert result.indemnity == 80_000.0
    assert lines(result)[1] == ("share", "crisis_costs", 100_000.0, 80_000.0)
    assert result.lines[1].params == {"share_percent": 80.0}


def test_waiting_period_alone_on_degraded_days():
    # The brief's example: 1 200 000 EUR over 30 days, 12 h waiting period: (30 - 0.5) / 30 covered.
    policy = Policy(
        {"business_interruption": Section()}, operating_loss=OperatingLoss(waiting_period_hours=12)
    )
    result = compute_indemnity(policy, facts(("business_interruption", 1_200_000.0), days=30))
    assert result.indemnity == pytest.approx(1_180_000.0, abs=1e-6)
    term = result.lines[1]
    assert (term.term, term.before) == ("time_waiting", 1_200_000.0)
    assert term.params == {"waiting_hours": 12, "indemnity_days": math.inf, "degraded_days": 30}


def test_indemnity_period_alone():
    policy = Policy(
        {"business_interruption": Section()}, operating_loss=OperatingLoss(indemnity_period_days=3)
    )
    result = compute_indemnity(policy, facts(("business_interruption", 1_000_000.0), days=10))
    assert result.indemnity == pytest.approx(300_000.0)
    assert result.lines[1].term == "time_period"


def test_waiting_and_indemnity_periods_and_unknown_days():
    terms = OperatingLoss(waiting_period_hours=24, indemnity_period_days=5)
    policy = Policy({"business_interruption": Section()}, operating_loss=terms)
    # (min(10, 5) - 1) / 10 = 0.4
    both = compute_indemnity(policy, facts(("business_interruption", 1_000_000.0), days=10))
    assert both.indemnity == pytest.approx(400_000.0) and both.lines[1].term == "time_both"
    # Shorter than the waiting period: nothing; no days given: not reduced (the engine's convention).
    short = compute_indemnity(policy, facts(("business_interruption", 1_000_000.0), days=0.5))
    assert short.indemnity == 0.0
    unknown = compute_indemnity(policy, facts(("business_interruption", 1_000_000.0)))
    assert unknown.indemnity == 1_000_000.0 and unknown.lines[1].term == "time_unknown"


def test_section_annual_aggregate_given_what_earlier_claims_consumed():
    policy = Policy({"asset_damage": Section(annual_aggregate_limit=500_000)})
    consumed = Consumption({"asset_damage": 300_000.0})
    result = compute_indemnity(policy, facts(("asset_damage", 400_000.0)), consumed)
    assert result.indemnity == 200_000.0
    line = result.lines[1]
    assert (line.term, line.before, line.after) == ("section_aggregate", 400_000.0, 200_000.0)
    assert line.params == {"limit_eur": 500_000, "consumed_eur": 300_000.0, "remaining_eur": 200_000.0}
    assert result.consumption.sections == {"asset_damage": 200_000.0}
    exhausted = compute_indemnity(policy, facts(("asset_damage", 1.0)), Consumption({"asset_damage": 9e9}))
    assert exhausted.indemnity == 0.0 and exhausted.lines[1].params["remaining_eur"] == 0.0


def test_policy_aggregate_deductible_and_limit_given_earlier_claims():
    deductible = Policy({"all": Section()}, annual_aggregate_deductible=100_000)
    result = compute_indemnity(deductible, facts(("asset_damage", 200_000.0)), Consumption({}, 30_000.0))
    assert result.indemnity == 130_000.0
    line = result.lines[-3]
    assert (line.term, line.before, line.after) == ("policy_deductible", 200_000.0, 130_000.0)
    assert line.params == {"deductible_eur": 100_000, "absorbed_eur": 30_000.0, "remaining_eur": 70_000.0}
    limit = Policy({"all": Section()}, annual_aggregate_limit=1_000_000)
    capped = compute_indemnity(limit, facts(("asset_damage", 200_000.0)), Consumption({}, 900_000.0))
    assert capped.indemnity == 100_000.0
    assert capped.lines[-3].params == {
        "limit_eur": 1_000_000,
        "consumed_eur": 900_000.0,
        "remaining_eur": 100_000.0,
    }
    # The claim's own consumption is its total before the policy aggregates (what the deductible erodes).
    assert capped.consumption.policy == 200_000.0


def test_systemic_event_excluded_only_when_the_policy_excludes_it():
    loss = ("asset_damage", 100_000.0)
    excluded = compute_indemnity(
        Policy({"all": Section()}, exclude_systemic=True), facts(loss, systemic=True)
    )
    assert excluded.indemnity == 0.0 and excluded.consumption == NOTHING
    assert lines(excluded) == [("systemic_exclusion", None, 100_000.0, 0.0), ("indemnity", None, None, 0.0)]
    covered = compute_indemnity(Policy({"all": Section()}), facts(loss, systemic=True))
    assert covered.indemnity == 100_000.0


def test_a_component_the_policy_does_not_cover_gets_nothing():
    result = compute_indemnity(
        Policy({"asset_damage": Section()}), facts(("asset_damage", 10.0), ("third_party", 90.0))
    )
    assert result.declared == 100.0 and result.indemnity == 10.0
    assert lines(result)[0] == ("not_covered", "third_party", 90.0, 0.0)


# L.12-10-1 --------


def test_a_complaint_beyond_72_hours_forfeits_the_indemnity():
    policy = Policy({"asset_damage": Section(annual_aggregate_limit=1e6)})
    late = compute_indemnity(policy, facts(("asset_damage", 100.0), complaint=LEARNED + timedelta(hours=80)))
    assert late.indemnity == 0.0 and late.consumption == NOTHING
    line = late.lines[-2]
    assert (line.term, line.before, line.after, line.params) == (
        "complaint_late",
        100.0,
        0.0,
        {"hours": 80.0},
    )
    missing = compute_indemnity(policy, facts(("asset_damage", 100.0), complaint=None))
    assert missing.indemnity == 0.0 and missing.lines[-2].term == "complaint_missing"
    on_the_hour = compute_indemnity(
        policy, facts(("asset_damage", 100.0), complaint=LEARNED + timedelta(hours=72))
    )
    assert on_the_hour.indemnity == 100.0 and on_the_hour.lines[-2].params == {"hours": 72.0}
    outage = compute_indemnity(policy, facts(("asset_damage", 100.0), complaint=None, required=False))
    assert outage.indemnity == 100.0 and outage.lines[-2].term == "complaint_not_required"


# Combined --------


def test_every_term_combined_by_hand():
    policy = Policy(
        {
            "asset_damage": Section(deductible=50_000, limit=400_000),
            "business_interruption": Section(
                deductible=100_000, limit=500_000, annual_aggregate_limit=700_000
            ),
            "third_party": Section(share=0.8),
        },
        operating_loss=OperatingLoss(waiting_period_hours=12, indemnity_period_days=90),
        annual_aggregate_deductible=20_000,
        annual_aggregate_limit=1_000_000,
    )
    claim = facts(
        ("asset_damage", 300_000.0),
        ("asset_damage", 150_000.0),
        ("business_interruption", 1_200_000.0),
        ("third_party", 100_000.0),
        days=30,
    )
    earlier = Consumption({"business_interruption": 300_000.0}, 400_000.0)
    result = compute_indemnity(policy, claim, earlier)
    # asset: 450 000 - 50 000 = 400 000, limit 400 000 -> 400 000
    # BI: 1 200 000 x 29.5/30 = 1 180 000 - 100 000 = 1 080 000 -> limit 500 000 -> aggregate 700 000
    #     minus 300 000 already consumed -> 400 000
    # third party: 100 000 x 80 % = 80 000
    # total 880 000; policy deductible 20 000 already absorbed by the 400 000 earlier; aggregate 1 000 000 of
    # which 380 000 consumed (400 000 - 20 000) -> 620 000 left -> 620 000
    expected = [
        ("declared", "asset_damage", None, 450_000.0),
        ("deductible", "asset_damage", 450_000.0, 400_000.0),
        ("limit", "asset_damage", 400_000.0, 400_000.0),
        ("declared", "business_interruption", None, 1_200_000.0),
        ("time_both", "business_interruption", 1_200_000.0, pytest.approx(1_180_000.0)),
        ("deductible", "business_interruption", pytest.approx(1_180_000.0), pytest.approx(1_080_000.0)),
        ("limit", "business_interruption", pytest.approx(1_080_000.0), 500_000.0),
        ("section_aggregate", "business_interruption", 500_000.0, 400_000.0),
        ("declared", "third_party", None, 100_000.0),
        ("share", "third_party", 100_000.0, 80_000.0),
        ("sections_total", None, None, 880_000.0),
        ("policy_deductible", None, 880_000.0, 880_000.0),
        ("policy_aggregate", None, 880_000.0, 620_000.0),
        ("complaint_in_time", None, 620_000.0, 620_000.0),
        ("indemnity", None, None, 620_000.0),
    ]
    assert lines(result) == expected
    assert result.declared == 1_750_000.0 and result.indemnity == 620_000.0
    assert result.consumption.sections == {
        "asset_damage": 400_000.0,
        "business_interruption": 400_000.0,
        "third_party": 100_000.0,
    }
    assert result.consumption.policy == 880_000.0


def test_the_all_section_adds_components_after_the_time_terms():
    policy = Policy(
        {"all": Section(deductible=100_000, share=0.5)},
        operating_loss=OperatingLoss(waiting_period_hours=24, indemnity_period_days=5),
    )
    result = compute_indemnity(
        policy, facts(("asset_damage", 100.0e3), ("business_interruption", 1.0e6), days=10)
    )
    # BI 1 000 000 x (5 - 1) / 10 = 400 000; + 100 000 = 500 000 - 100 000 = 400 000 x 50 % = 200 000
    assert [line.term for line in result.lines][:6] == [
        "declared",
        "declared",
        "time_both",
        "section_total",
        "deductible",
        "share",
    ]
    assert result.lines[3].after == pytest.approx(500_000.0)
    assert result.indemnity == pytest.approx(200_000.0)
