"""Shared fixtures: a fresh, migrated database per test on SQLite, and on PostgreSQL when
``CYBER360_TEST_DATABASE_URL`` is set; the application and clients logged in as the demo accounts."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from cyber360.core.db import make_engine, make_session_factory
from cyber360.core.migrate import upgrade
from cyber360.core.settings import DEMO_PASSWORD, Environment, Settings
from cyber360.core.uow import UnitOfWork

PG_URL = os.environ.get("CYBER360_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
TEST_SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, scope="session")


def _worker() -> str:
    """A name unique to this test process, so that parallel runs never share a template database."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    url = make_url(PG_URL).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def _pg_url_for(database: str) -> str:
    return (
        make_url(PG_URL)
        .set(drivername="postgresql+psycopg", database=database)
        .render_as_string(hide_password=False)
    )


class Templates:
    """Migrated template databases (empty, and with the demo data), built once per worker and backend."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._built: dict[tuple[str, bool], str] = {}

    def template(self, backend: str, with_demo: bool) -> str:
        key = (backend, with_demo)
        if key not in self._built:
            name = f"c360_tmpl_{_worker()}_{'demo' if with_demo else 'empty'}"
            if backend == "sqlite":
                path = self.root / f"{name}.sqlite3"
                path.unlink(missing_ok=True)
                url = f"sqlite:///{path}"
            else:
                with _pg_admin() as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    connection.execute(f'CREATE DATABASE "{name}"')
                url = _pg_url_for(name)
            upgrade(url)
            if with_demo:
                from cyber360.demo import load_all

                engine = make_engine(url)
                with UnitOfWork(make_session_factory(engine)) as uow:
                    load_all(uow)
                engine.dispose()
            # Disposing the last engine closes its connections, which checkpoints the WAL into the file.
            self._built[key] = name if backend == "postgresql" else str(self.root / f"{name}.sqlite3")
        return self._built[key]

    def fresh(self, backend: str, with_demo: bool, tmp_path: Path) -> str:
        """A new database copied from the template: each test owns its own."""
        source = self.template(backend, with_demo)
        if backend == "sqlite":
            target = tmp_path / "test.sqlite3"
            shutil.copyfile(source, target)
            return f"sqlite:///{target}"
        name = f"c360_t_{_worker()}_{uuid.uuid4().hex[:10]}"
        with _pg_admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return _pg_url_for(name)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    built = Templates(tmp_path_factory.mktemp("templates"))
    yield built
    for (backend, _with_demo), name in built._built.items():
        if backend == "postgresql":
            with _pg_admin() as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        name = make_url(url).database
        with _pg_admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_db_url(templates: Templates, backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database with no data."""
    url = templates.fresh(backend, False, tmp_path)
    yield url
    _drop(url)


@pytest.fixture
def db_url(templates: Templates, backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database with the demo organisation loaded."""
    url = templates.fresh(backend, True, tmp_path)
    yield url
    _drop(url)


def make_settings(url: str, tmp_path: Path, env: Environment = Environment.DEMO) -> Settings:
    return Settings(env=env, data_dir=tmp_path / "var", database_url=url, secret_key=TEST_SECRET)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


@pytest.fixture
def session_factory(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def uow(session_factory) -> Iterator[UnitOfWork]:  # type: ignore[no-untyped-def]
    with UnitOfWork(session_factory, request_id="test") as unit:
        yield unit


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from cyber360.app import create_app

    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


class Clients:
    """API clients logged in as demo accounts, created on demand (one login each)."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self._clients: dict[str, object] = {}

    def __call__(self, email: str):  # type: ignore[no-untyped-def]
        from fastapi.testclient import TestClient

        if email not in self._clients:
            test_client = TestClient(self.app, base_url="http://127.0.0.1")
            answer = test_client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
            assert answer.status_code == 200, answer.text
            test_client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
            self._clients[email] = test_client
        return self._clients[email]

    def close(self) -> None:
        for test_client in self._clients.values():
            test_client.close()  # type: ignore[attr-defined]


@pytest.fixture
def as_user(app) -> Iterator[Clients]:  # type: ignore[no-untyped-def]
    clients = Clients(app)
    yield clients
    clients.close()
