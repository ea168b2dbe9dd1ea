"""Risk results: snapshots with their inputs' hash, reproducible with the same seed, compared and explained;
plan ranking on a toy; runs through the API (writers only, audited); the board report PDF."""

from __future__ import annotations

import itertools
import json
import re
import zlib

import pytest
from sqlalchemy import select

from cyber360.core.audit import AuditRecord
from cyber360.org.auth import build_principal
from cyber360.org.tables import EstablishmentRow, UserRow
from cyber360.risk import plan_service, results_service, service
from cyber360.risk.plan_service import ActionCreate
from cyber360.risk.tables import RiskSnapshotRow

YEARS = 5_000
BACKUPS = "backups_offline_tested"


def pdf_pages(data: bytes) -> int:
    """The number of page objects of a PDF, looking into its compressed streams too (no pypdf here)."""
    chunks = [data]
    for match in re.finditer(rb"/Length (\d+)[^>]*>>\r?\nstream\r?\n", data):
        start = match.end()
        try:
            chunks.append(zlib.decompress(data[start : start + int(match.group(1))]))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", chunk)) for chunk in chunks)


def _principal(uow, email="rssi-a@demo.test"):  # type: ignore[no-untyped-def]
    user = uow.session.execute(select(UserRow).where(UserRow.email == email)).scalar_one()
    return build_principal(uow, user)


def _establishment(uow, principal):  # type: ignore[no-untyped-def]
    ght = min(principal.writable_ght_ids)
    return (
        uow.session.execute(
            select(EstablishmentRow).where(EstablishmentRow.ght_id == ght).order_by(EstablishmentRow.id)
        )
        .scalars()
        .first()
    )


def test_snapshot_keeps_inputs_hash_and_same_seed_gives_same_summary(uow) -> None:  # type: ignore[no-untyped-def]
    principal = _principal(uow)
    establishment = _establishment(uow, principal)
    first = service.run_now(uow, principal, establishment_id=establishment.id, years=YEARS, seed=7)
    second = service.run_now(uow, principal, establishment_id=establishment.id, years=YEARS, seed=7)
    assert first.id != second.id
    assert len(first.inputs_sha256) == 64
    assert first.inputs_sha256 == second.inputs_sha256 == service.sha256_of(json.loads(first.inputs))
    assert json.loads(first.summary) == json.loads(second.summary)
    assert (first.seed, first.years, first.model_version) == (7, YEARS, service.model_version())
    other = service.run_now(uow, principal, establishment_id=establishment.id, years=YEARS, seed=8)
    assert other.inputs_sha256 == first.inputs_sha256 and other.summary != first.summary
    audited = uow.session.execute(
        select(AuditRecord).where(AuditRecord.action == "risk.snapshot.create")
    ).scalars()
    assert {record.object_id for record in audited} >= {str(first.id), str(second.id)}


def test_comparison_explains_a_raised_backup_maturity(uow) -> None:  # type: ignore[no-untyped-def]
    principal = _principal(uow)
    establishment = _establishment(uow, principal)
    before = service.run_now(uow, principal, establishment_id=establishment.id, years=YEARS)
    inputs = json.loads(before.inputs)
    assert inputs["maturity"].get(BACKUPS, 0) < 4
    inputs["maturity"][BACKUPS] = 5.0
    after = service.store_snapshot(
        uow, principal, inputs, YEARS, before.seed, service.run_inputs(inputs, YEARS, before.seed)
    )
    comparison = results_service.compare(uow, principal, before.id, after.id)
    assert comparison["total_aal_change"] < 0
    assert not comparison["same_inputs"]
    text = " ".join(comparison["explanations"]).lower()
    assert "sauvegarde" in text, comparison["explanations"]
    english = " ".join(
        results_service.compare(uow, principal, before.id, after.id, "en")["explanations"]
    ).lower()
    assert "backup" in english


