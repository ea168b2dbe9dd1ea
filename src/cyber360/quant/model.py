"""The loss model: scenarios, each with a frequency (events per year) and a magnitude (euros per event).

A scenario's year is simulated as: draw the year's rate from the frequency's rate distribution, draw
the year's event count (Poisson or negative binomial), then for each event draw the optional shared
driver (e.g. degraded-mode days) and each component's loss

    loss_component = base + per_unit * driver

with ``base`` and ``per_unit`` drawn independently per event. The driver makes components move together
within an event (a long outage raises both operating loss and restoration cost) and is kept per event so
that insurance terms can later apply a waiting period on it.

Scenarios are independent of each other. Every class here also gives the exact moments the simulation
must reproduce; the tests compare the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from cyber360.quant.counts import CountModel, Poisson
from cyber360.quant.distributions import Distribution, Fixed, FloatArray
from cyber360.quant.errors import ModelError

#: Name of the one component of a magnitude given as a single distribution.
SINGLE_COMPONENT = "loss"
#: The components an insurance policy covers separately.
INSURED_COMPONENTS = ("asset_damage", "business_interruption", "third_party")
_COMPONENT_ORDER = (*INSURED_COMPONENTS, SINGLE_COMPONENT)


def _check_not_negative(name: str, distribution: Distribution, what: str) -> None:
    lowest = distribution.support[0]
    if lowest < 0.0:
        raise ModelError(name, f"{what} cannot be negative (lowest value {lowest:g})")


def _check_name(name: object, field_name: str = "name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise ModelError(field_name, "must be a non-empty text")
    return name


@dataclass(frozen=True)
class Frequency:
    """Events per year: a rate drawn once per simulated year, then a count given that rate."""

    rate: Distribution
    counts: CountModel = field(default_factory=Poisson)

    def __post_init__(self) -> None:
        _check_not_negative("rate", self.rate, "events per year")

    @property
    def fixed_rate(self) -> float | None:
        """The rate when it is known exactly, else ``None``."""
        return self.rate.value if isinstance(self.rate, Fixed) else None

    def mean(self) -> float:
        """E[N] = E[rate] (both count models keep the mean)."""
        return self.rate.mean()

    def variance(self) -> float:
        """Var[N], counting the rate's uncertainty and the count model's dispersion."""
        return self.counts.count_variance(self.rate.mean(), self.rate.second_moment())

    def prob_no_event(self) -> float:
        """P(N = 0) = E[P(N = 0 | rate)], e.g. E[exp(-rate)] for Poisson counts."""

        def zero(rates: FloatArray) -> FloatArray:
            return self.counts.prob_zero(rates)

        return self.rate.expect(zero)


@dataclass(frozen=True)
class Driver:
    """A per-event quantity several components scale with, such as days in degraded mode."""

    name: str
    distribution: Distribution
    unit: str = ""

    def __post_init__(self) -> None:
        _check_name(self.name)
        _check_not_negative("distribution", self.distribution, "a driver")


@dataclass(frozen=True)
class Component:
    """One insured part of an event's loss: ``base + per_unit * driver`` euros."""

    name: str
    base: Distribution | None = None
    per_unit: Distribution | None = None

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.base is None and self.per_unit is None:
            raise ModelError("", "needs a base distribution, a per_unit distribution, or both")
        if self.base is not None:
            _check_not_negative("base", self.base, "a loss")
        if self.per_unit is not None:
            _check_not_negative("per_unit", self.per_unit, "a loss per driver unit")


def _sum_moments(parts: list[Distribution]) -> tuple[float, float]:
    """E and E[.^2] of a sum of independent variables."""
    mean = sum(p.mean() for p in parts)
    variance = sum(p.variance() for p in parts)
    return mean, variance + mean**2


