"""Evidence files: type allow-list by extension and content, size limit, random names on disk, download in
scope only as an attachment with a clean name, removal of the file with its record."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

RSSI_A = "rssi-a@demo.test"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}/document.xml", "<doc/>")
    return buffer.getvalue()


@pytest.fixture
def draft(login_as, directory):
    """A draft ANSSI assessment of CH de l'Estuaire and the urn of its first requirement."""
    rssi = login_as(RSSI_A)
    anssi = next(
        item for item in rssi.get("/api/v1/frameworks").json() if item["ref_id"] == "ANSSI-HYGIENE-v2"
    )
    created = rssi.post(
        "/api/v1/assessments",
        json={
            "framework_id": anssi["id"],
            "establishment_id": directory.establishments["ch-estuaire"],
            "title": "Preuves",
        },
    )
    assessment = rssi.get(f"/api/v1/assessments/{created.json()['id']}").json()
    return {"id": assessment["id"], "urn": assessment["requirements"][0]["urn"], "rssi": rssi}


def attach(client, draft, name: str, data: bytes):
    return client.post(
        f"/api/v1/assessments/{draft['id']}/evidence",
        files={"file": (name, data, "application/octet-stream")},
        data={"requirement_urn": draft["urn"]},
    )


def stored_files(settings) -> list[Path]:
    folder = settings.data_dir / "evidence"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("rapport.pdf", PDF, "pdf"),
        ("capture.png", PNG, "png"),
        ("photo.JPEG", JPEG, "jpg"),
        ("notes.txt", "Procès-verbal de restauration\n".encode(), "txt"),
        ("inventaire.csv", b"a;b\n1;2\n", "csv"),
        ("charte.docx", office("word"), "docx"),
        ("comptes.xlsx", office("xl"), "xlsx"),
    ],
)
def test_allowed_types_are_stored_under_a_random_name(name, data, kind, draft, settings):
    answer = attach(draft["rssi"], draft, name, data)
    assert answer.status_code == 201, answer.text
    evidence = answer.json()
    assert (evidence["kind"], evidence["original_name"], evidence["size_bytes"]) == (kind, name, len(data))
    (path,) = stored_files(settings)
    assert path.read_bytes() == data and name not in path.name and len(path.name) == 32


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("script.exe", b"MZ\x90\x00", "error.evidence_type"),
        ("page.html", b"<html></html>", "error.evidence_type"),
        ("faux.pdf", b"<html><script>alert(1)</script></html>", "error.evidence_mismatch"),
        ("image.png", PDF, "error.evidence_mismatch"),
        ("binaire.txt", b"\x00\x01\x02ELF", "error.evidence_mismatch"),
        ("archive.docx", office("other"), "error.evidence_mismatch"),
        ("tableur.xlsx", office("word"), "error.evidence_mismatch"),
        ("vide.pdf", b"", "error.evidence_empty"),
    ],
)
def test_refused_types_store_nothing(name, data, reason, draft, settings, db_execute):
    answer = attach(draft["rssi"], draft, name, data)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["type"] == reason and answer.json()["detail"][0]["field"] == "file"
    assert stored_files(settings) == []
    assert db_execute(text("SELECT COUNT(*) FROM evidence_files"))[0][0] == 0


