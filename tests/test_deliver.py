"""Delivery against a real SMTP server on loopback: each test asserts every recipient's mailbox."""

from __future__ import annotations

import base64
import logging
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import trustme
import yaml
from helpers import (
    HARBOUR_ARTICLE,
    LIBRARY_ARTICLE,
    NOW,
    REPO,
    add_article,
    execute,
    query,
    write_config,
)
from mailserver import Mailboxes, closed_port, password_auth, smtp_server, wait_for

from digest.cli import main
from digest.config import Config, load_config
from digest.errors import DeliveryError
from digest.pipeline import run_once

pytestmark = pytest.mark.both_backends

ALICE, BOB, CAROL = "alice@example.org", "bob@example.org", "carol@example.org"
EVERYONE = (ALICE, BOB, CAROL)
PASSWORD = "s3cret-Pa55word!"


def email_config(tmp_path: Path, port: int, **smtp) -> Path:
    (tmp_path / "articles").mkdir(exist_ok=True)
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    return write_config(
        tmp_path,
        email={
            "enabled": True,
            "from": "Morning Brief <brief@example.org>",
            "recipients": [ALICE, {"email": BOB, "name": "Bob"}, CAROL],
            "unsubscribe_url": "https://example.org/unsubscribe",
            "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 5}
            | {"retry_wait": 0}
            | smtp,
        },
    )


def add_second_article(tmp_path: Path) -> None:
    # Another story: a near-copy of the harbour one would be left out as a repeat.
    add_article(tmp_path / "articles", "library.txt", LIBRARY_ARTICLE)


def deliveries(config: Config) -> dict[str, tuple[str, int]]:
    rows = query(config.state, "SELECT recipient, status, attempts FROM deliveries")
    return {r: (s, a) for r, s, a in rows}


