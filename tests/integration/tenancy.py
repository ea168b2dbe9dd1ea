"""Tenant-isolation test kit: every resource, every demo role, in scope 200, out of scope 404, anonymous 401.

A hospital's data here is a map of its weaknesses, so the rule is checked for every resource the same way
(DESIGN.md: "an object outside the scope is a 404, never a 403"). ``test_tenancy.py`` runs, for each
``Resource`` of ``RESOURCES`` and each account of ``ACCOUNTS``:

* the API list answers exactly the ids the account may see (no more, no fewer);
* the API detail of every id in scope is 200; of every id out of scope is 404 with the very body a
  nonexistent id gets, and an ``access.denied`` audit record names the account and the object;
* every write aimed at an object out of scope answers exactly what the same write on a nonexistent id
  answers (404, or 422 naming the field for an id in a body; never 403, never 2xx) and changes nothing;
* the HTML pages declared for the resource, *when the application has that route* (looked up in
  ``app.routes``), answer 200 in scope and, out of scope, what a nonexistent id gets (404; or 403 for
  every id when the role has no such page at all); edit forms may answer 403 in scope (readable, not
  changeable); form POSTs (with a valid CSRF token) aimed out of scope answer like nonexistent ones and
  change nothing; list pages name every object in scope and none out of scope;
* anonymous requests get 401 on the API and a redirect to ``/login`` on pages.

``test_every_route_with_an_id_is_covered`` fails when the application has a route with an id in its path
that no resource (or ``NOT_TENANT_ROUTES``) declares: a new route cannot escape the kit.

What an account may see is written by hand below (``VISIBLE_GHTS`` etc.) from the demo dataset
(``data/demo/organisation.yaml``) plus an *outsider* tenant the fixture adds (GHT "x": not a member of the
cooperative, with a user and a grant to an organisation no demo account belongs to), so that every role
but the platform administrator has something out of scope. The expectations are never computed by the
code under test.

Plugging in a new resource (later issues: assessments, scenarios, policies, incidents...)
---------------------------------------------------------------------------------------------
1. Make sure the dataset has objects of it in at least two GHTs: extend ``Directory`` (``build_directory``
   reads the database) or create them in a fixture of your own and pass them in ``Directory.extra``.
2. Append a ``Resource`` to ``RESOURCES`` with:
   ``ids(directory)`` every id of the resource in the dataset; ``visible(directory, email)`` the ids the
   account must see (derive it from ``visible_ght_keys`` / ``visible_establishment_keys``);
   ``fields(directory, id)`` the values the URL templates need (``{"id": ..., "ght_id": ...}``);
   ``api_list`` / ``api_detail`` URL templates; ``pages`` (detail), ``list_pages`` and ``edit_pages``
   templates, checked once the route exists; ``writes`` (JSON API) and ``page_writes`` (form POSTs):
   (method, URL template, body factory) aimed at one object;
   ``denied`` the (object_type, field) the ``access.denied`` record names; ``label`` the text a list
   page shows for an object.
3. Run ``pytest tests/integration/test_tenancy.py``: the coverage test tells you which routes with an id
   are still undeclared.

An area whose scopes do not fit the generic checks (say, a resource some role may not see at all) checks
its routes in its own test with these helpers and declares them in ``tests/integration/<area>_routes.py``:
a module-level dict whose name ends in ``ROUTES`` (template -> who checks it). The coverage test reads
every such file (``routes_checked_elsewhere``), so the declaration holds whichever tests are run.
"""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cyber360.core.db import utcnow
from cyber360.org.tables import EstablishmentRow, GhtRow, GrantRow, OrganisationRow, UserRow

ADMIN = "admin@demo.test"
RSSI_A = "rssi-a@demo.test"
RSSI_B = "rssi-b@demo.test"
DG_A = "dg-a@demo.test"
ETAB = "etab-estuaire@demo.test"
ASSUREUR = "assureur@demo.test"
CONSULTANT = "consultant@demo.test"
ACHETEUR = "acheteur@demo.test"
OUTSIDER = "rssi-x@outsider.test"

