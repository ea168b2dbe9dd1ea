"""A body distribution with a generalised Pareto tail spliced above a threshold.

Large cyber losses have heavier tails than a lognormal fitted to the bulk (Eling & Wirfs 2019; Wheatley,
Maillart & Sornette): peaks over a threshold follow a generalised Pareto distribution (GPD). The spliced
distribution keeps the body below the threshold and the GPD above it:

    P(X > threshold) = tail_probability (by default the body's own exceedance, so the CDF is continuous);
    X | X <= threshold  ~  body truncated to [.., threshold];
    X - threshold | X > threshold  ~  GPD(scale, shape).

A shape >= 1 has no mean and a shape >= 1/2 no variance: the moments then return ``inf``, and only
the quantile-based metrics of a simulation are meaningful.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from cyber360.quant.distributions import Distribution, FloatArray, check_finite
from cyber360.quant.errors import ModelError


def gpd_ppf(probability: FloatArray, scale: float, shape: float) -> FloatArray:
    """Quantile of the generalised Pareto excess: scale/shape ((1-q)^-shape - 1), or -scale log(1-q)."""
    log_survival = np.log1p(-probability)
    if shape == 0.0:
        return -scale * log_survival
    return scale * np.expm1(-shape * log_survival) / shape


def gpd_survival(excess: FloatArray, scale: float, shape: float) -> FloatArray:
    """P(Y > excess) for the generalised Pareto excess Y."""
    z = np.maximum(excess, 0.0) / scale
    if shape == 0.0:
        return np.exp(-z)
    base = np.maximum(1.0 + shape * z, 0.0)
    with np.errstate(divide="ignore"):
        return np.asarray(np.where(base > 0.0, base ** (-1.0 / shape), 0.0), dtype=np.float64)


@dataclass(frozen=True)
class ParetoTail(Distribution):
    """``body`` up to ``threshold``, a GPD(``scale``, ``shape``) excess above it."""

    body: Distribution
    threshold: float
    scale: float
    shape: float
    tail_probability: float | None = None
    kind: ClassVar[str] = "pareto_tail"

    def __post_init__(self) -> None:
        threshold = check_finite("threshold", self.threshold)
        scale = check_finite("scale", self.scale)
        shape = check_finite("shape", self.shape)
        if scale <= 0.0:
            raise ModelError("scale", "must be > 0")
        body_mass = float(self.body.cdf(np.array([threshold]))[0])
        if body_mass <= 0.0:
            raise ModelError("threshold", "must lie above the lowest value of the body")
        if self.tail_probability is None:
            tail = 1.0 - body_mass
            if tail <= 0.0:
                raise ModelError("threshold", "the body never exceeds it: give tail_probability")
        else:
            tail = check_finite("tail_probability", self.tail_probability)
            if not 0.0 < tail < 1.0:
                raise ModelError("tail_probability", "must lie strictly between 0 and 1")
        object.__setattr__(self, "threshold", threshold)
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "tail_probability", tail)

    @property
    def _tail(self) -> float:
        assert self.tail_probability is not None  # set in __post_init__
        return self.tail_probability

    @property
    def _body_mass(self) -> float:
        return float(self.body.cdf(np.array([self.threshold]))[0])

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return self.ppf(rng.random(size))

    def ppf(self, probability: npt.ArrayLike) -> FloatArray:
        u = np.asarray(probability, dtype=np.float64)
        if np.any((u < 0.0) | (u > 1.0)):
            raise ValueError("probabilities must lie in [0, 1]")
        body_share = 1.0 - self._tail
        out = np.empty_like(u)
        in_body = u <= body_share
        out[in_body] = self.body.ppf(u[in_body] / body_share * self._body_mass)
        in_tail = ~in_body
        excess_level = (u[in_tail] - body_share) / self._tail
        out[in_tail] = self.threshold + gpd_ppf(excess_level, self.scale, self.shape)
        return out

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        v = np.asarray(x, dtype=np.float64)
        body_share = 1.0 - self._tail
        below = body_share * np.minimum(self.body.cdf(v) / self._body_mass, 1.0)
        above = 1.0 - self._tail * gpd_survival(v - self.threshold, self.scale, self.shape)
        return np.asarray(np.where(v <= self.threshold, below, above), dtype=np.float64)

    def _body_moment(self, power: int) -> float:
        """E[X^power | X <= threshold] under the body, by quadrature of its quantile function."""
        from scipy import integrate

        mass = self._body_mass

        def integrand(v: float) -> float:
            return float(self.body.ppf(np.array([v]))[0]) ** power

        value, _ = integrate.quad(integrand, 0.0, mass, limit=200)
        return float(value) / mass

    def _excess_moments(self) -> tuple[float, float]:
        xi, sigma = self.shape, self.scale
        first = sigma / (1.0 - xi) if xi < 1.0 else math.inf
        second = 2.0 * sigma**2 / ((1.0 - xi) * (1.0 - 2.0 * xi)) if xi < 0.5 else math.inf
        return first, second

    def mean(self) -> float:
        first, _ = self._excess_moments()
        tail = self._tail
        return (1.0 - tail) * self._body_moment(1) + tail * (self.threshold + first)

    def variance(self) -> float:
        first, second = self._excess_moments()
        if math.isinf(second):
            return math.inf
        t, tail = self.threshold, self._tail
        tail_second = t * t + 2.0 * t * first + second
        second_moment = (1.0 - tail) * self._body_moment(2) + tail * tail_second
        return second_moment - self.mean() ** 2

    @property
    def support(self) -> tuple[float, float]:
        top = self.threshold + self.scale / -self.shape if self.shape < 0.0 else math.inf
        return (self.body.support[0], top)
