"""Digest -> the email copy (size-guarded) -> one MIME message per recipient.

The email copy is rendered once, when the digest is built, and stored with it (deliver.py), so a
later run can (re)send a digest built by an earlier one without the articles it came from.
A message is then made per recipient from that stored copy: only the envelope headers and the
reader's own links differ. The MIME encoding of the body (most of the cost of a message: 20 of
the 50 ms one took) is done once per copy by the email library (Prebuilt), and each reader's
message is that, with their headers and links put in.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email import policy, quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit, urlunsplit

from digest.config import Config
from digest.models import Digest, Skipped, SubjectDate

if TYPE_CHECKING:  # jinja2 is imported when a digest is rendered, not by `digest status`
    import jinja2

logger = logging.getLogger(__name__)

# Gmail clips a message whose HTML is over 102 KB and hides the rest behind "View entire
# message" (along with the unsubscribe link). We measure the HTML part as it is sent
# (quoted-printable adds about 5% to the HTML itself), so the limit holds whether Gmail counts
# the HTML or its encoding, and 100,000 bytes leaves a margin under 102,000 and 104,448.
MAX_HTML_BYTES = 100_000
# Gmail drops a <style> block over 16 KB. Rules are inlined anyway; <style> keeps only @media.
MAX_STYLE_BYTES = 16_000

# Stories in the first render of a large digest (see render_email); a daily digest of up to
# this many is rendered once.
FIRST_TRY = 64

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
    env: jinja2.Environment,
    config: Config,
    max_html_bytes: int = MAX_HTML_BYTES,
) -> EmailCopy:
    """Render the digest for email, cut at a whole item if its HTML would be clipped.

    Readers never see the operator's problems: what was left out, and why, stays in the log,
    `digest status`, the archive copy and the admin report (deliver.report_problems).
    """
    from digest.render import render_parts

    archive = archive_link(config, name)
    digest = replace(digest, skipped=())
    unsubscribe, preferences = config.email.unsubscribe_url, None
    if config.web is not None:
        # Each reader's own signed links replace these when their message is built (deliver.py).
        from digest.web.tokens import PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER

        unsubscribe, preferences = UNSUBSCRIBE_PLACEHOLDER, PREFERENCES_PLACEHOLDER

    def attempt(max_items: int | None) -> EmailCopy:
        html, text = render_parts(
            digest,
            env=env,
            max_items=max_items,
            archive_link=archive,
            unsubscribe_url=unsubscribe,
            preferences_url=preferences,
            sections=config.sections,
        )
        shown = len(digest.briefs) if max_items is None else min(max_items, len(digest.briefs))
        return EmailCopy(limit_style(html, name), text, shown, len(digest.briefs))

    # Most digests fit whole: one render. A large one is measured from a small count up, so
    # the renders are about the size that will be sent, not the whole digest's (3,000 stories
    # take over a second to render, and a hundred or so fit).
    total = len(digest.briefs)
    fits: EmailCopy | None = None
    count = min(total, FIRST_TRY)
    while True:
        copy = attempt(None if count >= total else count)
        if sent_size(copy.html) >= max_html_bytes:
            too_big = copy
            break
        if count >= total:
            return copy
        fits, count = copy, count * 4
    if fits is None:
        fits = attempt(0)
        if sent_size(fits.html) >= max_html_bytes:  # not even the masthead fits: send it whole
            whole = too_big if too_big.shown == total else attempt(None)
            logger.warning(
                "%s: email HTML is %d bytes even with no stories", name, sent_size(whole.html)
            )
            return whole
    best = _largest_that_fits(attempt, fits, too_big, max_html_bytes)
    logger.info(
        "%s: email shows %d of %d stories (more would take its HTML over %d KB)%s",
        name,
        best.shown,
        best.total,
        max_html_bytes // 1000,
        "" if archive else "; set output.archive_url to link the rest",
    )
    return best


_EDITION = re.compile(r"digest-\d{4}-\d{2}-\d{2}-(\d+)")


def subject_for(template: str, *, title: str, date: datetime, name: str) -> str:
    """email.subject filled in; the 2nd and later digests of a day get " (2)", " (3)", ...

    Without the number two digests of one day share a subject, and Gmail threads them.
    """
    subject = template.format(title=title, date=SubjectDate(date))
    edition = _EDITION.fullmatch(name)
    return f"{subject} ({edition[1]})" if edition else subject


def _largest_that_fits(attempt, fits: EmailCopy, too_big: EmailCopy, limit: int) -> EmailCopy:
    """The copy with the most stories whose HTML is under `limit`, given one that fits and one
    that does not.

    Size grows with the number of stories, nearly in proportion, so the next count to try is
    read off the straight line between the two known sizes (interpolation search): two or
    three renders of about the final size, where halving the range would render a dozen times,
    the first ones with half of a large digest. Bisection takes over if the line keeps missing.
    """
    lo, lo_size = fits, sent_size(fits.html)
    hi, hi_size = too_big, sent_size(too_big.html)
    for step in range(64):  # bisection alone needs at most log2(stories) steps
        if hi.shown - lo.shown <= 1:
            break
        if step < 4 and hi_size > lo_size:
            guess = lo.shown + (limit - lo_size) * (hi.shown - lo.shown) // (hi_size - lo_size)
        else:
            guess = (lo.shown + hi.shown) // 2
        copy = attempt(min(max(guess, lo.shown + 1), hi.shown - 1))
        if sent_size(copy.html) < limit:
            lo, lo_size = copy, sent_size(copy.html)
        else:
            hi, hi_size = copy, sent_size(copy.html)
    return lo


def archive_link(config: Config, name: str) -> str | None:
    """Where the full digest is published: output.archive_url, else the web front's archive
    (which shows every digest with a .json file, as readers see it)."""
    base = config.output.archive_url
    if not base and config.web is not None and "json" in config.output.formats:
        return f"{config.web.base_url}/{name}.html"
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
    one_click: str | None = None,
) -> EmailMessage:
    """multipart/alternative: text first, HTML last (clients show the last part they can).
    The per-reader headers are reader_headers', so a prebuilt message gets the same ones."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    reader = reader_headers(to=to, to_name=to_name, message_id=message_id, date=date,
                            unsubscribe_url=unsubscribe_url, one_click=one_click)  # fmt: skip
    for name, value in reader.items():
        msg[name] = value
    msg["List-Id"] = list_id
    # Ask auto-responders (out-of-office) not to answer a digest.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(copy.text, subtype="plain", charset="utf-8")
    msg.add_alternative(copy.html, subtype="html", charset="utf-8")
    return msg


