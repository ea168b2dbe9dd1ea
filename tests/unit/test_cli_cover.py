"""``cyber360 price`` and ``cyber360 portfolio`` end to end through Typer's runner."""

import json
from pathlib import Path

from typer.testing import CliRunner

import cyber360.cli.cover  # noqa: F401  (registers the commands)
from cyber360.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_price_with_the_issue_policy():
    result = runner.invoke(
        app,
        [
            "price",
            str(ROOT / "examples/minimal.yaml"),
            "--policy",
            str(ROOT / "examples/policy.yaml"),
            "--years",
            "20000",
            "--seed",
            "3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"gross", "net", "premium"}
    assert report["net"]["total"]["aal"] <= report["gross"]["total"]["aal"]
    premium = report["premium"]
    for key in ("technical", "expected_loss", "expenses", "capital"):
        assert premium[key] >= 0
    assert premium["technical"] >= premium["expected_loss"]
    assert report["net"]["total"]["aal_exact"] is None


def test_price_refuses_a_bad_policy(tmp_path):
    bad = tmp_path / "policy.yaml"
    bad.write_text("sections: {all: {limit: -5}}\n")
    result = runner.invoke(app, ["price", str(ROOT / "examples/minimal.yaml"), "--policy", str(bad)])
    assert result.exit_code == 1
    assert "sections.all.limit" in result.output


def test_portfolio_demo_json():
    result = runner.invoke(app, ["portfolio", "--years", "2000", "--seed", "1", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["gross"]["aal"] >= summary["net"]["aal"] > 0
    assert {"a", "b", "c", "d", "e", "f", "g"} == set(summary["gross"]["by_ght"])  # organisation.yaml
