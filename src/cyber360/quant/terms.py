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
cumulative. Without a simulated time of occurrence, the order within a year is a convention: events
in the order given, stably sorted by year (for an :class:`EventChunk`: scenario order, then draw order).
The year's total after aggregates does not depend on that order; only its split between events does.
Cumulative sums restart at each period and add events left to right, so the numbers never depend on
where a chunk starts (one vectorised step per rank within the year, never a loop per event or year).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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
    with np.errstate(invalid="ignore", divide="ignore"):
        covered = np.maximum(np.minimum(days, terms.indemnity_period_days) - wait, 0.0) / days
    at_zero = 1.0 if wait == 0.0 else 0.0
    factor = np.where(days > 0.0, covered, at_zero)
    return np.asarray(np.where(np.isnan(days), 1.0, factor), dtype=np.float64)


def per_claim(loss: FloatArray, deductible: float, limit: float) -> FloatArray:
    """``min(max(loss - deductible, 0), limit)`` per event."""
    return np.asarray(np.minimum(np.maximum(loss - deductible, 0.0), limit), dtype=np.float64)


def period_groups(period: IntArray) -> tuple[IntArray, IntArray]:
    """(start, length) of each run of equal ``period`` values (events sorted by period)."""
    if period.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    starts = np.concatenate([[0], np.flatnonzero(period[1:] != period[:-1]) + 1]).astype(np.int64)
    lengths = np.diff(np.append(starts, period.size)).astype(np.int64)
    return starts, lengths


def cumulative_in_period(loss: FloatArray, groups: tuple[IntArray, IntArray]) -> FloatArray:
    """Running total of ``loss`` restarting at each period, added left to right within the period.

    One vectorised step per rank within a period (the most events any period holds), so the sums do
    not depend on what precedes the period in the array (a global cumsum would).
    """
    starts, lengths = groups
    total = np.array(loss, dtype=np.float64, copy=True)
    longest = int(lengths.max(initial=0))
    for rank in range(1, longest):
        index = starts[lengths > rank] + rank
        total[index] += total[index - 1]
    return total


def annual_aggregate(
    loss: FloatArray, groups: tuple[IntArray, IntArray], limit: float, deductible: float = 0.0
) -> FloatArray:
    """Each event's part of the period's ``min(max(cumulative - deductible, 0), limit)``, in event order."""
    if np.isinf(limit) and deductible == 0.0:
        return loss
    after = cumulative_in_period(loss, groups)
    before = after - loss
    capped_after = np.minimum(np.maximum(after - deductible, 0.0), limit)
    capped_before = np.minimum(np.maximum(before - deductible, 0.0), limit)
    return np.asarray(np.clip(capped_after - capped_before, 0.0, loss), dtype=np.float64)


@dataclass(frozen=True)
class NetLosses:
    """Insured (net) loss per event, in the input order, in total and per section (after its share)."""

    net: FloatArray
    sections: dict[str, FloatArray]


def _section_loss(
    name: str, losses: FloatArray, component_names: Sequence[str], bi_factor: FloatArray | None
) -> FloatArray:
    names = list(component_names) if name == "all" else [name]
    total = np.zeros(losses.shape[1])
    for component in names:
        if component not in component_names:
            continue  # a section whose component is not modelled covers nothing
        row = losses[list(component_names).index(component)]
        total += row * bi_factor if component == BUSINESS_INTERRUPTION and bi_factor is not None else row
    return total


def _apply_section(section: Section, gross: FloatArray, groups: tuple[IntArray, IntArray]) -> FloatArray:
    claims = per_claim(gross, section.deductible, section.limit)
    return annual_aggregate(claims, groups, section.annual_aggregate_limit) * section.share


def apply_policy(
    policy: Policy,
    losses: FloatArray,
    component_names: Sequence[str],
    driver: FloatArray,
    period: IntArray,
    *,
    excluded: BoolArray | None = None,
) -> NetLosses:
    """Net loss of each event: ``losses[c, e]`` ground-up per component, ``driver[e]`` degraded-mode days
    (NaN if none), ``period[e]`` the aggregation period (year, or any integer key such as group x year),
    ``excluded[e]`` events the policy does not cover. Events are taken in the given order within a period.
    """
    losses = np.asarray(losses, dtype=np.float64)
    period = np.asarray(period)
    if losses.ndim != 2 or losses.shape[0] != len(component_names):
        raise ValueError("losses must be [components, events] with one row per component name")
    n_events = losses.shape[1]
    ordered = n_events < 2 or bool(np.all(period[1:] >= period[:-1]))
    order = None if ordered else np.argsort(period, kind="stable")
    if order is not None:
        losses, period, driver = losses[:, order], period[order], np.asarray(driver)[order]
        excluded = None if excluded is None else excluded[order]
    if excluded is not None and excluded.any():
        losses = np.where(excluded, 0.0, losses)
    groups = period_groups(period)
    bi_factor = (
        time_factor(driver, policy.operating_loss) if BUSINESS_INTERRUPTION in component_names else None
    )
    sections = {
        name: _apply_section(section, _section_loss(name, losses, component_names, bi_factor), groups)
        for name, section in policy.sections.items()
    }
    total = np.sum(list(sections.values()), axis=0) if sections else np.zeros(n_events)
    net = annual_aggregate(total, groups, policy.annual_aggregate_limit, policy.annual_aggregate_deductible)
    if order is not None:
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        net = net[inverse]
        sections = {name: values[inverse] for name, values in sections.items()}
    return NetLosses(np.asarray(net, dtype=np.float64), sections)


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
