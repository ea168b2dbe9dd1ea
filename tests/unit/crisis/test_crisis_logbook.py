"""The main courante hash chain: known answers, appending rules, tamper detection."""

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cyber360.crisis.logbook import (
    GENESIS_HASH,
    EntryKind,
    LogbookError,
    LogEntry,
    append_entry,
    canonical_bytes,
    corrections_of,
    entry_digest,
    verify_chain,
)

START = datetime(2026, 3, 28, 2, 10, tzinfo=UTC)


def chain(count: int = 5, incident_id: str = "inc-7") -> list[LogEntry]:
    entries: list[LogEntry] = []
    kinds = [EntryKind.FACT, EntryKind.DECISION, EntryKind.ACTION, EntryKind.COMMUNICATION]
    for n in range(count):
        entries.append(
            append_entry(
                entries[-1] if entries else None,
                incident_id=incident_id,
                recorded_at=START + timedelta(minutes=5 * n),
                author=f"user-{n % 3}",
                kind=kinds[n % len(kinds)],
                text=f"Entrée n° {n + 1} : écran de rançon aux urgences",
            )
        )
    return entries


def test_canonical_form_known_answer() -> None:
    data = canonical_bytes(
        incident_id="inc-7",
        sequence=1,
        recorded_at=datetime.fromisoformat("2026-03-28T03:10:00+01:00"),
        author="rssi@ch-exemple.fr",
        kind="fact",
        text="Écran de rançon aux urgences",
        corrects=None,
        previous_hash=GENESIS_HASH,
    )
    assert (
        data
        == (
            '{"author":"rssi@ch-exemple.fr","corrects":null,"incident_id":"inc-7","kind":"fact",'
            f'"previous_hash":"{GENESIS_HASH}","recorded_at":"2026-03-28T02:10:00.000000Z","sequence":1,'
            '"text":"Écran de rançon aux urgences","v":1}'
        ).encode()
    )
    first = append_entry(
        None,
        incident_id="inc-7",
        recorded_at=datetime.fromisoformat("2026-03-28T03:10+01:00"),
        author="rssi@ch-exemple.fr",
        kind="fact",
        text="Écran de rançon aux urgences",
    )
    assert first.entry_hash == hashlib.sha256(data).hexdigest()
    assert first.recorded_at.tzinfo is UTC


def test_chain_links_and_verifies() -> None:
    entries = chain()
    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].previous_hash == GENESIS_HASH
    assert all(b.previous_hash == a.entry_hash for a, b in pairwise(entries))
    result = verify_chain(entries)
    assert result.valid and result.entries_checked == 5 and result.head_hash == entries[-1].entry_hash
    assert verify_chain([]).valid


def test_altered_text_is_reported_at_that_entry() -> None:
    entries = chain()
    entries[2] = replace(entries[2], text="Rien à signaler")
    result = verify_chain(entries)
    assert not result.valid
    assert (result.broken_at_index, result.broken_at_sequence) == (2, 3)
    assert result.reason is not None and "altered" in result.reason


def test_rehashed_alteration_breaks_the_next_link() -> None:
    entries = chain()
    forged = replace(entries[2], author="someone-else")
    entries[2] = replace(forged, entry_hash=entry_digest(forged))
    result = verify_chain(entries)
    assert result.broken_at_sequence == 4
    assert result.reason is not None and "previous_hash" in result.reason


def test_deleted_reordered_foreign_and_backdated_entries_are_reported() -> None:
    entries = chain()
    assert verify_chain(entries[:1] + entries[2:]).broken_at_index == 1
    swapped = [entries[0], entries[2], entries[1], *entries[3:]]
    assert verify_chain(swapped).broken_at_index == 1
    other = chain(incident_id="inc-8")
    assert "another incident" in (verify_chain([*entries[:2], other[2]]).reason or "")
    assert not verify_chain(entries, incident_id="inc-8").valid
    early = replace(entries[3], recorded_at=START - timedelta(hours=1))
    backdated = [*entries[:3], replace(early, entry_hash=entry_digest(early))]
    assert verify_chain(backdated).broken_at_sequence == 4


def test_truncation_needs_the_expected_head() -> None:
    entries = chain()
    assert verify_chain(entries[:3]).valid
    result = verify_chain(entries[:3], expected_head=entries[-1].entry_hash)
    assert not result.valid and result.reason is not None and "head" in result.reason
    assert verify_chain(entries, expected_head=entries[-1].entry_hash).valid


def test_naive_timestamp_in_a_stored_entry_is_reported() -> None:
    entries = chain(2)
    entries[1] = replace(entries[1], recorded_at=entries[1].recorded_at.replace(tzinfo=None))
    reason = verify_chain(entries).reason
    assert reason is not None and "naive" in reason


def test_correction_points_to_an_earlier_entry() -> None:
    entries = chain(3)
    fix = append_entry(
        entries[-1],
        incident_id="inc-7",
        recorded_at=START + timedelta(hours=1),
        author="user-0",
        kind=EntryKind.CORRECTION,
        text="L'écran de rançon était au laboratoire, pas aux urgences",
        corrects=1,
    )
    entries.append(fix)
    assert verify_chain(entries).valid
    assert corrections_of(entries) == {1: [4]}
    forged = replace(entries[1], kind=EntryKind.CORRECTION, corrects=None)
    entries[1] = replace(forged, entry_hash=entry_digest(forged))
    assert "correction" in (verify_chain(entries).reason or "")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "correction"}, "corrects"),
        ({"kind": "correction", "corrects": 4}, "corrects"),
        ({"kind": "correction", "corrects": 0}, "corrects"),
        ({"kind": "fact", "corrects": 1}, "corrects"),
        ({"kind": "rumour"}, "kind"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 10_001}, "text"),
        ({"author": ""}, "author"),
        ({"recorded_at": datetime(2026, 3, 28, 4)}, "recorded_at"),
        ({"recorded_at": START}, "recorded_at"),
        ({"incident_id": "inc-8"}, "incident_id"),
    ],
)
def test_append_refusals_name_the_field(changes: dict[str, object], field: str) -> None:
    entries = chain(3)
    arguments: dict[str, object] = {
        "incident_id": "inc-7",
        "recorded_at": START + timedelta(hours=2),
        "author": "user-1",
        "kind": "action",
        "text": "Sauvegardes déconnectées",
    }
    arguments.update(changes)
    with pytest.raises(LogbookError) as raised:
        append_entry(entries[-1], **arguments)  # type: ignore[arg-type]
    assert raised.value.field == field


FIELDS = {
    "incident_id": "inc-x",
    "sequence": 99,
    "recorded_at": START + timedelta(days=3),
    "author": "intrus",
    "kind": EntryKind.DECISION,
    "text": "Texte réécrit",
    "previous_hash": "f" * 64,
    "entry_hash": "e" * 64,
}


@given(st.integers(min_value=0, max_value=5), st.sampled_from(sorted(FIELDS)))
def test_any_single_change_is_detected_at_or_before_the_changed_entry(position: int, field: str) -> None:
    entries = chain(6)
    original = entries[position]
    if getattr(original, field) == FIELDS[field]:
        return
    entries[position] = replace(original, **{field: FIELDS[field]})  # type: ignore[arg-type]
    result = verify_chain(entries, incident_id="inc-7")
    assert not result.valid
    assert result.broken_at_index is not None and result.broken_at_index <= position
