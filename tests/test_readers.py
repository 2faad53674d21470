"""Per-reader digests and leaving: each reader's sections and length decide their mail; nobody
is mailed after leaving, not even by a digest already pending, across a crash.

Real runs (run_once, and `digest run` as a process killed with SIGKILL), a real SMTP server,
the real web front for the one-click POST; both backends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import httpx
import pytest
from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, NOW, REPO, add_article, query
from mailserver import closed_port, wait_for
from web_helpers import BASE, SECRET, SECRET_ENV, running_site

from digest.config import Recipient, load_config
from digest.pipeline import run_once
from digest.web.tokens import PREFERENCES, UNSUBSCRIBE, Tokens

pytestmark = [pytest.mark.slow, pytest.mark.both_backends]

ANN, BOB, CAT = "ann@example.org", "bob@example.org", "cat@example.org"


def stories(site) -> None:
    add_article(site.config.path.parent / "articles", "harbour.txt", HARBOUR_ARTICLE)
    add_article(site.config.path.parent / "arts", "library.txt", LIBRARY_ARTICLE)


def readers(site) -> None:
    """ann: everything; bob and cat: Culture only, one sentence each (one shared copy)."""
    for email in (ANN, BOB, CAT):
        site.store.add_subscriber(email, origin="cli", now=NOW)
    for email in (BOB, CAT):
        site.store.update_subscriber(email, topics=("Culture",), sentences=1, paused=False, now=NOW)


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def test_each_reader_gets_the_sections_and_length_they_chose_once(tmp_path, monkeypatch):
    with running_site(tmp_path, monkeypatch) as site:
        stories(site)
        readers(site)
        report = run_once(site.config, now=NOW)
        assert report.mail_sent == 3

        (ann,) = site.mail[ANN]
        (bob,) = site.mail[BOB]
        assert len(site.mail[CAT]) == 1
        assert "harbour flood barrier" in html_of(ann) and "Sunday" in html_of(ann)
        text = bob.get_body(("plain",)).get_content()
        assert "Sunday afternoons" in text and "harbour" not in text.lower()
        # One sentence of the library brief, not the digest's three.
        assert "The central library will open" in text
        assert "The trial will run" not in text and "Staff will work" not in text
        # Bob and cat chose alike: their copy was rendered and stored once.
        rows = query(site.config.state, "SELECT choice FROM reader_copies")
        assert rows == [("Culture;1",)]
        # A second run sends nothing more.
        assert run_once(site.config, now=NOW + timedelta(minutes=1)).mail_sent == 0
        assert [len(site.mail[a]) for a in (ANN, BOB, CAT)] == [1, 1, 1]


def test_every_mail_carries_the_readers_own_signed_links(tmp_path, monkeypatch):
    with running_site(tmp_path, monkeypatch) as site:
        stories(site)
        readers(site)
        run_once(site.config, now=NOW)
        tokens = Tokens(SECRET)
        for address in (ANN, BOB):
            (message,) = site.mail[address]
            header = message["List-Unsubscribe"].strip("<>")
            assert header.startswith(f"{BASE}/unsubscribe/")
            assert tokens.read_address(UNSUBSCRIBE, header.rsplit("/", 1)[1]) == address
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            body = html_of(message) + message.get_body(("plain",)).get_content()
            assert "digest.invalid" not in body
            prefs = site.link_in(message, "preferences")
            assert tokens.read_address(PREFERENCES, prefs.rsplit("/", 1)[1]) == address
            # The link in the mail opens that reader's page on the running web front.
            page = site.client.get(site.local(prefs))
            assert page.status_code == 200 and address in page.text


def test_leaving_cancels_what_is_pending_and_the_next_run_skips_them(tmp_path, monkeypatch):
    with running_site(tmp_path, monkeypatch) as site:
        stories(site)
        readers(site)
        with closed_port() as port:  # the SMTP server is down: everyone stays pending
            config = load_config(site.config.path)
            down = config.model_copy(
                update={"email": config.email.model_copy(
                    update={"smtp": config.email.smtp.model_copy(update={"port": port})})}
            )  # fmt: skip
            assert run_once(down, now=NOW).mail_pending == 3
        assert site.store.unsubscribe(BOB, NOW) == 1
        site.store.update_subscriber(CAT, topics=(), sentences=None, paused=True, now=NOW)

        report = run_once(site.config, now=NOW + timedelta(minutes=1))
        assert report.mail_sent == 1
        assert (len(site.mail[ANN]), site.mail[BOB], site.mail[CAT]) == (1, [], [])
        rows = dict(query(site.config.state, "SELECT recipient, status FROM deliveries"))
        assert rows == {ANN: "sent", BOB: "cancelled", CAT: "cancelled"}
        errors = dict(query(site.config.state, "SELECT recipient, last_error FROM deliveries"))
        assert errors[BOB] == "unsubscribed" and errors[CAT] == "paused"


def test_a_crash_then_a_one_click_unsubscribe_then_the_next_run_mails_nobody_who_left(
    tmp_path, monkeypatch
):
    with running_site(tmp_path, monkeypatch) as site:
        stories(site)
        for email in (ANN, BOB, CAT):
            site.store.add_subscriber(email, origin="cli", now=NOW)
        reached, release = threading.Event(), threading.Event()

        async def hold_cat(address: str) -> None:
            if address == CAT and not release.is_set():
                reached.set()  # ann and bob are sent; cat's is in flight
                await wait_for(release)

        site.mail.on_rcpt = hold_cat
        env = {**os.environ, "PYTHONPATH": str(REPO), SECRET_ENV: SECRET}
        run = [sys.executable, "-m", "digest", "run", "-c", str(site.config.path)]
        proc = subprocess.Popen(run, env=env, stderr=subprocess.PIPE)
        assert reached.wait(60), proc.stderr.read().decode() if proc.poll() is not None else ""
        proc.send_signal(signal.SIGKILL)
        proc.wait(60)
        release.set()
        assert [len(site.mail[a]) for a in (ANN, BOB, CAT)] == [1, 1, 0]

        # Cat's mail provider posts the one-click unsubscribe from her message's header.
        url = site.local(f"{BASE}/unsubscribe/{Tokens(SECRET).unsubscribe(CAT)}")
        assert (
            httpx.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=30).status_code == 200
        )

        rerun = subprocess.run(run, env=env, capture_output=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr.decode()
        assert [len(site.mail[a]) for a in (ANN, BOB, CAT)] == [1, 1, 0]
        rows = dict(query(site.config.state, "SELECT recipient, status FROM deliveries"))
        assert rows == {ANN: "sent", BOB: "sent", CAT: "cancelled"}


def test_email_recipients_are_readers_and_one_who_left_is_not_subscribed_again(
    tmp_path, monkeypatch
):
    listed = [Recipient(email=ANN), Recipient(email=BOB, name="Bob")]
    with running_site(tmp_path, monkeypatch) as site:
        store = site.store
        store.sync_recipients(listed, NOW)
        assert {s.email: s.origin for s in store.subscribers()} == {ANN: "config", BOB: "config"}
        assert store.subscriber(BOB).name == "Bob"
        store.unsubscribe(ANN, NOW)  # on the web
        store.sync_recipients(listed, NOW)  # the next run reads the same YAML
        assert store.subscriber(ANN).status == "left"
        # Taken off the YAML: bob leaves, as taking him off always meant.
        store.sync_recipients(listed[:1], NOW)
        assert store.subscriber(BOB).status == "left"
