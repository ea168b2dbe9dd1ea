"""Shipped exercise library, chronogramme validation, inject release on a test clock, scoring."""

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest

from cyber360.crisis.clocks import ClockError
from cyber360.crisis.exercises import (
    ExerciseError,
    Score,
    due_injects,
    inject_schedule,
    load_exercise,
    parse_exercise,
    score_exercise,
    shipped_exercises,
)
from cyber360.crisis.playbooks import ROLES

STARTEX = datetime.fromisoformat("2026-06-11T09:00:00+02:00")


def small() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "id": "petit",
        "scenario": "ransomware",
        "title": "Petit exercice",
        "summary": "Deux stimuli",
        "duration_minutes": 60,
        "injects": [
            {
                "id": "i1",
                "offset_minutes": 0,
                "title": "Alerte",
                "channel": "phone",
                "target_roles": ["dsi"],
                "content": "Les urgences n'ont plus de logiciel.",
                "expected_actions": [
                    {"id": "a1", "role": "dsi", "description": "Prévient le RSSI", "points": 3},
                    {"id": "a2", "role": "dsi", "description": "Ne rien éteindre", "points": 1},
                ],
            },
            {
                "id": "i2",
                "offset_minutes": 30,
                "title": "Rançon",
                "channel": "email",
                "target_roles": ["crisis_director", "legal_dpo"],
                "content": "Note de rançon.",
                "expected_actions": [
                    {"id": "a3", "role": "crisis_director", "description": "Refuse de payer", "points": 4},
                    {"id": "a4", "role": "legal_dpo", "description": "Analyse la violation", "points": 2},
                ],
            },
        ],
    }


def errors_of(data: object) -> dict[str, str]:
    with pytest.raises(ExerciseError) as raised:
        parse_exercise(data, "exercice.yaml")
    return {error.path: error.message for error in raised.value.errors}


def test_shipped_library_covers_ransomware_and_data_breach() -> None:
    library = shipped_exercises()
    assert {exercise.scenario for exercise in library.values()} >= {"ransomware", "data_breach"}
    for exercise in library.values():
        offsets = [inject.offset_minutes for inject in exercise.injects]
        assert offsets == sorted(offsets) and offsets[-1] <= exercise.duration_minutes
        assert len(exercise.injects) >= 8
        everything = score_exercise(exercise, [action.id for _, action in exercise.actions()])
        assert everything.overall.ratio == 1.0 and not everything.missed
        assert set(everything.by_role) <= set(ROLES)


def test_ransomware_exercise_tests_the_ransom_refusal_and_the_complaint() -> None:
    exercise = shipped_exercises()["rancongiciel-nuit"]
    descriptions = " ".join(action.description for _, action in exercise.actions()).lower()
    assert "refus de payer" in descriptions and "plainte" in descriptions and "cert santé" in descriptions


def test_score_per_role_and_overall() -> None:
    exercise = parse_exercise(small())
    score = score_exercise(exercise, ["a1", "a4"])
    assert score.overall == Score(5, 10) and score.overall.ratio == 0.5
    assert score.by_role == {"dsi": Score(3, 4), "crisis_director": Score(0, 4), "legal_dpo": Score(2, 2)}
    assert score.missed == ("a2", "a3")
    assert score_exercise(exercise, []).overall == Score(0, 10)
    assert score_exercise(exercise, ["a1", "a1"]).overall == Score(3, 10)


def test_unknown_ticked_action_is_refused() -> None:
    with pytest.raises(ExerciseError, match="not an expected action of this exercise: zz"):
        score_exercise(parse_exercise(small()), ["a1", "zz"])


def test_injects_released_on_a_test_clock() -> None:
    exercise = parse_exercise(small())
    schedule = inject_schedule(exercise, STARTEX)
    assert [item.release_at for item in schedule] == [STARTEX, STARTEX + timedelta(minutes=30)]
    assert [i.id for i in due_injects(exercise, STARTEX, STARTEX - timedelta(seconds=1))] == []
    assert [i.id for i in due_injects(exercise, STARTEX, STARTEX + timedelta(minutes=29))] == ["i1"]
    assert [i.id for i in due_injects(exercise, STARTEX, STARTEX + timedelta(minutes=30))] == ["i1", "i2"]
    with pytest.raises(ClockError, match="started_at: naive"):
        inject_schedule(exercise, datetime(2026, 6, 11, 9))


def test_chronogramme_errors_name_the_field() -> None:
    data = small()
    data["injects"][1]["offset_minutes"] = 90
    data["injects"].append(copy.deepcopy(data["injects"][0]))
    data["injects"][2]["offset_minutes"] = 10
    errors = errors_of(data)
    assert set(errors) >= {
        "injects[1].offset_minutes",  # after the end
        "injects[2].offset_minutes",  # before the previous inject
        "injects[2].id",
        "injects[2].expected_actions[0].id",
    }
    assert "before the previous inject" in errors["injects[2].offset_minutes"]


def test_roles_channels_points_and_fields_are_validated() -> None:
    data = small()
    data["injects"][0]["target_roles"] = ["dsi", "chef"]
    data["injects"][0]["channel"] = "pigeon"
    data["injects"][1]["expected_actions"][0]["points"] = 0
    data["injects"][1]["surprise"] = True
    errors = errors_of(data)
    assert set(errors) == {
        "injects[0].target_roles[1]",
        "injects[0].channel",
        "injects[1].expected_actions[0].points",
        "injects[1].surprise",
    }


def test_empty_lists_and_missing_actions_are_refused() -> None:
    data = small()
    data["injects"][0]["target_roles"] = []
    assert list(errors_of(data)) == ["injects[0].target_roles"]
    data = small()
    for inject in data["injects"]:
        inject["expected_actions"] = []
    assert list(errors_of(data)) == ["injects"]
    data["injects"] = []
    assert "injects" in errors_of(data)


def test_load_from_yaml_text() -> None:
    text = """
schema_version: 1
id: mini
scenario: data_breach
title: Mini
summary: Un stimulus
duration_minutes: 30
injects:
  - id: i1
    offset_minutes: 5
    title: Alerte
    channel: email
    target_roles: [rssi]
    content: Une base est en vente.
    expected_actions:
      - {id: a1, role: rssi, description: Prévient le DPO, points: 2}
"""
    assert load_exercise(text).injects[0].expected_actions[0].points == 2
    with pytest.raises(ExerciseError, match="invalid YAML"):
        load_exercise("injects: [", "x.yaml")
