"""A portfolio of many risks in many groups with correlated events, gross and net, locally or on Dask.

Inputs are plain: each :class:`Risk` (an establishment) has its own :class:`Model`, the index of its
:class:`Group` (a GHT, with its policy and the common-shock model of its shared information system) and
the indices of the :class:`Supplier` s it uses. Events of a risk, in one simulated year:

- its own scenarios, streams keyed ``(seed, name_key(risk key), name_key(scenario), block, role)``,
  exactly those of ``simulate(model, key_prefix=(name_key(risk key),))``;
- its group's shared-IS shocks (one event hitting the whole group, magnitude already summed by the
  caller, e.g. ``risk.build_ght_model``), keyed by ``name_key("group:" + group key)``;
- each event of each of its suppliers: supplier events are drawn once for the portfolio (Poisson at the
  supplier's rate, key ``("portfolio:supplier", supplier key, block)``) and hit every client in the same
  year, each client's loss drawn from its own ``supplier_scenario`` magnitude (key ``(risk,
  "portfolio:supplier_events", supplier, block, role)``);
- the systemic wave: in a year drawn with probability ``wave.probability`` (key
  ``("portfolio:systemic_wave", block)``) each risk is hit independently with probability
  ``wave.share``, its loss drawn from its own ``wave.scenario`` magnitude; these events are flagged
  systemic (a policy may exclude them).

Net: the group's :class:`Policy` on each event of its risks (a claim = one risk's loss from one event; a
shared-IS shock is one claim of the group), aggregates per group and year, events ordered within a year
as: risks in input order (each one's scenarios in model order), shared shocks, supplier events, wave.

Work unit = (consecutive groups, chunk of whole blocks of years), units shrinking along the run,
see :mod:`cyber360.quant.portfolio_units`. Its numbers depend only on the seed, the keys and the blocks;
the driver adds the units' per-year sums in unit order, so a run is identical bit for bit whatever the
chunk size, the number of Dask workers or the order in which units finish. Occurrence (OEP): an event
hitting many risks (shared shock, supplier event, wave) counts as one occurrence with the sum of their
losses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cyber360.quant.distributions import FloatArray
from cyber360.quant.events import check_years
from cyber360.quant.metrics import RETURN_PERIODS, LossCurve, tvar_contributions
from cyber360.quant.model import INSURED_COMPONENTS, Model
from cyber360.quant.policy import Policy
from cyber360.quant.portfolio_dask import Task, run_on_dask
from cyber360.quant.portfolio_units import (
    SUPPLIER_LABEL,
    WAVE_LABEL,
    UnitInputs,
    UnitResult,
    common_events,
    run_unit,
)
from cyber360.quant.streams import BLOCK_YEARS, check_seed
from cyber360.quant.summary import LEVELS, level_key, number

__all__ = [
    "SUPPLIER_LABEL",
    "UNIT_RISKS",
    "WAVE_LABEL",
    "Group",
    "Portfolio",
    "PortfolioLosses",
    "PortfolioResult",
    "Risk",
    "Supplier",
    "SystemicWave",
    "portfolio_summary",
    "simulate_portfolio",
]

#: Work units shrink along the run: each takes consecutive groups until it holds 1/UNIT_SHARE of the
#: risks not yet assigned, and at least ``unit_risks`` risks. Big units first (fewer per-year arrays to
#: ship), small ones last (every worker stays busy to the end): 29 units for 1,000 risks. A function of
#: the portfolio alone, since the units' sums are added in unit order.
UNIT_SHARE = 8
UNIT_RISKS = 8
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Group:
    key: str
    policy: Policy | None = None  # None: not insured, nothing net
    shared: Model | None = None  # common shocks of the group's shared information system


@dataclass(frozen=True)
class Risk:
    key: str
    model: Model
    group: int
    suppliers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Supplier:
    key: str
    rate: float  # compromises per year hitting all clients


@dataclass(frozen=True)
class SystemicWave:
    probability: float  # per year
    share: float  # probability that a given risk is hit by a wave
    scenario: str = "ransomware"


@dataclass(frozen=True)
class Portfolio:
    groups: tuple[Group, ...]
    risks: tuple[Risk, ...]
    suppliers: tuple[Supplier, ...] = ()
    wave: SystemicWave | None = None
    supplier_scenario: str = "supplier_compromise"
    block_years: int = BLOCK_YEARS
    unit_risks: int = UNIT_RISKS
    labels: tuple[str, ...] = field(init=False)
    components: tuple[str, ...] = field(init=False)
    members: tuple[tuple[int, ...], ...] = field(init=False)  # risk indices of each group, in input order
    units: tuple[tuple[int, int], ...] = field(init=False)  # [first group, last group + 1) of each unit

    def __post_init__(self) -> None:
        labels: list[str] = []
        components: set[str] = set()
        models = [r.model for r in self.risks] + [g.shared for g in self.groups if g.shared is not None]
        for model in models:
            labels += [name for name in model.scenario_names if name not in labels]
            components.update(model.component_names)
        for risk in self.risks:
            if not 0 <= risk.group < len(self.groups):
                raise ValueError(f"risks[{risk.key}].group: no such group")
            if any(not 0 <= s < len(self.suppliers) for s in risk.suppliers):
                raise ValueError(f"risks[{risk.key}].suppliers: no such supplier")
            needed = ([self.supplier_scenario] if risk.suppliers else []) + (
                [self.wave.scenario] if self.wave else []
            )
            for name in needed:
                if name not in risk.model.scenario_names:
                    raise ValueError(f"risks[{risk.key}]: model has no scenario {name!r}")
        ordered = [c for c in INSURED_COMPONENTS if c in components] + sorted(
            components - {*INSURED_COMPONENTS}
        )
        object.__setattr__(self, "labels", (*labels, SUPPLIER_LABEL, WAVE_LABEL))
        object.__setattr__(self, "components", tuple(ordered))
        members: list[list[int]] = [[] for _ in self.groups]
        for index, risk in enumerate(self.risks):
            members[risk.group].append(index)
        object.__setattr__(self, "members", tuple(tuple(m) for m in members))
        if self.unit_risks < 1:
            raise ValueError("unit_risks: must be at least 1")
        units = work_units([len(m) for m in members], self.unit_risks)
        object.__setattr__(self, "units", units)

    def unit(self, index: int) -> UnitInputs:
        """The part of the portfolio work unit ``index`` needs (what a Dask task carries)."""
        start, stop = self.units[index]
        return UnitInputs(
            groups=self.groups[start:stop],
            members=tuple(tuple(self.risks[r] for r in self.members[g]) for g in range(start, stop)),
            suppliers=self.suppliers,
            wave=self.wave,
            supplier_scenario=self.supplier_scenario,
            block_years=self.block_years,
            labels=self.labels,
            components=self.components,
        )


def work_units(sizes: Sequence[int], smallest: int) -> tuple[tuple[int, int], ...]:
    """[first group, last group + 1) of each work unit, given each group's number of risks."""
    units: list[tuple[int, int]] = []
    start, held, remaining = 0, 0, sum(sizes)
    target = max(smallest, math.ceil(remaining / UNIT_SHARE))
    for group, size in enumerate(sizes):
        held += size
        if held >= target or group == len(sizes) - 1:
            units.append((start, group + 1))
            remaining -= held
            start, held = group + 1, 0
            target = max(smallest, math.ceil(remaining / UNIT_SHARE))
    return tuple(units)


