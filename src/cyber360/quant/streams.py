"""Random streams keyed by what they are for, so a simulation never depends on how it is split up.

A stream is a PCG64 generator seeded by ``SeedSequence(seed, spawn_key=key)``. The key says which
scenario (or establishment and scenario), which block of years and which role (the year's rates, the
counts, the driver, one component's base or per-unit draws) the numbers are for. Two keys that differ
anywhere give statistically independent streams (NumPy's SeedSequence guarantee), and the same key
always gives the same numbers, in one process, in chunks, or on any number of workers.
"""

from __future__ import annotations

import hashlib
from enum import IntEnum

import numpy as np

from cyber360.quant.errors import ModelError

#: Years per block: the unit of the stream layout. Changing it changes every simulated number.
BLOCK_YEARS = 131_072
#: A block is shortened (halved until it fits) when a model expects more events than this per block.
MAX_EVENTS_PER_BLOCK = 1 << 22
#: Bumped whenever the mapping from (seed, key) to simulated numbers changes.
STREAM_LAYOUT_VERSION = 2


class Role(IntEnum):
    """What a stream's numbers are used for within one scenario and one block."""

    RATE = 0
    COUNT = 1
    DRIVER = 2


def name_key(name: str) -> int:
    """A stable 64-bit key for a name (scenario, component, establishment): BLAKE2b of its UTF-8 bytes."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


def component_key(component: str, part: str) -> int:
    """The role key of one component's ``base`` or ``per_unit`` draws."""
    return name_key(f"component:{component}:{part}")


def check_seed(seed: object) -> int:
    """The seed as an int, or a :class:`ModelError` if it is not a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or int(seed) < 0:
        raise ModelError("seed", "must be a non-negative integer")
    return int(seed)


def stream(seed: int, *key: int) -> np.random.Generator:
    """The generator for ``key`` under ``seed`` (PCG64 seeded through SeedSequence)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def block_years_for(expected_events_per_year: float, preferred: int = BLOCK_YEARS) -> int:
    """The block length for a model: ``preferred`` halved while a block would expect too many events.

    A function of the model alone, never of the run length or chunk size, so reproducibility holds.
    """
    block = preferred
    while block > 1024 and block * expected_events_per_year > MAX_EVENTS_PER_BLOCK:
        block //= 2
    return block