def throwaway_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server context with a certificate for 127.0.0.1 from a CA the client is made to trust."""
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    # The client uses the default trust store, as in production; OpenSSL reads SSL_CERT_FILE.
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    return server_tls


def counts(box: Mailboxes) -> dict[str, int]:
    return {who: len(box[who]) for who in EVERYONE}


def test_plain_server_gets_one_message_per_recipient_and_a_rerun_sends_nothing(tmp_path):
    box = Mailboxes()
    with smtp_server(box) as server:
        config = load_config(email_config(tmp_path, server.port))
        run_once(config, now=NOW)
        run_once(config, now=NOW)  # nothing new, nothing pending: nothing sent

    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}
    assert box.connections == 1  # one SMTP connection for the run, not one per message
    assert str(box[BOB][0]["To"]) == "Bob <bob@example.org>"
    assert {s for s, _ in deliveries(config).values()} == {"sent"}


def test_starttls_with_auth(tmp_path, monkeypatch):
    server_tls = throwaway_tls(tmp_path, monkeypatch)
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", PASSWORD)
    box = Mailboxes()
    with smtp_server(
        box,
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        authenticator=password_auth("brief", PASSWORD),
    ) as server:
        config = load_config(
            email_config(
                tmp_path,
                server.port,
                security="starttls",
                username="brief",
                password_env="DIGEST_SMTP_PASSWORD",
            )
        )
        run_once(config, now=NOW)

    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_auth_over_plain_and_a_wrong_password_never_leaks(tmp_path, monkeypatch, caplog):
    box = Mailboxes()
    auth = password_auth("brief", "the-right-one")
    with smtp_server(box, authenticator=auth, auth_required=True, auth_require_tls=False) as srv:
        path = email_config(
            tmp_path, srv.port, username="brief", password_env="DIGEST_SMTP_PASSWORD"
        )
        config = load_config(path)
        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", PASSWORD)
        caplog.set_level(logging.DEBUG)
        run_once(config, now=NOW)
        assert counts(box) == {ALICE: 0, BOB: 0, CAROL: 0}
        assert {s for s, _ in deliveries(config).values()} == {"pending"}
        with pytest.raises(DeliveryError) as err:
            main(["send-test", "--to", "dave@example.org", "-c", str(path), "--debug"])

        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "the-right-one")
        run_once(config, now=NOW)  # the next run sends what was left pending

    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}
    assert "refused the login as brief" in str(err.value)
    assert "check email.smtp.username and the password in $DIGEST_SMTP_PASSWORD" in str(err.value)
    errors = " ".join(e for (e,) in query(config.state, "SELECT last_error FROM deliveries") if e)
    for text in (caplog.text, str(err.value), repr(err.value), errors):
        assert PASSWORD not in text


def test_implicit_tls(tmp_path, monkeypatch):
    server_tls = throwaway_tls(tmp_path, monkeypatch)
    box = Mailboxes()
    with smtp_server(box, ssl_context=server_tls) as server:
        config = load_config(email_config(tmp_path, server.port, security="ssl"))
        run_once(config, now=NOW)
    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}


def test_451_is_retried_in_the_same_run(tmp_path):
    box = Mailboxes()
    box.rcpt_replies[BOB] = ["451 4.7.1 Greylisted, try again later"]
    with smtp_server(box) as server:
        config = load_config(email_config(tmp_path, server.port))
        run_once(config, now=NOW)

    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}
    assert deliveries(config)[BOB] == ("sent", 2)


def test_550_for_one_recipient_is_recorded_and_the_others_still_get_it(tmp_path, caplog):
    box = Mailboxes()
    box.rcpt_replies[BOB] = ["550 5.1.1 No such user"]
    with smtp_server(box) as server:
        config = load_config(email_config(tmp_path, server.port))
        run_once(config, now=NOW)
        add_second_article(tmp_path)
        run_once(config, now=NOW)  # bob's failure is not retried; the new digest reaches him

    assert counts(box) == {ALICE: 2, BOB: 1, CAROL: 2}
    status = {
        r: s for r, s in query(
            config.state, "SELECT recipient, status FROM deliveries WHERE digest_id = 1"
        )
    }  # fmt: skip
    assert status == {ALICE: "sent", BOB: "failed", CAROL: "sent"}
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failures) == 1
    assert BOB in failures[0] and "550 5.1.1 No such user" in failures[0]


def test_permanent_data_rejection_fails_only_that_message(tmp_path):
    box = Mailboxes()
    box.data_replies[:] = ["554 5.7.1 Message rejected"]
    with smtp_server(box) as server:
        config = load_config(email_config(tmp_path, server.port))
        run_once(config, now=NOW)
    assert counts(box) == {ALICE: 0, BOB: 1, CAROL: 1}
    assert deliveries(config)[ALICE][0] == "failed"


def test_connection_dropped_mid_run_reconnects(tmp_path):
    box = Mailboxes()
    box.rcpt_replies[BOB] = ["drop"]
    with smtp_server(box) as server:
        config = load_config(email_config(tmp_path, server.port))
        run_once(config, now=NOW)
    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}
    assert box.connections == 2


def test_server_down_leaves_everyone_pending_and_the_next_run_sends(tmp_path, caplog):
    with closed_port() as port:
        config = load_config(email_config(tmp_path, port, attempts=2))
        run_once(config, now=NOW)  # nobody listening: connection refused
        assert {s for s, _ in deliveries(config).values()} == {"pending"}
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1
        assert f"could not connect to 127.0.0.1:{port}: Connection refused" in errors[0]
        assert "(check email.smtp.host/port in config.yaml)" in errors[0]

        box = Mailboxes()
        with smtp_server(box, port=port):
            run_once(config, now=NOW)  # no new articles: the run still retries the deliveries
    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}


def test_send_test_uses_the_real_template_and_records_nothing(tmp_path):
    box = Mailboxes()
    with smtp_server(box) as server:
        path = email_config(tmp_path, server.port)
        config = load_config(path)
        run_once(config, now=NOW)
        assert main(["send-test", "--to", "dave@example.org", "-c", str(path)]) == 0

    dave = box["dave@example.org"]
    assert len(dave) == 1
    assert dave[0]["Subject"] == f"[TEST] {box[ALICE][0]['Subject']}"
    html = dave[0].get_body(("html",)).get_content()
    # The reader's HTML, with the test banner as the first thing in <body>.
    banner = re.search(r"<div style=\"[^\"]*\">Test send of [^<]*</div>", html)
    assert banner is not None
    assert html.replace(banner.group(0), "") == box[ALICE][0].get_body(("html",)).get_content()
    assert "dave@example.org" not in deliveries(config)


# --- crashes: a real process, killed with SIGKILL, then run again --------------------------


def _run(path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "digest", "run", "-c", str(path)]
    return subprocess.Popen(cmd, cwd=path.parent, env=env, stderr=subprocess.PIPE)


def _kill_when(event: threading.Event, proc: subprocess.Popen, release: threading.Event) -> None:
    assert event.wait(60), proc.stderr.read().decode() if proc.poll() is not None else "stuck"
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    release.set()


def test_killed_between_recipients_then_rerun_sends_each_exactly_once(tmp_path):
    box = Mailboxes()
    reached, release = threading.Event(), threading.Event()

    async def hold_carol(address: str) -> None:
        if address == CAROL and not release.is_set():
            reached.set()  # alice and bob are sent and recorded; carol's RCPT is in flight
            await wait_for(release)

    box.on_rcpt = hold_carol
    with smtp_server(box) as server:
        path = email_config(tmp_path, server.port)
        _kill_when(reached, _run(path), release)
        assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 0}
        rerun = _run(path)
        assert rerun.wait(120) == 0, rerun.stderr.read().decode()

    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}


def test_killed_after_the_server_accepted_resends_with_the_same_message_id(tmp_path):
    # The documented trade-off (deliver.py): 'sending' at start-up means "maybe delivered";
    # we send again rather than risk a loss, with the same Message-ID so mailboxes can dedupe.
    box = Mailboxes()
    reached, release = threading.Event(), threading.Event()

    async def hold_after_bob(rcpts: list[str]) -> None:
        if rcpts == [BOB] and not release.is_set():
            reached.set()  # stored in bob's mailbox, but "250" not yet sent back
            await wait_for(release)

    box.on_data = hold_after_bob
    with smtp_server(box) as server:
        path = email_config(tmp_path, server.port)
        _kill_when(reached, _run(path), release)
        rerun = _run(path)
        assert rerun.wait(120) == 0
        stderr = rerun.stderr.read().decode()

    assert counts(box) == {ALICE: 1, BOB: 2, CAROL: 1}
    assert box.message_ids(BOB)[0] == box.message_ids(BOB)[1]
    assert "Re-sending digest-" in stderr and f"to {BOB}: a run stopped while sending" in stderr


def test_status_shows_who_got_the_last_digest(tmp_path):
    from digest.status import status_lines

    box = Mailboxes()
    box.rcpt_replies[BOB] = ["550 5.1.1 No such user"]
    with smtp_server(box) as server:
        config = load_config(email_config(tmp_path, server.port))
        run_once(config, now=NOW)
    lines = status_lines(config, now=NOW)
    sent = [line.split()[:2] for line in lines if line.strip().startswith(("sent", "failed"))]
    assert sent == [["sent", ALICE], ["failed", BOB], ["sent", CAROL]]
    assert any(BOB in line and "550 5.1.1 No such user" in line for line in lines)


@pytest.mark.parametrize("poison", ["subject", "name"])
def test_a_stored_delivery_that_cannot_be_built_fails_alone(tmp_path, capsys, poison):
    # An older version let a line break into email.subject or a recipient's name and stored it
    # with the digest: every later run crashed in finish_interrupted and built nothing new.
    with closed_port() as port:
        path = email_config(tmp_path, port, attempts=1)
        config = load_config(path)
        run_once(config, now=NOW)  # server down: the deliveries of digest 1 wait in the state
        if poison == "subject":
            execute(
                config.state, "UPDATE digests SET subject = 'Morning Brief\nBcc: eve@example.org'"
            )
        else:
            execute(
                config.state,
                "UPDATE deliveries SET name = 'Bob\r\nBcc: eve@example.org' WHERE recipient = :r",
                r=BOB,
            )
        add_second_article(tmp_path)
        box = Mailboxes()
        capsys.readouterr()
        with smtp_server(box, port=port):
            assert main(["run", "-c", str(path)]) == 2  # partial: a delivery failed
    stderr = capsys.readouterr().err

    poisoned = EVERYONE if poison == "subject" else (BOB,)
    assert counts(box) == {who: 1 if who in poisoned else 2 for who in EVERYONE}
    assert all("eve" not in str(m) for who in EVERYONE for m in box[who])
    rows = query(
        config.state,
        "SELECT digest_id, recipient, status, last_error FROM deliveries ORDER BY digest_id",
    )
    failed = {r for d, r, s, _ in rows if d == 1 and s == "failed"}
    assert failed == set(poisoned)
    assert {s for d, _, s, _ in rows if d == 2} == {"sent"}
    reasons = [e for d, r, s, e in rows if s == "failed"]
    why = "linefeed" if poison == "subject" else "CR or LF"  # the mail library's own words
    assert all(e.startswith("cannot build the message: ") and why in e for e in reasons)
    errors = [line for line in stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == len(poisoned)
    assert all(e.startswith("ERROR: Email digest-2026-11-24 to ") for e in errors)
    assert "Traceback" not in stderr and "Done: " in stderr

    from digest.status import status_lines

    lines = status_lines(config, now=NOW)
    shown = [line for line in lines if line.strip().startswith("failed")]
    assert len(shown) == len(poisoned)
    assert all("digest-2026-11-24 to " in line and why in line for line in shown)


class EchoingAuth(Mailboxes):
    """A misbehaving server: it refuses every login and quotes the client's AUTH data back."""

    def __init__(self, cut: slice = slice(None)) -> None:
        super().__init__()
        self.cut = cut
        self.echoed: list[str] = []

    async def handle_AUTH(self, server, session, envelope, args):  # noqa: N802
        if args[0] == "LOGIN":  # smtplib sent the user name; the password answers "Password:"
            answer = await server.challenge_auth("Password:")
            token = base64.b64encode(answer).decode() if isinstance(answer, bytes) else ""
        else:
            token = args[1]
        self.echoed.append(token[self.cut])
        return f"535 5.7.8 Authentication failed for AUTH {args[0]} {token[self.cut]}"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize(
    ("mechanism", "cut"),
    [("PLAIN", slice(None)), ("LOGIN", slice(None)), ("PLAIN", slice(7, -5))],
    ids=["plain", "login", "part-of-plain"],
)
def test_a_server_echoing_the_auth_data_never_leaks_the_password(
    tmp_path, monkeypatch, caplog, mechanism, cut
):
    box = EchoingAuth(cut)
    other = "LOGIN" if mechanism == "PLAIN" else "PLAIN"
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", PASSWORD)
    caplog.set_level(logging.DEBUG)
    with smtp_server(
        box,
        auth_required=True,
        auth_require_tls=False,
        auth_exclude_mechanism=[other],
        authenticator=password_auth("brief", PASSWORD),
    ) as srv:
        path = email_config(
            tmp_path, srv.port, username="brief", password_env="DIGEST_SMTP_PASSWORD"
        )
        config = load_config(path)
        run_once(config, now=NOW)

    from digest.status import status_lines

    # The server did echo the secret (in base64), so the test shows the scrubber at work.
    (echoed,) = set(box.echoed)
    assert len(echoed) >= 12
    full = base64.b64decode(echoed) if cut == slice(None) else b""
    assert cut != slice(None) or PASSWORD.encode() in full
    ours = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("digest"))
    errors = " ".join(e for (e,) in query(config.state, "SELECT last_error FROM deliveries") if e)
    status = "\n".join(status_lines(config, now=NOW))
    assert f"535 5.7.8 Authentication failed for AUTH {mechanism} ***" in errors
    for text in (ours, errors, status):
        assert "Authentication failed" in text
        assert PASSWORD not in text and echoed not in text
        assert not any(echoed[i : i + 8] in text for i in range(len(echoed) - 8))


