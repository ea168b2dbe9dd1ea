"""Alembic environment: the URL comes from the caller (``cyber360 db upgrade`` or the tests)."""

from __future__ import annotations

from alembic import context

import cyber360.tables  # noqa: F401 - registers every table on the metadata
from cyber360.core.db import Base, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url must be set by the caller"


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
