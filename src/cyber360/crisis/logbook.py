"""The incident logbook (main courante): an append-only, hash-chained record of what the crisis cell learned,
decided, did and said.

Each entry carries the SHA-256 of its canonical form, and that form includes the hash of the entry before
it, so changing, removing or reordering any entry breaks every link after it. An entry is never edited: a
correction is a new entry of kind `correction` pointing to the entry it corrects. This module holds the pure
rules (canonical form, hashing, appending, verifying); persistence and the refusal of UPDATE/DELETE live in
the database layer.

Canonical form: UTF-8 JSON with sorted keys, no insignificant whitespace, non-ASCII characters kept as is, the
timestamp in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, the incident id as a string. Field `v` versions the form.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

CANONICAL_VERSION: Final = 1
GENESIS_HASH: Final = "0" * 64
MAX_TEXT_LENGTH: Final = 10_000
MAX_AUTHOR_LENGTH: Final = 200


class EntryKind(StrEnum):
    FACT = "fact"
    DECISION = "decision"
    ACTION = "action"
    COMMUNICATION = "communication"
    CORRECTION = "correction"


class LogbookError(ValueError):
    """An entry that cannot be appended; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True, kw_only=True)
class LogEntry:
    """One line of the main courante, as stored. `sequence` starts at 1 within an incident."""

    incident_id: str
    sequence: int
    recorded_at: datetime
    author: str
    kind: EntryKind
    text: str
    corrects: int | None
    previous_hash: str
    entry_hash: str


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise LogbookError("recorded_at", "naive datetime refused: the server timestamp must be aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(
    *,
    incident_id: str,
    sequence: int,
    recorded_at: datetime,
    author: str,
    kind: str,
    text: str,
    corrects: int | None,
    previous_hash: str,
) -> bytes:
    """The exact bytes that are hashed for an entry."""
    payload = {
        "v": CANONICAL_VERSION,
        "incident_id": str(incident_id),
        "sequence": sequence,
        "recorded_at": _timestamp(recorded_at),
        "author": author,
        "kind": str(kind),
        "text": text,
        "corrects": corrects,
        "previous_hash": previous_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_digest(entry: LogEntry) -> str:
    """The SHA-256 (hex) the entry should carry, recomputed from its content."""
    return hashlib.sha256(
        canonical_bytes(
            incident_id=entry.incident_id,
            sequence=entry.sequence,
            recorded_at=entry.recorded_at,
            author=entry.author,
            kind=entry.kind,
            text=entry.text,
            corrects=entry.corrects,
            previous_hash=entry.previous_hash,
        )
    ).hexdigest()


def append_entry(
    previous: LogEntry | None,
    *,
    incident_id: str,
    recorded_at: datetime,
    author: str,
    kind: EntryKind | str,
    text: str,
    corrects: int | None = None,
) -> LogEntry:
    """The next entry after `previous` (None for the first entry of the incident), hashed and chained.

    `recorded_at` is the server's clock, never the client's; it may not go back before the previous entry.
    """
    try:
        entry_kind = EntryKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in EntryKind)
        raise LogbookError("kind", f"unknown kind {kind!r} (expected one of: {allowed})") from None
    if not text.strip():
        raise LogbookError("text", "must not be empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise LogbookError("text", f"longer than {MAX_TEXT_LENGTH} characters")
    if not author.strip() or len(author) > MAX_AUTHOR_LENGTH:
        raise LogbookError("author", f"must be 1 to {MAX_AUTHOR_LENGTH} characters")
    _timestamp(recorded_at)
    recorded_at = recorded_at.astimezone(UTC)
    if previous is not None:
        if previous.incident_id != str(incident_id):
            raise LogbookError("incident_id", "differs from the incident of the previous entry")
        if recorded_at < previous.recorded_at:
            raise LogbookError("recorded_at", "earlier than the previous entry")
    sequence = 1 if previous is None else previous.sequence + 1
    if entry_kind is EntryKind.CORRECTION:
        if corrects is None:
            raise LogbookError("corrects", "a correction must point to the entry it corrects")
        if not 1 <= corrects < sequence:
            raise LogbookError("corrects", f"no earlier entry {corrects} in this logbook")
    elif corrects is not None:
        raise LogbookError("corrects", "only a correction points to another entry")
    previous_hash = GENESIS_HASH if previous is None else previous.entry_hash
    draft = LogEntry(
        incident_id=str(incident_id),
        sequence=sequence,
        recorded_at=recorded_at,
        author=author,
        kind=entry_kind,
        text=text,
        corrects=corrects,
        previous_hash=previous_hash,
        entry_hash="",
    )
    return replace(draft, entry_hash=entry_digest(draft))


@dataclass(frozen=True)
class ChainVerification:
    """Outcome of a verification: `valid`, or the first broken link (sequence position and reason)."""

    valid: bool
    entries_checked: int
    head_hash: str
    broken_at_index: int | None = None
    broken_at_sequence: int | None = None
    reason: str | None = None


def _problem(entry: LogEntry, index: int, before: LogEntry | None, incident_id: str) -> str | None:
    """Why `entry` (at `index`, after `before`) breaks the chain, or None."""
    if entry.incident_id != incident_id:
        return "entry belongs to another incident"
    if entry.sequence != index + 1:
        return f"sequence {entry.sequence} where {index + 1} was expected (entry missing, added or moved)"
    expected_previous = GENESIS_HASH if before is None else before.entry_hash
    if entry.previous_hash != expected_previous:
        return "previous_hash does not match the hash of the entry before"
    try:
        digest = entry_digest(entry)
    except LogbookError as error:
        return str(error)
    if entry.entry_hash != digest:
        return "content does not match its hash (entry altered)"
    if entry.kind not in {kind.value for kind in EntryKind}:
        return f"unknown kind {entry.kind!r}"
    if (entry.kind == EntryKind.CORRECTION) != (entry.corrects is not None):
        return "correction pointer inconsistent with the kind"
    if entry.corrects is not None and not 1 <= entry.corrects < entry.sequence:
        return f"correction points to {entry.corrects}, which is not an earlier entry"
    if before is not None and entry.recorded_at < before.recorded_at:
        return "timestamp earlier than the previous entry"
    return None


def verify_chain(
    entries: Sequence[LogEntry],
    *,
    incident_id: str | None = None,
    expected_head: str | None = None,
) -> ChainVerification:
    """Check a whole logbook, in sequence order, and report the first broken link.

    Removing entries from the end leaves a shorter chain that is still valid in itself: pass `expected_head`
    (the last hash recorded elsewhere, e.g. in the audit trail) to detect truncation.
    """
    owner = str(incident_id) if incident_id is not None else (entries[0].incident_id if entries else "")
    before: LogEntry | None = None
    for index, entry in enumerate(entries):
        reason = _problem(entry, index, before, owner)
        if reason is not None:
            head = GENESIS_HASH if before is None else before.entry_hash
            return ChainVerification(False, index, head, index, entry.sequence, reason)
        before = entry
    head = GENESIS_HASH if before is None else before.entry_hash
    if expected_head is not None and head != expected_head:
        reason = "last hash differs from the expected head (entries removed at the end or added)"
        return ChainVerification(False, len(entries), head, len(entries), None, reason)
    return ChainVerification(True, len(entries), head)


def corrections_of(entries: Sequence[LogEntry]) -> dict[int, list[int]]:
    """For each corrected entry, the sequences of the entries that correct it, in order."""
    index: dict[int, list[int]] = {}
    for entry in entries:
        if entry.kind == EntryKind.CORRECTION and entry.corrects is not None:
            index.setdefault(entry.corrects, []).append(entry.sequence)
    return index