@pytest.mark.parametrize(
    "reply",
    ["2x0 Queued, maybe", "Message received", "250 " + "x" * 9000],
    ids=["2x0", "no-code", "too-long-for-smtplib"],
)
def test_an_unreadable_reply_to_data_is_retried_not_failed(tmp_path, caplog, reply):
    # The server may have the message: like a lost connection, the outcome is unknown, so it is
    # tried again (same Message-ID; README "Delivery"), never recorded as refused for good.
    box = Mailboxes()
    box.data_replies[:] = [reply]
    with smtp_server(box) as server:
        config = load_config(email_config(tmp_path, server.port, attempts=1))
        run_once(config, now=NOW)
        assert counts(box) == {ALICE: 0, BOB: 1, CAROL: 1}
        assert deliveries(config)[ALICE] == ("pending", 1)
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1
        assert f"gave an unreadable reply to the message to {ALICE}" in errors[0]
        assert "left pending for the next run" in errors[0]
        run_once(config, now=NOW)  # nothing new: the next run sends what was left pending

    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}
    assert deliveries(config)[ALICE] == ("sent", 2)


def test_an_unreadable_reply_to_data_is_retried_in_the_same_run(tmp_path):
    box = Mailboxes()
    box.data_replies[:] = ["2x0 ok"]
    with smtp_server(box) as server:
        config = load_config(email_config(tmp_path, server.port))
        run_once(config, now=NOW)
    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}
    assert deliveries(config)[ALICE] == ("sent", 2)
    assert box.connections == 2  # the confused connection was dropped, a new one opened


