"""Policies and quotes through the API and the pages, on a real database: create, change, bind, price now
and after the plan's top actions, every change audited, a refused request leaving nothing, and the stored
premium checked against the engine on the same net losses."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, insert, select, update
from tenancy import ASSUREUR, CONSULTANT, DG_A, RSSI_A, page_text

from cyber360.cover.tables import PolicyRow, QuoteRow
from cyber360.org.tables import GhtRow, GrantRow, OrganisationRow, UserRow
from cyber360.quant.policy import policy_from_dict
from cyber360.quant.pricing import technical_premium
from cyber360.quant.terms import simulate_net
from cyber360.risk import service as risk_service

PRODUCT = "cyber-sante-ght"
NEW_POLICY = {"product": PRODUCT, "period_start": "2027-01-01", "period_end": "2027-12-31"}


def _ght(db_execute, name_start: str) -> int:
    rows = db_execute(select(GhtRow.id, GhtRow.name).order_by(GhtRow.id))
    return next(row.id for row in rows if row.name.startswith(name_start))


@pytest.fixture
def ghts(db_execute) -> dict[str, int]:
    """The demo GHTs by key, and the cooperative's organisation."""
    return {
        "a": _ght(db_execute, "GHT Rives"),
        "b": _ght(db_execute, "GHT Armor"),
        "c": _ght(db_execute, "GHT Vallées"),
        "cooperative": db_execute(select(OrganisationRow.id).where(OrganisationRow.kind == "cooperative"))[0][
            0
        ],
    }


@pytest.fixture
def demo_policy(login_as) -> dict:
    (policy,) = login_as(ASSUREUR).get("/api/v1/policies").json()
    return policy


def _count(db_execute, table) -> int:
    return db_execute(select(func.count()).select_from(table))[0][0]


def _detail(answer) -> dict:
    (item,) = answer.json()["detail"]
    return item


# Policies ---------------------------------------------------------------------------------------------------


def test_the_demo_has_a_bound_policy_of_the_insurer_on_ght_a_with_a_quote(login_as, ghts, demo_policy):
    assert demo_policy["ght_id"] == ghts["a"] and demo_policy["status"] == "bound"
    assert demo_policy["terms"]["operating_loss"] == {
        "waiting_period_hours": 12,
        "indemnity_period_days": 120,
    }
    quotes = login_as(ASSUREUR).get(f"/api/v1/policies/{demo_policy['id']}/quotes").json()
    assert len(quotes) == 1 and quotes[0]["technical_premium_after_eur"] < quotes[0]["technical_premium_eur"]
    assert login_as(RSSI_A).get(f"/api/v1/ghts/{ghts['a']}/policies").json()[0]["id"] == demo_policy["id"]
    assert login_as("rssi-b@demo.test").get(f"/api/v1/ghts/{ghts['b']}/policies").json() == []


