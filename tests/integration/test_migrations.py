"""Migrations build the schema from empty on SQLite and PostgreSQL, match the models, and go down and up."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

import cyber360.tables  # noqa: F401 - every table on the metadata
from cyber360.core.db import Base, make_engine
from cyber360.core.migrate import downgrade, upgrade


@pytest.fixture
def blank_url(backend: str, tmp_path) -> Iterator[str]:
    """A database with nothing in it, not even the migrations' bookkeeping."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.sqlite3'}"
        return
    import psycopg

    admin_url = make_url(os.environ["CYBER360_TEST_DATABASE_URL"]).set(drivername="postgresql")
    name = f"c360_blank_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield admin_url.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _schema_diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_build_the_models_schema_from_empty(blank_url):
    assert _tables(blank_url) == set()
    upgrade(blank_url)
    assert _tables(blank_url) == set(Base.metadata.tables) | {"alembic_version"}
    assert _schema_diff(blank_url) == [], "models and migrations differ: generate a migration"


def test_downgrade_to_base_and_up_again(blank_url):
    upgrade(blank_url)
    downgrade(blank_url, "base")
    assert _tables(blank_url) <= {"alembic_version"}
    upgrade(blank_url)
    assert _schema_diff(blank_url) == []
    # The append-only protection comes back with the schema.
    engine = make_engine(blank_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit_records (at, actor_email, action, object_type, object_id, before,"
                    " after, request_id, ip_address, prev_hash, hash)"
                    " VALUES (CURRENT_TIMESTAMP, '', 'test', '', '',"
                    " 'null', 'null', '', '', :h, :h)"
                ),
                {"h": "0" * 64},
            )
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_records"))
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(empty_db_url):
    upgrade(empty_db_url)
    assert _schema_diff(empty_db_url) == []
