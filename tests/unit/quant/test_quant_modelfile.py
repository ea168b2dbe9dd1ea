"""Model files: the issue's minimal file as it is, richer files, and clear errors naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyber360.quant.counts import NegativeBinomial, Poisson
from cyber360.quant.distributions import Empirical, Fixed, LogNormal, Pert, Triangular, Uniform
from cyber360.quant.errors import ModelError
from cyber360.quant.model import SINGLE_COMPONENT
from cyber360.quant.modelfile import MAX_FILE_BYTES, load_model_file, model_from_dict, parse_model_text
from cyber360.quant.tails import ParetoTail

EXAMPLES = Path(__file__).parents[3] / "examples"
MINIMAL = """
scenarios:
  - name: ransomware
    frequency: {pert: {low: 0.05, mode: 0.2, high: 0.6}}        # events per year
    magnitude: {pert: {low: 50000, mode: 400000, high: 5000000}}  # euros per event
  - name: data_breach
    frequency: {rate: 0.1}
    magnitude: {lognormal: {low: 50000, high: 5000000}}          # 90 % interval
"""

RICH = """
description: a richer model
scenarios:
  - name: ransomware
    description: encryption of the information system
    frequency:
      rate: {triangular: {low: 0.01, mode: 0.02, high: 0.05}}
      count: negative_binomial
      dispersion: 0.5
    magnitude:
      driver: {name: degraded_mode_days, unit: days, pert: {low: 1, mode: 10, high: 90}}
      components:
        asset_damage:
          base: {lognormal: {median: 300000, sigma: 1}}
          per_unit: {uniform: {low: 1000, high: 5000}}
        business_interruption: {per_unit: {pert: {low: 20000, mode: 60000, high: 150000}}}
        third_party: {empirical: {values: [0, 10000, 250000]}}
  - name: breach
    frequency: {rate: 5e-2}
    magnitude:
      pareto_tail:
        body: {lognormal: {median: 200000, sigma: 1.1}}
        threshold: 2_000_000
        scale: 1500000
        shape: 0.4
        tail_probability: 0.02
