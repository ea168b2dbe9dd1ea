"""Tenant isolation of the assess area, with the foundation's kit (``tenancy.py``): assessments, evidence
files, assets, findings, GHT-private frameworks and the establishment-level exposure routes, for every demo
role. In scope 200; out of scope 404, exactly like a nonexistent id, audited as a denied access; writes out of
scope change nothing; anonymous 401 on the API and a redirect to the login page otherwise.

The administrator and the cooperative's buyer see no assessment or exposure data at all (``access.py``).
The resources and their routes are in ``assess_tenancy.py``, which declares them to the kit's route check.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from assess_tenancy import ANSSI_FIRST, RESOURCES, AssessResource, Write
from sqlalchemy import text
from tenancy import (
    ACCOUNTS,
    ACHETEUR,
    ADMIN,
    NONEXISTENT_ID,
    RSSI_A,
    RSSI_B,
    normalise,
    route_table,
    visible_establishment_keys,
    visible_ght_keys,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
PDF = b"%PDF-1.4\n%%EOF\n"
NO_CONTENT = {ADMIN, ACHETEUR}
ASSESS_TABLES = (
    "assess_frameworks",
    "assessments",
    "assessment_answers",
    "evidence_files",
    "assets",
    "findings",
    "scan_imports",
)


def _rows(engine: Any, statement: str) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(statement)))


@pytest.fixture(scope="module")
def data(world) -> dict[str, Any]:
    """The assess objects of the shared world: demo assessments, assets and findings of GHT A and B, plus a
    GHT-private framework and an evidence file in each."""
    directory = world.directory
    key_of = {value: key for key, value in directory.establishments.items()}
    ght_key = {value: key for key, value in directory.ghts.items()}
    mini = (FIXTURES / "frameworks" / "mini-framework.yaml").read_bytes()
    frameworks, evidence = {}, {}
    for email, draft_key in ((RSSI_A, "hp-vendee"), (RSSI_B, "ehpad-argoat")):
        client = world.client(email)
        imported = client.post("/api/v1/frameworks", files={"file": ("mini.yaml", mini)})
        assert imported.status_code == 201, imported.text
        frameworks[imported.json()["id"]] = f"ght:{ght_key[imported.json()['ght_id']]}"
        (draft,) = client.get(
            f"/api/v1/assessments?establishment_id={directory.establishments[draft_key]}"
        ).json()
        attached = client.post(
            f"/api/v1/assessments/{draft['id']}/evidence",
            files={"file": ("pv.pdf", PDF)},
            data={"requirement_urn": ANSSI_FIRST},
        )
        assert attached.status_code == 201, attached.text
        evidence[attached.json()["id"]] = draft_key
    result = {
        "assessments": {
            row[0]: key_of[row[1]]
            for row in _rows(world.engine, "SELECT id, establishment_id FROM assessments")
        },
        "assets": {
            row[0]: key_of[row[1]] for row in _rows(world.engine, "SELECT id, establishment_id FROM assets")
        },
        "findings": {
            row[0]: key_of[row[1]] for row in _rows(world.engine, "SELECT id, establishment_id FROM findings")
        },
        "establishments": {value: key for key, value in directory.establishments.items()},
        "frameworks": frameworks,
        "evidence": evidence,
    }
    ghts_with = {directory.establishment_ght[key] for key in result["assets"].values()}
    assert {"a", "b"} <= ghts_with, "the demo has exposure data in two GHTs"
    return result


def visible(world, data, resource: AssessResource, email: str) -> set[int]:
    if email in NO_CONTENT:
        return set()
    establishments = visible_establishment_keys(world.directory, email)
    ghts = visible_ght_keys(email)
    return {
        object_id
        for object_id, scope in resource.scopes(data).items()
        if (scope.removeprefix("ght:") in ghts if scope.startswith("ght:") else scope in establishments)
    }


def snapshot(world) -> tuple[Any, ...]:
    tables = tuple(
        sorted(map(tuple, _rows(world.engine, f"SELECT * FROM {table}"))) for table in ASSESS_TABLES
    )
    folder = Path(world.app.state.settings.data_dir) / "evidence"
    return (*tables, sorted(path.name for path in folder.iterdir()) if folder.exists() else [])


def _url(template: str, object_id: int) -> str:
    return template.replace("{id}", str(object_id))


def _send(client, write: Write, object_id: int):
    url = _url(write.url, object_id)
    if write.form is not None:
        form = {**write.form, "csrf_token": client.headers["X-CSRF-Token"]}
        files = (
            {"file": ("scan.xml", (FIXTURES / "scans" / "hospital.nmap.xml").read_bytes())}
            if write.files
            else None
        )
        return client.post(url, data=form, files=files)
    if write.files:
        return client.request(
            write.method,
            url,
            files={"file": ("hospital.nmap.xml", PDF)},
            data={"requirement_urn": ANSSI_FIRST},
        )
    return client.request(write.method, url, json=write.json)


CASES = [
    pytest.param(resource, email, id=f"{resource.name}-{role}")
    for resource in RESOURCES
    for email, role in ACCOUNTS.items()
]


@pytest.mark.parametrize(("resource", "email"), CASES)
def test_in_scope_200_out_of_scope_404_like_nonexistent(resource: AssessResource, email, world, data):
    client = world.client(email)
    seen = visible(world, data, resource, email)
    hidden = set(resource.scopes(data)) - seen
    since = world.last_audit_id()
    if resource.api_list:
        answer = client.get(resource.api_list)
        assert answer.status_code == 200 and {item["id"] for item in answer.json()} == seen
    for object_id in sorted(seen):
        for template in (*resource.reads, *resource.pages):
            answer = client.get(_url(template, object_id))
            assert answer.status_code == 200, (template, object_id, answer.status_code, answer.text[:300])
    for template in (*resource.reads, *resource.pages):
        reference = client.get(_url(template, NONEXISTENT_ID))
        assert reference.status_code == 404, (template, reference.status_code)
        for object_id in sorted(hidden):
            answer = client.get(_url(template, object_id))
            assert answer.status_code == 404, (template, object_id, answer.status_code)
            if template.startswith("/api/"):
                assert answer.json() == reference.json(), "out of scope must look exactly like nonexistent"
    denied = {
        (record.object_type, record.object_id) for record in world.audit("access.denied", after_id=since)
    }
    assert {(resource.denied, str(object_id)) for object_id in hidden} <= denied
    assert {record.actor_email for record in world.audit(after_id=since)} <= {email}


@pytest.mark.parametrize(("resource", "email"), [case for case in CASES if case.values[0].writes])
def test_writes_out_of_scope_look_like_nonexistent_and_change_nothing(
    resource: AssessResource, email, world, data
):
    client = world.client(email)
    hidden = sorted(set(resource.scopes(data)) - visible(world, data, resource, email))
    before, since = snapshot(world), world.last_audit_id()
    for write in resource.writes:
        reference = _send(client, write, NONEXISTENT_ID)
        assert reference.status_code == 404, (write, reference.status_code, reference.text[:300])
        for object_id in hidden:
            answer = _send(client, write, object_id)
            assert answer.status_code == reference.status_code, (write, object_id, answer.status_code)
            if write.form is None:
                assert answer.json() == reference.json()
    assert snapshot(world) == before, "an out-of-scope write changed something"
    assert {record.action for record in world.audit(after_id=since)} <= {"access.denied"}


@pytest.mark.parametrize("resource", [pytest.param(resource, id=resource.name) for resource in RESOURCES])
def test_anonymous_gets_401_or_the_login_page(resource: AssessResource, world, data):
    anonymous = world.anonymous()
    object_id = min(resource.scopes(data))
    for template in resource.reads:
        answer = anonymous.get(_url(template, object_id))
        assert answer.status_code == 401 and answer.json()["detail"][0]["type"] == "error.unauthenticated"
    for template in resource.pages:
        answer = anonymous.get(_url(template, object_id))
        assert answer.status_code in {302, 303} and answer.headers["location"].startswith("/login")
    before = snapshot(world)
    for write in resource.writes:
        if write.form is None:
            assert _send(anonymous, write, object_id).status_code == 401
        else:
            answer = anonymous.post(_url(write.url, object_id), data={"csrf_token": "x"})
            assert answer.status_code in {302, 303, 403}
    assert snapshot(world) == before


def test_list_pages_name_only_what_is_in_scope(world, data):
    for email in ACCOUNTS:
        page = world.client(email).get("/assess")
        assert page.status_code == 200, email
        shown = {int(found) for found in re.findall(r'href="/assess/assessments/(\d+)"', page.text)}
        assert shown == visible(world, data, RESOURCES[0], email), email


def test_every_assess_route_with_an_id_is_covered(world):
    declared = {
        normalise(template.split("?")[0])
        for resource in RESOURCES
        for template in (*resource.reads, *resource.pages, *(write.url for write in resource.writes))
    }
    ours = re.compile(
        r"^/(assess/|api/v1/(assessments|evidence|assets|findings|frameworks)/"
        r"|api/v1/establishments/\{\}/(scans|assets|exposure|control-maturity))"
    )
    undeclared = sorted(
        path for path in route_table(world.app) if "{" in path and ours.match(path) and path not in declared
    )
    assert not undeclared, f"assess routes with an id not covered by this kit: {undeclared}"
