"""The audit trail: written with each change in the same transaction, append-only, hash-chained, verified."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tenancy import ADMIN, RSSI_A
from typer.testing import CliRunner

from cyber360.core import audit
from cyber360.core.audit import verify_chain
from cyber360.core.db import make_engine, make_session_factory
from cyber360.core.settings import get_settings


def test_a_change_writes_who_what_when_before_and_after(login_as, directory, audit_log):
    client = login_as(RSSI_A)
    establishment = directory.establishments["ch-estuaire"]
    answer = client.patch(
        f"/api/v1/establishments/{establishment}", json={"beds": 700, "name": "CH de l'Estuaire"}
    )
    assert answer.status_code == 200, answer.text
    (record,) = audit_log("establishment.updated")
    assert record.actor_email == RSSI_A
    assert record.actor_user_id == directory.users[RSSI_A]
    assert record.organisation_id is not None
    assert record.ght_id == directory.ghts["a"]
    assert (record.object_type, record.object_id) == ("establishment", str(establishment))
    before, after = json.loads(record.before), json.loads(record.after)
    assert (before["beds"], after["beds"]) == (620, 700)
    assert (before["name"], after["name"]) == ("Centre hospitalier de l'Estuaire", "CH de l'Estuaire")
    assert before["finess"] == after["finess"] == "440400018"
    assert record.request_id == answer.headers["x-request-id"]
    assert record.ip_address
    assert record.at is not None and record.at.tzinfo is not None


def test_creations_grants_and_user_changes_are_audited(login_as, directory, audit_log):
    admin = login_as(ADMIN)
    ght = admin.post("/api/v1/ghts", json={"name": "GHT Côte d'Opale", "region": "Hauts-de-France"})
    assert ght.status_code == 201, ght.text
    ght_id = ght.json()["id"]
    establishment = admin.post(
        "/api/v1/establishments",
        json={
            "ght_id": ght_id,
            "name": "CH du Littoral",
            "finess": "620100016",
            "kind": "ch",
            "beds": 300,
            "annual_revenue_eur": 80_000_000,
            "patients_per_year": 50_000,
        },
    )
    assert establishment.status_code == 201, establishment.text
    user = admin.patch(
        f"/api/v1/users/{directory.users['dg-a@demo.test']}", json={"display_name": "P. Bernard"}
    )
    assert user.status_code == 200
    actions = [(r.action, r.object_type, r.object_id) for r in audit_log() if r.actor_email == ADMIN]
    assert actions[-3:] == [
        ("ght.created", "ght", str(ght_id)),
        ("establishment.created", "establishment", str(establishment.json()["id"])),
        ("user.updated", "user", str(directory.users["dg-a@demo.test"])),
    ]
    created = audit_log("establishment.created")[-1]
    assert json.loads(created.before) is None
    assert json.loads(created.after)["finess"] == "620100016"
    assert created.ght_id == ght_id


def test_a_failing_command_leaves_nothing_written(login_as, directory, audit_log, tenant_rows):
    """Duplicate FINESS: the insert fails at the database; no row, no audit record, nothing half-done."""
    client = login_as(RSSI_A)
    rows, records = tenant_rows(), len(audit_log())
    duplicate = {
        "ght_id": directory.ghts["a"],
        "name": "Doublon",
        "finess": "440400000",  # the CHU's
        "kind": "ch",
        "beds": 1,
        "annual_revenue_eur": 1,
        "patients_per_year": 1,
    }
    answer = client.post("/api/v1/establishments", json=duplicate)
    assert answer.status_code == 422, answer.text
    assert [error["field"] for error in answer.json()["detail"]] == ["finess"]
    renamed = client.patch(
        f"/api/v1/establishments/{directory.establishments['ch-estuaire']}",
        json={"name": "Renommé", "finess": "440400000"},
    )
    assert renamed.status_code == 422
    user = login_as(ADMIN).post(
        "/api/v1/users",
        json={
            "email": "RSSI-A@demo.test".replace("demo.test", "exemple.fr"),
            "display_name": "Doublon",
            "password": "un-mot-de-passe-long",
            "organisation_id": directory.organisations["platform"],
            "role": "platform_admin",
        },
    )
    assert user.status_code == 201  # a different address: accepted
    again = login_as(ADMIN).post(
        "/api/v1/users",
        json={
            "email": "rssi-a@EXEMPLE.fr",
            "display_name": "Doublon",
            "password": "un-mot-de-passe-long",
            "organisation_id": directory.organisations["platform"],
            "role": "platform_admin",
        },
    )
    assert again.status_code == 422, "e-mail addresses are unique whatever their case"
    assert again.json()["detail"][0]["field"] == "email"
    after = tenant_rows()
    after["users"] = [row for row in after["users"] if row[1] != "rssi-a@exemple.fr"]
    assert after == rows
    new = [r.action for r in audit_log()[records:]]
    assert new.count("user.created") == 1
    assert not {"establishment.created", "establishment.updated"} & set(new)


def test_no_change_is_kept_without_its_audit_record(
    app, login_as, directory, monkeypatch, tenant_rows, audit_log
):
    """The record is written in the change's transaction: if writing it fails, the change is undone."""
    client = login_as(ADMIN)
    rows, records = tenant_rows(), len(audit_log())

    def broken_append(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "append", broken_append)
    failing = TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    failing.cookies = client.cookies
    failing.headers["X-CSRF-Token"] = client.headers["X-CSRF-Token"]
    answers = [
        failing.post("/api/v1/ghts", json={"name": "GHT sans trace", "region": "Bretagne"}),
        failing.patch(f"/api/v1/establishments/{directory.establishments['ch-armor']}", json={"beds": 1}),
        failing.patch(f"/api/v1/users/{directory.users['dg-a@demo.test']}", json={"is_active": False}),
    ]
    assert [answer.status_code for answer in answers] == [500, 500, 500]
    assert "audit store" not in answers[0].text, "internal errors are not shown to the user"
    assert tenant_rows() == rows
    assert len(audit_log()) == records


