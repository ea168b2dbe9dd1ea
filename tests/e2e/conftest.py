"""Fixtures of the end-to-end tests: one demo server and one Chromium per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS, DemoServer, demo_server, require_browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A fresh demo database served on 127.0.0.1 (each module gets its own, so tests cannot leak state)."""
    require_browser()
    with demo_server(tmp_path_factory.mktemp("e2e")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(demo: DemoServer) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
