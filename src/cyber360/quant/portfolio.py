"""A portfolio of many risks in many groups with correlated events, gross and net, locally or on Dask.

Inputs are plain: each :class:`Risk` (an establishment) has its own :class:`Model`, the index of its
:class:`Group` (a GHT, with its policy and the common-shock model of its shared information system) and
the indices of the :class:`Supplier` s it uses. Events of a risk, in one simulated year:

- its own scenarios, streams keyed ``(seed, name_key(risk key), name_key(scenario), block, role)``,
  exactly those of ``simulate(model, key_prefix=(name_key(risk key),))``;
- its group's shared-IS shocks (one event hitting the whole group, magnitude already summed by the
  caller, e.g. ``risk.build_ght_model``), keyed by ``name_key("group:" + group key)``;
- each event of each of its suppliers: supplier events are drawn once for the portfolio (Poisson at the
  supplier's rate, key ``("supplier", supplier key, block)``) and hit every client in the same year,
  each client's loss drawn from its own ``supplier_scenario`` magnitude;
- the systemic wave: in a year drawn with probability ``wave.probability`` (key ``("systemic_wave",
  block)``) each risk is hit independently with probability ``wave.share``, its loss drawn from its own
  ``wave.scenario`` magnitude; these events are flagged systemic (a policy may exclude them).

Net: the group's :class:`Policy` on each event of its risks (a claim = one risk's loss from one event; a
shared-IS shock is one claim of the group), aggregates per group and year, events ordered within a year
as: risks in input order (each one's scenarios in model order), shared shocks, supplier events, wave.

Work unit = (group, chunk of whole blocks of years): its numbers depend only on the seed, the keys and
the blocks, and the driver adds the units' results in group order, so a run is identical whatever the
chunk size and the number of Dask workers. Occurrence (OEP): an event hitting many risks (shared shock,
supplier event, wave) counts as one occurrence with the sum of their losses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cyber360.quant.counts import IntArray
from cyber360.quant.distributions import FloatArray
from cyber360.quant.events import check_years, sample_scenario_block
from cyber360.quant.metrics import RETURN_PERIODS, LossCurve, tvar_contributions
from cyber360.quant.model import INSURED_COMPONENTS, Magnitude, Model
from cyber360.quant.policy import Policy
from cyber360.quant.streams import BLOCK_YEARS, Role, check_seed, component_key, name_key, stream
from cyber360.quant.summary import LEVELS, level_key, number
from cyber360.quant.terms import apply_policy

SUPPLIER_LABEL = "common_supplier"
WAVE_LABEL = "systemic_wave"
_SUPPLIER_KEY, _WAVE_KEY = name_key("portfolio:supplier"), name_key("portfolio:systemic_wave")
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
    labels: tuple[str, ...] = field(init=False)
    components: tuple[str, ...] = field(init=False)

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


def common_events(
    portfolio: Portfolio, seed: int, block: int, length: int
) -> tuple[IntArray, IntArray, IntArray]:
    """(supplier index, year in block) of each supplier event, then the wave years, of one block."""
    block_years = portfolio.block_years
    suppliers, years = [], []
    for index, supplier in enumerate(portfolio.suppliers):
        generator = stream(seed, _SUPPLIER_KEY, name_key(supplier.key), block)
        drawn = np.sort(
            generator.integers(0, block_years, size=generator.poisson(supplier.rate * block_years))
        )
        drawn = drawn[drawn < length]
        suppliers.append(np.full(drawn.size, index, dtype=np.int64))
        years.append(drawn)
    wave_years = np.empty(0, dtype=np.int64)
    if portfolio.wave is not None:
        hits = stream(seed, _WAVE_KEY, block).random(block_years) < portfolio.wave.probability
        wave_years = np.flatnonzero(hits[:length])
    empty = [np.empty(0, dtype=np.int64)]
    return np.concatenate(suppliers or empty), np.concatenate(years or empty), wave_years


def _magnitude(magnitude: Magnitude, seed: int, key: tuple[int, ...], block: int, n: int) -> tuple[Any, Any]:
    """``n`` events of one magnitude (same stream roles as the engine's scenario kernel)."""
    driver = np.full(n, np.nan)
    if magnitude.driver is not None:
        driver = magnitude.driver.distribution.sample(stream(seed, *key, block, Role.DRIVER), n)
    losses = np.zeros((len(magnitude.components), n))
    for row, component in zip(losses, magnitude.components, strict=True):
        if component.base is not None:
            row += component.base.sample(stream(seed, *key, block, component_key(component.name, "base")), n)
        if component.per_unit is not None and magnitude.driver is not None:
            unit = stream(seed, *key, block, component_key(component.name, "per_unit"))
            row += component.per_unit.sample(unit, n) * driver
    return losses, driver


@dataclass
class _Events:
    parts: list[tuple[Any, ...]] = field(default_factory=list)

    def add(
        self, portfolio: Portfolio, names: tuple[str, ...], losses: Any, driver: Any, **columns: Any
    ) -> None:
        full = np.zeros((len(portfolio.components), losses.shape[1]))
        for row, name in zip(losses, names, strict=True):
            full[portfolio.components.index(name)] = row
        n = losses.shape[1]
        common = columns.get("common", np.full(n, -1, dtype=np.int64))
        self.parts.append(
            (columns["year"], np.full(n, columns["label"]), full, driver, common, columns["systemic"])
        )


def run_group_chunk(portfolio: Portfolio, group: int, seed: int, first: int, n_years: int) -> dict[str, Any]:
    """One work unit: every event of one group's risks over years ``first .. first + n_years - 1``."""
    block_years = portfolio.block_years
    events = _Events()
    n_common = 0
    label_of = {name: i for i, name in enumerate(portfolio.labels)}
    risks = [r for r in portfolio.risks if r.group == group]
    shared = portfolio.groups[group].shared
    for start in range(first, first + n_years, block_years):
        block, length = start // block_years, min(block_years, first + n_years - start)
        sources = [(name_key(r.key), r.model) for r in risks]
        if shared is not None:
            sources.append((name_key("group:" + portfolio.groups[group].key), shared))
        for prefix, model in sources:
            for scenario in model.scenarios:
                part = sample_scenario_block(
                    scenario, seed, (prefix, name_key(scenario.name)), block, block_years, length
                )
                n = part.year.size
                driver = part.driver if part.driver is not None else np.full(n, np.nan)
                events.add(
                    portfolio,
                    scenario.magnitude.component_names,
                    part.losses,
                    driver,
                    year=part.year + start - first,
                    label=label_of[scenario.name],
                    systemic=np.zeros(n, bool),
                )
        supplier_of, supplier_years, wave_years = common_events(portfolio, seed, block, length)
        for risk in risks:
            prefix = name_key(risk.key)
            chosen = np.flatnonzero(np.isin(supplier_of, risk.suppliers))
            if chosen.size:
                magnitude = risk.model.scenarios[
                    risk.model.scenario_names.index(portfolio.supplier_scenario)
                ].magnitude
                key = (prefix, name_key("portfolio:supplier_events"))
                losses, driver = _magnitude(magnitude, seed, key, block, supplier_of.size)
                events.add(
                    portfolio,
                    magnitude.component_names,
                    losses[:, chosen],
                    driver[chosen],
                    year=supplier_years[chosen] + start - first,
                    label=label_of[SUPPLIER_LABEL],
                    common=chosen + n_common,
                    systemic=np.zeros(chosen.size, bool),
                )
            if portfolio.wave is not None and wave_years.size:
                hit = np.flatnonzero(
                    stream(seed, prefix, _WAVE_KEY, block).random(wave_years.size) < portfolio.wave.share
                )
                magnitude = risk.model.scenarios[
                    risk.model.scenario_names.index(portfolio.wave.scenario)
                ].magnitude
                losses, driver = _magnitude(magnitude, seed, (prefix, _WAVE_KEY), block, wave_years.size)
                events.add(
                    portfolio,
                    magnitude.component_names,
                    losses[:, hit],
                    driver[hit],
                    year=wave_years[hit] + start - first,
                    label=label_of[WAVE_LABEL],
                    common=hit + n_common + supplier_of.size,
                    systemic=np.ones(hit.size, bool),
                )
        n_common += supplier_of.size + wave_years.size
    return _reduce(portfolio, group, events, n_years, n_common)


def _reduce(portfolio: Portfolio, group: int, events: _Events, n_years: int, n_common: int) -> dict[str, Any]:
    if not events.parts:
        empty = np.empty(0, dtype=np.int64)
        events.parts.append(
            (empty, empty, np.zeros((len(portfolio.components), 0)), np.empty(0), empty, empty > 0)
        )
    year, label, losses, driver, common, systemic = (
        np.concatenate([p[i] for p in events.parts], axis=1 if i == 2 else 0) for i in range(6)
    )
    policy = portfolio.groups[group].policy
    gross = losses.sum(axis=0)
    net = (
        apply_policy(policy, losses, portfolio.components, driver, year, excluded=systemic).net
        if policy is not None
        else np.zeros_like(gross)
    )
    result: dict[str, Any] = {}
    own = common < 0
    n_labels = len(portfolio.labels)
    for name, values in (("gross", gross), ("net", net)):
        occurrence = np.zeros(n_years)
        np.maximum.at(occurrence, year[own], values[own])
        result[name] = {
            "total": np.bincount(year, values, minlength=n_years),
            "by_label": np.bincount(label * n_years + year, values, minlength=n_labels * n_years).reshape(
                n_labels, n_years
            ),
            "occurrence": occurrence,
            "common": np.bincount(common[~own], values[~own], minlength=n_common),
        }
    return result


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


def simulate_portfolio(
    portfolio: Portfolio,
    years: int,
    seed: int,
    *,
    chunk_years: int | None = None,
    client: Any = None,
    progress: Progress | None = None,
) -> PortfolioResult:
    """Run the portfolio: in this process, or on a ``dask.distributed.Client`` (one task per work unit).

    ``progress(done, total)`` is called as work units finish. Results do not depend on ``chunk_years``
    (rounded to whole blocks) nor on the client.
    """
    years, seed = check_years(years), check_seed(seed)
    block = portfolio.block_years
    chunk = max(1, (chunk_years or block) // block) * block
    units = [
        (g, first, min(chunk, years - first))
        for first in range(0, years, chunk)
        for g in range(len(portfolio.groups))
    ]
    results: list[Any] = [None] * len(units)
    if client is None:
        for i, (g, first, n) in enumerate(units):
            results[i] = run_group_chunk(portfolio, g, seed, first, n)
            if progress is not None:
                progress(i + 1, len(units))
    else:
        from dask.distributed import as_completed

        shared = client.scatter(portfolio, broadcast=True)
        futures = [client.submit(run_group_chunk, shared, g, seed, f, n, pure=False) for g, f, n in units]
        index = {future.key: i for i, future in enumerate(futures)}
        for done, future in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
            results[index[future.key]] = future.result()
            if progress is not None:
                progress(done, len(units))
    return _assemble(portfolio, years, seed, units, results)


def _assemble(
    portfolio: Portfolio, years: int, seed: int, units: list[tuple[int, int, int]], results: list[Any]
) -> PortfolioResult:
    n_groups, n_labels = len(portfolio.groups), len(portfolio.labels)
    out: dict[str, PortfolioLosses] = {}
    for name in ("gross", "net"):
        by_group, by_label = np.zeros((n_groups, years)), np.zeros((n_labels, years))
        occurrence = np.zeros(years)
        for first in sorted({f for _, f, _ in units}):
            chunk_units = [(g, n, r[name]) for (g, f, n), r in zip(units, results, strict=True) if f == first]
            common = np.zeros_like(chunk_units[0][2]["common"])
            window = slice(first, first + chunk_units[0][1])
            for g, _, part in chunk_units:  # in group order: sums independent of completion order
                by_group[g, window] = part["total"]
                by_label[:, window] += part["by_label"]
                np.maximum(occurrence[window], part["occurrence"], out=occurrence[window])
                common += part["common"]
            _common_occurrence(portfolio, seed, first, chunk_units[0][1], common, occurrence[window])
        out[name] = PortfolioLosses(by_group.sum(axis=0), occurrence, by_group, by_label)
    keys = tuple(g.key for g in portfolio.groups)
    return PortfolioResult(years, seed, keys, portfolio.labels, out["gross"], out["net"])


def _common_occurrence(
    portfolio: Portfolio, seed: int, first: int, n_years: int, common: FloatArray, occurrence: FloatArray
) -> None:
    """Raise each year's occurrence to its largest common event (summed over the risks it hit)."""
    block_years, offset = portfolio.block_years, 0
    for start in range(first, first + n_years, block_years):
        _, supplier_years, wave_years = common_events(
            portfolio, seed, start // block_years, min(block_years, first + n_years - start)
        )
        years = np.concatenate([supplier_years, wave_years]) + start - first
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