def test_the_chain_verifies(login_as, directory, session_factory):
    client = login_as(RSSI_A)
    for beds in (10, 20, 30):
        client.patch(f"/api/v1/establishments/{directory.establishments['ch-anjou']}", json={"beds": beds})
    client.get(f"/api/v1/establishments/{directory.establishments['ch-armor']}")  # access.denied
    with session_factory() as session:
        report = verify_chain(session)
        count = session.execute(text("SELECT COUNT(*) FROM audit_records")).scalar_one()
    assert report.ok, report
    assert report.checked == count > 5


def _drop_append_only_triggers(db_execute, backend: str) -> None:
    if backend == "sqlite":
        db_execute(text("DROP TRIGGER audit_records_no_update"))
        db_execute(text("DROP TRIGGER audit_records_no_delete"))
    else:
        db_execute(text("DROP TRIGGER audit_records_append_only ON audit_records"))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_records SET actor_email = 'personne' WHERE id = 2",
        "DELETE FROM audit_records WHERE id = 2",
        "DELETE FROM audit_records",
    ],
    ids=["update", "delete-one", "delete-all"],
)
def test_the_database_refuses_to_alter_the_trail(statement, db_url, db_execute):
    with pytest.raises(DBAPIError, match="append-only"):
        db_execute(text(statement))
    assert db_execute(text("SELECT COUNT(*) FROM audit_records"))[0][0] > 2


def test_postgresql_refuses_to_truncate_the_trail(backend, db_url, db_execute):
    if backend != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only (SQLite's DELETE is covered above)")
    with pytest.raises(DBAPIError, match="append-only"):
        db_execute(text("TRUNCATE audit_records"))
    assert db_execute(text("SELECT COUNT(*) FROM audit_records"))[0][0] > 2


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):
    """Run ``cyber360`` commands against the test database."""
    from cyber360.cli import platform  # noqa: F401 - registers the commands
    from cyber360.cli.app import app as cli_app

    monkeypatch.setenv("CYBER360_DATABASE_URL", db_url)
    monkeypatch.setenv("CYBER360_ENV", "demo")
    monkeypatch.setenv("CYBER360_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, list(args))
    get_settings.cache_clear()


def test_audit_verify_reports_the_first_altered_record(cli, db_execute, backend):
    intact = cli("audit", "verify")
    assert intact.exit_code == 0, intact.output
    total = db_execute(text("SELECT COUNT(*) FROM audit_records"))[0][0]
    assert f"{total} records" in intact.output

    # An attacker with rights on the database removes the protection and rewrites history.
    _drop_append_only_triggers(db_execute, backend)
    db_execute(text('UPDATE audit_records SET after = \'{"role":"platform_admin"}\' WHERE id = 5'))
    db_execute(text("UPDATE audit_records SET actor_email = 'x' WHERE id = 9"))
    broken = cli("audit", "verify")
    assert broken.exit_code == 1, broken.output
    output = " ".join(broken.output.split())
    assert "broken at record 5: content altered" in output
    assert "4 records verified before it" in output


def test_audit_verify_reports_a_deleted_record(cli, db_execute, backend):
    _drop_append_only_triggers(db_execute, backend)
    db_execute(text("DELETE FROM audit_records WHERE id = 3"))
    broken = cli("audit", "verify")
    assert broken.exit_code == 1
    output = " ".join(broken.output.split())
    assert "broken at record 4: prev_hash does not match the previous record (deleted" in output


def test_verify_chain_on_a_fresh_database(empty_db_url):
    engine = make_engine(empty_db_url)
    with make_session_factory(engine)() as session:
        report = verify_chain(session)
    engine.dispose()
    assert report.ok and report.checked == 0
