"""End to end: an RSSI raises the answers of an assessment, reruns the risk, and sees the euro risk and the
plan change (the real server on a demo database, Debian's headless Chromium).

The answers are raised through the assess area's JSON API from the browser's own session (its answers
form is that area's to test); the rerun, the figures and the plan go through the risk pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

CONTROL = "backups_offline_tested"


@pytest.fixture(scope="module")
def server(demo) -> str:
    return str(demo.base)


def _plan_rows(page, establishment_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto(f"/establishments/{establishment_id}/plan")
    return [text.split("\n")[0] for text in page.locator("#risk-plan tbody tr").all_inner_texts()]


def test_rssi_raises_scores_reruns_and_sees_risk_and_plan_change(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(locale="fr-FR", base_url=server).new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto("/risk")
        page.get_by_label("Adresse électronique").fill("rssi-a@demo.test")
        page.get_by_label("Mot de passe").fill("demo-cyber360")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/risk"

        api = page.request
        assessments = [a for a in api.get("/api/v1/assessments").json()
                       if a["establishment_id"] and a["status"] in ("validated", "submitted")]  # fmt: skip
        assessment = assessments[0]
        establishment_id = assessment["establishment_id"]

        page.goto(f"/establishments/{establishment_id}/risk")
        before = page.locator("#risk-total-aal").inner_text()
        plan_before = _plan_rows(page, establishment_id)
        assert any("Sauvegardes" in row for row in plan_before), plan_before

        # The RSSI raises every answer that evidences offline backups to the top of the scale.
        if assessment["status"] == "validated":
            assert api.post(f"/api/v1/assessments/{assessment['id']}/reopen", data={}).ok
        if api.get(f"/api/v1/assessments/{assessment['id']}").json()["status"] == "submitted":
            assert api.post(f"/api/v1/assessments/{assessment['id']}/reopen", data={}).ok
        detail = api.get(f"/api/v1/assessments/{assessment['id']}").json()
        raised = [{"requirement_urn": item["urn"], "score": detail["score_max"], "comment": "testées"}
                  for item in detail["requirements"] if CONTROL in item["controls"]]  # fmt: skip
        assert raised
        saved = api.put(f"/api/v1/assessments/{assessment['id']}/answers", data={"answers": raised})
        assert saved.ok, saved.text()
        assert api.post(f"/api/v1/assessments/{assessment['id']}/submit", data={}).ok

        # Rerun from the risk page (a quick run finishes in the request, then the page shows the result).
        page.goto(f"/establishments/{establishment_id}/risk")
        page.get_by_label("Années simulées").select_option("10000")
        page.get_by_role("button", name="Recalculer").click()
        page.wait_for_url(f"**/establishments/{establishment_id}/risk")
        after = page.locator("#risk-total-aal").inner_text()
        assert after != before

        def euros(text: str) -> int:
            return int("".join(char for char in text if char.isdigit()))

        assert euros(after) < euros(before), (before, after)
        page.goto(f"/establishments/{establishment_id}/risk/compare")
        assert "sauvegardes" in page.locator("#risk-explanations").inner_text().lower()

        # The plan, re-ranked, no longer proposes to raise backups from the old level.
        page.goto(f"/establishments/{establishment_id}/plan")
        page.get_by_role("button", name="Générer et classer les actions").click()
        page.wait_for_url(f"**/establishments/{establishment_id}/plan")
        plan_after = _plan_rows(page, establishment_id)
        assert plan_after != plan_before
        assert all(urlsplit(url).hostname == "127.0.0.1" for url in requests)
        browser.close()
