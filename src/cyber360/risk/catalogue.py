"""The risk catalogue: scenarios (data/scenarios.yaml) and control effects (data/controls.yaml), checked.

Every default figure of the loss model is a :class:`Figure` with its source (a row of calibration.md) or
the assumption it rests on, and the range its true value is believed to lie in. The sensitivity view
(tornado) moves figures between their range ends; nothing else in the model is a free number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

import yaml

from cyber360.quant import ModelError
from cyber360.quant.distributions import Distribution, Fixed
from cyber360.quant.modelfile import DISTRIBUTION_KINDS, parse_distribution
from cyber360.risk.distributions import bounds

#: What a control's multiplier may act on: a scenario's frequency, its degraded-mode days, or a component.
TARGETS = ("frequency", "degraded_mode_days", "asset_damage", "business_interruption", "third_party")
#: Profile quantities a scenario's frequency may scale with.
SIZE_MEASURES = ("beds", "workstations", "servers", "medical_devices", "records_held", "annual_revenue_eur")
#: Exposure findings of the profile that may raise a frequency.
EXPOSURE_FINDINGS = (
    "internet_kev_findings",
    "high_epss_findings",
    "internet_exposed_services",
    "medical_devices_vulnerable",
)
_DRIVEN = (
    "asset_damage.per_day",
    "business_interruption.share_of_activity_lost",
    "business_interruption.extra_cost_share",
)
_ALWAYS = (
    "frequency.rate",
    "frequency.size_exponent",
    "asset_damage.fixed",
    "business_interruption.lasting_share",
    "third_party.fixed",
    "third_party.exfiltration_probability",
    "third_party.per_record_held",
    "third_party.fine_probability",
    "third_party.fine",
)
_GLOBAL = (
    "reference_establishment.annual_revenue_eur",
    "reference_establishment.beds",
    "reference_establishment.patients_per_year",
    "profile_defaults.records_per_patient_year",
    "profile_defaults.workstations_per_bed",
    "profile_defaults.servers_per_bed",
    "profile_defaults.medical_devices_per_bed",
    "profile_defaults.server_weight",
    "economics.variable_cost_share",
    "economics.asset_size_exponent",
    "maturity.reference_maturity",
    "maturity.default_maturity",
    "maturity.frequency_floor",
    "maturity.severity_floor",
    "maturity.ceiling",
    *(f"exposure.{name}" for name in EXPOSURE_FINDINGS),
    "exposure.max_uplift",
    "ght.spread_probability",
)


class CatalogueError(ValueError):
    """The catalogue is unusable; ``path`` names the field, e.g. ``scenarios.ransomware.frequency.rate``."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Figure:
    """A default of the model: a point ``value`` or a ``distribution``, its range, source or assumption."""

    path: str
    low: float
    high: float
    value: float | None = None
    distribution: Distribution | None = None
    source: str | None = None
    assumption: str | None = None

    @property
    def is_uncertain(self) -> bool:
        return self.high > self.low

    @property
    def citation(self) -> str:
        return f"source: {self.source}" if self.source else f"assumption: {self.assumption}"

    def as_distribution(self) -> Distribution:
        if self.distribution is not None:
            return self.distribution
        return Fixed(float(self.value or 0.0))

    def as_number(self) -> float:
        """A point figure's value, or a distribution's mean."""
        return self.value if self.value is not None else self.as_distribution().mean()

    def pinned(self, value: float) -> Figure:
        """The same figure fixed at ``value`` (the sensitivity view pins figures at their range ends)."""
        if self.distribution is not None:
            return replace(self, distribution=Fixed(value), value=None)
        return replace(self, value=value)


@dataclass(frozen=True)
class ScenarioSpec:
    """A threat scenario; its figures live in ``RiskCatalogue.figures`` under ``scenarios.<id>``."""

    id: str
    name_fr: str
    name_en: str
    size_by: str
    exposure: tuple[str, ...]
    has_driver: bool

    def name(self, language: str = "fr") -> str:
        return self.name_fr if language == "fr" else self.name_en


@dataclass(frozen=True)
class ControlEffect:
    """A control's multiplier at full maturity on one target of some scenarios (figure ``path``)."""

    control_id: str
    scenarios: tuple[str, ...]
    target: str
    path: str


@dataclass(frozen=True)
class ControlSpec:
    id: str
    name_fr: str
    name_en: str
    effects: tuple[ControlEffect, ...]

    def name(self, language: str = "fr") -> str:
        return self.name_fr if language == "fr" else self.name_en


