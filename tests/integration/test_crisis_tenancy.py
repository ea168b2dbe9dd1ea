"""Tenant isolation of the crisis area: plans, contacts, kits, incidents, logbooks, exercises, playbooks.

The checks of ``test_tenancy.py`` (in scope 200, out of scope 404 exactly like a nonexistent id and audited,
writes out of scope change nothing, anonymous 401 or the login page), run on the shared demo ``world`` with
the kit's hand-written scopes, plus one rule of this area: the cooperative's buyer sees no crisis data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import tenancy
from crisis_routes import CRISIS_ROUTES
from crisis_support import CrisisData, crisis_rows, read_crisis_data
from tenancy import (
    ACCOUNTS,
    ACHETEUR,
    ADMIN,
    NONEXISTENT_ID,
    Write,
    ids_in,
    normalise,
    page_text,
    route_table,
    visible_establishment_keys,
    visible_ght_keys,
)

#: Accounts that see no crisis data at all, whatever their GHTs (written by hand, see the module docstring).
CRISIS_BLIND = frozenset({ACHETEUR})
LOG = {"kind": "fact", "text": "intrusion"}
LESSON = {"summary": "fin", "lessons": []}


@dataclass(frozen=True)
class Crisis:
    name: str
    ids: Callable[[Any, CrisisData], dict[int, str]]  # object id -> establishment key (or GHT key)
    by_ght: bool
    fields: Callable[[CrisisData, int], dict[str, Any]]
    api_gets: tuple[str, ...] = ()
    api_list: str | None = None
    pages: tuple[str, ...] = ()
    writes: tuple[Write, ...] = ()
    page_writes: tuple[Write, ...] = ()
    denied: str = ""

    def visible(self, directory: Any, data: CrisisData, email: str) -> set[int]:
        if email in CRISIS_BLIND:
            return set()
        keys = visible_ght_keys(email) if self.by_ght else visible_establishment_keys(directory, email)
        return {object_id for object_id, key in self.ids(directory, data).items() if key in keys}

    def hidden(self, directory: Any, data: CrisisData, email: str) -> set[int]:
        return set(self.ids(directory, data)) - self.visible(directory, data, email)

    def spread(self, directory: Any, data: CrisisData, ids: set[int], both_ends: bool = True) -> list[int]:
        """A few of ``ids``: the first (and last) of each GHT; reads check every id out of scope."""
        groups: dict[str, list[int]] = {}
        for object_id, key in sorted(self.ids(directory, data).items()):
            if object_id in ids:
                ght = key if self.by_ght else directory.establishment_ght[key]
                groups.setdefault(ght, []).append(object_id)
        return sorted(
            {
                chosen
                for group in groups.values()
                for chosen in (group[0], group[-1] if both_ends else group[0])
            }
        )

    def templates(self) -> set[str]:
        return {*self.api_gets, *self.pages, *(w.url for w in (*self.writes, *self.page_writes))}


def _by_establishment(
    mapping: Callable[[CrisisData], dict[int, int]],
) -> Callable[[Any, CrisisData], dict[int, str]]:
    def ids(directory: Any, data: CrisisData) -> dict[int, str]:
        key_of = {value: key for key, value in directory.establishments.items()}
        return {object_id: key_of[establishment] for object_id, establishment in mapping(data).items()}

    return ids


def _body(values: dict[str, Any]) -> Callable[[Any, Any], dict[str, Any]]:
    return lambda directory, fields: values


PLANS = Crisis(
    name="plans",
    ids=_by_establishment(lambda data: data.plans),
    by_ght=False,
    fields=lambda data, id_: {
        "id": id_,
        "contact_id": data.contact_of_plan[id_],
        "application_id": data.application_of_plan[id_],
    },
    api_list="/api/v1/crisis-plans",
    api_gets=("/api/v1/crisis-plans/{id}", "/api/v1/crisis-plans/{id}/contacts"),
    pages=("/crisis/plans/{id}", "/crisis/plans/{id}/contacts"),
    writes=(
        Write("PATCH", "/api/v1/crisis-plans/{id}", _body({"fallback_room": "Cave"})),
        Write("POST", "/api/v1/crisis-plans/{id}/cell", _body({"role": "rssi", "holder_name": "Intrus"})),
        Write("POST", "/api/v1/crisis-plans/{id}/contacts", _body({"category": "cnil", "name": "Intrus"})),
        Write(
            "POST",
            "/api/v1/crisis-plans/{id}/applications",
            _body({"clinical_service": "pharmacy", "name": "X", "rto_hours": 1, "rpo_hours": 1}),
        ),
        Write("DELETE", "/api/v1/crisis-plans/{id}/contacts/{contact_id}"),
        Write("DELETE", "/api/v1/crisis-plans/{id}/applications/{application_id}"),
    ),
    page_writes=(
        Write("POST", "/crisis/plans/{id}/edit", _body({"fallback_room": "Cave"})),
        Write("POST", "/crisis/plans/{id}/cell", _body({"role": "rssi", "holder_name": "Intrus"})),
        Write("POST", "/crisis/plans/{id}/contacts", _body({"category": "cnil", "name": "Intrus"})),
        Write(
            "POST",
            "/crisis/plans/{id}/applications",
            _body({"clinical_service": "pharmacy", "name": "X", "rto_hours": "1", "rpo_hours": "1"}),
        ),
        Write("POST", "/crisis/plans/{id}/contacts/{contact_id}/delete"),
        Write("POST", "/crisis/plans/{id}/applications/{application_id}/delete"),
    ),
    denied="crisis_plan",
)

KITS = Crisis(
    name="kits",
    ids=lambda directory, data: {value: key for key, value in directory.establishments.items()},
    by_ght=False,
    fields=lambda data, id_: {"id": id_},
    pages=("/crisis/establishments/{id}/kit.html", "/crisis/establishments/{id}/kit.pdf"),
    writes=(
        Write(
            "POST",
            "/api/v1/incidents",
            lambda d, v: {
                "establishment_id": v["id"],
                "scenario": "ransomware",
                "detected_at": "2026-01-01T00:00:00+01:00",
                "personal_data": False,
            },
        ),
        Write(
            "POST",
            "/api/v1/exercises",
            lambda d, v: {"establishment_id": v["id"], "library_id": "rancongiciel-nuit"},
        ),
        Write("POST", "/api/v1/crisis-plans", lambda d, v: {"establishment_id": v["id"]}),
    ),
    page_writes=(
        Write(
            "POST",
            "/crisis/incidents/new",
            lambda d, v: {
                "establishment_id": str(v["id"]),
                "scenario": "ransomware",
                "detected_at": "2026-01-01T00:00",
            },
        ),
        Write(
            "POST",
            "/crisis/exercises/new",
            lambda d, v: {"establishment_id": str(v["id"]), "library_id": "rancongiciel-nuit"},
        ),
        Write("POST", "/crisis/plans", lambda d, v: {"establishment_id": str(v["id"])}),
    ),
    denied="establishment",
)

INCIDENTS = Crisis(
    name="incidents",
    ids=_by_establishment(lambda data: data.incidents),
    by_ght=False,
    fields=lambda data, id_: {
        "id": id_,
        "task_id": data.task_of_incident[id_],
        "kind": "health_report",
        "sequence": 1,
    },
    api_list="/api/v1/incidents",
    api_gets=(
        "/api/v1/incidents/{id}",
        "/api/v1/incidents/{id}/tasks",
        "/api/v1/incidents/{id}/log",
        "/api/v1/incidents/{id}/log/verify",
        "/api/v1/incidents/{id}/log/{sequence}",
        "/api/v1/incidents/{id}/decisions",
    ),
    pages=("/crisis/incidents/{id}", "/crisis/incidents/{id}/sitrep", "/crisis/incidents/{id}/sitrep.pdf"),
    writes=(
        Write("POST", "/api/v1/incidents/{id}/status", _body({"status": "contained"})),
        Write("POST", "/api/v1/incidents/{id}/clocks/{kind}", _body({"evidence": "faux"})),
        Write("POST", "/api/v1/incidents/{id}/tasks/{task_id}", _body({"done": False})),
        Write("POST", "/api/v1/incidents/{id}/log", _body(LOG)),
        Write("POST", "/api/v1/incidents/{id}/close", _body(LESSON)),
    ),
    page_writes=(
        Write("POST", "/crisis/incidents/{id}/log", _body(LOG)),
        Write("POST", "/crisis/incidents/{id}/tasks/{task_id}", _body({"done": "no"})),
        Write("POST", "/crisis/incidents/{id}/clocks/{kind}", _body({"evidence": "faux"})),
        Write("POST", "/crisis/incidents/{id}/status", _body({"status": "contained"})),
        Write("POST", "/crisis/incidents/{id}/close", _body({"summary": "fin"})),
    ),
    denied="incident",
)

EXERCISES = Crisis(
    name="exercises",
    ids=_by_establishment(lambda data: data.exercises),
    by_ght=False,
    fields=lambda data, id_: {"id": id_, "inject_id": "rn-i01", "action_id": "rn-a01"},
    api_list="/api/v1/exercises",
    api_gets=("/api/v1/exercises/{id}", "/api/v1/exercises/{id}/feed"),
    pages=("/crisis/exercises/{id}", "/crisis/exercises/{id}/play"),
    writes=(
        Write("POST", "/api/v1/exercises/{id}/start"),
        Write("POST", "/api/v1/exercises/{id}/injects/{inject_id}/release"),
        Write("POST", "/api/v1/exercises/{id}/actions/{action_id}", _body({"done": True})),
        Write("POST", "/api/v1/exercises/{id}/end", _body({"after_action": "fin"})),
    ),
    page_writes=(
        Write("POST", "/crisis/exercises/{id}/start"),
        Write("POST", "/crisis/exercises/{id}/injects/{inject_id}/release"),
        Write("POST", "/crisis/exercises/{id}/actions/{action_id}", _body({"done": "yes"})),
        Write("POST", "/crisis/exercises/{id}/end", _body({"after_action": "fin"})),
    ),
    denied="exercise",
)

PLAYBOOKS = Crisis(
    name="playbooks",
    ids=lambda directory, data: {value: key for key, value in directory.ghts.items()},
    by_ght=True,
    fields=lambda data, id_: {"id": id_, "scenario": "ransomware"},
    api_gets=("/api/v1/ghts/{id}/playbooks/{scenario}",),
    pages=("/crisis/ghts/{id}/playbooks/{scenario}",),
    writes=(
        Write("PUT", "/api/v1/ghts/{id}/playbooks/{scenario}", _body({"document": "schema_version: 1"})),
        Write("DELETE", "/api/v1/ghts/{id}/playbooks/{scenario}"),
    ),
    page_writes=(Write("POST", "/crisis/ghts/{id}/playbooks/{scenario}", _body({"reset": "yes"})),),
    denied="ght",
)

RESOURCES = [PLANS, KITS, INCIDENTS, EXERCISES, PLAYBOOKS]
CASES = [pytest.param(r, email, id=f"{r.name}-{role}") for r in RESOURCES for email, role in ACCOUNTS.items()]
MISSING = {
    "id": NONEXISTENT_ID,
    "contact_id": NONEXISTENT_ID,
    "application_id": NONEXISTENT_ID,
    "task_id": NONEXISTENT_ID,
    "kind": "health_report",
    "sequence": 1,
    "inject_id": "rn-i01",
    "action_id": "rn-a01",
    "scenario": "ransomware",
}


@pytest.fixture(scope="module")
def crisis(world) -> CrisisData:
    return read_crisis_data(world.engine)


@pytest.mark.parametrize(("resource", "email"), CASES)
def test_api_in_scope_200_out_of_scope_404_like_nonexistent_and_audited(resource, email, world, crisis):
    directory, client = world.directory, world.client(email)
    visible = resource.visible(directory, crisis, email)
    since = world.last_audit_id()
    if resource.api_list:
        answer = client.get(resource.api_list)
        assert answer.status_code == 200 and ids_in(answer.json()) == visible, answer.text
    for template in resource.api_gets:
        nonexistent = client.get(template.format(**MISSING))
        assert nonexistent.status_code == 404, (template, nonexistent.text)
        for object_id in resource.spread(directory, crisis, visible):
            answer = client.get(template.format(**resource.fields(crisis, object_id)))
            assert answer.status_code == 200, (template, object_id, answer.text)
        for object_id in sorted(resource.hidden(directory, crisis, email)):
            answer = client.get(template.format(**resource.fields(crisis, object_id)))
            assert (answer.status_code, answer.json()) == (404, nonexistent.json()), (template, object_id)
    expected = {(resource.denied, str(object_id)) for object_id in resource.hidden(directory, crisis, email)}
    if resource.api_gets:
        denied = {(r.object_type, r.object_id) for r in world.audit("access.denied", after_id=since)}
        assert expected <= denied, expected - denied


@pytest.mark.parametrize(("resource", "email"), CASES)
def test_pages_in_scope_200_out_of_scope_404(resource, email, world, crisis):
    directory, client = world.directory, world.client(email)
    for template in resource.pages:
        assert client.get(template.format(**MISSING)).status_code == 404, template
        # A PDF route renders the very HTML of its page route (checked here too) and costs seconds: out of
        # scope only (test_crisis_plans and test_crisis_incidents fetch PDFs in scope).
        visible = resource.spread(directory, crisis, resource.visible(directory, crisis, email))
        for object_id in [] if template.endswith(".pdf") else visible:
            answer = client.get(template.format(**resource.fields(crisis, object_id)))
            assert answer.status_code == 200, (template, object_id, answer.status_code)
        for object_id in resource.spread(directory, crisis, resource.hidden(directory, crisis, email)):
            answer = client.get(template.format(**resource.fields(crisis, object_id)))
            assert answer.status_code == 404, (template, object_id, answer.status_code)


@pytest.mark.parametrize(("resource", "email"), CASES)
def test_writes_out_of_scope_answer_like_nonexistent_and_change_nothing(resource, email, world, crisis):
    directory, client = world.directory, world.client(email)
    hidden = resource.spread(directory, crisis, resource.hidden(directory, crisis, email), both_ends=False)
    if not hidden:
        assert email == ADMIN
        return
    since, snapshot = world.last_audit_id(), crisis_rows(world.engine)
    for write in resource.writes:
        body = write.body(directory, MISSING) if write.body else None
        reference = client.request(write.method, write.url.format(**MISSING), json=body)
        assert reference.status_code in {404, 422}, (write.url, reference.status_code, reference.text)
        for object_id in hidden:
            values = resource.fields(crisis, object_id)
            body = write.body(directory, values) if write.body else None
            answer = client.request(write.method, write.url.format(**values), json=body)
            assert (answer.status_code, answer.json()) == (reference.status_code, reference.json()), (
                write.url,
                object_id,
            )
    csrf = client.headers["X-CSRF-Token"]
    for write in resource.page_writes:
        form = {**(write.body(directory, MISSING) if write.body else {}), "csrf_token": csrf}
        reference = client.post(write.url.format(**MISSING), data=form).status_code
        assert reference in {403, 404, 422}, (write.url, reference)
        for object_id in hidden:
            values = resource.fields(crisis, object_id)
            form = {**(write.body(directory, values) if write.body else {}), "csrf_token": csrf}
            assert client.post(write.url.format(**values), data=form).status_code == reference, (
                write.url,
                object_id,
            )
    assert crisis_rows(world.engine) == snapshot, "an out-of-scope write changed something"
    assert {record.action for record in world.audit(after_id=since)} <= {"access.denied"}


@pytest.mark.parametrize("resource", [pytest.param(r, id=r.name) for r in RESOURCES])
def test_anonymous_gets_401_on_the_api_and_the_login_page_otherwise(resource, world, crisis):
    anonymous = world.anonymous()
    some = min(resource.ids(world.directory, crisis))
    values = resource.fields(crisis, some)
    for template in (*resource.api_gets, *([resource.api_list] if resource.api_list else [])):
        assert anonymous.get(template.format(**values)).status_code == 401, template
    for write in resource.writes:
        body = write.body(world.directory, values) if write.body else None
        assert anonymous.request(write.method, write.url.format(**values), json=body).status_code == 401, (
            write.url
        )
    for template in resource.pages:
        answer = anonymous.get(template.format(**values))
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), template
    for write in resource.page_writes:
        answer = anonymous.post(write.url.format(**values), data={"csrf_token": "x"})
        assert answer.status_code in {303, 403}, write.url


@pytest.mark.parametrize("email", list(ACCOUNTS))
def test_the_crisis_overview_lists_what_is_in_scope_only(email, world, crisis):
    answer = world.client(email).get("/crisis")
    if email in CRISIS_BLIND:
        assert answer.status_code == 403
        return
    assert answer.status_code == 200
    text = page_text(answer.text)
    with world.engine.connect() as connection:
        titles = dict(connection.exec_driver_sql("SELECT id, title FROM crisis_incidents").fetchall())
    for object_id in INCIDENTS.visible(world.directory, crisis, email):
        assert titles[object_id] in text
    for object_id in INCIDENTS.hidden(world.directory, crisis, email):
        assert titles[object_id] not in text


def test_every_crisis_route_with_an_id_is_checked_here_and_registered_in_the_kit(world):
    crisis_paths = {
        path
        for path in route_table(world.app)
        if (
            "{" in path
            and path.startswith(("/crisis", "/api/v1/crisis", "/api/v1/incidents", "/api/v1/exercises"))
        )
        or "/playbooks/" in path
    }
    checked = {
        normalise(template) for resource in RESOURCES for template in resource.templates() if "{" in template
    }
    assert crisis_paths <= checked, sorted(crisis_paths - checked)
    assert {normalise(template) for template in CRISIS_ROUTES} == checked
    assert set(CRISIS_ROUTES) <= set(tenancy.NOT_TENANT_ROUTES)
