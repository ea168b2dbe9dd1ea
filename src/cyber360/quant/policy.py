"""Insurance policy terms and pricing loadings, and their file format (YAML or a parsed dict).

Grammar (amounts in euros; every field optional unless said)::

    sections:                       # required, at least one; either `all` alone or per component
      all: {deductible: 100000, limit: 500000}
      # asset_damage / business_interruption / third_party / crisis_costs:
      #   {deductible, limit, annual_aggregate_limit, share}
    operating_loss: {waiting_period_hours: 12, indemnity_period_days: 180}
    annual_aggregate_limit: 800000      # policy-wide, on the insurer's amounts (after shares)
    annual_aggregate_deductible: 0      # policy-wide, eroded before the aggregate limit
    exclude_systemic: false             # war / state-backed events: flagged events or the scenarios below
    systemic_scenarios: [systemic_wave]
    complaint_probability: 0.95         # L.12-10-1 complaint within 72 h, expected share (pricing only)
    loadings: {expense_ratio: 0.25, margin: 0.05, cost_of_capital: 0.06,
               claims_handling: 0.0, capital_level: 0.995, capital_method: standalone}

Errors are :class:`ModelError` naming the field path (``sections.all.limit: must be > 0``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cyber360.quant.errors import ModelError
from cyber360.quant.modelfile import MAX_FILE_BYTES

#: Sections a policy may name: the insured components, crisis costs where modelled, or everything.
SECTIONS = ("asset_damage", "business_interruption", "third_party", "crisis_costs", "all")
CAPITAL_METHODS = ("euler", "standalone")
#: Complaint filed within 72 h (Code des assurances L.12-10-1): assumption 0.95, range 0.9-1.0 (no public
#: figure; public hospitals file complaints routinely after a cyberattack).
DEFAULT_COMPLAINT_PROBABILITY = 0.95


@dataclass(frozen=True)
class Section:
    """Per-claim and annual terms of one section, on 100 % amounts; ``share`` is the insurer's part."""

    deductible: float = 0.0
    limit: float = math.inf
    annual_aggregate_limit: float = math.inf
    share: float = 1.0

    def __post_init__(self) -> None:
        _check_amount("deductible", self.deductible, allow_zero=True)
        _check_amount("limit", self.limit, allow_zero=False)
        _check_amount("annual_aggregate_limit", self.annual_aggregate_limit, allow_zero=True)
        if not 0.0 < self.share <= 1.0:
            raise ModelError("share", "must lie in (0, 1]")


@dataclass(frozen=True)
class OperatingLoss:
    """Time terms of the business-interruption section, on the event's degraded-mode days."""

    waiting_period_hours: float = 0.0
    indemnity_period_days: float = math.inf

    def __post_init__(self) -> None:
        _check_amount("waiting_period_hours", self.waiting_period_hours, allow_zero=True)
        _check_amount("indemnity_period_days", self.indemnity_period_days, allow_zero=False)


