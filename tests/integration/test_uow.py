"""The unit of work: one transaction, rolled back unless committed, audit records included."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cyber360.core.audit import Actor, AuditRecord
from cyber360.core.errors import FieldError
from cyber360.core.scope import OrganisationKind, Principal, Role
from cyber360.core.uow import UnitOfWork
from cyber360.org import service
from cyber360.org.model import GhtCreate
from cyber360.org.tables import GhtRow, OrganisationRow

ACTOR = Actor.system("test")


def _counts(session_factory) -> tuple[int, int, int]:
    with session_factory() as session:
        return (
            session.execute(select(func.count(OrganisationRow.id))).scalar_one(),
            session.execute(select(func.count(GhtRow.id))).scalar_one(),
            session.execute(select(func.count(AuditRecord.id))).scalar_one(),
        )


def _admin() -> Principal:
    return Principal(
        user_id=1,
        email="admin@demo.test",
        display_name="Admin",
        role=Role.PLATFORM_ADMIN,
        organisation_id=1,
        organisation_kind=OrganisationKind.PLATFORM,
        all_tenants=True,
        all_tenants_write=True,
    )


def test_leaving_without_commit_rolls_back_rows_and_audit(session_factory):
    before = _counts(session_factory)
    with UnitOfWork(session_factory) as uow:
        uow.session.add(OrganisationRow(kind="insurer", name="Assureur éphémère"))
        uow.session.flush()
        uow.audit(ACTOR, "organisation.created", object_type="organisation")
    assert _counts(session_factory) == before


def test_an_exception_rolls_back(session_factory):
    before = _counts(session_factory)
    with pytest.raises(RuntimeError), UnitOfWork(session_factory) as uow:
        uow.session.add(OrganisationRow(kind="insurer", name="Assureur éphémère"))
        uow.audit(ACTOR, "organisation.created")
        raise RuntimeError("boom")
    assert _counts(session_factory) == before


def test_commit_keeps_rows_and_audit_together(session_factory):
    organisations, ghts, records = _counts(session_factory)
    with UnitOfWork(session_factory, request_id="req-1", ip_address="10.0.0.1") as uow:
        created = service.create_ght(uow, _admin(), GhtCreate(name="GHT Test", region="Normandie"))
    assert _counts(session_factory) == (organisations + 1, ghts + 1, records + 1)
    with session_factory() as session:
        record = session.execute(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1)).scalar_one()
    assert (record.action, record.object_id, record.request_id, record.ip_address) == (
        "ght.created",
        str(created.id),
        "req-1",
        "10.0.0.1",
    )


def test_a_command_failing_half_way_leaves_nothing(session_factory, monkeypatch):
    """create_ght writes an organisation, then the GHT, then the record: a failure at the end undoes all."""
    before = _counts(session_factory)

    def fail(*args, **kwargs):
        raise FieldError("name", "error.invalid")

    monkeypatch.setattr(UnitOfWork, "audit", fail)
    with pytest.raises(FieldError), UnitOfWork(session_factory) as uow:
        service.create_ght(uow, _admin(), GhtCreate(name="GHT Interrompu", region="Normandie"))
    assert _counts(session_factory) == before


def test_the_session_is_closed_after_the_block(session_factory):
    uow = UnitOfWork(session_factory)
    with uow:
        assert uow.session is not None
    with pytest.raises(RuntimeError):
        _ = uow.session