@dataclass(frozen=True)
class RiskCatalogue:
    """Scenarios, control effects and every figure they use, by path."""

    model_version: str
    scenarios: tuple[ScenarioSpec, ...]
    controls: tuple[ControlSpec, ...]
    figures: Mapping[str, Figure]
    shared_scenarios: tuple[str, ...] = field(default=("ransomware",))

    def figure(self, path: str) -> Figure:
        try:
            return self.figures[path]
        except KeyError:
            raise CatalogueError(path, "no such figure in the catalogue") from None

    def number(self, path: str) -> float:
        return self.figure(path).as_number()

    def distribution(self, path: str) -> Distribution:
        return self.figure(path).as_distribution()

    def control(self, control_id: str) -> ControlSpec:
        for control in self.controls:
            if control.id == control_id:
                return control
        raise CatalogueError(f"controls.{control_id}", "unknown control")

    def scenario(self, scenario_id: str) -> ScenarioSpec:
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise CatalogueError(f"scenarios.{scenario_id}", "unknown scenario")

    def with_figure(self, path: str, value: float) -> RiskCatalogue:
        """A copy with one figure pinned at ``value``."""
        figures = dict(self.figures)
        figures[path] = self.figure(path).pinned(value)
        return replace(self, figures=figures)


def _text(data: Mapping[str, Any], key: str, path: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{path}.{key}", "must be a non-empty text")
    return value.strip()


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CatalogueError(path, "must be a finite number")
    return float(value)


def parse_figure(data: object, path: str) -> Figure:
    """A figure: ``{<distribution>, source|assumption}`` or ``{value, range: [low, high], source|...}``."""
    if not isinstance(data, Mapping):
        raise CatalogueError(
            path, "must be a mapping with a value or a distribution, and a source or an assumption"
        )
    source, assumption = data.get("source"), data.get("assumption")
    if (source is None) == (assumption is None):
        raise CatalogueError(
            path, "needs exactly one of source: (a calibration.md row) or assumption: (with a range)"
        )
    citation = source if source is not None else assumption
    if not isinstance(citation, str) or not citation.strip():
        raise CatalogueError(path, "source or assumption must be a non-empty text")
    kinds = [key for key in data if key in DISTRIBUTION_KINDS]
    unknown = set(data) - {"source", "assumption", "value", "range", *DISTRIBUTION_KINDS}
    if unknown:
        raise CatalogueError(f"{path}.{sorted(unknown)[0]}", "unknown key")
    cited = {"source": source} if source is not None else {"assumption": assumption}
    if kinds:
        if len(kinds) > 1 or "value" in data:
            raise CatalogueError(path, "give one distribution or one value, not both")
        try:
            distribution = parse_distribution({kinds[0]: data[kinds[0]]}, path)
        except ModelError as error:
            raise CatalogueError(error.path or path, error.reason) from None
        if distribution.support[0] < 0.0:
            raise CatalogueError(path, "cannot be negative")
        low, high = bounds(distribution)
        return Figure(path, low, high, distribution=distribution, **cited)
    if "value" not in data:
        raise CatalogueError(path, "needs value: (with range:) or a distribution such as pert")
    value = _number(data["value"], f"{path}.value")
    raw_range = data.get("range")
    if not isinstance(raw_range, list) or len(raw_range) != 2:
        raise CatalogueError(f"{path}.range", "must be [low, high]")
    low, high = (_number(v, f"{path}.range[{i}]") for i, v in enumerate(raw_range))
    if not low <= value <= high:
        raise CatalogueError(f"{path}.range", f"must contain the value {value:g}")
    return Figure(path, low, high, value=value, **cited)


def _mapping(data: object, path: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise CatalogueError(path, "must be a mapping")
    return data


def _scenarios(data: Mapping[str, Any], figures: dict[str, Figure]) -> tuple[ScenarioSpec, ...]:
    raw = _mapping(data.get("scenarios"), "scenarios")
    specs = []
    for scenario_id, body in raw.items():
        path = f"scenarios.{scenario_id}"
        body = _mapping(body, path)
        frequency = _mapping(body.get("frequency"), f"{path}.frequency")
        size_by = _text(frequency, "size_by", f"{path}.frequency")
        if size_by not in SIZE_MEASURES:
            raise CatalogueError(f"{path}.frequency.size_by", f"must be one of {', '.join(SIZE_MEASURES)}")
        exposure = frequency.get("exposure", [])
        if not isinstance(exposure, list) or any(e not in EXPOSURE_FINDINGS for e in exposure):
            raise CatalogueError(
                f"{path}.frequency.exposure", f"must list some of {', '.join(EXPOSURE_FINDINGS)}"
            )
        has_driver = "degraded_mode_days" in body
        required = _ALWAYS + ((*_DRIVEN, "degraded_mode_days") if has_driver else ())
        for key in required:
            node: object = body
            for part in key.split("."):
                node = _mapping(node, path).get(part)
            if node is None:
                raise CatalogueError(f"{path}.{key}", "is required")
            figures[f"{path}.{key}"] = parse_figure(node, f"{path}.{key}")
        if not has_driver:
            for key in _DRIVEN:
                section, name = key.split(".")
                if name in _mapping(body.get(section, {}), f"{path}.{section}"):
                    raise CatalogueError(f"{path}.{key}", "needs degraded_mode_days")
        specs.append(
            ScenarioSpec(
                str(scenario_id),
                _text(body, "name_fr", path),
                _text(body, "name_en", path),
                size_by,
                tuple(exposure),
                has_driver,
            )
        )
    if not specs:
        raise CatalogueError("scenarios", "must hold at least one scenario")
    return tuple(specs)


def _controls(
    data: Mapping[str, Any], scenario_ids: set[str], figures: dict[str, Figure]
) -> tuple[ControlSpec, ...]:
    raw = data.get("controls")
    if not isinstance(raw, list):
        raise CatalogueError("controls", "must be a list")
    controls: list[ControlSpec] = []
    for index, item in enumerate(raw):
        item = _mapping(item, f"controls[{index}]")
        control_id = _text(item, "id", f"controls[{index}]")
        path = f"controls.{control_id}"
        if any(c.id == control_id for c in controls):
            raise CatalogueError(path, "appears twice")
        effects_data = item.get("effects")
        effects: list[ControlEffect] = []
        if effects_data is not None:
            effects_data = _mapping(effects_data, f"{path}.effects")
            multipliers = effects_data.get("multipliers", [])
            if not isinstance(multipliers, list):
                raise CatalogueError(f"{path}.effects.multipliers", "must be a list")
            for number, effect in enumerate(multipliers):
                effect_path = f"{path}.multipliers[{number}]"
                effect = dict(_mapping(effect, effect_path))
                scenarios = effect.pop("scenarios", None)
                target = effect.pop("target", None)
                if (
                    not isinstance(scenarios, list)
                    or not scenarios
                    or any(s not in scenario_ids for s in scenarios)
                ):
                    raise CatalogueError(f"{effect_path}.scenarios", "must list known scenario ids")
                if target not in TARGETS:
                    raise CatalogueError(f"{effect_path}.target", f"must be one of {', '.join(TARGETS)}")
                figure = parse_figure(effect, effect_path)
                if figure.value is None or not 0.0 < figure.low <= figure.high <= 2.0:
                    raise CatalogueError(effect_path, "a multiplier is a value with a range inside (0, 2]")
                figures[effect_path] = figure
                effects.append(ControlEffect(control_id, tuple(scenarios), str(target), effect_path))
            cost = effects_data.get("cost_per_level")
            if cost is not None:
                cost = _mapping(cost, f"{path}.effects.cost_per_level")
                ends = cost.get("range", [1.0, 1.0])
                for key in ("one_off_eur", "yearly_eur"):
                    value = _number(cost.get(key), f"{path}.effects.cost_per_level.{key}")
                    cited = {k: cost[k] for k in ("source", "assumption") if k in cost}
                    rng = [value * _number(ends[0], "range"), value * _number(ends[1], "range")]
                    figures[f"{path}.{key}"] = parse_figure(
                        {"value": value, "range": rng, **cited}, f"{path}.{key}"
                    )
        controls.append(
            ControlSpec(
                control_id, _text(item, "name_fr", path), _text(item, "name_en", path), tuple(effects)
            )
        )
    return tuple(controls)


def _read(name: str) -> Mapping[str, Any]:
    text = resources.files("cyber360.data").joinpath(name).read_text(encoding="utf-8")
    return _mapping(yaml.safe_load(text), name)


def catalogue_from_data(scenarios: Mapping[str, Any], controls: Mapping[str, Any]) -> RiskCatalogue:
    """Check and assemble the two parsed files; :class:`CatalogueError` names the first bad field."""
    figures: dict[str, Figure] = {}
    for path in _GLOBAL:
        section, key = path.split(".")
        figures[path] = parse_figure(_mapping(scenarios.get(section), section).get(key), path)
    specs = _scenarios(scenarios, figures)
    ids = {s.id for s in specs}
    shared = _mapping(scenarios.get("ght"), "ght").get("shared_scenarios", [])
    if not isinstance(shared, list) or any(s not in ids for s in shared):
        raise CatalogueError("ght.shared_scenarios", "must list known scenario ids")
    version = _text(scenarios, "model_version", "")
    return RiskCatalogue(version, specs, _controls(controls, ids, figures), figures, tuple(shared))


def load_catalogue() -> RiskCatalogue:
    """The packaged catalogue: data/scenarios.yaml and the ``effects`` of data/controls.yaml."""
    return catalogue_from_data(_read("scenarios.yaml"), _read("controls.yaml"))
