"""End to end, assess area: the real server on a demo database, driven by Debian's headless Chromium.

rssi-a starts an ANSSI hygiene assessment of the CH du Val d'Anjou, answers two requirements with the
keyboard-usable forms, attaches an evidence file, submits, and sees the scores and the radar (an SVG served
by the application); every request stays on 127.0.0.1 and the content security policy holds.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(demo) -> str:
    return str(demo.base)


def test_rssi_answers_attaches_evidence_submits_and_sees_scores_and_radar(
    server: str, browser, tmp_path
) -> None:
    evidence = tmp_path / "charte-informatique.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    context = browser.new_context(locale="fr-FR", base_url=server)
    page = context.new_page()
    requests: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console", lambda message: console_errors.append(message.text) if message.type == "error" else None
    )
    try:
        page.goto("/login")
        page.get_by_label("Adresse électronique").fill("rssi-a@demo.test")
        page.get_by_label("Mot de passe").fill("demo-cyber360")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()

        page.get_by_role("link", name="Évaluation", exact=True).click()
        assert page.get_by_role("heading", level=1).inner_text().startswith("Évaluation")
        page.get_by_role("link", name="Nouvelle évaluation").click()
        page.get_by_label("Référentiel").select_option(
            label="Guide d'hygiène informatique (ANSSI) — 42 mesures (v1)"
        )
        page.get_by_role("button", name="Choisir ce référentiel").click()
        page.get_by_label("Périmètre évalué").select_option(label="Centre hospitalier du Val d'Anjou")
        page.get_by_label("Intitulé").fill("Hygiène ANSSI — essai de bout en bout")
        page.get_by_label("Complet (42 mesures)").uncheck()
        page.get_by_label("Essentiel (priorité rançongiciel)").check()
        page.get_by_role("button", name="Créer l'évaluation").click()
        page.wait_for_load_state()
        assert "/answers" in page.url and "Évaluation créée" in page.locator("main").inner_text()
        assert page.locator("article.requirement").count() == 15

        # First requirement: a score, a comment and an evidence file, with the labelled fields.
        first = page.locator("article.requirement").nth(0)
        first.get_by_label("Niveau de maturité").select_option("3")
        first.get_by_label("Commentaire").fill("Charte signée ; session annuelle de sensibilisation.")
        first.get_by_label("Joindre une preuve (facultatif)").set_input_files(str(evidence))
        with page.expect_navigation():
            first.get_by_role("button", name="Enregistrer").click()
        page.wait_for_load_state()
        assert "Réponse enregistrée" in page.locator("main").inner_text()
        assert page.get_by_role("link", name="charte-informatique.pdf").count() == 1

        # Second requirement, with the keyboard only.
        second = page.locator("article.requirement").nth(1)
        second.get_by_label("Niveau de maturité").focus()
        second.get_by_label("Niveau de maturité").select_option("1")
        page.keyboard.press("Tab")
        page.keyboard.type("Cartographie partielle, datée de 2021.")
        page.keyboard.press("Tab")  # the file field
        page.keyboard.press("Tab")  # the save button
        with page.expect_navigation():  # wait for the answer to be posted, not for the current page
            page.keyboard.press("Enter")
        page.wait_for_load_state()
        assert "2 exigences évaluées sur 15" in page.locator("main").inner_text()

        page.get_by_role("link", name="Scores et validation").click()
        page.get_by_role("button", name="Soumettre pour validation").click()
        page.wait_for_load_state()
        main = page.locator("main").inner_text()
        assert "Évaluation soumise pour validation" in main and "Soumise" in main
        # (3 + 1) / 2 on 0-5: 40 % overall.
        assert "40 %" in page.locator(".assess-stats").inner_text()
        radar = page.get_by_role("img", name="Radar des scores par domaine (détail dans le tableau)")
        radar.wait_for()
        assert urlsplit(radar.get_attribute("src") or "").path.endswith("/radar.svg")
        assert page.evaluate("document.querySelector('.radar img').naturalWidth") > 0, "the radar loaded"
        assert page.locator("table tbody tr").count() >= 2
    finally:
        context.close()

    foreign = [
        url
        for url in requests
        if urlsplit(url).scheme not in {"data", "blob", "about"} and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert not foreign, f"requests left 127.0.0.1: {foreign}"
    assert not [error for error in console_errors if "Content Security Policy" in error], console_errors
