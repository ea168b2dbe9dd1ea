"""The sampling kernel: one scenario's events in one block of years, from keyed streams.

A scenario's year is: a rate, a count given the rate, then per event a driver and each component's
loss. Most years of a cyber scenario have no event (a hospital's ransomware rate is about 0.01 a year),
so the kernel works in proportion to the events, not to the years, whenever the model allows:

- a known Poisson rate is a Poisson process over the block (its total, then a uniform year per event);
- a bounded uncertain rate (at most :data:`THINNING_MAX_RATE`) is sampled by thinning: only the
  *candidate* years, those whose count uniform exceeds ``P(N = 0 | the largest rate)``, can have an
  event; they form a Bernoulli process, drawn by geometric gaps, and only they draw a rate and a count;
- otherwise every year draws its rate and its count.

A loss that is a sum of independent optional parts (:class:`OptionalParts`, e.g. a fixed cost plus a
notification cost only when data were stolen) is drawn part by part, each present part from its own
stream and with its own sampler (a beta draw costs ~35 ns, its quantile function ~1.3 us).

Every stream is keyed by (seed, risk key, block, role) and consumed in year then event order, so the
first N years of a block are the same whatever the run's length (see TECHNICAL.md, Reproducibility).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

import numpy as np

from cyber360.quant.counts import IntArray, Poisson
from cyber360.quant.distributions import Distribution, FloatArray
from cyber360.quant.model import Frequency, Magnitude, Scenario
from cyber360.quant.streams import Role, name_key, stream

#: Counts are drawn by thinning and inversion (see :func:`zero_count_bound`) when the rate never
#: exceeds this many events per year; above it, NumPy's count samplers are cheaper.
THINNING_MAX_RATE = 4.0


@dataclass(frozen=True)
class ScenarioEvents:
    """One scenario's events over consecutive years, in year order."""

    counts: IntArray  # [years] events per year
    year: IntArray  # [events] year of each event, relative to the first year
    losses: FloatArray  # [components, events] loss per component, in the scenario's component order
    driver: FloatArray | None  # [events] driver value, if the scenario has a driver


class OptionalPart(Protocol):
    """One part of an :class:`OptionalParts` loss: present with ``probability``, then drawn from
    ``distribution``."""

    @property
    def probability(self) -> float: ...

    @property
    def distribution(self) -> Distribution: ...


class OptionalParts(Protocol):
    """A loss that is a sum of independent optional parts, ``X = sum_j I_j Y_j``, ``I_j ~ Bernoulli(p_j)``.

    Any distribution exposing such ``parts`` (the risk area's ``LossSum``) is sampled part by part by
    the engine: same law as its own ``sample``, without a quantile function per part and event.
    """

    @property
    def parts(self) -> Sequence[OptionalPart]: ...


def zero_count_bound(frequency: Frequency) -> float | None:
    """P(N = 0 | the largest rate the frequency can take), when counts are drawn by thinning, else None.

    Thinning applies to bounded rates of at most :data:`THINNING_MAX_RATE` (a function of the model
    alone, so the stream layout never depends on the run), except a known Poisson rate, which is
    simulated as a Poisson process per block.
    """
    if frequency.fixed_rate is not None and isinstance(frequency.counts, Poisson):
        return None
    top = frequency.rate.support[1]
    if not top <= THINNING_MAX_RATE:  # also false for inf and NaN
        return None
    return float(frequency.counts.prob_zero(np.array([top], dtype=np.float64))[0])


def candidate_years(generator: np.random.Generator, probability: float, n_years: int) -> IntArray:
    """The years (ascending, < ``n_years``) of a Bernoulli(``probability``) process, by geometric gaps.

    A gap is ``1 + floor(E / lambda)``, ``E`` standard exponential, ``lambda = -log(1 - probability)``
    (exactly geometric; one fast exponential draw, whatever the probability). O(candidates), not
    O(years): the gaps are drawn in batches, but the stream is consumed one gap after the other, so the
    candidates of the first N years are the same for any ``n_years >= N``.
    """
    if probability <= 0.0 or n_years <= 0:
        return np.empty(0, dtype=np.int64)
    scale = -1.0 / math.log1p(-probability) if probability < 1.0 else 0.0
    expected = probability * n_years
    margin = 4.0 * math.sqrt(expected) + 16.0
    parts, last = [], -1
    while True:
        gaps = generator.standard_exponential(int(probability * (n_years - 1 - last) + margin))
        gaps *= scale
        np.floor(gaps, out=gaps)
        np.minimum(gaps, n_years, out=gaps)  # a gap past the block ends it (and never overflows)
        at = gaps.astype(np.int64)
        at += 1
        np.cumsum(at, out=at)
        at += last
        if at[-1] >= n_years:
            parts.append(at[: np.searchsorted(at, n_years)])
            break
        parts.append(at)
        last = int(at[-1])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def sample_loss(
    distribution: Distribution, seed: int, key: tuple[int, ...], block: int, role: str, n: int
) -> FloatArray:
    """``n`` draws of a loss, from the stream of ``role`` (e.g. ``component:third_party:base``).

    A sum of optional parts: which parts are present comes from the role's stream (one uniform per
    optional part and event, row by row), each part's values from its own stream ``role:part<j>``.
    """
    if getattr(distribution, "parts", None) is None:  # duck typing: a protocol isinstance costs ~20 us
        return distribution.sample(stream(seed, *key, block, name_key(role)), n)
    parts = cast(OptionalParts, distribution).parts
    optional = sum(1 for part in parts if 0.0 < part.probability < 1.0)
    present = stream(seed, *key, block, name_key(role)).random((n, optional)) if optional else None
    total = np.zeros(n)
    column = 0
    for index, part in enumerate(parts):
        if part.probability <= 0.0:
            continue
        own = f"{role}:part{index}"
        if part.probability >= 1.0 or present is None:
            total += sample_loss(part.distribution, seed, key, block, own, n)
            continue
        chosen = np.flatnonzero(present[:, column] < part.probability)
        column += 1
        total[chosen] += sample_loss(part.distribution, seed, key, block, own, chosen.size)
    return total


