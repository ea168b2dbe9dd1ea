"""Claims through the API and the pages, on a real database: declared alone or from an incident, documented
with loss items and evidence files, decided by the policy's underwriter; the indemnity explained line by line,
the L.12-10-1 complaint rule, the annual aggregates across claims, audit records, rollback on failure."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

import pytest
from cover_claim_routes import add_policy
from crisis_support import Clock
from sqlalchemy import func, select

from cyber360.core.uow import UnitOfWork
from cyber360.cover import claim_service, claim_views
from cyber360.cover.claim_model import ClaimCreate
from cyber360.cover.tables import ClaimEvidenceRow, ClaimItemRow, ClaimRow
from cyber360.crisis.tables import IncidentRow
from cyber360.org.auth import build_principal
from cyber360.org.tables import UserRow

RSSI_A, DG_A, ETAB = "rssi-a@demo.test", "dg-a@demo.test", "etab-estuaire@demo.test"
ASSUREUR, CONSULTANT, RSSI_B = "assureur@demo.test", "consultant@demo.test", "rssi-b@demo.test"
LEARNED = "2026-03-02T08:00:00+01:00"
COMPLAINT = "2026-03-02T21:00:00+01:00"  # 13 h later
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ITEMS = [
    {"section": "asset_damage", "description": "Restauration des serveurs", "amount_eur": 300_000},
    {"section": "business_interruption", "description": "Activité réduite", "amount_eur": 1_200_000},
    {"section": "crisis_costs", "description": "Cellule de crise", "amount_eur": 100_000},
]


@pytest.fixture
def clock(app):
    app.state.clock = Clock(datetime(2026, 3, 31, 12, 0, tzinfo=UTC))
    return app.state.clock


@pytest.fixture
def policy(db_url, directory):
    return add_policy(db_url, directory.ghts["a"], directory.organisations["insurer"])


def declare(client, policy, **extra):
    body = {
        "policy_id": policy,
        "title": "Rançongiciel au CHU",
        "learned_at": LEARNED,
        "complaint_filed_at": COMPLAINT,
        "complaint_reference": "Récépissé 2026/0302/11",
        "degraded_days": 30,
        **extra,
    }
    return client.post("/api/v1/claims", json=body)


def records(audit_log, action, claim):
    """The audit records of one action on one claim (the demo may hold claims of its own)."""
    return [record for record in audit_log(action) if record.object_id == str(claim["id"])]


def terms(claim):
    return [line["term"] for line in claim["explanation"]["lines"]]


def field_of(answer):
    return answer.json()["detail"][0]["field"]


def test_declare_alone_document_and_see_the_indemnity_line_by_line(login_as, policy, clock, audit_log):
    rssi = login_as(RSSI_A)
    answer = declare(rssi, policy)
    assert answer.status_code == 201, answer.text
    claim = answer.json()
    assert claim["state"] == "declared" and claim["reference"] == f"SIN-2026-{claim['id']:06d}"
    assert claim["establishment_id"] is None and claim["can_document"] and claim["transitions"] == []
    assert claim["sections"] == ["asset_damage", "business_interruption", "crisis_costs"]
    assert claim["proposed_indemnity_eur"] == 0.0
    (record,) = records(audit_log, "cover.claim.declared", claim)
    assert record.actor_email == RSSI_A and json.loads(record.after)["policy_id"] == policy
    for item in ITEMS:
        answer = rssi.post(f"/api/v1/claims/{claim['id']}/items", json=item)
        assert answer.status_code == 201, answer.text
    claim = answer.json()
    # asset 300 000 - 50 000 = 250 000; BI 1 200 000 x 29.5/30 = 1 180 000 - 100 000 -> limit 1 000 000;
    # crisis 100 000 x 80 % = 80 000; total 1 330 000
    assert claim["declared_eur"] == 1_600_000 and claim["proposed_indemnity_eur"] == 1_330_000
    assert terms(claim) == [
        "declared",
        "deductible",
        "limit",
        "declared",
        "time_both",
        "deductible",
        "limit",
        "section_aggregate",
        "declared",
        "limit",
        "share",
        "sections_total",
        "policy_aggregate",
        "complaint_in_time",
        "indemnity",
    ]
    bi = claim["explanation"]["lines"][4]
    assert bi["before_eur"] == 1_200_000 and bi["after_eur"] == pytest.approx(1_180_000)
    assert bi["text"] == (
        "Pertes d'exploitation 1\u202f200\u202f000\xa0€ ; franchise de 12 h et période d'indemnisation"
        " de 90 jours sur 30 jours d'exploitation dégradée : 1\u202f180\u202f000\xa0€"
    )
    complaint = claim["explanation"]["lines"][-2]["text"]
    assert "plainte déposée 13 h après la connaissance de l'attaque" in complaint
    added = records(audit_log, "cover.claim.item_added", claim)
    assert len(added) == 3 and json.loads(added[-1].after)["proposed_indemnity_eur"] == 1_330_000
    english = rssi.get(f"/api/v1/claims/{claim['id']}", headers={"Accept-Language": "en"}).json()
    assert english["explanation"]["lines"][4]["text"].startswith(
        "Operating loss €1,200,000; waiting period of 12 h and indemnity period of 90 days"
    )
    # Removing an item recomputes.
    crisis_item = claim["items"][2]["id"]
    removed = rssi.delete(f"/api/v1/claims/{claim['id']}/items/{crisis_item}")
    assert removed.status_code == 200 and removed.json()["proposed_indemnity_eur"] == 1_250_000
    (record,) = records(audit_log, "cover.claim.item_removed", claim)
    assert json.loads(record.before)["amount_eur"] == 100_000
    assert rssi.delete(f"/api/v1/claims/{claim['id']}/items/{crisis_item}").status_code == 404


def test_declare_from_an_incident_prefills_its_facts(login_as, policy, clock, db_url):
    rssi = login_as(RSSI_A)
    incidents = rssi.get("/api/v1/incidents").json()
    incident = next(item for item in incidents if item["title"].startswith("Rançongiciel sur les serveurs"))
    answer = rssi.post("/api/v1/claims", json={"policy_id": policy, "incident_id": incident["id"]})
    assert answer.status_code == 201, answer.text
    claim = answer.json()
    assert claim["incident_id"] == incident["id"] and claim["title"] == incident["title"]
    assert claim["establishment_id"] == incident["establishment_id"]
    assert claim["learned_at"] == incident["detected_at"]
    # The crisis cell closed its insurance_complaint clock 780 minutes after detection, with the receipt.
    assert claim["complaint_filed_at"] == "2025-10-12T14:10:00Z"
    assert "récépissé n° 2025/1012/77" in claim["complaint_reference"]
    again = rssi.post("/api/v1/claims", json={"policy_id": policy, "incident_id": incident["id"]})
    assert again.status_code == 409
    # An incident out of the user's scope is an unknown id, like one that does not exist.
    hidden = login_as(RSSI_B).get("/api/v1/incidents").json()[0]["id"]
    unknown = rssi.post("/api/v1/claims", json={"policy_id": policy, "incident_id": hidden})
    assert unknown.status_code == 422 and field_of(unknown) == "incident_id"
    # The establishment user's claim is on their establishment.
    etab = login_as(ETAB)
    own = declare(etab, policy)
    assert own.status_code == 201 and own.json()["establishment_id"] == incident["establishment_id"]
    chu = rssi.get("/api/v1/establishments").json()
    other = next(item["id"] for item in chu if item["id"] != incident["establishment_id"])
    assert field_of(declare(etab, policy, establishment_id=other)) == "establishment_id"


def test_bad_declarations_name_the_field_and_change_nothing(login_as, policy, clock, db_url, directory):
    rssi = login_as(RSSI_A)
    draft = add_policy(db_url, directory.ghts["a"], directory.organisations["insurer"], status="draft")
    cases = [
        ({"policy_id": draft}, "policy_id"),
        ({"learned_at": "2025-01-10T10:00:00+01:00", "complaint_filed_at": None}, "learned_at"),
        ({"learned_at": "2026-04-10T10:00:00+02:00"}, "learned_at"),  # after the test clock
        ({"complaint_filed_at": "2026-03-01T10:00:00+01:00"}, "complaint_filed_at"),
        ({"learned_at": "2026-03-02T08:00:00"}, "learned_at"),  # no UTC offset
        ({"title": ""}, "title"),
        ({"degraded_days": -1}, "degraded_days"),
        ({"policy_id": 987_654}, "policy_id"),
        ({"reference": "SIN-0"}, "reference"),
    ]
    for extra, field in cases:
        answer = declare(rssi, policy, **extra)
        assert answer.status_code == 422, (extra, answer.text)
        assert field_of(answer) == field, extra
    assert declare(login_as(DG_A), policy).status_code == 403
    assert declare(login_as(ASSUREUR), policy).status_code == 403
    assert declare(login_as(CONSULTANT), policy).status_code == 403
    assert rssi.get(f"/api/v1/policies/{policy}/claims").json() == []
    claim = declare(rssi, policy).json()
    url = f"/api/v1/claims/{claim['id']}/items"
    for body, field in [
        ({**ITEMS[0], "section": "third_party"}, "section"),  # not covered by this policy
        ({**ITEMS[0], "amount_eur": 0}, "amount_eur"),
        ({**ITEMS[0], "amount_eur": 2e10}, "amount_eur"),
        ({**ITEMS[0], "description": ""}, "description"),
    ]:
        answer = rssi.post(url, json=body)
        assert answer.status_code == 422 and field_of(answer) == field, body
    assert login_as(DG_A).post(url, json=ITEMS[0]).status_code == 403
    assert login_as(ASSUREUR).post(url, json=ITEMS[0]).status_code == 403
    assert rssi.get(f"/api/v1/claims/{claim['id']}").json()["items"] == []


def test_a_complaint_beyond_72_hours_gets_no_indemnity(login_as, policy, clock, audit_log):
    rssi = login_as(RSSI_A)
    claim = declare(rssi, policy).json()
    rssi.post(f"/api/v1/claims/{claim['id']}/items", json=ITEMS[0])
    late = rssi.patch(
        f"/api/v1/claims/{claim['id']}", json={"complaint_filed_at": "2026-03-05T16:00:00+01:00"}
    )
    assert late.status_code == 200, late.text
    claim = late.json()
    assert claim["proposed_indemnity_eur"] == 0
    assert claim["explanation"]["lines"][-2]["text"] == (
        "Contrat 250\u202f000\xa0€ ; plainte déposée 80 h après la connaissance de l'attaque :"
        " au-delà de 72 h, aucune indemnité (L.12-10-1) : 0\xa0€"
    )
    (record,) = records(audit_log, "cover.claim.updated", claim)
    assert json.loads(record.after)["proposed_indemnity_eur"] == 0
    cleared = rssi.patch(f"/api/v1/claims/{claim['id']}", json={"complaint_filed_at": None}).json()
    assert terms(cleared)[-2] == "complaint_missing"
    again = rssi.patch(f"/api/v1/claims/{claim['id']}", json={"complaint_filed_at": COMPLAINT}).json()
    assert again["proposed_indemnity_eur"] == 250_000


def test_transitions_allowed_and_refused_and_audited(login_as, policy, clock, audit_log):
    rssi, underwriter = login_as(RSSI_A), login_as(ASSUREUR)
    claim = declare(rssi, policy).json()
    url = f"/api/v1/claims/{claim['id']}/transitions"
    assert rssi.post(f"{url}/review", json={}).status_code == 403
    assert login_as(CONSULTANT).post(f"{url}/review", json={}).status_code == 403
    assert underwriter.post(f"{url}/accept", json={}).status_code == 409  # not under review yet
    assert underwriter.post(f"{url}/pay", json={}).status_code == 409
    assert underwriter.post(f"{url}/approve", json={}).status_code == 422
    reviewed = underwriter.post(f"{url}/review", json={"note": "Instruction"})
    assert reviewed.status_code == 200 and reviewed.json()["state"] == "under_review"
    assert reviewed.json()["transitions"] == ["accept", "refuse"]
    assert underwriter.post(f"{url}/accept", json={}).status_code == 409  # no loss item
    rssi.post(f"/api/v1/claims/{claim['id']}/items", json=ITEMS[1])  # still documentable under review
    assert underwriter.post(f"{url}/accept", json={"paid_eur": 1}).status_code == 422
    accepted = underwriter.post(f"{url}/accept", json={"note": "Pertes justifiées"}).json()
    assert (
        accepted["state"] == "accepted"
        and accepted["decided_at"]
        and accepted["proposed_indemnity_eur"] == 1e6
    )
    assert rssi.post(f"/api/v1/claims/{claim['id']}/items", json=ITEMS[0]).status_code == 409
    assert rssi.patch(f"/api/v1/claims/{claim['id']}", json={"degraded_days": 1}).status_code == 409
    assert underwriter.post(f"{url}/refuse", json={"note": "trop tard"}).status_code == 409
    above = underwriter.post(f"{url}/pay", json={"paid_eur": 1_000_001})
    assert above.status_code == 422 and field_of(above) == "paid_eur"
    paid = underwriter.post(f"{url}/pay", json={}).json()
    assert paid["state"] == "paid" and paid["paid_eur"] == 1e6 and paid["transitions"] == []
    decided = ("cover.claim.under_review", "cover.claim.accepted", "cover.claim.paid", "cover.claim.refused")
    decisions = [
        (r.action, json.loads(r.before)["state"], json.loads(r.after)["state"])
        for r in audit_log()
        if r.object_id == str(claim["id"]) and r.action in decided
    ]
    assert decisions == [
        ("cover.claim.under_review", "declared", "under_review"),
        ("cover.claim.accepted", "under_review", "accepted"),
        ("cover.claim.paid", "accepted", "paid"),
    ]
    other = declare(rssi, policy).json()
    refuse = f"/api/v1/claims/{other['id']}/transitions/refuse"
    assert field_of(underwriter.post(refuse, json={})) == "note"
    refused = underwriter.post(refuse, json={"note": "Sinistre antérieur au contrat"}).json()
    assert refused["state"] == "refused" and refused["decision_note"] == "Sinistre antérieur au contrat"
    assert records(audit_log, "cover.claim.refused", other)[0].actor_email == ASSUREUR


def test_settled_claims_consume_the_annual_aggregates_of_the_year(login_as, policy, clock):
    rssi, underwriter = login_as(RSSI_A), login_as(ASSUREUR)
    first = declare(rssi, policy).json()
    rssi.post(f"/api/v1/claims/{first['id']}/items", json=ITEMS[1])
    second = declare(rssi, policy, learned_at="2026-03-20T08:00:00+01:00", complaint_filed_at=None).json()
    rssi.post(f"/api/v1/claims/{second['id']}/items", json=ITEMS[1])
    rssi.patch(f"/api/v1/claims/{second['id']}", json={"complaint_filed_at": "2026-03-20T12:00:00+01:00"})
    for transition in ("review", "accept"):
        underwriter.post(f"/api/v1/claims/{first['id']}/transitions/{transition}", json={})
    reviewed = underwriter.post(f"/api/v1/claims/{second['id']}/transitions/review", json={}).json()
    # BI aggregate 1 500 000, of which the first claim consumed 1 000 000: 500 000 left.
    aggregate = next(line for line in reviewed["explanation"]["lines"] if line["term"] == "section_aggregate")
    assert aggregate["before_eur"] == 1e6 and aggregate["after_eur"] == 500_000
    assert "1\u202f000\u202f000\xa0€ déjà consommés, reste 500\u202f000\xa0€" in aggregate["text"]
    assert reviewed["proposed_indemnity_eur"] == 500_000


def test_evidence_files_checked_stored_and_served_in_scope(login_as, policy, clock, settings):
    rssi = login_as(RSSI_A)
    claim = declare(rssi, policy).json()
    item = rssi.post(f"/api/v1/claims/{claim['id']}/items", json=ITEMS[0]).json()["items"][0]["id"]
    url = f"/api/v1/claims/{claim['id']}/evidence"
    answer = rssi.post(
        url, files={"file": ("facture.pdf", PDF, "application/pdf")}, data={"item_id": str(item)}
    )
    assert answer.status_code == 201, answer.text
    evidence = answer.json()
    assert (evidence["kind"], evidence["item_id"], evidence["original_name"]) == ("pdf", item, "facture.pdf")
    (path,) = (settings.data_dir / "claim_evidence").iterdir()
    assert path.read_bytes() == PDF and len(path.name) == 32
    download = rssi.get(f"{url}/{evidence['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert login_as(ASSUREUR).get(f"{url}/{evidence['id']}").status_code == 200
    for name, data, field in [
        ("outil.exe", b"MZ\x90\x00", "file"),
        ("faux.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "file"),
        ("vide.pdf", b"", "file"),
    ]:
        refused = rssi.post(url, files={"file": (name, data, "application/octet-stream")})
        assert refused.status_code == 422 and field_of(refused) == field, name
    assert field_of(rssi.post(url, files={"file": ("a.pdf", PDF)}, data={"item_id": "987654"})) == "item_id"
    # Not a declarant (the underwriter, the director), or the claim decided: refused, nothing stored.
    for email in (ASSUREUR, DG_A):
        assert login_as(email).post(url, files={"file": ("a.pdf", PDF)}).status_code == 403
    other = declare(rssi, policy).json()
    assert rssi.get(f"/api/v1/claims/{other['id']}/evidence/{evidence['id']}").status_code == 404
    login_as(ASSUREUR).post(f"/api/v1/claims/{claim['id']}/transitions/refuse", json={"note": "non"})
    assert rssi.post(url, files={"file": ("a.pdf", PDF)}).status_code == 409
    assert len(list((settings.data_dir / "claim_evidence").iterdir())) == 1


def text(answer):
    return html.unescape(answer.text)


def _principal(uow, email):
    return build_principal(
        uow, uow.session.execute(select(UserRow).where(UserRow.email == email)).scalar_one()
    )


def _count(session_factory, table):
    with session_factory() as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_failure_midway_rolls_everything_back(session_factory, policy, monkeypatch, settings):
    before = (_count(session_factory, ClaimRow), _count(session_factory, ClaimItemRow))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(claim_views, "stored", broken)
    command = ClaimCreate(
        policy_id=policy, title="x", learned_at=datetime.fromisoformat(LEARNED), complaint_filed_at=None
    )
    with pytest.raises(RuntimeError), UnitOfWork(session_factory) as uow:
        claim_service.declare(uow, _principal(uow, RSSI_A), command, now=datetime(2026, 3, 31, tzinfo=UTC))
    assert (_count(session_factory, ClaimRow), _count(session_factory, ClaimItemRow)) == before
    monkeypatch.undo()
    # A file whose record cannot be written does not stay on disk.
    from cyber360.cover import claim_documents

    with UnitOfWork(session_factory) as uow:
        claim = claim_service.declare(
            uow, _principal(uow, RSSI_A), command, now=datetime(2026, 3, 31, tzinfo=UTC)
        )
    store = claim_documents.evidence_store(settings.data_dir, 1_000_000)
    monkeypatch.setattr(UnitOfWork, "audit", broken)
    with pytest.raises(RuntimeError), UnitOfWork(session_factory) as uow:
        claim_documents.add_evidence(uow, _principal(uow, RSSI_A), store, claim.id, "a.pdf", PDF)
    assert _count(session_factory, ClaimEvidenceRow) == 0
    assert not store.root.exists() or not list(store.root.iterdir())


def test_pages_declare_from_an_incident_document_and_decide(login_as, policy, clock, db_url):
    rssi = login_as(RSSI_A, follow_redirects=False)
    opened = rssi.post(
        "/api/v1/incidents",
        json={
            "establishment_id": rssi.get("/api/v1/establishments").json()[0]["id"],
            "scenario": "ransomware",
            "detected_at": "2026-03-30T03:10:00+02:00",
            "personal_data": False,
            "title": "Rançongiciel de mars",
        },
    ).json()
    closed = rssi.post(
        f"/api/v1/incidents/{opened['id']}/clocks/insurance_complaint",
        json={"evidence": "Plainte, récépissé 2026/0330/4", "closed_at": "2026-03-30T16:10:00+02:00"},
    )
    assert closed.status_code == 200, closed.text
    listing = rssi.get("/claims")
    assert listing.status_code == 200 and "Déclarer un sinistre à partir d'un incident" in text(listing)
    incident_id = opened["id"]
    assert f"/claims/new?incident_id={incident_id}" in listing.text
    form = rssi.get(f"/claims/new?incident_id={incident_id}")
    assert form.status_code == 200 and 'name="incident_id"' in form.text
    assert 'value="2026-03-30T03:10"' in form.text and 'value="2026-03-30T16:10"' in form.text
    assert "récépissé 2026/0330/4" in text(form)
    csrf = rssi.headers["X-CSRF-Token"]
    fields = {
        "csrf_token": csrf,
        "policy_id": str(policy),
        "incident_id": str(incident_id),
        "title": "Rançongiciel (page)",
        "learned_at": "2026-03-30T03:10",
        "complaint_filed_at": "2026-03-30T16:10",
        "degraded_days": "21",
    }
    assert rssi.post("/claims/new", data={**fields, "csrf_token": "faux"}).status_code == 403
    bad = rssi.post("/claims/new", data={**fields, "degraded_days": "-3"})
    assert bad.status_code == 422 and "f-degraded_days-error" in bad.text
    created = rssi.post("/claims/new", data=fields)
    assert created.status_code == 303, created.text
    url = created.headers["location"].split("?")[0]
    item = {
        "csrf_token": csrf,
        "section": "business_interruption",
        "description": "Urgences",
        "amount_eur": "1 200 000",
    }
    assert rssi.post(f"{url}/items", data=item).status_code == 303
    page = rssi.get(url)
    assert "Pertes d'exploitation" in text(page) and 'id="explanation"' in page.text
    assert "franchise de 12 h et période d'indemnisation de 90 jours sur 21 jours" in text(page)
    underwriter = login_as(ASSUREUR, follow_redirects=False)
    decision = underwriter.get(url)
    assert 'action="' + url + '/transitions/review"' in decision.text
    assert 'action="' + url + '/transitions/review"' not in page.text
    token = underwriter.headers["X-CSRF-Token"]
    assert underwriter.post(f"{url}/transitions/review", data={"csrf_token": token}).status_code == 303
    refused = underwriter.post(f"{url}/transitions/refuse", data={"csrf_token": token, "note": ""})
    assert refused.status_code == 422 and "obligatoire" in refused.text
    with UnitOfWork(rssi.app.state.session_factory) as uow:  # the incident's claim is on this policy
        row = uow.session.get(ClaimRow, int(url.rsplit("/", 1)[1]))
        assert row.incident_id == incident_id and uow.session.get(IncidentRow, incident_id) is not None
