"""Tenant isolation of the portfolio accumulation, with the kit's helpers (``tenancy.py``).

A run is its insurer's: its underwriters and viewers read it (200), anyone else gets 404 exactly like a
nonexistent id, audited, and every role without an insurer (GHT people, consultant, administrator, buyer)
has no portfolio at all (404 on the lists too). Writes out of scope answer like nonexistent ids and change
nothing; anonymous requests get 401 or the login page. Once a GHT revokes its grant, the runs that include
it are out of scope for the insurer (404, audited) and a new run leaves it out.

Dataset (written by hand): the demo plus the kit's outsider tenant; GHT B grants the demo insurer too; GHTs
A and B hold a bound policy of the demo insurer, GHT X (outsider) one of the other insurer, which gets an
underwriter; the demo insurer gets a viewer. One run each for the two insurers.
"""

from __future__ import annotations

import pytest
import tenancy
from cover_portfolio_routes import COVER_PORTFOLIO_ROUTES
from sqlalchemy import func, select
from tenancy import ACCOUNTS, ASSUREUR, NONEXISTENT_ID, RSSI_B, normalise, route_table
from test_cover_portfolio import TERMS_B, add_policy, add_user, grant, two_ght_book

from cyber360.core.db import make_session_factory
from cyber360.cover.tables import PortfolioRunRow
from cyber360.org.tables import GrantRow

INSURER_VIEWER = "lecteur-assureur@demo.test"
OTHER_UNDERWRITER = "souscripteur@autre-assureur.test"
EVERYONE = sorted({*ACCOUNTS, INSURER_VIEWER, OTHER_UNDERWRITER})
API = ("/api/v1/cover/portfolio/runs/{id}", "/api/v1/cover/portfolio/runs/{id}/progress")
PAGES = ("/cover/portfolio/runs/{id}",)
API_RERUN, PAGE_RERUN = "/api/v1/cover/portfolio/runs/{id}/rerun", "/cover/portfolio/runs/{id}/rerun"
LISTS = ("/api/v1/cover/portfolio/runs", "/api/v1/cover/portfolio")


@pytest.fixture(scope="module")
def runs(world) -> dict[str, set[int]]:  # type: ignore[no-untyped-def]
    """The two insurers' runs (by underwriter): one each made through the API, plus the demo's own runs of
    the demo insurer if the demo made any (over GHT A, which grants it)."""
    factory = make_session_factory(world.engine)
    directory = world.directory
    with factory() as session:
        mine = PortfolioRunRow.insurer_organisation_id == directory.organisations["insurer"]
        demo = set(session.execute(select(PortfolioRunRow.id).where(mine)).scalars())
    two_ght_book(factory)
    other = directory.organisations["other_insurer"]
    add_policy(factory, directory.ghts["x"], other, TERMS_B)
    add_user(factory, OTHER_UNDERWRITER, other, "underwriter")
    add_user(factory, INSURER_VIEWER, directory.organisations["insurer"], "viewer")
    made = {ASSUREUR: demo, OTHER_UNDERWRITER: set()}
    for email in (ASSUREUR, OTHER_UNDERWRITER):
        answer = world.client(email).post("/api/v1/cover/portfolio/runs", json={"years": 2_000, "seed": 5})
        assert answer.status_code == 202 and answer.json()["status"] == "done", answer.text
        made[email] = made[email] | {answer.json()["id"]}
    return made


def _all(runs: dict[str, set[int]]) -> set[int]:
    return runs[ASSUREUR] | runs[OTHER_UNDERWRITER]


def _visible(runs: dict[str, set[int]], email: str) -> set[int]:
    if email in (ASSUREUR, INSURER_VIEWER):
        return runs[ASSUREUR]
    if email == OTHER_UNDERWRITER:
        return runs[OTHER_UNDERWRITER]
    return set()


def _count(world) -> int:  # type: ignore[no-untyped-def]
    with world.engine.connect() as connection:
        return int(connection.execute(select(func.count(PortfolioRunRow.id))).scalar_one())


@pytest.mark.parametrize("email", EVERYONE)
def test_runs_in_scope_200_out_of_scope_404_like_nonexistent_and_audited(world, runs, email: str) -> None:  # type: ignore[no-untyped-def]
    client = world.client(email)
    visible = _visible(runs, email)
    hidden = _all(runs) - visible
    for template in LISTS:
        answer = client.get(template)
        if email in (ASSUREUR, INSURER_VIEWER, OTHER_UNDERWRITER):
            assert answer.status_code == 200, (template, answer.text)
        else:
            assert answer.status_code == 404, (template, answer.status_code)
    if visible:
        assert {item["id"] for item in client.get(LISTS[0]).json()} == visible
    since = world.last_audit_id()
    for template in API:
        nonexistent = client.get(template.format(id=NONEXISTENT_ID))
        assert nonexistent.status_code == 404
        for run_id in visible:
            assert client.get(template.format(id=run_id)).status_code == 200, (template, run_id)
        for run_id in hidden:
            answer = client.get(template.format(id=run_id))
            assert (answer.status_code, answer.json()) == (404, nonexistent.json()), (template, run_id)
    for template in PAGES:
        assert client.get(template.format(id=NONEXISTENT_ID)).status_code == 404
        for run_id in visible:
            assert client.get(template.format(id=run_id)).status_code == 200, (template, run_id)
        for run_id in hidden:
            assert client.get(template.format(id=run_id)).status_code == 404, (template, run_id)
    denied = {(r.object_type, r.object_id) for r in world.audit("access.denied", after_id=since)}
    assert {("cover_portfolio_run", str(run_id)) for run_id in hidden} <= denied
    index = client.get("/cover/portfolio")
    assert index.status_code == (200 if visible else 404)
    for run_id in _all(runs):
        assert (f'/cover/portfolio/runs/{run_id}"' in index.text) is (run_id in visible)


