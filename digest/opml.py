"""`digest import FILE.opml` and `digest export`: feed lists in OPML 2.0, as feed readers swap them.

Import takes every `<outline>` with an `xmlUrl`, at any depth (readers nest feeds in category
outlines; the categories themselves are not kept), and adds the feeds config.yaml does not have
yet, by URL. Export writes the feed sources only: an OPML subscription list is a list of feeds,
and a reader given digest's folders or page lists would drop them or mistake them for feeds.

The file is parsed with defusedxml: an OPML file comes from elsewhere, and a document that
declares entities (a "billion laughs" bomb is a few lines of them) is refused before anything
is expanded, instead of eating memory and time.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from digest.config import Config, _check_url, load_config
from digest.config_edit import add_sources, feed_keys, host_name, unique_name, url_key
from digest.errors import DigestError

logger = logging.getLogger(__name__)

MAX_OPML_BYTES = 10_000_000  # a subscription list of tens of thousands of feeds is under 5 MB


@dataclass(frozen=True)
class Outline:
    title: str | None  # the outline's title, else its text
    url: str  # xmlUrl, as written


@dataclass(frozen=True)
class ImportReport:
    added: tuple[dict[str, str], ...]  # the new source entries
    present: int  # feeds config.yaml already had (by URL), or listed twice in the file
    invalid: tuple[str, ...]  # one line each: outlines whose xmlUrl is not an http(s) URL


def read_opml(path: Path) -> list[Outline]:
    """Every outline with an xmlUrl, in document order. Raises DigestError with one line."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        if path.stat().st_size > MAX_OPML_BYTES:
            raise DigestError(f"{path}: larger than {MAX_OPML_BYTES:,} bytes; not an OPML list")
        data = path.read_bytes()
    except OSError as exc:
        raise DigestError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        root = fromstring(data)
    except DefusedXmlException:
        raise DigestError(
            f"{path}: refused: it declares XML entities or an external DTD,"
            " as entity bombs do; an OPML file needs none",
            hint="export the list again from your feed reader",
        ) from None
    except ET.ParseError as exc:
        raise DigestError(f"{path}: not valid XML ({exc})") from None
    if _local(root.tag) != "opml":
        raise DigestError(f"{path}: not an OPML file (its root element is <{_local(root.tag)}>)")
    found = []
    for outline in root.iter():
        if _local(outline.tag) != "outline":
            continue
        # Attribute names are case-sensitive in XML, but some exporters write "xmlurl".
        attrs = {_local(k).lower(): v.strip() for k, v in outline.attrib.items()}
        if attrs.get("xmlurl"):
            title = attrs.get("title") or attrs.get("text") or None
            found.append(Outline(title=title, url=attrs["xmlurl"]))
    return found


def import_feeds(config_path: Path, opml_path: Path) -> ImportReport:
    """Add the OPML file's feeds that config.yaml lacks; one edit of the file for all of them."""
    config = load_config(config_path)
    outlines = read_opml(opml_path)
    if not outlines:
        raise DigestError(
            f"{opml_path}: no feeds in it (no <outline> has an xmlUrl attribute)",
            hint="export your subscriptions as OPML from your feed reader",
        )
    known = set(feed_keys(config))
    taken = {s.name for s in config.sources}
    added: list[dict[str, str]] = []
    invalid: list[str] = []
    present = 0
    for outline in outlines:
        try:
            _check_url(outline.url)
        except ValueError as exc:
            invalid.append(f"{outline.title or outline.url}: {exc}")
            continue
        if url_key(outline.url) in known:
            present += 1
            continue
        name = unique_name(outline.title or host_name(outline.url), taken)
        added.append({"name": name, "type": "feed", "url": outline.url})
        known.add(url_key(outline.url))
        taken.add(name)
    if added:
        add_sources(config_path, added)
    return ImportReport(tuple(added), present, tuple(invalid))


def export_opml(config: Config, *, now: datetime) -> str:
    """The config's feed sources as an OPML 2.0 document."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = config.title
    ET.SubElement(head, "dateCreated").text = format_datetime(now)  # RFC 822, as OPML asks
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    for source in config.sources:
        if source.type == "feed":
            ET.SubElement(
                body, "outline", type="rss", text=source.name, title=source.name, xmlUrl=source.url
            )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _local(name: str) -> str:
    """A tag or attribute name without its namespace: {ns}outline -> outline."""
    return name.rsplit("}", 1)[-1]


def load_for_export(config_path: Path) -> tuple[Config, int]:
    """The config, and how many of its sources are not feeds (left out of the export)."""
    config = load_config(config_path)
    return config, sum(1 for s in config.sources if s.type != "feed")
