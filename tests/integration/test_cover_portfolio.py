"""The insurer's portfolio accumulation in the application: a run over the GHTs that granted the insurer and
hold one of its bound policies gives exactly the engine's figures on the same inputs and seed (known
answer, built here from the primitives), is audited, can run in the background or on a Dask scheduler;
a failed run keeps its error and no figures; the pages show the figures in French and English."""

from __future__ import annotations

import json
import re
import time
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cyber360.core.db import utcnow
from cyber360.core.settings import DEMO_PASSWORD
from cyber360.core.uow import UnitOfWork
from cyber360.cover import portfolio_service
from cyber360.cover.portfolio_inputs import load_suppliers, split_ght_model, supplier_of
from cyber360.cover.tables import PolicyRow, PortfolioRunRow
from cyber360.org.auth import build_principal
from cyber360.org.tables import EstablishmentRow, GhtRow, GrantRow, OrganisationRow, UserRow
from cyber360.quant.policy import policy_from_dict
from cyber360.quant.portfolio import Group, Portfolio, Risk, portfolio_summary, simulate_portfolio
from cyber360.risk import service as risk_service
from cyber360.risk.model import EstablishmentProfile, build_ght_model

UNDERWRITER = "assureur@demo.test"
YEARS = 5_000
TERMS_A = {
    "sections": {"all": {"deductible": 100000, "limit": 500000}},
    "annual_aggregate_limit": 800000,
}
TERMS_B = {
    "sections": {
        "asset_damage": {"deductible": 50000, "limit": 2000000},
        "business_interruption": {"deductible": 100000, "limit": 5000000, "share": 0.8},
        "third_party": {"limit": 1000000},
    },
    "operating_loss": {"waiting_period_hours": 12, "indemnity_period_days": 120},
    "annual_aggregate_limit": 6000000,
    "exclude_systemic": True,
}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


# Dataset helpers (also used by test_cover_portfolio_tenancy.py) ---------------------------------------------


def insurer_id(session_factory: Any, name: str | None = None) -> int:
    with session_factory() as session:
        statement = select(OrganisationRow.id).where(OrganisationRow.kind == "insurer")
        if name:
            statement = statement.where(OrganisationRow.name == name)
        return int(session.execute(statement.order_by(OrganisationRow.id)).scalars().first())


def ght_id(session_factory: Any, key: str) -> int:
    names = {
        "a": "GHT Rives de Loire (démo)",
        "b": "GHT Armor-Argoat (démo)",
        "c": "GHT Vallées du Sud (démo)",
    }
    with session_factory() as session:
        return int(session.execute(select(GhtRow.id).where(GhtRow.name == names[key])).scalar_one())


def grant(session_factory: Any, ght: int, organisation: int) -> int:
    with session_factory() as session:
        row = GrantRow(ght_id=ght, organisation_id=organisation, granted_at=utcnow())
        session.add(row)
        session.commit()
        return row.id


def add_policy(
    session_factory: Any, ght: int, insurer: int, terms: Any, status: str = "bound", reference: str = ""
) -> int:
    """A policy written directly (the policy services are another engineer's)."""
    with session_factory() as session:
        count = len(session.execute(select(PolicyRow.id)).all())
        row = PolicyRow(
            ght_id=ght,
            insurer_organisation_id=insurer,
            reference=reference or f"POL-TEST-{count + 1:04d}",
            product="Cyber hôpital",
            status=status,
            terms=terms if isinstance(terms, str) else json.dumps(terms),
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
        )
        session.add(row)
        session.commit()
        return row.id


def add_user(session_factory: Any, email: str, organisation: int, role: str) -> None:
    from cyber360.core import security

    with session_factory() as session:
        session.add(
            UserRow(
                email=email,
                display_name=email,
                password_hash=security.hash_password(DEMO_PASSWORD),
                organisation_id=organisation,
                role=role,
                locale="fr",
            )
        )
        session.commit()


def clear_book(session_factory: Any) -> None:
    """The demo's own bound policies expire: each test writes the book it needs."""
    with session_factory() as session:
        session.execute(
            PolicyRow.__table__.update().where(PolicyRow.status == "bound").values(status="expired")
        )
        session.commit()


def two_ght_book(session_factory: Any) -> tuple[int, int, int]:
    """GHT B grants the demo insurer too; both GHTs hold a bound policy of it. (insurer, A, B)."""
    clear_book(session_factory)
    insurer = insurer_id(session_factory)
    a, b = ght_id(session_factory, "a"), ght_id(session_factory, "b")
    grant(session_factory, b, insurer)
    add_policy(session_factory, a, insurer, TERMS_A)
    add_policy(session_factory, b, insurer, TERMS_B)
    return insurer, a, b


