"""One run of the Cyber360 engine on a model file: timings of each phase and peak memory, as JSON.

Usage: python engine_run.py MODEL.yaml YEARS SEED [SUMMARY.json]
"""

from __future__ import annotations

import json
import resource
import sys
import time


def cpu_seconds() -> float:
    """User + system CPU time of this whole process so far (less sensitive than wall time to other load)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    started = time.perf_counter()
    from cyber360.quant.modelfile import load_model_file
    from cyber360.quant.simulate import simulate
    from cyber360.quant.summary import summarize

    imported = time.perf_counter()
    model_file, years, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    model = load_model_file(model_file)
    loaded = time.perf_counter()
    cpu_loaded = time.process_time()
    result = simulate(model, years, seed)
    simulated = time.perf_counter()
    summary = summarize(result)
    summarized = time.perf_counter()
    cpu_summarized = time.process_time()
    if len(sys.argv) > 4:
        with open(sys.argv[4], "w", encoding="utf-8") as output:
            json.dump(summary, output)
    print(
        json.dumps(
            {
                "years": years,
                "import_seconds": imported - started,
                "load_seconds": loaded - imported,
                "simulate_seconds": simulated - loaded,
                "metrics_seconds": summarized - simulated,
                "compute_seconds": summarized - loaded,
                "compute_cpu_seconds": cpu_summarized - cpu_loaded,
                "events": int(result.event_counts.sum()),
                "process_cpu_seconds": cpu_seconds(),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
