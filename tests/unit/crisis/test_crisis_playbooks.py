"""Shipped playbooks, validation errors with field paths, task scheduling."""

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest

from cyber360.crisis.clocks import ClockError, DeadlineKind
from cyber360.crisis.playbooks import (
    PHASES,
    ROLES,
    SCENARIOS,
    PlaybookError,
    format_duration,
    format_path,
    load_playbook,
    parse_duration,
    parse_playbook,
    playbook_document,
    schedule_tasks,
    shipped_playbook,
    shipped_playbooks,
)


def minimal() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "scenario": "ddos",
        "title": "Test",
        "summary": "Résumé",
        "sources": {"anssi_ddos": "ANSSI, guide DDoS"},
        "phases": [
            {
                "phase": "alert",
                "tasks": [{"id": "t1", "title": "Constater", "role": "dsi", "deadline": "15min"}],
            },
            {
                "phase": "qualification",
                "tasks": [
                    {
                        "id": "t2",
                        "title": "Signaler",
                        "role": "rssi",
                        "deadline": "2h",
                        "clock": "health_report",
                        "source": "anssi_ddos",
                    }
                ],
            },
        ],
    }


def errors_of(data: object) -> dict[str, str]:
    with pytest.raises(PlaybookError) as raised:
        parse_playbook(data, "copie-ght.yaml")
    assert str(raised.value).startswith("copie-ght.yaml: ")
    return {error.path: error.message for error in raised.value.errors}


# --- the shipped library --------------------------------------------------------------------------


def test_one_playbook_per_scenario_with_every_phase() -> None:
    playbooks = shipped_playbooks()
    assert sorted(playbooks) == sorted(SCENARIOS)
    for playbook in playbooks.values():
        assert [phase.phase for phase in playbook.phases] == list(PHASES)
        for _, task in playbook.tasks():
            assert task.role in ROLES
            assert timedelta(0) < task.deadline <= timedelta(days=90)


def test_shipped_playbooks_carry_the_regulatory_tasks() -> None:
    for scenario, playbook in shipped_playbooks().items():
        clocks = {task.clock for _, task in playbook.tasks() if task.clock is not None}
        assert {
            DeadlineKind.HEALTH_REPORT,
            DeadlineKind.NIS2_NOTIFICATION,
            DeadlineKind.NIS2_FINAL_REPORT,
        } <= clocks
        if scenario == "accidental_outage":
            assert DeadlineKind.INSURANCE_COMPLAINT not in clocks  # not an attack: L.12-10-1 does not apply
        else:
            assert DeadlineKind.INSURANCE_COMPLAINT in clocks
        for _, task in playbook.tasks():
            if task.clock in (DeadlineKind.CNIL_NOTIFICATION, DeadlineKind.INSURANCE_COMPLAINT):
                assert task.deadline <= timedelta(hours=72)
            if task.clock == DeadlineKind.NIS2_EARLY_WARNING:
                assert task.deadline <= timedelta(hours=24)


def test_ransomware_playbook_is_hospital_specific() -> None:
    text = " ".join(f"{t.title} {t.detail or ''}" for _, t in shipped_playbook("ransomware").tasks()).lower()
    for expected in ("plan blanc", "mode dégradé", "papier", "cert santé", "plainte", "payer"):
        assert expected in text
    assert {t.role for _, t in shipped_playbook("ransomware").tasks()} == set(ROLES)


def test_unknown_scenario_is_refused() -> None:
    with pytest.raises(PlaybookError, match="no shipped playbook for 'flood'"):
        shipped_playbook("flood")


# --- scheduling -----------------------------------------------------------------------------------


def test_schedule_tasks_gives_absolute_utc_due_times_in_playbook_order() -> None:
    playbook = shipped_playbook("ransomware")
    scheduled = schedule_tasks(playbook, datetime.fromisoformat("2026-03-28T03:00:00+01:00"))
    assert len(scheduled) == sum(len(phase.tasks) for phase in playbook.phases)
    by_id = {item.task.id: item for item in scheduled}
    assert by_id["rw-alerte-astreinte"].due_at == datetime.fromisoformat("2026-03-28T03:15:00+01:00")
    assert by_id["rw-com-nis2"].due_at == datetime.fromisoformat("2026-03-31T04:00:00+02:00")  # elapsed 72 h
    assert by_id["rw-com-nis2"].phase == "communication"
    assert scheduled[0].phase == "alert" and scheduled[-1].phase == "lessons_learned"
    assert all(item.due_at.utcoffset() == timedelta(0) for item in scheduled)