@pytest.mark.parametrize("email", EVERYONE)
def test_writes_out_of_scope_answer_like_nonexistent_and_change_nothing(world, runs, email: str) -> None:  # type: ignore[no-untyped-def]
    client = world.client(email)
    hidden = sorted(_all(runs) - _visible(runs, email))
    before, since = _count(world), world.last_audit_id()
    reference = client.post(API_RERUN.format(id=NONEXISTENT_ID))
    assert reference.status_code == 404
    for run_id in hidden:
        answer = client.post(API_RERUN.format(id=run_id))
        assert (answer.status_code, answer.json()) == (404, reference.json()), run_id
    form = {"csrf_token": client.headers["X-CSRF-Token"]}
    page_reference = client.post(PAGE_RERUN.format(id=NONEXISTENT_ID), data=form)
    assert page_reference.status_code == 404
    for run_id in hidden:
        assert client.post(PAGE_RERUN.format(id=run_id), data=form).status_code == 404
    if email not in (ASSUREUR, OTHER_UNDERWRITER):  # no portfolio to run (404) or a reader only (403)
        started = client.post("/api/v1/cover/portfolio/runs", json={"years": 1_000})
        assert started.status_code == (403 if email == INSURER_VIEWER else 404), started.text
        assert client.post("/cover/portfolio/runs", data={**form, "years": "1000"}).status_code in {403, 404}
    assert _count(world) == before, "an out-of-scope write created a run"
    assert {record.action for record in world.audit(after_id=since)} <= {"access.denied"}


def test_anonymous_gets_401_on_the_api_and_the_login_page_otherwise(world, runs) -> None:  # type: ignore[no-untyped-def]
    anonymous = world.anonymous()
    run_id = min(runs[ASSUREUR])
    for url in (*LISTS, *(template.format(id=run_id) for template in API)):
        assert anonymous.get(url).status_code == 401, url
    assert anonymous.post("/api/v1/cover/portfolio/runs", json={"years": 1_000}).status_code == 401
    assert anonymous.post(f"/api/v1/cover/portfolio/runs/{run_id}/rerun").status_code == 401
    for url in ("/cover/portfolio", f"/cover/portfolio/runs/{run_id}"):
        answer = anonymous.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), url
    answer = anonymous.post(f"/cover/portfolio/runs/{run_id}/rerun", data={"csrf_token": "x"})
    assert answer.status_code in {303, 403}


def test_a_revoked_grant_takes_the_runs_that_include_the_ght_out_of_scope(
    session_factory, login_as, directory, audit_log
) -> None:  # type: ignore[no-untyped-def]
    _insurer, a, b = two_ght_book(session_factory)
    underwriter = login_as(ASSUREUR)
    earlier = [item["id"] for item in underwriter.get("/api/v1/cover/portfolio/runs").json()]  # the demo's
    both = underwriter.post("/api/v1/cover/portfolio/runs", json={"years": 2_000}).json()
    assert both["ght_ids"] == [a, b]
    with session_factory() as session:
        grant_b = session.execute(
            select(GrantRow.id).where(
                GrantRow.ght_id == b, GrantRow.organisation_id == directory.organisations["insurer"]
            )
        ).scalar_one()
    assert login_as(RSSI_B).delete(f"/api/v1/grants/{grant_b}").status_code < 300
    nonexistent = underwriter.get(f"/api/v1/cover/portfolio/runs/{NONEXISTENT_ID}")
    answer = underwriter.get(f"/api/v1/cover/portfolio/runs/{both['id']}")
    assert (answer.status_code, answer.json()) == (404, nonexistent.json())
    assert underwriter.get(f"/cover/portfolio/runs/{both['id']}").status_code == 404
    assert underwriter.post(f"/api/v1/cover/portfolio/runs/{both['id']}/rerun").status_code == 404
    assert [item["id"] for item in underwriter.get("/api/v1/cover/portfolio/runs").json()] == earlier
    denied = [r for r in audit_log("access.denied") if r.object_type == "cover_portfolio_run"]
    assert {r.object_id for r in denied} == {str(both["id"])}
    index = underwriter.get("/cover/portfolio").text
    assert "GHT Armor-Argoat (démo)" not in index and "1 calcul(s) plus anciens" in index
    only_a = underwriter.post("/api/v1/cover/portfolio/runs", json={"years": 2_000}).json()
    assert only_a["ght_ids"] == [a]
    listed = [item["id"] for item in underwriter.get("/api/v1/cover/portfolio/runs").json()]
    assert listed == [only_a["id"], *earlier]
    # Granted again: the old run is back in scope (the consent covers it again).
    grant(session_factory, b, directory.organisations["insurer"])
    assert underwriter.get(f"/api/v1/cover/portfolio/runs/{both['id']}").status_code == 200


def test_every_portfolio_route_with_an_id_is_checked_here_and_registered_in_the_kit(world) -> None:  # type: ignore[no-untyped-def]
    paths = {path for path in route_table(world.app) if "{" in path and "/cover/portfolio" in path}
    declared = {normalise(template) for template in COVER_PORTFOLIO_ROUTES}
    assert paths == declared, sorted(paths ^ declared)
    checked = {normalise(template) for template in (*API, *PAGES, API_RERUN, PAGE_RERUN)}
    assert declared == checked, sorted(declared ^ checked)
    assert set(COVER_PORTFOLIO_ROUTES) <= set(tenancy.routes_checked_elsewhere())
