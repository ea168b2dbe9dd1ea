"""The ceiling: only the NumPy random draws that the issue's two-scenario workload needs, one call each.

Two variants, same bit generator as the engine (PCG64):
- ``textbook``: per year a PERT rate and a Poisson count for ransomware, a Poisson count for the data
  breach, then one PERT (beta) loss per ransomware event and one lognormal loss per breach event;
- ``engine``: the draws the engine actually makes: one uniform per year for ransomware, a PERT rate
  only for the years whose uniform exceeds exp(-0.6) (thinning: the other 55 % can have no event), and
  the counts by inversion of those uniforms (not a draw, not timed here); the breach's known rate needs
  no per-year draw, only the block's Poisson total and one uniform year per event.
Usage: python ceiling_run.py textbook|engine YEARS SEED
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time


def cpu_seconds() -> float:
    """User + system CPU time of this whole process so far (less sensitive than wall time to other load)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    started = time.perf_counter()
    import numpy as np

    imported = time.perf_counter()
    cpu_imported = time.process_time()
    variant, years, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.Generator(np.random.PCG64(seed))
    rate_alpha, rate_beta = 1 + 4 * 0.15 / 0.55, 1 + 4 * 0.40 / 0.55
    loss_alpha, loss_beta = 1 + 4 * 350_000 / 4_950_000, 1 + 4 * 4_600_000 / 4_950_000
    mu = (math.log(5e4) + math.log(5e6)) / 2
    sigma = (math.log(5e6) - math.log(5e4)) / (2 * 1.6448536269514722)

    if variant == "textbook":
        rates = rng.beta(rate_alpha, rate_beta, years)
        ransomware_events = int(rng.poisson(0.05 + 0.55 * rates).sum())
        breach_events = int(rng.poisson(0.1, years).sum())
    else:
        live = int((rng.random(years) > math.exp(-0.6)).sum())
        rng.beta(rate_alpha, rate_beta, live)
        # As many ransomware events as the textbook draws give (E[N] = E[rate]); counting them
        # by inversion is the engine's work, not a draw.
        ransomware_events = int(rng.poisson((0.05 + 4 * 0.2 + 0.6) / 6 * years))
        breach_events = int(rng.poisson(0.1 * years))
        rng.integers(0, years, size=breach_events)
    rng.beta(loss_alpha, loss_beta, ransomware_events)
    rng.lognormal(mu, sigma, breach_events)
    done = time.perf_counter()
    cpu_done = time.process_time()
    print(
        json.dumps(
            {
                "years": years,
                "import_seconds": imported - started,
                "compute_seconds": done - imported,
                "compute_cpu_seconds": cpu_done - cpu_imported,
                "events": ransomware_events + breach_events,
                "process_cpu_seconds": cpu_seconds(),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