def page_csrf(client: TestClient, url: str) -> str:
    match = CSRF_RE.search(client.get(url).text)
    assert match
    return match.group(1)


# The known answer -------------------------------------------------------------------------------------------


def direct_figures(
    session_factory: Any, book: list[tuple[int, Any]], years: int, seed: int
) -> dict[str, Any]:
    """The engine on the same inputs, built here from the primitives: each GHT's establishments (profile
    and maturity from the database, key ``establishment-<id>``), split per establishment, its own policy."""
    suppliers, shares, wave, supplier_scenario = load_suppliers()
    groups, risks = [], []
    with UnitOfWork(session_factory) as uow:
        session = uow.session
        user = session.execute(select(UserRow).where(UserRow.email == UNDERWRITER)).scalar_one()
        principal = build_principal(uow, user)
        for index, (ght, terms) in enumerate(book):
            row = session.get(GhtRow, ght)
            establishments = list(
                session.execute(
                    select(EstablishmentRow)
                    .where(EstablishmentRow.ght_id == ght)
                    .order_by(EstablishmentRow.id)
                ).scalars()
            )
            keys = [f"establishment-{e.id}" for e in establishments]
            profiles = [
                EstablishmentProfile(**{**risk_service.profile_of(uow, e), "name": key})
                for e, key in zip(establishments, keys, strict=True)
            ]
            maturities = [risk_service.maturity_of(uow, principal, e.id)[0] for e in establishments]
            support = [e.id for e in establishments].index(row.support_establishment_id)
            model = build_ght_model(profiles, maturities, support, risk_service.catalogue())
            models, shared = split_ght_model(model, keys)
            groups.append(Group(f"ght-{ght}", policy_from_dict(terms), shared))
            risks += [Risk(k, m, index, (supplier_of(k, shares),)) for k, m in zip(keys, models, strict=True)]
    portfolio = Portfolio(tuple(groups), tuple(risks), suppliers, wave, supplier_scenario)
    return json.loads(json.dumps(portfolio_summary(simulate_portfolio(portfolio, years, seed))))


def test_a_run_over_two_ghts_gives_the_engines_figures_and_is_audited(
    session_factory, login_as, audit_log
) -> None:  # type: ignore[no-untyped-def]
    _insurer, a, b = two_ght_book(session_factory)
    underwriter = login_as(UNDERWRITER)
    assert [g["id"] for g in underwriter.get("/api/v1/cover/portfolio").json()["ghts"]] == [a, b]
    started = underwriter.post("/api/v1/cover/portfolio/runs", json={"years": YEARS, "seed": 7})
    assert started.status_code == 202, started.text
    run = underwriter.get(f"/api/v1/cover/portfolio/runs/{started.json()['id']}").json()
    assert (run["status"], run["progress"], run["ght_ids"], run["years"], run["seed"]) == (
        "done",
        1.0,
        [a, b],
        YEARS,
        7,
    )
    assert len(run["inputs_sha256"]) == 64 and run["seconds"] > 0
    expected = direct_figures(session_factory, [(a, TERMS_A), (b, TERMS_B)], YEARS, 7)
    assert run["figures"] == expected
    figures = run["figures"]
    assert set(figures["gross"]["by_ght"]) == {f"ght-{a}", f"ght-{b}"}
    assert {"ght_shared_is_ransomware", "common_supplier", "systemic_wave"} <= set(
        figures["gross"]["by_scenario"]
    )
    assert figures["net"]["aal"] < figures["gross"]["aal"]
    assert figures["gross"]["pml_200"] >= figures["gross"]["var"]["95"]
    assert [item["name"] for item in run["book"]] == ["GHT Rives de Loire (démo)", "GHT Armor-Argoat (démo)"]
    assert [item["exclude_systemic"] for item in run["book"]] == [False, True]
    assert sum(item["establishments"] for item in run["book"]) == 10
    # Same inputs and seed: same hash, same figures; another seed: same hash, other figures.
    again = underwriter.post("/api/v1/cover/portfolio/runs", json={"years": YEARS, "seed": 7}).json()
    assert again["inputs_sha256"] == run["inputs_sha256"]
    assert underwriter.get(f"/api/v1/cover/portfolio/runs/{again['id']}").json()["figures"] == expected
    rerun = underwriter.post(f"/api/v1/cover/portfolio/runs/{run['id']}/rerun").json()
    assert (rerun["years"], rerun["seed"], rerun["inputs_sha256"]) == (YEARS, 7, run["inputs_sha256"])
    # Other terms: another inputs hash.
    with session_factory() as session:
        policy = session.execute(select(PolicyRow).where(PolicyRow.ght_id == b)).scalar_one()
        policy.terms = json.dumps({**TERMS_B, "exclude_systemic": False})
        session.commit()
    changed = underwriter.post("/api/v1/cover/portfolio/runs", json={"years": YEARS, "seed": 7}).json()
    assert changed["inputs_sha256"] != run["inputs_sha256"]
    listed = [item["id"] for item in underwriter.get("/api/v1/cover/portfolio/runs").json()]
    assert listed[:4] == [
        changed["id"],
        rerun["id"],
        again["id"],
        run["id"],
    ]  # newest first (then the demo's)
    starts = [r for r in audit_log("cover.portfolio.run.start") if r.object_id == str(run["id"])]
    done = [r for r in audit_log("cover.portfolio.run.done") if r.object_id == str(run["id"])]
    assert len(starts) == len(done) == 1 and starts[0].actor_email == UNDERWRITER
    assert json.loads(starts[0].after)["ght_ids"] == [a, b]
    assert json.loads(done[0].after)["gross_pml_200"] == figures["gross"]["pml_200"]


