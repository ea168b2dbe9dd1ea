"""Run pyfair (in its own virtual environment) on the issue's two-scenario model; print timings as JSON.

pyfair has no lognormal input: the data-breach loss magnitude is given as raw lognormal draws from the
same 90 % interval (``input_raw_data``), which pyfair accepts. Its risk per simulated year is
Loss Event Frequency x Loss Magnitude: a frequency times one loss, not a sum of events.
Usage: python pyfair_run.py YEARS SEED OUTPUT.npy
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")


def cpu_seconds() -> float:
    """User + system CPU time of this whole process so far (less sensitive than wall time to other load)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    years, seed, output = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    started = time.perf_counter()
    import pyfair  # imported here to be timed, like the engine's imports

    imported = time.perf_counter()
    cpu_imported = time.process_time()
    ransomware = pyfair.FairModel(name="ransomware", n_simulations=years, random_seed=seed)
    ransomware.input_data("Loss Event Frequency", low=0.05, mode=0.2, high=0.6)
    ransomware.input_data("Loss Magnitude", low=50_000, mode=400_000, high=5_000_000)
    breach = pyfair.FairModel(name="data_breach", n_simulations=years, random_seed=seed + 1)
    breach.input_data("Loss Event Frequency", constant=0.1)
    mu = (math.log(50_000) + math.log(5_000_000)) / 2
    sigma = (math.log(5_000_000) - math.log(50_000)) / (2 * 1.6448536269514722)
    # pyfair type-checks for list or pandas Series (its check for np.array never matches an ndarray).
    breach.input_raw_data("Loss Magnitude", pd.Series(np.random.lognormal(mu, sigma, years)))
    prepared = time.perf_counter()
    meta = pyfair.FairMetaModel(name="total", models=[ransomware, breach])
    meta.calculate_all()
    results = meta.export_results()
    done = time.perf_counter()
    cpu_done = time.process_time()
    np.save(output, np.column_stack([results["ransomware"], results["data_breach"], results["Risk"]]))
    print(
        json.dumps(
            {
                "years": years,
                "import_seconds": imported - started,
                "inputs_seconds": prepared - imported,
                "calculate_seconds": done - prepared,
                "compute_seconds": done - imported,
                "compute_cpu_seconds": cpu_done - cpu_imported,
                "process_cpu_seconds": cpu_seconds(),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "pyfair_version": getattr(pyfair, "__version__", "unknown"),
            }
        )
    )


if __name__ == "__main__":
    main()
