"""A reader's whole path through the web front in a real browser (headless Chromium), at a
phone's width and a desktop's: subscribe -> confirmation mail (from a real aiosmtpd) -> confirm
-> preferences -> a digest arrives -> unsubscribe from its link.
"""

from __future__ import annotations

import os

import pytest
from browser import chromium, missing, wait_for_text
from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, NOW, add_article
from web_helpers import running_site

from digest.pipeline import run_once

pytestmark = pytest.mark.slow

ANN = "ann@example.org"


@pytest.fixture(autouse=True)
def _needs_chromium():
    reason = missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.mark.parametrize("width", [375, 900])
def test_subscribe_confirm_choose_and_leave_in_a_browser(tmp_path, monkeypatch, width):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with running_site(tmp_path, monkeypatch) as site, chromium(width) as browser:
        add_article(site.config.path.parent / "articles", "harbour.txt", HARBOUR_ARTICLE)
        add_article(site.config.path.parent / "arts", "library.txt", LIBRARY_ARTICLE)

        browser.get(site.front.address + "/subscribe")
        wait_for_text(browser, "Subscribe to Morning Brief")
        browser.find_element(By.ID, "email").send_keys(ANN)
        browser.find_element(By.CSS_SELECTOR, "input[value=City]").click()  # untick City
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for_text(browser, "Check your inbox")
        assert site.store.subscribers() == []

        (confirmation,) = site.mails(ANN)
        browser.get(site.local(site.link_in(confirmation, "confirm")))
        wait_for_text(browser, "Confirm your subscription")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for_text(browser, "You are subscribed")
        assert site.store.subscriber(ANN).topics == ("Culture",)

        browser.find_element(By.LINK_TEXT, "Choose what you get").click()
        wait_for_text(browser, "Your preferences")
        Select(browser.find_element(By.ID, "sentences")).select_by_value("1")
        browser.find_element(By.CSS_SELECTOR, "button[value=save]").click()
        wait_for_text(browser, "Saved.")
        assert site.store.subscriber(ANN).sentences == 1

        # The next digest: only Culture, one sentence; its footer links her own pages.
        run_once(site.config, now=NOW)
        digest = site.mails(ANN, 2)[1]
        text = digest.get_body(("plain",)).get_content()
        assert "Sunday afternoons" in text and "harbour" not in text.lower()
        browser.get(site.local(site.link_in(digest, "unsubscribe")))
        wait_for_text(browser, "Stop sending Morning Brief")
        assert site.store.subscriber(ANN).status == "active"  # a GET never unsubscribes
        browser.find_element(By.CSS_SELECTOR, "button.danger").click()
        wait_for_text(browser, "You are unsubscribed")
        assert site.store.subscriber(ANN).status == "left"

        # Nothing on the page is wider than the window (readable on a phone).
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= width
