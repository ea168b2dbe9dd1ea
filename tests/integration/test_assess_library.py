"""The framework library through the API and the pages: a hand-written CISO Assistant file imports,
round-trips through export and is assessable; hostile files are refused naming the field path; imports are
platform-wide (administrator) or private to the importer's GHT (GHT manager)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from cyber360.assess.library import load_library

FIXTURES = Path(__file__).parents[1] / "fixtures" / "frameworks"
MINI = (FIXTURES / "mini-framework.yaml").read_bytes()
RSSI_A, RSSI_B, ADMIN = "rssi-a@demo.test", "rssi-b@demo.test", "admin@demo.test"
MINI_URN = "urn:test:risk:library:mini-hospital"


def upload(client, data: bytes, name: str = "mini-framework.yaml", **fields: str):
    return client.post("/api/v1/frameworks", files={"file": (name, data, "application/yaml")}, data=fields)


def count(db_execute, table: str) -> int:
    return db_execute(text(f"SELECT COUNT(*) FROM {table}"))[0][0]


def test_shipped_frameworks_are_listed_for_everyone(login_as):
    frameworks = login_as("dg-a@demo.test").get("/api/v1/frameworks").json()
    ref_ids = {item["ref_id"] for item in frameworks}
    assert {"ANSSI-HYGIENE-v2"} <= ref_ids and len([item for item in frameworks if item["shipped"]]) == 4
    anssi = next(item for item in frameworks if item["ref_id"] == "ANSSI-HYGIENE-v2")
    assert anssi["requirement_count"] == 42 and [level["score"] for level in anssi["levels"]] == [
        0,
        1,
        2,
        3,
        4,
        5,
    ]


def test_mini_framework_imports_round_trips_and_is_assessable(login_as, directory, audit_log):
    rssi = login_as(RSSI_A)
    answer = upload(rssi, MINI)
    assert answer.status_code == 201, answer.text
    summary = answer.json()
    assert summary["urn"] == MINI_URN and summary["version"] == 3 and summary["ght_id"] == directory.ghts["a"]
    assert summary["requirement_count"] == 4
    assert [level["score"] for level in summary["levels"]] == [0, 3, 5]
    (record,) = audit_log("framework.imported")
    assert record.actor_email == RSSI_A and record.object_id == str(summary["id"])

    detail = rssi.get(f"/api/v1/frameworks/{summary['id']}", headers={"Accept-Language": "en"}).json()
    assert [node["ref_id"] for node in detail["nodes"] if node["assessable"]] == [
        "P.1",
        "P.2",
        "P.2.a",
        "R.1",
    ]
    assert next(node for node in detail["nodes"] if node["ref_id"] == "P.1")["name"] == "Offline backups"

    exported = rssi.get(f"/api/v1/frameworks/{summary['id']}/export")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith("attachment;")
    assert exported.headers["content-type"].startswith("application/yaml")
    assert load_library(exported.content) == load_library(MINI), "export gives back the same library"
    # Foreign keys survive the round trip (CISO Assistant's reference_controls, weight...).
    node = next(
        item
        for item in yaml.safe_load(exported.text)["objects"]["framework"]["requirement_nodes"]
        if item["urn"].endswith(":p.1")
    )
    assert node["weight"] == 2 and node["reference_controls"] == ["urn:test:risk:function:mini:backup"]

    created = rssi.post(
        "/api/v1/assessments",
        json={
            "framework_id": summary["id"],
            "establishment_id": directory.establishments["ch-estuaire"],
            "title": "Mini",
            "implementation_groups": ["avance"],
        },
    )
    assert created.status_code == 201, created.text
    assessment = rssi.get(f"/api/v1/assessments/{created.json()['id']}").json()
    assert [item["ref_id"] for item in assessment["requirements"]] == ["P.1", "P.2", "P.2.a", "R.1"]


def test_ght_private_library_is_invisible_to_other_ghts_and_admin_import_is_platform_wide(
    login_as, directory
):
    private = upload(login_as(RSSI_A), MINI).json()
    assert private["id"] not in {item["id"] for item in login_as(RSSI_B).get("/api/v1/frameworks").json()}
    assert login_as(RSSI_B).get(f"/api/v1/frameworks/{private['id']}").status_code == 404
    assert login_as("consultant@demo.test").get(f"/api/v1/frameworks/{private['id']}").status_code == 200
    # The same library imported by the administrator is a platform-wide copy, seen by GHT B too.
    public = upload(login_as(ADMIN), MINI)
    assert public.status_code == 201, public.text
    assert public.json()["ght_id"] is None
    assert public.json()["id"] in {item["id"] for item in login_as(RSSI_B).get("/api/v1/frameworks").json()}
    # GHT B may not assess with GHT A's private copy.
    refused = login_as(RSSI_B).post(
        "/api/v1/assessments",
        json={
            "framework_id": private["id"],
            "establishment_id": directory.establishments["ch-armor"],
            "title": "Essai",
        },
    )
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "framework_id"


def test_same_version_twice_is_a_conflict(login_as, directory):
    rssi = login_as(RSSI_A)
    assert upload(rssi, MINI).status_code == 201
    again = upload(rssi, MINI)
    assert again.status_code == 409 and again.json()["detail"][0]["type"] == "error.library_exists"


@pytest.mark.parametrize(
    ("name", "code", "field"),
    [
        (
            "hostile-unknown-parent.yaml",
            "unknown_parent",
            "objects.framework.requirement_nodes[1].parent_urn",
        ),
        ("hostile-cycle.yaml", "cycle", "objects.framework.requirement_nodes"),
        ("hostile-python-tag.yaml", "yaml_forbidden_tag", "ligne"),
        ("hostile-billion-laughs.yaml", "yaml_alias_forbidden", "ligne"),
    ],
)
def test_hostile_libraries_are_refused_naming_the_path_and_nothing_is_stored(
    name, code, field, login_as, directory, db_execute, audit_log
):
    rssi = login_as(RSSI_A)
    before, audits = count(db_execute, "assess_frameworks"), len(audit_log())
    answer = upload(rssi, (FIXTURES / name).read_bytes(), name)
    assert answer.status_code == 422, answer.text
    first = answer.json()["detail"][0]
    assert first["type"] == code and first["field"].startswith(field) and first["msg"]
    assert count(db_execute, "assess_frameworks") == before and len(audit_log()) == audits


def test_a_missing_field_is_named_with_its_path(login_as, directory):
    broken = MINI.replace(b"    ref_id: MINI-1\n    name: Mini r", b"    name: Mini r")
    answer = upload(login_as(RSSI_A), broken)
    assert answer.status_code == 422
    assert {(item["field"], item["type"]) for item in answer.json()["detail"]} == {
        ("objects.framework.ref_id", "missing")
    }


def test_oversized_library_is_refused_before_parsing(app_for, login_as, directory):
    small = app_for(upload_max_bytes=4096)
    from fastapi.testclient import TestClient

    with TestClient(small, base_url="http://127.0.0.1") as client:
        token = client.post("/api/v1/auth/login", json={"email": RSSI_A, "password": "demo-cyber360"}).json()
        client.headers["X-CSRF-Token"] = token["csrf_token"]
        answer = upload(client, MINI + b"#" * 200_000)
    assert answer.status_code == 413 and answer.json()["detail"][0]["type"] == "file_too_large"


@pytest.mark.parametrize(
    "email", ["dg-a@demo.test", "consultant@demo.test", "assureur@demo.test", "etab-estuaire@demo.test"]
)
def test_only_managers_and_the_administrator_import(email, login_as, directory):
    assert upload(login_as(email), MINI).status_code == 403


def test_import_through_the_page(login_as, directory):
    rssi = login_as(RSSI_A)
    page = rssi.get("/assess/frameworks")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = rssi.post(
        "/assess/frameworks",
        files={"file": ("x.yaml", (FIXTURES / "hostile-unknown-parent.yaml").read_bytes())},
        data={"csrf_token": csrf},
    )
    assert bad.status_code == 422 and "parent_urn" in bad.text and 'aria-invalid="true"' in bad.text
    good = rssi.post(
        "/assess/frameworks",
        files={"file": ("mini.yaml", MINI)},
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert good.status_code == 303, good.text
    detail = rssi.get(good.headers["location"])
    assert detail.status_code == 200 and "Sauvegardes hors ligne" in detail.text
    no_token = rssi.post("/assess/frameworks", files={"file": ("mini.yaml", MINI)}, data={})
    assert no_token.status_code == 403
