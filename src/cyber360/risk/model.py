"""Establishment profile and control maturities -> the engine's loss model (pure).

``build_model`` turns one establishment into a :class:`cyber360.quant.Model` with one scenario per
catalogue scenario and the three insured components; ``build_ght_model`` adds the GHT's shared information
system as a common shock. docs/risk-model.md gives every formula and every figure's source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cyber360.quant import Component, Driver, Frequency, Magnitude, Model, Scenario, simulate, summarize
from cyber360.risk.actions import (
    CandidateAction,
    RankedAction,
    candidate_actions,
    cumulative_curve,
    rank_actions,
)
from cyber360.risk.catalogue import CatalogueError, RiskCatalogue, ScenarioSpec, load_catalogue
from cyber360.risk.distributions import loss_sum, scaled
from cyber360.risk.explain import RiskInputs, explain_change

__all__ = [
    "ESTABLISHMENT_KINDS",
    "CandidateAction",
    "ControlMaturity",
    "EstablishmentProfile",
    "RankedAction",
    "RiskCatalogue",
    "RiskInputs",
    "build_ght_model",
    "build_model",
    "candidate_actions",
    "control_multipliers",
    "cumulative_curve",
    "explain_change",
    "exposure_uplift",
    "load_catalogue",
    "rank_actions",
    "tornado",
]

ESTABLISHMENT_KINDS = ("chu", "ch", "chs", "hopital_proximite", "ehpad")
#: Control id -> maturity 0..5 from the assessment; a missing control takes the catalogue's default maturity.
ControlMaturity = Mapping[str, float]
#: Name of the per-event driver shared by asset damage and operating loss.
DRIVER_NAME = "degraded_mode_days"
COMPONENTS = ("asset_damage", "business_interruption", "third_party")
SHARED_PREFIX = "ght_shared_is_"


@dataclass(frozen=True)
class EstablishmentProfile:
    """What the model needs to know of an establishment; missing counts are derived from its beds."""

    name: str
    kind: str
    annual_revenue_eur: float
    beds: int
    patients_per_year: int
    records_held: int | None = None
    workstations: int | None = None
    servers: int | None = None
    medical_devices: int | None = None
    internet_exposed_services: int = 0
    internet_kev_findings: int = 0
    high_epss_findings: int = 0
    medical_devices_vulnerable: int = 0

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("name: must be a non-empty text")
        if self.kind not in ESTABLISHMENT_KINDS:
            raise ValueError(f"kind: must be one of {', '.join(ESTABLISHMENT_KINDS)}")
        if not self.annual_revenue_eur > 0:
            raise ValueError("annual_revenue_eur: must be > 0")
        for name in ("beds", "patients_per_year"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be >= 1")
        for name in (
            "records_held",
            "workstations",
            "servers",
            "medical_devices",
            "internet_exposed_services",
            "internet_kev_findings",
            "high_epss_findings",
            "medical_devices_vulnerable",
        ):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name}: must be >= 0")

    def sizes(self, catalogue: RiskCatalogue) -> dict[str, float]:
        """Every size measure, given or derived (profile_defaults of the catalogue, assumptions)."""
        n = catalogue.number

        def given(value: int | None, default: float) -> float:
            return float(value) if value is not None else default

        return {
            "beds": float(self.beds),
            "annual_revenue_eur": self.annual_revenue_eur,
            "records_held": given(
                self.records_held, self.patients_per_year * n("profile_defaults.records_per_patient_year")
            ),
            "workstations": given(self.workstations, self.beds * n("profile_defaults.workstations_per_bed")),
            "servers": given(self.servers, self.beds * n("profile_defaults.servers_per_bed")),
            "medical_devices": given(
                self.medical_devices, self.beds * n("profile_defaults.medical_devices_per_bed")
            ),
        }


def reference_profile(catalogue: RiskCatalogue) -> EstablishmentProfile:
    """The establishment the catalogue's euro figures and frequencies are written for."""
    n = catalogue.number
    return EstablishmentProfile(
        "reference",
        "ch",
        n("reference_establishment.annual_revenue_eur"),
        round(n("reference_establishment.beds")),
        round(n("reference_establishment.patients_per_year")),
    )


def control_multipliers(maturity: ControlMaturity, catalogue: RiskCatalogue) -> dict[tuple[str, str], float]:
    """(scenario, target) -> combined control multiplier, within [floor, ceiling].

    A control at maturity m acts as M^((m - r) / (5 - r)), M its multiplier at full maturity and r the
    reference maturity the base figures describe: 1 at m = r, M at m = 5, above 1 below r.
    """
    n = catalogue.number
    reference, default = n("maturity.reference_maturity"), n("maturity.default_maturity")
    known = {c.id for c in catalogue.controls}
    for control_id, level in maturity.items():
        if control_id not in known:
            raise CatalogueError(f"maturity.{control_id}", "unknown control")
        if not 0.0 <= level <= 5.0:
            raise CatalogueError(f"maturity.{control_id}", f"must lie between 0 and 5, not {level!r}")
    product: dict[tuple[str, str], float] = {}
    for control in catalogue.controls:
        exponent = (maturity.get(control.id, default) - reference) / (5.0 - reference)
        for effect in control.effects:
            factor = n(effect.path) ** exponent
            for scenario in effect.scenarios:
                key = (scenario, effect.target)
                product[key] = product.get(key, 1.0) * factor
    ceiling = n("maturity.ceiling")
    floors = {"frequency": n("maturity.frequency_floor")}
    severity_floor = n("maturity.severity_floor")
    return {
        key: min(ceiling, max(floors.get(key[1], severity_floor), value)) for key, value in product.items()
    }


