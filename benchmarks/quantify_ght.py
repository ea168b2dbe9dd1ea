"""Benchmark: quantify a GHT of twelve establishments (six scenarios each, plus the shared-IS common shock),
100,000 years, full summary (AAL, VaR/TVaR, AEP/OEP, Euler contributions). Reports the median of 3 runs.

Run: ``.venv/bin/python benchmarks/quantify_ght.py``.
"""

from __future__ import annotations

import statistics
import time

from cyber360.quant import simulate, summarize
from cyber360.risk.model import EstablishmentProfile, build_ght_model, load_catalogue

YEARS = 100_000
RUNS = 3


def ght() -> list[EstablishmentProfile]:
    sizes = [
        ("CHU support", "chu", 900e6, 2800, 500_000),
        ("CH 1", "ch", 150e6, 700, 120_000),
        ("CH 2", "ch", 120e6, 550, 100_000),
        ("CH 3", "ch", 90e6, 420, 80_000),
        ("CH 4", "ch", 70e6, 330, 60_000),
        ("CHS 5", "chs", 60e6, 300, 15_000),
        ("CH 6", "ch", 50e6, 250, 45_000),
        ("Hôpital de proximité 7", "hopital_proximite", 20e6, 90, 12_000),
        ("Hôpital de proximité 8", "hopital_proximite", 15e6, 70, 9_000),
        ("EHPAD 9", "ehpad", 8e6, 100, 300),
        ("EHPAD 10", "ehpad", 6e6, 80, 250),
        ("CHS 11", "chs", 40e6, 200, 10_000),
    ]
    return [
        EstablishmentProfile(*size, internet_exposed_services=5, internet_kev_findings=1) for size in sizes
    ]


def main() -> None:
    catalogue = load_catalogue()
    profiles = ght()
    times, build_times = [], []
    summary = {}
    for run in range(RUNS):
        start = time.perf_counter()
        model = build_ght_model(profiles, [{} for _ in profiles], 0, catalogue)
        built = time.perf_counter()
        summary = summarize(simulate(model, YEARS, seed=run))
        times.append(time.perf_counter() - start)
        build_times.append(built - start)
    print(f"GHT of {len(profiles)} establishments, {len(model.scenarios)} scenarios, {YEARS:,} years")
    print(f"time (build + simulate + summarize): median {statistics.median(times):.2f} s over {RUNS} runs")
    print(f"  of which model build: median {statistics.median(build_times) * 1000:.0f} ms")
    total = summary["total"]
    print(
        f"AAL {total['aal']:,.0f} EUR (exact {total['aal_exact']:,.0f}); "
        f"VaR 99.5 % {total['var']['99.5']:,.0f}"
    )
    shared = summary["scenarios"]["ght_shared_is_ransomware"]
    print(f"shared-IS ransomware AAL {shared['aal']:,.0f} EUR (exact {shared['aal_exact']:,.0f})")


if __name__ == "__main__":
    main()