def test_underwriter_creates_changes_and_binds_a_policy_each_change_audited(login_as, ghts, audit_log):
    underwriter = login_as(ASSUREUR)
    created = underwriter.post(f"/api/v1/ghts/{ghts['a']}/policies", json=NEW_POLICY)
    assert created.status_code == 201, created.text
    policy = created.json()
    assert policy["status"] == "draft" and re.fullmatch(r"C360-2027-\d{6}", policy["reference"])
    assert policy["terms"]["sections"]["asset_damage"] == {
        "deductible": 100000,
        "limit": 10000000,
        "annual_aggregate_limit": 10000000,
    }
    (record,) = [r for r in audit_log("cover.policy.create") if r.object_id == str(policy["id"])]
    assert json.loads(record.before) is None
    assert json.loads(record.after)["terms_sha256"] == policy["terms_sha256"]
    assert record.ght_id == ghts["a"] and record.actor_email == ASSUREUR

    terms = policy["terms"]
    terms["sections"]["asset_damage"]["deductible"] = 200000
    changed = underwriter.patch(f"/api/v1/policies/{policy['id']}", json={"terms": terms})
    assert changed.status_code == 200, changed.text
    bound = underwriter.patch(f"/api/v1/policies/{policy['id']}", json={"status": "bound"})
    assert bound.json()["status"] == "bound"
    updates = [
        (json.loads(r.before), json.loads(r.after))
        for r in audit_log("cover.policy.update")
        if r.object_id == str(policy["id"])
    ]
    assert [before["terms"]["sections"]["asset_damage"]["deductible"] for before, _ in updates] == [
        100000,
        200000,
    ]
    assert updates[0][1]["terms"]["sections"]["asset_damage"]["deductible"] == 200000
    assert (updates[1][0]["status"], updates[1][1]["status"]) == ("draft", "bound")

    # A bound policy's terms are frozen: refused with a clear message, in the user's language.
    terms["sections"]["asset_damage"]["deductible"] = 1
    frozen = underwriter.patch(f"/api/v1/policies/{policy['id']}", json={"terms": terms})
    assert frozen.status_code == 422
    assert _detail(frozen)["field"] == "terms" and "figées" in _detail(frozen)["msg"]
    english = underwriter.patch(
        f"/api/v1/policies/{policy['id']}",
        json={"period_end": "2027-06-30"},
        headers={"Accept-Language": "en"},
    )
    assert _detail(english)["field"] == "period_end" and "frozen" in _detail(english)["msg"]
    back = underwriter.patch(f"/api/v1/policies/{policy['id']}", json={"status": "draft"})
    assert back.status_code == 422 and _detail(back)["field"] == "status"
    after = underwriter.get(f"/api/v1/policies/{policy['id']}").json()
    assert after["terms"]["sections"]["asset_damage"]["deductible"] == 200000 and after["status"] == "bound"
    assert len([r for r in audit_log("cover.policy.update") if r.object_id == str(policy["id"])]) == 2


def test_refused_terms_name_the_field_and_leave_nothing(login_as, ghts, db_execute, audit_log):
    underwriter = login_as(ASSUREUR)
    before = (_count(db_execute, PolicyRow), len(audit_log()))
    body = {**NEW_POLICY, "terms": {"sections": {"asset_damage": {"limit": -1}}}}
    refused = underwriter.post(f"/api/v1/ghts/{ghts['a']}/policies", json=body)
    assert refused.status_code == 422
    assert _detail(refused) | {"msg": ""} == {
        "field": "terms.sections.asset_damage.limit",
        "loc": ["body", "terms.sections.asset_damage.limit"],
        "msg": "",
        "type": "error.cover_terms_positive",
    }
    assert _detail(refused)["msg"] == "Doit être strictement positif."
    english = underwriter.post(
        f"/api/v1/ghts/{ghts['a']}/policies", json=body, headers={"Accept-Language": "en"}
    )
    assert _detail(english)["msg"] == "Must be more than zero."
    backwards = underwriter.post(
        f"/api/v1/ghts/{ghts['a']}/policies", json={**NEW_POLICY, "period_end": "2026-06-30"}
    )
    assert _detail(backwards)["field"] == "period_end"
    unknown = underwriter.post(f"/api/v1/ghts/{ghts['a']}/policies", json={**NEW_POLICY, "product": "x"})
    assert _detail(unknown)["field"] == "product"
    assert (_count(db_execute, PolicyRow), len(audit_log())) == before


def test_a_request_failing_half_way_rolls_back_its_first_half(login_as, ghts, audit_log):
    underwriter = login_as(ASSUREUR)
    policy = underwriter.post(f"/api/v1/ghts/{ghts['a']}/policies", json=NEW_POLICY).json()
    terms = {**policy["terms"], "annual_aggregate_limit": 1_000_000}
    since = len(audit_log())
    # The terms are valid and applied first; the status move (draft -> expired) is refused: nothing stays.
    answer = underwriter.patch(f"/api/v1/policies/{policy['id']}", json={"terms": terms, "status": "expired"})
    assert answer.status_code == 422 and _detail(answer)["field"] == "status"
    assert underwriter.get(f"/api/v1/policies/{policy['id']}").json()["terms"] == policy["terms"]
    assert len(audit_log()) == since


