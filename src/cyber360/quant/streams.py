"""Random streams keyed by what they are for, so a simulation never depends on how it is split up.

A stream is a PCG64 generator whose 256 seed bits (128 of state, 128 of increment) are the BLAKE2b-256
hash of ``(seed, *key)``. The key says which scenario (or establishment and scenario), which block of
years and which role (the candidate years, the counts, the rates, the driver, one component's base or
per-unit draws) the numbers are for. Two keys that differ anywhere give unrelated seeds (a
cryptographic hash: the role NumPy's ``SeedSequence`` plays, at a fifth of its cost, which matters
with a dozen streams per establishment, scenario and block), and the same key always gives the same
numbers, in one process, in chunks, or on any number of workers.
"""

from __future__ import annotations

import hashlib
import struct
from enum import IntEnum
from typing import cast

import numpy as np
import numpy.typing as npt
from numpy.random.bit_generator import ISeedSequence

from cyber360.quant.errors import ModelError

#: Years per block: the unit of the stream layout. Changing it changes every simulated number.
BLOCK_YEARS = 131_072
#: A block is shortened (halved until it fits) when a model expects more events than this per block.
MAX_EVENTS_PER_BLOCK = 1 << 22
#: Bumped whenever the mapping from (seed, key) to simulated numbers changes.
STREAM_LAYOUT_VERSION = 3  # 3: candidate years by gaps, optional parts part by part, BLAKE2b seeds


class Role(IntEnum):
    """What a stream's numbers are used for within one scenario and one block."""

    RATE = 0
    COUNT = 1
    DRIVER = 2
    CANDIDATES = 3  # the gaps between the years that may have an event (thinning)


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


class _HashedSeed(ISeedSequence):
    """The seed words of one stream: BLAKE2b-256 of the key's integers (8 bytes each, little-endian)."""

    __slots__ = ("words",)

    def __init__(self, values: tuple[int, ...]) -> None:
        try:
            encoded, person = struct.pack(f"<{len(values)}Q", *values), b"cyber360-u64"
        except struct.error:  # an integer beyond 64 bits (a huge seed): length-prefixed bytes instead
            parts = [v.to_bytes(max(1, (v.bit_length() + 7) // 8), "little") for v in values]
            encoded, person = b"".join(len(p).to_bytes(4, "little") + p for p in parts), b"cyber360-big"
        self.words = hashlib.blake2b(encoded, digest_size=32, person=person).digest()

    def generate_state(
        self, n_words: int, dtype: npt.DTypeLike = np.uint32
    ) -> npt.NDArray[np.unsignedinteger]:
        kind = np.dtype(dtype)
        words = np.frombuffer(self.words, dtype=kind.newbyteorder("<")).astype(kind, copy=False)  # any CPU
        if n_words > words.size:
            raise ValueError(f"a keyed seed holds {words.size} words of this type, not {n_words}")
        return words[:n_words]


def stream(seed: int, *key: int) -> np.random.Generator:
    """The generator for ``key`` under ``seed``: PCG64 seeded by the BLAKE2b-256 hash of (seed, *key)."""
    # NumPy takes any ISeedSequence here; its type stubs name only SeedSequence.
    return np.random.Generator(np.random.PCG64(cast(np.random.SeedSequence, _HashedSeed((seed, *key)))))


def block_years_for(expected_events_per_year: float, preferred: int = BLOCK_YEARS) -> int:
    """The block length for a model: ``preferred`` halved while a block would expect too many events.

    A function of the model alone, never of the run length or chunk size, so reproducibility holds.
    """
    block = preferred
    while block > 1024 and block * expected_events_per_year > MAX_EVENTS_PER_BLOCK:
        block //= 2
    return block
