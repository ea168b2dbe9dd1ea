"""Shared by the end-to-end tests: Debian's Chromium and a real server on a fresh demo database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@dataclass(frozen=True)
class DemoServer:
    """A running server: its base URL and the data directory holding its SQLite database."""

    base: str
    data_dir: Path

    @property
    def database_url(self) -> str:
        return f"sqlite:///{(self.data_dir / 'cyber360.sqlite3').resolve()}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer on {url}")


def require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (Debian package chromium; CI installs it)")
    pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")


@contextmanager
def demo_server(data_dir: Path) -> Iterator[DemoServer]:
    """``cyber360 demo --no-serve`` into ``data_dir``, then uvicorn on a free port of 127.0.0.1."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CYBER360_")}
    env.update({"CYBER360_ENV": "demo", "CYBER360_DATA_DIR": str(data_dir)})
    cli = Path(sys.executable).with_name("cyber360")
    prepared = subprocess.run(
        [str(cli), "demo", "--no-serve"], env=env, cwd=data_dir, capture_output=True, text=True, timeout=300
    )
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    port = free_port()
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "cyber360.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        env=env, cwd=data_dir, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/login", process)
        yield DemoServer(base, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
