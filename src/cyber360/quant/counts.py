"""How many events a year brings, given that year's rate: Poisson, or negative binomial (over-dispersed).

The negative binomial here is the Poisson-gamma mixture in the "NB2" form: given the year's rate,
N ~ Poisson(rate * G) with G ~ Gamma(1/dispersion, dispersion), so E[N] = rate and
Var[N] = rate + dispersion * rate^2. Years stay independent of each other; the extra variance comes
from within-year clustering (one campaign, several hits).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from cyber360.quant.distributions import FloatArray, check_finite
from cyber360.quant.errors import ModelError

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Poisson:
    """Events arrive independently at the year's rate."""

    kind: ClassVar[str] = "poisson"

    def sample(self, rng: np.random.Generator, rates: FloatArray) -> IntArray:
        """One count per rate, consuming ``rng`` element by element."""
        return rng.poisson(rates).astype(np.int64, copy=False)

    def prob_zero(self, rates: FloatArray) -> FloatArray:
        """P(N = 0 | rate) = exp(-rate)."""
        return np.exp(-rates)

    def invert(self, uniforms: FloatArray, rates: FloatArray) -> IntArray:
        """The count of each year by inversion: the smallest k with P(N <= k | rate) >= uniform."""
        return _invert(uniforms, self.prob_zero(rates), rates, lambda k: 1.0 / k)

    def count_variance(self, rate_mean: float, rate_second_moment: float) -> float:
        """Var[N] when the rate itself is uncertain: E[rate] + Var[rate]."""
        return rate_mean + (rate_second_moment - rate_mean**2)


@dataclass(frozen=True)
class NegativeBinomial:
    """Over-dispersed counts: Var[N | rate] = rate + dispersion * rate^2."""

    dispersion: float
    kind: ClassVar[str] = "negative_binomial"

    def __post_init__(self) -> None:
        dispersion = check_finite("dispersion", self.dispersion)
        if dispersion <= 0.0:
            raise ModelError("dispersion", "must be > 0 (use poisson for no over-dispersion)")
        object.__setattr__(self, "dispersion", dispersion)

    def sample(self, rng: np.random.Generator, rates: FloatArray) -> IntArray:
        """One count per rate; NumPy draws the gamma then the Poisson of each element in turn."""
        shape = 1.0 / self.dispersion
        success = shape / (shape + rates)
        return rng.negative_binomial(shape, success).astype(np.int64, copy=False)

    def prob_zero(self, rates: FloatArray) -> FloatArray:
        """P(N = 0 | rate) = (1 + dispersion * rate)^(-1/dispersion)."""
        return np.asarray(np.exp(-np.log1p(self.dispersion * rates) / self.dispersion), dtype=np.float64)

    def invert(self, uniforms: FloatArray, rates: FloatArray) -> IntArray:
        """The count of each year by inversion: the smallest k with P(N <= k | rate) >= uniform.

        pmf(k) / pmf(k - 1) = (k - 1 + 1/d) / k * d rate / (1 + d rate).
        """
        scaled = self.dispersion * rates
        shape = 1.0 / self.dispersion
        return _invert(
            uniforms, self.prob_zero(rates), scaled / (1.0 + scaled), lambda k: (k - 1 + shape) / k
        )

    def count_variance(self, rate_mean: float, rate_second_moment: float) -> float:
        """Var[N] = E[rate] + dispersion E[rate^2] + Var[rate]."""
        return rate_mean + self.dispersion * rate_second_moment + (rate_second_moment - rate_mean**2)


CountModel = Poisson | NegativeBinomial


def _invert(
    uniforms: FloatArray, first: FloatArray, factor: FloatArray, step: Callable[[int], float]
) -> IntArray:
    """Smallest k with pmf(0) + ... + pmf(k) >= u, where pmf(0) = ``first`` and
    pmf(k) = pmf(k - 1) * ``factor`` * ``step(k)`` (each year its own ``first`` and ``factor``).

    One vectorised pass per value of k, over the years still undecided only (few when rates are small).
    A year stops when its cumulative probability no longer grows (rounding at the far tail), so the loop
    always ends.
    """
    counts = np.zeros(uniforms.size, dtype=np.int64)
    undecided = np.flatnonzero(uniforms > first)
    u, pmf, cdf, x = uniforms[undecided], first[undecided], first[undecided], factor[undecided]
    k = 0
    while undecided.size:
        k += 1
        counts[undecided] = k
        pmf = pmf * (x * step(k))
        grown = cdf + pmf
        keep = np.flatnonzero((u > grown) & (grown > cdf))  # index arrays: faster than boolean masks
        undecided, u, pmf, cdf, x = undecided[keep], u[keep], pmf[keep], grown[keep], x[keep]
    return counts


def count_model(kind: str, dispersion: float | None) -> CountModel:
    """The count model named ``kind``; ``dispersion`` only for the negative binomial."""
    if kind == Poisson.kind:
        if dispersion is not None:
            raise ModelError("dispersion", "only applies to count: negative_binomial")
        return Poisson()
    if kind == NegativeBinomial.kind:
        if dispersion is None:
            raise ModelError("dispersion", "is required with count: negative_binomial")
        return NegativeBinomial(dispersion)
    raise ModelError("count", f"must be {Poisson.kind} or {NegativeBinomial.kind}, not {kind!r}")
