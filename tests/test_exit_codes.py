"""`digest run` exit codes, through the real entry point: 0 done, 1 user error, 2 partial,
3 nothing could be read. Cron and systemd alert on anything but 0."""

from __future__ import annotations

import subprocess
import sys

from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, NOW, REPO, add_article, write_config
from mailserver import Mailboxes, closed_port, smtp_server

from digest.cli import main
from digest.config import load_config
from digest.schedule import digest_job


def feed(name: str, url: str) -> dict:
    return {"name": name, "type": "feed", "url": url}


def broken_feed(httpserver) -> str:
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    return httpserver.url_for("/broken.xml")


def test_all_done_and_nothing_new_are_0(tmp_path):
    path = write_config(tmp_path)
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    assert main(["run", "-c", str(path)]) == 0
    assert main(["run", "-c", str(path)]) == 0  # nothing new


def test_a_user_error_is_1(tmp_path):
    assert main(["run", "-c", str(tmp_path / "missing.yaml")]) == 1


def test_one_failed_source_is_2_and_the_others_still_make_the_digest(tmp_path, httpserver, capsys):
    sources = [
        {"name": "Local", "type": "folder", "path": "articles"},
        feed("Broken", broken_feed(httpserver)),
    ]
    path = write_config(tmp_path, sources=sources, fetch={"timeout": 2})
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    assert main(["run", "-c", str(path)]) == 2
    assert list((tmp_path / "digests").glob("digest-*.html"))
    assert "with 1 article from 1 source, 1 of 2 sources failed in " in capsys.readouterr().err


def test_every_source_failed_is_3_in_a_real_process(tmp_path, httpserver):
    url = broken_feed(httpserver)
    path = write_config(tmp_path, sources=[feed("Broken", url)], fetch={"timeout": 2})
    done = subprocess.run(
        [sys.executable, "-m", "digest", "run", "-c", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[-1] == (
        "No new articles (1 of 1 source failed); nothing written"
    )


def email(port: int) -> dict:
    smtp = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 5}
    smtp |= {"attempts": 1, "retry_wait": 0}
    recipients = ["alice@example.org", "bob@example.org"]
    return {"enabled": True, "from": "brief@example.org", "recipients": recipients, "smtp": smtp}


def test_mail_left_pending_is_2_until_it_goes_out(tmp_path, capsys):
    with closed_port() as port:  # nobody listening yet: connection refused
        path = write_config(tmp_path, email=email(port))
        add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
        assert main(["run", "-c", str(path)]) == 2
        assert "email 2 left pending in " in capsys.readouterr().err
        assert main(["run", "-c", str(path)]) == 2  # still down: nothing new, still pending
        assert "No new articles (email 2 left pending); nothing written" in capsys.readouterr().err
        add_article(tmp_path / "articles", "library.txt", LIBRARY_ARTICLE)
        assert main(["run", "-c", str(path)]) == 2  # a second digest, waiting with the first
        assert "email 4 left pending in " in capsys.readouterr().err

        box = Mailboxes()
        with smtp_server(box, port=port):
            assert main(["run", "-c", str(path)]) == 0
    assert len(box["alice@example.org"]) == len(box["bob@example.org"]) == 2
    assert "No new articles (email 4 sent); nothing written" in capsys.readouterr().err


def test_mail_refused_for_one_reader_is_2(tmp_path):
    box = Mailboxes()
    box.rcpt_replies["bob@example.org"].append("550 no such user")
    with smtp_server(box) as server:
        path = write_config(tmp_path, email=email(server.port))
        add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
        assert main(["run", "-c", str(path)]) == 2
    assert len(box["alice@example.org"]) == 1


def test_serve_job_carries_on_when_every_source_failed(tmp_path, httpserver, caplog):
    url = broken_feed(httpserver)
    config = load_config(write_config(tmp_path, sources=[feed("Broken", url)]))
    caplog.set_level("INFO", logger="digest")
    due = digest_job(config, now=NOW)
    assert due is not None and due.report.exit_code == 3  # reported, not raised
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Digest job")]
    assert ": nothing new, 1 of 1 source failed in " in line
