"""The cooperative's anonymisation rule: which aggregate of its member GHTs may be shown, and which not.

The buyer of the cooperative, and the managers of its member GHTs, see figures about the GHTs that
subscribed: never one GHT's figure. An aggregate (a count, a sum, a mean, a quartile, a distribution band)
is *published* only when it is drawn from at least :data:`MIN_GHTS` distinct GHTs; otherwise it is
*suppressed* and the page says why and from how many GHTs it would have been drawn.

Sources and assumptions
-----------------------
* The threshold of five GHTs is the product's rule (issue 6: "never show a figure drawn from fewer than
  five GHTs"); calibration.md gives no figure for it. It is an assumption in the spirit of the small-cell
  rules of public statistics, and stricter than INSEE's frequency rule for business statistics (no cell
  from fewer than 3 units), because every reader here is an insider who knows its own figure: a manager
  subtracting its GHT from a total drawn from five still faces four others.
* :data:`DOMINANCE_SHARE`: INSEE's dominance rule for business statistics ("one unit may not contribute
  more than 85 % of a cell's value", INSEE, *Manuel de protection des tableaux*, règles du secret
  statistique). A sum dominated by one GHT is nearly that GHT's figure, however many others it holds.
* Differencing: a figure for a subgroup (a region, a claim state, a band) is suppressed when the subgroup
  or its complement within the total has fewer than five GHTs (primary), and more cells are suppressed
  until what the suppressed cells hold together (the total minus what is published) is itself drawn from
  five GHTs or more (secondary suppression, as statistical offices do for tables with margins).
* No minimum or maximum is ever published (each is one GHT's own value). Quantiles use the Harrell-Davis
  estimator: a weighted mean of every order statistic, each with a positive weight, so that a quartile is
  never read off one GHT (the usual interpolated quartiles of five values are the 2nd, 3rd and 4th values).
* Published amounts are rounded to :data:`SIGNIFICANT_DIGITS` significant digits (an assumption): a
  reader who compares the aggregates before and after one GHT joins learns its figure only to within the
  rounding. The residual risk of that comparison is stated in the cooperative page's docstring.

Pure: no database, no web; GHTs are identified by any integer key.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from scipy.special import betainc

MIN_GHTS: Final = 5
DOMINANCE_SHARE: Final = 0.85
SIGNIFICANT_DIGITS: Final = 2
QUARTILES: Final = (0.25, 0.5, 0.75)

Statistic = Literal["sum", "mean"]


class Reason(StrEnum):
    """Why a figure is not published."""

    TOO_FEW_GHTS = "too_few_ghts"  # drawn from fewer than MIN_GHTS GHTs
    DOMINANT_GHT = "dominant_ght"  # one GHT makes more than DOMINANCE_SHARE of it
    DIFFERENCING = "differencing"  # with the published total, it would reveal fewer than MIN_GHTS GHTs


@dataclass(frozen=True)
class Figure:
    """One aggregate: its value when published, the number of GHTs it is drawn from, and why not."""

    value: float | None
    contributors: int
    reason: Reason | None = None

    @property
    def published(self) -> bool:
        return self.reason is None


def round_significant(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``value`` to ``digits`` significant digits (1 234 567 -> 1 200 000 with two)."""
    if value == 0 or not math.isfinite(value):
        return value
    exponent = math.floor(math.log10(abs(value)))
    return float(round(value, digits - 1 - exponent))


def _rounded(value: float, significant: int | None) -> float:
    return value if significant is None else round_significant(value, significant)


def primary_reason(values: Mapping[int, float]) -> Reason | None:
    """The reason a figure drawn from these GHTs' values (one per GHT) may not be shown, if any."""
    if len(values) < MIN_GHTS:
        return Reason.TOO_FEW_GHTS
    magnitudes = [abs(value) for value in values.values()]
    whole = sum(magnitudes)
    if whole > 0 and max(magnitudes) > DOMINANCE_SHARE * whole:
        return Reason.DOMINANT_GHT
    return None


def _suppressed(contributors: int, reason: Reason) -> Figure:
    return Figure(None, contributors, reason)


def count_ghts(ghts: Collection[int]) -> Figure:
    """How many GHTs (members, subscribers): shown from MIN_GHTS on."""
    if len(ghts) < MIN_GHTS:
        return _suppressed(len(ghts), Reason.TOO_FEW_GHTS)
    return Figure(float(len(ghts)), len(ghts))


def total(values: Mapping[int, float], *, significant: int | None = SIGNIFICANT_DIGITS) -> Figure:
    """The sum of one value per GHT (a count of claims, euros paid, premiums)."""
    reason = primary_reason(values)
    if reason is not None:
        return _suppressed(len(values), reason)
    return Figure(_rounded(math.fsum(values.values()), significant), len(values))


