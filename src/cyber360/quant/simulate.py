"""A whole run: the year loss table per scenario and in total, built block by block in bounded memory.

Memory: the totals (aggregate and occurrence of all scenarios) are dense float64 arrays of ``years``
values; each scenario's annual aggregate is kept sparse, as its years with an event and their losses
(``16 * K`` bytes for ``K`` such years; plus ``8 * K`` when the per-scenario occurrence is kept). Dense
per-scenario ``[scenarios, years]`` arrays are built only when asked for.
Per-component figures are kept as per-block moments only (sum and sum of squared deviations per block
of years), merged at the end in block order, so they too are identical whatever the chunk size."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from cyber360.quant.counts import IntArray
from cyber360.quant.distributions import FloatArray
from cyber360.quant.errors import ModelError
from cyber360.quant.events import DEFAULT_CHUNK_YEARS, check_years, sample_scenario_block
from cyber360.quant.model import Model
from cyber360.quant.streams import block_years_for, check_seed, name_key

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
    scenario_years: tuple[IntArray, ...]  # per scenario: its years with an event, ascending
    scenario_aggregate: tuple[FloatArray, ...]  # per scenario: annual loss of those years
    scenario_occurrence: tuple[FloatArray, ...] | None  # per scenario: largest event of those years
    total_aggregate: FloatArray  # [years]
    total_occurrence: FloatArray  # [years]
    block_moments: FloatArray  # [scenarios + 1, components, 2]: mean and stderr merged from blocks

    @cached_property
    def aggregate(self) -> FloatArray:
        """``[scenarios, years]`` annual loss per scenario, made dense from the sparse years when asked."""
        return self._dense(self.scenario_aggregate)

    @cached_property
    def occurrence(self) -> FloatArray | None:
        """``[scenarios, years]`` largest event per scenario and year, if kept (dense when asked)."""
        return None if self.scenario_occurrence is None else self._dense(self.scenario_occurrence)

    def _dense(self, values: tuple[FloatArray, ...]) -> FloatArray:
        dense = np.zeros((len(values), self.years))
        for row, years, own in zip(dense, self.scenario_years, values, strict=True):
            row[years] = own
        return dense

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
            for c in range(moments.shape[1]):
                if self.is_whole_series(row, c):
                    if row == len(self.model.scenarios):
                        moments[row, c] = annual_moments(self.total_aggregate)
                    else:
                        moments[row, c] = annual_moments(self.scenario_aggregate[row], self.years)
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
    seed = check_seed(seed)
    block = block_years or block_years_for(model.expected_events_per_year())
    if block < 1:
        raise ModelError("block_years", "must be a positive integer")
    if chunk_years < 1:
        raise ModelError("chunk_years", "must be a positive integer")
    chunk = max(1, chunk_years // block) * block  # the chunks of simulate_events, for the same progress
    n_scenarios, components = len(model.scenarios), model.component_names
    n_components = len(components)
    keys = [(*key_prefix, name_key(s.name)) for s in model.scenarios]
    # Each scenario's components as model indices, and its loss rows in model order (the order in which
    # EventChunk.event_loss adds them, so that both give the same annual losses bit for bit).
    indices = [[components.index(name) for name in s.magnitude.component_names] for s in model.scenarios]
    rows = [sorted(range(len(own)), key=own.__getitem__) for own in indices]
    # Per scenario only the years with an event are kept (sparse); the totals are dense.
    years_parts: list[list[IntArray]] = [[] for _ in range(n_scenarios)]
    aggregate_parts: list[list[FloatArray]] = [[] for _ in range(n_scenarios)]
    occurrence_parts: list[list[FloatArray]] = [[] for _ in range(n_scenarios)]
    total_aggregate = np.zeros(years)
    total_occurrence = np.zeros(years)
    event_counts = np.zeros(n_scenarios, dtype=np.int64)
    moments = _BlockMoments((n_scenarios + 1) * n_components)
    for first in range(0, years, chunk):
        n_years = min(chunk, years - first)
        moments.start_chunk(n_years, block)
        # Per component, the chunk's annual loss summed over scenarios (only for multi-component models).
        component_totals = np.zeros((n_components, n_years)) if n_components > 1 else None
        for s, scenario in enumerate(model.scenarios):  # scenarios added to the totals in model order
            cell_years, cell_sums = [], []
            for start in range(first, first + n_years, block):
                length = min(block, first + n_years - start)
                piece = sample_scenario_block(
                    scenario, seed, keys[s], start // block, block, length, with_counts=False
                )
                event_counts[s] += piece.year.size
                if not piece.year.size:
                    continue
                year = piece.year
                starts = np.flatnonzero(year[1:] != year[:-1]) + 1
                starts = np.concatenate([np.zeros(1, dtype=np.int64), starts])
                at = year[starts] + start  # years of the run, ascending
                losses = piece.losses[rows[s]]
                loss = losses[0] if losses.shape[0] == 1 else losses.sum(axis=0)
                sums = np.add.reduceat(loss, starts)
                largest = np.maximum.reduceat(loss, starts)
                total_aggregate[at] += sums
                total_occurrence[at] = np.maximum(total_occurrence[at], largest)
                years_parts[s].append(at)
                aggregate_parts[s].append(sums)
                if keep_scenario_occurrence:
                    occurrence_parts[s].append(largest)
                if component_totals is not None:
                    own = np.add.reduceat(losses, starts, axis=1)  # [own components, cells]
                    cell_years.append(at - first)
                    cell_sums.append(own)
                    for c, row in zip(rows[s], own, strict=True):
                        component_totals[indices[s][c], at - first] += row
            if component_totals is not None and len(indices[s]) > 1:
                chunk_cell_years = _joined(cell_years, np.int64)
                own_sums = np.concatenate(cell_sums, axis=1) if cell_sums else np.empty((len(rows[s]), 0))
                for c, row in zip(rows[s], own_sums, strict=True):
                    moments.add(s * n_components + indices[s][c], row, chunk_cell_years)
        if component_totals is not None:
            for c, row in enumerate(component_totals):
                non_zero = np.flatnonzero(row)
                moments.add(n_scenarios * n_components + c, row[non_zero], non_zero)
        if progress is not None:
            progress(first + n_years, years)
    # A series equal to a kept annual array (is_whole_series) was skipped: measured on demand.
    merged = [moments.merge(i) for i in range((n_scenarios + 1) * n_components)]
    return SimulationResult(
        model=model,
        years=years,
        seed=seed,
        block_years=block,
        event_counts=event_counts,
        scenario_years=tuple(_joined(parts, np.int64) for parts in years_parts),
        scenario_aggregate=tuple(_joined(parts, np.float64) for parts in aggregate_parts),
        scenario_occurrence=(
            tuple(_joined(parts, np.float64) for parts in occurrence_parts)
            if keep_scenario_occurrence
            else None
        ),
        total_aggregate=total_aggregate,
        total_occurrence=total_occurrence,
        block_moments=np.array(merged, dtype=np.float64).reshape(n_scenarios + 1, n_components, 2),
    )


def _joined(parts: list[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype=dtype)


def annual_moments(annual: FloatArray, years: int | None = None) -> tuple[float, float]:
    """Mean of an annual series and its standard error, from its positive years and count of zeros.

    ``annual`` holds every year, or, with ``years``, only some of ``years`` years (the others zero).
    """
    positive = np.extract(annual > 0.0, annual)
    n = annual.size if years is None else years
    mean = float(positive.sum()) / n
    deviations = positive - mean
    squares = float(np.square(deviations, out=deviations).sum()) + (n - positive.size) * mean**2
    return mean, (math.sqrt(squares / (n - 1) / n) if n > 1 else math.nan)