def reader_headers(
    *,
    to: str,
    to_name: str | None,
    message_id: str,
    date: datetime,
    unsubscribe_url: str | None = None,
    one_click: str | None = None,
) -> EmailMessage:
    """The headers that differ per reader (build_message's, in a message of their own).

    unsubscribe_url: email.unsubscribe_url (the address is added to it); one_click: a reader's
    own signed unsubscribe link (the web front's), used as it is.
    """
    msg = EmailMessage()
    msg["To"] = Address(display_name=to_name or "", addr_spec=to)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    link = one_click or (unsubscribe_link(unsubscribe_url, to) if unsubscribe_url else None)
    if link:
        # RFC 8058 one-click: the mailbox provider POSTs to this URL, so it must say who.
        msg["List-Unsubscribe"] = f"<{link}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return msg


# A soft line break: quoted-printable's way to end an encoded line that the decoded text does
# not end (RFC 2045 6.7 rule 5); it may stand anywhere, so a reader's link can be put in as
# lines of its own without changing what the reader sees.
_SOFT_BREAK = b"=\r\n"


@dataclass(frozen=True)
class Prebuilt:
    """One copy's message as the email library wrote it, minus what differs per reader.

    `chunks` alternates bytes and the fields (placeholders) to fill with the reader's values,
    each as (field, in a quoted-printable part?): there the value is encoded and set on lines
    of its own between soft line breaks; in a 7bit or 8bit part it goes in as it is.
    """

    chunks: tuple[bytes | tuple[str, bool], ...]

    def message(self, headers: EmailMessage, links: Mapping[str, str]) -> bytes:
        """The reader's message: their headers (reader_headers) and links put in."""
        head = headers.as_bytes(policy=policy.SMTP)
        out = [head[: -len(b"\r\n")]]  # the headers alone, without the blank line after them
        for chunk in self.chunks:
            if isinstance(chunk, bytes):
                out.append(chunk)
                continue
            field, qp = chunk
            if qp:
                value = quoprimime.body_encode(links[field], maxlinelen=76, eol="\r\n")
                out += [_SOFT_BREAK, value.encode("ascii"), _SOFT_BREAK]
            else:
                out.append(links[field].encode("utf-8"))
        return b"".join(out)