"""


def test_the_minimal_model_of_the_issue() -> None:
    model = parse_model_text(MINIMAL)
    ransomware, breach = model.scenarios
    assert model.scenario_names == ("ransomware", "data_breach")
    assert ransomware.frequency.rate == Pert(0.05, 0.2, 0.6)
    assert ransomware.frequency.counts == Poisson()
    assert ransomware.magnitude.components[0].name == SINGLE_COMPONENT
    assert ransomware.magnitude.components[0].base == Pert(50_000, 400_000, 5_000_000)
    assert breach.frequency.rate == Fixed(0.1)
    assert breach.magnitude.components[0].base == LogNormal.from_interval(50_000, 5_000_000)
    assert load_model_file(EXAMPLES / "minimal.yaml") == model


def test_a_richer_model() -> None:
    model = parse_model_text(RICH)
    ransomware, breach = model.scenarios
    assert ransomware.description == "encryption of the information system"
    assert ransomware.frequency.rate == Triangular(0.01, 0.02, 0.05)
    assert ransomware.frequency.counts == NegativeBinomial(0.5)
    magnitude = ransomware.magnitude
    assert magnitude.driver is not None and magnitude.driver.unit == "days"
    assert magnitude.component_names == ("asset_damage", "business_interruption", "third_party")
    assert magnitude.components[0].per_unit == Uniform(1000, 5000)
    assert magnitude.components[2].base == Empirical((0, 10_000, 250_000))
    assert breach.frequency.rate == Fixed(0.05)  # "5e-2" is a string to YAML 1.1: read as a number
    tail = breach.magnitude.components[0].base
    assert isinstance(tail, ParetoTail) and tail.threshold == 2_000_000 and tail.tail_probability == 0.02
    assert model.component_names == ("asset_damage", "business_interruption", "third_party", "loss")


def test_the_example_files_load() -> None:
    for path in sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.startswith("policy")):
        assert load_model_file(path).scenarios


def error_of(text: str) -> str:
    with pytest.raises(ModelError) as caught:
        parse_model_text(text)
    return str(caught.value)


def scenario(
    frequency: str = "{rate: 0.1}", magnitude: str = "{fixed: {value: 1000}}", name: str = "s"
) -> str:
    return f"scenarios:\n  - name: {name}\n    frequency: {frequency}\n    magnitude: {magnitude}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            scenario("{pert: {low: 0.1, mode: 0.3, high: 0.2}}"),
            "scenarios[0].frequency.pert.high: must be >= mode",
        ),
        (scenario("{pert: {low: 0.1, mode: 0.3}}"), "scenarios[0].frequency.pert.high: is required"),
        (
            scenario("{pert: {low: 0.1, mode: 0.3, high: 1, modee: 2}}"),
            "scenarios[0].frequency.pert.modee: unknown key",
        ),
        (scenario("{rate: -1}"), "scenarios[0].frequency.rate: events per year cannot be negative"),
        (
            scenario("{uniform: {low: -1, high: 1}}"),
            "scenarios[0].frequency.uniform: events per year cannot be negative",
        ),
        (scenario("{rate: abc}"), "scenarios[0].frequency.rate: must be a number, not 'abc'"),
        (scenario("{rate: true}"), "scenarios[0].frequency.rate: must be a number"),
        (scenario("{rate: .nan}"), "scenarios[0].frequency.rate: must be a finite number"),
        (scenario("{}"), "scenarios[0].frequency: needs rate"),
        (
            scenario("{rate: 1, pert: {low: 1, mode: 2, high: 3}}"),
            "scenarios[0].frequency.pert: give either rate",
        ),
        (scenario("{rate: 1, count: negative_binomial}"), "scenarios[0].frequency.dispersion: is required"),
        (scenario("{rate: 1, dispersion: 2}"), "scenarios[0].frequency.dispersion: only applies"),
        (
            scenario("{rate: 1, count: binomial}"),
            "scenarios[0].frequency.count: must be poisson or negative_binomial",
        ),
        (
            scenario("{rate: 1, count: negative_binomial, dispersion: 0}"),
            "scenarios[0].frequency.dispersion: must be > 0",
        ),
        (scenario(magnitude="{gamma: {shape: 2}}"), "scenarios[0].magnitude.gamma: unknown key"),
        (
            scenario(magnitude="{pert: [1, 2, 3]}"),
            "scenarios[0].magnitude.pert: must be a mapping of parameters",
        ),
        (
            scenario(magnitude="{lognormal: {median: 5, low: 1}}"),
            "scenarios[0].magnitude.lognormal: give either",
        ),
        (
            scenario(magnitude="{lognormal: {sigma: 1}}"),
            "scenarios[0].magnitude.lognormal.median: is required",
        ),
        (
            scenario(magnitude="{lognormal: {low: 10, high: 5}}"),
            "scenarios[0].magnitude.lognormal.high: must be > low",
        ),
        (
            scenario(magnitude="{uniform: {low: -5, high: 5}}"),
            "scenarios[0].magnitude.uniform: a loss cannot be negative",
        ),
        (
            scenario(magnitude="{empirical: {values: []}}"),
            "scenarios[0].magnitude.empirical.values: must be a non-empty",
        ),
        (
            scenario(magnitude="{empirical: {values: [1, x]}}"),
            "scenarios[0].magnitude.empirical.values[1]: must be a number",
        ),
        (
            scenario(
                magnitude="{components: {asset_damage: {fixed: {value: 1}}}, "
                "pert: {low: 1, mode: 2, high: 3}}"
            ),
            "scenarios[0].magnitude.pert: give either components or one distribution",
        ),
        (
            scenario(magnitude="{components: {assets: {fixed: {value: 1}}}}"),
            "scenarios[0].magnitude.components.assets: unknown component; expected one of asset_damage",
        ),
        (
            scenario(magnitude="{components: {asset_damage: {per_unit: {fixed: {value: 1}}}}}"),
            "scenarios[0].magnitude.components.asset_damage.per_unit: needs a driver",
        ),
        (
            scenario(magnitude="{components: {asset_damage: {base: null}}}"),
            "scenarios[0].magnitude.components.asset_damage: needs a base distribution",
        ),
        (
            scenario(magnitude="{components: {asset_damage: 5}}"),
            "scenarios[0].magnitude.components.asset_damage: must be a distribution",
        ),
        (
            scenario(magnitude="{driver: {name: d, fixed: {value: 1}}, fixed: {value: 1}}"),
            "scenarios[0].magnitude.driver: only applies with components",
        ),
        (
            scenario(
                magnitude="{components: {asset_damage: {fixed: {value: 1}}}, driver: {fixed: {value: 1}}}"
            ),
            "scenarios[0].magnitude.driver.name: is required",
        ),
        (
            scenario(magnitude="{components: {asset_damage: {fixed: {value: 1}}}, driver: {name: d}}"),
            "scenarios[0].magnitude.driver: needs exactly one distribution",
        ),
        (
            scenario(
                magnitude="{pareto_tail: {body: {uniform: {low: 0, high: 10}}, "
                "threshold: 5, scale: 0, shape: 1}}"
            ),
            "scenarios[0].magnitude.pareto_tail.scale: must be > 0",
        ),
        (
            scenario(
                magnitude="{pareto_tail: {body: {uniform: {low: 0, high: 10}}, threshold: 5, scale: 1}}"
            ),
            "scenarios[0].magnitude.pareto_tail.shape: is required",
        ),
        (
            scenario(
                magnitude="{pareto_tail: {body: {pert: {low: 3, mode: 2, high: 5}}, "
                "threshold: 5, scale: 1, shape: 1}}"
            ),
            "scenarios[0].magnitude.pareto_tail.body.pert.mode: must be >= low",
        ),
        ("scenarios:\n  - name: s\n    frequency: {rate: 1}\n", "scenarios[0].magnitude: is required"),
        (
            "scenarios:\n  - frequency: {rate: 1}\n    magnitude: {fixed: {value: 1}}\n",
            "scenarios[0].name: is required",
        ),
        (scenario() + scenario().replace("scenarios:\n", ""), "scenarios[1].name: 's' is already used"),
        ("scenarios: []\n", "scenarios: must be a non-empty list"),
        ("scenario: []\n", "scenario: unknown key; expected one of scenarios, description"),
        ("- 1\n- 2\n", "must be a mapping"),
        ("scenarios:\n  - name: a\n    name: b\n", "key 'name' appears twice in the same mapping (line 3)"),
        ("scenarios: [\n", "not valid YAML"),
        ("!!python/object/apply:os.system ['true']\n", "not valid YAML"),
    ],
)
def test_errors_name_the_field_and_the_reason(text: str, message: str) -> None:
    assert message in error_of(text)


def test_dicts_are_accepted_as_well() -> None:
    data = {"scenarios": [{"name": "a", "frequency": {"rate": 1}, "magnitude": {"fixed": {"value": 2}}}]}
    assert model_from_dict(data).expected_annual_loss() == 2.0


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot read"):
        load_model_file(tmp_path / "missing.yaml")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ModelError, match="larger than"):
        load_model_file(big)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("scenarios: [{name: \xe9}]".encode("latin-1"))
    with pytest.raises(ModelError, match="not UTF-8"):
        load_model_file(latin)
