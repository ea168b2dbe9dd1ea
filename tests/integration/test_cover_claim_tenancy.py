"""Tenant isolation of claims, for every demo role: in scope 200, out of scope 404 exactly like a nonexistent
id (and audited), writes out of scope answer like writes on a nonexistent id and change nothing, anonymous 401
on the API and the login page for pages.

Scopes written by hand (see ``cover_claim_routes``): the administrator and the buyer see no claim; an
establishment user only their establishment's; an underwriter only those on their insurer's policies of the
GHTs that granted it; everybody else the claims of the GHTs they read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from cover_claim_routes import COVER_CLAIM_ROUTES, add_policy
from crisis_support import Clock
from sqlalchemy import select
from tenancy import (
    ACCOUNTS,
    ACHETEUR,
    ADMIN,
    NONEXISTENT_ID,
    ONLY_ESTABLISHMENT,
    OUTSIDER,
    RSSI_A,
    RSSI_B,
    ids_in,
    normalise,
    page_text,
    route_table,
    visible_ght_keys,
)

from cyber360.core.db import Base, make_session_factory
from cyber360.core.uow import UnitOfWork
from cyber360.cover import claim_documents, claim_service
from cyber360.cover.claim_model import ClaimCreate, ClaimItemCreate
from cyber360.cover.tables import ClaimRow, PolicyRow
from cyber360.org.auth import build_principal
from cyber360.org.tables import UserRow

COVER_BLIND = frozenset({ADMIN, ACHETEUR})
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CLAIM_TABLES = sorted(name for name in Base.metadata.tables if name.startswith("cover_claim"))
ITEM = {"section": "asset_damage", "description": "Intrus", "amount_eur": 1}


@dataclass
class Claims:
    """Every claim: its GHT, establishment, policy and insurer; the test's own with an item and a file."""

    ght: dict[int, str] = field(default_factory=dict)
    policy: dict[int, int] = field(default_factory=dict)
    establishment: dict[int, str | None] = field(default_factory=dict)
    insurer: dict[int, int] = field(default_factory=dict)
    item: dict[int, int] = field(default_factory=dict)
    evidence: dict[int, int] = field(default_factory=dict)
    policies: dict[str, int] = field(default_factory=dict)
    organisation_of: dict[str, int] = field(default_factory=dict)

    def visible(self, email: str) -> set[int]:
        if email in COVER_BLIND:
            return set()
        seen = set()
        for claim_id, ght in self.ght.items():
            if ght not in visible_ght_keys(email):
                continue
            if email in ONLY_ESTABLISHMENT and self.establishment[claim_id] != ONLY_ESTABLISHMENT[email]:
                continue
            if ACCOUNTS.get(email) == "underwriter" and self.insurer[claim_id] != self.organisation_of[email]:
                continue
            seen.add(claim_id)
        return seen

    def hidden(self, email: str) -> set[int]:
        return set(self.ght) - self.visible(email)

    def own(self, ids: set[int]) -> list[int]:
        """The claims among ``ids`` this test created (with an item and a file)."""
        return sorted(ids & set(self.evidence))


def _principal(uow: UnitOfWork, email: str):  # type: ignore[no-untyped-def]
    return build_principal(
        uow, uow.session.execute(select(UserRow).where(UserRow.email == email)).scalar_one()
    )


@pytest.fixture(scope="module")
def claims(world) -> Claims:
    d = world.directory
    world.app.state.clock = Clock(NOW)
    factory = make_session_factory(world.engine)
    with factory() as session:
        organisation_of = {
            row.email: row.organisation_id for row in session.execute(select(UserRow)).scalars()
        }
    insurer = organisation_of["assureur@demo.test"]
    policies = {
        "a": add_policy(world.url, d.ghts["a"], insurer),
        "b": add_policy(world.url, d.ghts["b"], insurer),  # GHT B has not granted the insurer
        "x": add_policy(world.url, d.ghts["x"], d.organisations["other_insurer"]),
    }
    store = claim_documents.evidence_store(world.app.state.settings.data_dir, 1_000_000)
    data = Claims(policies=policies, organisation_of=organisation_of)
    for ght, establishment, email in [
        ("a", None, RSSI_A),
        ("a", "ch-estuaire", RSSI_A),
        ("a", "chu-loire", RSSI_A),
        ("b", "ch-armor", RSSI_B),
        ("x", "outsider", OUTSIDER),
    ]:
        with UnitOfWork(factory) as uow:
            principal = _principal(uow, email)
            command = ClaimCreate(
                policy_id=policies[ght],
                establishment_id=d.establishments[establishment] if establishment else None,
                title=f"Sinistre {ght} {establishment}",
                learned_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
                complaint_filed_at=datetime(2026, 3, 2, 20, tzinfo=UTC),
            )
            claim = claim_service.declare(uow, principal, command, now=NOW)
            item = ClaimItemCreate(section="asset_damage", description="Serveurs", amount_eur=200_000)
            claim = claim_documents.add_item(uow, principal, claim.id, item)
            evidence = claim_documents.add_evidence(uow, principal, store, claim.id, "facture.pdf", PDF)
            data.item[claim.id] = claim.items[0].id
            data.evidence[claim.id] = evidence.id
    key_of = {value: key for key, value in d.establishments.items()}
    ght_of = {value: key for key, value in d.ghts.items()}
    with factory() as session:
        rows = session.execute(select(ClaimRow, PolicyRow.insurer_organisation_id).join(PolicyRow)).all()
        for row, insurer_id in rows:
            data.ght[row.id] = ght_of[row.ght_id]
            data.establishment[row.id] = key_of[row.establishment_id] if row.establishment_id else None
            data.insurer[row.id] = insurer_id
            data.policy[row.id] = row.policy_id
    return data


