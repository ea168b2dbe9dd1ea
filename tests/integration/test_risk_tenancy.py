"""Tenant isolation of the risk area: results, snapshots, plans and reports, for every demo role.

In scope 200, out of scope 404 exactly like a nonexistent id (and audited), writes out of scope 404 and
changing nothing, anonymous 401 on the API and the login page for pages. Scopes are written by hand: the
administrator and the buyer see no risk data; an establishment user sees only their establishment and no
GHT-wide figures.
"""

from __future__ import annotations

import pytest
from tenancy import (
    ACCOUNTS,
    ACHETEUR,
    ADMIN,
    ETAB,
    NONEXISTENT_ID,
    visible_establishment_keys,
    visible_ght_keys,
)

RISK_BLIND = frozenset({ADMIN, ACHETEUR})
#: The demo computes results and a plan for GHTs A and B (not C, not the outsider).
COMPUTED = frozenset({"a", "b"})


def _establishments(world, email: str) -> tuple[set[int], set[int]]:  # type: ignore[no-untyped-def]
    d = world.directory
    computed = {key for key, ght in d.establishment_ght.items() if ght in COMPUTED}
    seen = set() if email in RISK_BLIND else set(visible_establishment_keys(d, email))
    return {d.establishments[k] for k in computed & seen}, {d.establishments[k] for k in computed - seen}


def _ghts(world, email: str) -> tuple[set[int], set[int]]:  # type: ignore[no-untyped-def]
    d = world.directory
    seen = set() if email in RISK_BLIND or email == ETAB else set(visible_ght_keys(email))
    return {d.ghts[k] for k in COMPUTED & seen}, {d.ghts[k] for k in COMPUTED - seen}


@pytest.mark.parametrize("email", sorted(ACCOUNTS))
def test_results_and_plans_in_scope_200_out_of_scope_404(world, email: str) -> None:  # type: ignore[no-untyped-def]
    client = world.client(email)
    missing = client.get(f"/api/v1/establishments/{NONEXISTENT_ID}/risk")
    assert missing.status_code == 404
    inside, outside = _establishments(world, email)
    for establishment_id in inside:
        for url in (
            "/api/v1/establishments/{}/risk",
            "/api/v1/establishments/{}/plan",
            "/establishments/{}/risk",
            "/establishments/{}/plan",
        ):
            assert client.get(url.format(establishment_id)).status_code == 200, (url, establishment_id)
    before = world.last_audit_id()
    for establishment_id in outside:
        for url in (
            "/api/v1/establishments/{}/risk",
            "/api/v1/establishments/{}/plan",
            "/api/v1/establishments/{}/risk/snapshots",
            "/establishments/{}/risk",
        ):
            answer = client.get(url.format(establishment_id))
            assert answer.status_code == 404, (url, establishment_id)
            if url.startswith("/api"):
                assert answer.json()["detail"][0]["type"] == missing.json()["detail"][0]["type"]
        write = client.post(f"/api/v1/establishments/{establishment_id}/plan/actions", json={"title": "x"})
        assert write.status_code == 404
        run = client.post(f"/api/v1/establishments/{establishment_id}/risk/runs", json={"years": 1000})
        assert run.status_code == 404
    if outside:
        denied = world.audit("access.denied", before)
        assert {int(r.object_id) for r in denied if r.object_type == "establishment"} >= outside


@pytest.mark.parametrize("email", sorted(ACCOUNTS))
def test_ght_results_snapshots_actions_and_reports(world, email: str) -> None:  # type: ignore[no-untyped-def]
    client = world.client(email)
    inside, outside = _ghts(world, email)
    for ght_id in inside:
        answer = client.get(f"/api/v1/ghts/{ght_id}/risk")
        assert answer.status_code == 200
        snapshot = answer.json()["snapshot"]["id"]
        assert client.get(f"/api/v1/risk/snapshots/{snapshot}").status_code == 200
        actions = client.get(f"/api/v1/ghts/{ght_id}/plan").json()
        assert actions and client.get(f"/api/v1/plan/actions/{actions[0]['id']}").status_code == 200
    for ght_id in outside:
        for url in (
            "/api/v1/ghts/{}/risk",
            "/api/v1/ghts/{}/plan",
            "/api/v1/ghts/{}/report.pdf",
            "/ghts/{}/risk",
        ):
            assert client.get(url.format(ght_id)).status_code == 404, (url, ght_id)
    # Objects of GHTs out of scope (snapshots, actions) found through an account that sees them.
    owner = world.client("consultant@demo.test")
    readable, _ = _establishments(world, email)
    for ght_id in outside:
        snapshot = owner.get(f"/api/v1/ghts/{ght_id}/risk").json()["snapshot"]["id"]
        plan = owner.get(f"/api/v1/ghts/{ght_id}/plan").json()
        action = next(item["id"] for item in plan if item["establishment_id"] not in readable)
        assert client.get(f"/api/v1/risk/snapshots/{snapshot}").status_code == 404
        assert client.get(f"/api/v1/plan/actions/{action}").status_code == 404
        assert client.patch(f"/api/v1/plan/actions/{action}", json={"status": "cancelled"}).status_code == 404
        assert owner.get(f"/api/v1/plan/actions/{action}").json()["status"] != "cancelled"


def test_reports_in_scope_and_anonymous(world) -> None:  # type: ignore[no-untyped-def]
    ght_a = world.directory.ghts["a"]
    for email in ("assureur@demo.test", "rssi-a@demo.test"):
        answer = world.client(email).get(f"/api/v1/ghts/{ght_a}/report.pdf")
        assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert world.client("rssi-b@demo.test").get(f"/api/v1/ghts/{ght_a}/report.pdf").status_code == 404
    anonymous = world.anonymous()
    establishment = world.directory.establishments["ch-estuaire"]
    for url in (
        f"/api/v1/establishments/{establishment}/risk",
        f"/api/v1/ghts/{ght_a}/risk",
        f"/api/v1/ghts/{ght_a}/report.pdf",
        f"/api/v1/establishments/{establishment}/plan",
    ):
        assert anonymous.get(url).status_code == 401
    for url in (f"/establishments/{establishment}/risk", f"/ghts/{ght_a}/risk", "/risk"):
        answer = anonymous.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
