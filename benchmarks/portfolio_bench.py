"""Portfolio benchmark (issue 6): 1,000 establishments in 135 GHTs x 6 scenarios, with terms.

Measures (median of --repeats runs): the model build, a local run, a run on a Dask LocalCluster of one
then two single-threaded worker processes (speed-up), and the terms kernel alone on synthetic events.
The full size (100,000 years) is extrapolated linearly from --years when smaller (the work is linear in
years: one rate draw per establishment-scenario-year dominates), and labelled so.

Usage: .venv/bin/python benchmarks/portfolio_bench.py [--years 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

from cyber360.cover.portfolio_inputs import build_portfolio, synthetic_ghts
from cyber360.quant.policy import OperatingLoss, Policy, Section, policy_from_dict
from cyber360.quant.portfolio import simulate_portfolio
from cyber360.quant.terms import apply_policy

FULL_YEARS = 100_000
POLICY = {
    "sections": {"all": {"deductible": 100000, "limit": 500000}},
    "annual_aggregate_limit": 800000,
}


def timed(function, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    results: dict[str, object] = {"load_average_start": os.getloadavg()}
    build, book = timed(lambda: build_portfolio(synthetic_ghts(1000, 135), policy_from_dict(POLICY)), 1)
    results["build_s"] = build
    local, reference = timed(lambda: simulate_portfolio(book, options.years, 1), options.repeats)
    results["local_s"] = local
    from dask.distributed import Client, LocalCluster

    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            elapsed, remote = timed(
                lambda client=client: simulate_portfolio(book, options.years, 1, client=client),
                options.repeats,
            )
        results[f"dask_{workers}_workers_s"] = elapsed
        results[f"dask_{workers}_identical_to_local"] = bool(
            np.array_equal(remote.net.total, reference.net.total)
            and np.array_equal(remote.gross.by_label, reference.gross.by_label)
        )
    results["speedup_2_vs_1"] = results["dask_1_workers_s"] / results["dask_2_workers_s"]  # type: ignore[operator]
    scale = FULL_YEARS / options.years
    results["extrapolated_full_local_s"] = local * scale
    results["extrapolated_full_dask2_s"] = results["dask_2_workers_s"] * scale  # type: ignore[operator]
    # Terms kernel alone: 10 M events, 3 components, 100,000 years, per-section and policy aggregates.
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
    terms, _ = timed(lambda: apply_policy(policy, losses, names, days, period), options.repeats)
    results["terms_10M_events_s"] = terms
    results["terms_events_per_s"] = n / terms
    results["years"] = options.years
    results["gross_aal"] = float(reference.gross.total.mean())
    results["net_aal"] = float(reference.net.total.mean())
    results["load_average_end"] = os.getloadavg()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
