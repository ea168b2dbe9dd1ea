"""Portfolio runs on a Dask cluster: work units sent a few at a time, per-label sums added on the workers.

The driver (:func:`cyber360.quant.portfolio.simulate_portfolio`) gives the tasks and the object that
adds the units' results up (in unit order, so that the numbers never depend on the cluster).
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from cyber360.quant.distributions import FloatArray
from cyber360.quant.portfolio_units import UnitResult, add_labels, run_pickled_unit, without_labels

if TYPE_CHECKING:
    from cyber360.quant.portfolio import Portfolio

Task = tuple[int, int, int]  # (unit, first year, years)


class Totals(Protocol):
    """Where the units' results are added up (the driver's)."""

    def add(self, index: int, result: UnitResult) -> None: ...

    def set_labels(self, index: int, sums: tuple[FloatArray, FloatArray]) -> None: ...


def run_on_dask(
    client: Any,
    portfolio: Portfolio,
    seed: int,
    tasks: list[Task],
    totals: Totals,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Units go out a few at a time (two per worker thread, then one per result), each task carrying its
    unit's part of the portfolio pickled to bytes: the first start at once, and the scheduler passes the
    bytes on without unpickling a model tree. A unit's per-label sums never travel to the driver: each
    chunk's are added up on the workers, in unit order, by a chain of small tasks, and only the chunk's
    sum comes back; the rest of a unit's result (per GHT, occurrence, common events) comes back as is."""
    from dask.distributed import as_completed

    last_unit = len(portfolio.units) - 1
    payloads: dict[int, bytes] = {}
    arrived: dict[str, tuple[str, int]] = {}
    labels: Any = None  # the running per-label sum of the current chunk (a future)
    queue = iter(range(len(tasks)))

    def submit(i: int) -> list[Any]:
        nonlocal labels
        unit, first, n_years = tasks[i]
        if unit not in payloads:
            payloads[unit] = pickle.dumps(portfolio.unit(unit), protocol=pickle.HIGHEST_PROTOCOL)
        result = client.submit(run_pickled_unit, payloads[unit], seed, first, n_years, pure=False)
        shipped = client.submit(without_labels, result, pure=False)
        labels = client.submit(add_labels, None if unit == 0 else labels, result, pure=False)
        arrived[shipped.key] = ("unit", i)
        if unit != last_unit:
            return [shipped]
        arrived[labels.key] = ("labels", i)
        return [shipped, labels]

    window = 2 * max(1, sum(client.nthreads().values()))
    completed = as_completed(  # type: ignore[no-untyped-call]
        [f for i in itertools.islice(queue, window) for f in submit(i)], with_results=True
    )
    done = 0
    for future, result in completed:
        kind, i = arrived.pop(future.key)
        if kind == "labels":
            totals.set_labels(i, result)
            continue
        for j in itertools.islice(queue, 1):
            for new in submit(j):
                completed.add(new)  # type: ignore[no-untyped-call]
        totals.add(i, result)
        done += 1
        if progress is not None:
            progress(done, len(tasks))
