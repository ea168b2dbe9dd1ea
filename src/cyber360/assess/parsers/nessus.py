"""Nessus ``.nessus`` files (root ``NessusClientData_v2``).

Read: each ``ReportHost`` with its properties (``host-ip``, ``host-fqdn`` or ``hostname`` or
``netbios-name``, ``operating-system``, ``system-type``, ``mac-address``), its services (port, protocol and
``svc_name`` of every report item on a port) and its findings: report items of severity 1 (low) to
4 (critical), or naming a CVE, one finding per CVE. The CVSS score kept is the most recent version given
(v4, else v3.x, else v2). Severity 0 items are information: only their port is kept.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from cyber360.assess.exposure import AssetKey, Finding, Service, Severity, normalise_address
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
from cyber360.assess.parsers.heuristics import classify, kind_from_device_type

SOURCE = "nessus"
_SEVERITIES = {
    "0": Severity.INFO,
    "1": Severity.LOW,
    "2": Severity.MEDIUM,
    "3": Severity.HIGH,
    "4": Severity.CRITICAL,
}


def parse_nessus(data: bytes) -> ScanResult:
    """Assets and findings of a Nessus v2 file."""
    collector = Collector(ScanFormat.NESSUS)
    depth = 0
    for event, element in iter_xml(data):
        if event == "start":
            if depth == 0 and element.tag != "NessusClientData_v2":
                wrong_format("fichier Nessus (.nessus)", element.tag)
            depth += 1
            continue
        depth -= 1
        if element.tag == "ReportHost" and depth == 2:
            _read_host(element, collector)
            element.clear()
    return collector.result()


def _read_host(host: Element, collector: Collector) -> None:
    properties: dict[str, str] = {}
    for tag in host.findall("HostProperties/tag"):
        name = tag.get("name", "")
        if name in ("host-ip", "host-fqdn", "hostname", "netbios-name", "operating-system", "system-type",
                    "mac-address"):  # fmt: skip
            properties.setdefault(name, tag.text or "")
    name = (host.get("name") or "").strip()
    where = "Hôte Nessus"
    address = collector.address(
        properties.get("host-ip") or (name if normalise_address(name) else ""), where=where
    )
    raw_hostname = next(
        (properties[tag] for tag in ("host-fqdn", "hostname", "netbios-name") if properties.get(tag)), ""
    )
    if not raw_hostname and name and normalise_address(name) is None:
        raw_hostname = name
    hostname = collector.hostname(raw_hostname, where=where)
    if not address and not hostname:
        collector.warn("host_without_identity", "Un hôte Nessus sans adresse ni nom valide a été ignoré.")
        return
    key = AssetKey(address, hostname)

    services: dict[tuple[str, int], Service] = {}
    for item in host.findall("ReportItem"):
        port = parse_port(item.get("port"))
        protocol = collector.text(item.get("protocol"), 10).lower()
        if port is not None:
            service_name = collector.text(item.get("svc_name"), 60)
            if (protocol, port) not in services or service_name not in ("", "unknown"):
                services[(protocol, port)] = Service(port, protocol, service_name)
        _read_item(item, key, port, protocol, collector)

    os_name = collector.text(properties.get("operating-system", "").split("\n")[0], 120)
    system_type = properties.get("system-type", "")
    kind = kind_from_device_type(system_type)
    collector.assets.append(
        classify(
            hostname=hostname,
            address=address,
            kind=kind,
            os=os_name,
            services=services.values(),
            names=[collector.text(system_type, 60)],
        )
    )


def _read_item(item: Element, asset: AssetKey, port: int | None, protocol: str, collector: Collector) -> None:
    severity = _SEVERITIES.get((item.get("severity") or "").strip(), Severity.INFO)
    cves = sorted({cve for element in item.findall("cve") for cve in CVE_PATTERN.findall(element.text or "")})
    if severity is Severity.INFO and not cves:
        return
    score, version = None, ""
    for tag, vector_tag, default in (
        ("cvss4_base_score", "cvss4_vector", "4.0"),
        ("cvss3_base_score", "cvss3_vector", "3.0"),
        ("cvss_base_score", "cvss_vector", "2.0"),
    ):
        score = parse_float(child_text(item, tag))
        if score is not None:
            version = cvss_version_of(child_text(item, vector_tag), default)
            break
    title = collector.text(item.get("pluginName") or child_text(item, "plugin_name"), 300)
    for cve in cves or [""]:
        collector.findings.append(
            Finding(
                asset=asset,
                title=title,
                severity=severity,
                source=SOURCE,
                source_id=collector.text(item.get("pluginID"), 40),
                cve=cve,
                cvss_score=score,
                cvss_version=version,
                port=port,
                protocol=protocol,
            )
        )
