"""KEV and EPSS loaders: streaming, exact formats, shipped snapshots and hostile files."""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cyber360.assess import feeds
from cyber360.assess.feeds import (
    BUNDLED_EPSS,
    BUNDLED_KEV,
    FeedError,
    iter_epss,
    iter_kev,
    kev_cve_ids,
    open_bundled_feed,
    read_epss_metadata,
    read_kev_catalogue,
    select_epss,
)
from cyber360.assess.parsers import parse_scan

FIXTURES = Path(__file__).parents[2] / "fixtures" / "scans"
EPSS_HEADER = "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\n"


@pytest.fixture(params=["ijson", "json"])
def json_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run KEV tests with ijson streaming and with the plain-json fallback."""
    if request.param == "ijson":
        pytest.importorskip("ijson")
    else:
        monkeypatch.setattr(feeds, "_ijson", lambda: None)
    yield str(request.param)


def kev_bytes(*entries: object) -> io.BytesIO:
    return io.BytesIO(json.dumps({"catalogVersion": "x", "vulnerabilities": list(entries)}).encode())


def test_bundled_kev_excerpt_streams_whole_entries(json_reader: str) -> None:
    with open_bundled_feed(BUNDLED_KEV) as stream:
        entries = list(iter_kev(stream))
    assert len(entries) == 50
    with open_bundled_feed(BUNDLED_KEV) as stream:
        catalogue = read_kev_catalogue(stream)
    assert (catalogue.catalog_version, catalogue.count) == ("2025.08.25", 50)
    eternal_blue = next(entry for entry in entries if entry.cve_id == "CVE-2017-0144")
    assert eternal_blue.vendor_project == "Microsoft" and eternal_blue.date_added == date(2022, 2, 10)
    assert eternal_blue.known_ransomware_campaign_use
    assert all(entry.cwes == tuple(entry.cwes) for entry in entries)


def test_kev_excerpt_holds_every_kev_cve_the_fixtures_name() -> None:
    with open_bundled_feed(BUNDLED_KEV) as stream:
        kev = kev_cve_ids(iter_kev(stream))
    fixture_cves = set()
    for name in ("hospital.nmap.xml", "hospital.openvas.xml", "hospital.nessus"):
        fixture_cves |= {finding.cve for finding in parse_scan((FIXTURES / name).read_bytes(), name).findings}
    expected_in_kev = {"CVE-2021-41773", "CVE-2021-42013", "CVE-2018-13379", "CVE-2019-0708"}
    expected_in_kev |= {f"CVE-2017-014{digit}" for digit in "345678"}
    assert expected_in_kev <= fixture_cves & kev
    assert "CVE-2016-6210" not in kev


def test_kev_entries_are_checked(json_reader: str) -> None:
    good = {"cveID": "CVE-2021-44228", "dateAdded": "2021-12-10", "knownRansomwareCampaignUse": "Known"}
    (entry,) = iter_kev(kev_bytes(good))
    assert entry.due_date is None and entry.known_ransomware_campaign_use and entry.cwes == ()
    for bad, code in [
        ({**good, "cveID": "CVE-21-1"}, "kev_invalid_field"),
        ({**good, "dateAdded": "10/12/2021"}, "kev_invalid_field"),
        ({**good, "cwes": "CWE-20"}, "kev_invalid_field"),
        ({**good, "product": 42}, "kev_invalid_field"),
        ("CVE-2021-44228", "kev_invalid_entry"),
    ]:
        with pytest.raises(FeedError) as caught:
            list(iter_kev(kev_bytes(good, bad)))
        assert caught.value.code == code and "entrée 2" in caught.value.message


def test_truncated_or_foreign_kev_is_refused(json_reader: str) -> None:
    with open_bundled_feed(BUNDLED_KEV) as stream:
        data = stream.read()
    with pytest.raises(FeedError) as caught:
        list(iter_kev(io.BytesIO(data[: len(data) // 2])))
    assert caught.value.code == "feed_malformed"
    if json_reader == "json":
        with pytest.raises(FeedError):
            list(iter_kev(io.BytesIO(b'{"data": []}')))


def test_kev_without_ijson_has_a_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds, "_ijson", lambda: None)
    with open_bundled_feed(BUNDLED_KEV) as stream, pytest.raises(FeedError) as caught:
        list(iter_kev(stream, max_bytes=1000))
    assert caught.value.code == "feed_too_large" and "ijson" in caught.value.message


def test_kev_is_streamed_with_ijson() -> None:
    pytest.importorskip("ijson")
    entry = {"cveID": "CVE-2024-00000", "dateAdded": "2024-01-01", "shortDescription": "x" * 200}
    entries = [{**entry, "cveID": f"CVE-2024-{index:05d}"} for index in range(5000)]
    data = json.dumps({"vulnerabilities": entries}).encode()
    source = io.BytesIO(data)
    first = next(iter_kev(source))
    assert first.cve_id == "CVE-2024-00000"
    assert source.tell() < len(data), "the first entry is yielded before the whole file is read"


def epss_file(lines: str, *, compress: bool = False) -> io.BytesIO:
    data = (EPSS_HEADER + lines).encode()
    return io.BytesIO(gzip.compress(data) if compress else data)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_epss_plain_and_gzip(compress: bool) -> None:
    content = "CVE-2021-44228,0.94358,0.99961\nCVE-2016-6210,0.07312,0.91126\n"
    loaded = list(iter_epss(epss_file(content, compress=compress)))
    assert [(score.cve, score.epss, score.percentile) for score in loaded] == [
        ("CVE-2021-44228", 0.94358, 0.99961),
        ("CVE-2016-6210", 0.07312, 0.91126),
    ]
    metadata = read_epss_metadata(epss_file("", compress=compress))
    assert (metadata.model_version, metadata.score_date) == ("v2025.03.14", "2025-08-25T00:00:00+0000")


def test_bundled_epss_excerpt_and_selection() -> None:
    with open_bundled_feed(BUNDLED_EPSS) as stream:
        selected = select_epss(iter_epss(stream), {"CVE-2021-44228", "CVE-2016-6210", "CVE-1999-0001"})
    assert selected == {"CVE-2021-44228": 0.94358, "CVE-2016-6210": 0.07312}


def test_epss_without_comment_or_percentile_column() -> None:
    (score,) = iter_epss(io.BytesIO(b"cve,epss\nCVE-2020-1472,0.94382\n"))
    assert score.percentile is None
    assert read_epss_metadata(io.BytesIO(b"cve,epss\n")).model_version == ""


def test_epss_is_streamed_one_line_at_a_time() -> None:
    lines = "".join(f"CVE-2020-{index:05d},0.00100,0.10000\n" for index in range(300_000))
    stream = epss_file(lines, compress=True)
    scores = iter_epss(stream)
    assert next(scores).cve == "CVE-2020-00000"
    assert stream.tell() < len(stream.getvalue()), "the first score comes before the file is read"


@pytest.mark.parametrize(
    ("content", "code", "named"),
    [
        ("CVE-2021-44228,1.5,0.9\n", "epss_invalid_value", "ligne 3"),
        ("CVE-2021-44228,nan,0.9\n", "epss_invalid_value", "epss"),
        ("CVE-2021-44228,0.5,-0.1\n", "epss_invalid_value", "percentile"),
        ("=cmd|' /C calc'!A0,0.5,0.5\n", "epss_invalid_value", "CVE"),
        ("CVE-2021-44228,0.5\n", "feed_malformed", "colonnes"),
        ("CVE-2021-44228," + "9" * 5000 + ",0.5\n", "feed_malformed", "trop longue"),
    ],
)
def test_invalid_epss_lines_are_refused_naming_the_line(content: str, code: str, named: str) -> None:
    with pytest.raises(FeedError) as caught:
        list(iter_epss(epss_file(content)))
    assert caught.value.code == code and named in caught.value.message


def test_epss_header_must_be_present() -> None:
    for data in (b"", b"#model_version:v1\n", b"id,score\nCVE-2021-44228,0.5\n"):
        with pytest.raises(FeedError) as caught:
            list(iter_epss(io.BytesIO(data)))
        assert caught.value.code == "epss_header_missing"


def test_truncated_gzip_and_decompression_bomb_are_refused() -> None:
    data = gzip.compress((EPSS_HEADER + "CVE-2021-44228,0.94358,0.99961\n" * 1000).encode())
    with pytest.raises(FeedError) as caught:
        list(iter_epss(io.BytesIO(data[: len(data) // 2])))
    assert caught.value.code == "feed_malformed"
    bomb = gzip.compress(EPSS_HEADER.encode() + b"CVE-2021-44228,0.1,0.1\n" * 200_000)
    with pytest.raises(FeedError) as caught:
        list(iter_epss(io.BytesIO(bomb), max_bytes=1_000_000))
    assert caught.value.code == "feed_too_large"


def test_non_seekable_stream() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.source = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            chunk = self.source.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = gzip.compress((EPSS_HEADER + "CVE-2021-44228,0.94358,0.99961\n").encode())
    assert [score.cve for score in iter_epss(Pipe(data))] == ["CVE-2021-44228"]  # type: ignore[arg-type]


REAL_KEV = Path(__file__).parents[4] / "shared" / "feeds" / "kev" / "known_exploited_vulnerabilities.json"


@pytest.mark.skipif(
    not REAL_KEV.is_file() and "CYBER360_KEV_FILE" not in os.environ, reason="no real KEV file"
)
def test_real_kev_catalogue_loads(json_reader: str) -> None:
    path = Path(os.environ.get("CYBER360_KEV_FILE", REAL_KEV))
    with path.open("rb") as stream:
        count = sum(1 for _ in iter_kev(stream))
    with path.open("rb") as stream:
        assert read_kev_catalogue(stream).count == count
