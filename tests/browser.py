"""Headless Chromium for tests and contrib/web_screenshots.py: Debian's chromium, driven through
Debian's chromium-driver by selenium (versions match: one Debian build). Nothing is downloaded:
the driver's path is given, so selenium-manager never runs. .ci/run installs both packages.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

CHROMIUM = os.environ.get("DIGEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DIGEST_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]
WAIT = 60  # seconds: bounds a hang, never paces a test


def missing() -> str | None:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (os.path.exists(path) or shutil.which(path)):
            return f"{path} not found: apt-get install {package} (.ci/run does)"
    return None


@contextmanager
def chromium(width: int, height: int = 900, *, dark: bool = False) -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--window-size={width},{height}"]:
        options.add_argument(flag)
    if dark:
        options.add_argument("--force-dark-mode")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT)
    # Headless windows are at least 500 px wide: a phone's viewport is emulated instead.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    try:
        yield driver
    finally:
        driver.quit()


def wait_for_text(driver, text: str) -> None:
    """Until the page's body shows `text` (a page load or a form post has finished)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(lambda d: text in _body_text(d))


# While a new page replaces the old one, the old body goes away under a query. Chromium says so
# as a stale element, a missing one, or (chromedriver since 134, between finding the node and
# reading it) as an "unknown error" naming a node that left the document: all mean "look again".
_NODE_GONE = ("does not belong to the document", "No node with given id")


def _body_text(driver) -> str:
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        WebDriverException,
    )
    from selenium.webdriver.common.by import By

    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except (StaleElementReferenceException, NoSuchElementException):
        return ""
    except WebDriverException as error:
        if any(sign in str(error.msg) for sign in _NODE_GONE):
            return ""
        raise