def test_schedule_refuses_naive_detection_time() -> None:
    with pytest.raises(ClockError, match="detected_at: naive"):
        schedule_tasks(shipped_playbook("ddos"), datetime(2026, 3, 28, 3))


# --- validation -----------------------------------------------------------------------------------


def test_minimal_playbook_loads_from_yaml() -> None:
    text = """
schema_version: 1
scenario: ddos
title: Test
summary: Résumé
phases:
  - phase: alert
    tasks:
      - {id: t1, title: Constater, role: dsi, deadline: 1d}
"""
    playbook = load_playbook(text)
    assert next(playbook.tasks())[1].deadline == timedelta(days=1)


def test_unknown_role_is_refused_with_its_path() -> None:
    data = minimal()
    data["phases"][1]["tasks"][0]["role"] = "directeur"
    errors = errors_of(data)
    assert list(errors) == ["phases[1].tasks[0].role"]
    assert (
        "'crisis_director'" in errors["phases[1].tasks[0].role"]
        and "'directeur'" in errors["phases[1].tasks[0].role"]
    )


def test_unknown_phase_field_and_clock_are_refused() -> None:
    data = minimal()
    data["phases"][0]["phase"] = "panic"
    data["phases"][0]["tasks"][0]["owner"] = "x"
    data["phases"][1]["tasks"][0]["clock"] = "ars_report"
    errors = errors_of(data)
    assert set(errors) == {"phases[0].phase", "phases[0].tasks[0].owner", "phases[1].tasks[0].clock"}
    assert errors["phases[0].tasks[0].owner"] == "unknown field"


@pytest.mark.parametrize("bad", ["2 weeks", "15", 15, "-1h", "181d", "", timedelta(seconds=30)])
def test_bad_deadline_is_refused(bad: object) -> None:
    data = minimal()
    data["phases"][0]["tasks"][0]["deadline"] = bad
    assert list(errors_of(data)) == ["phases[0].tasks[0].deadline"]


def test_missing_fields_and_bad_identifiers() -> None:
    data = minimal()
    del data["phases"][0]["tasks"][0]["role"]
    data["phases"][1]["tasks"][0]["id"] = "Tâche 2"
    data["scenario"] = "earthquake"
    data["schema_version"] = 2
    errors = errors_of(data)
    assert set(errors) == {"phases[0].tasks[0].role", "phases[1].tasks[0].id", "scenario", "schema_version"}
    assert errors["phases[0].tasks[0].role"] == "Field required"


def test_cross_field_errors() -> None:
    data = minimal()
    data["phases"].append(copy.deepcopy(data["phases"][0]))
    data["phases"][1]["tasks"][0]["source"] = "guide_inconnu"
    data["phases"][0]["tasks"][0]["source_detail"] = "fiche 3"
    errors = errors_of(data)
    assert set(errors) == {
        "phases[2].phase",
        "phases[2].tasks[0].id",
        "phases[1].tasks[0].source",
        "phases[0].tasks[0].source_detail",
    }


def test_phases_are_put_in_canonical_order() -> None:
    data = minimal()
    data["phases"].reverse()
    assert [phase.phase for phase in parse_playbook(data).phases] == ["alert", "qualification"]


def test_empty_phase_list_and_empty_tasks_are_refused() -> None:
    data = minimal()
    data["phases"][0]["tasks"] = []
    assert list(errors_of(data)) == ["phases[0].tasks"]
    data["phases"] = []
    assert "phases" in errors_of(data)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("phases: [\n", "invalid YAML at line"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("!!python/object/apply:os.system ['true']\n", "invalid YAML"),
        ("title: x\n" + "#" * 600_000, "larger than"),
    ],
)
def test_bad_documents_are_refused(text: str, message: str) -> None:
    with pytest.raises(PlaybookError, match=message):
        load_playbook(text, "copie.yaml")


def test_helpers() -> None:
    assert format_path(("phases", 2, "tasks", 0, "role")) == "phases[2].tasks[0].role"
    assert parse_duration("30min") == timedelta(minutes=30)
    assert parse_duration("4h") == timedelta(hours=4)
    assert parse_duration("2d") == timedelta(days=2)
    assert [format_duration(timedelta(minutes=m)) for m in (0, 30, 90, 120, 2880)] == [
        "0min",
        "30min",
        "90min",
        "2h",
        "2d",
    ]


def test_shipped_playbooks_round_trip_through_their_document_form() -> None:
    for playbook in shipped_playbooks().values():
        document = playbook_document(playbook)
        assert parse_playbook(document) == playbook
        assert document["phases"][0]["tasks"][0]["deadline"].endswith(("min", "h", "d"))
