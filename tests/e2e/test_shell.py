"""End to end: the real server (uvicorn) on a demo database, driven by Debian's headless Chromium.

rssi-a logs in, sees only the first GHT's establishments, switches to English and back, logs out; every
request the browser makes stays on 127.0.0.1 (no CDN, no font service, no tracker).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
GHT_A = [
    "CHU Rives de Loire",
    "Centre hospitalier de l'Estuaire",
    "Centre hospitalier du Val d'Anjou",
    "Centre hospitalier spécialisé de l'Erdre",
    "Hôpital de proximité du Bocage vendéen",
    "EHPAD Les Tilleuls",
]
OTHER_GHTS = [
    "Centre hospitalier d'Armor",
    "EHPAD Ar Maner",
    "Centre hospitalier de Garonne",
    "EHPAD Le Comminges",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer on {url}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database prepared by ``cyber360 demo --no-serve``, served by uvicorn on a free local port."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (Debian package chromium; CI installs it)")
    pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    data_dir = tmp_path_factory.mktemp("e2e")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CYBER360_")}
    env.update({"CYBER360_ENV": "demo", "CYBER360_DATA_DIR": str(data_dir)})
    cli = Path(sys.executable).with_name("cyber360")
    prepared = subprocess.run(
        [str(cli), "demo", "--no-serve"], env=env, cwd=data_dir, capture_output=True, text=True, timeout=300
    )
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    port = _free_port()
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "cyber360.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        env=env, cwd=data_dir, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/login", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _establishment_names(page) -> list[str]:
    return [name.strip() for name in page.locator("table tbody tr th[scope=row]").all_inner_texts()]


def test_rssi_a_session_stays_local(server: str, browser) -> None:
    context = browser.new_context(locale="fr-FR", base_url=server)
    page = context.new_page()
    requests: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console", lambda message: console_errors.append(message.text) if message.type == "error" else None
    )
    try:
        # Anonymous: the login page, in French.
        page.goto("/establishments")
        assert urlsplit(page.url).path == "/login"
        assert page.locator("html").get_attribute("lang") == "fr"
        page.get_by_label("Adresse électronique").fill("rssi-a@demo.test")
        page.get_by_label("Mot de passe").fill("demo-cyber360")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/establishments", page.url

        # Only the first GHT's six establishments.
        assert sorted(_establishment_names(page)) == sorted(GHT_A)
        text = page.locator("main").inner_text()
        for name in OTHER_GHTS:
            assert name not in text

        # English, then back to French, on the same page.
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", level=1).inner_text() == "Establishments"
        assert urlsplit(page.url).path == "/establishments"
        assert sorted(_establishment_names(page)) == sorted(GHT_A)
        page.get_by_role("button", name="Français").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_role("heading", level=1).inner_text() == "Établissements"

        # Log out: the session is over, the list asks for a login again.
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/login"
        page.goto("/establishments")
        assert urlsplit(page.url).path == "/login"
        assert page.locator("table").count() == 0
    finally:
        context.close()

    assert requests, "no request recorded"
    foreign = [
        url
        for url in requests
        if urlsplit(url).scheme not in {"data", "blob", "about"} and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert not foreign, f"requests left 127.0.0.1: {foreign}"
    assert not [error for error in console_errors if "Content Security Policy" in error], console_errors
