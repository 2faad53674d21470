"""Screenshots of a real-sized digest in headless Chromium: phone and desktop, light and dark.

    python contrib/screenshots.py [--out DIR] [--stories 36] [--height 3000]

Builds a digest through the real pipeline (folder sources -> extract -> summarise -> render ->
email copy) from BBC News articles in ../shared/data/summ/bbc_dev.jsonl (or DIGEST_DATA_DIR),
one folder source per BBC category plus one unlisted source, with `sections:`, a story two
sources carry ("Also in"), an empty file (the archive copy's operator note) and
`output.archive_url` (the email's "View in browser"). Then it screenshots both the email copy
and the archive copy at 375 and 900 px wide, light and dark, into DIR (a temporary folder by
default; never the repo), each page as window-high slices from top to bottom, since one window
cannot hold 30+ stories.

Dark mode: Chromium's --force-dark-mode makes the page match `prefers-color-scheme: dark`
(checked by the script on a probe page; Blink's auto-darkening is a different switch and is
off). Needs the `chromium` binary (Debian: apt-get install chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from digest.config import load_config
from digest.pipeline import run_once

DATA = Path(
    os.environ.get("DIGEST_DATA_DIR", Path(__file__).resolve().parents[1].parent / "shared/data")
)
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=ZoneInfo("Europe/London"))
SOURCES = {  # BBC category -> our source name
    "politics": "Westminster Report",
    "business": "Business Desk",
    "tech": "Tech Weekly",
    "sport": "Sport Daily",
    "entertainment": "Arts Wire",  # in no section: its stories go under "More"
}
SECTIONS = [
    {"name": "Politics", "sources": ["Westminster Report"]},
    {"name": "Business", "sources": ["Business Desk"]},
    {"name": "Technology", "sources": ["Tech Weekly"]},
    {"name": "Sport", "sources": ["Sport Daily"]},
]
MAX_SLICES = 14
BLANK_PNG_BYTES = 8_000  # a window of flat background compresses to about 3 KB
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
]


def build(base: Path, stories: int) -> tuple[Path, Path]:
    """Write the sources and config, run the pipeline; return (archive HTML, email HTML)."""
    rows = [json.loads(line) for line in (DATA / "summ/bbc_dev.jsonl").open(encoding="utf-8")]
    per_source = -(-stories // len(SOURCES))
    picked: dict[str, list[dict]] = {c: [] for c in SOURCES}
    for row in rows:  # the first articles of each category: a fixed, repeatable pick
        if row["category"] in picked and len(picked[row["category"]]) < per_source:
            picked[row["category"]].append(row)
    sources = []
    for n, (category, source) in enumerate(SOURCES.items()):
        folder = base / category
        folder.mkdir()
        for i, row in enumerate(picked[category]):
            path = folder / f"{row['id']}.txt"
            path.write_text(f"{row['title']}\n\n{row['article']}\n", encoding="utf-8")
            # Publication dates spread over the last two days: the newest lead each section.
            when = NOW - timedelta(hours=3 * i + n)
            os.utime(path, (when.timestamp(), when.timestamp()))
        sources.append({"name": source, "type": "folder", "path": category})
    # One story two sources carry (a syndicated copy: same text, one line added, so not the
    # same file hash): it leads its section with "Also in: Business Desk".
    original = (base / "politics" / f"{picked['politics'][-1]['id']}.txt").read_text("utf-8")
    copy = f"{original}\nThis story was first published by Westminster Report.\n"
    (base / "business" / "syndicated.txt").write_text(copy, encoding="utf-8")
    (base / "business" / "empty.txt").write_text("", encoding="utf-8")  # the operator's note
    raw = {
        "title": "Morning Brief",
        "timezone": "Europe/London",
        "sources": sources,
        "sections": SECTIONS,
        "summary": {"sentences": 3},
        "output": {"dir": "digests", "archive_url": "https://example.org/digests/"},
        "state": "state.db",
        "email": {
            "enabled": False,  # build the email copy, send nothing
            "from": "Morning Brief <brief@example.org>",
            "unsubscribe_url": "https://example.org/unsubscribe",
        },
    }
    (base / "config.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    config = load_config(base / "config.yaml")
    report = run_once(config, now=NOW)
    with sqlite3.connect(config.state) as db:
        email_html = db.execute("SELECT html FROM email_copies").fetchone()[0]
    email = base / "email.html"
    email.write_text(email_html, encoding="utf-8")
    return config.output.dir / f"{report.digest_name}.html", email


def shoot(chromium: str, url: str, png: Path, width: int, height: int, dark: bool) -> None:
    flags = [*CHROMIUM_FLAGS, f"--window-size={width},{height}", f"--screenshot={png}"]
    if dark:
        flags.append("--force-dark-mode")
    subprocess.run([chromium, *flags, url], check=True, capture_output=True, timeout=120)


def slices(
    chromium: str, page: Path, tmp: Path, width: int, height: int, dark: bool, out: Path
) -> list[Path]:
    """The whole page, one window-high slice after another, until a slice is empty.

    Headless Chromium's --screenshot does not show a page scrolled to a #fragment (the shot is
    blank), so each slice is a copy of the page shifted up by `top` with relative positioning.
    """
    html = page.read_text(encoding="utf-8")
    shots = []
    for i in range(MAX_SLICES):
        shifted = tmp / f"slice-{page.name}"
        style = f"<style>body {{ position: relative; top: -{i * height}px; }}</style>"
        shifted.write_text(html.replace("</head>", f"{style}</head>", 1), encoding="utf-8")
        png = out / f"{page.stem}-{width}-{'dark' if dark else 'light'}-{i + 1}.png"
        shoot(chromium, shifted.as_uri(), png, width, height, dark)
        if png.stat().st_size < BLANK_PNG_BYTES:  # nothing but background: past the end
            png.unlink()
            break
        shots.append(png)
    return shots


def dark_mode_works(chromium: str, tmp: Path) -> bool:
    """Does --force-dark-mode make prefers-color-scheme: dark match? Shoot a probe page and
    read one pixel's colour from the PNG (its first IDAT row is enough for a flat colour)."""
    import zlib

    probe = tmp / "probe.html"
    probe.write_text(
        "<style>body{background:#fff}@media (prefers-color-scheme: dark)"
        "{body{background:#000}}</style>",
        encoding="utf-8",
    )
    png = tmp / "probe.png"
    shoot(chromium, probe.as_uri(), png, 50, 50, dark=True)
    data = png.read_bytes()
    chunks, pos = b"", 8
    while pos < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            chunks += data[pos + 8 : pos + 8 + size]
        pos += 12 + size
    raw = zlib.decompress(chunks)
    return raw[1] < 128  # first pixel's red channel (after the row's filter byte)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="folder for the PNGs (default: a temp folder)")
    parser.add_argument("--stories", type=int, default=36)
    parser.add_argument("--height", type=int, default=1400, help="window (slice) height in px")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()
    if not (DATA / "summ/bbc_dev.jsonl").is_file():
        sys.stdout.write(f"skipped: {DATA / 'summ/bbc_dev.jsonl'} not found (DIGEST_DATA_DIR)\n")
        return 0
    if not shutil.which(args.chromium):
        sys.stdout.write("skipped: no chromium (Debian: apt-get install chromium)\n")
        return 0
    out = args.out or Path(tempfile.mkdtemp(prefix="digest-shots-"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        if not dark_mode_works(args.chromium, base):
            sys.stdout.write("warning: --force-dark-mode did not switch prefers-color-scheme\n")
        archive, email = build(base, args.stories)
        shutil.copy(archive, out / "archive.html")
        shutil.copy(email, out / "email.html")
        for page in (out / "email.html", out / "archive.html"):
            for width in (375, 900):
                for dark in (False, True):
                    for png in slices(args.chromium, page, base, width, args.height, dark, out):
                        sys.stdout.write(f"{png}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
