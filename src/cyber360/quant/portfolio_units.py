"""One work unit of a portfolio run: a few consecutive groups over a chunk of whole blocks of years.

A unit receives only its own groups and their risks (:class:`UnitInputs`), so a Dask task carries its
share of the portfolio and starts at once. The unit draws every event of its groups' risks (own
scenarios, shared-IS shocks, supplier events, the systemic wave), applies each group's policy per event
and per year, and reduces the events to per-year sums before it returns: ``[groups, years]`` and
``[labels, years]`` sums, never the event table (on Dask the per-label sums are added up on the
workers, see :mod:`cyber360.quant.portfolio_dask`).

Every number comes from streams keyed by the seed, the risk (or group, or supplier) and the block, see
:mod:`cyber360.quant.portfolio` for the layout; a unit's result depends on nothing else, so any worker
may compute it.
"""

from __future__ import annotations

import itertools
import pickle
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from cyber360.quant.counts import IntArray
from cyber360.quant.distributions import FloatArray
from cyber360.quant.model import Magnitude, Model
from cyber360.quant.sampling import sample_magnitude, sample_scenario_block
from cyber360.quant.streams import name_key, stream
from cyber360.quant.terms import apply_policy

if TYPE_CHECKING:
    from cyber360.quant.portfolio import Group, Risk, Supplier, SystemicWave

SUPPLIER_LABEL = "common_supplier"
WAVE_LABEL = "systemic_wave"
SUPPLIER_KEY = name_key("portfolio:supplier")  # the supplier's events (block-level)
SUPPLIER_EVENTS_KEY = name_key("portfolio:supplier_events")  # a client's losses from them
WAVE_KEY = name_key("portfolio:systemic_wave")
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class UnitLosses:
    """A unit's annual losses (gross or net) over its chunk of years."""

    by_group: FloatArray  # [unit's groups, years] each group's annual loss
    by_label: FloatArray  # [labels, years] annual loss per scenario label, the unit's events in order
    occurrence: FloatArray  # [years] largest loss of one risk's (or one group's) own event
    common: FloatArray  # [common events of the chunk] the unit's part of each supplier event and wave


UnitResult = tuple[UnitLosses, UnitLosses]  # gross, net


def without_labels(result: UnitResult) -> UnitResult:
    """The result without its ``[labels, years]`` sums (what a worker ships to the driver on Dask)."""
    gross, net = (UnitLosses(p.by_group, p.by_label[:, :0], p.occurrence, p.common) for p in result)
    return gross, net


def add_labels(
    earlier: tuple[FloatArray, FloatArray] | None, result: UnitResult
) -> tuple[FloatArray, FloatArray]:
    """The per-label sums of a chunk's units so far, this unit's added (gross, net): the driver's
    left-to-right sum in unit order, done where the data are."""
    if earlier is None:
        return result[0].by_label.copy(), result[1].by_label.copy()
    return earlier[0] + result[0].by_label, earlier[1] + result[1].by_label


@dataclass(frozen=True)
class UnitInputs:
    """What one work unit needs of the portfolio: its groups with their risks, and what all share."""

    groups: tuple[Group, ...]  # the unit's groups, in portfolio order
    members: tuple[tuple[Risk, ...], ...]  # each group's risks, in input order
    suppliers: tuple[Supplier, ...]
    wave: SystemicWave | None
    supplier_scenario: str
    block_years: int
    labels: tuple[str, ...]  # the portfolio's scenario labels (rows of ``by_label``)
    components: tuple[str, ...]  # the portfolio's components (rows of the event table)


@dataclass(frozen=True)
class CommonEvents:
    """The events of one block that hit many risks at once, in their common-event order."""

    supplier: IntArray  # [supplier events] supplier index (suppliers in order, then year)
    supplier_year: IntArray  # [supplier events] year within the block
    wave_year: IntArray  # [wave years] years of a systemic wave within the block

    @property
    def size(self) -> int:
        return int(self.supplier.size + self.wave_year.size)


