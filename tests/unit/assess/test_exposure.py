"""The exposure domain: keys, merging imports without duplicates, and the exposure summary."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyber360.assess.exposure import (
    Asset,
    AssetKey,
    AssetKind,
    Exposure,
    Finding,
    Service,
    Severity,
    is_public_address,
    merge_exposure,
    normalise_address,
    severity_from_cvss,
    spreadsheet_safe,
)
from cyber360.assess.exposure_summary import DEFAULT_EPSS_THRESHOLD, summarize_exposure

PACS = AssetKey("10.20.1.15", "pacs01.ch-demo.example")
VPN = AssetKey("45.33.32.156", "vpn.ch-demo.example")


def finding(asset: AssetKey, cve: str = "", **changes: object) -> Finding:
    values: dict[str, object] = {
        "asset": asset,
        "title": f"Vulnerability {cve}",
        "severity": Severity.HIGH,
        "source": "nessus",
        "source_id": "1000",
        "cve": cve,
        "cvss_score": 7.5,
        "cvss_version": "3.1",
        "port": 443,
        "protocol": "tcp",
    }
    values.update(changes)
    return Finding(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "severity"),
    [(None, Severity.INFO), (0.0, Severity.INFO), (0.1, Severity.LOW), (3.9, Severity.LOW),
     (4.0, Severity.MEDIUM), (6.9, Severity.MEDIUM), (7.0, Severity.HIGH), (8.9, Severity.HIGH),
     (9.0, Severity.CRITICAL), (10.0, Severity.CRITICAL)],
)  # fmt: skip
def test_severity_follows_the_cvss_v3_rating_scale(score: float | None, severity: Severity) -> None:
    assert severity_from_cvss(score) is severity


def test_addresses_are_canonical_and_public_ones_recognised() -> None:
    assert normalise_address(" 2001:0DB8:0000::0001 ") == "2001:db8::1"
    assert normalise_address("10.0.0.256") is None
    assert is_public_address("45.33.32.156")
    for private in (
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.1.1",
        "100.64.0.1",
        "fe80::1",
    ):
        assert not is_public_address(private), private
    assert not is_public_address("not-an-address")


def test_values_are_validated() -> None:
    with pytest.raises(ValueError):
        AssetKey("", "")
    with pytest.raises(ValueError):
        Service(70000, "tcp")
    with pytest.raises(ValueError):
        finding(PACS, cvss_score=11.0)


def test_spreadsheet_safe_prefixes_formulas_for_exports() -> None:
    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("Windows 10") == "Windows 10"


def test_merge_adds_then_updates_without_duplicates() -> None:
    first = merge_exposure(
        Exposure(),
        [Asset(PACS.hostname, PACS.address, services=(Service(443, "tcp", "https"),))],
        [finding(PACS, "CVE-2021-41773")],
    )
    assert first.assets_added == (PACS,) and first.findings_added == (finding(PACS, "CVE-2021-41773").key,)
    again = merge_exposure(
        first.exposure,
        [
            Asset(
                PACS.hostname,
                PACS.address,
                os="Windows Server 2016",
                services=(Service(104, "tcp", "dicom"),),
            )
        ],
        [finding(PACS, "CVE-2021-41773", severity=Severity.CRITICAL, cvss_score=None)],
    )
    (pacs,) = again.exposure.assets
    assert again.assets_added == () and again.assets_updated == (PACS,)
    assert pacs.os == "Windows Server 2016"
    assert [service.port for service in pacs.services] == [104, 443], "services accumulate"
    (merged,) = again.exposure.findings
    assert merged.severity is Severity.CRITICAL and merged.cvss_score == 7.5, (
        "missing score keeps the known one"
    )
    assert again.findings_updated == (merged.key,)


def test_same_import_twice_changes_nothing() -> None:
    assets = [Asset(PACS.hostname, PACS.address, is_medical_device=True)]
    findings = [finding(PACS, "CVE-2017-0144", port=445), finding(PACS, "", source_id="73182", port=None)]
    once = merge_exposure(Exposure(), assets, findings)
    twice = merge_exposure(once.exposure, assets, findings)
    assert twice.exposure == once.exposure
    assert (twice.assets_added, twice.assets_updated, twice.findings_added, twice.findings_updated) == (
        (),
    ) * 4


def test_an_asset_gaining_its_host_name_is_renamed_and_its_findings_follow() -> None:
    by_address = AssetKey("10.20.6.30", "")
    start = merge_exposure(Exposure(), [Asset("", "10.20.6.30")], [finding(by_address, "CVE-2017-0143")])
    named = merge_exposure(start.exposure, [Asset("irm-01.ch-demo.example", "10.20.6.30")], [])
    new_key = AssetKey("10.20.6.30", "irm-01.ch-demo.example")
    assert named.renamed == ((by_address, new_key),)
    assert [asset.key for asset in named.exposure.assets] == [new_key]
    assert [item.asset for item in named.exposure.findings] == [new_key]
    again = merge_exposure(named.exposure, [Asset("", "10.20.6.30")], [finding(by_address, "CVE-2017-0143")])
    assert again.exposure == named.exposure, "a later scan without the name still finds the asset"


def test_short_name_matches_full_name_on_the_same_address_only() -> None:
    current = merge_exposure(Exposure(), [Asset("irm-01", "10.20.6.30")], []).exposure
    same = merge_exposure(current, [Asset("irm-01.ch-demo.example", "10.20.6.30")], [])
    assert len(same.exposure.assets) == 1 and same.exposure.assets[0].hostname == "irm-01"
    other = merge_exposure(current, [Asset("irm-01.ch-demo.example", "10.20.6.99")], [])
    assert len(other.exposure.assets) == 2


def test_ambiguous_match_keeps_the_incoming_asset_apart() -> None:
    current = merge_exposure(Exposure(), [Asset("a", "10.0.0.1"), Asset("b", "10.0.0.1")], []).exposure
    outcome = merge_exposure(current, [Asset("", "10.0.0.1")], [])
    assert len(outcome.exposure.assets) == 3 and outcome.assets_added == (AssetKey("10.0.0.1", ""),)


def test_flags_once_raised_stay_and_medical_kind_is_not_downgraded() -> None:
    current = merge_exposure(
        Exposure(), [Asset("echo", "10.0.0.7", kind=AssetKind.MEDICAL_DEVICE, is_medical_device=True)], []
    ).exposure
    (asset,) = merge_exposure(current, [Asset("echo", "10.0.0.7", kind=AssetKind.SERVER)], []).exposure.assets
    assert asset.kind is AssetKind.MEDICAL_DEVICE and asset.is_medical_device
    printer = merge_exposure(Exposure(), [Asset("p", "10.0.0.8")], []).exposure
    (asset,) = merge_exposure(printer, [Asset("p", "10.0.0.8", kind=AssetKind.PRINTER)], []).exposure.assets
    assert asset.kind is AssetKind.PRINTER


def test_finding_without_its_asset_creates_a_bare_asset() -> None:
    outcome = merge_exposure(Exposure(), [], [finding(VPN, "CVE-2018-13379")])
    assert [asset.key for asset in outcome.exposure.assets] == [VPN]


def test_findings_without_cve_are_told_apart_by_scanner_check() -> None:
    findings = [
        finding(PACS, "", source_id="1"),
        finding(PACS, "", source_id="2"),
        finding(PACS, "", source_id="1"),
    ]
    assert len(merge_exposure(Exposure(), [], findings).exposure.findings) == 2


hosts = st.sampled_from(["", "pacs", "irm-01", "irm-01.ch.example"])
addresses = st.sampled_from(["", "10.0.0.1", "10.0.0.2"])
assets_strategy = st.lists(
    st.builds(
        Asset,
        hostname=hosts,
        address=addresses,
        kind=st.sampled_from(AssetKind),
        is_medical_device=st.booleans(),
        services=st.lists(st.builds(Service, st.integers(1, 3), st.just("tcp")), max_size=2).map(tuple),
    ).filter(lambda asset: bool(asset.hostname or asset.address)),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(assets_strategy, assets_strategy)
def test_merging_is_idempotent_and_never_duplicates_keys(first: list[Asset], second: list[Asset]) -> None:
    after_first = merge_exposure(Exposure(), first, []).exposure
    parsed = merge_exposure(Exposure(), second, []).exposure.assets  # what a parser returns: deduplicated
    after_second = merge_exposure(after_first, parsed, []).exposure
    keys = [asset.key for asset in after_second.assets]
    assert len(keys) == len(set(keys))
    assert merge_exposure(after_second, parsed, []).exposure == after_second


def exposure_for_summary() -> Exposure:
    echo = AssetKey("10.20.7.12", "echo-cardio-02")
    return Exposure(
        assets=(
            Asset(VPN.hostname, VPN.address, internet_exposed=True, services=(Service(443, "tcp", "https"),)),
            Asset(PACS.hostname, PACS.address, is_medical_device=True),
            Asset(echo.hostname, echo.address, is_medical_device=True),
        ),
        findings=(
            finding(VPN, "CVE-2018-13379", severity=Severity.CRITICAL, cvss_score=9.8),
            finding(PACS, "CVE-2016-6210", severity=Severity.MEDIUM, cvss_score=4.3),
            finding(PACS, "CVE-2021-41773"),
            finding(echo, "", severity=Severity.INFO, cvss_score=None),
        ),
    )


def test_summary_lists_what_attackers_use_first() -> None:
    summary = summarize_exposure(
        exposure_for_summary(),
        kev_cves={"CVE-2018-13379", "CVE-2021-41773"},
        epss={"CVE-2018-13379": 0.94434, "CVE-2021-41773": 0.94397, "CVE-2016-6210": 0.07312},
    )
    assert (summary.asset_count, summary.finding_count) == (3, 4)
    assert [(item.asset, item.service.port) for item in summary.internet_exposed_services] == [(VPN, 443)]
    assert [item.cve for item in summary.kev_findings] == ["CVE-2018-13379", "CVE-2021-41773"], (
        "most severe first"
    )
    assert [(item.finding.cve, item.epss) for item in summary.high_epss_findings] == [
        ("CVE-2018-13379", 0.94434),
        ("CVE-2021-41773", 0.94397),
    ]
    (device,) = summary.vulnerable_medical_devices
    assert device.asset.key == PACS, "an information-only finding is not a known vulnerability"
    assert [item.cve for item in device.findings] == ["CVE-2021-41773", "CVE-2016-6210"]


def test_epss_threshold_is_a_parameter_with_a_documented_default() -> None:
    exposure = exposure_for_summary()
    epss = {"CVE-2016-6210": 0.07312}
    assert DEFAULT_EPSS_THRESHOLD == 0.1
    assert summarize_exposure(exposure, epss=epss).high_epss_findings == ()
    assert len(summarize_exposure(exposure, epss=epss, epss_threshold=0.05).high_epss_findings) == 1
    assert len(summarize_exposure(exposure, epss=epss, epss_threshold=0.07312).high_epss_findings) == 1
    with pytest.raises(ValueError):
        summarize_exposure(exposure, epss_threshold=1.5)


def test_empty_exposure_summary() -> None:
    summary = summarize_exposure(Exposure())
    assert summary.kev_findings == () and summary.vulnerable_medical_devices == ()
