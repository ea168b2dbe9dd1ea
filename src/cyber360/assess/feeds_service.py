"""Loading the threat-intelligence feeds into the database: the CISA KEV catalogue and FIRST EPSS scores.

The files are read as streams (``feeds.iter_kev``, ``feeds.iter_epss``) and written in batches of upserts,
one transaction per feed: a malformed line anywhere leaves the previous data untouched. The feeds are
public data (not a tenant's), so they are loaded by an administrator's command or by the demo, not by users.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from cyber360.assess import feeds
from cyber360.assess.tables import EpssRow, FeedStatusRow, KevRow
from cyber360.core.audit import Actor
from cyber360.core.db import utcnow
from cyber360.core.uow import UnitOfWork

#: Rows per INSERT ... ON CONFLICT batch: large enough to amortise round trips, small enough for memory.
BATCH_SIZE = 5_000

Opener = Callable[[], IO[bytes]]


@dataclass(frozen=True)
class FeedLoad:
    name: str
    entries: int
    version: str
    released: str


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _upsert(session: Session, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    """Insert or update a batch of rows; a key repeated in the batch keeps its last row."""
    unique = list({row[key]: row for row in rows}.values())
    columns = list(unique[0])
    if session.get_bind().dialect.name == "postgresql":
        _upsert_postgresql(session, table, key, columns, unique)
        return
    statement: Any = sqlite.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[key], set_={name: statement.excluded[name] for name in columns if name != key}
    )
    session.execute(statement, unique)  # SQLite runs the prepared statement per row, in process: fast


def _upsert_postgresql(
    session: Session, table: Table, key: str, columns: list[str], rows: list[dict[str, Any]]
) -> None:
    """One statement per batch: the columns sent as arrays and unnested by the server (a row-by-row
    executemany is several times slower over the network)."""
    dialect = session.get_bind().dialect
    arrays = ", ".join(
        f"CAST(:c{index} AS {table.c[name].type.compile(dialect=dialect)}[])"
        for index, name in enumerate(columns)
    )
    names = ", ".join(columns)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns if name != key)
    statement = text(
        f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays}) "  # noqa: S608 - our own names
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )
    session.execute(
        statement, {f"c{index}": [row[name] for row in rows] for index, name in enumerate(columns)}
    )


def _status(session: Session, load: FeedLoad) -> None:
    _upsert(
        session,
        FeedStatusRow.__table__,  # type: ignore[arg-type]
        "name",
        [
            {
                "name": load.name,
                "version": load.version[:60],
                "released": load.released[:40],
                "entries": load.entries,
                "imported_at": utcnow(),
            }
        ],
    )


def _load(uow: UnitOfWork, table: Table, key: str, rows: Iterable[dict[str, Any]], batch_size: int) -> int:
    count = 0
    for batch in _batches(rows, batch_size):
        _upsert(uow.session, table, key, batch)
        count += len(batch)
    return count


def import_kev(uow: UnitOfWork, open_file: Opener, *, actor: Actor, batch_size: int = BATCH_SIZE) -> FeedLoad:
    """Upsert every entry of a KEV JSON file (entries absent from the file are kept)."""
    with open_file() as stream:
        header = feeds.read_kev_catalogue(stream)
    with open_file() as stream:
        rows = (
            {
                "cve_id": entry.cve_id,
                "vendor_project": entry.vendor_project[:200],
                "product": entry.product[:200],
                "vulnerability_name": entry.vulnerability_name[:500],
                "date_added": entry.date_added,
                "due_date": entry.due_date,
                "known_ransomware_campaign_use": entry.known_ransomware_campaign_use,
                "short_description": entry.short_description,
            }
            for entry in feeds.iter_kev(stream)
        )
        count = _load(uow, KevRow.__table__, "cve_id", rows, batch_size)  # type: ignore[arg-type]
    load = FeedLoad("kev", count, header.catalog_version, header.date_released)
    _finish(uow, load, actor)
    return load


def import_epss(
    uow: UnitOfWork, open_file: Opener, *, actor: Actor, batch_size: int = BATCH_SIZE
) -> FeedLoad:
    """Upsert every score of an EPSS CSV file (plain or gzip)."""
    with open_file() as stream:
        metadata = feeds.read_epss_metadata(stream)
    with open_file() as stream:
        rows = (
            {"cve": score.cve, "epss": score.epss, "percentile": score.percentile}
            for score in feeds.iter_epss(stream)
        )
        count = _load(uow, EpssRow.__table__, "cve", rows, batch_size)  # type: ignore[arg-type]
    load = FeedLoad("epss", count, metadata.model_version, metadata.score_date)
    _finish(uow, load, actor)
    return load


def _finish(uow: UnitOfWork, load: FeedLoad, actor: Actor) -> None:
    _status(uow.session, load)
    uow.audit(
        actor,
        "feed.imported",
        object_type="feed",
        object_id=load.name,
        after={"entries": load.entries, "version": load.version, "released": load.released},
    )
    uow.commit()


def import_bundled(uow: UnitOfWork, *, actor: Actor) -> list[FeedLoad]:
    """The snapshots shipped with the application (tests and demo)."""
    return [
        import_kev(uow, lambda: feeds.open_bundled_feed(feeds.BUNDLED_KEV), actor=actor),
        import_epss(uow, lambda: feeds.open_bundled_feed(feeds.BUNDLED_EPSS), actor=actor),
    ]