def exposure_uplift(profile: EstablishmentProfile, spec: ScenarioSpec, catalogue: RiskCatalogue) -> float:
    """Frequency multiplier from exposure findings: 1 + min(max_uplift, sum of coefficient x findings)."""
    total = sum(
        catalogue.number(f"exposure.{name}") * float(getattr(profile, name)) for name in spec.exposure
    )
    return 1.0 + min(catalogue.number("exposure.max_uplift"), total)


def _scenario(
    spec: ScenarioSpec,
    profile: EstablishmentProfile,
    multipliers: Mapping[tuple[str, str], float],
    catalogue: RiskCatalogue,
    name: str,
) -> Scenario:
    n, dist = catalogue.number, catalogue.distribution
    path = f"scenarios.{spec.id}"
    sizes, reference = profile.sizes(catalogue), reference_profile(catalogue).sizes(catalogue)

    def multiplier(target: str) -> float:
        return multipliers.get((spec.id, target), 1.0)

    size_ratio = sizes[spec.size_by] / reference[spec.size_by]
    frequency_factor = (
        size_ratio ** n(f"{path}.frequency.size_exponent")
        * multiplier("frequency")
        * exposure_uplift(profile, spec, catalogue)
    )
    weight = n("profile_defaults.server_weight")
    extra_devices = spec.id == "medical_device_compromise"

    def it_units(s: Mapping[str, float]) -> float:
        return s["workstations"] + weight * s["servers"] + (s["medical_devices"] if extra_devices else 0.0)

    asset = (it_units(sizes) / it_units(reference)) ** n("economics.asset_size_exponent") * multiplier(
        "asset_damage"
    )
    revenue = profile.annual_revenue_eur
    daily = revenue / 365.0
    margin = 1.0 - n("economics.variable_cost_share")
    bi, tp = multiplier("business_interruption"), multiplier("third_party")
    driver = None
    asset_per_day = bi_per_day = None
    if spec.has_driver:
        driver = Driver(
            DRIVER_NAME, scaled(dist(f"{path}.degraded_mode_days"), multiplier("degraded_mode_days")), "days"
        )
        asset_per_day = scaled(dist(f"{path}.asset_damage.per_day"), asset)
        bi_per_day = loss_sum(
            [
                (
                    1.0,
                    scaled(dist(f"{path}.business_interruption.share_of_activity_lost"), daily * margin * bi),
                ),
                (1.0, scaled(dist(f"{path}.business_interruption.extra_cost_share"), daily * bi)),
            ]
        )
    third_party = loss_sum(
        [
            (1.0, scaled(dist(f"{path}.third_party.fixed"), tp)),
            (
                n(f"{path}.third_party.exfiltration_probability"),
                scaled(dist(f"{path}.third_party.per_record_held"), sizes["records_held"] * tp),
            ),
            (n(f"{path}.third_party.fine_probability"), scaled(dist(f"{path}.third_party.fine"), tp)),
        ]
    )
    components = (
        Component(
            "asset_damage", base=scaled(dist(f"{path}.asset_damage.fixed"), asset), per_unit=asset_per_day
        ),
        Component(
            "business_interruption",
            base=scaled(dist(f"{path}.business_interruption.lasting_share"), revenue * bi),
            per_unit=bi_per_day,
        ),
        Component("third_party", base=third_party),
    )
    return Scenario(
        name,
        Frequency(scaled(dist(f"{path}.frequency.rate"), frequency_factor)),
        Magnitude(components, driver),
        description=spec.name_en,
    )


def build_model(
    profile: EstablishmentProfile, maturity: ControlMaturity, catalogue: RiskCatalogue | None = None
) -> Model:
    """One engine scenario per catalogue scenario (named by its id), components asset_damage,
    business_interruption and third_party, scaled to the profile and reduced by the controls."""
    catalogue = catalogue or load_catalogue()
    multipliers = control_multipliers(maturity, catalogue)
    return Model(tuple(_scenario(s, profile, multipliers, catalogue, s.id) for s in catalogue.scenarios))


