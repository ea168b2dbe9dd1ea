"""Scenario names of the results in words (French first, English second)."""

from __future__ import annotations

import pytest

from cyber360.risk import explain


@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [
        ("ransomware", "fr", "Rançongiciel"),
        ("ransomware", "en", "Ransomware"),
        ("CHU Rives de Loire/data_breach", "fr", "CHU Rives de Loire — Violation de données"),
        ("ght_shared_is_ransomware", "fr", "SI partagé du GHT — Rançongiciel"),
        ("ght_shared_is_ransomware", "en", "GHT's shared IS — Ransomware"),
        ("unknown_scenario", "fr", "unknown_scenario"),
    ],
)
def test_scenario_label_names_scenarios_in_words(name: str, language: str, expected: str) -> None:
    assert explain.scenario_label(name, language) == expected