def prebuild(
    copy: EmailCopy, *, subject: str, sender: str, list_id: str, fields: Sequence[str] = ()
) -> Prebuilt | None:
    """The body of every reader's message of `copy`, MIME-encoded once.

    fields: placeholders in the copy that each reader's own value replaces (their signed links).
    None when they cannot be found in the encoded parts (a part in base64, which non-Latin
    text may get; or not ASCII): the caller then builds each reader's message whole.
    """
    msg = build_message(copy, subject=subject, sender=sender, to="x@invalid", to_name=None,
                        message_id="<x@invalid>", list_id=list_id,
                        date=datetime.now().astimezone())  # fmt: skip
    for name in ("To", "Date", "Message-ID"):
        del msg[name]
    chunks: list[bytes | tuple[str, bool]] = [msg.as_bytes(policy=policy.SMTP)]
    expected = 0  # placeholders in the decoded parts: each must be found in the encoded ones
    for part in msg.iter_parts():
        content = part.get_content()
        wanted = {f: content.count(f) for f in fields if f in content}
        if not wanted:
            continue
        cte = str(part.get("Content-Transfer-Encoding", "7bit")).lower()
        if cte not in ("quoted-printable", "7bit", "8bit") or not all(f.isascii() for f in wanted):
            return None
        # Quoted-printable lines are at most 76 characters: a placeholder may be split over
        # two of them by a soft line break.
        glue = b"(?:=\r\n)?" if cte == "quoted-printable" else b""
        pattern = re.compile(b"|".join(
            b"(" + glue.join(re.escape(bytes([c])) for c in f.encode()) + b")" for f in wanted
        ))  # fmt: skip
        expected += sum(wanted.values())
        slots = [(f, cte == "quoted-printable") for f in wanted]
        chunks = _split(chunks, part.as_bytes(policy=policy.SMTP), pattern, slots)
        if chunks is None or sum(isinstance(c, tuple) for c in chunks) != expected:
            return None  # each occurrence put in, or none: never a placeholder left to a reader
    return Prebuilt(tuple(chunks))


Chunks = list[bytes | tuple[str, bool]]


def _split(
    chunks: Chunks, part: bytes, pattern: re.Pattern[bytes], slots: list[tuple[str, bool]]
) -> Chunks | None:
    """`chunks` with each match of `pattern` (one group per slot) in the body of `part`
    replaced by its slot; None unless `part` is found once."""
    where = [(i, c.find(part)) for i, c in enumerate(chunks) if isinstance(c, bytes)]
    where = [(i, at) for i, at in where if at >= 0]
    if len(where) != 1 or chunks[where[0][0]].count(part) != 1:  # type: ignore[union-attr]
        return None
    i, at = where[0]
    chunk = chunks[i]
    assert isinstance(chunk, bytes)
    body = at + part.index(b"\r\n\r\n")  # not the part's own headers
    out: Chunks = [*chunks[:i]]
    start = 0
    for match in pattern.finditer(chunk, body, at + len(part)):
        out += [chunk[start : match.start()], slots[(match.lastindex or 1) - 1]]
        start = match.end()
    return [*out, chunk[start:], *chunks[i + 1 :]]


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


def build_report(
    *,
    title: str,
    sender: str,
    to: str,
    when: datetime,
    digest_name: str | None,
    skipped: Sequence[Skipped],
    email_failures: Sequence[str] = (),
) -> EmailMessage:
    """The operator's report of one run's problems: plain text, short, one message."""
    failed_sources = [s for s in skipped if s.uid.startswith("source:")]
    items = [s for s in skipped if not s.uid.startswith("source:")]
    count = len(skipped) + len(email_failures)
    built = f"{digest_name} was built" if digest_name else "No digest was built"
    lines = [
        f"{title}: the run of {when:%A} {when.day} {when:%B %Y at %H:%M %Z} had {count}"
        f" {'problem' if count == 1 else 'problems'}.",
        f"{built}; readers' copies do not mention these.",
    ]
    if failed_sources:
        lines += ["", "Sources that could not be read (reported every run until fixed):"]
        lines += [f"- {s.source}: {s.reason}" for s in failed_sources]
    if items:
        lines += ["", "Items left out:"]
        lines += [f"- {s.name} ({s.source}): {s.reason}" for s in items]
    if email_failures:
        lines += ["", "Email:"]
        lines += [f"- {failure}" for failure in email_failures]
    lines += ["", "`digest status` shows each source's health and the last deliveries."]
    msg = EmailMessage()
    msg["Subject"] = (
        f"[{title}] {count} {'problem' if count == 1 else 'problems'}"
        f" in the run of {when:%a} {when.day} {when:%b %H:%M}"
    )
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid("report", domain=sender_domain(sender))
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines) + "\n", subtype="plain", charset="utf-8")
    return msg
