"""Addresses at single-label and local domains (a local MTA, a LAN) are accepted, offline."""

from __future__ import annotations

import pytest
from helpers import HARBOUR_ARTICLE, NOW, add_article, write_config
from mailserver import Mailboxes, smtp_server

from digest.cli import main
from digest.config import load_config
from digest.errors import ConfigError
from digest.pipeline import run_once

LOCAL = ["reader@localhost", "ops@mailhost", "me@printer.local", "qa@ci.test"]


def email(port: int = 25, recipients=LOCAL, sender="digest@localhost") -> dict:
    smtp = {"host": "127.0.0.1", "port": port, "security": "none", "retry_wait": 0}
    return {"enabled": True, "from": sender, "recipients": recipients, "smtp": smtp}


def test_local_addresses_pass_check_config(tmp_path, capsys):
    path = write_config(tmp_path, email=email())
    assert main(["check-config", "-c", str(path)]) == 0
    assert f"to {len(LOCAL)} recipients" in capsys.readouterr().out


@pytest.mark.parametrize(
    "address", ["reader@x.invalid", "reader@hidden.onion", "reader@", "reader.localhost"]
)
def test_unusable_addresses_are_still_refused(tmp_path, address):
    with pytest.raises(
        ConfigError, match=r"email\.recipients\[0\]\.email: .* is not a valid email address"
    ):
        load_config(write_config(tmp_path, email=email(recipients=[address])))


def test_a_local_mta_gets_the_digest(tmp_path):
    box = Mailboxes()
    with smtp_server(box) as server:
        config = load_config(write_config(tmp_path, email=email(server.port)))
        add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
        run_once(config, now=NOW)
    assert [len(box[address]) for address in LOCAL] == [1] * len(LOCAL)
    assert box["reader@localhost"][0]["From"] == "digest@localhost"
