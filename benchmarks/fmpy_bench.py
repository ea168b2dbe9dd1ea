"""Our insurance terms kernel against Oasis LMF's financial module (fmpy), same synthetic losses.

One synthetic ground-up loss set (fixed seed): ``--items`` locations, ``--events`` events, each event
hitting each location with probability ``--hit``, ``--samples`` sampled losses per hit location (the
Oasis sample dimension, ``sidx = 1..S``), lognormal, rounded to float32 (the Oasis stream's type) so
that both sides read the very same numbers. Two sets of terms, each run by both engines:

- ``per_item``: a deductible and a limit per occurrence on each location (fmpy calcrule 1; ours
  ``Section(deductible, limit)``); compared loss by loss (location, event, sample);
- ``per_event``: the same, then a limit per event over all the locations (fmpy: a policy node with
  calcrule 14 above the locations; ours: the aggregate limit with the aggregation period set to the
  (event, sample) pair); compared per (event, sample) total, since fmpy shares the capped total out
  pro rata (allocation rule 2) while ours gives it in location order: only the split differs.

Both engines give one insured loss per location, event and sample (fmpy: allocation rule 2).

An annual aggregate (a limit on the sum of a year's events) has no equivalent in fmpy: it computes
each event on its own and its stream has no year. It is not compared.

Each measurement runs in a process of its own, pinned to the same core, one thread, interleaved (ours,
fmpy, ours, fmpy, ...), medians of ``--repeats`` runs: fmpy's is ``benchmarks/fmpy_run.py`` in
``benchmarks/.venv-oasis`` (created here on first use with ``python -m venv`` + ``pip install
oasislmf==2.5.8``), ours is this script with ``--ours-child``.
Timed for fmpy: its event loop as ``fmpy`` runs it (read and parse the GUL stream from a file in the
page cache, compute, write the output stream), and, separately, the calls to ``compute_event`` alone
(no stream parsing or writing). Untimed: building the static files and the financial structure, and
numba's loading of its compiled code (one run on the first ten events first). Timed for ours:
``apply_policy`` on arrays already in memory, results allocated included (there is no file I/O to
separate), after one untimed run on the first 0.1 % of the losses. Throughput is in
sample losses (location x event x sample) per second of CPU time.

``--kernel`` times instead, without fmpy, the terms-kernel part of ``benchmarks/portfolio_bench.py``
(same arrays: 10^7 events over 10^5 sorted years, 3 component sections with per-event terms and
annual aggregate limits, BI time terms, a policy aggregate limit); ``--kernel-before FILE`` also
times the ``apply_policy`` of an older ``terms.py`` (e.g. ``git show REV:src/cyber360/quant/terms.py``),
interleaved, and compares their results.

Usage: .venv/bin/python benchmarks/fmpy_bench.py [--items 1000] [--events 2000] [--samples 100]
       [--hit 0.05] [--repeats 5] [--core 1]
       .venv/bin/python benchmarks/fmpy_bench.py --kernel [--kernel-before FILE] [--years 100000]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from cyber360.quant.policy import Policy, Section
from cyber360.quant.terms import apply_policy

HERE = Path(__file__).resolve().parent
OASIS_VENV = HERE / ".venv-oasis"
OASIS_SPEC = "oasislmf==2.5.8"
SEED = 6
DEDUCTIBLE, LIMIT, EVENT_LIMIT = 50_000.0, 1_000_000.0, 5_000_000.0  # exact in float32


def ensure_oasis() -> Path:
    """The Oasis virtual environment's interpreter, created on first use."""
    python = OASIS_VENV / "bin" / "python"
    if not python.exists():
        print(f"Installing {OASIS_SPEC} into {OASIS_VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(OASIS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", OASIS_SPEC], check=True)
    return python