def claim_rows(world) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    with world.engine.connect() as connection:
        return {
            name: sorted(tuple(row) for row in connection.execute(Base.metadata.tables[name].select()))
            for name in CLAIM_TABLES
        }


def fields(claims: Claims, claim_id: int) -> dict[str, int | str]:
    return {
        "id": claim_id,
        "item_id": claims.item.get(claim_id, NONEXISTENT_ID),
        "evidence_id": claims.evidence.get(claim_id, NONEXISTENT_ID),
        "transition": "review",
    }


MISSING = {
    "id": NONEXISTENT_ID,
    "item_id": NONEXISTENT_ID,
    "evidence_id": NONEXISTENT_ID,
    "transition": "review",
}
API_GETS = ("/api/v1/claims/{id}", "/api/v1/claims/{id}/evidence/{evidence_id}")
PAGES = ("/claims/{id}", "/claims/{id}/evidence/{evidence_id}")
API_WRITES = (
    ("PATCH", "/api/v1/claims/{id}", {"degraded_days": 99}),
    ("POST", "/api/v1/claims/{id}/items", ITEM),
    ("DELETE", "/api/v1/claims/{id}/items/{item_id}", None),
    ("POST", "/api/v1/claims/{id}/transitions/{transition}", {}),
)
PAGE_WRITES = (
    ("/claims/{id}/facts", {"degraded_days": "99"}),
    ("/claims/{id}/items", {"section": "asset_damage", "description": "Intrus", "amount_eur": "1"}),
    ("/claims/{id}/items/{item_id}/delete", {}),
    ("/claims/{id}/transitions/{transition}", {}),
)
UPLOADS = ("/api/v1/claims/{id}/evidence", "/claims/{id}/evidence")
EMAILS = [pytest.param(email, id=role) for email, role in ACCOUNTS.items()]


@pytest.mark.parametrize("email", EMAILS)
def test_api_in_scope_200_out_of_scope_404_like_nonexistent_and_audited(email, world, claims):
    client = world.client(email)
    visible = claims.visible(email)
    assert ids_in(client.get("/api/v1/claims").json()) == visible
    since = world.last_audit_id()
    for template in API_GETS:
        nonexistent = client.get(template.format(**MISSING))
        assert nonexistent.status_code == 404, template
        for claim_id in claims.own(visible):
            assert client.get(template.format(**fields(claims, claim_id))).status_code == 200, (
                template,
                claim_id,
            )
        for claim_id in sorted(claims.hidden(email)):
            answer = client.get(template.format(**fields(claims, claim_id)))
            assert (answer.status_code, answer.json()) == (404, nonexistent.json()), (template, claim_id)
    denied = {(r.object_type, r.object_id) for r in world.audit("access.denied", after_id=since)}
    assert {("claim", str(claim_id)) for claim_id in claims.hidden(email)} <= denied


@pytest.mark.parametrize("email", EMAILS)
def test_claims_of_a_ght_and_of_a_policy(email, world, claims):
    client, d = world.client(email), world.directory
    seen = claims.visible(email)
    readable = set() if email in COVER_BLIND else visible_ght_keys(email)
    for key in ("a", "b", "x"):
        answer = client.get(f"/api/v1/ghts/{d.ghts[key]}/claims")
        if key in readable:
            assert answer.status_code == 200 and ids_in(answer.json()) == {
                claim_id for claim_id in seen if claims.ght[claim_id] == key
            }
        else:
            assert answer.status_code == 404
    for key, policy_id in claims.policies.items():
        answer = client.get(f"/api/v1/policies/{policy_id}/claims")
        reads_policy = (
            key in readable
            and email not in ONLY_ESTABLISHMENT
            and (ACCOUNTS[email] != "underwriter" or key == "a")  # the insurer's own policy, granted
        )
        if reads_policy:
            assert answer.status_code == 200, (key, answer.text)
            assert ids_in(answer.json()) == {
                claim_id for claim_id in seen if claims.policy[claim_id] == policy_id
            }
        else:
            assert answer.status_code == 404, (key, answer.status_code)
    assert client.get(f"/api/v1/ghts/{NONEXISTENT_ID}/claims").status_code == 404
    assert client.get(f"/api/v1/policies/{NONEXISTENT_ID}/claims").status_code == 404