def test_only_the_policy_insurer_underwriter_changes_terms(login_as, ghts, demo_policy):
    for email in (RSSI_A, DG_A, CONSULTANT):
        client = login_as(email)
        assert client.get(f"/api/v1/policies/{demo_policy['id']}").status_code == 200
        assert client.post(f"/api/v1/ghts/{ghts['a']}/policies", json=NEW_POLICY).status_code == 403
        answer = client.patch(f"/api/v1/policies/{demo_policy['id']}", json={"status": "cancelled"})
        assert answer.status_code == 403
    # Quotes: the underwriter or the GHT's manager; not the viewer, not the consultant.
    for email in (DG_A, CONSULTANT):
        answer = login_as(email).post(f"/api/v1/policies/{demo_policy['id']}/quotes", json={"years": 1000})
        assert answer.status_code == 403


def test_only_a_subscribing_member_ght_that_granted_the_insurer_is_insured(login_as, ghts, db_execute):
    underwriter = login_as(ASSUREUR)
    # GHT B has not granted the insurer: for the underwriter it does not exist.
    assert underwriter.post(f"/api/v1/ghts/{ghts['b']}/policies", json=NEW_POLICY).status_code == 404
    # GHT C grants the insurer but has not subscribed the offer; then a GHT outside the cooperative.
    insurer = db_execute(select(OrganisationRow.id).where(OrganisationRow.kind == "insurer"))[0][0]
    db_execute(insert(GrantRow).values(ght_id=ghts["c"], organisation_id=insurer))
    refused = underwriter.post(f"/api/v1/ghts/{ghts['c']}/policies", json=NEW_POLICY)
    assert refused.status_code == 422 and _detail(refused)["field"] == "ght_id"
    assert "membre de la coopérative" in _detail(refused)["msg"]
    db_execute(update(GhtRow).where(GhtRow.id == ghts["c"]).values(subscribed=True, cooperative_id=None))
    assert underwriter.post(f"/api/v1/ghts/{ghts['c']}/policies", json=NEW_POLICY).status_code == 422
    db_execute(update(GhtRow).where(GhtRow.id == ghts["c"]).values(cooperative_id=ghts["cooperative"]))
    assert underwriter.post(f"/api/v1/ghts/{ghts['c']}/policies", json=NEW_POLICY).status_code == 201


# Quotes -----------------------------------------------------------------------------------------------------


def test_a_quote_prices_now_and_after_the_plan_exactly_as_the_engine(
    login_as, demo_policy, session_factory, audit_log
):
    answer = login_as(RSSI_A).post(
        f"/api/v1/policies/{demo_policy['id']}/quotes", json={"years": 4000, "seed": 7, "top_actions": 3}
    )
    assert answer.status_code == 201, answer.text
    quote = answer.json()
    assert quote["technical_premium_after_eur"] < quote["technical_premium_eur"]
    assert len(quote["actions"]) == 3 and all(a["control_id"] for a in quote["actions"])
    assert [a["return_ratio"] for a in quote["actions"]] == sorted(
        (a["return_ratio"] for a in quote["actions"]), reverse=True
    )
    savings = sum(action["premium_saving_eur"] for action in quote["actions"])
    assert savings == pytest.approx(quote["saving_eur"], rel=1e-9)
    assert quote["actions"][-1]["premium_after_eur"] == quote["technical_premium_after_eur"]
    breakdown = quote["premium"]
    assert breakdown["technical"] == pytest.approx(breakdown["risk_premium"] + breakdown["capital_cost"])
    assert quote["expected_loss_stderr_eur"] > 0 and quote["net"]["aal_stderr"] > 0
    assert quote["gross"]["var"]["99.5"] >= quote["net"]["var"]["99.5"]

    # Known answer: the stored premium is technical_premium on the same net losses, now and after.
    with session_factory() as session:
        row = session.get(QuoteRow, quote["id"])
        inputs, stored_net = json.loads(row.inputs), json.loads(row.net)
        assert row.inputs_sha256 == risk_service.sha256_of(inputs)
        assert row.terms_sha256 == risk_service.sha256_of(inputs["terms"])
    policy = policy_from_dict(inputs["terms"])

    def premium(risk_inputs):
        net = simulate_net(
            risk_service.build(risk_inputs), policy, 4000, 7, block_years=stored_net["block_years"]
        )
        return technical_premium(net.total_aggregate, policy.loadings, complaint_probability=0.95)

    assert premium(inputs["risk"]) == json.loads(row.premium) == quote["premium"]
    after = json.loads(json.dumps(inputs["risk"]))
    for action in inputs["actions"]:
        member = next(
            m for m in after["establishments"] if m["establishment_id"] == action["establishment_id"]
        )
        member["maturity"][action["control_id"]] = next(
            a["target_level"] for a in quote["actions"] if a["action_id"] == action["action_id"]
        )
    assert premium(after) == quote["premium_after"]

    # The underwriter sees the same quote; the creation is audited.
    assert login_as(ASSUREUR).get(f"/api/v1/quotes/{quote['id']}").json() == quote
    (record,) = [r for r in audit_log("cover.quote.create") if r.object_id == str(quote["id"])]
    assert record.actor_email == RSSI_A
    assert json.loads(record.after)["technical_premium_eur"] == quote["technical_premium_eur"]


