"""Loss distributions the risk area builds for the engine: scaled copies and sums of optional parts.

An event's third-party loss is a fixed cost, plus a notification cost that occurs only when data were
stolen, plus a fine that occurs only sometimes; its per-day operating loss is lost margin plus extra
costs. :class:`LossSum` is that sum of independent parts, each present with its own probability.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from cyber360.quant.distributions import (
    Distribution,
    Empirical,
    Fixed,
    FloatArray,
    LogNormal,
    Pert,
    Triangular,
    Uniform,
)


@dataclass(frozen=True)
class LossPart:
    """One part of a :class:`LossSum`: ``distribution`` with probability ``probability``, else 0."""

    probability: float
    distribution: Distribution


@dataclass(frozen=True)
class LossSum(Distribution):
    """X = sum_j I_j Y_j, independent parts, I_j ~ Bernoulli(p_j).

    Sampling takes one uniform per part and event, row by row (``rng.random((n, parts))``), so the
    stream is consumed element by element like every engine sampler: ``n`` then ``m`` draws equal
    ``n + m`` draws. A part is drawn by inversion: 0 when ``u < 1 - p``, else ``Y.ppf((u - 1 + p) / p)``.
    """

    parts: tuple[LossPart, ...]
    kind: ClassVar[str] = "loss_sum"

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("a loss sum needs at least one part")
        for part in self.parts:
            if not 0.0 <= part.probability <= 1.0:
                raise ValueError("a part's probability must lie in [0, 1]")

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        uniforms = rng.random((size, len(self.parts)))
        total = np.zeros(size)
        for index, part in enumerate(self.parts):
            if part.probability <= 0.0:
                continue
            u = uniforms[:, index]
            if part.probability >= 1.0:
                total += part.distribution.ppf(u)
                continue
            present = u >= 1.0 - part.probability
            scaled = (u[present] - (1.0 - part.probability)) / part.probability
            total[present] += part.distribution.ppf(np.clip(scaled, 0.0, 1.0))
        return total

    def _single(self) -> LossPart | None:
        return self.parts[0] if len(self.parts) == 1 and self.parts[0].probability >= 1.0 else None

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        single = self._single()
        if single is None:
            raise NotImplementedError("the distribution function of a sum of parts is not available")
        return single.distribution.cdf(x)

    def ppf(self, probability: npt.ArrayLike) -> FloatArray:
        single = self._single()
        if single is None:
            raise NotImplementedError("the quantile function of a sum of parts is not available")
        return single.distribution.ppf(probability)

    def mean(self) -> float:
        return sum(p.probability * p.distribution.mean() for p in self.parts if p.probability > 0.0)

    def variance(self) -> float:
        total = 0.0
        for part in self.parts:
            if part.probability <= 0.0:
                continue
            mean = part.distribution.mean()
            total += part.probability * part.distribution.second_moment() - (part.probability * mean) ** 2
        return total

    @property
    def support(self) -> tuple[float, float]:
        low = sum(p.distribution.support[0] for p in self.parts if p.probability >= 1.0)
        high = sum(p.distribution.support[1] for p in self.parts if p.probability > 0.0)
        return (low, high)


def loss_sum(parts: Sequence[tuple[float, Distribution]]) -> Distribution:
    """The sum of the parts that can be non-zero, certain sums flattened; one certain part as is."""
    flat: list[LossPart] = []
    for probability, distribution in parts:
        if isinstance(distribution, LossSum) and probability >= 1.0:
            flat.extend(distribution.parts)
        else:
            flat.append(LossPart(probability, distribution))
    kept = tuple(p for p in flat if p.probability > 0.0 and p.distribution.support[1] > 0.0)
    if not kept:
        return Fixed(0.0)
    if len(kept) == 1 and kept[0].probability >= 1.0:
        return kept[0].distribution
    return LossSum(kept)


def scaled(distribution: Distribution, factor: float) -> Distribution:
    """The distribution of ``factor * X`` (``factor`` >= 0), of the same kind."""
    if not math.isfinite(factor) or factor < 0.0:
        raise ValueError(f"scale factor must be a finite number >= 0, not {factor!r}")
    if factor == 0.0 or distribution.support[1] == 0.0:
        return Fixed(0.0)
    if factor == 1.0:
        return distribution
    if isinstance(distribution, Fixed):
        return Fixed(distribution.value * factor)
    if isinstance(distribution, Uniform):
        return Uniform(distribution.low * factor, distribution.high * factor)
    if isinstance(distribution, Triangular):
        d = distribution
        return Triangular(d.low * factor, d.mode * factor, d.high * factor)
    if isinstance(distribution, Pert):
        d2 = distribution
        return Pert(d2.low * factor, d2.mode * factor, d2.high * factor)
    if isinstance(distribution, LogNormal):
        return LogNormal(distribution.mu + math.log(factor), distribution.sigma)
    if isinstance(distribution, Empirical):
        return Empirical(tuple(v * factor for v in distribution.values))
    if isinstance(distribution, LossSum):
        return LossSum(
            tuple(LossPart(p.probability, scaled(p.distribution, factor)) for p in distribution.parts)
        )
    raise TypeError(f"cannot scale a {type(distribution).__name__}")


def bounds(distribution: Distribution) -> tuple[float, float]:
    """The range ends used by the sensitivity view: support of bounded laws, 5 % and 95 % otherwise."""
    low, high = distribution.support
    if math.isfinite(high):
        return low, high
    quantiles = distribution.ppf(np.array([0.05, 0.95]))
    return float(quantiles[0]), float(quantiles[1])
