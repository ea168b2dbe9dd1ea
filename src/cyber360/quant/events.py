"""Compound frequency-severity Monte Carlo by chunks of events, reproducible bit for bit.

The simulated years are cut into fixed *blocks* (``BLOCK_YEARS``); every random number of a block comes
from streams keyed by (seed, scenario, block, role), see :mod:`cyber360.quant.streams`. A *chunk* is a
run of whole blocks that is held in memory at once. Since no stream crosses a block boundary, the chunk
size changes memory use and nothing else; and since each stream is consumed in year then event order,
a run of N years is exactly the first N years of any longer run with the same seed.

Two views of a chunk are offered:

- :class:`EventChunk`, the event loss table (ELT/PLT in Oasis terms): one row per event with its year,
  scenario, loss per component and driver value. Insurance terms apply per event on this table.
- :class:`YearTable`, per year and scenario: event count, annual sum (aggregate) and largest event
  (occurrence); :func:`year_table` builds it from any per-event losses, ground-up or insured.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cyber360.quant.counts import IntArray
from cyber360.quant.distributions import FloatArray
from cyber360.quant.errors import ModelError
from cyber360.quant.model import Model, Scenario

# The per-block kernel moved to sampling.py; re-exported where it used to live.
from cyber360.quant.sampling import THINNING_MAX_RATE as THINNING_MAX_RATE
from cyber360.quant.sampling import ScenarioEvents as ScenarioEvents
from cyber360.quant.sampling import sample_scenario_block as sample_scenario_block
from cyber360.quant.sampling import zero_count_bound as zero_count_bound
from cyber360.quant.streams import block_years_for, check_seed, name_key

#: Default years per chunk (rounded to whole blocks): about 2 MB per scenario and per-year array. Small
#: chunks let the allocator reuse memory from chunk to chunk instead of mapping (and zeroing) new pages.
DEFAULT_CHUNK_YEARS = 1 << 18
ScenarioIndex = npt.NDArray[np.int32]


@dataclass(frozen=True)
class EventChunk:
    """The events of years ``first_year`` .. ``first_year + n_years - 1``, sorted by scenario then year."""

    first_year: int
    n_years: int
    scenario_names: tuple[str, ...]
    component_names: tuple[str, ...]
    counts: IntArray  # [scenarios, years] events per scenario and year
    year: IntArray  # [events] year index within the run
    scenario: ScenarioIndex  # [events] index into scenario_names
    losses: FloatArray  # [components, events] ground-up loss per component (0 where not modelled)
    driver: FloatArray  # [events] driver value (e.g. degraded-mode days); NaN where no driver
    scenario_offsets: IntArray  # [scenarios + 1] scenario s's events are [offsets[s], offsets[s + 1])

    @property
    def n_events(self) -> int:
        return int(self.year.size)

    def events_of(self, scenario: int) -> slice:
        """The slice of the event arrays holding one scenario's events (in year order)."""
        return slice(int(self.scenario_offsets[scenario]), int(self.scenario_offsets[scenario + 1]))

    def event_loss(self) -> FloatArray:
        """Ground-up loss of each event, all components together (components added in order)."""
        if self.losses.shape[0] == 1:
            return np.asarray(self.losses[0], dtype=np.float64)
        return np.asarray(self.losses.sum(axis=0), dtype=np.float64)

    def cell_groups(self) -> tuple[IntArray, IntArray]:
        """(first event, cell) of each non-empty (scenario, year) cell, cell = scenario * n_years + year.

        The events are sorted by (scenario, year), so each cell's events are contiguous; grouped
        reductions (``reduceat``) over these starts cost O(events), not O(scenarios x years).
        """
        cell = self.scenario.astype(np.int64) * self.n_years + (self.year - self.first_year)
        if cell.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        starts = np.flatnonzero(cell[1:] != cell[:-1]) + 1
        starts = np.concatenate([np.zeros(1, dtype=np.int64), starts])
        return starts, cell[starts]

    def component_loss(self, component: str) -> FloatArray:
        """Loss of each event for one component."""
        return np.asarray(self.losses[self.component_names.index(component)], dtype=np.float64)


def check_years(years: object) -> int:
    """The number of years to simulate, or a :class:`ModelError` if it is not a positive integer."""
    if isinstance(years, bool) or not isinstance(years, int | np.integer) or years < 1:
        raise ModelError("years", "must be a positive integer")
    return int(years)