@pytest.mark.parametrize("email", EMAILS)
def test_pages_in_scope_200_out_of_scope_404_and_the_list_names_only_the_scope(email, world, claims):
    client = world.client(email)
    for template in PAGES:
        assert client.get(template.format(**MISSING)).status_code == 404, template
        for claim_id in claims.own(claims.visible(email)):
            assert client.get(template.format(**fields(claims, claim_id))).status_code == 200, template
        for claim_id in claims.own(claims.hidden(email)):
            assert client.get(template.format(**fields(claims, claim_id))).status_code == 404, template
    listing = client.get("/claims")
    assert listing.status_code == 200
    with world.engine.connect() as connection:
        references = dict(connection.execute(select(ClaimRow.id, ClaimRow.reference)).all())
    text = page_text(listing.text)
    assert all(references[claim_id] in text for claim_id in claims.visible(email))
    assert not any(references[claim_id] in text for claim_id in claims.hidden(email))


@pytest.mark.parametrize("email", EMAILS)
def test_writes_out_of_scope_answer_like_nonexistent_and_change_nothing(email, world, claims):
    client = world.client(email)
    hidden = claims.own(claims.hidden(email))
    if not hidden:
        assert email == ADMIN or not claims.hidden(email)
    since, snapshot = world.last_audit_id(), claim_rows(world)
    for method, template, body in API_WRITES:
        reference = client.request(method, template.format(**MISSING), json=body)
        assert reference.status_code == 404, (template, reference.text)
        for claim_id in hidden:
            answer = client.request(method, template.format(**fields(claims, claim_id)), json=body)
            assert (answer.status_code, answer.json()) == (404, reference.json()), (template, claim_id)
    for template in UPLOADS:
        files = {"file": ("facture.pdf", PDF, "application/pdf")}
        csrf = {"csrf_token": client.headers["X-CSRF-Token"]}
        reference = client.post(template.format(**MISSING), files=files, data=csrf)
        assert reference.status_code == 404, (template, reference.text)
        for claim_id in hidden:
            answer = client.post(template.format(**fields(claims, claim_id)), files=files, data=csrf)
            assert answer.status_code == 404, (template, claim_id)
    csrf = client.headers["X-CSRF-Token"]
    for template, form in PAGE_WRITES:
        reference = client.post(template.format(**MISSING), data={**form, "csrf_token": csrf}).status_code
        assert reference == 404, template
        for claim_id in hidden:
            answer = client.post(
                template.format(**fields(claims, claim_id)), data={**form, "csrf_token": csrf}
            )
            assert answer.status_code == reference, (template, claim_id)
    # Declaring on a policy out of scope: the field is refused as for a policy that does not exist.
    body = {"policy_id": NONEXISTENT_ID, "title": "x", "learned_at": "2026-03-02T09:00:00+01:00"}
    missing_policy = client.post("/api/v1/claims", json=body)
    for key, policy_id in claims.policies.items():
        if email in COVER_BLIND or key not in visible_ght_keys(email):
            answer = client.post("/api/v1/claims", json={**body, "policy_id": policy_id})
            assert (answer.status_code, answer.json()) == (missing_policy.status_code, missing_policy.json())
    assert missing_policy.status_code in {403, 422}
    assert claim_rows(world) == snapshot, "an out-of-scope write changed something"
    assert {record.action for record in world.audit(after_id=since)} <= {"access.denied"}


def test_anonymous_gets_401_on_the_api_and_the_login_page_otherwise(world, claims):
    anonymous = world.anonymous()
    values = fields(claims, claims.own(set(claims.ght))[0])
    d = world.directory
    for url in (
        "/api/v1/claims",
        "/api/v1/claims/{id}",
        "/api/v1/claims/{id}/evidence/{evidence_id}",
        f"/api/v1/ghts/{d.ghts['a']}/claims",
        f"/api/v1/policies/{claims.policies['a']}/claims",
    ):
        assert anonymous.get(url.format(**values)).status_code == 401, url
    for method, template, body in API_WRITES:
        assert anonymous.request(method, template.format(**values), json=body).status_code == 401, template
    assert anonymous.post("/api/v1/claims", json={"policy_id": 1}).status_code == 401
    assert anonymous.post(UPLOADS[0].format(**values), files={"file": ("a.pdf", PDF)}).status_code == 401
    for template in ("/claims", "/claims/new", *PAGES):
        answer = anonymous.get(template.format(**values))
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), template
    for template, _form in PAGE_WRITES:
        assert anonymous.post(template.format(**values), data={"csrf_token": "x"}).status_code in {303, 403}


def test_every_claim_route_with_an_id_is_checked_here_and_registered(world):
    claim_paths = {path for path in route_table(world.app) if "{" in path and "claims" in path}
    checked = {
        normalise(template)
        for template in (
            *API_GETS,
            *PAGES,
            *UPLOADS,
            *(template for _, template, _ in API_WRITES),
            *(template for template, _ in PAGE_WRITES),
            "/api/v1/ghts/{id}/claims",
            "/api/v1/policies/{id}/claims",
        )
    }
    assert claim_paths == checked, sorted(claim_paths ^ checked)
    assert {normalise(template) for template in COVER_CLAIM_ROUTES} == checked
