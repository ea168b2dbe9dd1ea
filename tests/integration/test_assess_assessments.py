"""Assessments through the API and the pages: answering, submitting, validating, scores (known answers
computed by hand), comparison, CSV export, control maturity, and who may do what."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

MINI = (Path(__file__).parents[1] / "fixtures" / "frameworks" / "mini-framework.yaml").read_bytes()
RSSI_A, CONSULTANT, ETAB = "rssi-a@demo.test", "consultant@demo.test", "etab-estuaire@demo.test"
P1, P2, P2A, R1 = (f"urn:test:risk:req_node:mini:{ref}" for ref in ("p.1", "p.2", "p.2.a", "r.1"))


@pytest.fixture
def mini(login_as, directory):
    """GHT A's private copy of the mini framework and a draft assessment of CH de l'Estuaire on it."""
    rssi = login_as(RSSI_A)
    framework = rssi.post("/api/v1/frameworks", files={"file": ("mini.yaml", MINI)}).json()
    created = rssi.post(
        "/api/v1/assessments",
        json={
            "framework_id": framework["id"],
            "establishment_id": directory.establishments["ch-estuaire"],
            "title": "Mini 2025",
            "implementation_groups": ["base", "avance"],
        },
    )
    assert created.status_code == 201, created.text
    return {"framework": framework, "id": created.json()["id"], "rssi": rssi}


def answer(client, assessment_id: int, *answers: tuple[str, int | None, str]):
    body = {
        "answers": [
            {"requirement_urn": urn, "score": score, "comment": comment} for urn, score, comment in answers
        ]
    }
    return client.put(f"/api/v1/assessments/{assessment_id}/answers", json=body)


def test_answer_submit_validate_with_known_scores(mini, login_as, directory, audit_log):
    rssi, assessment_id = mini["rssi"], mini["id"]
    saved = answer(
        rssi, assessment_id, (P1, 5, "Restauration testée en mars"), (P2, 3, ""), (R1, 0, "Pas de plan")
    )
    assert saved.status_code == 200, saved.text
    scores = saved.json()["scores"]
    # By hand: scale 0..5, so 5 -> 1.0, 3 -> 0.6, 0 -> 0.0. Protect: (1.0 + 0.6) / 2 = 80 % (2 of 3 answered);
    # Respond: 0 %; overall: (1.0 + 0.6 + 0.0) / 3 = 53.3 %.
    assert scores["percent"] == 53.3 and (scores["answered"], scores["total"]) == (3, 4)
    assert [
        (line["label"], line["percent"], line["answered"], line["total"]) for line in scores["domains"]
    ] == [
        ("P Protéger", 80.0, 2, 3),
        ("R Répondre", 0.0, 1, 1),
    ]
    record = audit_log("assessment.answered")[-1]
    assert json.loads(record.after)[P1] == {"score": 5, "comment": "Restauration testée en mars"}

    # Not on the scale (the library defines 0, 3 and 5 only), unknown requirement: refused, naming the field.
    bad = answer(rssi, assessment_id, (P1, 4, ""))
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "answers.0.score"
    assert "0, 3, 5" in bad.json()["detail"][0]["msg"]
    unknown = answer(rssi, assessment_id, ("urn:test:risk:req_node:mini:nope", 3, ""))
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "answers.0.requirement_urn"

    # The establishment's own user may submit; validation is for the manager or the consultant.
    etab = login_as(ETAB)
    assert etab.post(f"/api/v1/assessments/{assessment_id}/submit").status_code == 200
    assert answer(rssi, assessment_id, (P2A, 5, "")).status_code == 400, "a submitted assessment is frozen"
    assert etab.post(f"/api/v1/assessments/{assessment_id}/validate").status_code == 403
    assert login_as("dg-a@demo.test").post(f"/api/v1/assessments/{assessment_id}/validate").status_code == 403
    validated = login_as(CONSULTANT).post(f"/api/v1/assessments/{assessment_id}/validate")
    assert validated.status_code == 200 and validated.json()["status"] == "validated"
    assert rssi.post(f"/api/v1/assessments/{assessment_id}/reopen").status_code == 400
    assert {record.action for record in audit_log()} >= {"assessment.submitted", "assessment.validated"}


def test_control_maturity_known_answers(login_as, directory):
    """GHT C has no demo assessment: the maturity comes from this one only."""
    rssi_c = login_as("rssi-c@demo.test")
    framework = rssi_c.post("/api/v1/frameworks", files={"file": ("mini.yaml", MINI)}).json()
    garonne = directory.establishments["ch-garonne"]
    assert rssi_c.get(f"/api/v1/establishments/{garonne}/control-maturity").json() == {}
    created = rssi_c.post(
        "/api/v1/assessments",
        json={
            "framework_id": framework["id"],
            "establishment_id": garonne,
            "title": "Mini",
            "implementation_groups": ["base", "avance"],
        },
    ).json()
    answer(rssi_c, created["id"], (P1, 5, ""), (P2, 3, ""), (R1, 0, ""))
    assert rssi_c.get(f"/api/v1/establishments/{garonne}/control-maturity").json() == {}, (
        "a draft does not count"
    )
    rssi_c.post(f"/api/v1/assessments/{created['id']}/submit")
    # Five times the normalised scores: backups 5.0, MFA 3.0, remote access 3.0 (P.2.a unanswered), crisis
    # plan 0.0.
    assert rssi_c.get(f"/api/v1/establishments/{garonne}/control-maturity").json() == {
        "backups_offline_tested": 5.0,
        "mfa": 3.0,
        "remote_access_security": 3.0,
        "crisis_plan": 0.0,
    }
    # A later validated assessment takes precedence over the submitted one.
    later = rssi_c.post(
        "/api/v1/assessments",
        json={
            "framework_id": framework["id"],
            "establishment_id": garonne,
            "title": "Mini 2",
            "implementation_groups": ["base", "avance"],
        },
    ).json()
    answer(rssi_c, later["id"], (P1, 3, ""), (P2A, 5, ""))
    rssi_c.post(f"/api/v1/assessments/{later['id']}/submit")
    rssi_c.post(f"/api/v1/assessments/{later['id']}/validate")
    assert rssi_c.get(f"/api/v1/establishments/{garonne}/control-maturity").json() == {
        "backups_offline_tested": 3.0,
        "remote_access_security": 5.0,
    }
    assert login_as(RSSI_A).get(f"/api/v1/establishments/{garonne}/control-maturity").status_code == 404


def test_submit_needs_an_answer_and_reopen_returns_to_draft(mini, login_as):
    rssi, assessment_id = mini["rssi"], mini["id"]
    empty = rssi.post(f"/api/v1/assessments/{assessment_id}/submit")
    assert empty.status_code == 400 and empty.json()["detail"][0]["type"] == "error.assess_nothing_answered"
    answer(rssi, assessment_id, (R1, 3, ""))
    assert rssi.post(f"/api/v1/assessments/{assessment_id}/submit").json()["status"] == "submitted"
    assert rssi.post(f"/api/v1/assessments/{assessment_id}/reopen").json()["status"] == "draft"
    assert answer(rssi, assessment_id, (R1, 5, "")).status_code == 200


@pytest.mark.parametrize("email", ["dg-a@demo.test", "assureur@demo.test"])
def test_readers_may_read_but_not_answer(email, mini, login_as):
    reader = login_as(email)
    assert reader.get(f"/api/v1/assessments/{mini['id']}").json()["editable"] is False
    assert answer(reader, mini["id"], (R1, 3, "")).status_code == 403
    assert reader.post(f"/api/v1/assessments/{mini['id']}/submit").status_code == 403


def test_establishment_user_assesses_only_its_establishment(login_as, directory, mini):
    etab = login_as(ETAB)
    own = etab.post(
        "/api/v1/assessments",
        json={
            "framework_id": mini["framework"]["id"],
            "establishment_id": directory.establishments["ch-estuaire"],
            "title": "Auto",
        },
    )
    assert own.status_code == 201
    other = etab.post(
        "/api/v1/assessments",
        json={
            "framework_id": mini["framework"]["id"],
            "establishment_id": directory.establishments["chu-loire"],
            "title": "Autre",
        },
    )
    assert other.status_code == 422 and other.json()["detail"][0]["field"] == "establishment_id"
    ght_wide = etab.post(
        "/api/v1/assessments",
        json={"framework_id": mini["framework"]["id"], "ght_id": directory.ghts["a"], "title": "GHT"},
    )
    assert ght_wide.status_code == 422 and ght_wide.json()["detail"][0]["type"] == "error.assess_ght_wide"


def test_ght_wide_assessment_by_the_consultant(login_as, directory, mini):
    created = login_as(CONSULTANT).post(
        "/api/v1/assessments",
        json={"framework_id": mini["framework"]["id"], "ght_id": directory.ghts["a"], "title": "GHT entier"},
    )
    assert created.status_code == 201 and created.json()["establishment_id"] is None
    assert login_as(ETAB).get(f"/api/v1/assessments/{created.json()['id']}").status_code == 404


def test_comparison_improved_and_regressed(mini, login_as, directory):
    rssi = mini["rssi"]
    answer(rssi, mini["id"], (P1, 0, ""), (P2, 3, ""), (R1, 5, ""))
    later = rssi.post(
        "/api/v1/assessments",
        json={
            "framework_id": mini["framework"]["id"],
            "establishment_id": directory.establishments["ch-estuaire"],
            "title": "Mini 2026",
            "implementation_groups": ["base", "avance"],
        },
    ).json()
    answer(rssi, later["id"], (P1, 5, ""), (P2, 3, ""), (P2A, 3, ""), (R1, 0, ""))
    comparison = rssi.get(f"/api/v1/assessments/{later['id']}/compare/{mini['id']}").json()
    assert [
        (item["ref_id"], item["before"], item["after"], item["delta"]) for item in comparison["improved"]
    ] == [("P.1", 0.0, 100.0, 100.0)]
    assert [(item["ref_id"], item["delta"]) for item in comparison["regressed"]] == [("R.1", -100.0)]
    assert comparison["unchanged"] == 1
    assert {item["ref_id"]: item["change"] for item in comparison["requirements"]}[
        "P.2.a"
    ] == "newly_answered"
    # (0 + 0.6 + 1) / 3 = 53.3 % before; (1 + 0.6 + 0.6 + 0) / 4 = 55 % after.
    assert (comparison["before_scores"]["percent"], comparison["after_scores"]["percent"]) == (53.3, 55.0)
    page = rssi.get(f"/assess/assessments/{later['id']}/compare?other={mini['id']}")
    assert page.status_code == 200 and "En recul" in page.text and "radar.svg?other=" in page.text
    anssi = next(
        item for item in rssi.get("/api/v1/frameworks").json() if item["ref_id"] == "ANSSI-HYGIENE-v2"
    )
    other = rssi.post(
        "/api/v1/assessments",
        json={
            "framework_id": anssi["id"],
            "establishment_id": directory.establishments["ch-estuaire"],
            "title": "ANSSI",
        },
    ).json()
    mismatch = rssi.get(f"/api/v1/assessments/{other['id']}/compare/{mini['id']}")
    assert (
        mismatch.status_code == 422 and mismatch.json()["detail"][0]["type"] == "error.assess_same_framework"
    )


def test_csv_export_is_spreadsheet_safe(mini):
    rssi = mini["rssi"]
    answer(rssi, mini["id"], (P1, 5, '=HYPERLINK("http://evil")'), (R1, 3, 'Plan; "validé"'))
    exported = rssi.get(f"/api/v1/assessments/{mini['id']}/export.csv")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith("attachment;")
    text = exported.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:4] == ["Domaine", "Exigence", "Intitulé", "Score"]
    by_ref = {row[1]: row for row in rows[1:]}
    assert by_ref["P.1"][3:7] == ["5", "Optimisé", "100,0", '\'=HYPERLINK("http://evil")']
    assert by_ref["R.1"][6] == 'Plan; "validé"' and by_ref["P.2"][3] == ""


def test_radar_is_an_svg_served_by_us(mini):
    rssi = mini["rssi"]
    answer(rssi, mini["id"], (P1, 5, ""), (R1, 3, ""))
    radar = rssi.get(f"/api/v1/assessments/{mini['id']}/radar.svg")
    assert radar.status_code == 200 and radar.headers["content-type"].startswith("image/svg+xml")
    assert radar.text.startswith("<svg") and "<script" not in radar.text and "style=" not in radar.text


def test_demo_assessments_and_control_maturity(login_as, directory):
    rssi = login_as(RSSI_A)
    listed = rssi.get("/api/v1/assessments").json()
    assert len(listed) == 7 and {item["status"] for item in listed} == {"draft", "submitted", "validated"}
    maturity = rssi.get(
        f"/api/v1/establishments/{directory.establishments['chu-loire']}/control-maturity"
    ).json()
    assert 0 <= maturity["ad_tiering"] < maturity["awareness"] <= 5, "weak on AD tiering, better on awareness"
    assert maturity["backups_offline_tested"] < maturity["awareness"]


def test_pages_answer_with_evidence_and_submit(login_as, directory):
    rssi = login_as(RSSI_A)
    anssi = next(
        item for item in rssi.get("/api/v1/frameworks").json() if item["ref_id"] == "ANSSI-HYGIENE-v2"
    )
    new = rssi.get(f"/assess/new?framework_id={anssi['id']}")
    assert new.status_code == 200 and "Groupes de mise en œuvre" in new.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', new.text).group(1)
    scope = f"establishment:{directory.establishments['ch-anjou']}"
    missing = rssi.post(
        "/assess/new", data={"csrf_token": csrf, "framework_id": anssi["id"], "title": "", "scope": scope}
    )
    assert missing.status_code == 422 and 'aria-invalid="true"' in missing.text
    created = rssi.post(
        "/assess/new",
        data={
            "csrf_token": csrf,
            "framework_id": anssi["id"],
            "title": "Essai page",
            "scope": scope,
            "implementation_groups": "essentiel",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    assessment_id = int(re.search(r"/assess/assessments/(\d+)/answers", created.headers["location"]).group(1))
    page = rssi.get(f"/assess/assessments/{assessment_id}/answers")
    assert page.status_code == 200 and page.text.count('enctype="multipart/form-data"') == 15
    urn = re.search(r'name="requirement_urn" value="([^"]+)"', page.text).group(1)
    saved = rssi.post(
        f"/assess/assessments/{assessment_id}/answers",
        data={
            "csrf_token": csrf,
            "requirement_urn": urn,
            "score": "3",
            "comment": "Charte signée",
            "anchor": "r1",
        },
        files={"file": ("charte.txt", b"Charte informatique signee\n", "text/plain")},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    detail = rssi.get(f"/api/v1/assessments/{assessment_id}").json()
    item = next(req for req in detail["requirements"] if req["urn"] == urn)
    assert (item["score"], item["comment"], [e["original_name"] for e in item["evidence"]]) == (
        3,
        "Charte signée",
        ["charte.txt"],
    )
    refused = rssi.post(
        f"/assess/assessments/{assessment_id}/answers",
        data={"csrf_token": csrf, "requirement_urn": urn, "score": "3"},
        files={"file": ("virus.exe", b"MZ\x90\x00", "application/octet-stream")},
    )
    assert refused.status_code == 422 and "Type de fichier refusé" in refused.text
    submitted = rssi.post(
        f"/assess/assessments/{assessment_id}/submit", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert submitted.status_code == 303
    scores = rssi.get(f"/assess/assessments/{assessment_id}")
    assert scores.status_code == 200 and f"/api/v1/assessments/{assessment_id}/radar.svg" in scores.text
    assert "Soumise" in scores.text and "60 %" in scores.text


def test_pages_in_english(login_as, directory):
    rssi = login_as(RSSI_A)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', rssi.get("/assess").text).group(1)
    rssi.post("/locale", data={"csrf_token": csrf, "locale": "en", "next": "/assess"})
    overview = rssi.get("/assess")
    assert "Maturity and exposure assessment" in overview.text and "Framework library" in overview.text
    exposure = rssi.get(f"/assess/establishments/{directory.establishments['ch-estuaire']}/exposure")
    assert "Internet-exposed services" in exposure.text and "Technical exposure" in exposure.text
    listed = rssi.get("/api/v1/assessments").json()
    detail = rssi.get(f"/assess/assessments/{listed[0]['id']}")
    assert "Overall score" in detail.text and "Scores by domain" in detail.text
