"""Benchmark HTML article extraction on real news pages with human-written gold bodies.

Run: python benchmarks/extraction.py        (DIGEST_BENCH_VERBOSE=1 lists dev-half sentences
                                             not found in the gold body)

Data: <repo>/../shared/data/extract/{index.jsonl, pages/*.html.gz} (override the data root with
DIGEST_DATA_DIR). Skips with exit code 0 when the data is absent. Nothing is downloaded.

Systems, on the same HTML:
  ours         digest.extract.extract(SourceItem(content_type="text/html", url=page url))
  trafilatura  trafilatura.extract(html), all defaults

Metrics and split: see benchmarks/_scoring.py (shared with benchmarks/cleaning.py, so the
numbers compare): token P/R/F1, sentence precision of all extracted sentences (sentP), brief
precision of the `default` and `lead` 3-sentence briefs (title: the one the system found), on
the dev half (sha1(id) even; the only half whose failures were read) and the held-out half.
A page where the system returns no text (or raises) counts as empty and adds no sentences.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scoring import data_dir, emit, run_and_report  # noqa: E402

from digest.errors import ExtractionError  # noqa: E402
from digest.extract import extract  # noqa: E402
from digest.models import SourceItem  # noqa: E402

Page = tuple[str, str]  # (html, url)


def run_ours(page: Page) -> tuple[str, str | None, tuple]:
    """(text, title, paragraphs kept aside), briefed as the pipeline briefs an Article."""
    html, url = page
    item = SourceItem(
        source="bench", uid=url, name=url, body=html, content_type="text/html", url=url
    )
    try:
        article = extract(item)
    except ExtractionError:
        return "", None, ()
    return article.text, article.title, article.aside


def run_trafilatura(page: Page) -> tuple[str, str | None]:
    import trafilatura

    html, _ = page
    text = trafilatura.extract(html) or ""
    title = trafilatura.extract_metadata(html).title if text else None
    # trafilatura separates paragraphs with single newlines; the splitter wants blank lines.
    return "\n\n".join(text.splitlines()), title


def main() -> int:
    root = data_dir() / "extract"
    index = root / "index.jsonl"
    if not index.exists():
        emit(f"SKIP: extraction benchmark data not found at {root} (set DIGEST_DATA_DIR)")
        return 0
    rows = {
        r["id"]: r
        for r in (json.loads(x) for x in index.read_text(encoding="utf-8").splitlines() if x)
    }

    def load(page_id: str) -> Page:
        row = rows[page_id]
        raw = gzip.decompress((root / row["html_path"]).read_bytes())
        return raw.decode("utf-8", "replace"), row["url"]

    systems: dict[str, Callable[[Page], tuple]] = {
        "ours": run_ours,
        "trafilatura": run_trafilatura,
    }
    emit(f"Extraction on {len(rows)} HTML pages ({root})")
    run_and_report([(i, r["gold_text"]) for i, r in rows.items()], load, systems)
    return 0


if __name__ == "__main__":
    sys.exit(main())