#: One demo account per role (the role is in the test id).
ACCOUNTS: dict[str, str] = {
    ADMIN: "platform_admin",
    RSSI_A: "ght_manager",
    RSSI_B: "ght_manager",
    DG_A: "viewer",
    ETAB: "establishment_user",
    ASSUREUR: "underwriter",
    CONSULTANT: "consultant",
    ACHETEUR: "cooperative_buyer",
}

#: An id no object has (inside the 32-bit range every database accepts).
NONEXISTENT_ID = 987_654

# What each account may see, written by hand from the dataset ------------------------------------------------

#: The demo's member GHTs: A, B, C with accounts; D to G without (issue 6: the cooperative's figures need
#: at least five subscribed GHTs); and the outsider "x".
MEMBER_GHTS = frozenset({"a", "b", "c", "d", "e", "f", "g"})
ALL_GHTS = MEMBER_GHTS | {"x"}
VISIBLE_GHTS: dict[str, frozenset[str]] = {
    ADMIN: ALL_GHTS,
    RSSI_A: frozenset({"a"}),
    RSSI_B: frozenset({"b"}),
    DG_A: frozenset({"a"}),
    ETAB: frozenset({"a"}),
    ASSUREUR: frozenset({"a"}),  # granted by GHT A only
    CONSULTANT: frozenset({"a", "b"}),  # granted by A and B
    ACHETEUR: MEMBER_GHTS,  # the cooperative's members, not the outsider
}
#: Accounts that see one establishment only, whatever their GHT.
ONLY_ESTABLISHMENT: dict[str, str] = {ETAB: "ch-estuaire"}
#: Users an account may see in the directory: the administrator all, a GHT manager their organisation's,
#: everybody else themselves.
VISIBLE_USERS: dict[str, frozenset[str] | None] = {
    ADMIN: None,  # None: every user
    RSSI_A: frozenset({RSSI_A, DG_A, ETAB}),
    RSSI_B: frozenset({RSSI_B}),
}


@dataclass
class Directory:
    """The dataset's ids by readable key (GHT key, establishment key, e-mail; grants by id)."""

    ghts: dict[str, int]
    ght_names: dict[str, str]
    establishments: dict[str, int]
    establishment_names: dict[str, str]
    establishment_ght: dict[str, str]
    users: dict[str, int]
    grants: dict[int, str]  # grant id -> GHT key
    organisations: dict[str, int]  # kind (or "other_insurer") -> id
    extra: dict[str, Any] = field(default_factory=dict)

    def ght_key(self, ght_id: int) -> str:
        return next(key for key, value in self.ghts.items() if value == ght_id)


def visible_ght_keys(email: str) -> frozenset[str]:
    return VISIBLE_GHTS[email]


def visible_establishment_keys(directory: Directory, email: str) -> frozenset[str]:
    if email in ONLY_ESTABLISHMENT:
        return frozenset({ONLY_ESTABLISHMENT[email]})
    ghts = visible_ght_keys(email)
    return frozenset(key for key, ght in directory.establishment_ght.items() if ght in ghts)


def _visible_users(directory: Directory, email: str) -> set[int]:
    emails = VISIBLE_USERS.get(email, frozenset({email}))
    if emails is None:
        return set(directory.users.values())
    return {directory.users[item] for item in emails}


# Building the dataset ---------------------------------------------------------------------------------------

OUTSIDER_FINESS = "130100010"  # fictional; valid check key


