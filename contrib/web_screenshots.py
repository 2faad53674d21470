"""Screenshots of the web front, page by page along a reader's path, at 375 and 900 px.

    python contrib/web_screenshots.py [--out DIR] [--stories 12] [--dark]

Builds a real digest as contrib/screenshots.py does (BBC News articles from
../shared/data/summ/bbc_dev.jsonl or DIGEST_DATA_DIR, with sections), then runs the web front
(uvicorn on loopback) with a real SMTP server (aiosmtpd, from `pip install -e '.[test]'`) and
walks it in headless Chromium through selenium and Debian's chromium-driver: the archive, a
digest, subscribe, "check your inbox", the confirmation page (its link read from the mail),
subscribed, preferences (saved), the unsubscribe page from the digest mail's link, unsubscribed,
and a 404. Each page is shot whole (up to 2,400 px high) into DIR (a temporary folder by
default; never the repo). Needs chromium and chromium-driver (apt-get install both).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from browser import chromium, missing, wait_for_text  # noqa: E402
from screenshots import DATA, NOW, build  # noqa: E402

from digest.config import load_config  # noqa: E402
from digest.pipeline import run_once  # noqa: E402
from digest.web.server import open_web  # noqa: E402

BASE = "https://news.example.org"
MAX_HEIGHT = 2400


def shoot(driver, out: Path, name: str, width: int, dark: bool) -> Path:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": min(height, MAX_HEIGHT), "deviceScaleFactor": 1,
         "mobile": width < 600},
    )  # fmt: skip
    png = out / f"{name}-{width}{'-dark' if dark else ''}.png"
    driver.get_screenshot_as_file(str(png))
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    sys.stdout.write(f"{png}\n")
    return png


def mail_link(mailbox: list, n: int, path: str, address: str) -> str:
    deadline = time.monotonic() + 60
    while len(mailbox) < n:  # bounded: the SMTP server got nothing in a minute
        if time.monotonic() > deadline:
            raise SystemExit(f"no mail {n} in a minute")
        time.sleep(0.05)
    body = mailbox[n - 1].get_body(("plain",)).get_content()
    url = re.search(re.escape(BASE) + rf"/{path}/\S+", body)[0]
    return address + url[len(BASE) :]


def walk(front, mail, out: Path, width: int, dark: bool, digest_name: str) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    address = front.address
    # One reader per walk: confirmation mails to one address are rate-limited (3 a day).
    reader = f"reader-{width}{'-dark' if dark else ''}@example.org"
    box = mail.boxes[reader]
    with chromium(width, dark=dark) as driver:
        driver.get(address + "/")
        wait_for_text(driver, "Every digest so far")
        shoot(driver, out, "01-archive", width, dark)
        driver.get(f"{address}/{digest_name}.html")
        wait_for_text(driver, "Morning Brief")
        shoot(driver, out, "02-digest", width, dark)
        driver.get(address + "/subscribe")
        wait_for_text(driver, "Subscribe to")
        driver.find_element(By.ID, "email").send_keys(reader)
        driver.find_element(By.CSS_SELECTOR, "input[value=Sport]").click()
        shoot(driver, out, "03-subscribe", width, dark)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for_text(driver, "Check your inbox")
        shoot(driver, out, "04-check-inbox", width, dark)
        driver.get(mail_link(box, 1, "confirm", address))
        wait_for_text(driver, "Confirm your subscription")
        shoot(driver, out, "05-confirm", width, dark)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for_text(driver, "You are subscribed")
        shoot(driver, out, "06-subscribed", width, dark)
        driver.find_element(By.LINK_TEXT, "Choose what you get").click()
        wait_for_text(driver, "Your preferences")
        Select(driver.find_element(By.ID, "sentences")).select_by_value("2")
        driver.find_element(By.CSS_SELECTOR, "button[value=save]").click()
        wait_for_text(driver, "Saved.")
        shoot(driver, out, "07-preferences-saved", width, dark)
        driver.get(mail_link(box, 1, "confirm", address).replace("/confirm/", "/nope/"))
        wait_for_text(driver, "Not found")
        shoot(driver, out, "10-not-found", width, dark)
    return reader


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for the PNGs (default: a temp folder)")
    parser.add_argument("--stories", type=int, default=12)
    parser.add_argument("--dark", action="store_true", help="also shoot the dark palette")
    args = parser.parse_args()
    if not (DATA / "summ/bbc_dev.jsonl").is_file():
        sys.stdout.write(f"skipped: {DATA / 'summ/bbc_dev.jsonl'} not found (DIGEST_DATA_DIR)\n")
        return 0
    if missing():
        sys.stdout.write(f"skipped: {missing()}\n")
        return 0
    from mailserver import Mailboxes, smtp_server

    out = args.out or Path(tempfile.mkdtemp(prefix="digest-web-shots-"))
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DIGEST_WEB_SECRET", "screenshots-" + "s" * 40)
    with tempfile.TemporaryDirectory() as tmp, smtp_server(Mailboxes()) as smtp:
        base = Path(tmp)
        build(base, args.stories)
        raw = yaml.safe_load((base / "config.yaml").read_text(encoding="utf-8"))
        raw["output"].pop("archive_url")
        raw["email"] = {
            "enabled": True,
            "from": raw["email"]["from"],
            "smtp": {"host": "127.0.0.1", "port": smtp.port, "security": "none"},
        }
        raw["web"] = {"listen": "127.0.0.1:0", "base_url": BASE}
        (base / "config.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
        config = load_config(base / "config.yaml")
        digest_name = sorted(p.stem for p in config.output.dir.glob("digest-*.json"))[-1]
        front = open_web(config)
        front.start()
        mail = smtp.handler
        try:
            for width in (375, 900):
                for dark in (False, True) if args.dark else (False,):
                    reader = walk(front, mail, out, width, dark, digest_name)
            # The reader (still subscribed from the last walk) gets the next digest; its
            # unsubscribe link opens the page with the button.
            (base / "politics" / "late.txt").write_text(
                "Late story in Westminster\n\nA late story arrived after the first digest. "
                "It is about a vote that happened in the evening.\n",
                encoding="utf-8",
            )
            run_once(config, now=NOW.replace(hour=19))
            link = mail_link(mail.boxes[reader], 2, "unsubscribe", front.address)
            from selenium.webdriver.common.by import By

            for width in (375, 900):
                with chromium(width) as driver:
                    driver.get(link)
                    wait_for_text(driver, "Stop sending")
                    shoot(driver, out, "08-unsubscribe", width, False)
                    if width == 900:
                        driver.find_element(By.CSS_SELECTOR, "button.danger").click()
                        wait_for_text(driver, "You are unsubscribed")
                        shoot(driver, out, "09-unsubscribed", width, False)
                        shoot(driver, out, "09-unsubscribed", 375, False)
        finally:
            front.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
