"""Scan parsers on realistic files of each format (hand-written fixtures in tests/fixtures/scans)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cyber360.assess.exposure import Asset, AssetKey, AssetKind, Exposure, Finding, Severity, merge_exposure
from cyber360.assess.parsers import ScanFormat, ScanResult, detect_format, parse_scan

FIXTURES = Path(__file__).parents[2] / "fixtures" / "scans"


def parse_fixture(name: str) -> ScanResult:
    return parse_scan((FIXTURES / name).read_bytes(), name)


def asset_at(result: ScanResult, address: str) -> Asset:
    return next(asset for asset in result.assets if asset.address == address)


def cves_of(result: ScanResult, address: str) -> set[str]:
    return {finding.cve for finding in result.findings if finding.asset.address == address and finding.cve}


def finding_for(result: ScanResult, cve: str) -> Finding:
    return next(finding for finding in result.findings if finding.cve == cve)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hospital.nmap.xml", ScanFormat.NMAP),
        ("hospital.openvas.xml", ScanFormat.OPENVAS),
        ("hospital.nessus", ScanFormat.NESSUS),
        ("inventory_fr.csv", ScanFormat.INVENTORY_CSV),
        ("inventory_en.csv", ScanFormat.INVENTORY_CSV),
    ],
)
def test_format_is_recognised_from_content_not_name(name: str, expected: ScanFormat) -> None:
    data = (FIXTURES / name).read_bytes()
    assert detect_format(data, "upload.bin") is expected
    assert parse_scan(data, "upload.bin").format is expected


def test_nmap_hosts_services_os_and_vulnerabilities() -> None:
    result = parse_fixture("hospital.nmap.xml")
    assert {asset.address for asset in result.assets} == {
        "10.20.1.15",
        "10.20.6.31",
        "10.20.5.7",
        "45.33.32.156",
        "10.20.4.22",
    }, "the host that is down is left out"
    pacs = asset_at(result, "10.20.1.15")
    assert pacs.hostname == "pacs01.ch-demo.example", "lower case, trailing dot removed"
    assert pacs.os == "Microsoft Windows Server 2016", "best OS match"
    assert [(service.port, service.name) for service in pacs.services] == [(104, "dicom"), (443, "ssl/http")]
    assert pacs.services[1].product == "Apache httpd" and pacs.services[1].version == "2.4.49"
    assert pacs.is_medical_device and not pacs.internet_exposed
    assert cves_of(result, "10.20.1.15") == {"CVE-2021-41773", "CVE-2021-42013"}, "vulners CVEs, not exploits"
    apache = finding_for(result, "CVE-2021-42013")
    assert (apache.cvss_score, apache.severity, apache.port, apache.protocol) == (
        9.8,
        Severity.CRITICAL,
        443,
        "tcp",
    )
    assert apache.source == "nmap"


def test_nmap_medical_device_heuristics_and_device_types() -> None:
    result = parse_fixture("hospital.nmap.xml")
    modality = asset_at(result, "10.20.6.31")
    assert modality.is_medical_device and modality.kind is AssetKind.MEDICAL_DEVICE, "DICOM 11112 and GE MAC"
    assert asset_at(result, "10.20.5.7").is_medical_device, "HL7 port 2575"
    printer = asset_at(result, "10.20.4.22")
    assert printer.kind is AssetKind.PRINTER and not printer.is_medical_device


def test_nmap_nse_vulns_library_and_text_only_vulners() -> None:
    result = parse_fixture("hospital.nmap.xml")
    eternal_blue = finding_for(result, "CVE-2017-0143")
    assert eternal_blue.source_id == "smb-vuln-ms17-010"
    assert eternal_blue.severity is Severity.HIGH and eternal_blue.port is None, "host script, no score"
    assert cves_of(result, "10.20.5.7") == {"CVE-2017-0143", "CVE-2016-6210", "CVE-2016-8858"}
    assert finding_for(result, "CVE-2016-6210").cvss_score == 4.3


def test_nmap_public_address_is_internet_exposed() -> None:
    result = parse_fixture("hospital.nmap.xml")
    vpn = asset_at(result, "45.33.32.156")
    assert vpn.internet_exposed and vpn.hostname == "vpn.ch-demo.example", "user-given name before PTR"
    assert cves_of(result, "45.33.32.156") == {"CVE-2018-13379", "CVE-2019-0708"}


def test_openvas_results_hosts_and_cvss_versions() -> None:
    result = parse_fixture("hospital.openvas.xml")
    assert len(result.assets) == 2
    mri = asset_at(result, "10.20.6.30")
    assert mri.hostname == "irm-01.ch-demo.example"
    assert mri.os == "Microsoft Windows 7 Professional", "from the report's host details"
    assert mri.is_medical_device, "DICOM port seen in a log-level result"
    assert cves_of(result, "10.20.6.30") == {"CVE-2017-0143", "CVE-2017-0144", "CVE-2017-0145"}
    assert finding_for(result, "CVE-2017-0144").cvss_version == "2.0"
    apache = finding_for(result, "CVE-2021-41773")
    assert (apache.cvss_score, apache.cvss_version, apache.port) == (7.5, "3.1", 443)
    end_of_life = next(finding for finding in result.findings if finding.title == "OS End Of Life Detection")
    assert end_of_life.port is None and end_of_life.cve == "" and end_of_life.severity is Severity.CRITICAL
    titles = {finding.title for finding in result.findings}
    assert "DICOM Service Detection" not in titles, "log results are information, not findings"
    assert not any("TLSv1.0" in title for title in titles), "false positives are left out"


def test_openvas_inside_a_gmp_response() -> None:
    report = (FIXTURES / "hospital.openvas.xml").read_bytes().split(b"?>", 1)[1]
    wrapped = b'<get_reports_response status="200" status_text="OK">' + report + b"</get_reports_response>"
    assert len(parse_scan(wrapped, "gmp.xml").findings) == len(parse_fixture("hospital.openvas.xml").findings)


def test_nessus_hosts_items_severities_and_duplicates() -> None:
    result = parse_fixture("hospital.nessus")
    vpn = asset_at(result, "45.33.32.156")
    assert vpn.hostname == "vpn.ch-demo.example" and vpn.kind is AssetKind.NETWORK and vpn.internet_exposed
    fortinet = [finding for finding in result.findings if finding.cve == "CVE-2018-13379"]
    assert len(fortinet) == 1, "the repeated report item is one finding"
    assert (fortinet[0].cvss_score, fortinet[0].cvss_version, fortinet[0].severity) == (
        9.8,
        "3.0",
        Severity.CRITICAL,
    )
    assert not any(finding.source_id == "19506" for finding in result.findings), "severity 0 is information"
    echo = asset_at(result, "10.20.7.12")
    assert echo.hostname == "echo-cardio-02", "NetBIOS name when there is no FQDN"
    assert echo.is_medical_device and echo.kind is AssetKind.MEDICAL_DEVICE
    assert echo.os == "Microsoft Windows XP Service Pack 3"
    assert cves_of(result, "10.20.7.12") == {f"CVE-2017-014{digit}" for digit in "345678"}
    workstation = asset_at(result, "10.20.30.101")
    assert [service.port for service in workstation.services] == [3389]
    rdp = next(finding for finding in result.findings if finding.source_id == "18405")
    assert (rdp.severity, rdp.cvss_version, rdp.cve) == (Severity.MEDIUM, "2.0", "")


def test_french_inventory_semicolons_windows_1252_and_aliases() -> None:
    result = parse_fixture("inventory_fr.csv")
    codes = {warning.code for warning in result.warnings}
    assert {"encoding_assumed", "columns_ignored", "spreadsheet_formula_neutralised"} <= codes
    assert len(result.assets) == 8, "the blank line is skipped"
    pacs = asset_at(result, "10.20.1.15")
    assert pacs.kind is AssetKind.SERVER and pacs.is_medical_device, "declared 'oui'"
    assert [service.port for service in pacs.services] == [104, 443]
    mri = asset_at(result, "10.20.6.30")
    assert mri.kind is AssetKind.MEDICAL_DEVICE and mri.hostname == "irm-01"
    assert asset_at(result, "10.20.7.45").is_medical_device, "kind 'Équipement biomédical'"
    assert asset_at(result, "10.20.7.46").is_medical_device, "vendor Fresenius"
    vpn = asset_at(result, "45.33.32.156")
    assert vpn.kind is AssetKind.NETWORK and vpn.internet_exposed
    printer = asset_at(result, "10.20.4.22")
    assert printer.kind is AssetKind.PRINTER
    assert not printer.os.startswith(("=", "+", "-", "@")), "formula neutralised"
    assert asset_at(result, "10.20.30.101").kind is AssetKind.WORKSTATION
    building = asset_at(result, "10.20.8.3")
    assert building.kind is AssetKind.IOT and not building.is_medical_device, "Siemens alone is not medical"


def test_english_inventory_utf8_bom_ipv6_and_heuristics() -> None:
    result = parse_fixture("inventory_en.csv")
    assert result.warnings == ()
    portal = next(asset for asset in result.assets if asset.hostname == "portal.ch-demo.example")
    assert portal.address == "2a00:1450:4007:80e::2004" and portal.internet_exposed, "public IPv6"
    assert asset_at(result, "10.20.7.60").is_medical_device, "vendor Draeger"
    assert asset_at(result, "10.20.9.14").kind is AssetKind.MEDICAL_DEVICE


def test_explicit_inventory_columns_override_guesses() -> None:
    csv = (
        b"hostname,address,medical_device,internet_exposed,services\n"
        b"viewer,10.1.1.1,non,oui,104/tcp\n"
        b"portal,45.33.32.156,,no,\n"
    )
    viewer, portal = parse_scan(csv, "inv.csv").assets
    assert not viewer.is_medical_device and viewer.internet_exposed
    assert not portal.internet_exposed


def test_scans_merge_into_one_exposure_across_formats() -> None:
    outcome = merge_exposure(Exposure(), (), ())
    for name in ("inventory_fr.csv", "hospital.nmap.xml", "hospital.openvas.xml", "hospital.nessus"):
        result = parse_fixture(name)
        outcome = merge_exposure(outcome.exposure, result.assets, result.findings)
    exposure = outcome.exposure
    keys = [asset.key for asset in exposure.assets]
    assert len(keys) == len(set(keys))
    assert len([key for key in keys if key.address == "10.20.1.15"]) == 1, "PACS seen by three sources"
    pacs = next(asset for asset in exposure.assets if asset.address == "10.20.1.15")
    assert pacs.key == AssetKey("10.20.1.15", "pacs01.ch-demo.example")
    mri = next(asset for asset in exposure.assets if asset.address == "10.20.6.30")
    assert mri.hostname == "irm-01", "the inventory's name stays the key; the scan's FQDN does not split it"
    apache = [finding for finding in exposure.findings if finding.cve == "CVE-2021-41773"]
    assert len(apache) == 1, "same CVE on the same asset and port from Nmap and OpenVAS"
    assert apache[0].cvss_version == "3.1", "the score with a known CVSS version is kept"


@pytest.mark.skipif(
    not (Path(__file__).parents[4] / "shared" / "feeds" / "samples").is_dir()
    and "CYBER360_FEED_SAMPLES" not in os.environ,
    reason="real scanner samples (shared/feeds/samples) not present",
)
def test_real_scanner_samples_parse() -> None:
    samples = Path(
        os.environ.get("CYBER360_FEED_SAMPLES", Path(__file__).parents[4] / "shared/feeds/samples")
    )
    files = sorted(path for path in samples.rglob("*") if path.suffix in (".xml", ".nessus"))
    assert files
    for path in files:
        result = parse_scan(path.read_bytes(), path.name)
        assert result.assets, path.name
        assert result.format.value in path.parent.name or path.parent.name in result.format.value