def test_a_failed_run_keeps_its_error_and_no_figures(session_factory, login_as, audit_log) -> None:  # type: ignore[no-untyped-def]
    clear_book(session_factory)
    insurer = insurer_id(session_factory)
    add_policy(
        session_factory,
        ght_id(session_factory, "a"),
        insurer,
        {"sections": {"all": {"limit": -5}}},
        reference="POL-BROKEN",
    )
    underwriter = login_as(UNDERWRITER)
    started = underwriter.post("/api/v1/cover/portfolio/runs", json={"years": YEARS})
    assert started.status_code == 202
    run = underwriter.get(f"/api/v1/cover/portfolio/runs/{started.json()['id']}").json()
    assert run["status"] == "failed" and run["figures"] is None and run["book"] == []
    assert "POL-BROKEN" in run["error"] and "limit" in run["error"]
    with session_factory() as session:
        assert session.get(PortfolioRunRow, run["id"]).summary == ""
    assert [r.object_id for r in audit_log("cover.portfolio.run.fail")] == [str(run["id"])]
    assert underwriter.get(f"/api/v1/cover/portfolio/runs/{run['id']}/progress").json()["status"] == "failed"
    page = underwriter.get(f"/cover/portfolio/runs/{run['id']}")
    assert page.status_code == 200 and "POL-BROKEN" in page.text and "portfolio-pml-gross" not in page.text


def test_a_longer_run_goes_to_the_background_and_reports_its_progress(session_factory, login_as) -> None:  # type: ignore[no-untyped-def]
    two_ght_book(session_factory)
    underwriter = login_as(UNDERWRITER)
    years = portfolio_service.SYNCHRONOUS_YEARS + 1_000
    started = underwriter.post("/api/v1/cover/portfolio/runs", json={"years": years, "seed": 3}).json()
    deadline = time.monotonic() + 120
    while True:
        progress = underwriter.get(f"/api/v1/cover/portfolio/runs/{started['id']}/progress").json()
        assert 0.0 <= progress["progress"] <= 1.0 and progress["status"] in {"queued", "running", "done"}
        if progress["status"] == "done" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert progress["status"] == "done" and progress["progress"] == 1.0
    assert (
        underwriter.get(f"/api/v1/cover/portfolio/runs/{started['id']}").json()["figures"]["years"] == years
    )


def test_a_run_on_a_dask_scheduler_gives_the_same_figures(session_factory, app_for) -> None:  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("dask.distributed")
    two_ght_book(session_factory)
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster:
        app = app_for(dask_scheduler=cluster.scheduler_address)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            login = client.post("/api/v1/auth/login", json={"email": UNDERWRITER, "password": DEMO_PASSWORD})
            client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
            started = client.post("/api/v1/cover/portfolio/runs", json={"years": 2_000, "seed": 11}).json()
            run = client.get(f"/api/v1/cover/portfolio/runs/{started['id']}").json()
    assert run["status"] == "done", run["error"]
    a, b = ght_id(session_factory, "a"), ght_id(session_factory, "b")
    assert run["figures"] == direct_figures(session_factory, [(a, TERMS_A), (b, TERMS_B)], 2_000, 11)


