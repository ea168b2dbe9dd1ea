"""Model files: YAML (or an already-parsed dict) to a :class:`Model`, with errors that name the field.

Grammar (every number in euros, events per year, or driver units)::

    scenarios:
      - name: ransomware                      # unique
        description: ...                      # optional
        frequency: {pert: {low: 0.05, mode: 0.2, high: 0.6}}          # uncertain rate, drawn per year
        # or {rate: 0.1} (known rate), or {rate: {lognormal: ...}},
        # plus optional count: negative_binomial and dispersion: 0.5 (Var = rate + dispersion rate^2)
        magnitude: {lognormal: {low: 50000, high: 5000000}}          # one distribution, or:
        # magnitude:
        #   driver: {name: degraded_mode_days, unit: days, pert: {low: 1, mode: 5, high: 60}}
        #   components:
        #     asset_damage: {lognormal: {median: 200000, sigma: 1.0}}
        #     business_interruption: {per_unit: {pert: {low: 20000, mode: 60000, high: 150000}}}
        #     third_party: {base: {fixed: 10000}, per_unit: {uniform: {low: 0, high: 2000}}}

Distributions: ``fixed {value}``, ``uniform {low, high}``, ``triangular {low, mode, high}``,
``pert {low, mode, high}``, ``lognormal {median, sigma}`` or ``{low, high[, coverage]}`` (a central
interval, 90 % by default), ``empirical {values: [...]}``,
``pareto_tail {body: <distribution>, threshold, scale, shape[, tail_probability]}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from cyber360.quant.counts import count_model
from cyber360.quant.distributions import (
    Distribution,
    Empirical,
    Fixed,
    LogNormal,
    Pert,
    Triangular,
    Uniform,
)
from cyber360.quant.errors import ModelError, join_path
from cyber360.quant.model import INSURED_COMPONENTS, Component, Driver, Frequency, Magnitude, Model, Scenario
from cyber360.quant.tails import ParetoTail

#: Largest model file accepted, in bytes.
MAX_FILE_BYTES = 10 * 1024 * 1024
T = TypeVar("T")


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (YAML would keep the last)."""


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise ModelError("", f"key {key!r} appears twice in the same mapping (line {line})")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_model_file(path: str | Path) -> Model:
    """Read and check a YAML model file."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as error:
        raise ModelError("", f"cannot read {file}: {error.strerror}") from error
    if size > MAX_FILE_BYTES:
        raise ModelError("", f"{file} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ModelError("", f"{file} is not UTF-8 text") from error
    return parse_model_text(text)


def parse_model_text(text: str) -> Model:
    """Parse YAML text (safe loader, no duplicate keys) into a checked model."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise ModelError("", f"not valid YAML: {error.problem}{where}") from error
    except yaml.YAMLError as error:
        raise ModelError("", f"not valid YAML: {error}") from error
    return model_from_dict(data)


