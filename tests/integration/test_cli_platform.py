"""The platform commands: db upgrade, demo --no-serve, users create, audit verify, and the entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from cyber360.core.db import make_engine
from cyber360.core.settings import get_settings
from cyber360.org.tables import OrganisationRow, UserRow


@pytest.fixture
def run(monkeypatch, tmp_path):
    """``run(url, *args, env="demo")``: invoke ``cyber360`` in-process with that database and mode."""
    from cyber360.cli import platform  # noqa: F401 - registers the commands
    from cyber360.cli.app import app as cli_app

    runner = CliRunner()

    def invoke(url: str, *args: str, env: str = "demo"):
        monkeypatch.setenv("CYBER360_DATABASE_URL", url)
        monkeypatch.setenv("CYBER360_ENV", env)
        monkeypatch.setenv("CYBER360_DATA_DIR", str(tmp_path / "var"))
        monkeypatch.setenv("CYBER360_SECRET_KEY", "cli-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
        get_settings.cache_clear()
        try:
            return runner.invoke(cli_app, list(args))
        finally:
            get_settings.cache_clear()

    return invoke


def _scalar(url: str, statement):
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(statement).scalar()
    finally:
        engine.dispose()


def test_db_upgrade_from_nothing(run, tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    result = run(url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert _scalar(url, text("SELECT COUNT(*) FROM audit_records")) == 0
    assert run(url, "db", "upgrade").exit_code == 0, "running it again changes nothing"


def test_demo_loads_once_and_lists_the_accounts(run, empty_db_url, monkeypatch):
    from argon2 import PasswordHasher

    from cyber360.core import security

    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    # The organisation's demo data only: the other areas' loaders are exercised by the fixtures and the e2e
    # test; here the command's own logic is under test (migrate, load unless present, list the accounts).
    import cyber360.demo
    from cyber360.org import demo as org_demo

    monkeypatch.setattr(cyber360.demo, "load_all", org_demo.load_demo)
    first = run(empty_db_url, "demo", "--no-serve")
    assert first.exit_code == 0, first.output
    output = " ".join(first.output.split())
    assert "rssi-a@demo.test" in output and "demo-cyber360" in output
    users = _scalar(empty_db_url, text("SELECT COUNT(*) FROM users"))
    assert users >= 8
    second = run(empty_db_url, "demo", "--no-serve")
    assert second.exit_code == 0
    assert "already loaded" in " ".join(second.output.split())
    assert _scalar(empty_db_url, text("SELECT COUNT(*) FROM users")) == users
    verify = run(empty_db_url, "audit", "verify")
    assert verify.exit_code == 0 and "chain intact" in verify.output


@pytest.mark.parametrize("env", ["dev", "production"])
def test_demo_refuses_other_environments(run, empty_db_url, env):
    result = run(empty_db_url, "demo", "--no-serve", env=env)
    assert result.exit_code == 2
    assert _scalar(empty_db_url, text("SELECT COUNT(*) FROM users")) == 0


def test_users_create_prompts_for_the_password_and_audits(run, db_url, monkeypatch):
    from cyber360.cli import platform

    answers = iter(["mot-de-passe-tres-long", "mot-de-passe-tres-long"])
    monkeypatch.setattr(platform.getpass, "getpass", lambda prompt="": next(answers))
    platform_id = _scalar(db_url, select(OrganisationRow.id).where(OrganisationRow.kind == "platform"))
    result = run(
        db_url,
        "users",
        "create",
        "--email",
        "ops@exemple.fr",
        "--name",
        "Exploitation",
        "--role",
        "platform_admin",
        "--organisation-id",
        str(platform_id),
    )
    assert result.exit_code == 0, result.output
    assert _scalar(db_url, select(UserRow.role).where(UserRow.email == "ops@exemple.fr")) == "platform_admin"
    stored = _scalar(db_url, select(UserRow.password_hash).where(UserRow.email == "ops@exemple.fr"))
    assert stored.startswith("$argon2id$")
    assert _scalar(db_url, text("SELECT actor_email FROM audit_records ORDER BY id DESC LIMIT 1")) == "cli"


def test_users_create_refuses_mismatched_or_weak_passwords(run, db_url, monkeypatch):
    from cyber360.cli import platform

    for answers, code in ((["un-mot-de-passe-long", "un-autre-mot-de-passe"], 2), (["court", "court"], 2)):
        supply = iter(answers)
        monkeypatch.setattr(platform.getpass, "getpass", lambda prompt="", supply=supply: next(supply))
        result = run(
            db_url, "users", "create", "--email", "x@exemple.fr", "--name", "X Y", "--role", "viewer",
            "--organisation-id", "1",
        )  # fmt: skip
        assert result.exit_code == code, result.output
    assert _scalar(db_url, select(UserRow.id).where(UserRow.email == "x@exemple.fr")) is None


def test_the_console_script_starts():
    script = Path(sys.executable).with_name("cyber360")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for command in ("demo", "serve", "db", "users", "audit"):
        assert command in result.stdout