def common_events(
    suppliers: tuple[Supplier, ...],
    wave: SystemicWave | None,
    block_years: int,
    seed: int,
    block: int,
    length: int,
) -> CommonEvents:
    """The supplier events and wave years among the first ``length`` years of one block."""
    indices, years = [], []
    for index, supplier in enumerate(suppliers):
        generator = stream(seed, SUPPLIER_KEY, name_key(supplier.key), block)
        drawn = np.sort(
            generator.integers(0, block_years, size=generator.poisson(supplier.rate * block_years))
        )
        drawn = drawn[drawn < length]
        indices.append(np.full(drawn.size, index, dtype=np.int64))
        years.append(drawn)
    wave_years = np.empty(0, dtype=np.int64)
    if wave is not None:
        hits = stream(seed, WAVE_KEY, block).random(block_years) < wave.probability
        wave_years = np.flatnonzero(hits[:length])
    empty = [np.empty(0, dtype=np.int64)]
    return CommonEvents(np.concatenate(indices or empty), np.concatenate(years or empty), wave_years)


@dataclass
class _EventTable:
    """The unit's events, appended part by part (one risk's scenario, one block), then joined."""

    components: tuple[str, ...]
    parts: list[tuple[IntArray, int, list[int], FloatArray, FloatArray | None, IntArray | None, bool]] = (
        field(default_factory=list)
    )
    size: int = 0

    def add(
        self,
        year: IntArray,
        label: int,
        magnitude: Magnitude,
        losses: FloatArray,
        driver: FloatArray | None,
        common: IntArray | None = None,
        systemic: bool = False,
    ) -> None:
        if year.size:
            rows = [self.components.index(name) for name in magnitude.component_names]
            self.parts.append((year, label, rows, losses, driver, common, systemic))
            self.size += int(year.size)

    def join(self) -> tuple[IntArray, IntArray, FloatArray, FloatArray, IntArray, BoolArray]:
        """(year, label, losses[components, events], driver (NaN if none), common (-1 if own), systemic)."""
        n = self.size
        year, label = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        losses, driver = np.zeros((len(self.components), n)), np.full(n, np.nan)
        common, systemic = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=bool)
        start = 0
        for part_year, part_label, rows, part_losses, part_driver, part_common, part_systemic in self.parts:
            events = slice(start, start + part_year.size)
            year[events], label[events] = part_year, part_label
            for row, values in zip(rows, part_losses, strict=True):
                losses[row, events] = values
            if part_driver is not None:
                driver[events] = part_driver
            if part_common is not None:
                common[events] = part_common
            systemic[events] = part_systemic
            start = events.stop
        return year, label, losses, driver, common, systemic


def _magnitude_of(model: Model, scenario: str) -> Magnitude:
    return model.scenarios[model.scenario_names.index(scenario)].magnitude


def _group_block(
    unit: UnitInputs,
    group: int,
    seed: int,
    block: int,
    offset: int,
    length: int,
    common: CommonEvents,
    first_common: int,
    table: _EventTable,
) -> None:
    """One group's events in the first ``length`` years of a block, years shifted by ``offset``: its risks'
    own scenarios, its shared-IS shocks, then each risk's supplier events and wave hits."""
    label_of = {name: i for i, name in enumerate(unit.labels)}
    risks = unit.members[group]
    sources = [(name_key(risk.key), risk.model) for risk in risks]
    shared = unit.groups[group].shared
    if shared is not None:
        sources.append((name_key("group:" + unit.groups[group].key), shared))
    for prefix, model in sources:
        for scenario in model.scenarios:
            key = (prefix, name_key(scenario.name))
            part = sample_scenario_block(
                scenario, seed, key, block, unit.block_years, length, with_counts=False
            )
            table.add(
                part.year + offset, label_of[scenario.name], scenario.magnitude, part.losses, part.driver
            )
    supplier_bounds = np.searchsorted(common.supplier, np.arange(len(unit.suppliers) + 1))
    for risk in risks:
        prefix = name_key(risk.key)
        for supplier in dict.fromkeys(risk.suppliers):
            chosen = np.arange(supplier_bounds[supplier], supplier_bounds[supplier + 1])
            if chosen.size:
                magnitude = _magnitude_of(risk.model, unit.supplier_scenario)
                own = (prefix, SUPPLIER_EVENTS_KEY, name_key(unit.suppliers[supplier].key))
                losses, driver = sample_magnitude(magnitude, seed, own, block, chosen.size)
                year = common.supplier_year[chosen] + offset
                table.add(year, label_of[SUPPLIER_LABEL], magnitude, losses, driver, chosen + first_common)
        if unit.wave is not None and common.wave_year.size:
            hit_draws = stream(seed, prefix, WAVE_KEY, block).random(common.wave_year.size)
            hit = np.flatnonzero(hit_draws < unit.wave.share)
            if hit.size:
                magnitude = _magnitude_of(risk.model, unit.wave.scenario)
                losses, driver = sample_magnitude(magnitude, seed, (prefix, WAVE_KEY), block, hit.size)
                number = hit + first_common + common.supplier.size
                label = label_of[WAVE_LABEL]
                table.add(common.wave_year[hit] + offset, label, magnitude, losses, driver, number, True)