# --- what readers see, and what only the operator sees ---------------------------------------

ADMIN = "ops@example.org"
BROKEN_FEED = "<?xml version='1.0'?><rss><channel><title>x</title><item><title>oops"


def problem_config(tmp_path: Path, port: int, httpserver, **email) -> Config:
    """Email on, one good folder source, a feed that is not XML and an empty file."""
    httpserver.expect_request("/broken.xml").respond_with_data(
        BROKEN_FEED, content_type="application/rss+xml"
    )
    path = email_config(tmp_path, port)
    add_article(tmp_path / "articles", "empty.txt", "")
    raw = yaml.safe_load(path.read_text())
    raw["sources"].append(
        {"name": "Wire", "type": "feed", "url": httpserver.url_for("/broken.xml")}
    )
    raw["email"] |= email
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return load_config(path)


def parts(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_readers_never_see_the_operators_problems_the_admin_gets_one_report(tmp_path, httpserver):
    box = Mailboxes()
    with smtp_server(box) as server:
        config = problem_config(tmp_path, server.port, httpserver, admin=ADMIN)
        report = run_once(config, now=NOW)

    reasons = sorted(s.reason for s in report.skipped)
    assert len(reasons) == 2 and "not a valid RSS/Atom feed" in reasons[1]
    for reader in EVERYONE:
        (message,) = box[reader]
        for part in parts(message):
            assert "City council approves harbour flood barrier" in part
            for words in ("empty.txt", "not a valid", "left out", "Wire"):
                assert words not in part, (reader, words)
    # The operator: one short plain-text report naming both problems, not a reader delivery.
    (mail,) = box[ADMIN]
    assert mail["Subject"] == "[Morning Brief] 2 problems in the run of Tue 24 Nov 07:00"
    assert mail.get_content_type() == "text/plain"
    body = mail.get_content()
    assert "digest-2026-11-24 was built" in body
    assert "- Wire: not a valid RSS/Atom feed" in body
    assert "- empty.txt (Local): " in body
    assert ADMIN not in deliveries(config)
    # ... and the archive copy keeps the note, marked as the operator's.
    archive = (config.output.dir / "digest-2026-11-24.html").read_text()
    assert "For the operator: 2 items left out of this digest" in archive
    assert "not a valid RSS/Atom feed" in archive
    # ... and `digest status` names both.
    from digest.status import status_lines

    lines = status_lines(config, now=NOW)
    assert "  left out   empty.txt (Local): empty file" in lines
    assert any(line.startswith("  Wire: FAILING") and "not a valid" in line for line in lines)


def test_the_admin_report_names_a_refused_reader(tmp_path, httpserver):
    box = Mailboxes()
    box.rcpt_replies[BOB] = ["550 5.1.1 No such user"]
    with smtp_server(box) as server:
        config = problem_config(tmp_path, server.port, httpserver, admin=ADMIN)
        run_once(config, now=NOW)
    (mail,) = box[ADMIN]
    assert mail["Subject"].startswith("[Morning Brief] 3 problems")
    assert f"- digest-2026-11-24 to {BOB} failed: " in mail.get_content()
    assert "No such user" in mail.get_content()


def test_a_run_without_problems_sends_no_report(tmp_path):
    box = Mailboxes()
    with smtp_server(box) as server:
        path = email_config(tmp_path, server.port)
        raw = yaml.safe_load(path.read_text())
        raw["email"]["admin"] = ADMIN
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        run_once(load_config(path), now=NOW)
    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}
    assert box[ADMIN] == []


