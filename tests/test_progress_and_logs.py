"""What a user sees: live progress by item on a terminal, nothing extra under a service; the
serve log, one timestamped line per job; --verbose, one debug line per item."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, NOW, add_article, write_config
from mailserver import Mailboxes, smtp_server

from digest.cli import main
from digest.config import load_config
from digest.schedule import digest_job
from tests.serve_helpers import Serve


def digest_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "digest", *args]


def on_a_terminal(argv: list[str], cwd: Path) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal, as in an interactive shell; return what it drew."""
    leader, follower = pty.openpty()
    # A terminal 100 columns wide (a bare pty reports 0, and tqdm then draws nothing).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks: list[bytes] = []

    def drain() -> None:  # read as it comes: a full pty buffer would block the child
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    code = proc.wait(timeout=120)
    reader.join(timeout=30)
    os.close(leader)
    return code, b"".join(chunks).decode("utf-8", "replace")


def two_articles(tmp_path: Path) -> Path:
    path = write_config(tmp_path)
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    add_article(tmp_path / "articles", "library.txt", LIBRARY_ARTICLE)
    return path


def test_a_terminal_shows_progress_by_item_while_collecting_and_summarising(tmp_path):
    path = two_articles(tmp_path)
    code, drawn = on_a_terminal(digest_cmd("run", "-c", str(path)), tmp_path)
    assert code == 0, drawn
    # Drawn as the work goes (a bar is erased when its step ends: the last line says it all).
    assert re.search(r"Collecting: \d items", drawn), drawn
    assert re.search(r"Summarising: +\d+%\|.*\| [0-2]/2 \[", drawn), drawn
    assert "Done: " in drawn


def test_eval_shows_progress_on_a_terminal(tmp_path):
    rows = [
        {"article": text.partition("\n\n")[2], "reference": text.splitlines()[2]}
        for text in (HARBOUR_ARTICLE, LIBRARY_ARTICLE)
    ]
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, drawn = on_a_terminal(
        digest_cmd("eval", str(data), "--methods", "lead", "default"), tmp_path
    )
    assert code == 0, drawn
    assert re.search(r"Scoring mine: +\d+%\|.*\| [0-4]/4 \[.*(lead|default)", drawn), drawn


def test_nothing_is_drawn_when_stderr_is_not_a_terminal(tmp_path):
    path = two_articles(tmp_path)
    done = subprocess.run(
        digest_cmd("run", "-c", str(path)), cwd=tmp_path, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0
    assert "\r" not in done.stderr and "Collecting" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("Done: ")


def test_a_scheduled_job_logs_one_line_with_its_counts(tmp_path, caplog):
    box = Mailboxes()
    with smtp_server(box) as server:
        smtp = {"host": "127.0.0.1", "port": server.port, "security": "none"}
        email = {"enabled": True, "from": "brief@example.org", "smtp": smtp}
        email["recipients"] = ["alice@example.org", "bob@example.org"]
        config = load_config(write_config(tmp_path, email=email))
        add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
        caplog.set_level(logging.INFO, logger="digest")
        digest_job(config, now=NOW)
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert line.startswith(
        "Digest job for Tue 24 Nov 07:00:00 GMT: digest-2026-11-24 with 1 article, email 2 sent in "
    ), line


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} (WARNING: )?\S")


def test_serve_stamps_every_line_unless_its_stderr_is_the_journal(tmp_path, monkeypatch):
    path = write_config(tmp_path, schedule={"digest": "0 7 * * *"})
    serve = Serve(path)
    serve.wait_for("Serving", timeout=60)  # start-up only; generous for a loaded machine
    assert serve.stop()[0] == 0
    lines = serve.output().splitlines()
    assert lines and all(LOG_LINE.match(line) for line in lines), lines

    # Under systemd with StandardError=journal, journald stamps each line itself.
    log = tmp_path / "journal.log"
    log.touch()
    st = log.stat()
    monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
    serve = Serve(path, log=log)
    serve.wait_for("Serving", timeout=60)  # start-up only; generous for a loaded machine
    assert serve.stop()[0] == 0
    assert serve.output().startswith("Serving ")


def test_verbose_says_where_each_brief_came_from(tmp_path, capsys):
    path = write_config(tmp_path)
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    assert main(["run", "-c", str(path), "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "DEBUG: Read source 'Local' (folder): 1 items in " in err
    assert re.search(
        r'DEBUG: harbour\.txt \(Local\): text via the text cleaner; "City council approves'
        r' harbour flood barrier"; \d+ paragraphs kept, \d+ words; default chose sentences'
        r" \d+, \d+, \d+ of \d+",
        err,
    ), err
