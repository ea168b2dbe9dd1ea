"""End to end: the cooperative's buyer opens the cooperative page, sees the member GHTs and the anonymised
figures (published from five subscribed GHTs, withheld below), ends two subscriptions and sees the risk
figures withheld, then records them again (the real server on a demo database, Debian's headless Chromium).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

NACRE = "GHT Côte de Nacre (démo)"
SOMME = "GHT Baie de Somme (démo)"


def _figure(page, key: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#cooperative-figures tr[data-figure="{key}"]')


def _member(page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("#cooperative-members tbody tr", has_text=name)


def _toggle(page, label: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name=label).click()
    page.wait_for_url("**/cooperative?saved=subscription")
    assert "Souscription mise à jour." in page.locator("main").inner_text()


def test_the_buyer_reads_the_figures_and_toggles_subscriptions(demo, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="fr-FR", base_url=demo.base)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/cooperative")
    page.get_by_label("Adresse électronique").fill("acheteur@demo.test")
    page.get_by_label("Mot de passe").fill("demo-cyber360")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/cooperative"

    # Seven members, six subscribed (C is not); the risk figures come from the six.
    assert page.locator("#cooperative-members tbody tr").count() == 7
    assert "Non souscrite" in _member(page, "GHT Vallées du Sud (démo)").inner_text()
    assert _figure(page, "subscriptions.subscribers").locator("td").first.inner_text() == "6"
    total = _figure(page, "risk.aal_total")
    assert "published" in (total.get_attribute("class") or "")
    assert "€" in total.locator("td").first.inner_text()
    maturity = _figure(page, "risk.maturity_mean").inner_text()
    assert "non publié : moins de 5 GHT" in maturity and maturity.rstrip().endswith("2")

    # Down to five subscribers: still published; down to four: withheld, with the count of GHTs.
    _toggle(page, f"Enregistrer la fin de la souscription de {NACRE}")
    assert "Non souscrite" in _member(page, NACRE).inner_text()
    assert "published" in (_figure(page, "risk.aal_total").get_attribute("class") or "")
    _toggle(page, f"Enregistrer la fin de la souscription de {SOMME}")
    withheld = _figure(page, "risk.aal_total")
    assert "suppressed" in (withheld.get_attribute("class") or "")
    assert "non publié : moins de 5 GHT" in withheld.inner_text()
    assert withheld.locator("td").last.inner_text() == "4"

    for name in (NACRE, SOMME):
        _toggle(page, f"Enregistrer la souscription de {name}")
        assert "Souscrite" in _member(page, name).inner_text()
    assert "published" in (_figure(page, "risk.aal_total").get_attribute("class") or "")
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in requests), requests
    context.close()
