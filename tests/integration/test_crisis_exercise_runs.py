"""Exercises: injects released on schedule (test clock) or by hand, scoring, after-action report."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from crisis_support import Clock, paris

from cyber360.crisis.exercises import shipped_exercises

RSSI_A, DG_A = "rssi-a@demo.test", "dg-a@demo.test"
STARTEX = "2026-05-12T09:00:00+02:00"
LIBRARY = shipped_exercises()["rancongiciel-nuit"]


@pytest.fixture
def clock(app):
    app.state.clock = Clock(paris("2026-05-11T16:00:00+02:00"))
    return app.state.clock


@pytest.fixture
def exercise(login_as, directory, clock):
    client = login_as(RSSI_A)
    created = client.post(
        "/api/v1/exercises",
        json={
            "establishment_id": directory.establishments["chu-loire"],
            "library_id": "rancongiciel-nuit",
            "participants": [
                {"name": "Anne Lefèvre", "role": "crisis_director"},
                {"name": "Julien Morel", "role": "dsi"},
            ],
        },
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _released(view):
    return [inject["id"] for inject in view["injects"] if inject["released_at"]]


def test_injects_are_released_on_schedule_by_the_clock(login_as, exercise, clock):
    client = login_as(RSSI_A)
    url = f"/api/v1/exercises/{exercise}"
    planned = client.get(url).json()
    assert planned["status"] == "planned" and _released(planned) == []
    clock.now = paris(STARTEX)
    started = client.post(f"{url}/start").json()
    console = client.get(f"/crisis/exercises/{exercise}")
    assert console.status_code == 200 and "Diffuser maintenant" in console.text and "ENDEX" in console.text
    assert started["started_at"] == "2026-05-12T07:00:00Z"
    assert _released(started) == [inject.id for inject in LIBRARY.injects if inject.offset_minutes == 0]
    for minutes in (9, 30, 95):
        clock.now = paris(STARTEX) + timedelta(minutes=minutes)
        view = client.get(url).json()
        expected = [inject.id for inject in LIBRARY.injects if inject.offset_minutes <= minutes]
        assert _released(view) == expected, minutes
        feed = client.get(f"{url}/feed").json()
        assert sorted(item["id"] for item in feed["injects"]) == sorted(expected)
        following = min(i.offset_minutes for i in LIBRARY.injects if i.offset_minutes > minutes)
        assert paris(feed["next_release_at"].replace("Z", "+00:00")) == paris(STARTEX) + timedelta(
            minutes=following
        )
    scheduled = next(i for i in view["injects"] if i["id"] == expected[-1])
    assert scheduled["released_by_hand"] is False


def test_the_facilitator_releases_an_inject_by_hand_and_scores(login_as, exercise, clock):
    client = login_as(RSSI_A)
    url = f"/api/v1/exercises/{exercise}"
    later = LIBRARY.injects[-1]
    assert client.post(f"{url}/injects/{later.id}/release").status_code == 409  # not started yet
    clock.now = paris(STARTEX)
    client.post(f"{url}/start")
    clock.advance(minutes=3)
    released = client.post(f"{url}/injects/{later.id}/release").json()
    inject = next(item for item in released["injects"] if item["id"] == later.id)
    assert inject["released_by_hand"] is True and inject["released_at"] == "2026-05-12T07:03:00Z"
    assert client.post(f"{url}/injects/no-such-inject/release").status_code == 404
    actions = [action for _, action in LIBRARY.actions()]
    for action in actions[:3]:
        assert client.post(f"{url}/actions/{action.id}", json={"done": True}).status_code == 200
    scored = client.post(f"{url}/actions/{actions[2].id}", json={"done": False}).json()["score"]
    assert scored["earned"] == actions[0].points + actions[1].points
    assert scored["possible"] == sum(action.points for action in actions)
    assert client.post(f"{url}/actions/rn-unknown", json={"done": True}).status_code == 404
    clock.advance(minutes=200)
    ended = client.post(
        f"{url}/end",
        json={
            "after_action": "Alerte rapide, communication tardive.",
            "lessons": [{"title": "Messages types pour les agents", "owner": "Communication"}],
        },
    ).json()
    assert ended["status"] == "ended" and [lesson["title"] for lesson in ended["lessons"]] == [
        "Messages types pour les agents"
    ]
    assert any(item["exercise_id"] == exercise for item in client.get("/api/v1/crisis-lessons").json())
    clock.advance(days=2)  # after ENDEX nothing more is released
    assert len(_released(client.get(url).json())) == len(_released(ended))
    assert client.post(f"{url}/actions/{actions[0].id}", json={"done": False}).status_code == 409


def test_players_and_readers_do_not_see_the_facilitator_notes(login_as, exercise, clock):
    client = login_as(RSSI_A)
    url = f"/api/v1/exercises/{exercise}"
    clock.now = paris(STARTEX)
    client.post(f"{url}/start")
    clock.advance(hours=4)
    facilitator = client.get(url).json()
    assert any(item["facilitator_notes"] for item in facilitator["injects"])
    assert any(item["expected_actions"] for item in facilitator["injects"])
    reader = login_as(DG_A).get(url).json()
    assert all(
        item["facilitator_notes"] is None and item["expected_actions"] == [] for item in reader["injects"]
    )
    feed = client.get(f"{url}/feed").json()
    assert set(feed["injects"][0]) == {"id", "title", "channel", "target_roles", "content", "released_at"}
    assert login_as(DG_A).post(f"{url}/injects/{LIBRARY.injects[0].id}/release").status_code == 403
    play = client.get(f"/crisis/exercises/{exercise}/play")
    text = html.unescape(play.text)
    assert play.status_code == 200 and LIBRARY.injects[0].title in text
    assert LIBRARY.injects[0].facilitator_notes and LIBRARY.injects[0].facilitator_notes not in text


def test_an_exercise_names_a_library_scenario(login_as, directory, clock):
    answer = login_as(RSSI_A).post(
        "/api/v1/exercises",
        json={"establishment_id": directory.establishments["chu-loire"], "library_id": "nope"},
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "library_id"