def test_the_pages_show_the_runs_the_pml_and_the_contributions(session_factory, login_as, db_execute) -> None:  # type: ignore[no-untyped-def]
    two_ght_book(session_factory)
    underwriter = login_as(UNDERWRITER, follow_redirects=False)
    index = underwriter.get("/cover/portfolio")
    assert (
        index.status_code == 200
        and "GHT Armor-Argoat (démo)" in index.text
        and "portfolio-run-form" in index.text
    )
    token = page_csrf(underwriter, "/cover/portfolio")
    refused = underwriter.post(
        "/cover/portfolio/runs", data={"years": "10", "seed": "1", "csrf_token": token}
    )
    assert refused.status_code == 422 and "error-summary" in refused.text
    assert (
        underwriter.post("/cover/portfolio/runs", data={"years": "5000"}).status_code == 403
    )  # no CSRF token
    answer = underwriter.post(
        "/cover/portfolio/runs", data={"years": "5000", "seed": "9", "csrf_token": token}
    )
    assert answer.status_code == 303
    page = underwriter.get(answer.headers["location"])
    assert page.status_code == 200
    for text in ("portfolio-pml-gross", "portfolio-by-ght", "GHT Rives de Loire (démo)", "Rançongiciel",
                 "SI partagé du GHT — Rançongiciel", "Vague systémique", "data/suppliers.yaml",
                 "ght.spread_probability", "data:image/svg+xml;base64,", "PML 1 an sur 200"):  # fmt: skip
        assert text in page.text, text
    run_id = int(answer.headers["location"].rsplit("/", 1)[1])
    assert f"/cover/portfolio/runs/{run_id}" in underwriter.get("/cover/portfolio").text
    rerun = underwriter.post(f"/cover/portfolio/runs/{run_id}/rerun", data={"csrf_token": token})
    assert rerun.status_code == 303 and rerun.headers["location"] != answer.headers["location"]
    db_execute(UserRow.__table__.update().where(UserRow.email == UNDERWRITER).values(locale="en"))
    english = login_as(UNDERWRITER).get(f"/cover/portfolio/runs/{run_id}").text
    for text in (
        "Portfolio accumulation",
        "Contributions by GHT",
        "What drives the accumulation",
        "Systemic wave",
    ):
        assert text in english, text
    assert "Cumul du portefeuille" not in english


def test_no_bound_policy_no_run_and_an_insurer_viewer_reads_only(session_factory, login_as) -> None:  # type: ignore[no-untyped-def]
    clear_book(session_factory)
    insurer = insurer_id(session_factory)
    a = ght_id(session_factory, "a")
    add_policy(session_factory, a, insurer, TERMS_A, status="draft")
    underwriter = login_as(UNDERWRITER)
    refused = underwriter.post("/api/v1/cover/portfolio/runs", json={"years": YEARS})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "ght_ids"
    assert underwriter.get("/api/v1/cover/portfolio").json() == {"ghts": []}
    add_policy(session_factory, a, insurer, TERMS_A)
    run = underwriter.post("/api/v1/cover/portfolio/runs", json={"years": YEARS}).json()
    add_user(session_factory, "lecteur-assureur@demo.test", insurer, "viewer")
    viewer = login_as("lecteur-assureur@demo.test")
    listed = [item["id"] for item in viewer.get("/api/v1/cover/portfolio/runs").json()]
    assert listed == [item["id"] for item in underwriter.get("/api/v1/cover/portfolio/runs").json()]
    assert listed[0] == run["id"]
    assert viewer.get(f"/api/v1/cover/portfolio/runs/{run['id']}").json()["figures"]["gross"]["aal"] > 0
    assert viewer.post("/api/v1/cover/portfolio/runs", json={"years": YEARS}).status_code == 403
    assert viewer.post(f"/api/v1/cover/portfolio/runs/{run['id']}/rerun").status_code == 403
    page = viewer.get("/cover/portfolio")
    assert page.status_code == 200 and "portfolio-run-form" not in page.text


def test_the_demo_runs_one_small_portfolio_when_a_policy_is_bound(session_factory) -> None:  # type: ignore[no-untyped-def]
    from cyber360.cover import portfolio_demo

    with UnitOfWork(session_factory) as uow:
        bound = uow.session.execute(select(PolicyRow.id).where(PolicyRow.status == "bound")).all()
        before = set(uow.session.execute(select(PortfolioRunRow.id)).scalars())
        created = portfolio_demo.load_demo(uow, {})
    assert len(created) == (1 if bound else 0)
    with session_factory() as session:
        rows = list(
            session.execute(select(PortfolioRunRow).where(PortfolioRunRow.id.not_in(before))).scalars()
        )
    assert [(row.status, row.years) for row in rows] == [("done", portfolio_demo.DEMO_YEARS)] * len(created)
    clear_book(session_factory)
    with UnitOfWork(session_factory) as uow:
        assert portfolio_demo.load_demo(uow, {}) == {}