def test_ranking_orders_actions_by_euros_avoided_per_euro(uow) -> None:  # type: ignore[no-untyped-def]
    """A toy: the same control raised to the same level at two prices; the cheaper returns ten times more,
    and an action with no control stays unquantified, after the quantified ones."""
    principal = _principal(uow)
    establishment = _establishment(uow, principal)
    cheap = plan_service.create_action(
        uow,
        principal,
        establishment.id,
        ActionCreate(
            title="Sauvegardes (offre A)", control_id=BACKUPS, target_level=5, cost_yearly_eur=10_000
        ),
    )
    dear = plan_service.create_action(
        uow,
        principal,
        establishment.id,
        ActionCreate(
            title="Sauvegardes (offre B)",
            control_id=BACKUPS,
            target_level=5,
            cost_one_off_eur=250_000,
            cost_yearly_eur=50_000,
        ),
    )
    manual = plan_service.create_action(uow, principal, establishment.id, ActionCreate(title="Réunion"))
    ranked = plan_service.rank(uow, principal, establishment.id)
    by_id = {action.id: action for action in ranked}
    assert by_id[cheap.id].loss_avoided_eur > 0
    assert by_id[cheap.id].loss_avoided_eur == pytest.approx(by_id[dear.id].loss_avoided_eur)
    assert by_id[cheap.id].return_ratio == pytest.approx(10 * by_id[dear.id].return_ratio)
    assert by_id[manual.id].return_ratio is None
    ratios = [a.return_ratio for a in ranked if a.return_ratio is not None]
    assert ratios == sorted(ratios, reverse=True)
    order = [a.id for a in ranked]
    assert order.index(cheap.id) < order.index(dear.id) < order.index(manual.id)
    assert any(a.source == "generated" for a in ranked)
    points = plan_service.cumulative(ranked)
    assert all(b[0] >= a[0] and b[1] >= a[1] for a, b in itertools.pairwise(points))


def test_api_run_plan_and_report(as_user, db_url) -> None:  # type: ignore[no-untyped-def]
    rssi = as_user("rssi-a@demo.test")
    establishments = rssi.get("/api/v1/establishments").json()
    establishment_id = establishments[0]["id"]
    ght_id = establishments[0]["ght_id"]
    latest = rssi.get(f"/api/v1/establishments/{establishment_id}/risk")
    assert latest.status_code == 200
    body = latest.json()
    assert {"scenarios", "total", "aep", "oep", "snapshot", "profile", "years", "seed"} <= set(body)
    assert {"id", "created_at", "seed", "years", "model_version", "inputs_sha256"} <= set(body["snapshot"])
    assert {"asset_damage", "business_interruption", "third_party"} <= set(body["total"]["components"])
    ght = rssi.get(f"/api/v1/ghts/{ght_id}/risk")
    assert ght.status_code == 200 and len(ght.json()["profile"]["establishments"]) == len(
        [e for e in establishments if e["ght_id"] == ght_id]
    )
    assert (
        as_user("assureur@demo.test").get(f"/api/v1/establishments/{establishment_id}/risk").status_code
        == 200
    )
    viewer = as_user("dg-a@demo.test")
    assert (
        viewer.post(f"/api/v1/establishments/{establishment_id}/risk/runs", json={"years": YEARS}).status_code
        == 403
    )
    job = rssi.post(f"/api/v1/establishments/{establishment_id}/risk/runs", json={"years": YEARS, "seed": 3})
    assert job.status_code == 202, job.text
    assert job.json()["status"] == "done" and job.json()["snapshot_id"]
    assert rssi.get(f"/api/v1/risk/jobs/{job.json()['id']}").json()["progress"] == 1.0
    fresh = rssi.get(f"/api/v1/establishments/{establishment_id}/risk").json()
    assert fresh["snapshot"]["id"] == job.json()["snapshot_id"] and fresh["seed"] == 3
    compared = rssi.get(
        f"/api/v1/risk/snapshots/{fresh['snapshot']['id']}/compare", params={"before": body["snapshot"]["id"]}
    )
    assert compared.status_code == 200
    created = rssi.post(
        f"/api/v1/establishments/{establishment_id}/plan/actions",
        json={"title": "Exercice de crise", "cost_one_off_eur": 5000, "owner": "RSSI"},
    )
    assert created.status_code == 201
    action_id = created.json()["id"]
    patched = rssi.patch(f"/api/v1/plan/actions/{action_id}", json={"status": "done"})
    assert patched.status_code == 200 and patched.json()["done_at"]
    assert viewer.patch(f"/api/v1/plan/actions/{action_id}", json={"status": "planned"}).status_code == 403
    assert rssi.patch(f"/api/v1/plan/actions/{action_id}", json={"status": "bogus"}).status_code == 422
    pdf = rssi.get(f"/api/v1/ghts/{ght_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert 2 <= pdf_pages(pdf.content) <= 4


def test_snapshot_rows_are_per_establishment_and_ght(uow) -> None:  # type: ignore[no-untyped-def]
    rows = list(uow.session.execute(select(RiskSnapshotRow)).scalars())
    assert any(row.establishment_id is None for row in rows)
    assert any(row.establishment_id is not None for row in rows)
