"""``cyber360 feeds import``: KEV and EPSS streamed into the database in batches of upserts; a malformed file
changes nothing; the demo loads the bundled snapshots."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cyber360.assess import feeds_service
from cyber360.assess.feeds import FeedError
from cyber360.core.audit import Actor
from cyber360.core.uow import UnitOfWork

ACTOR = Actor.system("test")


def rows(db_execute, statement: str) -> list[tuple]:
    return [tuple(row) for row in db_execute(text(statement))]


def test_the_demo_loads_the_bundled_snapshots(db_execute):
    assert rows(db_execute, "SELECT COUNT(*) FROM kev_entries") == [(50,)]
    assert rows(db_execute, "SELECT COUNT(*) FROM epss_scores") == [(39,)]
    assert rows(db_execute, "SELECT name, version, entries FROM feed_status ORDER BY name") == [
        ("epss", "v2025.03.14", 39),
        ("kev", "2025.08.25", 50),
    ]


def test_upserts_in_batches_and_a_repeated_cve_keeps_its_last_line(session_factory, db_execute, tmp_path):
    epss = tmp_path / "epss.csv.gz"
    lines = [f"CVE-2099-{10000 + number},0.{number % 10}0000,0.50000" for number in range(12)]
    lines.append("CVE-2099-10000,0.99000,0.99900")  # the same CVE again, in the same batch
    with gzip.open(epss, "wt") as handle:
        handle.write(
            "#model_version:test,score_date:2099-01-01\ncve,epss,percentile\n" + "\n".join(lines) + "\n"
        )
    with UnitOfWork(session_factory) as uow:
        load = feeds_service.import_epss(uow, lambda: epss.open("rb"), actor=ACTOR, batch_size=5)
    assert load.entries == 13 and load.version == "test"
    assert rows(db_execute, "SELECT epss FROM epss_scores WHERE cve = 'CVE-2099-10000'") == [(0.99,)]
    assert rows(db_execute, "SELECT COUNT(*) FROM epss_scores WHERE cve LIKE 'CVE-2099-%'") == [(12,)]
    assert rows(db_execute, "SELECT entries FROM feed_status WHERE name = 'epss'") == [(13,)]


def test_a_malformed_file_changes_nothing(session_factory, db_execute, tmp_path):
    before = rows(db_execute, "SELECT * FROM epss_scores ORDER BY cve")
    bad = tmp_path / "bad.csv"
    bad.write_text("cve,epss,percentile\nCVE-2021-44228,0.5,0.5\nCVE-2021-45046,2.5,0.5\n")
    with UnitOfWork(session_factory) as uow, pytest.raises(FeedError) as caught:
        feeds_service.import_epss(uow, lambda: bad.open("rb"), actor=ACTOR)
    assert caught.value.code == "epss_invalid_value" and "ligne 3" in caught.value.message
    assert rows(db_execute, "SELECT * FROM epss_scores ORDER BY cve") == before


def test_the_command(db_url, db_execute, tmp_path, monkeypatch):
    from cyber360.cli import feeds  # noqa: F401 - registers the command
    from cyber360.cli.app import app
    from cyber360.core.settings import get_settings

    kev = tmp_path / "kev.json"
    entry = {
        "cveID": "CVE-2099-0001",
        "vendorProject": "Acme",
        "product": "PACS",
        "vulnerabilityName": "Test",
        "dateAdded": "2099-01-02",
        "shortDescription": "",
        "requiredAction": "",
        "dueDate": "",
        "knownRansomwareCampaignUse": "Known",
        "notes": "",
        "cwes": [],
    }
    kev.write_text(
        json.dumps(
            {
                "title": "KEV",
                "catalogVersion": "2099.01.02",
                "dateReleased": "2099-01-02",
                "count": 1,
                "vulnerabilities": [entry],
            }
        )
    )
    monkeypatch.setenv("CYBER360_DATABASE_URL", db_url)
    monkeypatch.setenv("CYBER360_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["feeds", "import", "--kev", str(kev)])
        assert result.exit_code == 0, result.output
        assert "1 entrées" in result.output
        broken = tmp_path / "broken.json"
        broken.write_text('{"vulnerabilities": [{"cveID": "CVE-2099-0002", "dateAdded": "hier"}]}')
        failed = CliRunner().invoke(app, ["feeds", "import", "--kev", str(broken)])
        assert failed.exit_code == 1 and "kev_invalid_field" in failed.output
        assert CliRunner().invoke(app, ["feeds", "import"]).exit_code == 2
    finally:
        get_settings.cache_clear()
    assert rows(
        db_execute, "SELECT known_ransomware_campaign_use FROM kev_entries WHERE cve_id = 'CVE-2099-0001'"
    ) == [(True,)]
    assert rows(db_execute, "SELECT COUNT(*) FROM kev_entries WHERE cve_id = 'CVE-2099-0002'") == [(0,)]