def test_a_run_that_builds_nothing_still_reports_the_failed_source(tmp_path, httpserver):
    box = Mailboxes()
    with smtp_server(box) as server:
        config = problem_config(tmp_path, server.port, httpserver, admin=ADMIN)
        run_once(config, now=NOW)
        run_once(config, now=NOW)  # nothing new; the feed is still broken
    # The empty file was reported once (the first digest recorded it); the feed every run.
    first, second = box[ADMIN]
    assert second["Subject"] == "[Morning Brief] 1 problem in the run of Tue 24 Nov 07:00"
    assert "No digest was built" in second.get_content()
    assert "- Wire: not a valid RSS/Atom feed" in second.get_content()
    assert "empty.txt" not in second.get_content()


def test_a_refused_admin_report_is_logged_and_readers_still_get_theirs(
    tmp_path, httpserver, caplog
):
    box = Mailboxes()
    box.rcpt_replies[ADMIN].append("550 5.1.1 no such user")
    with smtp_server(box) as server:
        config = problem_config(tmp_path, server.port, httpserver, admin=ADMIN)
        run_once(config, now=NOW)
    assert counts(box) == {ALICE: 1, BOB: 1, CAROL: 1}
    assert {s for s, _ in deliveries(config).values()} == {"sent"}
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(e.startswith(f"Admin report to {ADMIN} not sent: ") for e in errors), errors