def simulate_events(
    model: Model,
    years: int,
    seed: int,
    *,
    chunk_years: int = DEFAULT_CHUNK_YEARS,
    block_years: int | None = None,
    key_prefix: tuple[int, ...] = (),
) -> Iterator[EventChunk]:
    """Yield the event table chunk by chunk: whole blocks per chunk, the last chunk possibly shorter.

    Each scenario draws from streams keyed by ``key_prefix + (name_key(scenario name),)``: a portfolio
    gives each establishment its own prefix, e.g. ``(name_key(establishment_id),)``.
    """
    seed = check_seed(seed)
    check_years(years)
    block = block_years or block_years_for(model.expected_events_per_year())
    if block < 1:
        raise ModelError("block_years", "must be a positive integer")
    if chunk_years < 1:
        raise ModelError("chunk_years", "must be a positive integer")
    chunk = max(1, chunk_years // block) * block
    keys = [(*key_prefix, name_key(s.name)) for s in model.scenarios]
    components = model.component_names
    for first in range(0, years, chunk):
        n_years = min(chunk, years - first)
        counts = np.empty((len(model.scenarios), n_years), dtype=np.int64)
        parts = [
            _scenario_chunk(s, seed, k, first, n_years, block, counts[i])
            for i, (s, k) in enumerate(zip(model.scenarios, keys, strict=True))
        ]
        yield _assemble(components, model, first, n_years, parts, counts)


def _scenario_chunk(
    scenario: Scenario,
    seed: int,
    key: tuple[int, ...],
    first: int,
    n_years: int,
    block: int,
    counts: IntArray,
) -> ScenarioEvents:
    """One scenario's events over a chunk of whole blocks; its per-year counts are written into ``counts``."""
    pieces = []
    for start in range(first, first + n_years, block):
        length = min(block, first + n_years - start)
        piece = sample_scenario_block(scenario, seed, key, start // block, block, length)
        counts[start - first : start - first + length] = piece.counts
        pieces.append((start - first, piece))
    if len(pieces) == 1:
        return pieces[0][1]
    driver = None
    if scenario.magnitude.driver is not None:
        driver = np.concatenate([p.driver for _, p in pieces if p.driver is not None])
    return ScenarioEvents(
        counts=counts,
        year=np.concatenate([p.year + offset for offset, p in pieces]),
        losses=np.concatenate([p.losses for _, p in pieces], axis=1),
        driver=driver,
    )


def _assemble(
    component_names: tuple[str, ...],
    model: Model,
    first: int,
    n_years: int,
    parts: list[ScenarioEvents],
    counts: IntArray,
) -> EventChunk:
    sizes = [p.year.size for p in parts]
    n_events = sum(sizes)
    losses = np.zeros((len(component_names), n_events))
    driver = np.full(n_events, np.nan)
    start = 0
    for scenario, part, size in zip(model.scenarios, parts, sizes, strict=True):
        stop = start + size
        for row, name in zip(part.losses, scenario.magnitude.component_names, strict=True):
            losses[component_names.index(name), start:stop] = row
        if part.driver is not None:
            driver[start:stop] = part.driver
        start = stop
    return EventChunk(
        first_year=first,
        n_years=n_years,
        scenario_names=model.scenario_names,
        component_names=component_names,
        counts=counts,
        year=np.concatenate([p.year for p in parts]) + first,
        scenario=np.repeat(np.arange(len(parts), dtype=np.int32), sizes),
        losses=losses,
        driver=driver,
        scenario_offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
    )


@dataclass(frozen=True)
class YearTable:
    """Per year and scenario of a chunk: event count, annual sum (aggregate), largest event (occurrence)."""

    first_year: int
    n_years: int
    counts: IntArray  # [scenarios, years]
    aggregate: FloatArray  # [scenarios, years] sum of the year's event losses
    occurrence: FloatArray  # [scenarios, years] the year's largest event loss (0 without event)

    @property
    def total_aggregate(self) -> FloatArray:
        """All scenarios' losses of each year (scenarios added in model order)."""
        return np.asarray(self.aggregate.sum(axis=0), dtype=np.float64)

    @property
    def total_occurrence(self) -> FloatArray:
        """The largest single event of each year, any scenario."""
        return np.asarray(self.occurrence.max(axis=0), dtype=np.float64)


def year_table(
    chunk: EventChunk,
    event_loss: FloatArray | None = None,
    groups: tuple[IntArray, IntArray] | None = None,
) -> YearTable:
    """Aggregate per-event losses (ground-up by default, or e.g. insured) to years, in O(events).

    Each non-empty (scenario, year) cell's events are contiguous, so ``add.reduceat`` sums them and
    ``maximum.reduceat`` finds the largest; ``groups`` (from :meth:`EventChunk.cell_groups`) may be
    passed in when several loss columns of the same chunk are aggregated.
    """
    n_scenarios, n_years = chunk.counts.shape
    aggregate = np.empty((n_scenarios, n_years))
    occurrence = np.empty((n_scenarios, n_years))
    fill_year_table(chunk, aggregate, occurrence, event_loss, groups)
    return YearTable(chunk.first_year, n_years, chunk.counts, aggregate, occurrence)


def fill_year_table(
    chunk: EventChunk,
    aggregate: FloatArray,
    occurrence: FloatArray,
    event_loss: FloatArray | None = None,
    groups: tuple[IntArray, IntArray] | None = None,
    *,
    zeroed: bool = False,
) -> None:
    """:func:`year_table` writing into given ``[scenarios, years]`` arrays (e.g. views of a run's result).

    Only the non-empty cells are written when ``zeroed`` says the arrays already hold zeros.
    """
    losses = chunk.event_loss() if event_loss is None else np.asarray(event_loss, dtype=np.float64)
    if losses.shape != (chunk.n_events,):
        raise ValueError(f"event_loss must hold one value per event ({chunk.n_events}), not {losses.shape}")
    starts, cells = chunk.cell_groups() if groups is None else groups
    if not zeroed:
        aggregate[...] = 0.0
        occurrence[...] = 0.0
    if not starts.size:
        return
    sums = np.add.reduceat(losses, starts)
    largest = np.maximum.reduceat(losses, starts)
    n_years = chunk.n_years
    bounds = np.searchsorted(cells, np.arange(aggregate.shape[0] + 1) * n_years)
    for s in range(aggregate.shape[0]):  # one contiguous row per scenario: 1-D scatter is fastest
        own = slice(int(bounds[s]), int(bounds[s + 1]))
        years = cells[own] - s * n_years
        aggregate[s][years] = sums[own]
        occurrence[s][years] = largest[own]
