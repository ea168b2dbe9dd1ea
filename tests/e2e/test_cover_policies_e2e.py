"""End to end: the underwriter opens GHT A's policy, runs a quote and reads the premium breakdown and the
premium after the GHT's plan; GHT A's security officer reads the same quote; GHT B's sees no policy (the
real server on a demo database, Debian's headless Chromium)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(demo) -> str:
    return str(demo.base)


def _login(browser, server: str, email: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(locale="fr-FR", base_url=server).new_page()
    page.goto("/cover")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill("demo-cyber360")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/cover", page.url
    return page


def _euros(text: str) -> int:
    return int("".join(char for char in text.split("(")[0] if char.isdigit()))


def test_underwriter_quotes_ght_a_and_the_rssis_see_what_their_scope_allows(server: str, browser) -> None:
    underwriter = _login(browser, server, "assureur@demo.test")
    requests: list[str] = []
    underwriter.on("request", lambda request: requests.append(request.url))
    link = underwriter.locator("#cover-policies").get_by_role("link").first
    reference = link.inner_text()
    assert reference.startswith(f"C360-{date.today().year}-")
    link.click()
    underwriter.wait_for_url("**/policies/*")
    assert "GHT Rives de Loire" in underwriter.locator("h1").inner_text()
    assert "L.12-10-1" in underwriter.locator("#cover-complaint").inner_text()
    assert underwriter.locator("#cover-terms tbody tr").count() == 4

    underwriter.get_by_label("Années simulées").select_option("5000")
    underwriter.get_by_role("button", name="Calculer le devis").click()
    underwriter.wait_for_url("**/quotes/*")
    quote_path = urlsplit(underwriter.url).path
    now = underwriter.locator("#cover-premium-now").inner_text()
    after = underwriter.locator("#cover-premium-after").inner_text()
    assert 0 < _euros(after) < _euros(now), (now, after)
    breakdown = underwriter.locator("#cover-breakdown").first.inner_text()
    for item in (
        "Perte attendue",
        "Gestion des sinistres",
        "Frais",
        "Marge",
        "Capital immobilisé",
        "Coût du capital",
    ):
        assert item in breakdown
    assert underwriter.locator("#cover-technical").first.inner_text() == now
    assert underwriter.locator("#cover-actions tbody tr").count() == 5
    assert "VaR 99,5 %" in underwriter.locator("#cover-risk").inner_text()
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in requests), "nothing fetched from elsewhere"

    rssi_a = _login(browser, server, "rssi-a@demo.test")
    assert reference in rssi_a.locator("#cover-policies").inner_text()
    rssi_a.goto(quote_path)
    assert rssi_a.locator("#cover-premium-now").inner_text() == now
    assert rssi_a.locator("#cover-premium-after").inner_text() == after

    rssi_b = _login(browser, server, "rssi-b@demo.test")
    assert rssi_b.locator("#cover-no-policy").is_visible()
    answer = rssi_b.goto(quote_path)
    assert answer is not None and answer.status == 404