def mean(values: Mapping[int, float], *, significant: int | None = SIGNIFICANT_DIGITS) -> Figure:
    """The mean of one value per GHT. Shown with its count it gives the sum: the same rules apply."""
    reason = primary_reason(values)
    if reason is not None:
        return _suppressed(len(values), reason)
    return Figure(_rounded(math.fsum(values.values()) / len(values), significant), len(values))


def share(part: Mapping[int, float], whole: Mapping[int, float]) -> Figure:
    """The ratio of two sums over the same GHTs (the premium reduction as a share of the premium): shown
    only when both sums may be."""
    reason = primary_reason(part) or primary_reason(whole)
    if reason is not None:
        return _suppressed(len(whole), reason)
    denominator = math.fsum(whole.values())
    ratio = math.fsum(part.values()) / denominator if denominator else 0.0
    return Figure(round_significant(ratio), len(whole))


def harrell_davis(values: Sequence[float], probability: float) -> float:
    """The Harrell-Davis estimate of a quantile: every order statistic weighted by the Beta((n+1)p,
    (n+1)(1-p)) probability of its slice of [0, 1] (Harrell & Davis, Biometrika 1982)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("no values")
    if not 0 < probability < 1:
        raise ValueError("probability must lie strictly between 0 and 1")
    a, b = probability * (n + 1), (1 - probability) * (n + 1)
    cumulative = [float(betainc(a, b, i / n)) for i in range(n + 1)]
    return math.fsum((cumulative[i + 1] - cumulative[i]) * value for i, value in enumerate(ordered))


def quantiles(
    values: Mapping[int, float],
    probabilities: Sequence[float] = QUARTILES,
    *,
    significant: int | None = SIGNIFICANT_DIGITS,
) -> tuple[Figure, ...]:
    """Quantiles (by default the quartiles) of one value per GHT, shown from MIN_GHTS GHTs on."""
    if len(values) < MIN_GHTS:
        return tuple(_suppressed(len(values), Reason.TOO_FEW_GHTS) for _ in probabilities)
    data = list(values.values())
    return tuple(Figure(_rounded(harrell_davis(data, p), significant), len(values)) for p in probabilities)


def _combined(cells: Mapping[str, Mapping[int, float]], labels: Collection[str]) -> dict[int, float]:
    """Per GHT, the sum of its values over the named cells (what their total would reveal)."""
    combined: dict[int, float] = {}
    for label in labels:
        for ght, value in cells[label].items():
            combined[ght] = combined.get(ght, 0.0) + value
    return combined


def partition(
    cells: Mapping[str, Mapping[int, float]],
    statistic: Statistic = "sum",
    *,
    significant: int | None = SIGNIFICANT_DIGITS,
) -> dict[str, Figure]:
    """A figure per subgroup (region, claim state, band) of a total that is published beside it.

    ``cells``: subgroup -> {GHT: its value in that subgroup}; a GHT may sit in several subgroups (claims of
    one GHT in several states). A subgroup is suppressed when it, or the rest of the total (the GHTs of the
    other subgroups), is drawn from fewer than MIN_GHTS GHTs or dominated by one; then, while what the
    suppressed subgroups hold together could be read as the total minus the published ones and is itself
    disclosive, the published subgroup with the fewest GHTs is suppressed too.
    """
    figures: dict[str, Figure] = {}
    for label, values in cells.items():
        others = _combined(cells, [other for other in cells if other != label])
        reason = primary_reason(values)
        if reason is None and primary_reason(others) is not None:
            reason = Reason.DIFFERENCING
        if reason is not None:
            figures[label] = _suppressed(len(values), reason)
        elif statistic == "sum":
            figures[label] = total(values, significant=significant)
        else:
            figures[label] = mean(values, significant=significant)
    while True:
        hidden = [label for label, figure in figures.items() if not figure.published]
        shown = [label for label, figure in figures.items() if figure.published]
        residual = _combined(cells, hidden)
        if not hidden or not shown or primary_reason(residual) is None:
            return figures
        smallest = min(shown, key=lambda label: (len(cells[label]), label))
        figures[smallest] = _suppressed(len(cells[smallest]), Reason.DIFFERENCING)


def bands(values: Mapping[int, float], edges: Sequence[float]) -> dict[str, Figure]:
    """How many GHTs fall in each band ``[edges[i], edges[i+1])`` (the last band includes its upper edge),
    as a partition of the GHTs: a band is shown only when it and the rest each hold MIN_GHTS GHTs."""
    if len(edges) < 2 or any(low >= high for low, high in itertools.pairwise(edges)):
        raise ValueError("edges must be increasing")
    cells: dict[str, dict[int, float]] = {}
    for low, high in itertools.pairwise(edges):
        last = high == edges[-1]
        cells[f"{low:g}-{high:g}"] = {
            ght: 1.0 for ght, value in values.items() if low <= value < high or (last and value == high)
        }
    outside = [ght for ght, value in values.items() if not edges[0] <= value <= edges[-1]]
    if outside:
        raise ValueError(f"values outside the bands for GHTs {sorted(outside)}")
    return partition(cells, "sum", significant=None)