@dataclass(frozen=True)
class Loadings:
    """Pricing loadings: see :mod:`cyber360.quant.pricing` for the formula."""

    expense_ratio: float = 0.25
    margin: float = 0.05
    cost_of_capital: float = 0.06
    claims_handling: float = 0.0  # share of the expected net loss
    capital_level: float = 0.995
    capital_method: str = "standalone"

    def __post_init__(self) -> None:
        for name in ("expense_ratio", "margin", "cost_of_capital", "claims_handling"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ModelError(name, f"must lie in [0, 1), not {value!r}")
        if self.expense_ratio + self.margin >= 1.0:
            raise ModelError("margin", "expense_ratio + margin must be < 1")
        if not 0.0 < self.capital_level < 1.0:
            raise ModelError("capital_level", "must lie strictly between 0 and 1")
        if self.capital_method not in CAPITAL_METHODS:
            raise ModelError("capital_method", f"must be one of {', '.join(CAPITAL_METHODS)}")


@dataclass(frozen=True)
class Policy:
    """A cyber policy: sections, operating-loss time terms, policy aggregates, exclusions, loadings."""

    sections: Mapping[str, Section]
    operating_loss: OperatingLoss = field(default_factory=OperatingLoss)
    annual_aggregate_limit: float = math.inf
    annual_aggregate_deductible: float = 0.0
    exclude_systemic: bool = False
    systemic_scenarios: tuple[str, ...] = ()
    complaint_probability: float = DEFAULT_COMPLAINT_PROBABILITY
    loadings: Loadings = field(default_factory=Loadings)

    def __post_init__(self) -> None:
        if not self.sections:
            raise ModelError("sections", "must name at least one section")
        for name in self.sections:
            if name not in SECTIONS:
                raise ModelError(
                    f"sections.{name}", f"unknown section; expected one of {', '.join(SECTIONS)}"
                )
        if "all" in self.sections and len(self.sections) > 1:
            raise ModelError("sections.all", "cannot be combined with per-component sections")
        _check_amount("annual_aggregate_limit", self.annual_aggregate_limit, allow_zero=True)
        _check_amount("annual_aggregate_deductible", self.annual_aggregate_deductible, allow_zero=True)
        if not 0.0 <= self.complaint_probability <= 1.0:
            raise ModelError("complaint_probability", "must lie in [0, 1]")


def _check_amount(name: str, value: float, *, allow_zero: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ModelError(name, "must be a number")
    if value < 0 or (value == 0 and not allow_zero):
        raise ModelError(name, "must be >= 0" if allow_zero else "must be > 0")


def _number(data: Mapping[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelError(key, f"must be a number, not {value!r}")
    return float(value)


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ModelError(path, "must be a mapping")
    return value


def _refuse_unknown(data: Mapping[str, Any], known: tuple[str, ...], path: str) -> None:
    for key in data:
        if key not in known:
            raise ModelError(
                f"{path}.{key}" if path else str(key), f"unknown field; expected {', '.join(known)}"
            )


_SECTION_FIELDS = ("deductible", "limit", "annual_aggregate_limit", "share")
_OPERATING_FIELDS = ("waiting_period_hours", "indemnity_period_days")
_LOADING_FIELDS = (
    "expense_ratio",
    "margin",
    "cost_of_capital",
    "claims_handling",
    "capital_level",
    "capital_method",
)
_POLICY_FIELDS = (
    "sections",
    "operating_loss",
    "annual_aggregate_limit",
    "annual_aggregate_deductible",
    "exclude_systemic",
    "systemic_scenarios",
    "complaint_probability",
    "loadings",
)


def _section(data: Mapping[str, Any]) -> Section:
    _refuse_unknown(data, _SECTION_FIELDS, "")
    return Section(
        _number(data, "deductible", 0.0),
        _number(data, "limit", math.inf),
        _number(data, "annual_aggregate_limit", math.inf),
        _number(data, "share", 1.0),
    )


def _loadings(data: Mapping[str, Any]) -> Loadings:
    _refuse_unknown(data, _LOADING_FIELDS, "")
    method = data.get("capital_method", "standalone")
    if not isinstance(method, str):
        raise ModelError("capital_method", "must be a text")
    defaults = Loadings()
    numbers = {k: _number(data, k, getattr(defaults, k)) for k in _LOADING_FIELDS if k != "capital_method"}
    return Loadings(**numbers, capital_method=method)


def _within(prefix: str, build: Any, *args: Any) -> Any:
    try:
        return build(*args)
    except ModelError as error:
        raise error.within(prefix) from None


def policy_from_dict(data: object) -> Policy:
    """Check and build a :class:`Policy` from parsed YAML/JSON; errors name the field path."""
    root = _mapping(data, "")
    _refuse_unknown(root, _POLICY_FIELDS, "")
    if "sections" not in root:
        raise ModelError("sections", "is required")
    sections_data = _mapping(root["sections"], "sections")
    sections = {
        str(name): _within(f"sections.{name}", _section, _mapping(value, f"sections.{name}"))
        for name, value in sections_data.items()
    }
    operating = _mapping(root.get("operating_loss", {}), "operating_loss")
    _within("operating_loss", _refuse_unknown, operating, _OPERATING_FIELDS, "")
    operating_loss = _within(
        "operating_loss",
        lambda: OperatingLoss(
            _number(operating, "waiting_period_hours", 0.0),
            _number(operating, "indemnity_period_days", math.inf),
        ),
    )
    loadings = _within("loadings", _loadings, _mapping(root.get("loadings", {}), "loadings"))
    systemic = root.get("systemic_scenarios", [])
    if not isinstance(systemic, list) or not all(isinstance(s, str) for s in systemic):
        raise ModelError("systemic_scenarios", "must be a list of scenario names")
    exclude = root.get("exclude_systemic", False)
    if not isinstance(exclude, bool):
        raise ModelError("exclude_systemic", "must be true or false")
    return Policy(
        sections=sections,
        operating_loss=operating_loss,
        annual_aggregate_limit=_number(root, "annual_aggregate_limit", math.inf),
        annual_aggregate_deductible=_number(root, "annual_aggregate_deductible", 0.0),
        exclude_systemic=exclude,
        systemic_scenarios=tuple(systemic),
        complaint_probability=_number(root, "complaint_probability", DEFAULT_COMPLAINT_PROBABILITY),
        loadings=loadings,
    )


def load_policy_file(path: str | Path) -> Policy:
    """Read and check a YAML policy file (safe loader, duplicate keys refused, size-limited)."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise ModelError("", f"{file} is larger than {MAX_FILE_BYTES} bytes")
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ModelError("", f"cannot read {file}: {error.strerror}") from error
    return policy_from_dict(parse_policy_yaml(text))


def parse_policy_yaml(text: str) -> object:
    """The parsed YAML document (same loader as model files)."""
    import yaml

    from cyber360.quant.modelfile import _UniqueKeyLoader

    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ModelError("", f"not valid YAML: {error}") from error


__all__ = [
    "SECTIONS",
    "Loadings",
    "OperatingLoss",
    "Policy",
    "Section",
    "load_policy_file",
    "policy_from_dict",
]
