"""Tenant isolation for every resource and every demo role (the kit and how to extend it: ``tenancy.py``)."""

from __future__ import annotations

import json
import re

import pytest
from tenancy import (
    ACCOUNTS,
    ACHETEUR,
    ADMIN,
    ASSUREUR,
    CONSULTANT,
    ETAB,
    MEMBER_GHTS,
    NONEXISTENT_ID,
    NOT_TENANT_ROUTES,
    RESOURCES,
    RSSI_A,
    Resource,
    has_get_route,
    ids_in,
    normalise,
    page_text,
    route_table,
    routes_checked_elsewhere,
)

CASES = [
    pytest.param(resource, email, id=f"{resource.name}-{role}")
    for resource in RESOURCES
    for email, role in ACCOUNTS.items()
]
RESOURCE_CASES = [pytest.param(resource, id=resource.name) for resource in RESOURCES]


def _url(template: str, values: dict[str, object]) -> str:
    return template.format(**values)


def _sample(ids: set[int]) -> list[int]:
    """First, middle and last id: where checking every id adds time but no new path (the API and detail pages
    check every id out of scope; writes, forms and in-scope pages go through the same lookups)."""
    ordered = sorted(ids)
    return sorted({ordered[0], ordered[len(ordered) // 2], ordered[-1]}) if ordered else []


@pytest.mark.parametrize(("resource", "email"), CASES)
def test_api_answers_in_scope_and_404_out_of_scope(resource: Resource, email, world):
    directory = world.directory
    client = world.client(email)
    since = world.last_audit_id()
    visible = resource.visible(directory, email)
    assert visible, "every account sees something of every resource in the dataset"

    if resource.api_list:
        answer = client.get(resource.api_list)
        assert answer.status_code == 200, answer.text
        assert ids_in(answer.json()) == visible

    for object_id in sorted(visible):
        values = resource.fields(directory, object_id)
        answer = client.get(_url(resource.api_detail, values))
        assert answer.status_code == 200, (object_id, answer.text)
        assert object_id in ids_in(answer.json()) or not answer.json()

    nonexistent = client.get(_url(resource.api_detail, resource.nonexistent_fields()))
    assert nonexistent.status_code == 404
    object_type, key = resource.denied
    expected_denials = set()
    for object_id in sorted(resource.out_of_scope(directory, email)):
        values = resource.fields(directory, object_id)
        answer = client.get(_url(resource.api_detail, values))
        assert answer.status_code == 404, (email, object_id, answer.status_code, answer.text)
        assert answer.json() == nonexistent.json(), "out of scope must look exactly like nonexistent"
        expected_denials.add((object_type, str(values[key])))
    records = world.audit("access.denied", after_id=since)
    assert {(r.object_type, r.object_id) for r in records} == expected_denials, (
        "denied accesses audited, once each"
    )
    assert {(r.actor_email, r.actor_user_id) for r in records} <= {(email, directory.users[email])}


@pytest.mark.parametrize(("resource", "email"), CASES)
def test_writes_out_of_scope_look_like_nonexistent_and_change_nothing(resource: Resource, email, world):
    directory = world.directory
    if not resource.writes:
        pytest.skip("no write route")
    out_of_scope = _sample(resource.out_of_scope(directory, email))
    if not out_of_scope:
        assert email == ADMIN
        return
    client = world.client(email)
    since = world.last_audit_id()
    snapshot = world.tenant_rows()
    for write in resource.writes:
        missing_values = {"id": NONEXISTENT_ID, "ght_id": NONEXISTENT_ID}
        reference = client.request(
            write.method,
            _url(write.url, missing_values),
            json=write.body(directory, missing_values) if write.body else None,
        )
        assert reference.status_code in {404, 422}, (write, reference.status_code, reference.text)
        for object_id in out_of_scope:
            values = resource.fields(directory, object_id)
            answer = client.request(
                write.method,
                _url(write.url, values),
                json=write.body(directory, values) if write.body else None,
            )
            assert (answer.status_code, answer.json()) == (reference.status_code, reference.json()), (
                write,
                object_id,
                answer.text,
            )
    assert world.tenant_rows() == snapshot, "an out-of-scope write changed something"
    assert {record.action for record in world.audit(after_id=since)} <= {"access.denied"}


def _missing(template: str) -> str:
    return template.format(**dict.fromkeys(re.findall(r"{(\w+)}", template), NONEXISTENT_ID))


@pytest.mark.parametrize(("resource", "email"), CASES)
def test_pages_in_scope_and_404_out_of_scope(resource: Resource, email, world):
    directory = world.directory
    present = [page for page in (*resource.pages, *resource.edit_pages, *resource.list_pages)]
    if not any(has_get_route(world.app, page) for page in present):
        pytest.skip(f"no page route yet for {resource.name}")
    client = world.client(email)
    visible = resource.visible(directory, email)
    hidden = resource.out_of_scope(directory, email)
    for template in (*resource.pages, *resource.edit_pages):
        if not has_get_route(world.app, template):
            continue
        nonexistent = client.get(_missing(template)).status_code
        assert nonexistent in {403, 404}, (template, nonexistent)
        allowed = {200, 403} if template in resource.edit_pages else {200}
        for object_id in _sample(visible):
            answer = client.get(_url(template, resource.fields(directory, object_id)))
            assert answer.status_code in (allowed if nonexistent == 404 else {403}), (
                template,
                object_id,
                answer.status_code,
            )
        for object_id in sorted(hidden) if template in resource.pages else _sample(hidden):
            answer = client.get(_url(template, resource.fields(directory, object_id)))
            assert answer.status_code == nonexistent, (template, object_id, answer.status_code)
    for template in resource.list_pages:
        if not has_get_route(world.app, template):
            continue
        answer = client.get(template)
        if answer.status_code == 403:
            continue  # a role without this page at all (no object revealed)
        assert answer.status_code == 200, (template, answer.status_code)
        if resource.label is None:
            continue
        text = page_text(answer.text)
        for object_id in visible:
            assert resource.label(directory, object_id) in text, (template, object_id)
        for object_id in hidden:
            assert resource.label(directory, object_id) not in text, (template, object_id)


@pytest.mark.parametrize(("resource", "email"), CASES)
def test_form_posts_out_of_scope_look_like_nonexistent_and_change_nothing(resource: Resource, email, world):
    directory = world.directory
    writes = [
        write
        for write in resource.page_writes
        if "POST" in route_table(world.app).get(normalise(write.url), ())
    ]
    if not writes:
        pytest.skip(f"no form route yet for {resource.name}")
    out_of_scope = _sample(resource.out_of_scope(directory, email))
    if not out_of_scope:
        assert email == ADMIN
        return
    client = world.client(email)
    csrf = client.headers["X-CSRF-Token"]
    since = world.last_audit_id()
    snapshot = world.tenant_rows()
    for write in writes:
        missing_values = {"id": NONEXISTENT_ID, "ght_id": NONEXISTENT_ID}
        form = {**(write.body(directory, missing_values) if write.body else {}), "csrf_token": csrf}
        reference = client.post(_url(write.url, missing_values), data=form).status_code
        assert reference in {403, 404, 422}, (write, reference)
        for object_id in out_of_scope:
            values = resource.fields(directory, object_id)
            form = {**(write.body(directory, values) if write.body else {}), "csrf_token": csrf}
            answer = client.post(_url(write.url, values), data=form)
            assert answer.status_code == reference, (write, object_id, answer.status_code)
    assert world.tenant_rows() == snapshot, "an out-of-scope form changed something"
    assert {record.action for record in world.audit(after_id=since)} <= {"access.denied"}


@pytest.mark.parametrize("resource", RESOURCE_CASES)
def test_anonymous_gets_401_on_the_api_and_the_login_page_otherwise(resource: Resource, world):
    directory = world.directory
    anonymous = world.anonymous()
    some_id = min(resource.ids(directory))
    values = resource.fields(directory, some_id)
    urls = [_url(resource.api_detail, values)] + ([resource.api_list] if resource.api_list else [])
    for url in urls:
        answer = anonymous.get(url)
        assert answer.status_code == 401, (url, answer.status_code)
        assert answer.json()["detail"][0]["type"] == "error.unauthenticated"
    for write in resource.writes:
        answer = anonymous.request(
            write.method, _url(write.url, values), json=write.body(directory, values) if write.body else None
        )
        assert answer.status_code == 401, (write, answer.status_code)
    for template in [*resource.pages, *resource.edit_pages, *resource.list_pages]:
        if not has_get_route(world.app, template):
            continue
        answer = anonymous.get(_url(template, values))
        assert answer.status_code in {302, 303}, (template, answer.status_code)
        assert answer.headers["location"].startswith("/login"), answer.headers["location"]
    for write in resource.page_writes:
        if "POST" not in route_table(world.app).get(normalise(write.url), ()):
            continue
        form = write.body(directory, values) if write.body else {}
        answer = anonymous.post(_url(write.url, values), data={**form, "csrf_token": "x"})
        assert answer.status_code in {302, 303, 403}, (write, answer.status_code)
        assert answer.status_code == 403 or answer.headers["location"].startswith("/login")


def test_every_route_with_an_id_is_covered(world):
    """A route with an id in its path that the kit does not know is a route nobody checked for isolation."""
    declared = {normalise(template) for template in (*NOT_TENANT_ROUTES, *routes_checked_elsewhere())}
    for resource in RESOURCES:
        declared |= {normalise(resource.api_detail), *map(normalise, (*resource.pages, *resource.edit_pages))}
        declared |= {normalise(write.url) for write in (*resource.writes, *resource.page_writes)}
    undeclared = sorted(path for path in route_table(world.app) if "{" in path and path not in declared)
    assert not undeclared, (
        f"routes with an id not covered by the tenancy kit (tests/integration/tenancy.py): {undeclared}"
    )


# Scenarios the issue names --------------------------------------------------------------------------------


def test_rssi_a_sees_exactly_the_six_establishments_of_ght_a(directory, login_as):
    answer = login_as(RSSI_A).get("/api/v1/establishments")
    establishments = answer.json()
    assert len(establishments) == 6
    assert {item["ght_id"] for item in establishments} == {directory.ghts["a"]}
    assert {"id", "name", "ght_id"} <= set(establishments[0])
    assert login_as(RSSI_A).get(f"/api/v1/establishments?ght_id={directory.ghts['b']}").json() == []


def test_underwriter_sees_only_ght_a_until_the_grant_is_revoked(directory, login_as, audit_log):
    underwriter = login_as(ASSUREUR)
    assert ids_in(underwriter.get("/api/v1/ghts").json()) == {directory.ghts["a"]}
    ght_a = directory.ghts["a"]
    chu = directory.establishments["chu-loire"]
    assert underwriter.get(f"/api/v1/establishments/{chu}").status_code == 200

    rssi_a = login_as(RSSI_A)
    grants = rssi_a.get(f"/api/v1/ghts/{ght_a}/grants").json()
    insurer_grant = next(
        grant for grant in grants if grant["organisation_id"] == directory.organisations["insurer"]
    )
    revoked = rssi_a.delete(f"/api/v1/grants/{insurer_grant['id']}")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None

    # The same session, at once: nothing left in scope.
    assert underwriter.get("/api/v1/ghts").json() == []
    assert underwriter.get("/api/v1/establishments").json() == []
    assert underwriter.get(f"/api/v1/ghts/{ght_a}").status_code == 404
    assert underwriter.get(f"/api/v1/establishments/{chu}").status_code == 404

    (record,) = [r for r in audit_log("grant.revoked") if r.object_id == str(insurer_grant["id"])]
    assert record.actor_email == RSSI_A
    assert record.ght_id == ght_a
    assert json.loads(record.before) == {"revoked_at": None}
    assert json.loads(record.after)["revoked_at"]
    denied = [r for r in audit_log("access.denied") if r.actor_email == ASSUREUR]
    assert {(r.object_type, r.object_id) for r in denied} >= {
        ("ght", str(ght_a)),
        ("establishment", str(chu)),
    }

    # Granting again is audited too and restores the access.
    granted = rssi_a.post(
        "/api/v1/grants", json={"ght_id": ght_a, "organisation_id": directory.organisations["insurer"]}
    )
    assert granted.status_code == 201, granted.text
    assert underwriter.get(f"/api/v1/ghts/{ght_a}").status_code == 200
    assert [r for r in audit_log("grant.created") if r.object_id == str(granted.json()["id"])]


def test_consultant_and_buyer_lists(directory, login_as):
    assert ids_in(login_as(CONSULTANT).get("/api/v1/ghts").json()) == {
        directory.ghts["a"],
        directory.ghts["b"],
    }
    assert ids_in(login_as(ACHETEUR).get("/api/v1/ghts").json()) == {
        directory.ghts[key] for key in MEMBER_GHTS
    }
    assert ids_in(login_as(ETAB).get("/api/v1/establishments").json()) == {
        directory.establishments["ch-estuaire"]
    }


def test_a_nonexistent_id_is_not_audited_as_denied(directory, login_as, audit_log):
    before = len(audit_log("access.denied"))
    assert login_as(RSSI_A).get(f"/api/v1/establishments/{NONEXISTENT_ID}").status_code == 404
    assert len(audit_log("access.denied")) == before
