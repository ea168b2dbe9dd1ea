"""The main courante: appended by the server, changed by no route nor SQL, hash-chained and verified."""

from __future__ import annotations

import pytest
from crisis_support import Clock, paris
from sqlalchemy import text

from cyber360.crisis import logbook

RSSI_A, DG_A = "rssi-a@demo.test", "dg-a@demo.test"


@pytest.fixture
def incident(app, login_as, directory):
    """An open incident of CH de l'Estuaire with two entries besides the opening one (clock fixed)."""
    app.state.clock = Clock(paris("2026-03-28T10:30:00+01:00"))
    client = login_as(RSSI_A)
    body = {
        "establishment_id": directory.establishments["ch-estuaire"],
        "scenario": "ransomware",
        "detected_at": "2026-03-28T10:00:00+01:00",
        "personal_data": False,
    }
    created = client.post("/api/v1/incidents", json=body).json()
    app.state.clock.advance(minutes=5)
    for kind, words in (
        ("fact", "Écrans noirs aux urgences"),
        ("decision", "Passage en mode dégradé papier"),
    ):
        assert (
            client.post(
                f"/api/v1/incidents/{created['id']}/log", json={"kind": kind, "text": words}
            ).status_code
            == 201
        )
    return created["id"]


def test_append_and_list_with_the_server_time_and_the_author(app, login_as, incident):
    client = login_as(RSSI_A)
    app.state.clock.advance(minutes=7)
    answer = client.post(
        f"/api/v1/incidents/{incident}/log", json={"kind": "action", "text": "Isolement d'internet"}
    )
    assert answer.status_code == 201, answer.text
    entry = answer.json()
    assert entry["sequence"] == 4 and entry["recorded_at"] == "2026-03-28T09:42:00Z"
    assert entry["author"] == "Claire Martin (RSSI GHT Rives de Loire)"
    entries = client.get(f"/api/v1/incidents/{incident}/log").json()
    assert [item["sequence"] for item in entries] == [1, 2, 3, 4]
    assert [item["kind"] for item in entries] == ["fact", "fact", "decision", "action"]
    assert entries[3]["previous_hash"] == entries[2]["entry_hash"]
    # The client cannot choose the time, the author or the sequence.
    forged = {"kind": "fact", "text": "antidaté", "recorded_at": "2026-03-28T08:00:00+01:00"}
    assert client.post(f"/api/v1/incidents/{incident}/log", json=forged).status_code == 422
    assert client.get(f"/api/v1/incidents/{incident}/log/4").json() == entries[3]
    assert login_as(DG_A).get(f"/api/v1/incidents/{incident}/log").status_code == 200
    assert (
        login_as(DG_A)
        .post(f"/api/v1/incidents/{incident}/log", json={"kind": "fact", "text": "x"})
        .status_code
        == 403
    )


