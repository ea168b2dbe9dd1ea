"""Probability distributions for event rates, per-event losses and per-event drivers.

Each distribution is an immutable value with its exact moments, its distribution function and its
quantile function (used to splice tails and, later, to correlate draws through a copula), and a
``sample`` that takes a :class:`numpy.random.Generator` and never touches global state.

Every sampler here consumes its stream strictly element by element, so drawing ``n`` values and then
``m`` more gives the same numbers as drawing ``n + m`` at once; the simulation relies on this to stay
reproducible whatever the chunking (see TECHNICAL.md).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import NormalDist
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from cyber360.quant.errors import ModelError

FloatArray = npt.NDArray[np.float64]


def check_finite(name: str, value: object) -> float:
    """The value as a float, or a :class:`ModelError` naming ``name`` if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ModelError(name, "must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise ModelError(name, "must be a finite number")
    return number


@lru_cache(maxsize=4)
def _legendre(points: int) -> tuple[FloatArray, FloatArray]:
    """Gauss-Legendre nodes and weights on (0, 1)."""
    nodes, weights = np.polynomial.legendre.leggauss(points)
    return (nodes + 1.0) / 2.0, weights / 2.0


@lru_cache(maxsize=2)
def _hermite(points: int) -> tuple[FloatArray, FloatArray]:
    """Gauss-Hermite nodes and weights for E[f(Z)], Z standard normal."""
    nodes, weights = np.polynomial.hermite.hermgauss(points)
    return nodes * math.sqrt(2.0), weights / math.sqrt(math.pi)


def _integrate(function: Callable[[FloatArray], FloatArray], low: float, high: float) -> float:
    """The integral of a smooth function over [low, high] (Gauss-Legendre, 64 points)."""
    nodes, weights = _legendre(64)
    return float(np.dot(weights, function(low + (high - low) * nodes))) * (high - low)


def _as_probabilities(probability: npt.ArrayLike) -> FloatArray:
    u = np.asarray(probability, dtype=np.float64)
    if np.any((u < 0.0) | (u > 1.0)):
        raise ValueError("probabilities must lie in [0, 1]")
    return u


class Distribution(ABC):
    """A univariate distribution the engine can sample, integrate and invert."""

    kind: ClassVar[str]

    @abstractmethod
    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent draws, consuming ``rng`` element by element."""

    @abstractmethod
    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        """P(X <= x)."""

    @abstractmethod
    def ppf(self, probability: npt.ArrayLike) -> FloatArray:
        """The smallest x with P(X <= x) >= probability (the quantile function)."""

    @abstractmethod
    def mean(self) -> float:
        """E[X], exact (``inf`` when it does not exist)."""

    @abstractmethod
    def variance(self) -> float:
        """Var[X], exact (``inf`` when it does not exist)."""

    @property
    @abstractmethod
    def support(self) -> tuple[float, float]:
        """The smallest and largest values X can take (``inf`` when unbounded)."""

    def second_moment(self) -> float:
        """E[X^2] = Var[X] + E[X]^2."""
        return self.variance() + self.mean() ** 2

    def expect(self, function: Callable[[FloatArray], FloatArray]) -> float:
        """E[function(X)], by integrating function(ppf(u)) over u in (0, 1) (adaptive quadrature)."""
        from scipy import integrate

        def integrand(u: float) -> float:
            return float(function(self.ppf(np.array([u])))[0])

        value, _ = integrate.quad(integrand, 0.0, 1.0, limit=200)
        return float(value)


@dataclass(frozen=True)
class Fixed(Distribution):
    """A known constant."""

    value: float
    kind: ClassVar[str] = "fixed"

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", check_finite("value", self.value))

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.full(size, self.value, dtype=np.float64)

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        return np.where(np.asarray(x, dtype=np.float64) >= self.value, 1.0, 0.0)

    def ppf(self, probability: npt.ArrayLike) -> FloatArray:
        return np.full_like(_as_probabilities(probability), self.value)

    def mean(self) -> float:
        return self.value

    def variance(self) -> float:
        return 0.0

    @property
    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def expect(self, function: Callable[[FloatArray], FloatArray]) -> float:
        return float(function(np.array([self.value]))[0])


def _check_low_mode_high(low: object, mode: object, high: object) -> tuple[float, float, float]:
    lo, mo, hi = check_finite("low", low), check_finite("mode", mode), check_finite("high", high)
    if mo < lo:
        raise ModelError("mode", "must be >= low")
    if hi < mo:
        raise ModelError("high", "must be >= mode")
    if hi <= lo:
        raise ModelError("high", "must be > low (use fixed for a constant)")
    return lo, mo, hi


@dataclass(frozen=True)
class Uniform(Distribution):
    """Every value between low and high equally likely."""

    low: float
    high: float
    kind: ClassVar[str] = "uniform"

    def __post_init__(self) -> None:
        lo, hi = check_finite("low", self.low), check_finite("high", self.high)
        if hi <= lo:
            raise ModelError("high", "must be > low (use fixed for a constant)")
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.uniform(self.low, self.high, size)

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        z = (np.asarray(x, dtype=np.float64) - self.low) / (self.high - self.low)
        return np.clip(z, 0.0, 1.0)

    def ppf(self, probability: npt.ArrayLike) -> FloatArray:
        return self.low + (self.high - self.low) * _as_probabilities(probability)

    def mean(self) -> float:
        return (self.low + self.high) / 2.0

    def expect(self, function: Callable[[FloatArray], FloatArray]) -> float:
        return _integrate(function, self.low, self.high) / (self.high - self.low)

    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12.0

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


@dataclass(frozen=True)
class Triangular(Distribution):
    """The triangular distribution on [low, high] peaking at mode."""

    low: float
    mode: float
    high: float
    kind: ClassVar[str] = "triangular"

    def __post_init__(self) -> None:
        lo, mo, hi = _check_low_mode_high(self.low, self.mode, self.high)
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "mode", mo)
        object.__setattr__(self, "high", hi)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.triangular(self.low, self.mode, self.high, size)

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        a, c, b = self.low, self.mode, self.high
        v = np.clip(np.asarray(x, dtype=np.float64), a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            left = np.where(c > a, (v - a) ** 2 / ((b - a) * (c - a)), 0.0)
            right = np.where(b > c, 1.0 - (b - v) ** 2 / ((b - a) * (b - c)), 1.0)
        return np.where(v <= c, left, right)

    def ppf(self, probability: npt.ArrayLike) -> FloatArray:
        a, c, b = self.low, self.mode, self.high
        u = _as_probabilities(probability)
        split = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.where(u < split, left, right)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    def expect(self, function: Callable[[FloatArray], FloatArray]) -> float:
        a, c, b = self.low, self.mode, self.high
        total = 0.0
        if c > a:
            total += _integrate(lambda x: function(x) * 2.0 * (x - a) / ((b - a) * (c - a)), a, c)
        if b > c:
            total += _integrate(lambda x: function(x) * 2.0 * (b - x) / ((b - a) * (b - c)), c, b)
        return total

    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


@dataclass(frozen=True)
class Pert(Distribution):
    """The standard (Malcolm et al. 1959, Vose 2000) PERT: a beta on [low, high] with lambda = 4.

    alpha = 1 + 4 (mode - low) / (high - low), beta = 1 + 4 (high - mode) / (high - low),
    so the mean is (low + 4 mode + high) / 6 and the variance (mean - low)(high - mean) / 7.
    """

    low: float
    mode: float
    high: float
    kind: ClassVar[str] = "pert"

    def __post_init__(self) -> None:
        lo, mo, hi = _check_low_mode_high(self.low, self.mode, self.high)
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "mode", mo)
        object.__setattr__(self, "high", hi)

    @property
    def alpha(self) -> float:
        return 1.0 + 4.0 * (self.mode - self.low) / (self.high - self.low)

    @property
    def beta(self) -> float:
        return 1.0 + 4.0 * (self.high - self.mode) / (self.high - self.low)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        draws = rng.beta(self.alpha, self.beta, size)
        draws *= self.high - self.low
        draws += self.low
        return draws

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        from scipy import special

        z = np.clip((np.asarray(x, dtype=np.float64) - self.low) / (self.high - self.low), 0.0, 1.0)
        return np.asarray(special.betainc(self.alpha, self.beta, z), dtype=np.float64)

    def ppf(self, probability: npt.ArrayLike) -> FloatArray:
        from scipy import special

        z = special.betaincinv(self.alpha, self.beta, _as_probabilities(probability))
        return np.asarray(self.low + (self.high - self.low) * z, dtype=np.float64)

    def mean(self) -> float:
        return (self.low + 4.0 * self.mode + self.high) / 6.0

    def expect(self, function: Callable[[FloatArray], FloatArray]) -> float:
        """Gauss-Legendre on the beta density after x = (1 - cos(pi t)) / 2, which smooths both ends."""
        a, b = self.alpha, self.beta
        log_beta_function = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
        nodes, weights = _legendre(256)
        x = (1.0 - np.cos(math.pi * nodes)) / 2.0
        jacobian = math.pi / 2.0 * np.sin(math.pi * nodes)
        density = np.exp((a - 1.0) * np.log(x) + (b - 1.0) * np.log1p(-x) - log_beta_function)
        values = function(self.low + (self.high - self.low) * x)
        return float(np.dot(weights, values * density * jacobian))

    def variance(self) -> float:
        mean = self.mean()
        return (mean - self.low) * (self.high - mean) / 7.0

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


@dataclass(frozen=True)
class LogNormal(Distribution):
    """X = exp(mu + sigma Z) with Z standard normal; the median is exp(mu).

    Build it from what an expert says with :meth:`from_median` or :meth:`from_interval`.
    """

    mu: float
    sigma: float
    kind: ClassVar[str] = "lognormal"

    def __post_init__(self) -> None:
        mu, sigma = check_finite("mu", self.mu), check_finite("sigma", self.sigma)
        if sigma <= 0.0:
            raise ModelError("sigma", "must be > 0")
        object.__setattr__(self, "mu", mu)
        object.__setattr__(self, "sigma", sigma)

    @classmethod
    def from_median(cls, median: object, sigma: object) -> LogNormal:
        """Median (the 50 % value) and sigma (the standard deviation of log X)."""
        med = check_finite("median", median)
        if med <= 0.0:
            raise ModelError("median", "must be > 0")
        return cls(math.log(med), check_finite("sigma", sigma))

    @classmethod
    def from_interval(cls, low: object, high: object, coverage: object = 0.90) -> LogNormal:
        """A central interval: P(X < low) = P(X > high) = (1 - coverage) / 2; 90 % by default."""
        lo, hi, cov = check_finite("low", low), check_finite("high", high), check_finite("coverage", coverage)
        if lo <= 0.0:
            raise ModelError("low", "must be > 0")
        if hi <= lo:
            raise ModelError("high", "must be > low")
        if not 0.0 < cov < 1.0:
            raise ModelError("coverage", "must lie strictly between 0 and 1")
        z = NormalDist().inv_cdf(0.5 + cov / 2.0)
        return cls((math.log(lo) + math.log(hi)) / 2.0, (math.log(hi) - math.log(lo)) / (2.0 * z))

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.lognormal(self.mu, self.sigma, size)

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        from scipy import special

        v = np.asarray(x, dtype=np.float64)
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(v, 0.0)) - self.mu) / self.sigma
        return np.asarray(special.ndtr(z), dtype=np.float64)

    def ppf(self, probability: npt.ArrayLike) -> FloatArray:
        from scipy import special

        z = special.ndtri(_as_probabilities(probability))
        return np.asarray(np.exp(self.mu + self.sigma * z), dtype=np.float64)

    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2.0)

    def expect(self, function: Callable[[FloatArray], FloatArray]) -> float:
        """Gauss-Hermite quadrature over the normal log (accurate for smooth bounded functions)."""
        nodes, weights = _hermite(120)
        return float(np.dot(weights, function(np.exp(self.mu + self.sigma * nodes))))

    def variance(self) -> float:
        return math.expm1(self.sigma**2) * math.exp(2.0 * self.mu + self.sigma**2)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)


@dataclass(frozen=True)
class Empirical(Distribution):
    """Resampling of observed values, each equally likely (e.g. past losses, expert samples)."""

    values: tuple[float, ...]
    kind: ClassVar[str] = "empirical"
    _sorted: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.values, str | bytes) or not isinstance(self.values, Sequence | np.ndarray):
            raise ModelError("values", "must be a list of numbers")
        if len(self.values) == 0:
            raise ModelError("values", "must hold at least one value")
        checked = tuple(check_finite(f"values[{i}]", v) for i, v in enumerate(self.values))
        object.__setattr__(self, "values", checked)
        object.__setattr__(self, "_sorted", np.sort(np.array(checked, dtype=np.float64)))

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        n = self._sorted.size
        index = np.minimum((rng.random(size) * n).astype(np.int64), n - 1)
        return self._sorted[index]

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        count = np.searchsorted(self._sorted, np.asarray(x, dtype=np.float64), side="right")
        return np.asarray(count / self._sorted.size, dtype=np.float64)

    def ppf(self, probability: npt.ArrayLike) -> FloatArray:
        n = self._sorted.size
        rank = np.ceil(_as_probabilities(probability) * n).astype(np.int64)
        return self._sorted[np.clip(rank - 1, 0, n - 1)]

    def mean(self) -> float:
        return float(np.mean(self._sorted))

    def variance(self) -> float:
        return float(np.var(self._sorted))

    @property
    def support(self) -> tuple[float, float]:
        return (float(self._sorted[0]), float(self._sorted[-1]))

    def expect(self, function: Callable[[FloatArray], FloatArray]) -> float:
        return float(np.mean(function(self._sorted)))
