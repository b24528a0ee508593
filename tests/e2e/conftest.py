"""Browser fixtures for the end-to-end tests: Debian's Chromium driven by Playwright.

The browser binary is the system's (/usr/bin/chromium, `apt-get install chromium`), never one
downloaded by `playwright install`: the target networks are closed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; the live server's ORM calls
# from the test (fixtures, assertions) must still be allowed.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("UMIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def totp_code(secret: str) -> str:
    """The current TOTP code, from a fresh window: a code typed in the last moments of its
    30 seconds may reach the server in the next window and be refused (no tolerance)."""
    import time

    import pyotp

    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.2)
    return str(pyotp.TOTP(secret).now())


def sign_in(page: Any, base_url: str, username: str, password: str, totp_secret: str) -> None:
    """Sign in to the back office in English: password, then the TOTP code."""
    page.goto(f"{base_url}/accounts/login/")
    page.select_option("#umis-language-select", "en")
    page.get_by_role("button", name="Change language").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(totp_code(totp_secret))
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url(f"{base_url}/office/")
