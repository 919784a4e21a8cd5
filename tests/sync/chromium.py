"""Debian's Chromium, headless, driven by Selenium through Debian's chromedriver (never a
downloaded browser): the `browser` fixture of the web page tests (tests/sync/conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="Debian chromium and chromium-driver not installed: run scripts/system-deps.sh",
)


def start_browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path / "dl")})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    # A form post's next page may not be there yet when click() returns (login hashes a
    # password on purpose slowly): look for elements for up to 10 s, as a person would wait.
    driver.implicitly_wait(10)
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def navigate(browser: Any, element: Any) -> None:
    """Click a link or a form's button and wait until the next page has replaced this one:
    reading the page straight after click() may read the old one (a post is answered only after
    a password or PIN hash, slow on purpose)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, 20).until(lambda _driver: _replaced(old))


def _replaced(old: Any) -> bool:
    """Is the old page gone? Chromium says so either as a stale element or, when asked while the
    new page replaces it, as "Node with given id does not belong to the document"."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        old.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc):
            return True
        raise
    return False