def add_outsider_tenant(session_factory: sessionmaker[Session]) -> None:
    """A GHT outside the cooperative, with an establishment, a manager and a grant to a fifth organisation."""
    from cyber360.core import security

    with session_factory() as session:
        organisation = OrganisationRow(kind="ght", name="GHT Hors coopérative (test)")
        other_insurer = OrganisationRow(kind="insurer", name="Autre assureur (test)")
        session.add_all([organisation, other_insurer])
        session.flush()
        ght = GhtRow(
            organisation_id=organisation.id,
            cooperative_id=None,
            name="GHT Hors coopérative (test)",
            region="Corse",
            subscribed=False,
        )
        session.add(ght)
        session.flush()
        establishment = EstablishmentRow(
            ght_id=ght.id,
            name="Centre hospitalier Hors-Champ",
            finess=OUTSIDER_FINESS,
            kind="ch",
            beds=200,
            annual_revenue_eur=40_000_000,
            patients_per_year=30_000,
        )
        session.add(establishment)
        session.flush()
        ght.support_establishment_id = establishment.id
        session.add(
            UserRow(
                email=OUTSIDER,
                display_name="RSSI hors coopérative",
                password_hash=security.hash_password("outsider-password-123"),
                organisation_id=organisation.id,
                role="ght_manager",
                locale="fr",
            )
        )
        session.add(GrantRow(ght_id=ght.id, organisation_id=other_insurer.id, granted_at=utcnow()))
        session.commit()


def build_directory(session_factory: sessionmaker[Session]) -> Directory:
    """Read the dataset's ids (demo data plus the outsider tenant) from the database."""
    import yaml

    from cyber360.org.demo import DEMO_FILE

    demo = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    ght_key_by_name = {spec["name"]: spec["key"] for spec in demo["ghts"]}
    establishment_key_by_finess = {
        item["finess"]: item["key"] for spec in demo["ghts"] for item in spec["establishments"]
    }
    with session_factory() as session:
        ghts: dict[str, int] = {}
        ght_names: dict[str, str] = {}
        for row in session.execute(select(GhtRow)).scalars():
            key = ght_key_by_name.get(row.name, "x")
            ghts[key] = row.id
            ght_names[key] = row.name
        ght_key = {value: key for key, value in ghts.items()}
        establishments: dict[str, int] = {}
        names: dict[str, str] = {}
        establishment_ght: dict[str, str] = {}
        for row in session.execute(select(EstablishmentRow)).scalars():
            key = establishment_key_by_finess.get(row.finess, "outsider")
            establishments[key] = row.id
            names[key] = row.name
            establishment_ght[key] = ght_key[row.ght_id]
        users = {row.email: row.id for row in session.execute(select(UserRow)).scalars()}
        grants = {row.id: ght_key[row.ght_id] for row in session.execute(select(GrantRow)).scalars()}
        organisations = {
            ("other_insurer" if row.name == "Autre assureur (test)" else row.kind): row.id
            for row in session.execute(
                select(OrganisationRow).where(OrganisationRow.kind != "ght").order_by(OrganisationRow.id)
            ).scalars()
        }
    assert set(ghts) == ALL_GHTS, ghts
    return Directory(ghts, ght_names, establishments, names, establishment_ght, users, grants, organisations)


# Resources --------------------------------------------------------------------------------------------------

