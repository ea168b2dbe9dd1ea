"""Insurance financial terms applied to an event loss table: per event (claim), then per year, vectorised.

Order of application for each event (Oasis LMF vocabulary: per-event terms, then aggregate terms):

1. Excluded events (systemic / war / state-backed, when the policy excludes them) are set to 0.
2. Operating-loss time terms on the ``business_interruption`` component, with ``d`` the event's
   degraded-mode days, ``W = waiting_period_hours / 24`` and ``P = indemnity_period_days``: the covered
   share of the event's BI loss is ``max(0, min(d, P) - W) / d`` (the loss is taken as spread evenly
   over the ``d`` days; the indemnity period runs from the start of the interruption and includes the
   waiting period). ``d = 0`` gives share 1 without waiting period and 0 with one; an event without a
   driver (NaN) is not reduced.
3. Per section (``all`` = every component summed): ``min(max(x - deductible, 0), limit)``, then the
   section's annual aggregate limit, then the insurer's ``share``.
4. Sections added; the policy's annual aggregate deductible then annual aggregate limit.

Annual aggregates are applied in event order within a period (year): the cumulative loss of the year
``c_i`` is capped, ``min(max(c_i - AD, 0), AL)``, and each event keeps the increase of the capped
cumulative over the previous event's (never more than its own loss). Without a simulated time of
occurrence, the order within a year is a convention: events in the order given, stably sorted by year
(for an :class:`EventChunk`: scenario order, then draw order). The year's total after aggregates does
not depend on that order; only its split between events does. Cumulative sums restart at each period
and add events left to right, so the numbers never depend on where a chunk starts
(:mod:`cyber360.quant.aggregates`).

The work runs block by block (blocks of whole periods, :data:`~cyber360.quant.aggregates.BLOCK_EVENTS`
events or so) so that every intermediate array stays in the processor's cache; since nothing crosses
a period, the block size changes the speed and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cyber360.quant.aggregates import (
    BLOCK_EVENTS,
    Periods,
    annual_aggregate,
    period_blocks,
    periods_of,
)
from cyber360.quant.counts import IntArray
from cyber360.quant.distributions import FloatArray
from cyber360.quant.events import (
    DEFAULT_CHUNK_YEARS,
    EventChunk,
    check_years,
    fill_year_table,
    simulate_events,
)
from cyber360.quant.model import Model
from cyber360.quant.policy import OperatingLoss, Policy, Section
from cyber360.quant.simulate import SimulationResult
from cyber360.quant.streams import block_years_for

BoolArray = npt.NDArray[np.bool_]
BUSINESS_INTERRUPTION = "business_interruption"


def time_factor(driver: FloatArray, terms: OperatingLoss) -> FloatArray:
    """Covered share of each event's BI loss: ``max(0, min(d, P) - W) / d`` (see the module doc)."""
    days = np.asarray(driver, dtype=np.float64)
    wait = terms.waiting_period_hours / 24.0
    if wait == 0.0 and np.isinf(terms.indemnity_period_days):
        return np.ones_like(days)
    covered = np.minimum(days, terms.indemnity_period_days)
    covered -= wait
    np.maximum(covered, 0.0, out=covered)
    with np.errstate(invalid="ignore", divide="ignore"):
        covered /= days
    no_days = ~(days > 0.0)  # zero (or no) degraded-mode days: rare, fixed after the division
    if no_days.any():
        covered[no_days] = np.where(np.isnan(days[no_days]), 1.0, 1.0 if wait == 0.0 else 0.0)
    return covered


def per_claim(loss: FloatArray, deductible: float, limit: float) -> FloatArray:
    """``min(max(loss - deductible, 0), limit)`` per event, as a new array."""
    claims = np.subtract(loss, deductible)
    return np.clip(claims, 0.0, limit, out=claims)


@dataclass(frozen=True)
class NetLosses:
    """Insured (net) loss per event, in the input order, in total and per section (after its share)."""

    net: FloatArray
    sections: dict[str, FloatArray]


def _section_gross(
    name: str, rows: FloatArray, component_names: Sequence[str], bi_factor: FloatArray | None
) -> FloatArray:
    """Ground-up loss of a section; may be a row of ``rows`` itself (never written to)."""
    names = list(component_names)
    chosen = [names.index(c) for c in (names if name == "all" else [name]) if c in names]
    total: FloatArray | None = None
    for index in chosen:
        row = rows[index]
        if names[index] == BUSINESS_INTERRUPTION and bi_factor is not None:
            row = row * bi_factor
        total = row if total is None else total + row
    return np.zeros(rows.shape[1]) if total is None else total


def _insure(section: Section, gross: FloatArray, periods: Periods | None, out: FloatArray) -> None:
    claims = per_claim(gross, section.deductible, section.limit)
    if section.share == 1.0:
        annual_aggregate(claims, periods, section.annual_aggregate_limit, out=out)
    else:
        np.multiply(annual_aggregate(claims, periods, section.annual_aggregate_limit), section.share, out=out)


def _has_aggregates(policy: Policy) -> bool:
    return (
        any(not np.isinf(section.annual_aggregate_limit) for section in policy.sections.values())
        or not np.isinf(policy.annual_aggregate_limit)
        or policy.annual_aggregate_deductible > 0.0
    )