@dataclass(frozen=True)
class Magnitude:
    """Euros per event, split into components, optionally driven by a shared per-event driver."""

    components: tuple[Component, ...]
    driver: Driver | None = None

    def __post_init__(self) -> None:
        if not self.components:
            raise ModelError("components", "must hold at least one component")
        names = [c.name for c in self.components]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise ModelError(f"components.{name}", "appears twice")
        for component in self.components:
            if component.per_unit is not None and self.driver is None:
                raise ModelError(f"components.{component.name}.per_unit", "needs a driver (magnitude.driver)")

    @classmethod
    def single(cls, distribution: Distribution) -> Magnitude:
        """An event loss given as one distribution, not split into insured components."""
        return cls((Component(SINGLE_COMPONENT, base=distribution),))

    @property
    def component_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.components)

    def component_mean(self, name: str) -> float:
        """E[loss of one component per event]."""
        component = next(c for c in self.components if c.name == name)
        mean = component.base.mean() if component.base is not None else 0.0
        if component.per_unit is not None and self.driver is not None:
            mean += component.per_unit.mean() * self.driver.distribution.mean()
        return mean

    def _moments(self) -> tuple[float, float]:
        """E[X], E[X^2] for X = B + D R, B and R the sums of base and per-unit parts, D the driver."""
        base_mean, base_second = _sum_moments([c.base for c in self.components if c.base is not None])
        per_unit = [c.per_unit for c in self.components if c.per_unit is not None]
        if not per_unit or self.driver is None:
            return base_mean, base_second
        rate_mean, rate_second = _sum_moments(per_unit)
        driver = self.driver.distribution
        mean = base_mean + driver.mean() * rate_mean
        second = (
            base_second + 2.0 * base_mean * driver.mean() * rate_mean + driver.second_moment() * rate_second
        )
        return mean, second

    def mean(self) -> float:
        """E[X], the expected loss of one event."""
        return self._moments()[0]

    def second_moment(self) -> float:
        """E[X^2]."""
        return self._moments()[1]

    def variance(self) -> float:
        mean, second = self._moments()
        return math.inf if math.isinf(second) else second - mean**2


@dataclass(frozen=True)
class Scenario:
    """A kind of incident with its frequency and its magnitude; independent of the other scenarios."""

    name: str
    frequency: Frequency
    magnitude: Magnitude
    description: str = ""

    def __post_init__(self) -> None:
        _check_name(self.name)

    def expected_annual_loss(self) -> float:
        """E[S] = E[N] E[X] (Wald): exact, what the simulated AAL estimates."""
        return self.frequency.mean() * self.magnitude.mean()

    def annual_loss_variance(self) -> float:
        """Var[S] = E[N] Var[X] + Var[N] E[X]^2; for Poisson counts E[rate] E[X^2] + Var[rate] E[X]^2."""
        mean_x = self.magnitude.mean()
        return self.frequency.mean() * self.magnitude.variance() + self.frequency.variance() * mean_x**2

    def prob_no_event(self) -> float:
        """P(no event in a year) = P(a loss-free year) when every event costs something."""
        return self.frequency.prob_no_event()


@dataclass(frozen=True)
class Model:
    """The scenarios simulated together; their losses add up year by year."""

    scenarios: tuple[Scenario, ...]

    def __post_init__(self) -> None:
        if not self.scenarios:
            raise ModelError("scenarios", "must hold at least one scenario")
        names = [s.name for s in self.scenarios]
        for index, name in enumerate(names):
            if name in names[:index]:
                raise ModelError(f"scenarios[{index}].name", f"{name!r} is already used by another scenario")

    @property
    def scenario_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scenarios)

    @property
    def component_names(self) -> tuple[str, ...]:
        """Every component used by some scenario, insured components first in their usual order."""
        used = {name for s in self.scenarios for name in s.magnitude.component_names}
        known = [name for name in _COMPONENT_ORDER if name in used]
        others = [n for s in self.scenarios for n in s.magnitude.component_names if n not in _COMPONENT_ORDER]
        return tuple(known + list(dict.fromkeys(others)))

    def expected_annual_loss(self) -> float:
        return sum(s.expected_annual_loss() for s in self.scenarios)

    def annual_loss_variance(self) -> float:
        return sum(s.annual_loss_variance() for s in self.scenarios)

    def prob_no_event(self) -> float:
        return math.prod(s.prob_no_event() for s in self.scenarios)

    def expected_events_per_year(self) -> float:
        return sum(s.frequency.mean() for s in self.scenarios)
