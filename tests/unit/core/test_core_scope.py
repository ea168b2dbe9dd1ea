"""The principal's tenant scope and the clauses every query of tenant data uses."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select
from sqlalchemy.dialects import sqlite

from cyber360.core.errors import Forbidden
from cyber360.core.scope import WRITING_ROLES, OrganisationKind, Principal, Role

rows = Table("rows", MetaData(), Column("id", Integer), Column("ght_id", Integer))


def _principal(role: Role, **kwargs) -> Principal:
    return Principal(
        user_id=1,
        email="x@demo.test",
        display_name="X",
        role=role,
        organisation_id=1,
        organisation_kind=OrganisationKind.GHT,
        **kwargs,
    )


def _where(clause) -> str:
    """The WHERE part of a query filtered by ``clause`` ("" when it keeps every row)."""
    statement = (
        select(rows.c.id)
        .where(clause)
        .compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    )
    return str(statement).partition("WHERE")[2].strip()


def test_ght_clause():
    reader = _principal(Role.VIEWER, readable_ght_ids=frozenset({3, 1}))
    assert _where(reader.ght_clause(rows.c.ght_id)) == "rows.ght_id IN (1, 3)"
    assert _where(_principal(Role.VIEWER).ght_clause(rows.c.ght_id)) == "0 = 1", "no GHT: nothing"
    admin = _principal(Role.PLATFORM_ADMIN, all_tenants=True)
    assert _where(admin.ght_clause(rows.c.ght_id)) in {"", "1 = 1"}


def test_an_establishment_user_sees_their_establishment_only():
    user = _principal(Role.ESTABLISHMENT_USER, readable_ght_ids=frozenset({1}), establishment_id=7)
    assert _where(user.establishment_clause(rows.c.id, rows.c.ght_id)) == "rows.id = 7"
    lost = _principal(Role.ESTABLISHMENT_USER, readable_ght_ids=frozenset({1}))
    assert _where(lost.establishment_clause(rows.c.id, rows.c.ght_id)) == "0 = 1"
    manager = _principal(Role.GHT_MANAGER, readable_ght_ids=frozenset({1}))
    assert _where(manager.establishment_clause(rows.c.id, rows.c.ght_id)) == "rows.ght_id IN (1)"


def test_write_checks():
    manager = _principal(
        Role.GHT_MANAGER, readable_ght_ids=frozenset({1, 2}), writable_ght_ids=frozenset({1})
    )
    assert manager.can_read_ght(2) and not manager.can_write_ght(2) and manager.can_write_ght(1)
    with pytest.raises(Forbidden):
        manager.require_write_ght(2, "x")
    user = _principal(Role.ESTABLISHMENT_USER, writable_ght_ids=frozenset({1}), establishment_id=7)
    assert user.can_write_establishment(7, 1) and not user.can_write_establishment(8, 1)
    with pytest.raises(Forbidden):
        user.require_role(Role.GHT_MANAGER, action="x")


def test_read_only_roles_need_no_second_factor():
    assert Role.VIEWER not in WRITING_ROLES and Role.COOPERATIVE_BUYER not in WRITING_ROLES
    assert {Role.GHT_MANAGER, Role.PLATFORM_ADMIN} <= WRITING_ROLES
