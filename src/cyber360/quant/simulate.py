"""A whole run: the year loss table per scenario and in total, built chunk by chunk in bounded memory.

Memory: the result holds float64 arrays of ``years`` values: the aggregate per scenario and in total,
and the occurrence in total, i.e. ``8 * years * (scenarios + 2)`` bytes (plus ``8 * years * scenarios``
when the per-scenario occurrence is kept); a chunk adds its own events and per-year tables on top.
Per-component figures are kept as per-block moments only (sum and sum of squared deviations per block
of years), merged at the end in block order, so they too are identical whatever the chunk size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

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
from cyber360.quant.streams import block_years_for

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SimulationResult:
    """What a run leaves: per simulated year, per scenario and in total, the aggregate and the occurrence.

    ``component_mean[s, c]`` is scenario ``s``'s average annual loss on component ``c`` and
    ``component_stderr[s, c]`` its Monte Carlo standard error; the last row (index ``len(scenarios)``)
    is the total over scenarios. Where a component is its row's whole loss, its figures are measured on
    the kept annual array when first asked for, not during the run.
    """

    model: Model
    years: int
    seed: int
    block_years: int
    event_counts: IntArray  # [scenarios] events simulated over the run
    aggregate: FloatArray  # [scenarios, years] annual loss
    occurrence: FloatArray | None  # [scenarios, years] largest event of the year, if kept
    total_aggregate: FloatArray  # [years]
    total_occurrence: FloatArray  # [years]
    block_moments: FloatArray  # [scenarios + 1, components, 2]: mean and stderr merged from blocks

    @property
    def scenario_names(self) -> tuple[str, ...]:
        return self.model.scenario_names

    @property
    def component_names(self) -> tuple[str, ...]:
        return self.model.component_names

    def is_whole_series(self, row: int, component: int) -> bool:
        """Whether a component's annual loss is its row's whole annual loss (scenario ``row``, or the
        total for ``row == len(scenarios)``): then its figures are those of the aggregate itself."""
        if row == len(self.model.scenarios):
            return len(self.model.component_names) == 1
        return self.model.scenarios[row].magnitude.component_names == (self.component_names[component],)

    @cached_property
    def _component_moments(self) -> FloatArray:
        moments = self.block_moments.copy()
        for row in range(moments.shape[0]):
            series = self.total_aggregate if row == len(self.model.scenarios) else self.aggregate[row]
            for c in range(moments.shape[1]):
                if self.is_whole_series(row, c):
                    moments[row, c] = annual_moments(series)
        return moments

    @property
    def component_mean(self) -> FloatArray:
        """``[scenarios + 1, components]`` average annual loss per component (last row: total)."""
        return np.asarray(self._component_moments[..., 0], dtype=np.float64)

    @property
    def component_stderr(self) -> FloatArray:
        """``[scenarios + 1, components]`` Monte Carlo standard error of :attr:`component_mean`."""
        return np.asarray(self._component_moments[..., 1], dtype=np.float64)


class _BlockMoments:
    """Per-block sums and squared deviations of annual series, merged exactly at the end.

    A series is given sparsely, by its non-zero years only, so the work is O(events), not O(years).
    """

    def __init__(self, n_series: int) -> None:
        self._sums: list[list[FloatArray]] = [[] for _ in range(n_series)]
        self._squares: list[list[FloatArray]] = [[] for _ in range(n_series)]
        self._lengths: list[FloatArray] = []

    def start_chunk(self, n_years: int, block: int) -> None:
        starts = np.arange(0, n_years, block)
        self._lengths.append(np.diff(np.append(starts, n_years)).astype(np.float64))
        self._block = block

    def add(self, series: int, values: FloatArray, years: IntArray) -> None:
        """One chunk of a series: ``values`` of its non-zero years ``years`` (chunk-relative, ascending)."""
        lengths = self._lengths[-1]
        block_of = years // self._block
        sums = np.bincount(block_of, weights=values, minlength=lengths.size)
        means = sums / lengths
        deviation = values - means[block_of]
        zeros = lengths - np.bincount(block_of, minlength=lengths.size)
        squares = (
            np.bincount(block_of, weights=deviation * deviation, minlength=lengths.size) + zeros * means**2
        )
        self._sums[series].append(np.asarray(sums, dtype=np.float64))
        self._squares[series].append(np.asarray(squares, dtype=np.float64))

    def merge(self, series: int) -> tuple[float, float]:
        """Mean over all years and its standard error (Chan et al. merge of the block moments)."""
        if not self._sums[series]:
            return 0.0, 0.0
        lengths = np.concatenate(self._lengths)
        sums = np.concatenate(self._sums[series])
        squares = np.concatenate(self._squares[series])
        n = float(lengths.sum())
        mean = float(sums.sum() / n)
        m2 = float(squares.sum() + np.sum(lengths * (sums / lengths - mean) ** 2))
        stderr = math.sqrt(m2 / (n - 1.0) / n) if n > 1 else math.nan
        return mean, stderr


def simulate(
    model: Model,
    years: int,
    seed: int,
    *,
    chunk_years: int = DEFAULT_CHUNK_YEARS,
    block_years: int | None = None,
    progress: Progress | None = None,
    keep_scenario_occurrence: bool = False,
    key_prefix: tuple[int, ...] = (),
) -> SimulationResult:
    """Simulate ``years`` years of ``model`` with ``seed``; ``progress(done, years)`` after each chunk.

    The per-scenario occurrence (largest event per scenario and year) is kept only on request: it costs
    as much memory as the per-scenario aggregate, and the total's occurrence is always kept.
    ``key_prefix`` selects independent streams, e.g. one per establishment (see :func:`simulate_events`).
    """
    check_years(years)
    block = block_years or block_years_for(model.expected_events_per_year())
    n_scenarios, n_components = len(model.scenarios), len(model.component_names)
    aggregate = np.zeros((n_scenarios, years))
    occurrence = np.empty((n_scenarios, years)) if keep_scenario_occurrence else None
    chunk_occurrence = np.empty((n_scenarios, 0))
    total_aggregate = np.empty(years)
    total_occurrence = np.empty(years)
    event_counts = np.zeros(n_scenarios, dtype=np.int64)
    moments = _BlockMoments((n_scenarios + 1) * n_components)
    for chunk in simulate_events(
        model, years, seed, chunk_years=chunk_years, block_years=block, key_prefix=key_prefix
    ):
        groups = chunk.cell_groups()
        window = slice(chunk.first_year, chunk.first_year + chunk.n_years)
        if chunk_occurrence.shape[1] < chunk.n_years:
            chunk_occurrence = np.empty((n_scenarios, chunk.n_years))  # reused from chunk to chunk
        scenario_occurrence = chunk_occurrence[:, : chunk.n_years]
        scenario_occurrence[...] = 0.0
        fill_year_table(chunk, aggregate[:, window], scenario_occurrence, groups=groups, zeroed=True)
        np.sum(aggregate[:, window], axis=0, out=total_aggregate[window])
        np.max(scenario_occurrence, axis=0, out=total_occurrence[window])
        if occurrence is not None:
            occurrence[:, window] = scenario_occurrence
        event_counts += np.diff(chunk.scenario_offsets)
        moments.start_chunk(chunk.n_years, block)
        _add_component_moments(moments, model, chunk, groups)
        if progress is not None:
            progress(chunk.first_year + chunk.n_years, years)
    # A series equal to a kept annual array (is_whole_series) was skipped: measured on demand.
    merged = [moments.merge(i) for i in range((n_scenarios + 1) * n_components)]
    return SimulationResult(
        model=model,
        years=years,
        seed=seed,
        block_years=block,
        event_counts=event_counts,
        aggregate=aggregate,
        occurrence=occurrence,
        total_aggregate=total_aggregate,
        total_occurrence=total_occurrence,
        block_moments=np.array(merged, dtype=np.float64).reshape(n_scenarios + 1, n_components, 2),
    )


def _add_component_moments(
    moments: _BlockMoments,
    model: Model,
    chunk: EventChunk,
    groups: tuple[IntArray, IntArray],
) -> None:
    """Annual loss per (scenario, component) and per component in total, reduced to block moments."""
    starts, cells = groups
    n_years, n_components = chunk.n_years, len(chunk.component_names)
    scenario_of_cell = cells // n_years
    year_of_cell = cells % n_years
    bounds = np.searchsorted(scenario_of_cell, np.arange(len(model.scenarios) + 1))
    if n_components == 1:
        return  # every series is a kept annual array (scenario or total aggregate): see simulate()
    for c, name in enumerate(chunk.component_names):
        cell_sums = np.add.reduceat(chunk.losses[c], starts) if starts.size else np.empty(0)
        for s, scenario in enumerate(model.scenarios):
            names = scenario.magnitude.component_names
            if name in names and len(names) > 1:
                own = slice(int(bounds[s]), int(bounds[s + 1]))
                moments.add(s * n_components + c, cell_sums[own], year_of_cell[own])
        total = np.asarray(np.bincount(year_of_cell, weights=cell_sums, minlength=n_years), dtype=np.float64)
        non_zero = np.flatnonzero(total)
        moments.add(len(model.scenarios) * n_components + c, total[non_zero], non_zero)


def annual_moments(annual: FloatArray) -> tuple[float, float]:
    """Mean of an annual series and its standard error, from its positive years and count of zeros."""
    positive = annual[annual > 0.0]
    n = annual.size
    mean = float(positive.sum()) / n
    squares = float(np.sum((positive - mean) ** 2)) + (n - positive.size) * mean**2
    return mean, (math.sqrt(squares / (n - 1) / n) if n > 1 else math.nan)
