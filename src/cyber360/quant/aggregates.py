"""Annual aggregate terms: each event's part of its period's capped running total, vectorised.

An aggregate deductible ``AD`` and limit ``AL`` act on the period's running total ``c_i`` (events in
the given order within the period): the insurer's cumulative is ``min(max(c_i - AD, 0), AL)`` and each
event keeps the increase of that capped cumulative over the previous event's, never more than its own
loss. The running total restarts at each period and adds the period's events left to right, one after
the other, exactly as a loop over the events would: no sum ever reaches across a period boundary, so
an event's numbers do not depend on which events precede its period in the array (a chunk or block
boundary changes nothing). A single cumulative sum over the whole array with each period's offset
subtracted would not give the same bits, and is not used.

Kernel layout (Oasis pytools style: tables built once, then pure array passes): events are sorted by
period; :func:`period_blocks` cuts them into blocks of whole periods small enough to stay in the
processor's cache, and :class:`Periods` describes one block: the events that follow another of their
period, and the periods of two or more events grouped by width (lengths in ``(2^(k-1), 2^k]``) as
rows of a table, so that one left-to-right accumulation along the rows gives every running total of
a width class at once. Single-event periods, the common case, need no running total at all.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from cyber360.quant.counts import IntArray
from cyber360.quant.distributions import FloatArray

#: Events per block: the working arrays of a block (a few hundred kB each) stay in the processor's
#: cache between passes. Only speed depends on it, never a number.
BLOCK_EVENTS = 1 << 15
#: Running totals of rows at most this wide are added column by column (one vector addition per
#: column over all the rows), wider rows with one ``cumsum`` along each row; both add left to right.
NARROW_ROWS = 16
#: Followers (events after the first of their period) are handled by index below one in this many
#: events, by a vector multiply with a 0/1 mask above.
MANY_FOLLOWERS = 4


@dataclass(frozen=True)
class PeriodRows:
    """Periods of similar length (a width class) laid out as the rows of a ``[periods, width]`` table.

    ``index[r, j]`` is the ``j``-th event of the ``r``-th period; past the period's end it points at
    later events (or is clipped at the last one), whose values are carried but never read back, since a
    running total at position ``j`` only depends on positions ``0..j``. ``cells`` gives each period's
    own events' positions in the flattened table (None when every period fills its row) and ``events``
    the same events' positions in the block.
    """

    index: IntArray
    cells: IntArray | None
    events: IntArray


@dataclass(frozen=True)
class Periods:
    """Events sorted by period (one block). ``followers`` are the events that follow an event of their
    own period (all but each period's first); ``carried`` is the same as a 0/1 mask, kept only when
    followers are many (a vector multiply then beats indexing); ``rows`` holds the periods of two or
    more events."""

    size: int
    followers: IntArray
    carried: FloatArray | None
    rows: tuple[PeriodRows, ...]


def periods_of(period: IntArray) -> Periods:
    """The :class:`Periods` of events sorted by ``period`` (any integer key: year, group x year...)."""
    period = np.asarray(period)
    size = int(period.size)
    follows = period[1:] == period[:-1]
    followers = np.flatnonzero(follows) + 1
    if not followers.size:
        return Periods(size, followers, None, ())
    carried = None
    if followers.size * MANY_FOLLOWERS >= size:
        carried = np.empty(size)
        carried[:1] = 0.0
        carried[1:] = follows
    # a run of consecutive followers f..g is one period holding events f - 1..g
    opens = np.empty(followers.size, dtype=np.bool_)
    opens[0] = True
    np.not_equal(followers[1:], followers[:-1] + 1, out=opens[1:])
    runs = np.flatnonzero(opens)
    starts = followers[runs] - 1
    lengths = np.diff(runs, append=followers.size) + 1
    # width class k holds lengths in (2^(k-1), 2^k]: rows padded by less than half their width
    width_class = np.frexp((lengths - 1).astype(np.float64))[1]
    rows = []
    for k in np.flatnonzero(np.bincount(width_class)):
        chosen = width_class == k
        own_starts, own_lengths = starts[chosen], lengths[chosen]
        width = int(own_lengths.max())
        index = own_starts[:, np.newaxis] + np.arange(width, dtype=np.int64)
        if int(own_lengths.min()) == width:
            rows.append(PeriodRows(index, None, index.ravel()))
        else:
            cells = _ranges(np.arange(own_lengths.size, dtype=np.int64) * width, own_lengths)
            rows.append(PeriodRows(index, cells, _ranges(own_starts, own_lengths)))
    return Periods(size, followers, carried, tuple(rows))


def _ranges(firsts: IntArray, lengths: IntArray) -> IntArray:
    """``firsts[r], firsts[r] + 1, ..., firsts[r] + lengths[r] - 1`` for each ``r``, concatenated."""
    offsets = np.cumsum(lengths) - lengths
    within = np.arange(int(offsets[-1] + lengths[-1]), dtype=np.int64)
    ranges: IntArray = within + np.repeat(firsts - offsets, lengths)
    return ranges


def cumulative_in_period(loss: FloatArray, periods: Periods) -> FloatArray:
    """Running total of ``loss`` restarting at each period, added left to right within the period
    (``loss`` itself when every period holds one event)."""
    if not periods.rows:
        return loss
    total = np.array(loss, dtype=np.float64, copy=True)
    for table in periods.rows:
        running = np.take(loss, table.index, mode="clip")
        if running.shape[1] <= NARROW_ROWS:
            for column in range(1, running.shape[1]):
                np.add(running[:, column], running[:, column - 1], out=running[:, column])
        else:
            np.cumsum(running, axis=1, out=running)
        running_flat = running.ravel()
        total[table.events] = running_flat if table.cells is None else np.take(running_flat, table.cells)
    return total


def annual_aggregate(
    loss: FloatArray,
    periods: Periods | None,
    limit: float,
    deductible: float = 0.0,
    *,
    out: FloatArray | None = None,
) -> FloatArray:
    """Each event's part of its period's ``min(max(running total - deductible, 0), limit)``.

    Written into ``out`` when given; otherwise ``loss`` itself when there is no aggregate term, else a
    new array. ``periods`` is only read when there is an aggregate term.
    """
    if math.isinf(limit) and deductible == 0.0:
        if out is None:
            return loss
        out[...] = loss
        return out
    if periods is None:
        raise ValueError("an aggregate term needs the events' periods")
    capped = np.empty_like(loss) if out is None else out
    running = cumulative_in_period(loss, periods)
    if deductible:
        np.subtract(running, deductible, out=capped)
        np.clip(capped, 0.0, limit, out=capped)
    else:
        np.minimum(running, limit, out=capped)
    # increase over the previous event's capped cumulative: only followers have one (a period's first
    # event keeps its capped cumulative, never above its loss); no more than the event's own loss
    followers = periods.followers
    if periods.carried is None:
        increase = capped[followers] - capped[followers - 1]
        capped[followers] = np.minimum(increase, loss[followers], out=increase)
    else:  # most events are followers: multiplying by an exact 0 or 1 beats indexing
        previous = np.empty_like(capped)
        previous[:1] = 0.0
        np.multiply(capped[:-1], periods.carried[1:], out=previous[1:])
        capped -= previous
        np.minimum(capped, loss, out=capped)
    return capped


def period_blocks(period: IntArray, block_events: int = BLOCK_EVENTS) -> list[tuple[int, int]]:
    """``(start, stop)`` of consecutive blocks of about ``block_events`` events, cut only where a
    period starts (a period longer than a block makes a block of its own, with its neighbours)."""
    size = int(period.size)
    if size == 0:
        return []
    marks = np.arange(block_events, size, block_events)
    cuts = np.searchsorted(period, period[marks], side="left")
    bounds = np.unique(np.concatenate([[0], cuts, [size]]))
    return [(int(start), int(stop)) for start, stop in itertools.pairwise(bounds.tolist())]


__all__ = [
    "BLOCK_EVENTS",
    "PeriodRows",
    "Periods",
    "annual_aggregate",
    "cumulative_in_period",
    "period_blocks",
    "periods_of",
]
