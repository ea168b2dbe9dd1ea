"""Tenant isolation of policies and quotes, for every demo role (and the outsider GHT's manager).

In scope 200; out of scope 404 exactly like a nonexistent id, and audited; writes out of scope answer like
writes on a nonexistent id and change nothing; anonymous 401 on the API and the login page for pages.
Scopes are written by hand: the GHT's people (not an establishment user) and its consultant read all its
policies; its insurer's underwriter reads only the policies of that insurer; the platform administrator
and the cooperative's buyer read none. Besides the demo's policy (demo insurer, GHT A), the module adds a
policy of another insurer on GHT A (granted for the test) and one on the outsider GHT, each with a quote.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tenancy import (
    ACCOUNTS,
    ACHETEUR,
    ADMIN,
    ASSUREUR,
    CONSULTANT,
    DG_A,
    ETAB,
    NONEXISTENT_ID,
    OUTSIDER,
    RSSI_A,
    RSSI_B,
    page_text,
)

from cyber360.cover.tables import PolicyRow, QuoteRow
from cyber360.org.tables import GrantRow

NEW_POLICY = {"product": "cyber-sante-ght", "period_start": "2027-01-01", "period_end": "2027-12-31"}
#: Who reads which policy (keys of ``cover``'s policies), by hand.
VISIBLE: dict[str, frozenset[str]] = {
    ADMIN: frozenset(),
    ACHETEUR: frozenset(),
    ETAB: frozenset(),
    RSSI_B: frozenset(),
    RSSI_A: frozenset({"demo_a", "other_a"}),
    DG_A: frozenset({"demo_a", "other_a"}),
    CONSULTANT: frozenset({"demo_a", "other_a"}),
    ASSUREUR: frozenset({"demo_a"}),
    OUTSIDER: frozenset({"other_x"}),
}
#: GHTs whose policy list an account may ask for (a GHT it reads, and it reads policies at all).
LISTED_GHTS: dict[str, frozenset[str]] = {
    ADMIN: frozenset(),
    ACHETEUR: frozenset(),
    ETAB: frozenset(),
    RSSI_B: frozenset({"b"}),
    RSSI_A: frozenset({"a"}),
    DG_A: frozenset({"a"}),
    CONSULTANT: frozenset({"a", "b"}),
    ASSUREUR: frozenset({"a"}),
    OUTSIDER: frozenset({"x"}),
}
EMAILS = sorted([*ACCOUNTS, OUTSIDER])


@pytest.fixture(scope="module")
def cover(world):
    """The policies and quotes of the dataset by key: the demo's, plus another insurer's on GHT A and X."""
    d = world.directory
    other = d.organisations["other_insurer"]
    with Session(world.engine) as session:
        demo = session.execute(select(PolicyRow).where(PolicyRow.ght_id == d.ghts["a"])).scalar_one()
        demo_quote = session.execute(select(QuoteRow).where(QuoteRow.policy_id == demo.id)).scalar_one()
        session.add(GrantRow(ght_id=d.ghts["a"], organisation_id=other))
        policies, quotes = {"demo_a": demo.id}, {"demo_a": demo_quote.id}
        for key, ght in (("other_a", "a"), ("other_x", "x")):
            policy = PolicyRow(
                ght_id=d.ghts[ght],
                insurer_organisation_id=other,
                reference=f"AUTRE-{ght.upper()}-1",
                product=demo.product,
                status="bound",
                terms=demo.terms,
                period_start=demo.period_start,
                period_end=demo.period_end,
            )
            session.add(policy)
            session.flush()
            columns = {
                c.name: getattr(demo_quote, c.key) for c in QuoteRow.__table__.columns if c.name != "id"
            }
            quote = QuoteRow(**{**columns, "policy_id": policy.id, "ght_id": policy.ght_id})
            session.add(quote)
            session.flush()
            policies[key], quotes[key] = policy.id, quote.id
        session.commit()
    outsider = TestClient(world.app, base_url="http://127.0.0.1", follow_redirects=False)
    answer = outsider.post(
        "/api/v1/auth/login", json={"email": OUTSIDER, "password": "outsider-password-123"}
    )
    assert answer.status_code == 200, answer.text
    outsider.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    yield {"policies": policies, "quotes": quotes, "outsider": outsider}
    outsider.close()


def _client(world, cover, email: str):  # type: ignore[no-untyped-def]
    return cover["outsider"] if email == OUTSIDER else world.client(email)


def _split(cover, email: str) -> tuple[dict[str, int], dict[str, int]]:
    policies = cover["policies"]
    inside = {key: value for key, value in policies.items() if key in VISIBLE[email]}
    return inside, {key: value for key, value in policies.items() if key not in VISIBLE[email]}


def _cover_rows(world) -> dict[str, list[tuple]]:
    with world.engine.connect() as connection:
        return {
            table.name: sorted(tuple(row) for row in connection.execute(table.select()))
            for table in (PolicyRow.__table__, QuoteRow.__table__)
        }


@pytest.mark.parametrize("email", EMAILS)
def test_api_in_scope_200_out_of_scope_404_like_nonexistent_and_audited(world, cover, email):
    client = _client(world, cover, email)
    since = world.last_audit_id()
    inside, outside = _split(cover, email)
    assert {item["id"] for item in client.get("/api/v1/policies").json()} == set(inside.values())
    for key, policy_id in inside.items():
        assert client.get(f"/api/v1/policies/{policy_id}").json()["id"] == policy_id
        quotes = client.get(f"/api/v1/policies/{policy_id}/quotes").json()
        assert [quote["id"] for quote in quotes] == [cover["quotes"][key]]
        assert client.get(f"/api/v1/quotes/{cover['quotes'][key]}").json()["policy_id"] == policy_id
    missing_policy = client.get(f"/api/v1/policies/{NONEXISTENT_ID}")
    missing_quote = client.get(f"/api/v1/quotes/{NONEXISTENT_ID}")
    assert missing_policy.status_code == missing_quote.status_code == 404
    for key, policy_id in outside.items():
        for url in (f"/api/v1/policies/{policy_id}", f"/api/v1/policies/{policy_id}/quotes"):
            answer = client.get(url)
            assert (answer.status_code, answer.json()) == (404, missing_policy.json()), (url, answer.text)
        assert client.get(f"/api/v1/policies/{policy_id}/underwriting.pdf").status_code == 404
        answer = client.get(f"/api/v1/quotes/{cover['quotes'][key]}")
        assert (answer.status_code, answer.json()) == (404, missing_quote.json())
    denied = {(r.object_type, r.object_id) for r in world.audit("access.denied", after_id=since)}
    expected = {("cover_policy", str(value)) for value in outside.values()}
    expected |= {("cover_quote", str(cover["quotes"][key])) for key in outside}
    assert denied == expected
    assert {r.actor_email for r in world.audit("access.denied", after_id=since)} <= {email}


@pytest.mark.parametrize("email", EMAILS)
def test_a_ghts_policy_list_in_scope_and_404_otherwise(world, cover, email):
    client = _client(world, cover, email)
    d = world.directory
    inside, _ = _split(cover, email)
    missing = client.get(f"/api/v1/ghts/{NONEXISTENT_ID}/policies")
    for key, ght_id in d.ghts.items():
        answer = client.get(f"/api/v1/ghts/{ght_id}/policies")
        if key in LISTED_GHTS[email]:
            expected = {value for name, value in inside.items() if name.endswith(f"_{key}")}
            assert {item["id"] for item in answer.json()} == expected, (key, answer.text)
        else:
            assert (answer.status_code, answer.json()) == (404, missing.json()), (key, answer.text)


@pytest.mark.parametrize("email", EMAILS)
def test_writes_out_of_scope_answer_like_nonexistent_and_change_nothing(world, cover, email):
    client = _client(world, cover, email)
    _, outside = _split(cover, email)
    before, since = _cover_rows(world), world.last_audit_id()
    writes = [
        ("PATCH", "/api/v1/policies/{}", {"status": "cancelled"}),
        ("POST", "/api/v1/policies/{}/quotes", {"years": 1000, "top_actions": 0}),
    ]
    for method, url, body in writes:
        reference = client.request(method, url.format(NONEXISTENT_ID), json=body)
        assert reference.status_code == 404
        for policy_id in outside.values():
            answer = client.request(method, url.format(policy_id), json=body)
            assert (answer.status_code, answer.json()) == (404, reference.json()), (url, policy_id)
    reference = client.post(f"/api/v1/ghts/{NONEXISTENT_ID}/policies", json=NEW_POLICY)
    for key, ght_id in world.directory.ghts.items():
        if key not in LISTED_GHTS[email]:
            answer = client.post(f"/api/v1/ghts/{ght_id}/policies", json=NEW_POLICY)
            assert (answer.status_code, answer.json()) == (404, reference.json())
    csrf = client.headers["X-CSRF-Token"]
    forms = [
        ("/policies/{}/terms", {"sections.all.covered": "yes"}),
        ("/policies/{}/status", {"status": "cancelled"}),
        ("/policies/{}/quotes", {"years": "1000", "top_actions": "0"}),
    ]
    for url, form in forms:
        assert client.post(url.format(NONEXISTENT_ID), data={**form, "csrf_token": csrf}).status_code == 404
        for policy_id in outside.values():
            assert client.post(url.format(policy_id), data={**form, "csrf_token": csrf}).status_code == 404
    for key, ght_id in world.directory.ghts.items():
        if key not in LISTED_GHTS[email]:
            answer = client.post(f"/ghts/{ght_id}/policies", data={**NEW_POLICY, "csrf_token": csrf})
            assert answer.status_code == 404
    assert _cover_rows(world) == before, "an out-of-scope write changed something"
    assert {record.action for record in world.audit(after_id=since)} <= {"access.denied"}


@pytest.mark.parametrize("email", EMAILS)
def test_pages_in_scope_200_out_of_scope_404(world, cover, email):
    client = _client(world, cover, email)
    inside, outside = _split(cover, email)
    index = client.get("/cover")
    assert index.status_code == 200
    text = page_text(index.text)
    references = {"demo_a": f"C360-{date.today().year}-", "other_a": "AUTRE-A-1", "other_x": "AUTRE-X-1"}
    for key in inside:
        assert references[key] in text
    for key in outside:
        assert references[key] not in text
    assert client.get(f"/policies/{NONEXISTENT_ID}").status_code == 404
    for key, policy_id in inside.items():
        assert client.get(f"/policies/{policy_id}").status_code == 200
        assert client.get(f"/quotes/{cover['quotes'][key]}").status_code == 200
    for key, policy_id in outside.items():
        assert client.get(f"/policies/{policy_id}").status_code == 404
        assert client.get(f"/quotes/{cover['quotes'][key]}").status_code == 404
    for key, ght_id in world.directory.ghts.items():
        expected = 404
        if key in LISTED_GHTS[email]:
            expected = 200 if email == ASSUREUR else 403  # readable; only its insurer's underwriter writes
        assert client.get(f"/ghts/{ght_id}/policies/new").status_code == expected, key


def test_anonymous_gets_401_on_the_api_and_the_login_page_otherwise(world, cover):
    anonymous = world.anonymous()
    policy_id, quote_id = cover["policies"]["demo_a"], cover["quotes"]["demo_a"]
    ght_id = world.directory.ghts["a"]
    for url in (
        "/api/v1/policies",
        f"/api/v1/policies/{policy_id}",
        f"/api/v1/policies/{policy_id}/quotes",
        f"/api/v1/policies/{policy_id}/underwriting.pdf",
        f"/api/v1/quotes/{quote_id}",
        f"/api/v1/ghts/{ght_id}/policies",
    ):
        answer = anonymous.get(url)
        assert answer.status_code == 401 and answer.json()["detail"][0]["type"] == "error.unauthenticated"
    assert anonymous.post(f"/api/v1/policies/{policy_id}/quotes", json={}).status_code == 401
    assert anonymous.patch(f"/api/v1/policies/{policy_id}", json={"status": "cancelled"}).status_code == 401
    for url in ("/cover", f"/policies/{policy_id}", f"/quotes/{quote_id}", f"/ghts/{ght_id}/policies/new"):
        answer = anonymous.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), url
    answer = anonymous.post(f"/policies/{policy_id}/quotes", data={"csrf_token": "x"})
    assert answer.status_code in {303, 403}


def test_a_revoked_grant_hides_the_insurers_policies_from_its_underwriter(login_as, db_execute):
    underwriter = login_as(ASSUREUR)
    (policy,) = underwriter.get("/api/v1/policies").json()
    quote_id = underwriter.get(f"/api/v1/policies/{policy['id']}/quotes").json()[0]["id"]
    db_execute(
        update(GrantRow).where(GrantRow.ght_id == policy["ght_id"]).values(revoked_at=GrantRow.granted_at)
    )
    assert underwriter.get("/api/v1/policies").json() == []
    assert underwriter.get(f"/api/v1/policies/{policy['id']}").status_code == 404
    assert underwriter.get(f"/api/v1/quotes/{quote_id}").status_code == 404
    rssi = login_as(RSSI_A).get(f"/api/v1/quotes/{quote_id}").json()
    assert json.dumps(rssi["premium"]) and rssi["policy_id"] == policy["id"]
