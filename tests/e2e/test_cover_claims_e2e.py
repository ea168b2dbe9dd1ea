"""End to end, claims: the real demo server and Debian's headless Chromium.

The RSSI of GHT A declares a claim on the GHT's policy with a loss item, the insurer's underwriter takes it
under review, reads the indemnity explained line by line and accepts it. The demo's policy is created by
another part of the cover area: without it, the test is skipped (and says why).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")
PERIOD = re.compile(r"\((\d{4}-\d\d-\d\d) → (\d{4}-\d\d-\d\d)\)")


@pytest.fixture(scope="module")
def base(demo) -> str:
    return str(demo.base)


@pytest.fixture
def signed_in(base: str, browser) -> Iterator[object]:
    """``signed_in(email)``: a page signed in as that account; fails on a CSP violation or a request leaving
    127.0.0.1."""
    contexts = []
    problems: list[str] = []

    def sign_in(email: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="fr-FR", base_url=base)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("request", lambda request: problems.append(request.url)
                if urlsplit(request.url).hostname not in {"127.0.0.1", None} else None)  # fmt: skip
        page.goto("/login")
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe").fill("demo-cyber360")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        return page

    yield sign_in
    for context in contexts:
        context.close()
    assert not problems, problems


def _learned_at(option_label: str) -> datetime:
    """An instant of the policy's period, in the past: yesterday at 03:10 (Paris) or the period's last day."""
    match = PERIOD.search(option_label)
    assert match, option_label
    start, end = (date.fromisoformat(value) for value in match.groups())
    day = min(max(datetime.now(PARIS).date() - timedelta(days=1), start), end)
    learned = datetime(day.year, day.month, day.day, 3, 10, tzinfo=PARIS)
    if learned > datetime.now(PARIS):
        pytest.skip(f"the demo policy's period ({start} to {end}) has not begun")
    return learned


def test_the_rssi_declares_a_claim_and_the_underwriter_reviews_and_accepts_it(signed_in) -> None:
    rssi = signed_in("rssi-a@demo.test")
    rssi.goto("/claims")
    assert rssi.get_by_role("heading", level=1).inner_text() == "Sinistres"
    declare = rssi.get_by_role("link", name="Déclarer un sinistre", exact=True)
    if declare.count() == 0:
        pytest.skip("the demo has no policy in force on GHT A (cover.demo creates it): nothing to declare on")
    declare.first.click()
    rssi.wait_for_load_state()
    policy = rssi.locator("#f-policy_id option").first.inner_text()
    learned = _learned_at(policy)
    rssi.get_by_label("Établissement", exact=True).select_option(label="Centre hospitalier du Val d'Anjou")
    rssi.get_by_label("Intitulé").fill("Rançongiciel au CH du Val d'Anjou")
    rssi.locator("#f-learned_at").fill(learned.strftime("%Y-%m-%dT%H:%M"))
    rssi.locator("#f-complaint_filed_at").fill((learned + timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M"))
    rssi.get_by_label("Référence de la plainte").fill("Récépissé 2026/E2E/1")
    rssi.get_by_label("Jours d'exploitation dégradée").fill("10")
    rssi.get_by_role("button", name="Déclarer le sinistre").click()
    rssi.wait_for_load_state()
    assert re.fullmatch(r"/claims/\d+", urlsplit(rssi.url).path), rssi.url
    claim_url = urlsplit(rssi.url).path
    assert rssi.locator("#claim-state").inner_text() == "Déclaré"

    # One loss item: operating loss if the policy covers it, else the first section it covers.
    sections = rssi.locator("#item-section option")
    labels = [sections.nth(index).inner_text() for index in range(sections.count())]
    section = "Pertes d'exploitation" if "Pertes d'exploitation" in labels else labels[0]
    rssi.locator("#item-section").select_option(label=section)
    rssi.locator("#item-description").fill("Activité des urgences réduite pendant 10 jours")
    rssi.locator("#item-amount_eur").fill("500 000")
    rssi.get_by_role("button", name="Ajouter le poste").click()
    rssi.wait_for_load_state()
    assert "Activité des urgences réduite" in rssi.locator("#claim-items").inner_text()
    explanation = rssi.locator("#explanation").inner_text()
    assert section in explanation and "plainte déposée 10 h après" in explanation
    assert rssi.locator("#decision").count() == 0  # the declarant does not decide

    underwriter = signed_in("assureur@demo.test")
    underwriter.goto(claim_url)
    assert underwriter.locator("#claim-state").inner_text() == "Déclaré"
    underwriter.get_by_role("button", name="Prendre en instruction").click()
    underwriter.wait_for_load_state()
    assert underwriter.locator("#claim-state").inner_text() == "En instruction"
    rows = underwriter.locator("#explanation tbody tr")
    assert rows.count() >= 4
    assert rows.last.locator("td").nth(2).inner_text() == "indemnité proposée"
    proposed = underwriter.locator("#proposed-indemnity").inner_text()
    assert proposed.endswith("€") and proposed != "0\xa0€", proposed
    underwriter.locator("#accept-note").fill("Pertes justifiées par le rapport de l'expert-comptable.")
    underwriter.get_by_role("button", name="Accepter").click()
    underwriter.wait_for_load_state()
    assert underwriter.locator("#claim-state").inner_text() == "Accepté"
    assert "rapport de l'expert-comptable" in underwriter.locator("#decision-note").inner_text()
    assert underwriter.get_by_role("button", name="Enregistrer le paiement").count() == 1

    rssi.goto(claim_url)
    assert rssi.locator("#claim-state").inner_text() == "Accepté"
    assert rssi.locator("#item-form").count() == 0  # decided: no longer documented
