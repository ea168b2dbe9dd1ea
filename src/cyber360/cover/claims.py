"""Claims on a cyber policy: the states a claim moves through, its proposed indemnity explained line by line.

States: a claim is ``declared`` by the GHT (or one of its establishments), taken ``under_review`` by the
policy's underwriter, then ``accepted`` and ``paid``, or ``refused`` (from declared or under review). While
it is declared or under review its loss items may still change. Who may do what is in ``cover.access``: the
declarants document, the policy's underwriter decides.

Indemnity: the terms of :mod:`cyber360.quant.terms` applied to one event, the claim, in the same order and
with the same functions, so that what is priced is what is paid:

1. an event the policy excludes (systemic: war, state-backed) gets nothing;
2. the business-interruption loss is reduced by the operating-loss time terms on the claim's degraded-mode
   days (:func:`~cyber360.quant.terms.time_factor`: waiting period, then indemnity period; without a number
   of days the loss is not reduced, as the engine does for an event without a driver);
3. per section (``all``: every component added): deductible then limit per claim
   (:func:`~cyber360.quant.terms.per_claim`), the section's annual aggregate limit given what the settled
   claims of the same policy year already consumed of it, then the insurer's share;
4. the sections added; the policy's annual aggregate deductible then limit, given the earlier claims
   (the engine's annual aggregate on the pair "earlier claims of the year, this claim");
5. Code des assurances art. L.12-10-1: a cyberattack loss is indemnified only if a complaint was filed
   within 72 hours of the insured learning of the attack (pricing takes it as ``complaint_probability``; a
   claim applies it). A non-malicious event (accidental outage) is not subject to it.

A claim that gets nothing (excluded, or no complaint in time) consumes none of the annual aggregates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

import numpy as np

from cyber360.quant.distributions import FloatArray
from cyber360.quant.policy import Policy
from cyber360.quant.terms import (
    BUSINESS_INTERRUPTION,
    per_claim,
    time_factor,
)

#: The insured components a loss item may name, in the engine's order (the order sections add them up).
COMPONENTS: Final = ("asset_damage", "business_interruption", "third_party", "crisis_costs")
#: L.12-10-1: the complaint must be filed within 72 hours of learning of the attack.
COMPLAINT_DELAY: Final = timedelta(hours=72)


class ClaimState(StrEnum):
    DECLARED = "declared"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    PAID = "paid"
    REFUSED = "refused"


class Transition(StrEnum):
    """A decision of the policy's underwriter."""

    REVIEW = "review"
    ACCEPT = "accept"
    PAY = "pay"
    REFUSE = "refuse"


_TRANSITIONS: Final[dict[Transition, tuple[frozenset[ClaimState], ClaimState]]] = {
    Transition.REVIEW: (frozenset({ClaimState.DECLARED}), ClaimState.UNDER_REVIEW),
    Transition.ACCEPT: (frozenset({ClaimState.UNDER_REVIEW}), ClaimState.ACCEPTED),
    Transition.PAY: (frozenset({ClaimState.ACCEPTED}), ClaimState.PAID),
    Transition.REFUSE: (frozenset({ClaimState.DECLARED, ClaimState.UNDER_REVIEW}), ClaimState.REFUSED),
}
#: States in which the declarant may still change the loss items, evidence and facts.
DOCUMENTABLE: Final = frozenset({ClaimState.DECLARED, ClaimState.UNDER_REVIEW})
#: States whose indemnity consumes the annual aggregates of the policy year.
SETTLED: Final = frozenset({ClaimState.ACCEPTED, ClaimState.PAID})


class InvalidTransition(ValueError):
    """The transition is not possible from the claim's state."""


def next_state(state: ClaimState, transition: Transition) -> ClaimState:
    sources, target = _TRANSITIONS[transition]
    if state not in sources:
        raise InvalidTransition(f"{transition.value} is not possible from {state.value}")
    return target


def allowed_transitions(state: ClaimState) -> tuple[Transition, ...]:
    return tuple(transition for transition, (sources, _) in _TRANSITIONS.items() if state in sources)


def covering_section(policy: Policy, component: str) -> str | None:
    """The policy section that covers a component: its own section, else ``all``, else none."""
    if component in policy.sections:
        return component
    return "all" if "all" in policy.sections else None


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        return start.replace(year=start.year + years, day=28)


def policy_year(period_start: date, period_end: date, day: date) -> tuple[date, date]:
    """The policy year holding ``day`` (first and last day): from an anniversary of the period's start to
    the day before the next one, cut at the end of the period. Annual aggregates restart each policy year."""
    years = day.year - period_start.year
    if _anniversary(period_start, years) > day:
        years -= 1
    start = _anniversary(period_start, years)
    end = _anniversary(period_start, years + 1) - timedelta(days=1)
    return start, min(end, period_end)


