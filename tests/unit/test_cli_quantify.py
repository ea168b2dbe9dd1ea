"""``cyber360 quantify``: table, JSON of the issue's shape, exceedance plot, clear errors; no database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cyber360.cli.quantify import euros, euros_short, level_label, percent, quantify

EXAMPLES = Path(__file__).parents[2] / "examples"
MINIMAL = EXAMPLES / "minimal.yaml"
runner = CliRunner()

# A private app with a callback keeps "quantify" a sub-command whatever else is registered.
cli = typer.Typer()
cli.callback()(lambda: None)
cli.command()(quantify)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["quantify", *args])
    return result.exit_code, result.stdout, result.stderr


def test_table_by_default() -> None:
    code, out, _ = invoke(str(MINIMAL), "--years", "20000", "--seed", "3")
    assert code == 0, out
    for text in (
        "20\u202f000 années simulées",
        "ransomware",
        "data_breach",
        "Total",
        "AAL",
        "VaR 99,5 %",
        "1000",
    ):
        assert text in out


def test_json_has_the_shape_of_the_issue() -> None:
    code, out, _ = invoke(str(MINIMAL), "--years", "20000", "--seed", "7", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["years"], data["seed"]) == (20000, 7)
    assert set(data["scenarios"]) == {"ransomware", "data_breach"}
    for figures in [*data["scenarios"].values(), data["total"]]:
        assert {"aal", "aal_stderr", "prob_zero", "var", "tvar", "components"} <= set(figures)
        assert set(figures["var"]) == set(figures["tvar"]) == {"95", "99", "99.5"}
        assert figures["components"]["loss"]["aal"] == pytest.approx(figures["aal"], rel=1e-9)
    assert [row["return_period"] for row in data["aep"]] == [2, 5, 10, 20, 50, 100, 200, 250, 500, 1000]
    assert [row["return_period"] for row in data["oep"]] == [2, 5, 10, 20, 50, 100, 200, 250, 500, 1000]
    aep = {row["return_period"]: row["loss"] for row in data["aep"]}
    assert aep[200] == data["total"]["var"]["99.5"]
    total_contribution = sum(s["tvar_contribution"]["99.5"] for s in data["scenarios"].values())
    assert total_contribution == pytest.approx(data["total"]["tvar"]["99.5"])


def test_same_seed_same_json() -> None:
    first = invoke(str(MINIMAL), "--years", "5000", "--json")[1]
    assert first == invoke(str(MINIMAL), "--years", "5000", "--json")[1]
    assert first != invoke(str(MINIMAL), "--years", "5000", "--json", "--seed", "1")[1]


def test_json_has_null_where_nothing_can_be_estimated() -> None:
    code, out, _ = invoke(str(MINIMAL), "--years", "100", "--json")
    assert code == 0
    aep = {row["return_period"]: row["loss"] for row in json.loads(out)["aep"]}
    assert aep[100] is not None and aep[200] is None and aep[1000] is None


@pytest.mark.parametrize(("suffix", "signature"), [(".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_plot(tmp_path: Path, suffix: str, signature: bytes) -> None:
    target = tmp_path / f"curve{suffix}"
    code, out, err = invoke(
        str(EXAMPLES / "hospital_components.yaml"), "--years", "5000", "--json", "--plot", str(target)
    )
    assert code == 0
    json.loads(out)  # the JSON on stdout stays clean: the notice goes to stderr
    assert str(target) in err.replace("\n", "")
    assert target.read_bytes().startswith(signature)


def test_bad_model_is_refused_with_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scenarios:\n  - name: s\n    frequency: {pert: {low: 0.1, mode: 0.3, high: 0.2}}\n"
        "    magnitude: {fixed: {value: 1}}\n",
        encoding="utf-8",
    )
    code, _, err = invoke(str(bad))
    assert code == 1
    assert "scenarios[0].frequency.pert.high: must be >= mode" in err.replace("\n", "")


@pytest.mark.parametrize(
    "args",
    [
        ["--years", "0"],
        ["--seed", "-1"],
        ["--plot", "curve.pdf"],
    ],
)
def test_bad_options(args: list[str]) -> None:
    code, _, _ = invoke(str(MINIMAL), *args)
    assert code == 2


def test_missing_file() -> None:
    assert invoke("does-not-exist.yaml")[0] == 2


def test_french_formatting() -> None:
    assert euros(1234567.4) == "1\u202f234\u202f567 €"
    assert euros(None) == "—"
    assert euros_short(3_554_000) == "3,55 M€"
    assert euros_short(551_000) == "551 k€"
    assert percent(0.714) == "71,4 %"
    assert level_label(0.995) == "99,5 %"


def test_the_installed_command() -> None:
    """The real entry point, as a user types it."""
    command = Path(sys.executable).parent / "cyber360"
    done = subprocess.run(
        [str(command), "quantify", str(MINIMAL), "--years", "2000", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["years"] == 2000
