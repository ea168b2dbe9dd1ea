"""End to end: the real server (uvicorn) on a demo database, driven by Debian's headless Chromium.

rssi-a logs in, sees only the first GHT's establishments, switches to English and back, logs out; every
request the browser makes stays on 127.0.0.1 (no CDN, no font service, no tracker).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

GHT_A = [
    "CHU Rives de Loire",
    "Centre hospitalier de l'Estuaire",
    "Centre hospitalier du Val d'Anjou",
    "Centre hospitalier spécialisé de l'Erdre",
    "Hôpital de proximité du Bocage vendéen",
    "EHPAD Les Tilleuls",
]
OTHER_GHTS = [
    "Centre hospitalier d'Armor",
    "EHPAD Ar Maner",
    "Centre hospitalier de Garonne",
    "EHPAD Le Comminges",
]


@pytest.fixture(scope="module")
def server(demo) -> str:
    return str(demo.base)


def _establishment_names(page) -> list[str]:
    return [name.strip() for name in page.locator("table tbody tr th[scope=row]").all_inner_texts()]


def test_rssi_a_session_stays_local(server: str, browser) -> None:
    context = browser.new_context(locale="fr-FR", base_url=server)
    page = context.new_page()
    requests: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console", lambda message: console_errors.append(message.text) if message.type == "error" else None
    )
    try:
        # Anonymous: the login page, in French.
        page.goto("/establishments")
        assert urlsplit(page.url).path == "/login"
        assert page.locator("html").get_attribute("lang") == "fr"
        page.get_by_label("Adresse électronique").fill("rssi-a@demo.test")
        page.get_by_label("Mot de passe").fill("demo-cyber360")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/establishments", page.url

        # Only the first GHT's six establishments.
        assert sorted(_establishment_names(page)) == sorted(GHT_A)
        text = page.locator("main").inner_text()
        for name in OTHER_GHTS:
            assert name not in text

        # English, then back to French, on the same page.
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", level=1).inner_text() == "Establishments"
        assert urlsplit(page.url).path == "/establishments"
        assert sorted(_establishment_names(page)) == sorted(GHT_A)
        page.get_by_role("button", name="Français").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_role("heading", level=1).inner_text() == "Établissements"

        # Log out: the session is over, the list asks for a login again.
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/login"
        page.goto("/establishments")
        assert urlsplit(page.url).path == "/login"
        assert page.locator("table").count() == 0
    finally:
        context.close()

    assert requests, "no request recorded"
    foreign = [
        url
        for url in requests
        if urlsplit(url).scheme not in {"data", "blob", "about"} and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert not foreign, f"requests left 127.0.0.1: {foreign}"
    assert not [error for error in console_errors if "Content Security Policy" in error], console_errors
