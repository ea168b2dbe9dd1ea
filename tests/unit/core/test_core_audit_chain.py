"""The audit chain's hashing: canonical content, each record bound to the previous one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from cyber360.core import audit
from cyber360.core.audit import GENESIS_HASH, Actor, AuditRecord, canonical_json, record_hash, verify_chain


def test_canonical_json_is_stable():
    assert canonical_json({"b": 1, "a": [2, 1]}) == '{"a":[2,1],"b":1}'
    assert canonical_json({"é": "à"}) == '{"é":"à"}'
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert (
        canonical_json({"at": at, "day": date(2026, 3, 1)})
        == '{"at":"2026-03-01T12:00:00+00:00","day":"2026-03-01"}'
    )
    assert canonical_json({"ids": frozenset({3, 1})}) == '{"ids":[1,3]}'
    assert canonical_json(None) == "null"


def _record(**overrides) -> AuditRecord:
    values = {
        "prev_hash": GENESIS_HASH,
        "at": datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
        "actor_user_id": 2,
        "actor_email": "rssi-a@demo.test",
        "organisation_id": 5,
        "ght_id": 1,
        "action": "establishment.updated",
        "object_type": "establishment",
        "object_id": "2",
        "before": '{"beds":620}',
        "after": '{"beds":700}',
        "request_id": "abc",
        "ip_address": "10.0.0.1",
    }
    return AuditRecord(**{**values, **overrides})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("prev_hash", "1" * 64),
        ("at", datetime(2026, 3, 1, 12, 0, 0, 123457, tzinfo=UTC)),
        ("actor_user_id", 3),
        ("actor_email", "x@demo.test"),
        ("organisation_id", 6),
        ("ght_id", None),
        ("action", "establishment.created"),
        ("object_type", "ght"),
        ("object_id", "3"),
        ("before", '{"beds":621}'),
        ("after", '{"beds":701}'),
        ("request_id", "abd"),
        ("ip_address", "10.0.0.2"),
    ],
)
def test_every_field_is_covered_by_the_hash(field, value):
    assert record_hash(_record(**{field: value})) != record_hash(_record())


def test_the_hash_does_not_depend_on_the_time_zone_of_the_timestamp():
    from datetime import timedelta, timezone

    paris = timezone(timedelta(hours=1))
    at = datetime(2026, 3, 1, 13, 0, 0, 123456, tzinfo=paris)
    assert record_hash(_record(at=at)) == record_hash(_record())


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    AuditRecord.__table__.create(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_records_chain_and_verify(session):
    actor = Actor(1, "admin@demo.test", 1)
    first = audit.append(session, actor, "ght.created", object_type="ght", object_id=1, after={"name": "A"})
    second = audit.append(session, Actor.system(), "grant.created", object_id=None)
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    assert second.object_id == "" and second.actor_user_id is None
    session.commit()
    report = verify_chain(session)
    assert report.ok and report.checked == 2


def test_verify_finds_the_first_broken_link(session):
    for number in range(5):
        audit.append(session, Actor.system(), f"event.{number}")
    session.commit()
    session.execute(text("UPDATE audit_records SET action = 'forged' WHERE id = 3"))
    session.execute(text("UPDATE audit_records SET action = 'forged' WHERE id = 4"))
    session.commit()
    session.expire_all()
    report = verify_chain(session)
    assert (report.ok, report.broken_id, report.checked) == (False, 3, 2)
    assert "altered" in report.reason


def test_verify_finds_a_deleted_record(session):
    for number in range(4):
        audit.append(session, Actor.system(), f"event.{number}")
    session.commit()
    session.execute(text("DELETE FROM audit_records WHERE id = 2"))
    session.commit()
    report = verify_chain(session)
    assert (report.broken_id, report.checked) == (3, 1)
    assert "deleted" in report.reason


def test_verify_reads_in_batches(session, monkeypatch):
    for number in range(7):
        audit.append(session, Actor.system(), f"event.{number}")
    session.commit()
    original = audit._iter_records
    monkeypatch.setattr(audit, "_iter_records", lambda s: original(s, batch=2))
    assert verify_chain(session).checked == 7