# --- subjects, test sends, the text part ----------------------------------------------------


def test_subject_date_reads_like_the_body_and_a_second_digest_of_the_day_is_numbered(tmp_path):
    box = Mailboxes()
    with smtp_server(box) as server:
        config = load_config(email_config(tmp_path, server.port))
        december = NOW.replace(month=12, day=1)
        run_once(config, now=december)
        add_second_article(tmp_path)
        run_once(config, now=december.replace(hour=18))

    first, second = box[ALICE]
    assert first["Subject"] == "Morning Brief for Tuesday 1 December"
    assert "Tuesday 1 December 2026" in parts(first)[0]
    # Gmail threads messages with one subject: the second digest of a day must differ.
    assert second["Subject"] == "Morning Brief for Tuesday 1 December (2)"


def test_send_test_is_marked_as_a_test(tmp_path):
    box = Mailboxes()
    with smtp_server(box) as server:
        path = email_config(tmp_path, server.port)
        run_once(load_config(path), now=NOW)
        assert main(["send-test", "--to", "dave@example.org", "-c", str(path)]) == 0

    (test,) = box["dave@example.org"]
    assert test["Subject"] == f"[TEST] {box[ALICE][0]['Subject']}"
    text, html = parts(test)
    assert text.startswith("[Test send of digest-2026-11-24: readers got this digest without")
    assert "Test send of digest-2026-11-24" in html
    assert "Test send" not in "".join(parts(box[ALICE][0]))


def test_plain_text_part_has_the_unsubscribe_link(tmp_path):
    box = Mailboxes()
    with smtp_server(box) as server:
        run_once(load_config(email_config(tmp_path, server.port)), now=NOW)
    text, html = parts(box[ALICE][0])
    assert "Unsubscribe: https://example.org/unsubscribe" in text
    assert 'href="https://example.org/unsubscribe"' in html
