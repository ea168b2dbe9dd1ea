"""How an import tells that an asset is a medical device, what kind of machine it is, and whether it is
reachable from the internet, when the file does not say it.

Medical device: any one of these is enough.

- a DICOM port open: 104 (the well-known port, "acr-nema" in Nmap's service list) or 11112 (registered
  for DICOM at IANA); or HL7 v2 over MLLP, port 2575. A machine that answers DICOM or HL7 is an imaging
  modality, a PACS, a viewing station or a biomedical interface: part of care.
- a service named dicom, acr-nema or hl7;
- a vendor or product name of medical equipment (imaging modalities, monitors, infusion pumps,
  ventilators...), in a service banner, a MAC address vendor, the operating system or an inventory's
  vendor and model columns, matched as whole words: see :data:`MEDICAL_NAMES`. Generic brands with
  non-medical products (Siemens, Philips, Fujifilm) count only with a medical qualifier;
- the kind declared in an inventory (dispositif médical, biomédical, modalité...).

An explicit yes/no column in an inventory overrides these guesses.

Internet exposure: an explicit inventory column when given, otherwise a public address, that is one
that is globally routable (not RFC 1918 private, loopback, link-local, CGNAT 100.64/10, documentation or
reserved ranges). An establishment that uses public addresses inside its own network gets false
positives it can correct in its inventory; a host known only by name is not deemed exposed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cyber360.assess.exposure import Asset, AssetKind, Service, is_public_address

DICOM_PORTS = frozenset({104, 11112})
HL7_PORTS = frozenset({2575})
MEDICAL_SERVICE_NAMES = frozenset({"dicom", "acr-nema", "hl7", "hl7-mllp"})

#: Vendors and product words of medical equipment, matched case-insensitively as whole words.
MEDICAL_NAMES = (
    # imaging and radiotherapy
    "ge healthcare",
    "ge medical",
    "siemens healthineers",
    "siemens healthcare",
    "siemens medical",
    "philips healthcare",
    "philips medical",
    "canon medical",
    "toshiba medical",
    "hitachi medical",
    "fujifilm medical",
    "fujifilm healthcare",
    "agfa healthcare",
    "carestream",
    "hologic",
    "esaote",
    "samsung medison",
    "varian",
    "elekta",
    "sectra",
    "orthanc",
    "dcm4chee",
    # monitoring, anaesthesia, infusion, ventilation
    "draeger",
    "dräger",
    "drager medical",
    "mindray",
    "nihon kohden",
    "spacelabs",
    "b. braun",
    "b.braun",
    "bbraun",
    "fresenius",
    "baxter",
    "carefusion",
    "alaris",
    "medtronic",
    "masimo",
    "welch allyn",
    "getinge",
    "maquet",
    "hamilton medical",
    "natus",
    # product words
    "dicom",
    "pacs",
    "modality",
    "modalité",
    "hl7",
    "infusion pump",
    "pompe à perfusion",
    "pousse-seringue",
    "patient monitor",
    "moniteur patient",
    "ventilator",
    "respirateur",
    "échographe",
    "echographe",
    "ultrasound",
)
_MEDICAL_PATTERN = re.compile(
    r"(?<![\w])(?:" + "|".join(re.escape(name) for name in MEDICAL_NAMES) + r")(?![\w])", re.IGNORECASE
)

_DEVICE_TYPES: tuple[tuple[AssetKind, tuple[str, ...]], ...] = (
    (AssetKind.MEDICAL_DEVICE, ("medical",)),
    (AssetKind.PRINTER, ("printer", "print server")),
    (
        AssetKind.NETWORK,
        ("router", "switch", "firewall", "wap", "wireless", "bridge", "load balancer", "load-balancer"),
    ),
    (AssetKind.IOT, ("webcam", "camera", "phone", "voip", "power-device", "scada", "media device")),
    (AssetKind.SERVER, ("hypervisor", "storage", "terminal server")),
)


def medical_reason(services: Iterable[Service], texts: Iterable[str]) -> str | None:
    """Why the asset looks like a medical device, or None."""
    for service in services:
        if service.port in DICOM_PORTS:
            return f"port DICOM {service.port}"
        if service.port in HL7_PORTS:
            return f"port HL7 {service.port}"
        if service.name.lower() in MEDICAL_SERVICE_NAMES:
            return f"service {service.name}"
    for text in texts:
        match = _MEDICAL_PATTERN.search(text)
        if match:
            return f"nom « {match.group(0)} »"
    return None


def kind_from_device_type(text: str) -> AssetKind:
    """The kind a scanner's device type suggests (Nmap devicetype or osclass type, Nessus system-type);
    "general purpose" says nothing of server versus workstation and stays unknown."""
    lowered = text.lower()
    for kind, words in _DEVICE_TYPES:
        if any(word in lowered for word in words):
            return kind
    return AssetKind.UNKNOWN


def classify(
    *,
    hostname: str,
    address: str,
    kind: AssetKind = AssetKind.UNKNOWN,
    os: str = "",
    services: Iterable[Service] = (),
    names: Iterable[str] = (),
    declared_medical: bool | None = None,
    declared_exposed: bool | None = None,
) -> Asset:
    """An asset with the heuristics above applied; ``names`` are vendor, product and banner texts."""
    service_list = tuple(sorted({service.key: service for service in services}.values(), key=lambda s: s.key))
    if declared_medical is None:
        medical = kind is AssetKind.MEDICAL_DEVICE or medical_reason(service_list, (*names, os)) is not None
    else:
        medical = declared_medical
    if medical and kind is AssetKind.UNKNOWN:
        kind = AssetKind.MEDICAL_DEVICE
    exposed = declared_exposed if declared_exposed is not None else is_public_address(address)
    return Asset(
        hostname=hostname,
        address=address,
        kind=kind,
        os=os,
        is_medical_device=medical,
        internet_exposed=exposed,
        services=service_list,
    )
