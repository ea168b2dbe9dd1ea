"""Live incidents through the API: the contract of POST /api/v1/incidents, clocks, tasks, status, closing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from crisis_support import Clock, due_at, paris

from cyber360.crisis.playbooks import shipped_playbook

RSSI_A, RSSI_C, DG_A = "rssi-a@demo.test", "rssi-c@demo.test", "dg-a@demo.test"
DETECTED = "2026-03-28T10:00:00+01:00"  # the day before the change to summer time in Europe/Paris
ALL_KINDS = {
    "health_report",
    "nis2_early_warning",
    "nis2_notification",
    "nis2_final_report",
    "cnil_notification",
    "insurance_complaint",
}


@pytest.fixture
def clock(app):
    app.state.clock = Clock(paris("2026-03-28T10:30:00+01:00"))
    return app.state.clock


def _open(client, establishment_id, **extra):
    body = {
        "establishment_id": establishment_id,
        "scenario": "ransomware",
        "detected_at": DETECTED,
        "personal_data": True,
        **extra,
    }
    return client.post("/api/v1/incidents", json=body)


def test_open_incident_answers_201_with_every_deadline_at_its_exact_instant(login_as, directory, clock):
    answer = _open(login_as(RSSI_A), directory.establishments["ch-estuaire"])
    assert answer.status_code == 201, answer.text
    incident = answer.json()
    assert {item["kind"] for item in incident["deadlines"]} == ALL_KINDS  # GHT A subscribed: insured
    assert incident["insured"] is True and incident["status"] == "open"
    # Elapsed time across the change to summer time (29 March 2026, 02:00 -> 03:00).
    assert due_at(incident, "health_report") == paris(DETECTED)
    assert due_at(incident, "nis2_early_warning") == paris("2026-03-29T11:00:00+02:00")
    assert due_at(incident, "nis2_notification") == paris("2026-03-31T11:00:00+02:00")
    assert due_at(incident, "cnil_notification") == paris("2026-03-31T11:00:00+02:00")
    assert due_at(incident, "insurance_complaint") == paris("2026-03-31T11:00:00+02:00")
    # One calendar month after the notification's due time, on the Paris wall clock.
    assert due_at(incident, "nis2_final_report") == paris("2026-04-30T11:00:00+02:00")
    statuses = {item["kind"]: item["status"] for item in incident["deadlines"]}
    assert statuses["health_report"] == "due_soon" and statuses["nis2_early_warning"] == "open"
    early = next(item for item in incident["deadlines"] if item["kind"] == "nis2_early_warning")
    assert early["remaining_seconds"] == int(timedelta(hours=23, minutes=30).total_seconds())
    assert early["due_at"] == "2026-03-29T09:00:00Z"


def test_deadlines_follow_the_facts(login_as, directory, clock):
    rssi_a = login_as(RSSI_A)
    chu = directory.establishments["chu-loire"]
    plain = _open(rssi_a, chu, personal_data=False, insured=False).json()
    assert {item["kind"] for item in plain["deadlines"]} == {
        "health_report",
        "nis2_early_warning",
        "nis2_notification",
        "nis2_final_report",
    }
    outage = _open(rssi_a, chu, scenario="accidental_outage", insured=True, personal_data=False).json()
    assert "insurance_complaint" not in {item["kind"] for item in outage["deadlines"]}  # attacks only
    # GHT C has not subscribed the offer: not insured unless said otherwise.
    garonne = _open(login_as(RSSI_C), directory.establishments["ch-garonne"]).json()
    assert garonne["insured"] is False
    assert "insurance_complaint" not in {item["kind"] for item in garonne["deadlines"]}


def test_bad_instants_are_refused_with_the_field_named(login_as, directory, clock):
    client = login_as(RSSI_A)
    chu = directory.establishments["chu-loire"]
    naive = _open(client, chu, detected_at="2026-03-28T10:00:00")
    assert naive.status_code == 422
    assert naive.json()["detail"][0]["field"] == "detected_at"
    assert "+01:00" in naive.json()["detail"][0]["msg"]
    future = _open(client, chu, detected_at="2026-03-28T12:00:00+01:00")
    assert future.status_code == 422 and future.json()["detail"][0]["field"] == "detected_at"
    extra = _open(client, chu, opened_by="someone else")
    assert extra.status_code == 422 and extra.json()["detail"][0]["field"] == "opened_by"


def test_the_task_board_follows_the_playbook_and_ticks_are_audited(login_as, directory, clock, audit_log):
    client = login_as(RSSI_A)
    incident = _open(client, directory.establishments["ch-estuaire"]).json()
    tasks = client.get(f"/api/v1/incidents/{incident['id']}/tasks").json()
    playbook = list(shipped_playbook("ransomware").tasks())
    assert [task["key"] for task in tasks] == [task.id for _, task in playbook]
    first = tasks[0]
    assert paris(first["due_at"].replace("Z", "+00:00")) == paris(DETECTED) + playbook[0][1].deadline
    ticked = client.post(f"/api/v1/incidents/{incident['id']}/tasks/{first['id']}", json={"done": True})
    assert ticked.status_code == 200 and ticked.json()["done_at"] == "2026-03-28T09:30:00Z"
    assert client.get(f"/api/v1/incidents/{incident['id']}").json()["tasks_done"] == 1
    (record,) = [r for r in audit_log("crisis.task.ticked") if r.object_id == str(incident["id"])]
    assert json.loads(record.after)["task"] == first["key"] and record.actor_email == RSSI_A
    assert (
        login_as(DG_A)
        .post(f"/api/v1/incidents/{incident['id']}/tasks/{first['id']}", json={"done": False})
        .status_code
        == 403
    )


def test_a_clock_is_closed_with_evidence_once(login_as, directory, clock):
    client = login_as(RSSI_A)
    incident = _open(client, directory.establishments["ch-estuaire"], personal_data=False).json()
    url = f"/api/v1/incidents/{incident['id']}/clocks"
    assert client.post(f"{url}/health_report", json={"evidence": ""}).status_code == 422
    clock.advance(minutes=45)
    closed = client.post(f"{url}/health_report", json={"evidence": "ARS-2026-0042"})
    assert closed.status_code == 200, closed.text
    health = next(item for item in closed.json()["deadlines"] if item["kind"] == "health_report")
    assert (health["status"], health["evidence"]) == ("met", "ARS-2026-0042")
    assert client.post(f"{url}/health_report", json={"evidence": "again"}).status_code == 409
    not_applicable = client.post(f"{url}/cnil_notification", json={"evidence": "CNIL-1"})
    assert not_applicable.status_code == 422 and not_applicable.json()["detail"][0]["field"] == "kind"
    log = client.get(f"/api/v1/incidents/{incident['id']}/log").json()
    assert log[-1]["kind"] == "communication" and "ARS-2026-0042" in log[-1]["text"]


def test_the_notification_sent_moves_the_final_report(login_as, directory, clock):
    client = login_as(RSSI_A)
    incident = _open(client, directory.establishments["ch-estuaire"]).json()
    clock.advance(hours=48)
    answer = client.post(
        f"/api/v1/incidents/{incident['id']}/clocks/nis2_notification",
        json={"evidence": "CERTFR-AR-1", "closed_at": "2026-03-30T09:15:00+02:00"},
    ).json()
    assert due_at(answer, "nis2_final_report") == paris("2026-04-30T09:15:00+02:00")


def test_status_then_closing_with_lessons_that_become_actions(login_as, directory, clock, audit_log):
    client = login_as(RSSI_A)
    incident = _open(client, directory.establishments["ch-estuaire"]).json()
    base = f"/api/v1/incidents/{incident['id']}"
    assert client.post(f"{base}/status", json={"status": "contained"}).json()["status"] == "contained"
    assert client.post(f"{base}/status", json={"status": "closed"}).status_code == 422  # only by closing
    clock.advance(days=10)
    lessons = [{"title": "Tester les sauvegardes hors ligne", "owner": "DSI", "due_on": "2026-06-30"}]
    closed = client.post(f"{base}/close", json={"summary": "Reprise en 9 jours.", "lessons": lessons})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"] == "2026-04-07T09:30:00Z"
    actions = [
        item for item in client.get("/api/v1/crisis-lessons").json() if item["incident_id"] == incident["id"]
    ]
    assert [(item["title"], item["status"], item["due_on"]) for item in actions] == [
        ("Tester les sauvegardes hors ligne", "open", "2026-06-30")
    ]
    assert client.post(f"{base}/log", json={"kind": "fact", "text": "trop tard"}).status_code == 409
    assert client.post(f"{base}/close", json={"summary": "bis"}).status_code == 409
    closings = [
        record for record in audit_log("crisis.incident.closed") if record.object_id == str(incident["id"])
    ]
    assert len(closings) == 1 and closings[0].actor_email == RSSI_A


def test_the_situation_report_is_generated_on_demand(login_as, directory, clock):
    client = login_as(RSSI_A)
    incident = _open(client, directory.establishments["ch-estuaire"]).json()
    client.post(
        f"/api/v1/incidents/{incident['id']}/log", json={"kind": "decision", "text": "Bascule papier"}
    )
    page = client.get(f"/crisis/incidents/{incident['id']}/sitrep")
    assert page.status_code == 200 and "Bascule papier" in page.text
    pdf = client.get(f"/crisis/incidents/{incident['id']}/sitrep.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_the_board_page_shows_countdowns_and_takes_forms(login_as, directory, clock):
    client = login_as(RSSI_A)
    incident = _open(client, directory.establishments["ch-estuaire"]).json()
    board = client.get(f"/crisis/incidents/{incident['id']}")
    assert board.status_code == 200
    assert 'data-countdown="2026-03-29T09:00:00+00:00"' in board.text
    assert "23 h 30 min" in board.text
    csrf = client.headers["X-CSRF-Token"]
    posted = client.post(
        f"/crisis/incidents/{incident['id']}/log",
        data={"kind": "fact", "text": "Les urgences passent au papier", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    refused = client.post(
        f"/crisis/incidents/{incident['id']}/log", data={"kind": "fact", "text": "", "csrf_token": csrf}
    )
    assert refused.status_code == 422 and "field-error" in refused.text
    texts = [entry["text"] for entry in client.get(f"/api/v1/incidents/{incident['id']}/log").json()]
    assert "Les urgences passent au papier" in texts