def _combined(scenarios: Sequence[Scenario]) -> Magnitude:
    """One event hitting every establishment at once: components summed, one common driver.

    Establishment i's days are m_i x D for a common base draw D, so the common driver is the first
    establishment's days and the others' per-day losses are scaled by m_i / m_first: each keeps the
    expected loss of its own event.
    """
    first = scenarios[0].magnitude.driver
    components = []
    for name in COMPONENTS:
        bases, per_units = [], []
        for scenario in scenarios:
            magnitude = scenario.magnitude
            component = next(c for c in magnitude.components if c.name == name)
            if component.base is not None:
                bases.append((1.0, component.base))
            if component.per_unit is not None and magnitude.driver is not None and first is not None:
                ratio = magnitude.driver.distribution.mean() / first.distribution.mean()
                per_units.append((1.0, scaled(component.per_unit, ratio)))
        components.append(
            Component(name, base=loss_sum(bases), per_unit=loss_sum(per_units) if per_units else None)
        )
    return Magnitude(tuple(components), first)


def build_ght_model(
    profiles: Sequence[EstablishmentProfile],
    maturities: Sequence[ControlMaturity],
    support_index: int,
    catalogue: RiskCatalogue | None = None,
) -> Model:
    """The GHT: every establishment's scenarios (named ``<establishment>/<scenario>``) plus, for each
    shared scenario (ransomware by default), the common shock of the shared information system.

    An attack on the support establishment spreads to every other establishment with probability p
    (ght.spread_probability). By Poisson thinning the support's events split into two independent
    streams: rate (1 - p) lambda hitting the support alone (``<support>/<scenario>``) and rate p lambda
    hitting all establishments in one event (``ght_shared_is_<scenario>``, whose magnitude sums their
    losses). Hence AAL(GHT) = sum of standalone AALs + p lambda_support sum_{others} E[X_i].
    """
    catalogue = catalogue or load_catalogue()
    if len(profiles) != len(maturities) or not profiles:
        raise ValueError("profiles and maturities: must be non-empty and of the same length")
    if not 0 <= support_index < len(profiles):
        raise ValueError("support_index: must point to one of the profiles")
    names = [p.name for p in profiles]
    if len(set(names)) != len(names):
        raise ValueError("profiles: establishment names must be unique")
    spread = catalogue.number("ght.spread_probability")
    scenarios: list[Scenario] = []
    shocks: list[Scenario] = []
    for index, (profile, maturity) in enumerate(zip(profiles, maturities, strict=True)):
        multipliers = control_multipliers(maturity, catalogue)
        for spec in catalogue.scenarios:
            scenario = _scenario(spec, profile, multipliers, catalogue, f"{profile.name}/{spec.id}")
            scenarios.append(scenario)
            if index == support_index and spec.id in catalogue.shared_scenarios and len(profiles) > 1:
                rate = scenario.frequency.rate
                scenarios[-1] = Scenario(
                    scenario.name,
                    Frequency(scaled(rate, 1.0 - spread)),
                    scenario.magnitude,
                    scenario.description,
                )
                everyone = [scenario] + [
                    _scenario(spec, p, control_multipliers(m, catalogue), catalogue, p.name)
                    for i, (p, m) in enumerate(zip(profiles, maturities, strict=True))
                    if i != support_index
                ]
                shocks.append(
                    Scenario(
                        f"{SHARED_PREFIX}{spec.id}",
                        Frequency(scaled(rate, spread)),
                        _combined(everyone),
                        description=f"{spec.name_en} spreading through the GHT's shared information system",
                    )
                )
    return Model(tuple(scenarios + shocks))


def _aal(model: Model, years: int, seed: int) -> float:
    if years <= 0:
        return model.expected_annual_loss()
    return float(summarize(simulate(model, years, seed))["total"]["aal"])


def tornado(
    profile: EstablishmentProfile,
    maturity: ControlMaturity,
    catalogue: RiskCatalogue | None = None,
    years: int = 0,
    seed: int = 0,
    top: int = 10,
) -> list[tuple[str, float, float]]:
    """Sensitivity of the AAL: each uncertain figure pinned at its low then its high range end.

    Returns (figure path, AAL at low, AAL at high) for the ``top`` widest swings, widest first. Figures are
    ranked on the exact model mean; with ``years`` > 0 the kept ones are re-measured by simulation
    (same seed, common random numbers).
    """
    catalogue = catalogue or load_catalogue()
    swings: list[tuple[float, str, float, float]] = []
    for path, figure in catalogue.figures.items():
        is_cost = path.startswith("controls.") and path.endswith("_eur")
        if not figure.is_uncertain or is_cost or path.startswith(("ght.", "maturity.default_maturity")):
            continue
        low = build_model(profile, maturity, catalogue.with_figure(path, figure.low)).expected_annual_loss()
        high = build_model(profile, maturity, catalogue.with_figure(path, figure.high)).expected_annual_loss()
        if high != low:
            swings.append((abs(high - low), path, low, high))
    swings.sort(key=lambda item: (-item[0], item[1]))
    kept = swings[:top]
    if years <= 0:
        return [(path, low, high) for _, path, low, high in kept]
    return [
        (
            path,
            _aal(
                build_model(profile, maturity, catalogue.with_figure(path, catalogue.figure(path).low)),
                years,
                seed,
            ),
            _aal(
                build_model(profile, maturity, catalogue.with_figure(path, catalogue.figure(path).high)),
                years,
                seed,
            ),
        )
        for _, path, _, _ in kept
    ]