def test_oversized_evidence_is_refused(app_for, directory, login_as, tmp_path):
    small = app_for(upload_max_bytes=2048)
    with TestClient(small, base_url="http://127.0.0.1") as client:
        token = client.post("/api/v1/auth/login", json={"email": RSSI_A, "password": "demo-cyber360"}).json()
        client.headers["X-CSRF-Token"] = token["csrf_token"]
        anssi = next(
            item for item in client.get("/api/v1/frameworks").json() if item["ref_id"] == "ANSSI-HYGIENE-v2"
        )
        created = client.post(
            "/api/v1/assessments",
            json={
                "framework_id": anssi["id"],
                "establishment_id": directory.establishments["ch-estuaire"],
                "title": "Gros",
            },
        ).json()
        urn = client.get(f"/api/v1/assessments/{created['id']}").json()["requirements"][0]["urn"]
        target = {"id": created["id"], "urn": urn}
        just_over = attach(client, target, "gros.pdf", PDF + b"0" * 2048)  # within the multipart allowance
        assert just_over.status_code == 413 and just_over.json()["detail"][0]["type"] == "file_too_large"
        huge = attach(client, target, "enorme.pdf", PDF + b"0" * 200_000)  # refused on Content-Length
        assert huge.status_code == 413
        assert attach(client, target, "ok.pdf", PDF).status_code == 201
    assert len(list((tmp_path / "var" / "evidence").iterdir())) == 1


def test_download_in_scope_only_as_an_attachment(draft, login_as, anonymous, settings):
    evidence = attach(draft["rssi"], draft, "../../dossier/PV\u202erestauration ; é.pdf", PDF).json()
    assert evidence["original_name"] == "PV restauration ; é.pdf", "no path, no bidirectional override"
    for email in ("dg-a@demo.test", "assureur@demo.test", "consultant@demo.test", "etab-estuaire@demo.test"):
        answer = login_as(email).get(f"/api/v1/evidence/{evidence['id']}")
        assert answer.status_code == 200, email
        assert answer.content == PDF and answer.headers["content-type"] == "application/pdf"
        disposition = answer.headers["content-disposition"]
        assert disposition.startswith(
            'attachment; filename="PV restauration _ e.pdf"'
        ) or disposition.startswith('attachment; filename="PV restauration ; e.pdf"'), disposition
        assert "filename*=UTF-8''PV%20restauration%20%3B%20%C3%A9.pdf" in disposition
        assert answer.headers["x-content-type-options"] == "nosniff"
    for email in ("rssi-b@demo.test", "admin@demo.test", "acheteur@demo.test"):
        assert login_as(email).get(f"/api/v1/evidence/{evidence['id']}").status_code == 404, email
    assert anonymous.get(f"/api/v1/evidence/{evidence['id']}").status_code == 401


def test_deleting_removes_the_file_and_needs_a_draft(draft, login_as, settings, audit_log):
    rssi = draft["rssi"]
    first = attach(rssi, draft, "a.pdf", PDF).json()
    second = attach(rssi, draft, "b.pdf", PDF).json()
    assert len(stored_files(settings)) == 2
    assert login_as("dg-a@demo.test").delete(f"/api/v1/evidence/{first['id']}").status_code == 403
    assert login_as("rssi-b@demo.test").delete(f"/api/v1/evidence/{first['id']}").status_code == 404
    assert rssi.delete(f"/api/v1/evidence/{first['id']}").status_code == 204
    assert len(stored_files(settings)) == 1
    assert rssi.get(f"/api/v1/evidence/{first['id']}").status_code == 404
    assert audit_log("evidence.deleted")[-1].object_id == str(first["id"])
    rssi.put(
        f"/api/v1/assessments/{draft['id']}/answers",
        json={"answers": [{"requirement_urn": draft["urn"], "score": 2}]},
    )
    assert rssi.post(f"/api/v1/assessments/{draft['id']}/submit").status_code == 200
    assert rssi.delete(f"/api/v1/evidence/{second['id']}").status_code == 400, (
        "a submitted assessment is frozen"
    )
    assert attach(rssi, draft, "c.pdf", PDF).status_code == 400
    assert len(stored_files(settings)) == 1


def test_unknown_requirement_is_refused(draft, settings):
    answer = draft["rssi"].post(
        f"/api/v1/assessments/{draft['id']}/evidence",
        files={"file": ("a.pdf", PDF)},
        data={"requirement_urn": "urn:x:nope"},
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "requirement_urn"
    assert stored_files(settings) == []
