"""A real browser for the pages: Debian's Chromium driven by Playwright, headless.

Playwright does not download a browser here: it starts the one at ``OUTREACH_TEST_CHROMIUM``
or the ``chromium`` on the path (``apt-get install chromium``; CI installs it). Screenshots
go to ``OUTREACH_TEST_ARTIFACTS`` (default ``test-artifacts/`` in the checkout).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots of the pages are saved."""
    folder = Path(os.environ.get("OUTREACH_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as handle:
        yield handle


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Chromium from the system's package."""
    executable = os.environ.get("OUTREACH_TEST_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: apt-get install chromium (see README)")
    handle = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
    yield handle
    handle.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page the size of a phone, with a touch screen."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    """A page the size of a laptop screen, accepting downloads."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()
