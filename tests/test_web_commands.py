"""`digest web`, `digest serve` with web:, `digest subscribers`, and web: in config.yaml."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from helpers import REPO, write_config
from serve_helpers import HANG, Serve, kill_strays, wait_until
from web_helpers import BASE, SECRET, SECRET_ENV, web_config

from digest.cli import main
from digest.config import load_config
from digest.errors import ConfigError
from digest.store import Store

ANN, BOB = "ann@example.org", "bob@example.org"
WEB = {"listen": "127.0.0.1:0", "base_url": BASE, "secret_env": SECRET_ENV}
EMAIL = {"enabled": True, "from": "brief@example.org",
         "smtp": {"host": "127.0.0.1", "port": 1, "security": "none"}}  # fmt: skip


def site_config(tmp_path: Path, **overrides) -> Path:
    """web_helpers' site, with a mail server that nothing here talks to."""
    return web_config(tmp_path, smtp_port=1, **{"email": EMAIL, "web": WEB, **overrides})


# --- config -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "web, email, problem",
    [
        ({**WEB, "listen": "8080"}, EMAIL, "web.listen: '8080' is not host:port"),
        ({**WEB, "base_url": "news.example.org"}, EMAIL, "web.base_url: 'news.example.org' is"),
        ({**WEB, "subscribe_rate": "lots"}, EMAIL, "web.subscribe_rate: 'lots' is not a rate"),
        ({"listen": "127.0.0.1:0"}, EMAIL, "web.base_url: required key is missing"),
        ({**WEB, "listn": "x"}, EMAIL, "web.listn: unknown key; did you mean 'listen'?"),
        (WEB, {"enabled": False}, "web: confirmation mails need a sender; add email.from"),
        (WEB, {**EMAIL, "unsubscribe_url": "https://x.org/u"}, "email.unsubscribe_url: the web"),
    ],
)
def test_web_config_mistakes_name_the_key_and_the_fix(tmp_path, web, email, problem):
    with pytest.raises(ConfigError) as caught:
        load_config(site_config(tmp_path, web=web, email=email))
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_email_with_no_recipients_is_fine_when_readers_subscribe_on_the_web(tmp_path):
    config = load_config(site_config(tmp_path))
    assert config.email.enabled and not config.email.recipients and config.web
    with pytest.raises(ConfigError, match="email is enabled but has no recipients"):
        load_config(site_config(tmp_path, web=None))


# --- digest subscribers -----------------------------------------------------------------------


def test_subscribers_add_list_export_remove_and_forget(tmp_path, capsys):
    path = site_config(tmp_path)
    assert (
        main(["subscribers", "add", " ann@Example.ORG ", "--topic", "Culture", "-c", str(path)])
        == 0
    )
    assert main(["subscribers", "add", BOB, "--name", "Bob", "-c", str(path)]) == 0
    capsys.readouterr()

    assert main(["subscribers", "list", "-c", str(path)]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert [line.split("\t")[:3] for line in lines] == [
        [ANN, "active", "Culture"], [BOB, "active", "everything"]
    ]  # fmt: skip
    assert "2 subscribers, 2 active" in out.err

    assert main(["subscribers", "export", "-c", str(path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["email"], r["name"], r["topics"], r["origin"]) for r in rows] == [
        (ANN, "", "Culture", "cli"), (BOB, "Bob", "", "cli")
    ]  # fmt: skip

    assert main(["subscribers", "remove", ANN, "-c", str(path)]) == 0
    assert main(["subscribers", "remove", BOB, "--forget", "-c", str(path)]) == 0
    config = load_config(path)
    with Store(config.state) as store:
        assert [(s.email, s.status) for s in store.subscribers()] == [(ANN, "left")]
    capsys.readouterr()
    assert main(["status", "-c", str(path)]) == 0
    assert "Readers      1 left" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["add", "not-an-address"], "'not-an-address' is not a valid email address"),
        (["add", ANN, "--topic", "Sprot"], "--topic 'Sprot': no such section or source"),
        (["remove", "nobody@example.org"], "nobody@example.org is not a subscriber"),
        (["add"], "subscribers add: give the address"),
    ],
)
def test_subscribers_mistakes_are_one_line_and_change_nothing(tmp_path, capsys, argv, message):
    path = site_config(tmp_path)
    assert main(["subscribers", *argv, "-c", str(path)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    with Store(load_config(path).state) as store:
        assert store.subscribers() == []


# --- digest web, digest serve with web: -------------------------------------------------------


@pytest.fixture
def strays():
    yield
    kill_strays()


def port_from(log: str) -> int:
    return int(re.search(r"Web front on http://127\.0\.0\.1:(\d+)", log)[1])


@pytest.mark.slow
def test_digest_web_alone_serves_until_sigterm(tmp_path, strays):
    path = site_config(tmp_path)
    log = tmp_path / "web.log"
    env = {**os.environ, "PYTHONPATH": str(REPO), SECRET_ENV: SECRET}
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "digest", "web", "-c", str(path)], stderr=err, env=env
        )
        try:
            wait_until(lambda: "Web front on" in log.read_text(), what="the web front")
            port = port_from(log.read_text())
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).text == "ok\n"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(HANG) == 0
        finally:
            if proc.poll() is None:
                proc.kill()


def test_digest_web_without_its_secret_or_section_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    path = site_config(tmp_path)
    assert main(["web", "-c", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"web.secret_env: {SECRET_ENV} is not set" in err and "Traceback" not in err
    monkeypatch.setenv(SECRET_ENV, "short")
    assert main(["web", "-c", str(path)]) == 1
    assert "under 32" in capsys.readouterr().err
    (tmp_path / "bare").mkdir()
    bare = write_config(tmp_path / "bare")
    assert main(["web", "-c", str(bare)]) == 1
    assert "has no web: section" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_runs_the_web_front_beside_the_schedule(tmp_path, monkeypatch, strays):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    path = site_config(tmp_path)
    serve = Serve(path)
    serve.wait_for("Web front on")
    serve.wait_for("Serving")
    port = port_from(serve.output())
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code == 200
    code, _ = serve.stop(signal.SIGTERM)
    assert code == 0, serve.output()
    assert "Traceback" not in serve.output()


def test_serve_without_web_imports_no_web_library(tmp_path):
    path = write_config(tmp_path)
    probe = (
        "import sys; from digest.config import load_config; from digest.serve import Server;"
        f" Server(load_config({str(path)!r}));"
        " print(sorted(m for m in ('starlette', 'uvicorn', 'limits', 'feedgen') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert out.stdout.strip() == "[]"