def test_refused_quotes_store_nothing(login_as, ghts, demo_policy, db_execute):
    underwriter = login_as(ASSUREUR)
    before = _count(db_execute, QuoteRow)
    url = f"/api/v1/policies/{demo_policy['id']}/quotes"
    assert _detail(underwriter.post(url, json={"years": 10}))["field"] == "years"
    budget = underwriter.post(url, json={"years": 200_000, "top_actions": 20})
    assert _detail(budget)["field"] == "top_actions" and "au plus 4 actions" in _detail(budget)["msg"]
    draft = underwriter.post(f"/api/v1/ghts/{ghts['a']}/policies", json=NEW_POLICY).json()
    underwriter.patch(f"/api/v1/policies/{draft['id']}", json={"status": "cancelled"})
    closed = underwriter.post(f"/api/v1/policies/{draft['id']}/quotes", json={"years": 1000})
    assert closed.status_code == 409 and "ne se tarifie plus" in _detail(closed)["msg"]
    assert _count(db_execute, QuoteRow) == before


def test_without_quantified_open_actions_the_premium_after_is_the_premium_now(login_as, demo_policy):
    quote = login_as(ASSUREUR).post(
        f"/api/v1/policies/{demo_policy['id']}/quotes", json={"years": 1000, "top_actions": 0}
    )
    body = quote.json()
    assert body["actions"] == [] and body["premium_after"] == body["premium"] and body["saving_eur"] == 0


# Pages and the underwriting file ----------------------------------------------------------------------------