def synthetic(items: int, events: int, samples: int, hit: float) -> dict[str, Any]:
    """Records (event, item) in event then item order, with their sample losses (float32)."""
    rng = np.random.default_rng(SEED)
    hits = rng.random((events, items)) < hit
    event, item = np.nonzero(hits)
    losses = rng.lognormal(11.5, 1.2, (event.size, samples))
    losses[rng.random(losses.shape) < 0.1] = 0.0  # samples where the location is not hit
    return {
        "event": (event + 1).astype(np.int32),
        "item": (item + 1).astype(np.int32),
        "losses": losses.astype(np.float32),
        "n_items": items,
    }


def our_inputs(data: dict[str, Any]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per terms set: losses [1, values] and aggregation period, in the layout each run reads."""
    losses = data["losses"].astype(np.float64)
    samples = losses.shape[1]
    per_item = (losses.reshape(1, -1), np.repeat(data["event"].astype(np.int64), samples))
    # per (event, sample): the locations of one event and sample side by side
    key = data["event"].astype(np.int64)[:, np.newaxis] * samples + np.arange(samples)
    order = np.argsort(key.ravel(), kind="stable")
    per_event = (losses.reshape(1, -1)[:, order], key.ravel()[order])
    return {"per_item": per_item, "per_event": per_event}


POLICIES = {
    "per_item": Policy({"all": Section(DEDUCTIBLE, LIMIT)}),
    "per_event": Policy({"all": Section(DEDUCTIBLE, LIMIT)}, annual_aggregate_limit=EVENT_LIMIT),
}


def load_data(workdir: str) -> dict[str, Any]:
    with np.load(os.path.join(workdir, "losses.npz")) as stored:
        return {key: stored[key] for key in ("event", "item", "losses", "n_items")}


def ours_child(workdir: str, name: str, keep: bool) -> None:
    """Our side, in its own process like fmpy's: build the inputs, one untimed run on the first tenth
    of a percent of the losses, then the timed run; prints one line of JSON."""
    losses, period = our_inputs(load_data(workdir))[name]
    driver = np.full(losses.shape[1], np.nan)
    small = max(1, losses.shape[1] // 1000)
    apply_policy(POLICIES[name], losses[:, :small], ("loss",), driver[:small], period[:small])
    wall, cpu = time.perf_counter(), time.process_time()
    net = apply_policy(POLICIES[name], losses, ("loss",), driver, period).net
    timings = {"ours_wall_s": time.perf_counter() - wall, "ours_cpu_s": time.process_time() - cpu}
    if keep:
        np.save(os.path.join(workdir, f"ours_{name}.npy"), net)
    print(json.dumps(timings))


def child(command: list[str], core: int) -> dict[str, float]:
    """Run one measuring process pinned to ``core``, one thread; the JSON it prints last."""
    environment = dict(os.environ)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        environment[variable] = "1"
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        preexec_fn=lambda: os.sched_setaffinity(0, {core}),
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[1:]} failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(name: str, data: dict[str, Any], ours: np.ndarray, fmpy: np.ndarray) -> dict[str, float]:
    """Largest differences between our insured losses and fmpy's (float32) on the same cells, and how
    often each term changes the loss (so that agreement means something)."""
    samples = data["losses"].shape[1]
    events, record_event = np.unique(data["event"], return_inverse=True)
    claims = np.clip(data["losses"].astype(np.float64) - DEDUCTIBLE, 0.0, LIMIT)
    if name == "per_item":
        mine = ours.reshape(-1, samples)
        gross = data["losses"]
        binding = {
            "share_deductible_takes_all": float(((gross > 0) & (gross <= DEDUCTIBLE)).mean()),
            "share_limit_binds": float((gross > DEDUCTIBLE + LIMIT).mean()),
        }
    else:  # totals per (event, sample): ours is laid out by (event, sample, location), fmpy's by record
        lengths = np.repeat(np.bincount(record_event), samples)  # locations hit, per (event, sample)
        mine = np.add.reduceat(ours, np.cumsum(lengths) - lengths).reshape(events.size, samples)
        totals, event_claims = np.zeros((events.size, samples)), np.zeros((events.size, samples))
        np.add.at(totals, record_event, fmpy)
        np.add.at(event_claims, record_event, claims)
        fmpy = totals
        binding = {"share_event_limit_binds": float((event_claims > EVENT_LIMIT).mean())}
    difference = np.abs(mine - fmpy)
    scale = np.maximum(np.abs(fmpy), 1.0)
    return binding | {
        "cells": float(mine.size),
        "max_abs_difference": float(difference.max()),
        "max_relative_difference": float((difference / scale).max()),
        "insured_total_ours": float(mine.sum()),
        "insured_total_fmpy": float(fmpy.sum()),
        "same_within_float32": bool(np.allclose(mine, fmpy, rtol=2e-6, atol=0.05)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--hit", type=float, default=0.05)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--core", type=int, default=1)
    parser.add_argument("--kernel", action="store_true")
    parser.add_argument("--kernel-before", type=Path)
    parser.add_argument("--years", type=int, default=100_000)
    parser.add_argument("--ours-child", nargs=2, metavar=("WORKDIR", "TERMS"), help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.ours_child:
        ours_child(*options.ours_child, keep=options.keep)
        return
    os.sched_setaffinity(0, {options.core})
    if options.kernel:
        kernel(options.years, options.repeats, options.kernel_before)
        return
    python = ensure_oasis()
    results: dict[str, Any] = {"load_average_start": os.getloadavg(), "options": vars(options)}
    data = synthetic(options.items, options.events, options.samples, options.hit)
    values = int(data["losses"].size)
    results["sample_losses"] = values
    results["records"] = int(data["event"].size)
    with tempfile.TemporaryDirectory(prefix="fmpy_bench_") as workdir:
        np.savez(
            os.path.join(workdir, "losses.npz"),
            deductible=DEDUCTIBLE,
            limit=LIMIT,
            event_limit=EVENT_LIMIT,
            **data,
        )
        started = time.perf_counter()
        subprocess.run(
            [str(python), str(HERE / "fmpy_run.py"), "prepare", workdir], check=True, capture_output=True
        )
        results["prepare_s"] = time.perf_counter() - started
        results["gul_stream_mb"] = os.path.getsize(os.path.join(workdir, "gul.bin")) / 1e6
        runs: dict[str, dict[str, list[float]]] = {name: {} for name in POLICIES}
        ours_command = [sys.executable, __file__, "--ours-child", workdir]
        fmpy_command = [str(python), str(HERE / "fmpy_run.py"), "run", workdir]
        for repeat in range(options.repeats):
            keep = ["--keep"] if repeat == 0 else []
            for name in POLICIES:
                timings = child([*ours_command, name, *keep], options.core)
                timings |= child([*fmpy_command, name, *keep], options.core)
                for key, value in timings.items():
                    runs[name].setdefault(key, []).append(value)
        for name in POLICIES:
            ours = np.load(os.path.join(workdir, f"ours_{name}.npy"))
            fmpy = np.load(os.path.join(workdir, f"{name}.npy"))
            results[f"{name}_comparison"] = compare(name, data, ours, fmpy)
    for name, timings in runs.items():
        medians = {key: statistics.median(values) for key, values in timings.items()}
        medians["ours_per_s"] = values / medians["ours_cpu_s"]
        medians["fmpy_compute_per_s"] = values / medians["compute_cpu_s"]
        medians["fmpy_loop_per_s"] = values / medians["loop_cpu_s"]
        medians["ratio_vs_fmpy_compute"] = medians["compute_cpu_s"] / medians["ours_cpu_s"]
        medians["ratio_vs_fmpy_loop"] = medians["loop_cpu_s"] / medians["ours_cpu_s"]
        results[f"{name}_medians"] = medians
    results["load_average_end"] = os.getloadavg()
    print(render(results))
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "fmpy_results.json").write_text(json.dumps(results, indent=2))


def kernel(years: int, repeats: int, before: Path | None) -> None:
    """portfolio_bench.py's terms-kernel workload, CPU medians (and an older kernel's, interleaved)."""
    from cyber360.quant.policy import OperatingLoss

    rng = np.random.default_rng(0)
    n = 10_000_000
    losses = rng.lognormal(11, 1.5, (3, n))
    days = rng.uniform(0, 60, n)
    period = np.sort(rng.integers(0, years, n))
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
    kernels = {"now": apply_policy}
    if before is not None:
        spec = importlib.util.spec_from_file_location("terms_before", before)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
        kernels["before"] = module.apply_policy
    start = os.getloadavg()
    cpu: dict[str, list[float]] = {name: [] for name in kernels}
    wall: dict[str, list[float]] = {name: [] for name in kernels}
    nets = {}
    for _ in range(repeats):
        for name, function in kernels.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            nets[name] = function(policy, losses, names, days, period).net
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    print(
        f"terms kernel, {n:,} events over {years:,} years, median of {repeats}; "
        f"load average {start[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end"
    )
    for name in kernels:
        median_cpu = statistics.median(cpu[name])
        print(
            f"  {name}: {median_cpu:.3f} s CPU ({n / median_cpu / 1e6:.2f} M events/s), "
            f"{statistics.median(wall[name]):.3f} s wall"
        )
    if before is not None:
        ratio = statistics.median(cpu["before"]) / statistics.median(cpu["now"])
        difference = np.abs(nets["now"] - nets["before"])
        print(
            f"  speed-up (CPU) {ratio:.1f}x; largest difference {difference.max():.2e} EUR, "
            f"totals {nets['now'].sum():.6e} / {nets['before'].sum():.6e}"
        )


def render(results: dict[str, Any]) -> str:
    options, start, end = results["options"], results["load_average_start"], results["load_average_end"]
    lines = [
        f"{options['items']:,} locations x {options['events']:,} events (hit probability {options['hit']}), "
        f"{options['samples']} samples: {results['records']:,} location-events, "
        f"{results['sample_losses']:,} sample losses; GUL stream {results['gul_stream_mb']:.0f} MB; "
        f"core #{options['core']}, median of {options['repeats']} runs",
        f"load average {start[0]:.2f} at start, {end[0]:.2f} at end",
        "",
        "| terms | ours CPU (s) | fmpy compute_event CPU (s) | fmpy event loop CPU (s) | ours M/s "
        "| fmpy compute M/s | fmpy loop M/s | speed ours / fmpy compute | speed ours / fmpy loop "
        "| same losses (max rel. diff.) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name in POLICIES:
        m, c = results[f"{name}_medians"], results[f"{name}_comparison"]
        same = "yes" if c["same_within_float32"] else "NO"
        lines.append(
            f"| {name} | {m['ours_cpu_s']:.3f} | {m['compute_cpu_s']:.3f} | {m['loop_cpu_s']:.3f} "
            f"| {m['ours_per_s'] / 1e6:.1f} | {m['fmpy_compute_per_s'] / 1e6:.1f} "
            f"| {m['fmpy_loop_per_s'] / 1e6:.1f} | {m['ratio_vs_fmpy_compute']:.2f}x "
            f"| {m['ratio_vs_fmpy_loop']:.2f}x | {same} ({c['max_relative_difference']:.1e}) |"
        )
    lines.append("")
    for name in POLICIES:
        m = results[f"{name}_medians"]
        lines.append(
            f"{name}: wall medians (s) ours {m['ours_wall_s']:.3f}, fmpy compute {m['compute_wall_s']:.3f}, "
            f"fmpy loop {m['loop_wall_s']:.3f}; "
            + ", ".join(
                f"{k} {v:.3f}" for k, v in results[f"{name}_comparison"].items() if k.startswith("share")
            )
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
