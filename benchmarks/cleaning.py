"""Benchmark the article cleaner on whole-page plain-text dumps with human gold bodies.

Run: python benchmarks/cleaning.py

Data: <repo>/../shared/data/extract/{dumps/*.txt, dumps.jsonl} (override the data root with
DIGEST_DATA_DIR). Skips with exit code 0 when the data is absent. Nothing is downloaded.

Systems compared, all on the same dump text (first line = the page's h1 title):
  raw          the dump as is (no cleaning)
  justext      jusText (English stoplist) on the dump's paragraphs, each wrapped in <p>
  trafilatura  trafilatura.extract on the dump's paragraphs wrapped in minimal HTML <p>s
  ours         digest.clean.clean_text(dump, title=first line)

Metrics and split: see benchmarks/_scoring.py (shared with benchmarks/extraction.py): token
P/R/F1, sentence precision of all cleaned sentences (sentP), brief precision of the `default`
and `lead` 3-sentence briefs, on the dev half (sha1(id) even; the half whose failures were read
to tune the cleaner) and the held-out half (never inspected). Set DIGEST_BENCH_VERBOSE=1 to list
the dev misses of `ours`.
"""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scoring import data_dir, emit, run_and_report  # noqa: E402

from digest.clean import clean_text  # noqa: E402
from digest.sentences import split_paragraphs  # noqa: E402

System = Callable[[str], tuple[str, str | None]]


def title_of(text: str) -> str:
    return text.split("\n", 1)[0].strip()


def wrap_html(title: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1>\n{body}</body></html>"
    )


def run_raw(text: str) -> tuple[str, str | None]:
    return text, title_of(text)


def make_justext() -> System:
    import justext

    stoplist = justext.get_stoplist("English")

    def run(text: str) -> tuple[str, str | None]:
        title = title_of(text)
        page = wrap_html(title, split_paragraphs(text)[1:])
        paras = justext.justext(page.encode("utf-8"), stoplist, encoding="utf-8")
        return "\n\n".join(p.text for p in paras if not p.is_boilerplate), title

    return run


def make_trafilatura() -> System:
    import trafilatura

    def run(text: str) -> tuple[str, str | None]:
        title = title_of(text)
        page = wrap_html(title, split_paragraphs(text)[1:])
        out = trafilatura.extract(page, include_comments=False, include_tables=False)
        return "\n\n".join((out or "").split("\n")), title

    return run


def run_ours(text: str) -> tuple[str, str | None]:
    title = title_of(text)
    return clean_text(text, title=title), title


def main() -> int:
    root = data_dir() / "extract"
    meta = root / "dumps.jsonl"
    if not meta.exists():
        emit(f"SKIP: cleaning benchmark data not found at {root} (set DIGEST_DATA_DIR)")
        return 0
    rows = [json.loads(line) for line in meta.read_text(encoding="utf-8").splitlines() if line]
    systems: dict[str, System] = {
        "raw": run_raw,
        "justext": make_justext(),
        "trafilatura": make_trafilatura(),
        "ours": run_ours,
    }
    emit(f"Cleaning whole-page text dumps: {len(rows)} pages ({root})")
    run_and_report(
        [(r["id"], r["gold_text"]) for r in rows],
        lambda doc_id: (root / "dumps" / f"{doc_id}.txt").read_text(encoding="utf-8"),
        systems,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