def test_underwriter_pages_create_edit_bind_and_quote(login_as, ghts, db_execute):
    client = login_as(ASSUREUR, follow_redirects=False)
    csrf = client.headers["X-CSRF-Token"]
    index = page_text(client.get("/cover").text)
    assert (
        f"C360-{date.today().year}-" in index and "GHT Rives de Loire" in index and "Nouvelle police" in index
    )
    assert client.get(f"/ghts/{ghts['a']}/policies/new").status_code == 200
    created = client.post(f"/ghts/{ghts['a']}/policies", data={**NEW_POLICY, "csrf_token": csrf})
    assert created.status_code == 303, created.text
    policy_url = created.headers["location"].split("?")[0]
    form = {
        "csrf_token": csrf,
        "sections.asset_damage.covered": "yes",
        "sections.asset_damage.deductible": "250 000",
        "sections.asset_damage.limit": "8 000 000",
        "sections.business_interruption.covered": "yes",
        "sections.business_interruption.limit": "15000000",
        "operating_loss.waiting_period_hours": "24",
        "operating_loss.indemnity_period_days": "90",
        "exclude_systemic": "yes",
    }
    assert client.post(f"{policy_url}/terms", data=form).status_code == 303
    html = client.get(policy_url).text
    page = page_text(html)
    assert "franchise de 250\u202f000\xa0€ par sinistre" in page and "délai de carence de 24 heures" in page
    terms_table = page_text(re.search(r'<table id="cover-terms">.*?</table>', html, re.S).group(0))
    assert "Dommages propres" in terms_table and "Responsabilité civile" not in terms_table
    assert "L.12-10-1" in page
    wrong = client.post(f"{policy_url}/terms", data={**form, "sections.asset_damage.limit": "-3"})
    assert wrong.status_code == 422 and "Doit être strictement positif." in page_text(wrong.text)
    assert 'id="f-sections.asset_damage.limit"' in wrong.text
    assert client.post(f"{policy_url}/terms", data={**form, "csrf_token": "x"}).status_code == 403
    assert (
        client.post(f"{policy_url}/status", data={"status": "bound", "csrf_token": csrf}).status_code == 303
    )
    quoted = client.post(
        f"{policy_url}/quotes", data={"years": "5000", "top_actions": "2", "csrf_token": csrf}
    )
    assert quoted.status_code == 303
    quote_page = page_text(client.get(quoted.headers["location"]).text)
    for text in (
        "Décomposition de la prime technique",
        "Coût du capital",
        "Après les 2 premières actions du plan",
    ):
        assert text in quote_page
    bad = client.post(f"{policy_url}/quotes", data={"years": "beaucoup", "csrf_token": csrf})
    assert bad.status_code == 422 and "Le devis n'a pas été calculé" in page_text(bad.text)
    db_execute(update(UserRow).where(UserRow.email == ASSUREUR).values(locale="en"))
    english = page_text(client.get(quoted.headers["location"]).text)
    assert "Technical premium breakdown" in english and "Cost of capital" in english


def test_rssi_reads_the_policy_and_runs_a_quote_from_the_page(login_as, demo_policy):
    client = login_as(RSSI_A, follow_redirects=False)
    page = client.get(f"/policies/{demo_policy['id']}")
    assert (
        page.status_code == 200
        and "Calculer le devis" in page.text
        and "Enregistrer les conditions" not in page.text
    )
    form = {"years": "5000", "top_actions": "5", "csrf_token": client.headers["X-CSRF-Token"]}
    quoted = client.post(f"/policies/{demo_policy['id']}/quotes", data=form)
    assert quoted.status_code == 303 and quoted.headers["location"].startswith("/quotes/")
    viewer = login_as(DG_A).get(f"/policies/{demo_policy['id']}").text
    assert "Calculer le devis" not in viewer and "72 heures" in viewer


def test_the_underwriting_file_in_french_and_english(login_as, demo_policy):
    from cyber360.cover import report

    for email in (ASSUREUR, RSSI_A):
        answer = login_as(email).get(f"/api/v1/policies/{demo_policy['id']}/underwriting.pdf")
        assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
        assert answer.headers["content-type"] == "application/pdf"
    english = login_as(ASSUREUR).get(
        f"/api/v1/policies/{demo_policy['id']}/underwriting.pdf", headers={"Accept-Language": "en"}
    )
    assert english.status_code == 200 and english.content.startswith(b"%PDF")
    assert report.TEMPLATES.joinpath("cover", "underwriting.html").exists()


def test_the_underwriting_file_holds_the_risk_terms_premium_and_sources(uow, demo_policy):
    from cyber360.cover import report
    from cyber360.org.auth import build_principal

    user = uow.session.execute(select(UserRow).where(UserRow.email == ASSUREUR)).scalar_one()
    principal = build_principal(uow, user)
    french = page_text(report.render_html(report.report_context(uow, principal, demo_policy["id"], "fr")))
    for text in (
        "GHT Rives de Loire",
        "CHU Rives de Loire",
        "Maturité des contrôles",
        "VaR 99,5",
        "1 an sur 200",
        "Prime technique aujourd'hui",
        "Après les 5 premières actions du plan",
        "L.12-10-1",
        "Cour des comptes S2024-1456",
        demo_policy["reference"],
    ):
        assert text in french, text
    english = page_text(report.render_html(report.report_context(uow, principal, demo_policy["id"], "en")))
    assert "Cyber underwriting file" in english and "Technical premium breakdown" in english
