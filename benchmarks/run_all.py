"""Benchmarks of the loss engine, side by side in one run (``make bench``).

On the issue's two-scenario model (examples/minimal.yaml), each in its own process pinned to one core:

1. the engine (load, simulate, every metric of ``cyber360 quantify --json``);
2. the ceiling: only the NumPy random draws the workload needs (textbook, and the engine's own);
3. pyfair, installed by this script in its own virtual environment (benchmarks/.venv-pyfair),
   on the same model and the same number of years; its tails are measured with our metrics.

Medians of several repeats; results printed as Markdown and written to benchmarks/results.json.
Usage: .venv/bin/python benchmarks/run_all.py [--years N] [--repeats R] [--pyfair-repeats R] [--no-pyfair]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL = ROOT / "examples" / "minimal.yaml"
PYFAIR_VENV = HERE / ".venv-pyfair"
PYFAIR_SPEC = "pyfair==0.1a13"
SEED = 42
TARGET_YEARS_PER_SECOND = 5_000_000
TARGET_CEILING_RATIO = 2.0
TARGET_PEAK_MB = 1024


def one_core_environment() -> dict[str, str]:
    environment = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        environment[name] = "1"
    return environment


def pinned(core: int) -> Any:
    def pin() -> None:
        os.sched_setaffinity(0, {core})

    return pin


def timed_run(command: list[str], core: int) -> tuple[float, dict[str, Any]]:
    """Run a benchmark process pinned to ``core``; its wall time and the JSON it prints."""
    started = time.perf_counter()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env=one_core_environment(),
        preexec_fn=pinned(core),
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[1]} failed:\n{done.stderr}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


def ensure_pyfair() -> Path | None:
    """pyfair's own virtual environment, created on first use; None if it cannot be installed."""
    python = PYFAIR_VENV / "bin" / "python"
    if not python.exists():
        print(f"Installing {PYFAIR_SPEC} into {PYFAIR_VENV} ...", file=sys.stderr)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(PYFAIR_VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", PYFAIR_SPEC], check=True)
        except (subprocess.CalledProcessError, OSError) as error:
            print(f"pyfair unavailable, skipped: {error}", file=sys.stderr)
            return None
    return python


def median_of(runs: list[tuple[float, dict[str, Any]]], key: str | None = None) -> float:
    return statistics.median(wall if key is None else data[key] for wall, data in runs)


def summarize_runs(runs: list[tuple[float, dict[str, Any]]], years: int) -> dict[str, float]:
    """Medians over repeats of every timing a contender reports, plus its worst peak memory."""
    figures = {
        "process_wall_seconds": median_of(runs),
        "process_cpu_seconds": median_of(runs, "process_cpu_seconds"),
        "compute_wall_seconds": median_of(runs, "compute_seconds"),
        "compute_cpu_seconds": median_of(runs, "compute_cpu_seconds"),
        "peak_rss_mb": max(data["peak_rss_mb"] for _, data in runs),
    }
    for phase in ("simulate_seconds", "metrics_seconds", "calculate_seconds"):
        if phase in runs[0][1]:
            figures[phase] = median_of(runs, phase)
    figures["years_per_wall_second"] = years / figures["compute_wall_seconds"]
    figures["years_per_cpu_second"] = years / figures["compute_cpu_seconds"]
    return figures


def tail_figures(losses: Any) -> dict[str, float]:
    from cyber360.quant.metrics import LossCurve

    curve = LossCurve(losses)
    return {
        "aal": curve.average().value,
        "prob_zero": curve.prob_zero,
        "var_99": curve.quantile(0.99),
        "var_99.5": curve.quantile(0.995),
        "tvar_99.5": curve.tail_mean(0.995),
        "aep_1000": curve.loss_at_return_period(1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--years", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pyfair-repeats", type=int, default=3)
    parser.add_argument("--no-pyfair", action="store_true")
    parser.add_argument("--core", type=int, default=max(os.sched_getaffinity(0)))
    options = parser.parse_args()
    years, core = options.years, options.core
    python = sys.executable
    results: dict[str, Any] = {
        "years": years,
        "seed": SEED,
        "core": core,
        "repeats": options.repeats,
        "load_average_before": os.getloadavg(),
    }

    with tempfile.TemporaryDirectory() as scratch:
        summary_file = Path(scratch) / "summary.json"
        runs: dict[str, list[tuple[float, dict[str, Any]]]] = {
            "engine": [],
            "textbook": [],
            "engine_draws": [],
        }
        for _ in range(options.repeats):  # interleaved, so a busy moment hits every contender alike
            engine = [
                python,
                str(HERE / "engine_run.py"),
                str(MODEL),
                str(years),
                str(SEED),
                str(summary_file),
            ]
            runs["engine"].append(timed_run(engine, core))
            runs["textbook"].append(
                timed_run([python, str(HERE / "ceiling_run.py"), "textbook", str(years), "1"], core)
            )
            runs["engine_draws"].append(
                timed_run([python, str(HERE / "ceiling_run.py"), "engine", str(years), "1"], core)
            )
        summary = json.loads(summary_file.read_text(encoding="utf-8"))

        pyfair_runs: list[tuple[float, dict[str, Any]]] = []
        pyfair_tails: dict[str, float] | None = None
        pyfair_python = None if options.no_pyfair else ensure_pyfair()
        if pyfair_python is not None:
            output = Path(scratch) / "pyfair.npy"
            for _ in range(options.pyfair_repeats):
                command = [
                    str(pyfair_python),
                    str(HERE / "pyfair_run.py"),
                    str(years),
                    str(SEED),
                    str(output),
                ]
                pyfair_runs.append(timed_run(command, core))
            import numpy as np

            pyfair_tails = tail_figures(np.load(output)[:, 2])

    for name, contender_runs in (*runs.items(), ("pyfair", pyfair_runs)):
        if contender_runs:
            results[name] = summarize_runs(contender_runs, years)
    engine, textbook, own = results["engine"], results["textbook"], results["engine_draws"]
    results["ratios"] = {}
    for clock in ("wall", "cpu"):
        whole, compute = f"process_{clock}_seconds", f"compute_{clock}_seconds"
        results["ratios"][f"whole process vs textbook ceiling ({clock})"] = engine[whole] / textbook[whole]
        results["ratios"][f"compute vs textbook ceiling ({clock})"] = engine[compute] / textbook[compute]
        results["ratios"][f"whole process vs engine's own draws ({clock})"] = engine[whole] / own[whole]
        results["ratios"][f"compute vs engine's own draws ({clock})"] = engine[compute] / own[compute]
        if "pyfair" in results:
            results["ratios"][f"pyfair compute / engine compute ({clock})"] = (
                results["pyfair"][compute] / engine[compute]
            )
            results["ratios"][f"pyfair whole process / engine whole process ({clock})"] = (
                results["pyfair"][whole] / engine[whole]
            )
    total = summary["total"]
    results["engine_tails"] = {
        "aal": total["aal"],
        "aal_exact": total["aal_exact"],
        "prob_zero": total["prob_zero"],
        "prob_zero_exact": total["prob_zero_exact"],
        "var_99": total["var"]["99"],
        "var_99.5": total["var"]["99.5"],
        "tvar_99.5": total["tvar"]["99.5"],
        "aep_1000": next(row["loss"] for row in summary["aep"] if row["return_period"] == 1000),
    }
    if pyfair_tails is not None:
        results["pyfair_tails"] = pyfair_tails
    results["targets_met"] = {
        "years_per_second (compute, cpu)": engine["years_per_cpu_second"] >= TARGET_YEARS_PER_SECOND,
        "within 2x of ceiling (whole process, cpu)": results["ratios"][
            "whole process vs textbook ceiling (cpu)"
        ]
        <= TARGET_CEILING_RATIO,
        "peak memory": engine["peak_rss_mb"] < TARGET_PEAK_MB,
    }
    results["load_average_after"] = os.getloadavg()
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(render(results))


def render(results: dict[str, Any]) -> str:
    years = results["years"]
    lines = [
        f"## {years:,} simulated years, seed {results['seed']}, one core (#{results['core']}), "
        f"median of {results['repeats']} runs",
        "",
        "Load average (1, 5, 15 min) before / after: "
        + " / ".join(
            ", ".join(f"{x:.2f}" for x in results[k]) for k in ("load_average_before", "load_average_after")
        ),
        "",
        "| contender | process wall (s) | process CPU (s) | compute wall (s) | compute CPU (s) "
        "| years/s (CPU) | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    names = {
        "engine": "cyber360: load, simulate, all metrics",
        "textbook": "ceiling: textbook draws only",
        "engine_draws": "ceiling: the engine's own draws only",
        "pyfair": "pyfair 0.1a13",
    }
    for key, label in names.items():
        if key in results:
            f = results[key]
            lines.append(
                f"| {label} | {f['process_wall_seconds']:.2f} | {f['process_cpu_seconds']:.2f} "
                f"| {f['compute_wall_seconds']:.2f} | {f['compute_cpu_seconds']:.2f} "
                f"| {f['years_per_cpu_second'] / 1e6:.2f} M | {f['peak_rss_mb']:.0f} |"
            )
    engine = results["engine"]
    lines.append(
        f"\nEngine phases (wall, median): simulate {engine['simulate_seconds']:.2f} s, "
        f"metrics {engine['metrics_seconds']:.2f} s."
    )
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| {name} | {value:.2f} |" for name, value in results["ratios"].items()]
    tails, theirs = results["engine_tails"], results.get("pyfair_tails", {})
    lines += ["", "| total annual loss | cyber360 | pyfair | exact |", "|---|---:|---:|---:|"]
    exact = {"aal": tails["aal_exact"], "prob_zero": tails["prob_zero_exact"]}
    for key in ("aal", "prob_zero", "var_99", "var_99.5", "tvar_99.5", "aep_1000"):
        fmt = "{:.4f}" if key == "prob_zero" else "{:,.0f}"
        cells = [tails[key], theirs.get(key), exact.get(key)]
        lines.append(f"| {key} | " + " | ".join("—" if v is None else fmt.format(v) for v in cells) + " |")
    met = results["targets_met"]
    lines += ["", "Targets met: " + "; ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in met.items())]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