# Indemnity --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossItem:
    """A declared loss in one component (the item's section), ground-up, in euros."""

    section: str
    amount: float


@dataclass(frozen=True)
class Consumption:
    """What claims consumed of the annual aggregates: per section, the amounts after the per-claim terms and
    the section aggregate (before the share, as the engine caps them); for the policy, the sections' total
    after shares and before the policy aggregates (the running total the policy deductible erodes)."""

    sections: Mapping[str, float] = field(default_factory=dict)
    policy: float = 0.0

    def plus(self, other: Consumption) -> Consumption:
        names = {*self.sections, *other.sections}
        sections = {n: self.sections.get(n, 0.0) + other.sections.get(n, 0.0) for n in sorted(names)}
        return Consumption(sections, self.policy + other.policy)


NOTHING: Final = Consumption()


@dataclass(frozen=True)
class ClaimFacts:
    """The facts the terms apply to: the loss items and the circumstances of the event."""

    items: Sequence[LossItem]
    learned_at: datetime
    complaint_filed_at: datetime | None = None
    degraded_days: float | None = None
    systemic: bool = False
    #: False for a non-malicious event (accidental outage): the L.12-10-1 condition does not apply.
    complaint_required: bool = True


@dataclass(frozen=True)
class Line:
    """One step of the explanation: the amount before (None for a starting amount), the term applied (a
    ``term`` code with its ``params``; amounts end in ``_eur``), and the amount after."""

    term: str
    after: float
    before: float | None = None
    section: str | None = None
    params: Mapping[str, float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class Indemnity:
    lines: tuple[Line, ...]
    declared: float
    indemnity: float
    #: What this claim consumes of the annual aggregates once settled.
    consumption: Consumption


def _one(*values: float) -> FloatArray:
    return np.array(values, dtype=np.float64)


def _running(earlier: float, amount: float, limit: float, deductible: float = 0.0) -> float:
    """This claim's part of the year's ``min(max(running total - deductible, 0), limit)`` after the
    ``earlier`` claims: the engine's annual aggregate (:mod:`cyber360.quant.aggregates`) for the pair
    "earlier claims of the year, this claim", the increase of the capped running total, at most its loss."""
    before = min(max(earlier - deductible, 0.0), limit)
    after = min(max(earlier + amount - deductible, 0.0), limit)
    return min(max(after - before, 0.0), amount)


def _time_line(policy: Policy, amount: float, degraded_days: float | None) -> tuple[float, Line | None]:
    """The business-interruption loss after the operating-loss time terms, and the line saying so."""
    terms = policy.operating_loss
    waiting, period = terms.waiting_period_hours, terms.indemnity_period_days
    if waiting == 0.0 and math.isinf(period):
        return amount, None
    driver = math.nan if degraded_days is None else degraded_days
    covered = float((_one(amount) * time_factor(_one(driver), terms))[0])
    params: dict[str, float | str] = {"waiting_hours": waiting, "indemnity_days": period}
    if degraded_days is None:
        term = "time_unknown"
    elif waiting == 0.0:
        term = "time_period"
    else:
        term = "time_waiting" if math.isinf(period) else "time_both"
    if degraded_days is not None:
        params["degraded_days"] = degraded_days
    return covered, Line(term, covered, amount, BUSINESS_INTERRUPTION, params)


def _section_lines(
    policy: Policy, name: str, gross: float, used: float, lines: list[Line]
) -> tuple[float, float]:
    """Per-claim terms, section aggregate and share of one section: (insurer's amount, consumption)."""
    section = policy.sections[name]
    claim = float(per_claim(_one(gross), section.deductible, section.limit)[0])
    if section.deductible > 0.0:
        after = max(gross - section.deductible, 0.0)
        lines.append(Line("deductible", after, gross, name, {"deductible_eur": section.deductible}))
        gross = after
    if not math.isinf(section.limit):
        lines.append(Line("limit", claim, gross, name, {"limit_eur": section.limit}))
    consumed = claim
    if not math.isinf(section.annual_aggregate_limit):
        limit = section.annual_aggregate_limit
        consumed = _running(used, claim, limit)
        params = {
            "limit_eur": limit,
            "consumed_eur": min(used, limit),
            "remaining_eur": max(limit - used, 0.0),
        }
        lines.append(Line("section_aggregate", consumed, claim, name, params))
    insured = consumed * section.share
    if section.share < 1.0:
        lines.append(Line("share", insured, consumed, name, {"share_percent": section.share * 100.0}))
    return insured, consumed


def _policy_lines(policy: Policy, total: float, earlier: float, lines: list[Line]) -> float:
    deductible, limit = policy.annual_aggregate_deductible, policy.annual_aggregate_limit
    if deductible == 0.0 and math.isinf(limit):
        return total
    net = _running(earlier, total, limit, deductible)
    if deductible > 0.0:
        remaining = max(deductible - earlier, 0.0)
        after = max(total - remaining, 0.0) if not math.isinf(limit) else net
        params = {
            "deductible_eur": deductible,
            "absorbed_eur": min(earlier, deductible),
            "remaining_eur": remaining,
        }
        lines.append(Line("policy_deductible", after, total, None, params))
        total = after
    if not math.isinf(limit):
        used = min(max(earlier - deductible, 0.0), limit)
        params = {"limit_eur": limit, "consumed_eur": used, "remaining_eur": limit - used}
        lines.append(Line("policy_aggregate", net, total, None, params))
    return net


def _complaint_line(facts: ClaimFacts, amount: float) -> Line:
    if not facts.complaint_required:
        return Line("complaint_not_required", amount, amount)
    if facts.complaint_filed_at is None:
        return Line("complaint_missing", 0.0, amount)
    delay = facts.complaint_filed_at - facts.learned_at
    hours = round(delay / timedelta(hours=1), 1)
    if delay > COMPLAINT_DELAY:
        return Line("complaint_late", 0.0, amount, params={"hours": hours})
    return Line("complaint_in_time", amount, amount, params={"hours": hours})


def compute_indemnity(policy: Policy, facts: ClaimFacts, consumed: Consumption = NOTHING) -> Indemnity:
    """The proposed indemnity of a claim and its explanation, given what the settled claims of the same
    policy year already ``consumed`` of the annual aggregates (see the module docstring for the order)."""
    by_component = dict.fromkeys(COMPONENTS, 0.0)
    counts = dict.fromkeys(COMPONENTS, 0)
    for item in facts.items:
        if item.section not in by_component:
            raise ValueError(f"unknown component {item.section!r}")
        by_component[item.section] += item.amount
        counts[item.section] += 1
    declared = sum(by_component.values())
    lines: list[Line] = []
    if policy.exclude_systemic and facts.systemic:
        lines.append(Line("systemic_exclusion", 0.0, declared))
        lines.append(Line("indemnity", 0.0))
        return Indemnity(tuple(lines), declared, 0.0, NOTHING)
    for component in COMPONENTS:
        if counts[component] and covering_section(policy, component) is None:
            lines.append(Line("not_covered", 0.0, by_component[component], component))
    insured: dict[str, float] = {}
    consumption: dict[str, float] = {}
    for name in policy.sections:
        components = [c for c in (COMPONENTS if name == "all" else (name,)) if counts.get(c)]
        gross = 0.0
        for component in components:
            amount = by_component[component]
            lines.append(Line("declared", amount, section=component, params={"items": counts[component]}))
            if component == BUSINESS_INTERRUPTION:
                amount, line = _time_line(policy, amount, facts.degraded_days)
                lines.extend([line] if line else [])
            gross += amount
        if not components:
            insured[name] = 0.0
            continue
        if len(components) > 1:
            lines.append(Line("section_total", gross, section=name))
        insured[name], consumption[name] = _section_lines(
            policy, name, gross, consumed.sections.get(name, 0.0), lines
        )
    total = 0.0
    for value in insured.values():  # left to right, as the engine adds sections (not sum(): compensated)
        total += value
    if sum(1 for name in insured if name in consumption) > 1:
        lines.append(Line("sections_total", total))
    net = _policy_lines(policy, total, consumed.policy, lines)
    complaint = _complaint_line(facts, net)
    lines.append(complaint)
    indemnity = complaint.after
    lines.append(Line("indemnity", indemnity))
    forfeited = complaint.term in {"complaint_late", "complaint_missing"}
    own = NOTHING if forfeited else Consumption(consumption, total)
    return Indemnity(tuple(lines), declared, indemnity, own)


__all__ = [
    "COMPLAINT_DELAY",
    "COMPONENTS",
    "DOCUMENTABLE",
    "NOTHING",
    "SETTLED",
    "ClaimFacts",
    "ClaimState",
    "Consumption",
    "Indemnity",
    "InvalidTransition",
    "Line",
    "LossItem",
    "Transition",
    "allowed_transitions",
    "compute_indemnity",
    "covering_section",
    "next_state",
    "policy_year",
]
