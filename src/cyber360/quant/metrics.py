"""Risk measures estimated from simulated years.

Definitions (n simulated years, x_(1) <= ... <= x_(n) the sorted losses, p a level in (0, 1)):

- AAL = mean of the annual losses; its standard error is the sample standard deviation / sqrt(n).
- VaR_p = x_(ceil(n p)): the smallest simulated loss L with P_n(loss <= L) >= p. It is also the loss at
  return period T = 1 / (1 - p), since P_n(loss > VaR_p) <= 1 - p with equality when n p is whole.
- TVaR_p (expected shortfall, Acerbi & Tasche 2002) = mean of the worst n (1 - p) years, the boundary
  year counted for its fraction: coherent, and equal to E[loss | loss > VaR_p] when n p is whole.
- OEP / AEP at return period T: VaR at 1 - 1/T of the year's largest event / of the year's total.
- Exceedance probability of x: P_n(loss > x).
- Euler contribution of a part (scenario) to TVaR_p: the part's mean over those same worst years, with
  the same weights, so the contributions add up to TVaR_p.

A measure whose tail holds less than one simulated year (n (1 - p) < 1) cannot be estimated and is NaN.
Levels are taken as exact to a relative 1e-9, so that 1000 years at 99.5 % give 5 tail years, not 4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cyber360.quant.distributions import FloatArray

#: The return periods, in years, at which OEP and AEP are reported.
RETURN_PERIODS = (2, 5, 10, 20, 50, 100, 200, 250, 500, 1000)
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate with its standard error."""

    value: float
    stderr: float


def _snap(x: float) -> float:
    """x, or the nearest whole number if x is within the level tolerance of it."""
    nearest = round(x)
    return float(nearest) if abs(x - nearest) <= _TOLERANCE * max(1.0, abs(x)) else x


def _check_level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, not {level}")
    return float(level)