@dataclass(frozen=True)
class PortfolioLosses:
    total: FloatArray  # [years]
    occurrence: FloatArray  # [years] largest occurrence (an event hitting many risks counted once)
    by_group: FloatArray  # [groups, years]
    by_label: FloatArray  # [labels, years]


@dataclass(frozen=True)
class PortfolioResult:
    years: int
    seed: int
    group_keys: tuple[str, ...]
    labels: tuple[str, ...]
    gross: PortfolioLosses
    net: PortfolioLosses


_SIDES = ("gross", "net")


def simulate_portfolio(
    portfolio: Portfolio,
    years: int,
    seed: int,
    *,
    chunk_years: int | None = None,
    client: Any = None,
    progress: Progress | None = None,
) -> PortfolioResult:
    """Run the portfolio: in this process, or on a ``dask.distributed.Client`` (one task per work unit,
    each carrying only its unit's part of the portfolio, so that the first tasks start at once).

    ``progress(done, total)`` is called as work units finish. Results do not depend on ``chunk_years``
    (rounded to whole blocks, one block by default: it bounds a unit's memory) nor on the client.
    """
    years, seed = check_years(years), check_seed(seed)
    block = portfolio.block_years
    chunk = max(1, (chunk_years or block) // block) * block
    tasks = [
        (unit, first, min(chunk, years - first))
        for first in range(0, years, chunk)
        for unit in range(len(portfolio.units))
    ]
    totals = _Totals(portfolio, years, seed, tasks)
    if client is None:
        for done, (unit, first, n_years) in enumerate(tasks, start=1):
            totals.add(done - 1, run_unit(portfolio.unit(unit), seed, first, n_years))
            if progress is not None:
                progress(done, len(tasks))
    else:
        run_on_dask(client, portfolio, seed, tasks, totals, progress)
    return totals.result()


class _Totals:
    """The run's per-year arrays, filled as units arrive: each group's row is written once, occurrences
    are maxima (order-free), and the sums across units (per label, per common event) are added in unit
    order, units that arrive early waiting for their turn. A unit shipped without its per-label sums
    (Dask) has them added by the workers, the chunk's sum set here instead."""

    def __init__(self, portfolio: Portfolio, years: int, seed: int, tasks: list[Task]) -> None:
        self.portfolio, self.years, self.seed, self.tasks = portfolio, years, seed, tasks
        n_groups, n_labels = len(portfolio.groups), len(portfolio.labels)
        self.by_group = {name: np.zeros((n_groups, years)) for name in _SIDES}
        self.by_label = {name: np.zeros((n_labels, years)) for name in _SIDES}
        self.occurrence = {name: np.zeros(years) for name in _SIDES}
        self.common: dict[str, FloatArray] = {}
        self.waiting: dict[int, UnitResult] = {}
        self.next = 0

    def add(self, index: int, result: UnitResult) -> None:
        unit, first, n_years = self.tasks[index]
        groups = slice(*self.portfolio.units[unit])
        window = slice(first, first + n_years)
        for name, losses in zip(_SIDES, result, strict=True):
            self.by_group[name][groups, window] = losses.by_group
            np.maximum(self.occurrence[name][window], losses.occurrence, out=self.occurrence[name][window])
        self.waiting[index] = result
        while self.next in self.waiting:
            self._add_sums(self.next, self.waiting.pop(self.next))
            self.next += 1

    def set_labels(self, index: int, sums: tuple[FloatArray, FloatArray]) -> None:
        """The per-label sums of the chunk of task ``index``, all its units added in unit order."""
        _, first, n_years = self.tasks[index]
        for name, values in zip(_SIDES, sums, strict=True):
            self.by_label[name][:, first : first + n_years] = values

    def _add_sums(self, index: int, result: UnitResult) -> None:
        unit, first, n_years = self.tasks[index]
        window = slice(first, first + n_years)
        for name, losses in zip(_SIDES, result, strict=True):
            if losses.by_label.shape[1]:
                self.by_label[name][:, window] += losses.by_label
            self.common[name] = losses.common.copy() if unit == 0 else self.common[name] + losses.common
            if unit == len(self.portfolio.units) - 1:  # the chunk's last unit: its common events are whole
                _common_occurrence(
                    self.portfolio,
                    self.seed,
                    first,
                    n_years,
                    self.common[name],
                    self.occurrence[name][window],
                )

    def result(self) -> PortfolioResult:
        out = {
            name: PortfolioLosses(
                self.by_group[name].sum(axis=0),
                self.occurrence[name],
                self.by_group[name],
                self.by_label[name],
            )
            for name in _SIDES
        }
        keys = tuple(g.key for g in self.portfolio.groups)
        return PortfolioResult(self.years, self.seed, keys, self.portfolio.labels, out["gross"], out["net"])


def _common_occurrence(
    portfolio: Portfolio, seed: int, first: int, n_years: int, common: FloatArray, occurrence: FloatArray
) -> None:
    """Raise each year's occurrence to its largest common event (summed over the risks it hit)."""
    block_years, offset = portfolio.block_years, 0
    for start in range(first, first + n_years, block_years):
        length = min(block_years, first + n_years - start)
        events = common_events(
            portfolio.suppliers, portfolio.wave, block_years, seed, start // block_years, length
        )
        years = np.concatenate([events.supplier_year, events.wave_year]) + start - first
        np.maximum.at(occurrence, years, common[offset : offset + years.size])
        offset += years.size


def _figures(losses: PortfolioLosses, keys: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    curve, occurrence = LossCurve(losses.total), LossCurve(losses.occurrence)
    average = curve.average()
    top = LEVELS[-1]

    def parts(matrix: FloatArray, names: Sequence[str]) -> dict[str, Any]:
        contributions = tvar_contributions(matrix, [top], total=losses.total, curve=curve)[0]
        return {
            name: {"aal": number(float(matrix[i].mean())), "tvar_contribution": number(contributions[i])}
            for i, name in enumerate(names)
        }

    return {
        "aal": number(average.value),
        "aal_stderr": number(average.stderr),
        "var": {level_key(p): number(curve.quantile(p)) for p in LEVELS},
        "tvar": {level_key(p): number(curve.tail_mean(p)) for p in LEVELS},
        "pml_200": number(curve.loss_at_return_period(200)),
        "aep": [{"return_period": t, "loss": number(curve.loss_at_return_period(t))} for t in RETURN_PERIODS],
        "oep": [
            {"return_period": t, "loss": number(occurrence.loss_at_return_period(t))} for t in RETURN_PERIODS
        ],
        "by_ght": parts(losses.by_group, keys),
        "by_scenario": parts(losses.by_label, labels),
    }


def portfolio_summary(result: PortfolioResult) -> dict[str, Any]:
    """JSON-ready figures, gross and net: AAL, VaR/TVaR, PML 1 in 200 (AEP), AEP/OEP tables, and the AAL
    and TVaR 99.5 % (Euler) contribution of each GHT and each scenario."""
    return {
        "years": result.years,
        "seed": result.seed,
        "tvar_contribution_level": level_key(LEVELS[-1]),
        "gross": _figures(result.gross, result.group_keys, result.labels),
        "net": _figures(result.net, result.group_keys, result.labels),
        "pml_return_period": 200,
    }
