"""Time ``cyber360 feeds import`` on files of the real feeds' size: a synthetic EPSS file of 300,000 lines
(the real daily file scores about that many CVEs) and a synthetic KEV catalogue of 1,400 entries.

Runs the service the CLI calls, on a fresh SQLite file (and on PostgreSQL when ``--postgresql URL`` names an
empty database), twice: the first load inserts, the second updates every row (a daily refresh).
Usage: .venv/bin/python benchmarks/feeds_import.py [--lines 300000] [--postgresql postgresql://...]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import tempfile
import time
from pathlib import Path

from cyber360.assess import feeds_service
from cyber360.core.audit import Actor
from cyber360.core.db import make_engine, make_session_factory
from cyber360.core.migrate import upgrade
from cyber360.core.uow import UnitOfWork


def write_epss(path: Path, lines: int, seed: int) -> None:
    rng = random.Random(seed)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\n")
        for number in range(lines):
            handle.write(f"CVE-{1999 + number % 27}-{10000 + number},{rng.random():.5f},{rng.random():.5f}\n")


def write_kev(path: Path, entries: int) -> None:
    vulnerabilities = [
        {
            "cveID": f"CVE-2020-{10000 + number}",
            "vendorProject": "Vendor",
            "product": "Product",
            "vulnerabilityName": "Synthetic vulnerability",
            "dateAdded": "2024-01-01",
            "shortDescription": "Synthetic entry for the benchmark.",
            "requiredAction": "Apply updates.",
            "dueDate": "2024-01-22",
            "knownRansomwareCampaignUse": "Unknown",
            "notes": "",
            "cwes": ["CWE-20"],
        }
        for number in range(entries)
    ]
    document = {
        "title": "Synthetic KEV",
        "catalogVersion": "2025.08.25",
        "dateReleased": "2025-08-25",
        "count": entries,
        "vulnerabilities": vulnerabilities,
    }
    path.write_text(json.dumps(document), encoding="utf-8")


def run(url: str, epss: Path, kev: Path) -> list[tuple[str, float, int]]:
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    timings = []
    try:
        for attempt in ("insert", "update"):
            for name, function, path in (
                ("kev", feeds_service.import_kev, kev),
                ("epss", feeds_service.import_epss, epss),
            ):
                with UnitOfWork(factory) as uow:
                    started = time.perf_counter()
                    load = function(uow, lambda path=path: path.open("rb"), actor=Actor.system("bench"))
                    timings.append((f"{name} {attempt}", time.perf_counter() - started, load.entries))
    finally:
        engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=300_000)
    parser.add_argument("--kev", type=int, default=1_400)
    parser.add_argument("--postgresql", default="")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        epss, kev = root / "epss.csv.gz", root / "kev.json"
        write_epss(epss, options.lines, seed=360)
        write_kev(kev, options.kev)
        targets = [("sqlite", f"sqlite:///{root / 'bench.sqlite3'}")]
        if options.postgresql:
            targets.append(("postgresql", options.postgresql))
        for backend, url in targets:
            for label, seconds, entries in run(url, epss, kev):
                rate = entries / seconds
                print(f"{backend:10} {label:12} {entries:>8} rows  {seconds:6.1f} s  {rate:>9,.0f} rows/s")


if __name__ == "__main__":
    main()
