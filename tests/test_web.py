"""The web front over real sockets: uvicorn on loopback, a real state, a real SMTP server.

Subscribe with double opt-in, signed links (tampered, foreign, expired), CSRF, RFC 8058's
one-click POST as mail providers send it, rate limits, and bad input: every refusal is a plain
page with a 4xx status, never a traceback, and stores nothing.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from xml.etree import ElementTree

import httpx
import pytest
from helpers import NOW
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from mailserver import closed_port
from serve_helpers import wait_until
from web_helpers import BASE, SECRET, running_site

from digest.web.tokens import Tokens

pytestmark = [pytest.mark.slow, pytest.mark.both_backends]

ANN, BOB = "ann@example.org", "bob@example.org"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(tmp_path, monkeypatch):
    with running_site(tmp_path, monkeypatch) as site:
        yield site


def assert_plain_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert "<h1>" in response.text


# --- archive, feed, health ------------------------------------------------------------------


def write_digest(out, name: str, when: datetime, titles: list[str], skipped=()) -> None:
    out.mkdir(parents=True, exist_ok=True)
    items = [
        {"title": t, "url": f"https://example.org/{i}", "source": "Local", "also_in": [],
         "published": when.isoformat(), "sentences": [f"{t} happened."], "method": "default",
         "reading_minutes": 2, "section": "City"}
        for i, t in enumerate(titles)
    ]  # fmt: skip
    data = {"title": "Morning Brief", "generated_at": when.isoformat(), "items": items,
            "skipped": [{"source": "Local", "name": s, "reason": "empty file"} for s in skipped]}  # fmt: skip
    (out / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    (out / f"{name}.html").write_text("<p>For the operator: secret note</p>", encoding="utf-8")


def test_archive_lists_digests_newest_first_and_shows_them_without_the_operator_note(site):
    out = site.config.output.dir
    write_digest(out, "digest-2026-11-23", NOW.replace(day=23), ["Old story"])
    write_digest(out, "digest-2026-11-24", NOW, ["Harbour <barrier> vote"], skipped=["bad.txt"])
    write_digest(out, "digest-2026-11-24-2", NOW.replace(hour=19), ["Evening story"])

    index = site.client.get("/")
    assert index.status_code == 200
    order = [m for m in re.findall(r'href="/(digest-[\d-]+)\.html"', index.text)]
    assert order == ["digest-2026-11-24-2", "digest-2026-11-24", "digest-2026-11-23"]

    page = site.client.get("/digest-2026-11-24.html")
    assert page.status_code == 200
    assert "Harbour &lt;barrier&gt; vote" in page.text  # escaped, as in the digest
    assert "bad.txt" not in page.text and "For the operator" not in page.text
    assert_plain_error(site.client.get("/digest-2026-11-25.html"), 404)
    assert_plain_error(site.client.get("/..%2Fconfig.yaml.html"), 404)


def test_feed_is_atom_with_one_entry_per_digest_newest_first(site):
    out = site.config.output.dir
    write_digest(out, "digest-2026-11-23", NOW.replace(day=23), ["Old story"])
    write_digest(out, "digest-2026-11-24", NOW, ["New \x0bstory", "Second"])

    feed = site.client.get("/feed.xml")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert links == [f"{BASE}/digest-2026-11-24.html", f"{BASE}/digest-2026-11-23.html"]
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}").text
    assert "New story; Second" in entries[0].find(f"{ATOM}summary").text


def test_healthz(site):
    response = site.client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok\n")


# --- subscribe, double opt-in -----------------------------------------------------------------


def test_subscribing_stores_nothing_until_the_link_is_followed(site):
    response = site.subscribe(ANN, ["Culture"])
    assert response.status_code == 200 and "Check your inbox" in response.text
    (mail,) = site.mails(ANN)
    assert "Confirm your subscription" in mail["Subject"]
    assert site.store.subscribers() == []

    link = site.local(site.link_in(mail, "confirm"))
    page = site.client.get(link)  # what a link scanner does: shows a button, subscribes nobody
    assert page.status_code == 200 and "Confirm" in page.text
    assert site.store.subscribers() == []

    done = site.client.post(link, data={"csrf": site.form_token(link)})
    assert done.status_code == 200 and "You are subscribed" in done.text
    (ann,) = site.store.subscribers()
    assert (ann.email, ann.status, ann.topics, ann.origin) == (ANN, "active", ("Culture",), "web")


def test_the_answer_is_the_same_whether_the_address_is_known_or_not(site):
    site.subscribe(ANN)
    site.confirm(ANN)
    known = site.subscribe(ANN)
    unknown = site.subscribe(BOB)
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    # Ann, already subscribed, is told so (with her preferences link), not asked to confirm.
    mails = site.mails(ANN, 2)
    assert "already" in mails[1]["Subject"]
    assert site.link_in(mails[1], "preferences")
    assert "Confirm" in site.mails(BOB)[0]["Subject"]


def test_all_topics_ticked_is_stored_as_everything(site):
    site.subscribe(ANN, ["City", "Culture"])
    site.confirm(ANN)
    assert site.store.subscriber(ANN).topics == ()


# --- tokens and CSRF --------------------------------------------------------------------------


def expired_confirmation(address: str) -> str:
    """A confirmation link signed ten days ago (web.confirm_days is 3)."""

    class TenDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 10 * 24 * 3600

    signer = URLSafeTimedSerializer(SECRET, salt="digest.web.confirm", signer=TenDaysAgo)
    return signer.dumps({"e": address, "t": []})


def test_tampered_foreign_and_expired_links_get_a_clear_400(site):
    tokens = Tokens(SECRET)
    good = tokens.unsubscribe(ANN)
    foreign = Tokens("another-key-" + "y" * 40).unsubscribe(ANN)
    bob_payload = tokens.unsubscribe(BOB).rpartition(".")[0]
    edited = bob_payload + "." + good.rpartition(".")[2]
    for path in (
        f"/unsubscribe/{good[:-3]}abc",
        f"/unsubscribe/{foreign}",
        f"/unsubscribe/{edited}",
        f"/preferences/{tokens.unsubscribe(ANN)}",  # right key, wrong purpose
        f"/confirm/{expired_confirmation(ANN)}",
        "/confirm/x",
    ):
        response = site.client.get(path)
        assert_plain_error(response, 400)
        assert "This link does not work" in response.text
        assert_plain_error(site.client.post(path, data={"List-Unsubscribe": "One-Click"}), 400)
    assert site.store.subscribers() == []


def test_forms_without_a_matching_csrf_token_are_refused_and_store_nothing(site):
    token = site.form_token("/subscribe")
    no_token = site.client.post("/subscribe", data={"email": ANN})
    assert_plain_error(no_token, 403)
    # A token from another browser (its cookie is not ours).
    other = httpx.Client(base_url=site.front.address)
    with other:
        stolen = other.post("/subscribe", data={"email": ANN, "csrf": token})
    assert_plain_error(stolen, 403)
    assert site.store.subscribers() == []
    assert site.mail[ANN] == []


# --- RFC 8058 one-click unsubscribe -----------------------------------------------------------


def subscribed(site, address: str = ANN) -> None:
    site.subscribe(address)
    site.confirm(address)
    assert site.store.subscriber(address).status == "active"


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_post_as_mail_providers_send_it_unsubscribes_at_once(site, encoding):
    subscribed(site)
    url = site.local(f"{BASE}/unsubscribe/{Tokens(SECRET).unsubscribe(ANN)}")
    # What Gmail and Yahoo send: a POST with no cookie, no CSRF token, only this body.
    with httpx.Client(timeout=30) as provider:
        if encoding == "urlencoded":
            response = provider.post(url, data={"List-Unsubscribe": "One-Click"})
        else:
            response = provider.post(url, files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200, response.text
    assert site.store.subscriber(ANN).status == "left"
    # Again (a provider retrying): the same answer, still left.
    again = httpx.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=30)
    assert again.status_code == 200 and site.store.subscriber(ANN).status == "left"


def test_a_get_of_the_unsubscribe_link_never_unsubscribes(site):
    subscribed(site)
    url = site.local(f"{BASE}/unsubscribe/{Tokens(SECRET).unsubscribe(ANN)}")
    for _ in range(2):
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and 'value="One-Click"' in page.text
    assert site.store.subscriber(ANN).status == "active"
    # A POST without the RFC 8058 body is not a one-click unsubscribe.
    assert_plain_error(httpx.post(url, data={"x": "y"}, timeout=30), 400)
    assert site.store.subscriber(ANN).status == "active"


# --- preferences ------------------------------------------------------------------------------


def test_preferences_change_topics_length_and_pause_then_leave(site):
    subscribed(site)
    url = site.local(f"{BASE}/preferences/{Tokens(SECRET).preferences(ANN)}")
    page = site.client.get(url)
    assert page.status_code == 200 and ANN in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    saved = site.client.post(
        url,
        data={"csrf": csrf, "topic": ["City"], "sentences": "1", "paused": "1", "action": "save"},
    )
    assert saved.status_code == 200 and "Saved" in saved.text
    ann = site.store.subscriber(ANN)
    assert (ann.topics, ann.sentences, ann.status) == (("City",), 1, "paused")

    assert_plain_error(
        site.client.post(
            url, data={"csrf": csrf, "topic": ["City"], "sentences": "99", "action": "save"}
        ),  # fmt: skip
        400,
    )
    assert site.store.subscriber(ANN).sentences == 1

    left = site.client.post(url, data={"csrf": csrf, "action": "leave"})
    assert left.status_code == 200 and "unsubscribed" in left.text
    assert site.store.subscriber(ANN).status == "left"
    # A left reader's preferences link says so, and changes nothing.
    again = site.client.get(url)
    assert again.status_code == 200 and "Not subscribed" in again.text


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "ann@",
        "a@b@example.org",
        "ann@example.org\r\nBcc: x@y.org",
        "x" * 300 + "@example.org",
        "",
    ],  # fmt: skip
)
def test_malformed_addresses_get_a_400_and_nothing_is_stored_or_sent(site, address):
    response = site.client.post(
        "/subscribe", data={"csrf": site.form_token("/subscribe"), "email": address}
    )
    assert_plain_error(response, 400)
    assert "cannot be used" in response.text
    assert site.store.subscribers() == []
    site.subscribe(BOB)  # a good request after it: its mail arrives, and no other did
    site.mails(BOB)
    assert set(site.mail.boxes) == {BOB}


def test_huge_bodies_unknown_paths_and_wrong_methods(site):
    token = site.form_token("/subscribe")
    big = {"csrf": token, "email": ANN, "pad": "x" * 200_000}
    assert_plain_error(site.client.post("/subscribe", data=big), 413)

    def chunks():  # no Content-Length: cut off while it is read
        yield f"csrf={token}&email={ANN}&pad=".encode()
        for _ in range(50):
            yield b"x" * 4096

    assert_plain_error(
        site.client.post(
            "/subscribe", content=chunks(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        413,
    )  # fmt: skip
    assert_plain_error(site.client.get("/wp-admin.php"), 404)
    assert_plain_error(site.client.get("/subscribe/extra"), 404)
    assert_plain_error(site.client.delete("/subscribe"), 405)
    assert_plain_error(site.client.post("/feed.xml"), 405)
    assert_plain_error(site.client.put("/"), 405)
    bad_multipart = site.client.post(
        "/subscribe", content=b"--x\r\ngarbage",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )  # fmt: skip
    assert 400 <= bad_multipart.status_code < 500
    assert "Traceback" not in bad_multipart.text
    assert site.store.subscribers() == []
    assert site.mail[ANN] == []


def test_subscribe_attempts_are_rate_limited_per_client(tmp_path, monkeypatch):
    web = {"listen": "127.0.0.1:0", "base_url": BASE, "secret_env": "DIGEST_TEST_WEB_SECRET",
           "subscribe_rate": "2 per hour"}  # fmt: skip
    with running_site(tmp_path, monkeypatch, web=web) as site:
        assert site.subscribe(ANN).status_code == 200
        assert site.subscribe(BOB).status_code == 200
        third = site.subscribe("cat@example.org")
        assert_plain_error(third, 429)
        site.mails(BOB)
        assert site.mail["cat@example.org"] == []


def test_responses_carry_security_headers(site):
    response = site.client.get("/subscribe")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_mail_server_that_is_down_is_the_operators_problem_not_the_readers(
    tmp_path, monkeypatch, caplog
):
    with closed_port() as port, running_site(tmp_path, monkeypatch, smtp_port=port) as site:
        response = site.subscribe(ANN)
        assert response.status_code == 200 and "Check your inbox" in response.text
        assert "refused" not in response.text.lower() and "smtp" not in response.text.lower()
        wait_until(
            lambda: any("confirmation mail to ann@example.org not sent" in r.getMessage()
                        for r in caplog.records),
            what="the operator's log line",
        )  # fmt: skip
        assert site.store.subscribers() == []
