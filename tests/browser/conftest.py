"""Browser journeys in real Chromium (Debian's /usr/bin/chromium) driven by Playwright for Python.

Playwright's sync API runs an event loop in the test thread, which makes Django refuse database calls
from that thread ("SynchronousOnlyOperation"); the tests only touch the database to arrange data before
the browser starts and to assert afterwards, never concurrently with a page call, so the guard is
lifted for this folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# The web tests' settings apply to the pages the live server renders too: compiled translations, plain
# static files (no manifest to collect), fast password hashing, uploads in a temporary directory.
from web.conftest import _compiled_translations, _fast_settings  # noqa: F401

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("LICENSEDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(os.environ.get("LICENSEDESK_SCREENSHOTS", "var/screenshots"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (the CI script does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, live_server):  # type: ignore[no-untyped-def]
    """Open pages in fresh browser contexts (one per user), Chinese first like a user in China."""
    contexts = []

    def open_page(*, locale: str = "zh-CN", width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
        context = chromium.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
