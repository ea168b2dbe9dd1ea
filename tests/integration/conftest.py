"""Fixtures of the integration tests: cheaper password hashing, clients signed in, the outsider tenant."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tenancy import Directory, add_outsider_tenant, build_directory

from cyber360.core import security
from cyber360.core.audit import AuditRecord
from cyber360.core.db import make_engine, make_session_factory
from cyber360.core.settings import DEMO_PASSWORD
from cyber360.org.tables import UserRow

#: argon2id still, with the lowest parameters: a login costs milliseconds instead of half a second.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _cheap_hashing(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    monkeypatch.setattr(security, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(security, "_DUMMY_HASH", CHEAP_HASHER.hash("cyber360-no-such-account"))
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(update(UserRow).values(password_hash=CHEAP_HASHER.hash(DEMO_PASSWORD)))
    engine.dispose()


@pytest.fixture
def fast_passwords(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash with cheap argon2id parameters and re-hash the demo accounts' password with them.

    The production parameters are checked in ``tests/unit/core``; everything else about login is real.
    """
    _cheap_hashing(monkeypatch, db_url)


def new_client(app: Any, **kwargs: Any) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1", **kwargs)


@pytest.fixture
def login_as(app: Any, fast_passwords: None) -> Iterator[Callable[..., TestClient]]:
    """``login_as(email)``: an API client with a fresh session of that account (real login, CSRF set)."""
    clients: list[TestClient] = []

    def login(email: str, password: str = DEMO_PASSWORD, **kwargs: Any) -> TestClient:
        client = new_client(app, **kwargs)
        answer = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        clients.append(client)
        return client

    yield login
    for client in clients:
        client.close()


@pytest.fixture
def anonymous(app: Any) -> Iterator[TestClient]:
    with new_client(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def directory(session_factory: Any, fast_passwords: None) -> Directory:
    """The demo dataset plus a tenant nobody but the administrator may see."""
    add_outsider_tenant(session_factory)
    return build_directory(session_factory)


def read_audit(engine: Any, action: str | None = None, after_id: int = 0) -> list[AuditRecord]:
    with make_session_factory(engine)() as session:
        statement = select(AuditRecord).where(AuditRecord.id > after_id).order_by(AuditRecord.id)
        if action is not None:
            statement = statement.where(AuditRecord.action == action)
        return list(session.execute(statement).scalars())


TENANT_TABLES = ["organisations", "ghts", "establishments", "users", "grants", "recovery_codes", "api_tokens"]


def read_tenant_rows(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    from cyber360.core.db import Base

    with engine.connect() as connection:
        return {
            name: sorted(tuple(row) for row in connection.execute(Base.metadata.tables[name].select()))
            for name in TENANT_TABLES
        }


@pytest.fixture
def audit_log(db_url: str) -> Iterator[Callable[..., list[AuditRecord]]]:
    """``audit_log(action=None)``: the audit records written so far (optionally of one action), in order."""
    engine = make_engine(db_url)
    yield lambda action=None: read_audit(engine, action)
    engine.dispose()


@pytest.fixture
def tenant_rows(db_url: str) -> Iterator[Callable[[], dict[str, list[tuple[Any, ...]]]]]:
    """``tenant_rows()``: every row of the directory tables, to show that a refusal changed nothing."""
    engine = make_engine(db_url)
    yield lambda: read_tenant_rows(engine)
    engine.dispose()


TEST_SECRET = "integration-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def app_for(db_url: str, tmp_path: Any, fast_passwords: None) -> Iterator[Callable[..., Any]]:
    """``app_for(env, **settings)``: the application on the test database with other settings."""
    from cyber360.app import create_app
    from cyber360.core.settings import Settings

    apps: list[Any] = []

    def build(env: str = "demo", **overrides: Any) -> Any:
        settings = Settings(
            env=env, data_dir=tmp_path / "var", database_url=db_url, secret_key=TEST_SECRET, **overrides
        )
        application = create_app(settings)
        apps.append(application)
        return application

    yield build
    for application in apps:
        application.state.engine.dispose()


@pytest.fixture
def set_password(db_url: str, fast_passwords: None) -> Callable[[str, str], None]:
    """``set_password(email, password)``: give an account another password (the demo one opens nothing
    outside demo mode)."""

    def change(email: str, password: str) -> None:
        engine = make_engine(db_url)
        with engine.begin() as connection:
            connection.execute(
                update(UserRow)
                .where(UserRow.email == email)
                .values(password_hash=CHEAP_HASHER.hash(password))
            )
        engine.dispose()

    return change


@pytest.fixture
def db_execute(db_url: str) -> Iterator[Callable[..., Any]]:
    """``db_execute(statement)``: run a statement in its own committed transaction; the rows if any."""
    engine = make_engine(db_url)

    def run(statement: Any, parameters: dict[str, Any] | None = None) -> list[Any]:
        with engine.begin() as connection:
            result = connection.execute(statement, parameters or {})
            return list(result) if result.returns_rows else []

    yield run
    engine.dispose()


# One shared world for the read-mostly checks of the tenancy kit ---------------------------------------------


class World:
    """A demo database (plus the outsider tenant), its application and one signed-in client per account.

    Shared by the many (resource x role) checks of ``test_tenancy.py``, which change nothing (the write
    check proves it on every run); scenarios that change data use the per-test fixtures instead.
    """

    def __init__(self, url: str, app: Any, directory: Directory) -> None:
        self.url = url
        self.app = app
        self.directory = directory
        self.engine = make_engine(url)
        self._clients: dict[str, TestClient] = {}

    def client(self, email: str) -> TestClient:
        if email not in self._clients:
            client = new_client(self.app, follow_redirects=False)
            answer = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
            assert answer.status_code == 200, answer.text
            client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
            self._clients[email] = client
        return self._clients[email]

    def anonymous(self) -> TestClient:
        return new_client(self.app, follow_redirects=False)

    def last_audit_id(self) -> int:
        records = read_audit(self.engine)
        return records[-1].id if records else 0

    def audit(self, action: str | None = None, after_id: int = 0) -> list[AuditRecord]:
        return read_audit(self.engine, action, after_id)

    def tenant_rows(self) -> dict[str, list[tuple[Any, ...]]]:
        return read_tenant_rows(self.engine)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self.app.state.engine.dispose()
        self.engine.dispose()


def drop_database(url: str) -> None:
    """Drop a PostgreSQL test database (a SQLite file goes with its temporary directory)."""
    if not url.startswith("postgresql"):
        return
    import os

    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(os.environ["CYBER360_TEST_DATABASE_URL"]).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def world(templates: Any, backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from cyber360.app import create_app
    from cyber360.core.settings import Settings

    tmp = tmp_path_factory.mktemp("world")
    url = templates.fresh(backend, True, tmp)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _cheap_hashing(monkeypatch, url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        add_outsider_tenant(factory)
        directory = build_directory(factory)
        engine.dispose()
        settings = Settings(env="demo", data_dir=tmp / "var", database_url=url, secret_key=TEST_SECRET)
        shared = World(url, create_app(settings), directory)
        yield shared
        shared.close()
    drop_database(url)
