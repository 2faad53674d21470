"""Feeds and pages for the web-source tests, written for them (no publisher's text)."""

from __future__ import annotations

from html import escape
from pathlib import Path

WEB = Path(__file__).resolve().parent / "data" / "web"


def page(name: str) -> str:
    return (WEB / name).read_text(encoding="utf-8")


# A wire story as two papers print it: the same body, each with its own first line and sign-off.
WIRE_BODY = [
    "Scientists at a coastal research station have recorded the lowest winter sea ice extent in "
    "the forty years that satellite measurements have been kept, the station said on Friday.",
    "The ice covered about 12.1 million square kilometres at its peak this month, some 900,000 "
    "square kilometres less than the average for the years 1991 to 2020.",
    "Researchers said warmer ocean currents had slowed the freezing of the sea in the autumn, and "
    "that storms in December had broken up much of the thin new ice before it could thicken.",
    "The station's director, Ingrid Halvorsen, said the figures were consistent with the trend of "
    "the last two decades and did not on their own show that the decline was speeding up.",
    "Fishing communities along the coast have reported that the sea stayed open for several weeks "
    "longer than usual, which allowed boats to work later into the season than in living memory.",
    "The full data set will be published in the spring, after the measurements have been checked "
    "against observations from ships and aircraft taken over the same period.",
]


def story(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def rss(items: list[dict], *, title: str = "Test feed") -> bytes:
    """items: dicts with title, link, guid (optional), date (RFC 822), html (the content)."""
    out = []
    for it in items:
        guid = f"<guid>{escape(it['guid'])}</guid>" if it.get("guid") else ""
        date = f"<pubDate>{it['date']}</pubDate>" if it.get("date") else ""
        out.append(
            f"<item><title>{escape(it['title'])}</title><link>{escape(it['link'])}</link>"
            f"{guid}{date}<description>{escape(it['html'])}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link>"
        f"<description>test</description>{''.join(out)}</channel></rss>"
    ).encode()


def atom(items: list[dict], *, title: str = "Test Atom feed") -> bytes:
    out = []
    for it in items:
        out.append(
            f"<entry><title>{escape(it['title'])}</title>"
            f'<link href="{escape(it["link"])}"/><id>{escape(it["guid"])}</id>'
            f"<updated>{it['date']}</updated>"
            f'<content type="html">{escape(it["html"])}</content></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test:feed</id><updated>2026-11-23T00:00:00Z"
        f"</updated>{''.join(out)}</feed>"
    ).encode()
