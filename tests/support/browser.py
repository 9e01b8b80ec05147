"""Playwright on Debian's Chromium (`/usr/bin/chromium`), never a downloaded browser: the page the
browser tests drive (the `browser_page` fixture of tests/backoffice/conftest.py). Without Chromium a
browser test is skipped with a message saying how to enable it; `.ci/run` installs it and sets
REQUIRE_BROWSER=1, which turns that skip into a failure."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"


def unavailable(message: str) -> None:
    if REQUIRED:
        pytest.fail(f"{message} (REQUIRE_BROWSER=1: the browser test must run here)")
    pytest.skip(message)


def chromium_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A headless Chromium page, 1400 x 900, closed afterwards; screenshots go to ARTIFACTS."""
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} not found: install it with `apt-get install chromium` to run the browser test")
    try:
        from playwright import sync_api
    except ImportError:
        unavailable("playwright is not installed: pip install -r requirements-dev.txt")
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are still
    # plain synchronous code, so Django's guard against ORM use inside a running loop is lifted here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            browser.close()
