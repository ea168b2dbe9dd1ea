"""End to end: the underwriter opens the portfolio accumulation, starts a run (20,000 years: computed in the
background while the page follows its progress), and reads the 1-in-200 PML and the contributions by GHT and
by scenario (the real server on a demo database, Debian's headless Chromium)."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e


def bound_policies(database_url: str) -> int:
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        return int(
            connection.execute("SELECT count(*) FROM cover_policies WHERE status = 'bound'").fetchone()[0]
        )


def underwriter_runs_the_portfolio(base: str) -> None:
    """The scenario, on any running demo server (also usable by hand against ``make demo``)."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(locale="fr-FR", base_url=base).new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto("/cover/portfolio")
        page.get_by_label("Adresse électronique").fill("assureur@demo.test")
        page.get_by_label("Mot de passe").fill("demo-cyber360")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/cover/portfolio")
        page.get_by_role("link", name="Portefeuille").click()
        page.wait_for_url("**/cover/portfolio")
        expect(page.locator("#portfolio-book")).to_contain_text("GHT Rives de Loire (démo)")

        page.get_by_label("Années simulées").select_option("20000")
        page.get_by_label("Graine").fill("42")
        page.get_by_role("button", name="Calculer le cumul").click()
        page.wait_for_url("**/cover/portfolio/runs/*")
        # Queued in the background: the page follows the progress, then shows the figures.
        expect(page.locator("#portfolio-pml-gross")).to_be_visible(timeout=120_000)
        pml = page.locator("#portfolio-pml-gross").inner_text()
        assert "€" in pml and any(char.isdigit() for char in pml), pml
        assert "€" in page.locator("#portfolio-pml-net").inner_text()
        by_ght = page.locator("#portfolio-by-ght tbody").inner_text()
        assert "GHT Rives de Loire (démo)" in by_ght
        by_scenario = page.locator("#portfolio-by-scenario tbody").inner_text()
        assert "Rançongiciel" in by_scenario and "Vague systémique" in by_scenario
        expect(page.locator("#portfolio-drivers")).to_be_visible()
        assert page.locator("img[src^='data:image/svg+xml']").count() >= 3

        # The run is listed, and the same page reads in English.
        page.goto("/cover/portfolio")
        assert page.locator("#portfolio-runs tbody tr").count() >= 1
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        page.locator("#portfolio-runs a").first.click()
        expect(page.get_by_role("heading", level=2, name="Contributions by GHT")).to_be_visible()
        assert all(urlsplit(url).hostname == "127.0.0.1" for url in requests)
        browser.close()


def test_underwriter_runs_the_portfolio_and_reads_the_pml_and_contributions(demo) -> None:  # type: ignore[no-untyped-def]
    if not bound_policies(demo.database_url):
        pytest.skip("the demo has no bound policy: the insurer's portfolio is empty (cover/demo.py)")
    underwriter_runs_the_portfolio(str(demo.base))
