"""Crisis plans, the personal phones of the out-of-band contacts, the GHT's playbook copy, the offline kit."""

from __future__ import annotations

import json
import re

import pytest

RSSI_A, DG_A, ETAB = "rssi-a@demo.test", "dg-a@demo.test", "etab-estuaire@demo.test"
CONSULTANT, ASSUREUR, ADMIN = "consultant@demo.test", "assureur@demo.test", "admin@demo.test"
PHONE = re.compile(r"06 39 98 \d\d \d\d")


def _plan_of(client, establishment_id):
    return next(
        plan
        for plan in client.get("/api/v1/crisis-plans").json()
        if plan["establishment_id"] == establishment_id
    )


@pytest.mark.parametrize(
    ("email", "crisis_role"),
    [(RSSI_A, True), (ETAB, True), (CONSULTANT, True), (DG_A, False), (ASSUREUR, False), (ADMIN, False)],
)
def test_personal_phones_are_for_crisis_roles_and_each_view_is_audited(
    login_as, directory, audit_log, email, crisis_role
):
    client = login_as(email)
    plan = _plan_of(client, directory.establishments["ch-estuaire"])
    detail = client.get(f"/api/v1/crisis-plans/{plan['id']}")
    assert detail.status_code == 200 and not PHONE.search(detail.text), "the plan itself never carries them"
    assert any(contact["has_personal_phone"] for contact in detail.json()["contacts"])
    for view in (1, 2):
        contacts = client.get(f"/api/v1/crisis-plans/{plan['id']}/contacts").json()
        phones = [contact["personal_phone"] for contact in contacts if contact["has_personal_phone"]]
        assert phones and all(bool(phone) == crisis_role for phone in phones)
        views = [
            record for record in audit_log("crisis.personal_phones.viewed") if record.actor_email == email
        ]
        assert len(views) == (view if crisis_role else 0)
    page = client.get(f"/crisis/plans/{plan['id']}/contacts")
    assert page.status_code == 200 and bool(PHONE.search(page.text)) == crisis_role
    kit = client.get(f"/crisis/establishments/{directory.establishments['ch-estuaire']}/kit.html")
    assert kit.status_code == 200 and bool(PHONE.search(kit.text)) == crisis_role
    views = [record for record in audit_log("crisis.personal_phones.viewed") if record.actor_email == email]
    assert len(views) == (4 if crisis_role else 0)
    if crisis_role:
        assert json.loads(views[-1].after)["purpose"] == "crisis_kit"
        assert views[-1].object_id == str(plan["id"])


def test_a_plan_is_built_and_the_audit_trail_never_copies_a_personal_phone(login_as, directory, audit_log):
    client = login_as(RSSI_A)
    ght_a = directory.ghts["a"]
    created = client.post("/api/v1/crisis-plans", json={"ght_id": ght_a, "fallback_room": "Salle B12"})
    assert created.status_code == 201, created.text
    plan = created.json()
    assert (plan["establishment_id"], plan["scope_name"]) == (None, directory.ght_names["a"])
    again = client.post("/api/v1/crisis-plans", json={"ght_id": ght_a})
    assert again.status_code == 422 and again.json()["detail"][0]["field"] == "ght_id"
    base = f"/api/v1/crisis-plans/{plan['id']}"
    cell = client.post(
        f"{base}/cell",
        json={"role": "crisis_director", "holder_name": "Anne Lefèvre", "deputy_name": "Paul Garnier"},
    )
    assert [member["role"] for member in cell.json()["cell"]] == ["crisis_director"]
    replaced = client.post(f"{base}/cell", json={"role": "crisis_director", "holder_name": "Paul Garnier"})
    assert [member["holder_name"] for member in replaced.json()["cell"]] == ["Paul Garnier"]
    contact = client.post(
        f"{base}/contacts",
        json={"category": "internal", "name": "Anne Lefèvre", "personal_phone": "06 39 98 77 66"},
    )
    assert contact.status_code == 201 and contact.json()["personal_phone"] is None
    refused = client.post(
        f"{base}/contacts", json={"category": "cnil", "name": "CNIL", "personal_phone": "06 39 98 00 01"}
    )
    assert refused.status_code == 422
    app = client.post(
        f"{base}/applications",
        json={
            "clinical_service": "laboratory",
            "name": "SGL",
            "rto_hours": 4,
            "rpo_hours": 1,
            "degraded_mode": "Bons papier",
        },
    )
    assert app.status_code == 201
    assert (
        client.post(
            f"{base}/applications",
            json={"clinical_service": "kitchen", "name": "x", "rto_hours": 1, "rpo_hours": 1},
        ).status_code
        == 422
    )
    assert client.delete(f"{base}/applications/{app.json()['id']}").status_code == 204
    assert client.delete(f"{base}/contacts/{contact.json()['id']}").status_code == 204
    assert client.get(base).json()["contacts"] == [] and client.get(base).json()["applications"] == []
    trail = " ".join(
        record.after + record.before for record in audit_log() if record.object_type == "crisis_plan"
    )
    assert "06 39 98 77 66" not in trail and "***" in trail