def apply_policy(
    policy: Policy,
    losses: FloatArray,
    component_names: Sequence[str],
    driver: FloatArray,
    period: IntArray,
    *,
    excluded: BoolArray | None = None,
    block_events: int = BLOCK_EVENTS,
) -> NetLosses:
    """Net loss of each event: ``losses[c, e]`` ground-up per component, ``driver[e]`` degraded-mode days
    (NaN if none), ``period[e]`` the aggregation period (year, or any integer key such as group x year),
    ``excluded[e]`` events the policy does not cover. Events are taken in the given order within a period.
    ``block_events`` only sets how many events are worked on at once (speed, never the numbers).
    """
    losses = np.asarray(losses, dtype=np.float64)
    period = np.asarray(period)
    driver = np.asarray(driver, dtype=np.float64)
    excluded = None if excluded is None else np.asarray(excluded, dtype=np.bool_)
    if losses.ndim != 2 or losses.shape[0] != len(component_names):
        raise ValueError("losses must be [components, events] with one row per component name")
    if block_events < 1:
        raise ValueError("block_events must be at least 1")
    n_events = losses.shape[1]
    # without aggregate terms an event's net depends on nothing else: no periods, no sorting
    aggregates = _has_aggregates(policy)
    ordered = not aggregates or n_events < 2 or bool(np.all(period[1:] >= period[:-1]))
    order = None if ordered else np.argsort(period, kind="stable")
    sorted_period = period if order is None else period[order]
    blocks = (
        period_blocks(sorted_period, block_events)
        if aggregates
        else [(start, min(start + block_events, n_events)) for start in range(0, n_events, block_events)]
    )
    terms = policy.operating_loss
    time_terms = BUSINESS_INTERRUPTION in component_names and (
        terms.waiting_period_hours > 0.0 or not np.isinf(terms.indemnity_period_days)
    )
    net = np.empty(n_events)
    sections = {name: np.empty(n_events) for name in policy.sections}
    for start, stop in blocks:
        # sorted input: work on views and write straight into the results; else gather, then scatter
        events: slice | IntArray = slice(start, stop) if order is None else order[start:stop]
        periods = periods_of(sorted_period[start:stop]) if aggregates else None
        rows = losses[:, events]
        if excluded is not None:
            dropped = excluded[events]
            if dropped.any():
                rows = np.where(dropped, 0.0, rows)
        bi_factor = time_factor(driver[events], terms) if time_terms else None
        insured = {
            name: values[events] if order is None else np.empty(stop - start)
            for name, values in sections.items()
        }
        total: FloatArray | None = None
        for name, section in policy.sections.items():
            _insure(section, _section_gross(name, rows, component_names, bi_factor), periods, insured[name])
            total = insured[name] if total is None else total + insured[name]
        assert total is not None  # a policy has at least one section
        block_net = net[events] if order is None else np.empty(stop - start)
        annual_aggregate(
            total,
            periods,
            policy.annual_aggregate_limit,
            policy.annual_aggregate_deductible,
            out=block_net,
        )
        if np.isnan(block_net.sum()):  # NaN in, NaN out would also spoil the next period's first event
            raise ValueError("losses must be numbers: NaN found")
        if order is not None:
            net[events] = block_net
            for name, values in insured.items():
                sections[name][events] = values
    return NetLosses(net, sections)


def excluded_events(policy: Policy, chunk: EventChunk, systemic: BoolArray | None = None) -> BoolArray | None:
    """Events the policy excludes: flagged systemic, or of a listed systemic scenario, if it excludes them."""
    if not policy.exclude_systemic:
        return None
    listed = [i for i, name in enumerate(chunk.scenario_names) if name in policy.systemic_scenarios]
    mask = np.isin(chunk.scenario, listed) if listed else np.zeros(chunk.n_events, dtype=bool)
    return mask if systemic is None else mask | systemic


def net_chunk(policy: Policy, chunk: EventChunk, systemic: BoolArray | None = None) -> FloatArray:
    """Net loss of each event of a chunk, aggregates per simulated year."""
    return apply_policy(
        policy,
        chunk.losses,
        chunk.component_names,
        chunk.driver,
        chunk.year,
        excluded=excluded_events(policy, chunk, systemic),
    ).net


def simulate_net(
    model: Model,
    policy: Policy,
    years: int,
    seed: int,
    *,
    chunk_years: int = DEFAULT_CHUNK_YEARS,
    block_years: int | None = None,
    key_prefix: tuple[int, ...] = (),
) -> SimulationResult:
    """The net (insured) year loss table of a run: the same events as :func:`simulate` with the same
    arguments, the policy applied. Per-component moments are not defined after policy-wide aggregates:
    they are NaN except where a component is its row's whole loss."""
    check_years(years)
    block = block_years or block_years_for(model.expected_events_per_year())
    n_scenarios = len(model.scenarios)
    aggregate = np.zeros((n_scenarios, years))
    total_occurrence = np.zeros(years)
    event_counts = np.zeros(n_scenarios, dtype=np.int64)
    for chunk in simulate_events(
        model, years, seed, chunk_years=chunk_years, block_years=block, key_prefix=key_prefix
    ):
        window = slice(chunk.first_year, chunk.first_year + chunk.n_years)
        occurrence = np.zeros((n_scenarios, chunk.n_years))
        fill_year_table(chunk, aggregate[:, window], occurrence, net_chunk(policy, chunk), zeroed=True)
        total_occurrence[window] = occurrence.max(axis=0)
        event_counts += np.diff(chunk.scenario_offsets)
    moments = np.full((n_scenarios + 1, len(model.component_names), 2), np.nan)
    return SimulationResult(
        model=model,
        years=years,
        seed=seed,
        block_years=block,
        event_counts=event_counts,
        scenario_years=tuple(np.flatnonzero(row) for row in aggregate),
        scenario_aggregate=tuple(row[row != 0.0] for row in aggregate),
        scenario_occurrence=None,
        total_aggregate=aggregate.sum(axis=0),
        total_occurrence=total_occurrence,
        block_moments=moments,
    )