BodyFactory = Callable[[Directory, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Write:
    """A write aimed at one object; out of scope it must answer what a nonexistent target answers."""

    method: str
    url: str
    body: BodyFactory | None = None


@dataclass(frozen=True)
class Resource:
    """A kind of tenant object and how to reach it (see the module docstring)."""

    name: str
    ids: Callable[[Directory], set[int]]
    visible: Callable[[Directory, str], set[int]]
    fields: Callable[[Directory, int], dict[str, Any]]
    api_detail: str
    api_list: str | None = None
    pages: tuple[str, ...] = ()
    list_pages: tuple[str, ...] = ()
    edit_pages: tuple[str, ...] = ()  # GET forms: in scope 200 or 403 (may read, not change); else 404
    writes: tuple[Write, ...] = ()
    page_writes: tuple[Write, ...] = ()  # form POSTs; the kit adds the session's CSRF token
    denied: tuple[str, str] = ("", "id")  # object_type and field of the access.denied record
    label: Callable[[Directory, int], str] | None = None  # what a list page shows for an object

    def out_of_scope(self, directory: Directory, email: str) -> set[int]:
        return self.ids(directory) - self.visible(directory, email)

    def nonexistent_fields(self) -> dict[str, Any]:
        return dict.fromkeys(
            re.findall(r"{(\w+)}", self.api_detail + self.api_list_or_empty()), NONEXISTENT_ID
        )

    def api_list_or_empty(self) -> str:
        return self.api_list or ""


def _establishment_body(directory: Directory, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "ght_id": values["id"],
        "name": "Hôpital pirate",
        "finess": "440400067",
        "kind": "ch",
        "beds": 10,
        "annual_revenue_eur": 1_000_000,
        "patients_per_year": 1_000,
    }


def _grant_body(directory: Directory, values: Mapping[str, Any]) -> dict[str, Any]:
    return {"ght_id": values["id"], "organisation_id": directory.organisations["other_insurer"]}


def _ght_label(directory: Directory, ght_id: int) -> str:
    return directory.ght_names[directory.ght_key(ght_id)]


def _establishment_key(directory: Directory, establishment_id: int) -> str:
    return next(key for key, value in directory.establishments.items() if value == establishment_id)


def _user_email(directory: Directory, user_id: int) -> str:
    return next(email for email, value in directory.users.items() if value == user_id)


def _establishment_form(directory: Directory, values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: str(value) for key, value in _establishment_body(directory, values).items()}


GHTS = Resource(
    name="ghts",
    ids=lambda d: set(d.ghts.values()),
    visible=lambda d, email: {d.ghts[key] for key in visible_ght_keys(email)},
    fields=lambda d, id_: {"id": id_},
    api_list="/api/v1/ghts",
    api_detail="/api/v1/ghts/{id}",
    pages=("/ghts/{id}",),
    list_pages=("/ghts",),
    edit_pages=("/ghts/{id}/edit",),
    writes=(
        Write("PATCH", "/api/v1/ghts/{id}", lambda d, v: {"name": "GHT usurpé"}),
        Write("POST", "/api/v1/establishments", _establishment_body),
        Write("POST", "/api/v1/grants", _grant_body),
    ),
    page_writes=(
        Write("POST", "/ghts/{id}/edit", lambda d, v: {"name": "GHT usurpé", "region": "Nulle part"}),
        Write("POST", "/ghts/{id}/subscription", lambda d, v: {"subscribed": "false"}),
        Write(
            "POST",
            "/ghts/{id}/grants",
            lambda d, v: {"organisation_id": str(d.organisations["other_insurer"])},
        ),
        Write("POST", "/establishments/new", _establishment_form),
    ),
    denied=("ght", "id"),
    label=_ght_label,
)

ESTABLISHMENTS = Resource(
    name="establishments",
    ids=lambda d: set(d.establishments.values()),
    visible=lambda d, email: {d.establishments[key] for key in visible_establishment_keys(d, email)},
    fields=lambda d, id_: {"id": id_},
    api_list="/api/v1/establishments",
    api_detail="/api/v1/establishments/{id}",
    pages=("/establishments/{id}",),
    list_pages=("/establishments",),
    edit_pages=("/establishments/{id}/edit",),
    writes=(Write("PATCH", "/api/v1/establishments/{id}", lambda d, v: {"beds": 1}),),
    page_writes=(
        Write(
            "POST",
            "/establishments/{id}/edit",
            lambda d, v: {k: val for k, val in _establishment_form(d, v).items() if k != "ght_id"},
        ),
    ),
    denied=("establishment", "id"),
    label=lambda d, id_: d.establishment_names[_establishment_key(d, id_)],
)

USERS = Resource(
    name="users",
    ids=lambda d: set(d.users.values()),
    visible=_visible_users,
    fields=lambda d, id_: {"id": id_},
    api_list="/api/v1/users",
    api_detail="/api/v1/users/{id}",
    pages=("/admin/users/{id}",),
    list_pages=("/admin/users",),
    edit_pages=("/admin/users/{id}/edit",),
    writes=(Write("PATCH", "/api/v1/users/{id}", lambda d, v: {"display_name": "Compte usurpé"}),),
    page_writes=(
        Write(
            "POST",
            "/admin/users/{id}/edit",
            lambda d, v: {"display_name": "Compte usurpé", "is_active": "no"},
        ),
    ),
    denied=("user", "id"),
    label=_user_email,
)

#: Grants have no detail route of their own: a grant is read in its GHT's list and revoked by id.
GRANTS = Resource(
    name="grants",
    ids=lambda d: set(d.grants),
    visible=lambda d, email: {gid for gid, ght in d.grants.items() if ght in visible_ght_keys(email)},
    fields=lambda d, id_: {"id": id_, "ght_id": d.ghts[d.grants[id_]]},
    api_detail="/api/v1/ghts/{ght_id}/grants",
    pages=("/ghts/{ght_id}/grants",),
    writes=(Write("DELETE", "/api/v1/grants/{id}"),),
    page_writes=(Write("POST", "/grants/{id}/revoke"),),
    denied=("ght", "ght_id"),
)

RESOURCES: list[Resource] = [GHTS, ESTABLISHMENTS, USERS, GRANTS]

#: Routes with an id in their path that are not tenant objects, and why.
NOT_TENANT_ROUTES: dict[str, str] = {
    "/static/{path}": "packaged assets",
    "/api/v1/me/tokens/{}": "the acting user's own API tokens, looked up with their user id (test_auth)",
    "/account/tokens/{}/revoke": "the same, from the account page",
}


def routes_checked_elsewhere() -> dict[str, str]:
    """Routes the areas check in their own tenancy tests, from ``tests/integration/*_routes.py``."""
    found: dict[str, str] = {}
    for path in sorted(Path(__file__).parent.glob("*_routes.py")):
        module = importlib.import_module(path.stem)
        for name, value in vars(module).items():
            if name.endswith("ROUTES") and isinstance(value, dict):
                found.update(value)
    return found


# Helpers the tests use --------------------------------------------------------------------------------------


def normalise(path: str) -> str:
    """A route template with its parameter names erased: ``/ghts/{ght_id}`` -> ``/ghts/{}``."""
    return re.sub(r"{[^}]+}", "{}", path)


def route_table(app: Any) -> dict[str, set[str]]:
    """The application's routes: normalised path -> methods."""
    table: dict[str, set[str]] = {}

    def walk(routes: Any, prefix: str) -> None:
        for route in routes:
            # FastAPI >= 0.16x keeps included routers nested instead of copying their routes.
            included = getattr(route, "original_router", None)
            if included is not None:
                walk(included.routes, prefix + getattr(route.include_context, "prefix", ""))
                continue
            path = getattr(route, "path", None)
            if path is None:
                continue
            methods = getattr(route, "methods", None) or {"GET"}
            table.setdefault(normalise(prefix + path), set()).update(methods)

    walk(app.routes, "")
    return table


def has_get_route(app: Any, template: str) -> bool:
    return "GET" in route_table(app).get(normalise(template), set())


def ids_in(answer: Any) -> set[int]:
    """The ids in a JSON answer (a list of objects, or one object)."""
    if isinstance(answer, list):
        return {item["id"] for item in answer}
    return {answer["id"]}


def page_text(body: str) -> str:
    """The text of an HTML page, entities decoded, tags dropped."""
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


# Issue 7: the crisis area's routes with an id, checked by test_crisis_tenancy.py (see crisis_routes.py).
from crisis_routes import CRISIS_ROUTES  # noqa: E402

NOT_TENANT_ROUTES.update(CRISIS_ROUTES)

# Issue 5: the risk area's routes with an id, checked by test_risk_tenancy.py (see risk_routes.py).
from risk_routes import RISK_ROUTES  # noqa: E402

NOT_TENANT_ROUTES.update({normalise(path): why for path, why in RISK_ROUTES.items()})

# Issue 4: the assess area's routes with an id, checked by test_assess_tenancy.py (see assess_tenancy.py).
import assess_tenancy  # noqa: E402, F401