def test_readers_and_the_insurer_cannot_change_a_plan(login_as, directory):
    for email in (DG_A, ASSUREUR):
        client = login_as(email)
        plan = _plan_of(client, directory.establishments["chu-loire"])
        answer = client.patch(f"/api/v1/crisis-plans/{plan['id']}", json={"fallback_room": "Parking"})
        assert answer.status_code == 403, (email, answer.text)
    etab = login_as(ETAB)
    own = _plan_of(etab, directory.establishments["ch-estuaire"])
    assert (
        etab.patch(f"/api/v1/crisis-plans/{own['id']}", json={"fallback_room": "Salle 2"}).status_code == 200
    )
    ght_plan = etab.post("/api/v1/crisis-plans", json={"ght_id": directory.ghts["a"]})
    assert ght_plan.status_code in {403, 422}


def test_the_ght_edits_its_own_playbook_copy_which_new_incidents_follow(login_as, directory):
    client = login_as(RSSI_A)
    ght_a = directory.ghts["a"]
    url = f"/api/v1/ghts/{ght_a}/playbooks/ransomware"
    shipped = client.get(url).json()
    assert shipped["origin"] == "shipped"
    broken = shipped["document"].replace("role: dsi", "role: janitor", 1)
    refused = client.put(url, json={"document": broken})
    assert refused.status_code == 422
    assert "phases[0].tasks[0].role" in refused.json()["detail"][0]["msg"]
    mine = shipped["document"].replace(
        "Alerter l'astreinte informatique et le RSSI", "Appeler l'astreinte du GHT", 1
    )
    saved = client.put(url, json={"document": mine})
    assert saved.status_code == 200 and saved.json()["origin"] == "ght"
    assert client.put(f"/api/v1/ghts/{ght_a}/playbooks/ddos", json={"document": mine}).status_code == 422
    incident = client.post(
        "/api/v1/incidents",
        json={
            "establishment_id": directory.establishments["chu-loire"],
            "scenario": "ransomware",
            "detected_at": "2026-01-10T03:00:00+01:00",
            "personal_data": False,
        },
    ).json()
    assert incident["playbook_origin"] == "ght"
    tasks = client.get(f"/api/v1/incidents/{incident['id']}/tasks").json()
    assert tasks[0]["title"] == "Appeler l'astreinte du GHT"
    assert client.delete(url).json()["origin"] == "shipped"
    assert login_as(DG_A).put(url, json={"document": mine}).status_code == 403
    assert login_as(ETAB).put(url, json={"document": mine}).status_code == 403


def test_the_offline_kit_is_a_pdf_and_a_self_contained_html_file(login_as, directory):
    client = login_as(RSSI_A)
    chu = directory.establishments["chu-loire"]
    pdf = client.get(f"/crisis/establishments/{chu}/kit.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    html = client.get(f"/crisis/establishments/{chu}/kit.html")
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    body = html.text
    for section in (
        "Cellule de crise",
        "Contacts hors SI",
        "Applications critiques",
        "Première heure",
        "Échéances réglementaires",
        "CERT Santé",
        "Dossier des urgences",
    ):
        assert section in body, section
    assert not re.search(r"(?i)(src|href)\s*=|url\(|@import|<link|<script|https?://", body), (
        "no external resource"
    )
    assert "<style>" in body
