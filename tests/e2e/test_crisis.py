"""End to end, crisis area: the real server on a demo database, driven by Debian's headless Chromium.

1. rssi-a opens a ransomware incident, sees the regulatory countdowns, keeps the logbook, ticks tasks and
   closes a clock with its evidence.
2. rssi-a runs an exercise: STARTEX, then the start time is moved 30 minutes back in the database (the test
   clock: the server's schedule is computed from it, no test hook in the application), the injects due by
   then are out, the facilitator releases the next one by hand, ticks an expected action and ends it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

COUNTDOWN = re.compile(r"^(\d+ j )?\d+ h \d\d min$")


@pytest.fixture(scope="module")
def server(demo) -> tuple[str, str]:
    """(base URL, database URL) of the module's demo server."""
    return str(demo.base), demo.database_url


@pytest.fixture
def page(server: tuple[str, str], browser) -> Iterator[object]:
    """A page signed in as rssi-a; fails on a CSP violation or a request leaving 127.0.0.1."""
    context = browser.new_context(locale="fr-FR", base_url=server[0])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("request", lambda request: problems.append(request.url)
            if urlsplit(request.url).hostname not in {"127.0.0.1", None} else None)  # fmt: skip
    page.goto("/login")
    page.get_by_label("Adresse électronique").fill("rssi-a@demo.test")
    page.get_by_label("Mot de passe").fill("demo-cyber360")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    yield page
    context.close()
    assert not problems, problems


def test_open_a_ransomware_incident_keep_the_logbook_tick_tasks_and_see_the_countdowns(page) -> None:
    page.goto("/crisis")
    page.get_by_role("link", name="Ouvrir un incident").click()
    page.get_by_label("Établissement").select_option(label="Centre hospitalier de l'Estuaire")
    page.get_by_label("Scénario (playbook)").select_option("ransomware")
    page.get_by_label("Des données personnelles sont concernées").check()
    page.get_by_role("button", name="Ouvrir l'incident").click()
    page.wait_for_load_state()
    assert re.fullmatch(r"/crisis/incidents/\d+", urlsplit(page.url).path), page.url
    assert "Rançongiciel" in page.get_by_role("heading", level=1).inner_text()

    # The regulatory clocks count down (server-rendered, kept current by /static/js/crisis.js).
    countdowns = page.locator(".countdown")
    assert countdowns.count() >= 5
    early = page.locator("#clock-nis2_early_warning .countdown").inner_text().strip()
    assert COUNTDOWN.match(early) and early.startswith(("23 h", "24 h")), early
    assert page.locator("#clock-cnil_notification").count() == 1
    assert page.locator("#clock-insurance_complaint").count() == 1

    # Two logbook entries, one a decision.
    for kind, words in (
        ("fact", "Écrans noirs aux urgences à 3 h 10"),
        ("decision", "Bascule des urgences en mode papier"),
    ):
        page.locator("#logbook select[name=kind]").select_option(kind)
        page.locator("#f-text").fill(words)
        page.get_by_role("button", name="Consigner").click()
        page.wait_for_load_state()
        assert words in page.locator("#logbook .logbook").inner_text()
    assert "Bascule des urgences en mode papier" in page.locator("#decisions").inner_text()
    assert "Chaîne d'empreintes vérifiée (3)" in page.locator("#chain-status").inner_text()

    # Tick two tasks of the board.
    for _ in range(2):
        page.locator("#tasks li.task:not(.is-done) .task-toggle").first.click()
        page.wait_for_load_state()
    assert page.locator("#tasks li.task.is-done").count() == 2
    assert "(2/" in page.locator("#tasks-title").inner_text()

    # Close the health report with its evidence.
    page.locator("#evidence-health_report").fill("Portail ARS, déclaration 2026-0042")
    page.locator("#clock-health_report").get_by_role("button", name="Marquer comme fait").click()
    page.wait_for_load_state()
    assert "Tenu" in page.locator("#clock-health_report").inner_text()
    assert "2026-0042" in page.locator("#logbook .logbook").inner_text()


def test_run_an_exercise_with_injects_released_on_schedule(page, server) -> None:
    from sqlalchemy import update

    from cyber360.core.db import make_engine, utcnow
    from cyber360.crisis.exercises import shipped_exercises
    from cyber360.crisis.tables import ExerciseRow

    library = shipped_exercises()["rancongiciel-nuit"]
    page.goto("/crisis/exercises/new")
    page.get_by_label("Établissement").select_option(label="CHU Rives de Loire")
    page.get_by_label("Scénario de la bibliothèque").select_option("rancongiciel-nuit")
    page.get_by_label("Nom 1").fill("Anne Lefèvre")
    page.get_by_role("button", name="Créer l'exercice").click()
    page.wait_for_load_state()
    exercise_id = int(urlsplit(page.url).path.rsplit("/", 1)[1])
    page.get_by_role("button", name="Démarrer l'exercice (STARTEX)").click()
    page.wait_for_load_state()
    assert page.locator("#exercise-status").inner_text() == "En cours"

    # The test clock: STARTEX moved 30 minutes back; the server computes the schedule from it.
    engine = make_engine(server[1])
    with engine.begin() as connection:
        connection.execute(
            update(ExerciseRow)
            .where(ExerciseRow.id == exercise_id)
            .values(started_at=utcnow() - timedelta(minutes=30))
        )
    engine.dispose()
    due = [inject for inject in library.injects if inject.offset_minutes <= 30]
    page.reload()
    assert page.locator(".inject.is-released").count() == len(due)
    for inject in due:
        assert "Diffusé" in page.locator(f"#inject-{inject.id} .release-state").inner_text()

    # The next inject by the facilitator's hand.
    following = library.injects[len(due)]
    page.locator(f"#inject-{following.id}").get_by_role(
        "button", name=re.compile("Diffuser maintenant")
    ).click()
    page.wait_for_load_state()
    assert "à la main" in page.locator(f"#inject-{following.id} .release-state").inner_text()

    # The players' view shows what is out, nothing more.
    page.goto(f"/crisis/exercises/{exercise_id}/play")
    assert page.locator("#feed li.inject").count() == len(due) + 1
    assert library.injects[-1].title not in page.locator("#feed").inner_text()

    # An expected action observed, then ENDEX with its after-action report.
    page.goto(f"/crisis/exercises/{exercise_id}")
    action = due[0].expected_actions[0]
    page.locator(f"#action-{action.id}").get_by_role("button", name=re.compile("Observée")).click()
    page.wait_for_load_state()
    assert page.locator("#score").inner_text().startswith(f"{action.points} /")
    page.get_by_text("Terminer l'exercice (ENDEX)").click()
    page.locator("#f-after_action").fill("Alerte hors SI rapide ; communication interne à revoir.")
    page.locator("input[name=lesson_1_title]").fill("Préparer des messages types pour les agents")
    page.get_by_role("button", name="Terminer l'exercice", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#exercise-status").inner_text() == "Terminé"
    assert "Préparer des messages types" in page.locator("main").inner_text()
