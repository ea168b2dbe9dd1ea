"""The cooperative view through the application, on a real database: subscriptions (the buyer only, members
only, audited), anonymised figures (withheld from four GHTs, shown from five), who reads them, and the
buyer still reading no GHT's own insurance or risk data.

Figures are checked on a second cooperative built here with known values (ten GHTs, its own buyer and a
member GHT's manager), so that they do not depend on what the areas' demo loaders create; the demo's own
cooperative is checked for what the demo promises (six subscribers with risk results).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from tenancy import (
    ACCOUNTS,
    ACHETEUR,
    ADMIN,
    MEMBER_GHTS,
    NONEXISTENT_ID,
    OUTSIDER,
    RSSI_A,
    RSSI_B,
    page_text,
    route_table,
)

from cyber360.core import security
from cyber360.core.db import utcnow
from cyber360.core.settings import DEMO_PASSWORD
from cyber360.cover.tables import ClaimRow, PolicyRow, QuoteRow
from cyber360.org.tables import GhtRow, OrganisationRow, UserRow
from cyber360.risk.tables import RiskSnapshotRow

FIGURES, MEMBERS, SUBSCRIPTIONS = (
    f"/api/v1/cooperative/{p}" for p in ("figures", "members", "subscriptions")
)
TEST_BUYER = "acheteur@coop-test.test"
TEST_MANAGER = "rssi-t0@coop-test.test"

# The test cooperative, GHT t0 to t9: values chosen so that the figures are worked out by hand.
REGIONS = ["Nord"] * 5 + ["Sud"] * 5
AAL = [1e6, 2e6, 3e6, 4e6, 10e6, 5e6, 5e6, 5e6, 5e6, 5e6]
MATURITY = [1.5, 2.0, 2.5, 3.0, 3.5, 2.0, 2.0, 2.0, 2.0, 2.0]
PREMIUM = [100_000, 200_000, 300_000, 400_000, 500_000] + [100_000] * 5
AFTER = [90_000, 170_000, 250_000, 330_000, 400_000] + [90_000] * 5
CLAIMS = {0: [("declared", None), ("paid", 50_000.0)], 1: [("declared", None), ("refused", None)]}
CLAIMS |= {ght: [("declared", None)] for ght in (2, 3, 4, 5)}


@dataclass
class Cooperative:
    ghts: list[int]


def _snapshot(ght_id: int, aal: float, maturity: float, unassessed: bool) -> RiskSnapshotRow:
    establishments = [
        {"kind": "establishment", "maturity": {"mfa": maturity}, "maturity_source": "assessment"}
    ]
    if unassessed:  # catalogue defaults: not a measured maturity, left out of the figure
        establishments.append(
            {"kind": "establishment", "maturity": {}, "maturity_source": "catalogue_defaults"}
        )
    inputs = json.dumps({"kind": "ght", "establishments": establishments})
    return RiskSnapshotRow(
        ght_id=ght_id, establishment_id=None, inputs=inputs,
        inputs_sha256="0" * 64, seed=1, years=1000, model_version="test", summary="{}", total_aal=aal,
        mean_maturity=maturity / (2 if unassessed else 1), created_by="test",
    )  # fmt: skip


def _quote(policy: PolicyRow, premium: float, after: float, at: Any) -> QuoteRow:
    return QuoteRow(
        policy_id=policy.id, ght_id=policy.ght_id, inputs="{}", inputs_sha256="0" * 64, terms_sha256="0" * 64,
        model_version="test", years=1000, seed=1, top_actions=3, gross="{}", net="{}", premium="{}",
        premium_after="{}", technical_premium_eur=premium, technical_premium_after_eur=after, created_at=at,
    )  # fmt: skip


def _policy(session: Any, ght_id: int, insurer_id: int, reference: str) -> PolicyRow:
    policy = PolicyRow(
        ght_id=ght_id, insurer_organisation_id=insurer_id, reference=reference, product="cyber",
        status="active", terms="{}", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
    )  # fmt: skip
    session.add(policy)
    session.flush()
    return policy


def _claim(policy: PolicyRow, reference: str, state: str, paid: float | None) -> ClaimRow:
    return ClaimRow(
        policy_id=policy.id, ght_id=policy.ght_id, reference=reference, title="Rançongiciel", state=state,
        learned_at=utcnow(), paid_eur=paid,
    )  # fmt: skip


def _user(email: str, organisation_id: int, role: str) -> UserRow:
    return UserRow(
        email=email, display_name=email, password_hash=security.hash_password(DEMO_PASSWORD),
        organisation_id=organisation_id, role=role, locale="fr",
    )  # fmt: skip


@pytest.fixture
def coop(session_factory: Any, fast_passwords: None) -> Cooperative:
    """Ten member GHTs of a second cooperative, t0-t3 subscribed, each with a risk result and a quote."""
    later = utcnow() + timedelta(minutes=5)
    with session_factory() as session:
        cooperative = OrganisationRow(kind="cooperative", name="Coopérative de test")
        insurer = OrganisationRow(kind="insurer", name="Assureur de test")
        session.add_all([cooperative, insurer])
        session.flush()
        session.add(_user(TEST_BUYER, cooperative.id, "cooperative_buyer"))
        ghts = []
        for index in range(10):
            organisation = OrganisationRow(kind="ght", name=f"GHT t{index} (test)")
            session.add(organisation)
            session.flush()
            ght = GhtRow(
                organisation_id=organisation.id, cooperative_id=cooperative.id, name=f"GHT t{index} (test)",
                region=REGIONS[index], member_since=date(2024, 1, 1), subscribed=index < 4,
            )  # fmt: skip
            session.add(ght)
            session.flush()
            ghts.append(ght.id)
            if index == 0:
                session.add(_user(TEST_MANAGER, organisation.id, "ght_manager"))
            session.add(_snapshot(ght.id, AAL[index], MATURITY[index], unassessed=index == 2))
            policy = _policy(session, ght.id, insurer.id, f"TEST-{index}")
            if index == 0:  # an older quote, superseded by the latest
                session.add(_quote(policy, 999_000, 1_000, later - timedelta(days=30)))
            session.add(_quote(policy, PREMIUM[index], AFTER[index], later))
            for number, (state, paid) in enumerate(CLAIMS.get(index, [])):
                session.add(_claim(policy, f"TEST-{index}-{number}", state, paid))
        session.commit()
    return Cooperative(ghts)


def lines(client: Any) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    answer = client.get(FIGURES)
    assert answer.status_code == 200, answer.text
    assert answer.json()["min_ghts"] == 5
    return {
        (s["key"], line["key"], line["group"]): line for s in answer.json()["sections"] for line in s["lines"]
    }


def shown(line: dict[str, Any], value: float, contributors: int) -> bool:
    return (
        line["published"] and line["value"] == pytest.approx(value) and line["contributors"] == contributors
    )


def withheld(line: dict[str, Any], contributors: int, reason: str = "too_few_ghts") -> bool:
    return (line["published"], line["value"], line["contributors"], line["reason"]) == (
        False, None, contributors, reason,
    )  # fmt: skip


# Subscriptions ----------------------------------------------------------------------------------------------


def test_the_buyer_lists_the_members_and_their_subscription(login_as, directory) -> None:
    members = {item["id"]: item for item in login_as(ACHETEUR).get(MEMBERS).json()}
    assert set(members) == {directory.ghts[key] for key in MEMBER_GHTS}  # not the outsider
    subscribed = {key for key in MEMBER_GHTS if members[directory.ghts[key]]["subscribed"]}
    assert subscribed == {"a", "b", "d", "e", "f", "g"}
    assert members[directory.ghts["a"]]["member_since"] == "2019-03-01"
    assert set(members[directory.ghts["a"]]) == {"id", "name", "region", "member_since", "subscribed"}


def test_the_buyer_subscribes_and_unsubscribes_a_member_audited(login_as, directory, audit_log) -> None:
    buyer, ght_c = login_as(ACHETEUR), directory.ghts["c"]
    for subscribed in (True, False):
        answer = buyer.put(SUBSCRIPTIONS, json={"ght_id": ght_c, "subscribed": subscribed})
        assert answer.status_code == 200 and answer.json()["subscribed"] is subscribed
        assert login_as(ADMIN).get(f"/api/v1/ghts/{ght_c}").json()["subscribed"] is subscribed
        record = audit_log("ght.updated")[-1]
        assert (record.object_id, record.actor_email) == (str(ght_c), ACHETEUR)
        before, after = json.loads(record.before), json.loads(record.after)
        assert (before["subscribed"], after["subscribed"]) == (not subscribed, subscribed)


def test_only_the_buyer_changes_a_subscription(login_as, directory, tenant_rows) -> None:
    rows = tenant_rows()
    for email in sorted(set(ACCOUNTS) - {ACHETEUR}):
        answer = login_as(email).put(SUBSCRIPTIONS, json={"ght_id": directory.ghts["a"], "subscribed": False})
        assert answer.status_code == 403, email
    manager = login_as(RSSI_A)
    form = {
        "csrf_token": manager.headers["X-CSRF-Token"],
        "ght_id": str(directory.ghts["a"]),
        "subscribed": "no",
    }
    assert manager.post("/cooperative/subscriptions", data=form).status_code == 403
    assert tenant_rows() == rows


def test_a_ght_outside_the_cooperative_cannot_subscribe(login_as, directory, tenant_rows, audit_log) -> None:
    buyer, outsider = login_as(ACHETEUR), directory.ghts["x"]
    rows, denied = tenant_rows(), len(audit_log("access.denied"))
    refused = buyer.put(SUBSCRIPTIONS, json={"ght_id": outsider, "subscribed": True})
    unknown = buyer.put(SUBSCRIPTIONS, json={"ght_id": NONEXISTENT_ID, "subscribed": True})
    assert refused.status_code == unknown.status_code == 422
    assert refused.json() == unknown.json()
    assert refused.json()["detail"][0]["field"] == "ght_id"
    assert refused.json()["detail"][0]["type"] == "error.unknown_id"
    records = audit_log("access.denied")[denied:]
    assert [(r.object_type, r.object_id, r.actor_email) for r in records] == [
        ("ght", str(outsider), ACHETEUR)
    ]
    form = {"csrf_token": buyer.headers["X-CSRF-Token"], "ght_id": str(outsider), "subscribed": "yes"}
    page = buyer.post("/cooperative/subscriptions", data=form)
    assert page.status_code == 422 and "Identifiant inconnu." in page_text(page.text)
    assert tenant_rows() == rows


# Who reads the figures --------------------------------------------------------------------------------------


def test_the_buyer_and_member_managers_read_the_figures_nobody_else(login_as, directory) -> None:
    for email in (ACHETEUR, RSSI_A, RSSI_B):
        assert login_as(email).get(FIGURES).status_code == 200, email
    for email in sorted(set(ACCOUNTS) - {ACHETEUR, RSSI_A, RSSI_B}):
        client = login_as(email)
        assert client.get(FIGURES).status_code == 403, email
        assert client.get("/cooperative").status_code == 403, email
    for email in sorted(set(ACCOUNTS) - {ACHETEUR}):
        assert login_as(email).get(MEMBERS).status_code == 403, email


def test_a_ght_outside_the_cooperative_sees_no_figure(login_as, directory) -> None:
    outsider = login_as(OUTSIDER, password="outsider-password-123")
    assert outsider.get(FIGURES).status_code == 404
    assert outsider.get(MEMBERS).status_code == 403
    page = outsider.get("/cooperative")
    assert page.status_code == 200 and 'id="cooperative-not-member"' in page.text
    assert "cooperative-figures" not in page.text and "non publié" not in page.text


def test_the_demo_cooperative_publishes_its_risk_figures(login_as) -> None:
    figures = lines(login_as(ACHETEUR))
    assert shown(figures["subscriptions", "members", None], 7, 7)
    assert shown(figures["subscriptions", "subscribers", None], 6, 6)
    for key in ("aal_total", "aal_mean", "aal_q1", "aal_median", "aal_q3"):
        assert figures["risk", key, None]["published"] and figures["risk", key, None]["contributors"] == 6
    # Maturity is measured by assessments in GHTs A and B only; each region holds one subscriber.
    assert withheld(figures["risk", "maturity_mean", None], 2)
    regions = [line for key, line in figures.items() if key[0] == "aal_by_region"]
    assert len(regions) == 6 and all(withheld(line, 1) for line in regions)


# The figures, from four then five GHTs ----------------------------------------------------------------------


def test_figures_are_withheld_from_four_ghts_and_shown_from_five(coop, login_as) -> None:
    buyer = login_as(TEST_BUYER)
    four = lines(buyer)
    assert shown(four["subscriptions", "members", None], 10, 10)
    assert withheld(four["subscriptions", "subscribers", None], 4)
    for key in ("aal_total", "aal_mean", "aal_q1", "aal_median", "aal_q3", "maturity_mean"):
        assert withheld(four["risk", key, None], 4), key
    for key in ("premium_total", "premium_median", "premium_after_total", "premium_reduction"):
        assert withheld(four["premiums", key, None], 4), key
    assert withheld(four["premiums", "premium_reduction_share", None], 4)
    assert withheld(four["claims", "claims_total", None], 4)

    assert buyer.put(SUBSCRIPTIONS, json={"ght_id": coop.ghts[4], "subscribed": True}).status_code == 200
    five = lines(buyer)
    assert shown(five["subscriptions", "subscribers", None], 5, 5)
    # AAL 1, 2, 3, 4 and 10 M EUR: total 20, mean 4; Harrell-Davis quartiles 1.778, 3.290, 6.484 M EUR
    # (tests/unit/cover/test_cooperative.py), published to two significant digits.
    assert shown(five["risk", "aal_total", None], 20e6, 5)
    assert shown(five["risk", "aal_mean", None], 4e6, 5)
    assert shown(five["risk", "aal_q1", None], 1.8e6, 5)
    assert shown(five["risk", "aal_median", None], 3.3e6, 5)
    assert shown(five["risk", "aal_q3", None], 6.5e6, 5)
    # Maturity 1.5, 2, 2.5 (t2's unassessed establishment left out), 3, 3.5: mean 2.5.
    assert shown(five["risk", "maturity_mean", None], 2.5, 5)
    # All five in one region: its mean would be the total's; the bands hold 1, 2 and 2 GHTs.
    assert withheld(five["aal_by_region", "aal_mean", "Nord"], 5, "differencing")
    bands = {key[2]: line for key, line in five.items() if key[0] == "maturity_bands"}
    assert [bands[b]["contributors"] for b in ("0-1", "1-2", "2-3", "3-4", "4-5")] == [0, 1, 2, 2, 0]
    assert not any(line["published"] for line in bands.values())
    # Latest quotes: 100-500 k EUR (t0's older 999 k EUR ignored), after the plans 90-400 k EUR.
    assert shown(five["premiums", "premium_total", None], 1.5e6, 5)
    assert shown(five["premiums", "premium_median", None], 3.0e5, 5)
    assert shown(five["premiums", "premium_after_total", None], 1.2e6, 5)  # 1 240 000
    assert shown(five["premiums", "premium_reduction", None], 2.6e5, 5)
    assert shown(five["premiums", "premium_reduction_share", None], 0.17, 5)  # 260 / 1 500
    # Seven claims of five GHTs (t5's is not a subscriber's); the states: declared by all five but, with
    # the total, it would show the two GHTs of the paid and refused claims.
    assert shown(five["claims", "claims_total", None], 7, 5)
    assert withheld(five["claims", "claims_by_state", "declared"], 5, "differencing")
    assert withheld(five["claims", "claims_by_state", "paid"], 1)
    assert withheld(five["claims", "claims_by_state", "refused"], 1)
    assert withheld(five["claims", "claims_paid_total", None], 1)

    manager = login_as(TEST_MANAGER)
    assert lines(manager) == five
    assert manager.get(MEMBERS).status_code == 403


def test_subgroups_are_shown_when_they_and_the_rest_hold_five(coop, login_as) -> None:
    buyer = login_as(TEST_BUYER)
    for ght_id in coop.ghts[4:]:
        assert buyer.put(SUBSCRIPTIONS, json={"ght_id": ght_id, "subscribed": True}).status_code == 200
    figures = lines(buyer)
    assert shown(figures["aal_by_region", "aal_mean", "Nord"], 4e6, 5)
    assert shown(figures["aal_by_region", "aal_mean", "Sud"], 5e6, 5)


def test_cooperatives_do_not_see_each_other(coop, login_as, directory) -> None:
    demo_buyer, test_buyer = login_as(ACHETEUR), login_as(TEST_BUYER)
    assert shown(lines(demo_buyer)["subscriptions", "members", None], 7, 7)
    assert {item["id"] for item in test_buyer.get(MEMBERS).json()} == set(coop.ghts)
    assert demo_buyer.put(SUBSCRIPTIONS, json={"ght_id": coop.ghts[5], "subscribed": True}).status_code == 422
    answer = test_buyer.put(SUBSCRIPTIONS, json={"ght_id": directory.ghts["c"], "subscribed": True})
    assert answer.status_code == 422


# The buyer reads no GHT's own data --------------------------------------------------------------------------

KEYWORDS = re.compile(r"polic|quote|claim|risk|plan|report|underwriting")


def test_the_buyer_gets_404_on_every_policy_quote_claim_and_risk_route(login_as, directory, session_factory):
    ght_a = directory.ghts["a"]
    with session_factory() as session:
        insurer = directory.organisations["insurer"]
        policy = _policy(session, ght_a, insurer, "TEST-A")
        quote = _quote(policy, 100_000, 90_000, utcnow())
        claim = _claim(policy, "TEST-A-1", "declared", None)
        session.add_all([quote, claim])
        session.flush()
        snapshot = session.execute(select(RiskSnapshotRow.id).where(RiskSnapshotRow.ght_id == ght_a)).scalar()
        ids = {"policies": policy.id, "quotes": quote.id, "claims": claim.id, "snapshots": snapshot}
        session.commit()
    ids |= {"ghts": ght_a, "establishments": directory.establishments["chu-loire"]}
    buyer, manager = login_as(ACHETEUR), login_as(RSSI_A)
    checked = []
    for path, methods in sorted(route_table(buyer.app).items()):
        if "GET" not in methods or "{}" not in path or not KEYWORDS.search(path):
            continue
        parts = path.split("/")
        url = "/".join(
            str(ids.get(parts[i - 1], NONEXISTENT_ID)) if p == "{}" else p for i, p in enumerate(parts)
        )
        if str(NONEXISTENT_ID) in url:
            continue  # an id of an object this test has no example of
        url += f"?before={snapshot}" if url.endswith("/compare") else ""
        assert buyer.get(url).status_code == 404, url
        checked.append(url)
    assert f"/api/v1/ghts/{ght_a}/risk" in checked and f"/api/v1/risk/snapshots/{snapshot}" in checked
    assert manager.get(f"/api/v1/ghts/{ght_a}/risk").status_code == 200  # the ids are real


# Pages ------------------------------------------------------------------------------------------------------


def test_the_buyer_page_lists_members_shows_figures_and_toggles(login_as, directory) -> None:
    buyer = login_as(ACHETEUR)
    page = buyer.get("/cooperative")
    assert page.status_code == 200
    text = page_text(page.text)
    for name in directory.ght_names.values():
        assert (name in text) is (name != "GHT Hors coopérative (test)")
    assert "non publié : moins de 5 GHT" in text and 'id="cooperative-members"' in page.text
    ght_c = directory.ghts["c"]
    form = {"ght_id": str(ght_c), "subscribed": "yes"}
    assert buyer.post("/cooperative/subscriptions", data=form, follow_redirects=False).status_code == 403
    form["csrf_token"] = buyer.headers["X-CSRF-Token"]
    saved = buyer.post("/cooperative/subscriptions", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/cooperative?saved=subscription"
    assert "Souscription mise à jour." in page_text(buyer.get(saved.headers["location"]).text)
    assert {m["id"]: m["subscribed"] for m in buyer.get(MEMBERS).json()}[ght_c] is True


def test_a_member_manager_page_shows_its_subscription_not_the_others(login_as, directory) -> None:
    page = login_as(RSSI_A).get("/cooperative")
    assert page.status_code == 200
    text = page_text(page.text)
    assert directory.ght_names["a"] in text and directory.ght_names["b"] not in text
    assert "/cooperative/subscriptions" not in page.text and 'id="cooperative-figures"' in page.text


def test_the_page_in_english(login_as, db_execute) -> None:
    db_execute(update(UserRow).where(UserRow.email == ACHETEUR).values(locale="en"))
    text = page_text(login_as(ACHETEUR).get("/cooperative").text)
    assert "not published: fewer than 5 GHTs" in text and "Member GHTs and subscription" in text
    assert "non publié" not in text
