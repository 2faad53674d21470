"""Which links may be written into a digest.

Feed items and pages choose their own links, and a digest is opened by readers in a browser or
mail client: only web links are ever made clickable. A `javascript:`, `data:` or `vbscript:`
link would run in the reader's browser, so any other scheme is dropped and the title is shown
as plain text.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

WEB_SCHEMES = ("http", "https")


def web_link(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) link, else None."""
    if not url:
        return None
    # Browsers ignore surrounding whitespace and control characters in a scheme, so
    # "java\tscript:" is judged the way a browser would read it.
    cleaned = "".join(ch for ch in url.strip() if ch >= " " and ch != "\x7f")
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        logger.debug("Dropped link %.80r: not an http(s) URL", url)
        return None
    return cleaned
