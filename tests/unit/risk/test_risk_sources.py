"""Every default figure of data/scenarios.yaml and of the control effects cites a source or an assumption."""

from importlib import resources

import yaml

from cyber360.quant.modelfile import DISTRIBUTION_KINDS
from cyber360.risk.model import load_catalogue

# Row names of ../shared/calibration.md (and its two incidents) that a `source:` may cite.
CALIBRATION_ROWS = (
    "public hospital revenue", "French public hospital sites", "OPSSIS", "impactful ransomware rate",
    "activity drop after an attack", "US downtime", "CH Dax", "CHSF", "Sophos", "fines", "fixed + per-record",
    "control effects", "CaRE programme", "declaring structures", "healthcare breach cost", "per-record cost",
)  # fmt: skip


def _figures(node, path):
    if isinstance(node, dict):
        distribution = [k for k in DISTRIBUTION_KINDS if isinstance(node.get(k), dict)]
        is_parameters = distribution and not any(isinstance(v, dict) for v in node[distribution[0]].values())
        if "value" in node or is_parameters or "one_off_eur" in node:
            yield path, node
            return
        for key, value in node.items():
            yield from _figures(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _figures(value, f"{path}[{index}]")


def _load(name):
    return yaml.safe_load(resources.files("cyber360.data").joinpath(name).read_text(encoding="utf-8"))


def test_every_figure_has_a_source_or_an_assumption_with_a_range():
    scenarios, controls = _load("scenarios.yaml"), _load("controls.yaml")
    found = list(_figures(scenarios, "")) + list(_figures(controls["controls"], "controls"))
    assert len(found) > 120
    for path, figure in found:
        cited = [k for k in ("source", "assumption") if figure.get(k)]
        assert len(cited) == 1, path
        if "value" in figure or "one_off_eur" in figure:
            assert "range" in figure, path
        if cited == ["source"]:
            assert any(row.lower() in figure["source"].lower() for row in CALIBRATION_ROWS), path


def test_every_control_has_effects_and_a_cost():
    catalogue = load_catalogue()
    assert len(catalogue.controls) == 25
    for control in catalogue.controls:
        assert control.effects, control.id
        assert f"controls.{control.id}.one_off_eur" in catalogue.figures
    assert [s.id for s in catalogue.scenarios] == [
        "ransomware",
        "data_breach",
        "ddos",
        "supplier_compromise",
        "medical_device_compromise",
        "accidental_outage",
    ]
