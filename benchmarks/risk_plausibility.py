"""Plausibility of the ransomware scenario against the public figures of calibration.md.

For a mid-size CH (~150 M EUR revenue) and a CHU (~1 bn EUR), default maturities: per-event degraded-mode
days and cost (median, mean, 90th and 99th percentiles), by component, and the annual ransomware AAL.
Per-event figures come from 200,000 simulated events (the rate set to 1 event a year: the magnitude does not
depend on the frequency). Run: ``.venv/bin/python benchmarks/risk_plausibility.py [--markdown]``.
"""

from __future__ import annotations

import sys

import numpy as np

from cyber360.quant import Frequency, Model, Scenario, simulate_events
from cyber360.quant.distributions import Fixed
from cyber360.risk.model import EstablishmentProfile, build_model, load_catalogue

PROFILES = (
    EstablishmentProfile("CH mid-size (150 M EUR, 700 beds)", "ch", 150e6, 700, 120_000),
    EstablishmentProfile("CHU (1 bn EUR, 3,000 beds)", "chu", 1e9, 3000, 600_000),
)
EVENTS = 200_000


def _stats(values: np.ndarray) -> tuple[float, float, float, float]:
    return (
        float(np.median(values)),
        float(values.mean()),
        float(np.quantile(values, 0.9)),
        float(np.quantile(values, 0.99)),
    )


def main() -> None:
    catalogue = load_catalogue()
    rows: list[tuple[str, str, tuple[float, float, float, float]]] = []
    annual: list[tuple[str, float, float]] = []
    for profile in PROFILES:
        model = build_model(profile, {}, catalogue)
        ransomware = model.scenarios[0]
        annual.append((profile.name, ransomware.frequency.mean(), ransomware.expected_annual_loss()))
        one_a_year = Model((Scenario("ransomware", Frequency(Fixed(1.0)), ransomware.magnitude),))
        chunks = list(simulate_events(one_a_year, EVENTS, seed=2025))
        driver = np.concatenate([c.driver for c in chunks])
        losses = np.concatenate([c.losses for c in chunks], axis=1)
        rows.append((profile.name, "degraded-mode days", _stats(driver)))
        for index, name in enumerate(chunks[0].component_names):
            rows.append((profile.name, f"{name} (M EUR)", _stats(losses[index] / 1e6)))
        rows.append((profile.name, "total per event (M EUR)", _stats(losses.sum(axis=0) / 1e6)))
    print("| establishment | per ransomware event | median | mean | 90th pct | 99th pct |")
    print("|---|---|---:|---:|---:|---:|")
    for name, what, (median, mean, p90, p99) in rows:
        print(f"| {name} | {what} | {median:.1f} | {mean:.1f} | {p90:.1f} | {p99:.1f} |")
    print()
    print("| establishment | ransomware events per year (exact) | ransomware AAL (EUR, exact) |")
    print("|---|---:|---:|")
    for name, rate, aal in annual:
        print(f"| {name} | {rate:.4f} | {aal:,.0f} |")
    if "--markdown" not in sys.argv:
        print(f"\n({EVENTS:,} events per establishment, seed 2025, model {catalogue.model_version})")


if __name__ == "__main__":
    main()
