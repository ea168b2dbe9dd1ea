"""OpenVAS / Greenbone XML report (GMP ``get_reports`` with the XML report format, root ``report``, or the
whole ``get_reports_response``).

Read: each result (host address and name, port such as ``443/tcp`` or ``general/tcp``, NVT name and OID,
severity score, CVSS version from the ``severities`` block or the ``cvss_base_vector`` tag, CVE
references), and the report's host details (operating system, host name). A result naming several CVEs
gives one finding per CVE. Results of severity 0 ("Log") without CVE are information, not findings: only
their port is kept as a service. False positives are left out.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from cyber360.assess.exposure import AssetKey, Finding, Service, Severity, severity_from_cvss
from cyber360.assess.parsers.base import (
    CVE_PATTERN,
    Collector,
    ScanFormat,
    ScanResult,
    child_text,
    cvss_version_of,
    iter_xml,
    parse_float,
    parse_port,
    wrong_format,
)
from cyber360.assess.parsers.heuristics import classify

SOURCE = "openvas"
_ROOTS = ("report", "get_reports_response")
_PORT = re.compile(r"\s*(\d+|general|package)/(\w+)")


def parse_openvas(data: bytes) -> ScanResult:
    """Assets and findings of a Greenbone (OpenVAS) XML report."""
    collector = Collector(ScanFormat.OPENVAS)
    path: list[str] = []
    hosts: dict[AssetKey, tuple[list[Service], str]] = {}
    details: dict[str, tuple[str, str]] = {}
    for event, element in iter_xml(data):
        if event == "start":
            if not path and element.tag not in _ROOTS:
                wrong_format("rapport OpenVAS/Greenbone XML", element.tag)
            path.append(element.tag)
            continue
        path.pop()
        parent = path[-1] if path else ""
        if element.tag == "result" and parent == "results":
            _read_result(element, collector, hosts)
            element.clear()
        elif element.tag == "host" and parent == "report":
            _read_host_details(element, collector, details)
            element.clear()
    for key, (services, os_hint) in hosts.items():
        os_name, detail_name = details.get(key.address, ("", ""))
        collector.assets.append(
            classify(
                hostname=key.hostname or detail_name,
                address=key.address,
                os=os_name or os_hint,
                services=services,
            )
        )
    return collector.result()


def _read_host_details(host: Element, collector: Collector, details: dict[str, tuple[str, str]]) -> None:
    address = collector.address(child_text(host, "ip"), where="Hôte OpenVAS")
    if not address:
        return
    values: dict[str, str] = {}
    for detail in host.findall("detail"):
        name = child_text(detail, "name")
        if name in ("best_os_txt", "hostname") and name not in values:
            values[name] = child_text(detail, "value")
    os_name = collector.text(values.get("best_os_txt"), 120)
    hostname = (
        collector.hostname(values.get("hostname"), where="Hôte OpenVAS") if "hostname" in values else ""
    )
    details[address] = (os_name, hostname)


def _read_result(
    result: Element, collector: Collector, hosts: dict[AssetKey, tuple[list[Service], str]]
) -> None:
    host = result.find("host")
    if host is None:
        return
    address = collector.address(host.text, where="Résultat OpenVAS")
    hostname = collector.hostname(child_text(host, "hostname"), where="Résultat OpenVAS")
    if not address and not hostname:
        collector.warn(
            "host_without_identity", "Un résultat OpenVAS sans adresse ni nom valide a été ignoré."
        )
        return
    key = AssetKey(address, hostname)
    services, _ = hosts.setdefault(key, ([], ""))

    port: int | None = None
    protocol = ""
    port_match = _PORT.match(child_text(result, "port"))
    if port_match:
        protocol = port_match.group(2).lower()[:10]
        port = parse_port(port_match.group(1))
        if port is not None:
            services.append(Service(port, protocol))

    threat = child_text(result, "threat").strip().lower()
    nvt = result.find("nvt")
    if nvt is None or threat == "false positive":
        return
    cves = sorted({ref.get("id", "").strip() for ref in nvt.findall("refs/ref") if ref.get("type") == "cve"})
    cves = [cve for cve in cves if CVE_PATTERN.fullmatch(cve)]
    cves += [cve for cve in CVE_PATTERN.findall(child_text(nvt, "cve")) if cve not in cves]
    score = parse_float(child_text(result, "severity"))
    if score is None:
        score = parse_float(child_text(nvt, "cvss_base"))
    severity = Severity.INFO if threat == "log" else severity_from_cvss(score)
    if severity is Severity.INFO and not cves:
        return
    vector = child_text(nvt, "severities/severity/value") or _tag(child_text(nvt, "tags"), "cvss_base_vector")
    title = collector.text(child_text(nvt, "name") or child_text(result, "name"), 300)
    for cve in cves or [""]:
        collector.findings.append(
            Finding(
                asset=key,
                title=title,
                severity=severity,
                source=SOURCE,
                source_id=collector.text(nvt.get("oid"), 80),
                cve=cve,
                cvss_score=score if score else None,
                cvss_version=cvss_version_of(vector, "") if score else "",
                port=port,
                protocol=protocol,
            )
        )


def _tag(tags: str, name: str) -> str:
    """A value of the NVT's ``tags`` field, written ``name=value|name=value``."""
    for part in tags.split("|"):
        key, _, value = part.partition("=")
        if key.strip() == name:
            return value.strip()
    return ""
