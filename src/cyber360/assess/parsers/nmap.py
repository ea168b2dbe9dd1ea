"""Nmap XML output (``nmap -oX``, root element ``nmaprun``).

Read: hosts that are up, their IPv4/IPv6 address (and MAC vendor), host name (user-given, else reverse
DNS), open ports with the service detected (``-sV``), the best operating system match (``-O``), and
vulnerabilities from NSE scripts: the ``vulners`` script (one finding per CVE, with its CVSS score) and
scripts built on Nmap's ``vulns`` library, such as ``smb-vuln-ms17-010`` (state VULNERABLE, CVE ids).
A vulnerability confirmed by a script without a score is rated high.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from cyber360.assess.exposure import AssetKey, AssetKind, Finding, Service, Severity, severity_from_cvss
from cyber360.assess.parsers.base import (
    CVE_PATTERN,
    Collector,
    ScanFormat,
    ScanResult,
    iter_xml,
    parse_float,
    parse_port,
    wrong_format,
)
from cyber360.assess.parsers.heuristics import classify, kind_from_device_type

SOURCE = "nmap"
_VULNERABLE_STATES = ("VULNERABLE", "LIKELY VULNERABLE")


def parse_nmap(data: bytes) -> ScanResult:
    """Assets and findings of an Nmap XML report."""
    collector = Collector(ScanFormat.NMAP)
    depth = 0
    for event, element in iter_xml(data):
        if event == "start":
            if depth == 0 and element.tag != "nmaprun":
                wrong_format("rapport Nmap XML", element.tag)
            depth += 1
            continue
        depth -= 1
        if element.tag == "host" and depth == 1:
            _read_host(element, collector)
            element.clear()
    return collector.result()


def _read_host(host: Element, collector: Collector) -> None:
    status = host.find("status")
    if status is not None and status.get("state") != "up":
        return
    address, mac_vendor = "", ""
    for item in host.findall("address"):
        kind = item.get("addrtype", "")
        if kind in ("ipv4", "ipv6") and not (address and kind == "ipv6"):
            address = collector.address(item.get("addr"), where="Hôte Nmap") or address
        elif kind == "mac":
            mac_vendor = collector.text(item.get("vendor"), 100)
    names = sorted(
        host.findall("hostnames/hostname"), key=lambda name: 0 if name.get("type") == "user" else 1
    )
    hostname = collector.hostname(names[0].get("name"), where="Hôte Nmap") if names else ""
    if not address and not hostname:
        collector.warn("host_without_identity", "Un hôte Nmap sans adresse ni nom valide a été ignoré.")
        return
    key = AssetKey(address, hostname)

    services: list[Service] = []
    banners: list[str] = [mac_vendor]
    device_types: list[str] = []
    for port in host.findall("ports/port"):
        number = parse_port(port.get("portid"))
        state = port.find("state")
        if number is None or state is None or state.get("state") != "open":
            continue
        protocol = collector.text(port.get("protocol"), 10).lower() or "tcp"
        service = port.find("service")
        name = product = version = ""
        if service is not None:
            name = collector.text(service.get("name"), 60)
            if service.get("tunnel") == "ssl" and name and not name.startswith("ssl/"):
                name = f"ssl/{name}"
            product = collector.text(service.get("product"), 120)
            version = collector.text(service.get("version"), 80)
            banners.append(collector.text(f"{product} {service.get('extrainfo', '')}", 200))
            device_types.append(service.get("devicetype", ""))
        services.append(Service(number, protocol, name, product, version))
        for script in port.findall("script"):
            _read_script(script, key, number, protocol, f"{product} {version}".strip(), collector)
    for script in host.findall("hostscript/script"):
        _read_script(script, key, None, "", "", collector)

    os_name = ""
    matches = host.findall("os/osmatch")
    if matches:
        best = max(matches, key=lambda match: int(match.get("accuracy", "0") or 0))
        os_name = collector.text(best.get("name"), 120)
        device_types.extend(osclass.get("type", "") for osclass in best.findall("osclass"))
    kind = AssetKind.UNKNOWN
    for device_type in device_types:
        kind = kind_from_device_type(device_type)
        if kind is not AssetKind.UNKNOWN:
            break
    collector.assets.append(
        classify(hostname=hostname, address=address, kind=kind, os=os_name, services=services, names=banners)
    )


def _read_script(
    script: Element, asset: AssetKey, port: int | None, protocol: str, product: str, collector: Collector
) -> None:
    script_id = collector.text(script.get("id"), 80)
    if script_id == "vulners":
        _read_vulners(script, asset, port, protocol, product, collector)
        return
    for table in script.iter("table"):
        state = "".join(elem.text or "" for elem in table.findall("elem[@key='state']")).upper()
        if not state.startswith(_VULNERABLE_STATES):
            continue
        title = collector.text(table.findtext("elem[@key='title']") or script_id, 300)
        ids = [elem.text or "" for elem in table.findall("table[@key='ids']/elem")]
        cves = sorted({match for text in ids for match in CVE_PATTERN.findall(text)}) or [""]
        scores = [parse_float(elem.text) for elem in table.findall("table[@key='scores']/elem")]
        known_scores = [score for score in scores if score is not None]
        score = max(known_scores) if known_scores else None
        severity = severity_from_cvss(score) if score is not None else Severity.HIGH
        for cve in cves:
            collector.findings.append(
                Finding(
                    asset=asset,
                    title=title,
                    severity=severity,
                    source=SOURCE,
                    source_id=script_id,
                    cve=cve,
                    cvss_score=score,
                    port=port,
                    protocol=protocol,
                )
            )


def _read_vulners(
    script: Element, asset: AssetKey, port: int | None, protocol: str, product: str, collector: Collector
) -> None:
    scored: dict[str, float | None] = {}
    for entry in script.iter("table"):
        identifier = entry.findtext("elem[@key='id']") or ""
        kind = (entry.findtext("elem[@key='type']") or "cve").lower()
        if kind == "cve" and CVE_PATTERN.fullmatch(identifier.strip()):
            scored[identifier.strip()] = parse_float(entry.findtext("elem[@key='cvss']"))
    if not scored:
        # Older versions of the script give only text lines: "CVE-2018-15919  5.0  https://..."
        for line in (script.get("output") or "").splitlines():
            words = line.split()
            if len(words) >= 2 and CVE_PATTERN.fullmatch(words[0]):
                scored[words[0]] = parse_float(words[1])
    for cve, score in scored.items():
        title = f"{cve} — {product}" if product else cve
        collector.findings.append(
            Finding(
                asset=asset,
                title=collector.text(title, 300),
                severity=severity_from_cvss(score) if score is not None else Severity.MEDIUM,
                source=SOURCE,
                source_id="vulners",
                cve=cve,
                cvss_score=score,
                port=port,
                protocol=protocol,
            )
        )
