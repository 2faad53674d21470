"""A running web front for tests: real uvicorn on a loopback socket, real state, real SMTP.

Links in mail point at BASE (the public URL a proxy would serve); `local()` maps them onto the
loopback address the test server really listens on, as the proxy would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from helpers import write_config
from mailserver import Mailboxes, smtp_server
from serve_helpers import wait_until

from digest.config import Config, load_config
from digest.web.server import WebFront, open_web

BASE = "https://news.example.org"
SECRET_ENV = "DIGEST_TEST_WEB_SECRET"
SECRET = "test-secret-" + "x" * 40
SECTIONS = [{"name": "City", "sources": ["Local"]}, {"name": "Culture", "sources": ["Arts"]}]
LINK = re.compile(re.escape(BASE) + r"/[^\s<>\"]+")


def web_config(tmp_path: Path, smtp_port: int, **overrides) -> Path:
    (tmp_path / "arts").mkdir(exist_ok=True)
    raw = {
        "sources": [
            {"name": "Local", "type": "folder", "path": "articles"},
            {"name": "Arts", "type": "folder", "path": "arts"},
        ],
        "sections": SECTIONS,
        "email": {
            "enabled": True,
            "from": "Morning Brief <brief@example.org>",
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none", "timeout": 10,
                     "retry_wait": 0},
        },
        "web": {"listen": "127.0.0.1:0", "base_url": BASE, "secret_env": SECRET_ENV},
    }  # fmt: skip
    raw.update(overrides)
    return write_config(tmp_path, **raw)


@dataclass
class Site:
    config: Config
    front: WebFront
    mail: Mailboxes
    client: httpx.Client

    @property
    def store(self):
        return self.front.owned

    def local(self, url: str) -> str:
        assert url.startswith(BASE), url
        return self.front.address + url[len(BASE) :]

    def form_token(self, path: str) -> str:
        """GET a page with a form (the client keeps its CSRF cookie); return the form token."""
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        return re.search(r'name="csrf" value="([^"]+)"', page.text)[1]

    def mails(self, address: str, count: int = 1) -> list:
        wait_until(lambda: len(self.mail[address]) >= count, what=f"{count} mail to {address}")
        return self.mail[address]

    def link_in(self, message, path: str) -> str:
        body = message.get_body(("plain",)).get_content()
        return next(u for u in LINK.findall(body) if u.startswith(f"{BASE}/{path}/"))

    def subscribe(self, address: str, topics: list[str] | None = None) -> httpx.Response:
        # As the form comes: every topic ticked.
        topics = ["City", "Culture"] if topics is None else topics
        data = {"csrf": self.form_token("/subscribe"), "email": address, "topic": topics}
        return self.client.post("/subscribe", data=data)

    def confirm(self, address: str, nth: int = 1) -> httpx.Response:
        link = self.local(self.link_in(self.mails(address, nth)[nth - 1], "confirm"))
        return self.client.post(link, data={"csrf": self.form_token(link)})


@contextmanager
def running_site(
    tmp_path: Path, monkeypatch, *, smtp_port: int | None = None, **overrides
) -> Iterator[Site]:
    """`smtp_port`: send mail there instead of to the site's own SMTP server (one that is down)."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    mail = Mailboxes()
    with smtp_server(mail) as smtp:
        config = load_config(web_config(tmp_path, smtp_port or smtp.port, **overrides))
        front = open_web(config)
        front.start()
        try:
            with httpx.Client(base_url=front.address, timeout=30) as client:
                yield Site(config, front, mail, client)
        finally:
            front.stop()
