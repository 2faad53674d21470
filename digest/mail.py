"""Digest -> the email copy (size-guarded) -> one MIME message per recipient.

The email copy is rendered once, when the digest is built, and stored with it (deliver.py), so a
later run can (re)send a digest built by an earlier one without the articles it came from.
A message is then built per recipient from that stored copy: only the envelope headers differ.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlencode, urlsplit, urlunsplit

import jinja2

from digest.config import Config
from digest.models import Digest
from digest.render import render

logger = logging.getLogger(__name__)

# Gmail clips a message whose HTML is over 102 KB and hides the rest behind "View entire
# message" (along with the unsubscribe link). We measure the HTML part as it is sent
# (quoted-printable adds about 5% to the HTML itself), so the limit holds whether Gmail counts
# the HTML or its encoding, and 100,000 bytes leaves a margin under 102,000 and 104,448.
MAX_HTML_BYTES = 100_000
# Gmail drops a <style> block over 16 KB. Rules are inlined anyway; <style> keeps only @media.
MAX_STYLE_BYTES = 16_000

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class EmailCopy:
    """The HTML and text parts every recipient gets; `shown` of `total` stories fit."""

    html: str
    text: str
    shown: int
    total: int


def render_email(
    digest: Digest,
    *,
    name: str,
    subject: str,
    env: jinja2.Environment,
    config: Config,
    max_html_bytes: int = MAX_HTML_BYTES,
) -> EmailCopy:
    """Render the digest for email, cut at a whole item if its HTML would be clipped."""
    archive = archive_link(config, name)

    def attempt(max_items: int | None) -> EmailCopy:
        rendered = render(
            digest,
            name=name,
            subject=subject,
            env=env,
            max_items=max_items,
            archive_link=archive,
            unsubscribe_url=config.email.unsubscribe_url,
        )
        html = limit_style(rendered.html, name)
        shown = len(digest.briefs) if max_items is None else min(max_items, len(digest.briefs))
        return EmailCopy(html, rendered.text, shown, len(digest.briefs))

    full = attempt(None)
    if sent_size(full.html) < max_html_bytes:
        return full
    # Size grows with the number of items, so the largest count that fits is found by
    # bisection: about log2(n) renders instead of n.
    low, high, best = 0, len(digest.briefs) - 1, None
    while low <= high:
        mid = (low + high) // 2
        copy = attempt(mid)
        if sent_size(copy.html) < max_html_bytes:
            best, low = copy, mid + 1
        else:
            high = mid - 1
    if best is None:  # not even the masthead fits: send it whole rather than send nothing
        logger.warning(
            "%s: email HTML is %d bytes even with no stories", name, sent_size(full.html)
        )
        return full
    logger.info(
        "%s: email shows %d of %d stories (full HTML %d KB > %d KB)%s",
        name,
        best.shown,
        best.total,
        sent_size(full.html) // 1000,
        max_html_bytes // 1000,
        "" if archive else "; set output.archive_url to link the rest",
    )
    return best


def archive_link(config: Config, name: str) -> str | None:
    """Where the full digest is published, if output.archive_url says so."""
    base = config.output.archive_url
    if not base:
        return None
    ext = "html" if "html" in config.output.formats else config.output.formats[0]
    return f"{base.rstrip('/')}/{name}.{ext}"


def limit_style(html: str, name: str = "digest") -> str:
    """Drop <style> blocks past Gmail's limit: their rules are inlined, only @media is lost."""
    blocks = _STYLE.findall(html)
    size = sum(_size(b) for b in blocks)
    if size <= MAX_STYLE_BYTES:
        return html
    logger.warning(
        "%s: <style> is %d bytes (> %d, which Gmail drops); sending inlined styles only",
        name,
        size,
        MAX_STYLE_BYTES,
    )
    return _STYLE.sub("", html)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def sent_size(html: str) -> int:
    """Bytes of the HTML part's body as it goes on the wire (after its transfer encoding)."""
    part = EmailMessage()
    part.set_content(html, subtype="html", charset="utf-8")
    body = part.get_payload()
    return len(body.encode("ascii", "replace")) + body.count("\n")  # lines end in CRLF on the wire


def build_message(
    copy: EmailCopy,
    *,
    subject: str,
    sender: str,
    to: str,
    to_name: str | None,
    message_id: str,
    list_id: str,
    date: datetime,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """multipart/alternative: text first, HTML last (clients show the last part they can)."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = Address(display_name=to_name or "", addr_spec=to)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["List-Id"] = list_id
    if unsubscribe_url:
        # RFC 8058 one-click: the mailbox provider POSTs to this URL, so it must say who.
        msg["List-Unsubscribe"] = f"<{unsubscribe_link(unsubscribe_url, to)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Ask auto-responders (out-of-office) not to answer a digest.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(copy.text, subtype="plain", charset="utf-8")
    msg.add_alternative(copy.html, subtype="html", charset="utf-8")
    return msg


def unsubscribe_link(url: str, address: str) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"email": address})) if q)
    return urlunsplit(parts._replace(query=query))


def sender_domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def make_message_id(digest_name: str, created_at: str, address: str, sender: str) -> str:
    """Stable for one digest and recipient: a re-send carries the same id, so a mailbox that
    deduplicates by Message-ID (Gmail does) shows the digest once."""
    token = hashlib.sha256(f"{digest_name}\0{created_at}\0{address}".encode()).hexdigest()[:24]
    return f"<{digest_name}.{token}@{sender_domain(sender)}>"


def make_list_id(title: str, sender: str) -> str:
    """RFC 2919: a stable label mail filters can match, e.g. <morning-brief.example.org>."""
    slug = _NOT_SLUG.sub("-", title.lower()).strip("-") or "digest"
    label = title.replace('"', "'")
    return f'"{label}" <{slug}.{sender_domain(sender)}>'