def test_a_correction_is_a_new_entry_pointing_to_the_old_one(login_as, incident):
    client = login_as(RSSI_A)
    url = f"/api/v1/incidents/{incident}/log"
    fixed = client.post(
        url, json={"kind": "correction", "text": "Seules les urgences passent au papier", "corrects": 3}
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["corrects"] == 3
    entries = client.get(url).json()
    assert entries[2]["text"] == "Passage en mode dégradé papier"  # the original stays as it was
    assert entries[2]["corrected_by"] == [4]
    decisions = client.get(f"/api/v1/incidents/{incident}/decisions").json()
    assert [(item["sequence"], item["corrected_by"]) for item in decisions] == [(3, [4])]
    for body, field in (
        ({"kind": "correction", "text": "sans cible"}, "corrects"),
        ({"kind": "correction", "text": "vers le futur", "corrects": 9}, "corrects"),
        ({"kind": "fact", "text": "pas une correction", "corrects": 1}, "corrects"),
        ({"kind": "rumour", "text": "inconnu"}, "kind"),
        ({"kind": "fact", "text": ""}, "text"),
    ):
        answer = client.post(url, json=body)
        assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == field, (body, answer.text)
    assert len(client.get(url).json()) == 4


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_no_route_changes_or_deletes_an_entry(login_as, incident, method):
    client = login_as(RSSI_A)
    before = client.get(f"/api/v1/incidents/{incident}/log").json()
    for url in (f"/api/v1/incidents/{incident}/log", f"/api/v1/incidents/{incident}/log/2"):
        answer = client.request(method, url, json={"kind": "fact", "text": "réécrit"})
        assert answer.status_code == 405, (url, answer.status_code)
    assert client.get(f"/api/v1/incidents/{incident}/log").json() == before


def test_the_database_refuses_update_and_delete(incident, db_execute):
    for statement in (
        "UPDATE crisis_log_entries SET text = 'réécrit' WHERE incident_id = :id",
        "DELETE FROM crisis_log_entries WHERE incident_id = :id",
    ):
        with pytest.raises(Exception, match="append-only"):
            db_execute(text(statement), {"id": incident})
    rows = db_execute(
        text("SELECT text FROM crisis_log_entries WHERE incident_id = :id ORDER BY sequence"),
        {"id": incident},
    )
    assert [row[0] for row in rows][1:] == ["Écrans noirs aux urgences", "Passage en mode dégradé papier"]


def _drop_triggers(db_execute, backend):
    if backend == "sqlite":
        db_execute(text("DROP TRIGGER crisis_log_entries_no_update"))
        db_execute(text("DROP TRIGGER crisis_log_entries_no_delete"))
    else:
        db_execute(text("DROP TRIGGER crisis_log_entries_append_only ON crisis_log_entries"))


def test_the_chain_verifies_and_tampering_at_rest_is_detected(login_as, incident, db_execute, backend):
    client = login_as(RSSI_A)
    verify = f"/api/v1/incidents/{incident}/log/verify"
    assert client.get(verify).json() == {
        "valid": True,
        "entries_checked": 3,
        "head_hash": client.get(f"/api/v1/incidents/{incident}/log").json()[-1]["entry_hash"],
        "broken_at_sequence": None,
        "reason": None,
    }
    _drop_triggers(db_execute, backend)
    db_execute(
        text(
            "UPDATE crisis_log_entries SET text = 'Rien à signaler' WHERE incident_id = :id AND sequence = 2"
        ),
        {"id": incident},
    )
    broken = client.get(verify).json()
    assert broken["valid"] is False and broken["broken_at_sequence"] == 2
    assert "altered" in broken["reason"]
    assert "Chaîne rompue" in client.get(f"/crisis/incidents/{incident}").text


def test_removing_the_last_entries_is_detected(login_as, incident, db_execute, backend):
    client = login_as(RSSI_A)
    _drop_triggers(db_execute, backend)
    db_execute(
        text("DELETE FROM crisis_log_entries WHERE incident_id = :id AND sequence = 3"), {"id": incident}
    )
    broken = client.get(f"/api/v1/incidents/{incident}/log/verify").json()
    assert broken["valid"] is False and "expected head" in broken["reason"]


def test_the_stored_chain_is_the_pure_module_chain(login_as, incident):
    """What the database holds verifies with ``crisis.logbook`` alone (an auditor needs nothing else)."""
    entries = login_as(RSSI_A).get(f"/api/v1/incidents/{incident}/log").json()
    chain = [
        logbook.LogEntry(
            incident_id=str(item["incident_id"]),
            sequence=item["sequence"],
            recorded_at=paris(item["recorded_at"].replace("Z", "+00:00")),
            author=item["author"],
            kind=logbook.EntryKind(item["kind"]),
            text=item["text"],
            corrects=item["corrects"],
            previous_hash=item["previous_hash"],
            entry_hash=item["entry_hash"],
        )
        for item in entries
    ]
    assert logbook.verify_chain(chain, incident_id=str(incident)).valid