def _mapping(data: object, path: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ModelError(path, "must be a mapping (key: value)")
    for key in data:
        if key not in allowed:
            raise ModelError(join_path(path, str(key)), f"unknown key; expected one of {', '.join(allowed)}")
    return data


def _construct(path: str, factory: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a constructor whose errors name fields relative to itself, and anchor them at ``path``."""
    try:
        return factory(*args, **kwargs)
    except ModelError as error:
        raise error.within(path) from None


def _required(data: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in data or data[key] is None:
        raise ModelError(join_path(path, key), "is required")
    return data[key]


def _number(value: object, path: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip().replace("_", ""))
        except ValueError:
            raise ModelError(path, f"must be a number, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelError(path, "must be a number")
    if not math.isfinite(value):
        raise ModelError(path, "must be a finite number")
    return float(value)


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ModelError(path, "must be a non-empty text")
    return value.strip()


def _numbers(data: Mapping[str, Any], keys: tuple[str, ...], path: str) -> dict[str, float]:
    return {key: _number(_required(data, key, path), join_path(path, key)) for key in keys}


def _fixed(data: Mapping[str, Any], path: str) -> Distribution:
    return _construct(path, Fixed, **_numbers(_mapping(data, path, ("value",)), ("value",), path))


def _uniform(data: Mapping[str, Any], path: str) -> Distribution:
    keys = ("low", "high")
    return _construct(path, Uniform, **_numbers(_mapping(data, path, keys), keys, path))


def _triangular(data: Mapping[str, Any], path: str) -> Distribution:
    keys = ("low", "mode", "high")
    return _construct(path, Triangular, **_numbers(_mapping(data, path, keys), keys, path))


def _pert(data: Mapping[str, Any], path: str) -> Distribution:
    keys = ("low", "mode", "high")
    return _construct(path, Pert, **_numbers(_mapping(data, path, keys), keys, path))


def _lognormal(data: Mapping[str, Any], path: str) -> Distribution:
    params = _mapping(data, path, ("median", "sigma", "low", "high", "coverage"))
    by_median = "median" in params or "sigma" in params
    by_interval = "low" in params or "high" in params or "coverage" in params
    if by_median and by_interval:
        raise ModelError(path, "give either median and sigma, or low and high (a 90 % interval), not both")
    if by_median:
        return _construct(path, LogNormal.from_median, **_numbers(params, ("median", "sigma"), path))
    if by_interval:
        values = _numbers(params, ("low", "high"), path)
        coverage = _number(params["coverage"], join_path(path, "coverage")) if "coverage" in params else 0.90
        return _construct(path, LogNormal.from_interval, values["low"], values["high"], coverage)
    raise ModelError(path, "needs median and sigma, or low and high (a 90 % interval)")


def _empirical(data: Mapping[str, Any], path: str) -> Distribution:
    values = _required(_mapping(data, path, ("values",)), "values", path)
    if not isinstance(values, list) or not values:
        raise ModelError(join_path(path, "values"), "must be a non-empty list of numbers")
    numbers = tuple(_number(v, join_path(path, f"values[{i}]")) for i, v in enumerate(values))
    return _construct(path, Empirical, numbers)


def _pareto_tail(data: Mapping[str, Any], path: str) -> Distribution:
    params = _mapping(data, path, ("body", "threshold", "scale", "shape", "tail_probability"))
    body = parse_distribution(_required(params, "body", path), join_path(path, "body"))
    numbers = _numbers(params, ("threshold", "scale", "shape"), path)
    tail = params.get("tail_probability")
    tail_probability = None if tail is None else _number(tail, join_path(path, "tail_probability"))
    return _construct(path, ParetoTail, body, tail_probability=tail_probability, **numbers)


_DISTRIBUTIONS: dict[str, Callable[[Mapping[str, Any], str], Distribution]] = {
    "fixed": _fixed,
    "uniform": _uniform,
    "triangular": _triangular,
    "pert": _pert,
    "lognormal": _lognormal,
    "empirical": _empirical,
    "pareto_tail": _pareto_tail,
}
DISTRIBUTION_KINDS = tuple(_DISTRIBUTIONS)


def _distribution_keys(data: Mapping[str, Any]) -> list[str]:
    return [key for key in data if key in _DISTRIBUTIONS]


def parse_distribution(data: object, path: str) -> Distribution:
    """``{kind: {parameters}}`` to a distribution; errors point inside it, e.g. ``...pert.high``."""
    if not isinstance(data, Mapping) or len(data) != 1:
        raise ModelError(
            path,
            f"must be one distribution such as {{pert: {{low, mode, high}}}}; "
            f"kinds: {', '.join(DISTRIBUTION_KINDS)}",
        )
    kind = next(iter(data))
    if kind not in _DISTRIBUTIONS:
        expected = ", ".join(DISTRIBUTION_KINDS)
        raise ModelError(join_path(path, str(kind)), f"unknown distribution; expected one of {expected}")
    inner = join_path(path, kind)
    params = data[kind]
    if not isinstance(params, Mapping):
        raise ModelError(inner, "must be a mapping of parameters, e.g. {low: 1, mode: 2, high: 5}")
    return _DISTRIBUTIONS[kind](params, inner)


def _not_negative(distribution: Distribution, path: str, what: str) -> Distribution:
    lowest = distribution.support[0]
    if lowest < 0.0:
        raise ModelError(path, f"{what} cannot be negative (lowest value {lowest:g})")
    return distribution


def parse_frequency(data: object, path: str) -> Frequency:
    """A frequency: ``{rate: number | distribution}`` or ``{<distribution>}``, with optional count model."""
    params = _mapping(data, path, ("rate", "count", "dispersion", *DISTRIBUTION_KINDS))
    kinds = _distribution_keys(params)
    if "rate" in params:
        if kinds:
            raise ModelError(join_path(path, kinds[0]), "give either rate or a distribution, not both")
        rate_path = join_path(path, "rate")
        raw = params["rate"]
        rate = (
            Fixed(_number(raw, rate_path))
            if not isinstance(raw, Mapping)
            else parse_distribution(raw, rate_path)
        )
    elif len(kinds) == 1:
        rate_path = join_path(path, kinds[0])
        rate = parse_distribution({kinds[0]: params[kinds[0]]}, path)
    elif kinds:
        raise ModelError(join_path(path, kinds[1]), "give one distribution of the rate only")
    else:
        raise ModelError(path, "needs rate: <events per year> or a distribution of the rate, such as pert")
    _not_negative(rate, rate_path, "events per year")
    kind = _text(params.get("count", "poisson"), join_path(path, "count"))
    raw_dispersion = params.get("dispersion")
    dispersion = None if raw_dispersion is None else _number(raw_dispersion, join_path(path, "dispersion"))
    counts = _construct(path, count_model, kind, dispersion)
    return _construct(path, Frequency, rate, counts)


def _component(name: str, data: object, path: str) -> Component:
    if name not in INSURED_COMPONENTS:
        raise ModelError(path, f"unknown component; expected one of {', '.join(INSURED_COMPONENTS)}")
    if isinstance(data, Mapping) and data and set(data) <= {"base", "per_unit"}:
        parts = {
            part: _loss_distribution(data[part], join_path(path, part))
            if data.get(part) is not None
            else None
            for part in ("base", "per_unit")
        }
        return _construct(path, Component, name, **parts)
    if not isinstance(data, Mapping) or not _distribution_keys(data):
        raise ModelError(path, "must be a distribution, or base: and/or per_unit: distributions")
    return _construct(path, Component, name, base=_loss_distribution(data, path))


def _loss_distribution(data: object, path: str) -> Distribution:
    distribution = parse_distribution(data, path)
    return _not_negative(
        distribution, join_path(path, next(iter(data))) if isinstance(data, Mapping) else path, "a loss"
    )


def _driver(data: object, path: str) -> Driver:
    params = _mapping(data, path, ("name", "unit", *DISTRIBUTION_KINDS))
    name = _text(_required(params, "name", path), join_path(path, "name"))
    unit = _text(params["unit"], join_path(path, "unit")) if "unit" in params else ""
    kinds = _distribution_keys(params)
    if len(kinds) != 1:
        raise ModelError(path, "needs exactly one distribution, e.g. pert: {low, mode, high}")
    distribution = parse_distribution({kinds[0]: params[kinds[0]]}, path)
    return _construct(
        path, Driver, name, _not_negative(distribution, join_path(path, kinds[0]), "a driver"), unit
    )


def parse_magnitude(data: object, path: str) -> Magnitude:
    """A magnitude: one distribution, or ``components`` (with an optional shared ``driver``)."""
    params = _mapping(data, path, ("components", "driver", *DISTRIBUTION_KINDS))
    if "components" not in params:
        if "driver" in params:
            raise ModelError(join_path(path, "driver"), "only applies with components")
        return Magnitude.single(_loss_distribution(params, path))
    if _distribution_keys(params):
        raise ModelError(
            join_path(path, _distribution_keys(params)[0]), "give either components or one distribution"
        )
    components_path = join_path(path, "components")
    raw = params["components"]
    if not isinstance(raw, Mapping) or not raw:
        raise ModelError(components_path, "must map component names to distributions")
    driver = _driver(params["driver"], join_path(path, "driver")) if "driver" in params else None
    components = tuple(_component(str(n), d, join_path(components_path, str(n))) for n, d in raw.items())
    return _construct(path, Magnitude, components, driver)


def parse_scenario(data: object, path: str) -> Scenario:
    params = _mapping(data, path, ("name", "description", "frequency", "magnitude"))
    name = _text(_required(params, "name", path), join_path(path, "name"))
    description = (
        _text(params["description"], join_path(path, "description")) if "description" in params else ""
    )
    frequency = parse_frequency(_required(params, "frequency", path), join_path(path, "frequency"))
    magnitude = parse_magnitude(_required(params, "magnitude", path), join_path(path, "magnitude"))
    return _construct(path, Scenario, name, frequency, magnitude, description)


def model_from_dict(data: object) -> Model:
    """A parsed model file (mapping with ``scenarios``) to a checked model."""
    params = _mapping(data, "", ("scenarios", "description"))
    scenarios = _required(params, "scenarios", "")
    if not isinstance(scenarios, list) or not scenarios:
        raise ModelError("scenarios", "must be a non-empty list of scenarios")
    parsed = tuple(parse_scenario(s, f"scenarios[{i}]") for i, s in enumerate(scenarios))
    return _construct("", Model, parsed)
