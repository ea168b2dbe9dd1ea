"""The assessment domain with plain objects and hand-computed answers: life cycle, scores, comparison,
control maturity; and the radar chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cyber360.assess import charts
from cyber360.assess.model import (
    AssessmentAction,
    AssessmentStatus,
    Change,
    Domain,
    Requirement,
    Scale,
    TransitionError,
    allowed_actions,
    answers_editable,
    compare_assessments,
    control_maturity,
    score_assessment,
    transition,
)

DRAFT, SUBMITTED, VALIDATED = AssessmentStatus
SUBMIT, VALIDATE, REOPEN = AssessmentAction
DOMAINS = (Domain("d:protect", "P Protéger"), Domain("d:recover", "R Restaurer"), Domain("d:empty", "V Vide"))
REQUIREMENTS = (
    Requirement("r:1", "P.1", "MFA", "d:protect", ("mfa",)),
    Requirement("r:2", "P.2", "Tiering", "d:protect", ("ad_tiering", "privileged_access")),
    Requirement("r:3", "P.3", "EDR", "d:protect", ("edr",)),
    Requirement("r:4", "R.1", "Sauvegardes", "d:recover", ("backups_offline_tested", "mfa")),
)
SCALE = Scale(0, 5)


def test_life_cycle():
    assert transition(DRAFT, SUBMIT) is SUBMITTED
    assert transition(SUBMITTED, VALIDATE) is VALIDATED
    assert transition(SUBMITTED, REOPEN) is DRAFT
    for status, action in [
        (DRAFT, VALIDATE),
        (DRAFT, REOPEN),
        (VALIDATED, REOPEN),
        (VALIDATED, SUBMIT),
        (SUBMITTED, SUBMIT),
    ]:
        with pytest.raises(TransitionError):
            transition(status, action)
    assert allowed_actions(DRAFT) == (SUBMIT,) and set(allowed_actions(SUBMITTED)) == {VALIDATE, REOPEN}
    assert allowed_actions(VALIDATED) == ()
    assert answers_editable(DRAFT) and not answers_editable(SUBMITTED) and not answers_editable(VALIDATED)


def test_scale():
    assert Scale(0, 5).normalise(3) == pytest.approx(0.6)
    assert Scale(1, 4).normalise(4) == 1.0 and Scale(1, 4).normalise(1) == 0.0
    levels = Scale(0, 5, (0, 3, 5))
    assert levels.accepts(3) and not levels.accepts(4) and levels.normalise(3) == pytest.approx(0.6)
    assert Scale(0, 100).normalise(25) == 0.25
    with pytest.raises(ValueError):
        Scale(0, 5).normalise(6)
    with pytest.raises(ValueError):
        Scale(3, 3)


def test_scores_known_answer():
    # P.1 = 5 (1.0), P.2 = 2 (0.4), P.3 unanswered, R.1 = 1 (0.2).
    scores = score_assessment(
        REQUIREMENTS, {"r:1": 5, "r:2": 2, "r:3": None, "r:4": 1, "r:x": 5}, SCALE, DOMAINS
    )
    # Protect: (1.0 + 0.4) / 2 = 70 %; Recover 20 %; overall (1.0 + 0.4 + 0.2) / 3 = 53.3 %.
    assert [(line.urn, line.percent, line.answered, line.total) for line in scores.domains] == [
        ("d:protect", 70.0, 2, 3),
        ("d:recover", 20.0, 1, 1),
    ]
    assert (scores.percent, scores.answered, scores.total) == (53.3, 3, 4)
    assert scores.completion == 75.0
    empty = score_assessment(REQUIREMENTS, {}, SCALE, DOMAINS)
    assert empty.percent is None and all(line.percent is None for line in empty.domains)


def test_overall_is_the_mean_of_requirements_not_of_domains():
    scores = score_assessment(REQUIREMENTS, {"r:1": 0, "r:2": 0, "r:3": 0, "r:4": 5}, SCALE, DOMAINS)
    assert [line.percent for line in scores.domains] == [0.0, 100.0]
    assert scores.percent == 25.0  # not 50 %: three requirements weigh more than one


def test_comparison():
    result = compare_assessments(
        REQUIREMENTS, {"r:1": 2, "r:2": 3, "r:4": 4}, {"r:1": 4, "r:2": 3, "r:3": 1, "r:4": 2}, SCALE, DOMAINS
    )
    assert [(item.ref_id, item.before, item.after, item.delta) for item in result.improved] == [
        ("P.1", 40.0, 80.0, 40.0)
    ]
    assert [(item.ref_id, item.delta) for item in result.regressed] == [("R.1", -40.0)]
    assert {item.ref_id: item.change for item in result.requirements} == {
        "P.1": Change.IMPROVED,
        "P.2": Change.UNCHANGED,
        "P.3": Change.NEWLY_ANSWERED,
        "R.1": Change.REGRESSED,
    }
    assert (result.before.percent, result.after.percent) == (60.0, 50.0)
    gone = compare_assessments(REQUIREMENTS, {"r:3": 1}, {}, SCALE, DOMAINS)
    assert {item.ref_id: item.change for item in gone.requirements}["P.3"] is Change.NO_LONGER_ANSWERED


def test_control_maturity_known_answer():
    # MFA evidenced by P.1 (1.0) and R.1 (0.2): mean 0.6 -> 3.0. Tiering and privileged access by P.2 (0.4)
    # -> 2.0. Backups by R.1 -> 1.0. EDR unanswered: absent, not zero.
    evidence = [
        (("mfa",), 1.0),
        (("ad_tiering", "privileged_access"), 0.4),
        (("backups_offline_tested", "mfa"), 0.2),
    ]
    assert control_maturity(evidence) == {
        "ad_tiering": 2.0,
        "backups_offline_tested": 1.0,
        "mfa": 3.0,
        "privileged_access": 2.0,
    }
    assert control_maturity([(("mfa", "mfa"), 0.5)]) == {"mfa": 2.5}, "a control named twice counts once"
    with pytest.raises(ValueError):
        control_maturity([(("mfa",), 1.5)])


def test_radar_svg_is_well_formed_and_escaped():
    svg = charts.radar_svg(
        ["I Sensibiliser", "II <Connaître> & cartographier le système d'information", "III Accès"],
        [charts.Series("2024", [20.0, None, 60.0]), charts.Series("2025 & après", [40.0, 50.0, 100.0])],
        title="Scores <test>",
    )
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("role") == "img"
    assert "<script" not in svg and "style=" not in svg
    polygons = root.findall("{http://www.w3.org/2000/svg}polygon")
    assert len(polygons) == 5 + 2  # the rings and one polygon per series
    assert "&lt;Connaître&gt; &amp;" in svg and "…" in svg, (
        "labels escaped and shortened (full text in <title>)"
    )


def test_too_few_axes_are_drawn_as_bars():
    svg = charts.radar_svg(["Protéger", "Répondre"], [charts.Series("x", [80.0, 0.0])], title="t")
    root = ET.fromstring(svg)
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 3  # background and two bars
    ET.fromstring(charts.radar_svg([], [charts.Series("x", [])], title="t", empty_text="Aucun domaine"))