def sample_magnitude(
    magnitude: Magnitude, seed: int, key: tuple[int, ...], block: int, n: int
) -> tuple[FloatArray, FloatArray | None]:
    """``n`` events of one magnitude: losses ``[components, n]`` (``base + per_unit * driver``) and the
    driver (None without one). Streams: ``Role.DRIVER``, then ``component:NAME:base`` / ``:per_unit``."""
    driver = None
    if magnitude.driver is not None:
        driver = magnitude.driver.distribution.sample(stream(seed, *key, block, Role.DRIVER), n)
    losses = np.empty((len(magnitude.components), n))
    for row, component in zip(losses, magnitude.components, strict=True):
        prefix = f"component:{component.name}"
        if component.base is not None:
            row[...] = sample_loss(component.base, seed, key, block, f"{prefix}:base", n)
        else:
            row[...] = 0.0
        if component.per_unit is not None and driver is not None:
            row += sample_loss(component.per_unit, seed, key, block, f"{prefix}:per_unit", n) * driver
    return losses, driver


def sample_scenario_block(
    scenario: Scenario,
    seed: int,
    key: tuple[int, ...],
    block_index: int,
    block_years: int,
    n_years: int,
    *,
    with_counts: bool = True,
) -> ScenarioEvents:
    """Simulate the first ``n_years`` years of block ``block_index`` for one scenario.

    ``key`` identifies the risk (by default the scenario name's key); a portfolio passes its own key,
    e.g. (establishment, scenario), to give each risk its own streams. With ``with_counts=False`` the
    per-year ``counts`` (an O(years) array) are not built and are left empty; the events are the same.
    """
    frequency = scenario.frequency
    fixed_rate = frequency.fixed_rate
    if fixed_rate is not None and isinstance(frequency.counts, Poisson):
        # A Poisson process at a known rate: the block's total count, each event placed in a uniformly
        # chosen year. Same law as one Poisson draw per year, for O(events) work instead of O(years).
        count_stream = stream(seed, *key, block_index, Role.COUNT)
        total = count_stream.poisson(fixed_rate * block_years)
        year = np.sort(count_stream.integers(0, block_years, size=total, dtype=np.int64))
        year = year[: np.searchsorted(year, n_years)]
        counts = np.bincount(year, minlength=n_years if with_counts else 0).astype(np.int64, copy=False)
    elif (bound := zero_count_bound(frequency)) is not None:
        # Thinning: the count is the inverse of the count's CDF at a uniform u, and a year with
        # u <= bound = P(N = 0 | the largest rate) has no event whatever its rate. The other years (the
        # candidates, probability 1 - bound each) are drawn by gaps, then their u (uniform above the
        # bound), their rate and their count by inversion: the same law as a rate and a count per year.
        candidates = stream(seed, *key, block_index, Role.CANDIDATES)
        live = candidate_years(candidates, 1.0 - bound, n_years)
        uniforms = stream(seed, *key, block_index, Role.COUNT).random(live.size)
        uniforms *= 1.0 - bound
        uniforms += bound
        rates = frequency.rate.sample(stream(seed, *key, block_index, Role.RATE), live.size)
        live_counts = frequency.counts.invert(uniforms, rates)
        year = np.repeat(live, live_counts)
        counts = np.zeros(n_years if with_counts else 0, dtype=np.int64)
        if with_counts:
            counts[live] = live_counts
    else:
        if fixed_rate is not None:
            rates = np.full(n_years, fixed_rate)
        else:
            rates = frequency.rate.sample(stream(seed, *key, block_index, Role.RATE), n_years)
        counts = frequency.counts.sample(stream(seed, *key, block_index, Role.COUNT), rates)
        year = np.repeat(np.arange(n_years, dtype=np.int64), counts)
    if not year.size:  # no event: no stream to open
        driver = None if scenario.magnitude.driver is None else np.empty(0)
        empty = np.empty((len(scenario.magnitude.components), 0))
        return ScenarioEvents(counts=counts, year=year, losses=empty, driver=driver)
    losses, driver = sample_magnitude(scenario.magnitude, seed, key, block_index, year.size)
    return ScenarioEvents(counts=counts, year=year, losses=losses, driver=driver)