def _as_losses(losses: npt.ArrayLike) -> FloatArray:
    values = np.asarray(losses, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("no simulated loss to measure")
    if not values.min() >= 0.0:  # one pass: false for a negative value and for NaN
        raise ValueError(
            "losses must not be NaN" if np.isnan(values).any() else "losses must not be negative"
        )
    return values


def average_annual_loss(losses: npt.ArrayLike) -> Estimate:
    """Mean annual loss with its standard error (sample standard deviation / sqrt(n))."""
    values = _as_losses(losses)
    n = values.size
    stderr = float(np.std(values, ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    return Estimate(float(np.mean(values)), stderr)


class LossCurve:
    """The empirical distribution of simulated losses, sorted once, queried many times.

    Only the positive losses are sorted (most simulated years are often loss-free) and the zeros are
    counted; every query is then a lookup or a partial sum.
    """

    def __init__(self, losses: npt.ArrayLike, years: int | None = None) -> None:
        """``losses`` of every year, or, with ``years``, of some of ``years`` years (the others zero)."""
        if years is None:
            values = _as_losses(losses)
            self.n = int(values.size)
        else:
            values = np.asarray(losses, dtype=np.float64).ravel()
            if values.size:
                _as_losses(values)
            if not values.size <= years >= 1:
                raise ValueError(f"{values.size} losses cannot be some of {years} years")
            self.n = int(years)
        self._positive = np.extract(values > 0.0, values)  # faster than boolean indexing
        self._positive.sort()
        self.n_zero = self.n - self._positive.size

    def average(self) -> Estimate:
        """AAL and its standard error, from the positive losses and the count of zeros."""
        mean = float(self._positive.sum()) / self.n
        deviations = self._positive - mean
        squares = float(np.square(deviations, out=deviations).sum()) + self.n_zero * mean**2
        stderr = math.sqrt(squares / (self.n - 1) / self.n) if self.n > 1 else math.nan
        return Estimate(mean, stderr)

    def value_at_rank(self, rank: int) -> float:
        """The rank-th smallest loss (1-based)."""
        return self._value_at_rank(rank)

    @property
    def prob_zero(self) -> float:
        """Share of years with a loss of exactly zero."""
        return self.n_zero / self.n

    def _value_at_rank(self, rank: int) -> float:
        """The rank-th smallest loss (1-based)."""
        if rank <= self.n_zero:
            return 0.0
        return float(self._positive[rank - self.n_zero - 1])

    def _tail_mass(self, level: float) -> float:
        return _snap(self.n * (1.0 - _check_level(level)))

    def quantile(self, level: float) -> float:
        """VaR at ``level``: the ceil(n level)-th smallest loss; NaN if the tail holds no whole year."""
        if self._tail_mass(level) < 1.0:
            return math.nan
        return self._value_at_rank(math.ceil(_snap(self.n * level)))

    def tail_mean(self, level: float) -> float:
        """TVaR (expected shortfall) at ``level``; NaN if the tail holds no whole year."""
        mass = self._tail_mass(level)
        if mass < 1.0:
            return math.nan
        whole = math.floor(mass)
        fraction = mass - whole
        top = self._top_sum(whole)
        boundary = self._value_at_rank(self.n - whole) if fraction > 0.0 else 0.0
        return (top + fraction * boundary) / mass

    def _top_sum(self, count: int) -> float:
        """Sum of the ``count`` largest losses."""
        positives = min(count, self._positive.size)
        return float(self._positive[self._positive.size - positives :].sum()) if positives else 0.0

    def exceedance_probability(self, loss: float) -> float:
        """P_n(loss > ``loss``): the share of simulated values strictly above it."""
        if loss < 0.0:
            return 1.0
        return (self._positive.size - int(np.searchsorted(self._positive, loss, side="right"))) / self.n

    def loss_at_return_period(self, return_period: float) -> float:
        """The loss exceeded on average once every ``return_period`` years: VaR at 1 - 1/T."""
        if not return_period > 1.0:
            raise ValueError(f"a return period must exceed 1 year, not {return_period}")
        return self.quantile(1.0 - 1.0 / return_period)

    def quantile_interval(self, level: float, confidence: float = 0.95) -> tuple[float, float]:
        """Distribution-free confidence interval of VaR at ``level`` from binomial order statistics."""
        if self._tail_mass(level) < 1.0:
            return (math.nan, math.nan)
        alpha = (1.0 - confidence) / 2.0
        low_rank = _binomial_quantile(alpha, self.n, level)
        high_rank = _binomial_quantile(1.0 - alpha, self.n, level) + 1
        return (self._value_at_rank(max(low_rank, 1)), self._value_at_rank(min(high_rank, self.n)))

    def points(self, max_points: int = 2000) -> tuple[FloatArray, FloatArray]:
        """(return periods, losses) of the curve's positive part, for plotting: the i-th largest loss
        sits at return period n / i; at most ``max_points`` points, spaced evenly in log return period."""
        count = self._positive.size
        if count == 0:
            return np.empty(0), np.empty(0)
        if count <= max_points:
            ranks = np.arange(1, count + 1)
        else:
            ranks = np.unique(np.geomspace(1, count, num=max_points).round().astype(np.int64))
        return self.n / ranks.astype(np.float64), self._positive[count - ranks]


def _binomial_quantile(probability: float, n: int, p: float) -> int:
    """The smallest k with P(Binomial(n, p) <= k) >= probability.

    Exact probabilities over mean +/- 12 standard deviations (outside lies less than 1e-30 of the mass):
    the log-probability of the window's first k, then the ratios pmf(k+1)/pmf(k) = (n-k)/(k+1) p/(1-p).
    """
    mean, spread = n * p, math.sqrt(n * p * (1.0 - p))
    low = max(0, math.floor(mean - 12.0 * spread - 10.0))
    high = min(n, math.ceil(mean + 12.0 * spread + 10.0))
    log_odds = math.log(p) - math.log1p(-p)
    first = (
        math.lgamma(n + 1.0)
        - math.lgamma(low + 1.0)
        - math.lgamma(n - low + 1.0)
        + low * math.log(p)
        + (n - low) * math.log1p(-p)
    )
    k = np.arange(low, high, dtype=np.float64)
    steps = np.log((n - k) / (k + 1.0)) + log_odds
    log_pmf = first + np.concatenate([[0.0], np.cumsum(steps)])
    cdf = np.cumsum(np.exp(log_pmf))
    return low + min(int(np.searchsorted(cdf, probability * (1.0 - 1e-12))), high - low)


def value_at_risk(losses: npt.ArrayLike, level: float) -> float:
    """VaR of ``losses`` at ``level`` (see the module's definitions)."""
    return LossCurve(losses).quantile(level)


def tail_value_at_risk(losses: npt.ArrayLike, level: float) -> float:
    """TVaR (expected shortfall) of ``losses`` at ``level``."""
    return LossCurve(losses).tail_mean(level)


def exceedance_probability(losses: npt.ArrayLike, loss: float) -> float:
    """Share of simulated values strictly above ``loss``."""
    return LossCurve(losses).exceedance_probability(loss)


def prob_zero(losses: npt.ArrayLike) -> float:
    """Share of loss-free years."""
    return LossCurve(losses).prob_zero


def exceedance_curve(
    losses: npt.ArrayLike, return_periods: Sequence[float] = RETURN_PERIODS
) -> list[tuple[float, float]]:
    """(return period, loss) pairs: the AEP of annual totals, or the OEP of annual largest events."""
    curve = LossCurve(losses)
    return [(float(t), curve.loss_at_return_period(t)) for t in return_periods]


def tvar_contributions(
    parts: npt.ArrayLike,
    levels: Sequence[float],
    total: npt.ArrayLike | None = None,
    curve: LossCurve | None = None,
) -> FloatArray:
    """Euler allocation of TVaR: ``result[i, s]`` is part ``s``'s contribution at ``levels[i]``.

    ``parts[s, y]`` is part ``s``'s loss in year ``y`` and ``total`` their sum (computed if omitted);
    ``curve``, the total's :class:`LossCurve` if already built, saves a sort. Each contribution is the
    part's weighted mean over the worst years of the total, with the weights of
    :meth:`LossCurve.tail_mean`, so that the contributions of a level add up to the total's TVaR.
    Only the years at or above the lowest level's VaR are looked at, and nothing is sorted but the
    total's positive losses (once, in its curve).
    """
    matrix = np.atleast_2d(np.asarray(parts, dtype=np.float64))
    totals = matrix.sum(axis=0) if total is None else _as_losses(total)
    if totals.shape != (matrix.shape[1],):
        raise ValueError("total must hold one value per year of parts")
    plans, candidates, curve = _tail_plans(levels, totals, curve)
    values = totals[candidates]
    result = np.full((len(plans), matrix.shape[0]), np.nan)
    for i, plan in enumerate(plans):
        if plan is None:
            continue
        mass, fraction, edge, last_tie, boundary = plan
        above = candidates[values > edge]
        ties = candidates[(values == edge) & (candidates <= last_tie)]
        contribution = matrix[:, above].sum(axis=1) + matrix[:, ties].sum(axis=1)
        if boundary >= 0:
            contribution = contribution + fraction * matrix[:, boundary]
        result[i] = contribution / mass
    return result


def sparse_tvar_contributions(
    years: Sequence[npt.NDArray[np.int64]],
    values: Sequence[FloatArray],
    levels: Sequence[float],
    total: npt.ArrayLike,
    curve: LossCurve | None = None,
) -> FloatArray:
    """:func:`tvar_contributions` of parts given sparsely: part ``s`` loses ``values[s]`` in its
    ascending years ``years[s]`` and nothing in the others; ``total`` is their sum, every year.

    The same allocation as the dense call (the same tail years, ties and boundary year), found by one
    pass over each part's own years instead of a look-up per tail year; only the rounding of the
    sums may differ (a part's zero years are not added).
    """
    totals = _as_losses(total)
    plans, candidates, curve = _tail_plans(levels, totals, curve)
    result = np.full((len(plans), len(years)), np.nan)
    threshold = float(totals[candidates].min()) if candidates.size else math.inf
    for s, (own_years, own_values) in enumerate(zip(years, values, strict=True)):
        in_tail = totals[own_years]
        keep = np.flatnonzero(in_tail >= threshold)
        tail_years, tail_values, tail_totals = own_years[keep], own_values[keep], in_tail[keep]
        for i, plan in enumerate(plans):
            if plan is None:
                continue
            mass, fraction, edge, last_tie, boundary = plan
            taken = tail_totals > edge
            if last_tie >= 0:
                taken |= (tail_totals == edge) & (tail_years <= last_tie)
            contribution = float(np.extract(taken, tail_values).sum())
            if boundary >= 0:
                at = int(np.searchsorted(own_years, boundary))
                if at < own_years.size and own_years[at] == boundary:
                    contribution += fraction * float(own_values[at])
            result[i, s] = contribution / mass
    return result


_Plan = tuple[float, float, float, int, int]


def _tail_plans(
    levels: Sequence[float], totals: FloatArray, curve: LossCurve | None
) -> tuple[list[_Plan | None], npt.NDArray[np.intp], LossCurve]:
    """Per level, which years of ``totals`` its tail takes: ``(mass, fraction, edge, last tie year,
    boundary year)`` (None where not estimable), with the candidate years (at or above the lowest
    level's VaR, ascending). Every year above ``edge`` is taken whole, and the years equal to it up to
    the last tie year (ties broken by year order); the boundary year (-1 if none) for ``fraction``."""
    n = totals.size
    checked = [_check_level(level) for level in levels]
    masses = [_snap(n * (1.0 - level)) for level in checked]
    needed = min(n, math.floor(max(masses, default=0.0)) + 1)
    curve = curve if curve is not None else LossCurve(totals)
    threshold = curve.value_at_rank(n - needed + 1)
    candidates = np.flatnonzero(totals >= threshold) if threshold > 0.0 else np.flatnonzero(totals > 0.0)
    values = totals[candidates]
    plans: list[_Plan | None] = []
    for mass in masses:
        if mass < 1.0:
            plans.append(None)
            continue
        whole = math.floor(mass)
        fraction = mass - whole
        edge = curve.value_at_rank(n - whole + 1)  # the whole-th largest total
        ties = candidates[values == edge] if edge > 0.0 else candidates[:0]
        taken = whole - int(np.count_nonzero(values > edge))
        last_tie = int(ties[taken - 1]) if 0 < taken <= ties.size else -1
        boundary = -1
        boundary_value = curve.value_at_rank(n - whole)  # the (whole + 1)-th largest
        if fraction > 0.0 and boundary_value > 0.0:
            boundary = (
                int(ties[taken])
                if boundary_value == edge
                else int(candidates[np.argmax(values == boundary_value)])
            )
        plans.append((mass, fraction, edge, last_tie, boundary))
    return plans, candidates, curve
