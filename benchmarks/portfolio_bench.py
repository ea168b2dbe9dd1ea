"""Portfolio benchmark (issue 6): 1,000 establishments in 135 GHTs x 6 scenarios, with terms, full size.

Measures, at --years (default the issue's 100,000), medians of --repeats runs:

- the model build (1,000 establishment models, once);
- a local run (this process, one core): wall and CPU time;
- a run on a Dask LocalCluster of one, then two, single-threaded worker processes, alternated (1, 2,
  1, 2, ...) so that a change of machine load hits both alike; each run on a fresh cluster, warmed up
  first (imports, a short run), not timed. Per run: wall time, the driver's CPU time and the workers'
  CPU time, and whether the result equals the local one bit for bit;
- the speed-up of two workers over one (ratio of the medians, and median of the per-pair ratios);
- the terms kernel alone (10 M synthetic events, three sections and policy aggregates).

The machine is shared: the load average is recorded before and after every run. Targets (issue 6):
local full-size run under 60 s; two workers at least 1.7x faster than one.

Usage: .venv/bin/python benchmarks/portfolio_bench.py [--years 100000] [--repeats 3] [--no-terms]
       [--no-malloc-trim]  (workers without Dask's default MALLOC_TRIM_THRESHOLD_=65536)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from cyber360.cover.portfolio_inputs import build_portfolio, synthetic_ghts
from cyber360.quant.policy import OperatingLoss, Policy, Section, policy_from_dict
from cyber360.quant.portfolio import Portfolio, PortfolioResult, simulate_portfolio
from cyber360.quant.terms import apply_policy

FULL_YEARS = 100_000
TARGET_SECONDS = 60.0
TARGET_SPEEDUP = 1.7
SEED = 1
POLICY = {
    "sections": {"all": {"deductible": 100000, "limit": 500000}},
    "annual_aggregate_limit": 800000,
}


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measured(run: Callable[[], Any], extra: Callable[[], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Wall and CPU seconds of one call, the load average around it, and ``extra()`` figures after it."""
    record: dict[str, Any] = {"load_before": load()}
    started, cpu = time.perf_counter(), time.process_time()
    record["value"] = run()
    record["wall_s"] = round(time.perf_counter() - started, 3)
    record["cpu_s"] = round(time.process_time() - cpu, 3)
    record["load_after"] = load()
    if extra is not None:
        record.update(extra())
    return record


def identical(a: PortfolioResult, b: PortfolioResult) -> bool:
    return all(
        np.array_equal(getattr(getattr(a, side), name), getattr(getattr(b, side), name))
        for side in ("gross", "net")
        for name in ("total", "occurrence", "by_group", "by_label")
    )


def worker_cpu() -> float:
    return time.process_time()


def dask_run(book: Portfolio, years: int, n_workers: int, reference: PortfolioResult) -> dict[str, Any]:
    """One timed run on a fresh LocalCluster of ``n_workers`` single-threaded processes, after a warm-up."""
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        simulate_portfolio(book, 1000, SEED, client=client)  # warm-up: imports, first transfers
        before = client.run(worker_cpu)

        def workers() -> dict[str, Any]:
            after = client.run(worker_cpu)
            return {"workers_cpu_s": [round(after[w] - before[w], 3) for w in sorted(after)]}

        record = measured(lambda: simulate_portfolio(book, years, SEED, client=client), workers)
    record["identical_to_local"] = identical(record.pop("value"), reference)
    return record


def dask_runs(book: Portfolio, years: int, repeats: int, reference: PortfolioResult) -> dict[str, Any]:
    """Runs on one then two workers, alternated (1, 2, 1, 2, ...) so that a change of load hits both."""
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for _ in range(repeats):
        for n in (1, 2):
            runs[n].append(dask_run(book, years, n, reference))
    results: dict[str, Any] = {}
    for n, records in runs.items():
        results[f"dask_{n}_workers"] = {
            "median_wall_s": statistics.median(r["wall_s"] for r in records),
            "median_driver_cpu_s": statistics.median(r["cpu_s"] for r in records),
            "identical_to_local": all(r["identical_to_local"] for r in records),
            "runs": records,
        }
    one, two = results["dask_1_workers"]["median_wall_s"], results["dask_2_workers"]["median_wall_s"]
    results["speedup_2_vs_1"] = round(one / two, 3)
    pairs = [a["wall_s"] / b["wall_s"] for a, b in zip(runs[1], runs[2], strict=True)]
    results["speedup_2_vs_1_median_of_pairs"] = round(statistics.median(pairs), 3)
    return results


def terms_kernel(repeats: int) -> dict[str, Any]:
    """The terms kernel alone: 10 M events, 3 components over 100,000 years, sections and aggregates."""
    rng = np.random.default_rng(0)
    n = 10_000_000
    losses = rng.lognormal(11, 1.5, (3, n))
    days = rng.uniform(0, 60, n)
    period = np.sort(rng.integers(0, FULL_YEARS, n))
    policy = Policy(
        {
            "asset_damage": Section(50_000, 1e6, 2e6),
            "business_interruption": Section(0, 2e6, 3e6, 0.8),
            "third_party": Section(10_000, 5e5),
        },
        operating_loss=OperatingLoss(12, 180),
        annual_aggregate_limit=4e6,
    )
    names = ("asset_damage", "business_interruption", "third_party")
    records = [measured(lambda: apply_policy(policy, losses, names, days, period)) for _ in range(repeats)]
    for record in records:
        record.pop("value")
    wall = statistics.median(r["wall_s"] for r in records)
    return {"median_wall_s": wall, "events_per_s": round(n / wall), "runs": records}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=FULL_YEARS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-terms", action="store_true", help="skip the terms kernel alone")
    parser.add_argument(
        "--no-malloc-trim",
        action="store_true",
        help="unset Dask's MALLOC_TRIM_THRESHOLD_=65536 in worker processes (a deployment choice)",
    )
    options = parser.parse_args()
    if options.no_malloc_trim:
        import dask

        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
    results: dict[str, Any] = {
        "years": options.years,
        "repeats": options.repeats,
        "cores": os.cpu_count(),
        "dask_malloc_trim": not options.no_malloc_trim,
    }
    build = measured(lambda: build_portfolio(synthetic_ghts(1000, 135), policy_from_dict(POLICY)))
    book = build.pop("value")
    results["build"] = build
    results["work_units"] = len(book.units)
    simulate_portfolio(book, 1000, SEED)  # warm-up: imports
    local = [measured(lambda: simulate_portfolio(book, options.years, SEED)) for _ in range(options.repeats)]
    reference = local[-1].pop("value")
    for record in local[:-1]:
        record.pop("value")
    results["local"] = {
        "median_wall_s": statistics.median(r["wall_s"] for r in local),
        "median_cpu_s": statistics.median(r["cpu_s"] for r in local),
        "runs": local,
    }
    results.update(dask_runs(book, options.years, options.repeats, reference))
    if not options.no_terms:
        results["terms_kernel_10M_events"] = terms_kernel(options.repeats)
    results["gross_aal"] = float(reference.gross.total.mean())
    results["net_aal"] = float(reference.net.total.mean())
    full = options.years >= FULL_YEARS
    results["targets"] = {
        "local_under_60_s_at_full_size": full and results["local"]["median_wall_s"] < TARGET_SECONDS,
        "dask_2_vs_1_at_least_1.7x": results["speedup_2_vs_1"] >= TARGET_SPEEDUP,
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
