"""The command line as a user meets it: exit codes, one-line errors, real subprocesses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import HARBOUR_ARTICLE, REPO, add_article, write_config

from digest.cli import main


def test_run_writes_a_digest_and_says_so(tmp_path, capsys):
    path = write_config(tmp_path)
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    assert main(["run", "--config", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("Done: ") and "with 1 article from 1 source" in err
    assert list((tmp_path / "digests").glob("digest-*.html"))


def test_config_error_is_one_clear_message_and_exit_1(tmp_path, capsys):
    path = write_config(tmp_path, sources=[{"name": "S", "type": "folder", "path": "seeds2"}])
    assert main(["check-config", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        f"sources[0].path: folder 'seeds2' does not exist (looked for {tmp_path / 'seeds2'})" in err
    )


def test_check_config_prints_what_would_run(tmp_path, capsys):
    path = write_config(tmp_path, schedule={"digest": "30 6 * * 1-5"})
    assert main(["check-config", "-c", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: OK" in out
    assert "schedule  30 6 * * 1-5 (Europe/London); next: " in out
    assert f"source    Local (folder): {tmp_path / 'articles'}" in out
    assert "email     off" in out


def test_summarize_prints_the_brief_of_one_file(tmp_path, capsys):
    path = add_article(tmp_path, "harbour.txt", HARBOUR_ARTICLE)
    assert (
        main(["summarize", str(path), "--sentences", "2", "--config", str(tmp_path / "none.yaml")])
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "City council approves harbour flood barrier"
    assert out[1] == "" and len(out[2:]) == 2
    assert all(line in HARBOUR_ARTICLE for line in out[2:])


def test_summarize_a_bad_file_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["summarize", str(tmp_path / "empty.txt"), "-c", str(tmp_path / "x.yaml")]) == 1
    assert capsys.readouterr().err == f"ERROR: {tmp_path / 'empty.txt'}: empty file\n"


def test_python_dash_m_runs_the_main_job_in_a_real_process(tmp_path):
    path = write_config(tmp_path)
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    done = subprocess.run(
        [sys.executable, "-m", "digest", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    again = subprocess.run(
        [sys.executable, "-m", "digest", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert again.returncode == 0 and again.stderr.strip() == "No new articles; nothing written"


def test_shipped_config_runs_against_shipped_seeds(tmp_path):
    """What README's first command does, minus the install: the seed digest on disk."""
    config = tmp_path / "config.yaml"
    text = (REPO / "config.yaml").read_text("utf-8")
    config.write_text(text.replace("path: seeds", f"path: {REPO / 'seeds'}"), "utf-8")
    assert main(["run", "--config", str(config)]) == 0
    assert len(list(Path(tmp_path, "digests").glob("digest-*.html"))) == 1