def run_pickled_unit(payload: bytes, seed: int, first: int, n_years: int) -> UnitResult:
    """:func:`run_unit` on a Dask worker, its inputs pickled by the run's driver (never data from
    elsewhere): the scheduler then handles bytes, not a tree of models."""
    unit: UnitInputs = pickle.loads(payload)  # noqa: S301
    return run_unit(unit, seed, first, n_years)


def run_unit(unit: UnitInputs, seed: int, first: int, n_years: int) -> UnitResult:
    """Gross and net annual losses of one unit's groups over years ``first .. first + n_years - 1``
    (whole blocks; the last block of a run may be partial)."""
    block_years = unit.block_years
    blocks = [
        (start // block_years, start - first, min(block_years, first + n_years - start))
        for start in range(first, first + n_years, block_years)
    ]
    commons = [common_events(unit.suppliers, unit.wave, block_years, seed, b, n) for b, _, n in blocks]
    first_commons = np.concatenate([[0], np.cumsum([c.size for c in commons])]).tolist()
    table = _EventTable(unit.components)
    bounds = [0]
    for index in range(len(unit.groups)):
        for (block, offset, length), common, first_common in zip(
            blocks, commons, first_commons, strict=False
        ):
            _group_block(unit, index, seed, block, offset, length, common, first_common, table)
        bounds.append(table.size)
    year, label, losses, driver, common_index, systemic = table.join()
    gross = losses[0].copy() if losses.shape[0] == 1 else losses.sum(axis=0)
    group_of = np.repeat(np.arange(len(unit.groups)), np.diff(bounds))
    net = np.zeros_like(gross)
    # Consecutive groups under the same policy in one call, aggregated per (group, year): the same numbers
    # as one call per group (aggregates restart at each period), for fewer, larger calls.
    period = group_of * n_years + year
    for policy, runs in itertools.groupby(
        zip(unit.groups, itertools.pairwise(bounds), strict=True), key=lambda item: item[0].policy
    ):
        spans = [span for _, span in runs]
        events = slice(spans[0][0], spans[-1][1])
        if policy is not None and events.stop > events.start:
            net[events] = apply_policy(
                policy,
                losses[:, events],
                unit.components,
                driver[events],
                period[events],
                excluded=systemic[events],
            ).net
    n_common = int(first_commons[-1])
    reduce = _Reduction(
        year, label, group_of, common_index, n_years, len(unit.groups), len(unit.labels), n_common
    )
    return reduce(gross), reduce(net)


class _Reduction:
    """Per-year sums of any per-event loss column of a unit, in O(events); each sum adds in event order."""

    def __init__(
        self,
        year: IntArray,
        label: IntArray,
        group: IntArray,
        common: IntArray,
        n_years: int,
        n_groups: int,
        n_labels: int,
        n_common: int,
    ) -> None:
        self.n_years, self.n_groups, self.n_labels, self.n_common = n_years, n_groups, n_labels, n_common
        self.own = np.flatnonzero(common < 0)
        self.shared = np.flatnonzero(common >= 0)
        self.own_year, self.common = year[self.own], common[self.shared]
        self.group_bins = group * n_years + year
        self.label_bins = label * n_years + year

    def __call__(self, values: FloatArray) -> UnitLosses:
        n = self.n_years
        occurrence = np.zeros(n)
        np.maximum.at(occurrence, self.own_year, values[self.own])
        return UnitLosses(
            by_group=_sums(self.group_bins, values, self.n_groups * n).reshape(self.n_groups, n),
            by_label=_sums(self.label_bins, values, self.n_labels * n).reshape(self.n_labels, n),
            occurrence=occurrence,
            common=_sums(self.common, values[self.shared], self.n_common),
        )


def _sums(bins: IntArray, values: FloatArray, size: int) -> FloatArray:
    """``values`` added per bin (``size`` bins), each bin's values in their order."""
    return np.asarray(np.bincount(bins, values, minlength=size), dtype=np.float64)
