"""Scan imports through the API and the page: each format, hostile files refused with a clear error and
nothing stored (no asset, no finding, no import row, no audit record of a change), merging across imports,
and the exposure summary enriched with KEV and EPSS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from cyber360.assess.parsers import parse_scan

SCANS = Path(__file__).parents[1] / "fixtures" / "scans"
RSSI_A = "rssi-a@demo.test"
TABLES = ("assets", "findings", "scan_imports")


def send(client, establishment_id: int, name: str, data: bytes | None = None):
    content = (SCANS / name).read_bytes() if data is None else data
    return client.post(f"/api/v1/establishments/{establishment_id}/scans", files={"file": (name, content)})


def counts(db_execute) -> dict[str, int]:
    return {table: db_execute(text(f"SELECT COUNT(*) FROM {table}"))[0][0] for table in TABLES}


@pytest.fixture
def anjou(directory) -> int:
    """An establishment of GHT A without demo scans."""
    return directory.establishments["ch-anjou"]


@pytest.mark.parametrize(
    ("name", "scan_format"),
    [
        ("hospital.nmap.xml", "nmap"),
        ("hospital.openvas.xml", "openvas"),
        ("hospital.nessus", "nessus"),
        ("inventory_fr.csv", "inventory_csv"),
        ("inventory_en.csv", "inventory_csv"),
    ],
)
def test_each_format_imports(name, scan_format, anjou, login_as, audit_log):
    rssi = login_as(RSSI_A)
    answer = send(rssi, anjou, name)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    parsed = parse_scan((SCANS / name).read_bytes(), name)
    assert (result["format"], result["filename"]) == (scan_format, name)
    assert (result["asset_count"], result["finding_count"]) == (len(parsed.assets), len(parsed.findings))
    assert (result["assets_added"], result["findings_added"]) == (len(parsed.assets), len(parsed.findings))
    assets = rssi.get(f"/api/v1/establishments/{anjou}/assets").json()
    assert len(assets) == len(parsed.assets)
    assert [item["id"] for item in rssi.get(f"/api/v1/establishments/{anjou}/scans").json()] == [result["id"]]
    record = audit_log("scan.imported")[-1]
    assert record.actor_email == RSSI_A and record.object_id == str(result["id"])


def test_merge_across_imports(anjou, login_as, db_execute):
    rssi = login_as(RSSI_A)
    before = counts(db_execute)
    steps = []
    for name in ("hospital.nmap.xml", "hospital.openvas.xml", "hospital.nessus", "inventory_fr.csv"):
        result = send(rssi, anjou, name).json()
        assets = rssi.get(f"/api/v1/establishments/{anjou}/assets").json()
        steps.append(
            (
                len(assets),
                sum(item["finding_count"] for item in assets),
                result["assets_added"],
                result["findings_added"],
            )
        )
    # Nmap: 5 hosts, 7 findings. OpenVAS adds 1 host and 4 findings (MS17-010 on 10.20.1.20 already seen).
    # Nessus adds 2 hosts and 10 findings. The inventory adds 3 machines scanners did not see, no finding.
    assert steps == [(5, 7, 5, 7), (6, 11, 1, 4), (8, 21, 2, 10), (11, 21, 3, 0)]
    again = send(rssi, anjou, "hospital.nessus").json()
    assert (again["assets_added"], again["findings_added"]) == (0, 0), "the same report twice adds nothing"
    after = counts(db_execute)
    assert after["assets"] - before["assets"] == 11 and after["findings"] - before["findings"] == 21
    assert after["scan_imports"] - before["scan_imports"] == 5
    pacs = next(
        item
        for item in rssi.get(f"/api/v1/establishments/{anjou}/assets").json()
        if item["address"] == "10.20.1.15"
    )
    assert pacs["hostname"] == "pacs01.ch-demo.example" and pacs["is_medical_device"]


def test_exposure_summary_with_kev_and_epss(anjou, login_as):
    rssi = login_as(RSSI_A)
    for name in ("hospital.nmap.xml", "hospital.openvas.xml", "hospital.nessus", "inventory_fr.csv"):
        send(rssi, anjou, name)
    summary = rssi.get(f"/api/v1/establishments/{anjou}/exposure").json()
    assert summary["asset_count"] == 11 and summary["finding_count"] == 21
    kev = {item["cve"] for item in summary["kev_findings"]}
    assert {"CVE-2021-41773", "CVE-2017-0143", "CVE-2018-13379", "CVE-2019-0708"} <= kev
    assert all(item["in_kev"] for item in summary["kev_findings"])
    assert summary["high_epss_findings"] and all(
        item["epss"] >= 0.1 for item in summary["high_epss_findings"]
    )
    assert any(
        item["asset_label"].endswith("(45.33.32.156)") or "45.33.32.156" in item["asset_label"]
        for item in summary["internet_exposed_services"]
    )
    devices = summary["vulnerable_medical_devices"]
    assert devices and all(device["asset"]["is_medical_device"] and device["findings"] for device in devices)
    assert {feed["name"] for feed in summary["feeds"]} == {"epss", "kev"}
    finding_id = summary["kev_findings"][0]["id"]
    assert rssi.get(f"/api/v1/findings/{finding_id}").json()["in_kev"] is True
    asset = rssi.get(f"/api/v1/assets/{summary['kev_findings'][0]['asset_id']}").json()
    assert finding_id in {item["id"] for item in asset["findings"]}
    stricter = rssi.get(f"/api/v1/establishments/{anjou}/exposure?epss_threshold=0.99").json()
    assert len(stricter["high_epss_findings"]) < len(summary["high_epss_findings"])


def billion_laughs() -> bytes:
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE nmaprun [{entities}]><nmaprun>&a9;</nmaprun>'.encode()


HOSTILE = [
    ("bomb.xml", billion_laughs(), "xml_entities_forbidden"),
    (
        "xxe.xml",
        b'<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<nmaprun><host>&x;</host></nmaprun>",
        "xml_external_entity_forbidden",
    ),
    ("truncated.nessus", (SCANS / "hospital.nessus").read_bytes()[:3000], "xml_malformed"),
    ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "format_unrecognised"),
    ("scan.json", b'{"hosts": []}', "format_unrecognised"),
    ("other.xml", b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "format_unrecognised"),
    ("empty.csv", b"", "file_empty"),
]


@pytest.mark.parametrize(("name", "data", "code"), HOSTILE, ids=[item[2] + "-" + item[0] for item in HOSTILE])
def test_hostile_files_are_refused_and_nothing_is_stored(
    name, data, code, anjou, login_as, db_execute, audit_log
):
    rssi = login_as(RSSI_A)
    send(rssi, anjou, "hospital.nmap.xml")  # something already there, which must stay as it is
    before, audits = counts(db_execute), len(audit_log())
    answer = send(rssi, anjou, name, data)
    assert answer.status_code == 422, answer.text
    (detail,) = answer.json()["detail"]
    assert (detail["field"], detail["type"]) == ("file", code) and detail["msg"]
    assert "root:" not in answer.text
    assert counts(db_execute) == before and len(audit_log()) == audits


def test_oversized_scan_is_refused_and_nothing_is_stored(app_for, anjou, db_execute):
    small = app_for(upload_max_bytes=4096)
    before = counts(db_execute)
    with TestClient(small, base_url="http://127.0.0.1") as client:
        token = client.post("/api/v1/auth/login", json={"email": RSSI_A, "password": "demo-cyber360"}).json()
        client.headers["X-CSRF-Token"] = token["csrf_token"]
        answer = send(client, anjou, "hospital.nessus")
        assert answer.status_code == 413, answer.text
        assert (
            answer.json()["detail"][0]["type"] == "file_too_large"
            and "limite" in answer.json()["detail"][0]["msg"]
        )
        nearly = send(
            client, anjou, "big.csv", b"hostname;address\n" + b"h;10.0.0.1\n" * 420
        )  # within the envelope
        assert nearly.status_code == 413 and nearly.json()["detail"][0]["type"] == "file_too_large"
    assert counts(db_execute) == before


def test_who_may_import(anjou, login_as, directory, db_execute):
    before = counts(db_execute)
    assert send(login_as("dg-a@demo.test"), anjou, "hospital.nmap.xml").status_code == 403
    assert send(login_as("assureur@demo.test"), anjou, "hospital.nmap.xml").status_code == 403
    assert send(login_as("rssi-b@demo.test"), anjou, "hospital.nmap.xml").status_code == 404
    assert send(login_as("admin@demo.test"), anjou, "hospital.nmap.xml").status_code == 404
    assert send(login_as("etab-estuaire@demo.test"), anjou, "hospital.nmap.xml").status_code == 404
    assert counts(db_execute) == before
    estuaire = directory.establishments["ch-estuaire"]
    assert send(login_as("etab-estuaire@demo.test"), estuaire, "hospital.nmap.xml").status_code == 201
    assert send(login_as("consultant@demo.test"), anjou, "hospital.nmap.xml").status_code == 201
    missing = login_as(RSSI_A).post(f"/api/v1/establishments/{anjou}/scans", data={"x": "y"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["type"] == "error.file_missing"


def test_import_through_the_page(anjou, login_as):
    rssi = login_as(RSSI_A)
    page = rssi.get(f"/assess/establishments/{anjou}/exposure")
    assert page.status_code == 200 and "Aucune machine" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = rssi.post(
        f"/assess/establishments/{anjou}/scans",
        data={"csrf_token": csrf},
        files={"file": ("bomb.xml", billion_laughs())},
    )
    assert bad.status_code == 422 and "entités" in bad.text and 'aria-invalid="true"' in bad.text
    good = rssi.post(
        f"/assess/establishments/{anjou}/scans",
        data={"csrf_token": csrf},
        files={"file": ("hospital.nmap.xml", (SCANS / "hospital.nmap.xml").read_bytes())},
        follow_redirects=False,
    )
    assert good.status_code == 303
    shown = rssi.get(good.headers["location"])
    assert shown.status_code == 200 and "Fichier importé" in shown.text and "CVE-2021-41773" in shown.text
    reader = login_as("dg-a@demo.test").get(f"/assess/establishments/{anjou}/exposure")
    assert reader.status_code == 200 and 'action="/assess/establishments' not in reader.text
