"""Benchmark the article cleaner on both of its errors: text lost and boilerplate kept.

Run: python benchmarks/cleaning.py [--quick | --full] [--only SYSTEM]
     (DIGEST_BENCH_VERBOSE=1 lists our misses)
     python benchmarks/cleaning.py --speed   (only the CPU cost of digest.clean, see speed())

Data: <repo>/../shared/data (override with DIGEST_DATA_DIR); skips with exit code 0 when absent.
Nothing is downloaded. One table, a row per system and a column group per data set:

Recall, on clean text fed in as a `.txt` file would be (first line the title, then the body):
  cnndm   cnndm_dev + cnndm_dev_more articles, each body ONE paragraph (how CNN/DM files look)
  bbc     bbc_dev articles (paragraphs split by blank lines)
  gum     GUM non-news `text_paragraphs` (headings and datelines without final punctuation)
  goldX / goldR  the human gold bodies of the extract/ and extract_readability/ page sets
  columns: kept = share of the body's sentences (digest.sentences, bare URLs removed on both
  sides) found in the output; empty = articles with nothing left.
Precision, on whole-page text dumps (dumpX, dumpR) and on the HTML pages (htmlX, htmlR):
  P = share of the 3-sentence `default` brief's sentences found in the gold body
  (benchmarks/_scoring.occurs_in); brf = share of pages briefed at all (HTML: no error).
ms = mean milliseconds per cnndm article (cleaning only).

Tuning: the cleaner's constants and its classifier's weights (benchmarks/train_cleaner.py)
were chosen on the extract/ set ("X") and the clean articles; extract_readability/ ("R", 91
other sites, starred columns) is the held-out, cross-set number and was never read to tune.
The recall sets are large (about 2,000 articles): `ours` is scored on all of them, the other
systems on every BASELINE_STEP-th article (enough for their shares, and minutes less);
--full scores them on all, --quick scores `ours` on every 4th too. Pages are always all.
"""

from __future__ import annotations

import gzip
import html
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scoring import Gold, data_dir, emit, normalise, occurs_in, verbose  # noqa: E402

from digest import boilerplate_cues as cues  # noqa: E402
from digest.clean import clean_paragraphs  # noqa: E402
from digest.errors import ExtractionError  # noqa: E402
from digest.extract import extract  # noqa: E402
from digest.models import SourceItem  # noqa: E402
from digest.sentences import split_paragraphs, split_sentences  # noqa: E402
from digest.summarise import summarize  # noqa: E402

BRIEF_SENTENCES = 3
BASELINE_STEP = 5
TextSystem = Callable[[str, str], str]  # (title, body) -> cleaned body
# (html, url) -> (text, title[, paragraphs kept aside from the brief])
HtmlSystem = Callable[[str, str], tuple]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def wrap_html(title: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1>\n{body}</body></html>"
    )


# --- the systems on plain text ------------------------------------------------------------


def text_raw(title: str, body: str) -> str:
    return body or title  # a one-line file: its line is the text


def text_justext() -> TextSystem:
    import justext

    stoplist = justext.get_stoplist("English")

    def run(title: str, body: str) -> str:
        page = wrap_html(title, split_paragraphs(body or title))
        paras = justext.justext(page.encode("utf-8"), stoplist, encoding="utf-8")
        return "\n\n".join(p.text for p in paras if not p.is_boilerplate)

    return run


def text_trafilatura() -> TextSystem:
    import trafilatura

    def run(title: str, body: str) -> str:
        page = wrap_html(title, split_paragraphs(body or title))
        out = trafilatura.extract(page, include_comments=False, include_tables=False)
        return "\n\n".join((out or "").split("\n"))

    return run


def text_ours(title: str, body: str) -> str:
    """Through digest.extract, as a .txt file's item (title = its first line)."""
    return brief_input_ours(title, body)[0]


def brief_input_ours(title: str, body: str) -> tuple[str, str | None, tuple]:
    """(text, title, paragraphs kept aside from the brief), as the pipeline summarises it."""
    item = SourceItem(
        source="bench", uid=title, name=title, body=body, content_type="text/plain", title=title
    )
    try:
        article = extract(item)
    except ExtractionError:
        return "", title, ()
    return article.text, title, article.aside


# --- the systems on HTML --------------------------------------------------------------------


def html_ours(page: str, url: str) -> tuple[str, str | None, tuple]:
    item = SourceItem(
        source="bench", uid=url, name=url, body=page, content_type="text/html", url=url
    )
    try:
        article = extract(item)
    except ExtractionError:
        return "", None, ()
    return article.text, article.title, article.aside


def html_trafilatura(page: str, url: str) -> tuple[str, str | None]:
    import trafilatura

    doc = trafilatura.bare_extraction(page, url=url, with_metadata=True)
    if doc is None:
        return "", None
    return "\n\n".join((doc.text or "").splitlines()), doc.title


def html_justext() -> HtmlSystem:
    import justext

    stoplist = justext.get_stoplist("English")

    def run(page: str, url: str) -> tuple[str, str | None]:
        try:
            paras = justext.justext(page.encode("utf-8"), stoplist, encoding="utf-8")
        except Exception:  # noqa: BLE001 - jusText raises bare lxml errors on odd pages
            return "", None
        return "\n\n".join(p.text for p in paras if not p.is_boilerplate), None

    return run


# --- scoring --------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return normalise(cues.URL.sub(" ", text))


def _unspaced(text: str) -> str:
    """_plain without whitespace: the splitter writes "meeting. [8][9]" for the body's
    "meeting.[8][9]", so a sentence the cleaner kept must not be missed for a space."""
    return "".join(_plain(text).split())


@dataclass
class Recall:
    kept: int = 0
    total: int = 0
    empty: int = 0
    docs: int = 0
    seconds: float = 0.0

    def cell(self) -> str:
        share = f"{self.kept / self.total:.4f}" if self.total else "  -   "
        return f"{share} {self.empty:>3}"


@dataclass
class Precision:
    ok: int = 0
    n: int = 0
    briefed: int = 0
    docs: int = 0

    def cell(self) -> str:
        p = f"{self.ok / self.n:.3f}" if self.n else "  -  "
        return f"{p} {self.briefed / self.docs:.3f}" if self.docs else "  -     -  "


def score_recall(
    docs: list[tuple[str, str, str]], run: TextSystem, misses: list[str] | None
) -> Recall:
    """docs: (id, title, body). A body sentence is kept if it occurs in the output; a one-line
    document (no body) is scored on its line."""
    r = Recall()
    for doc_id, title, body in docs:
        started = time.process_time()
        out = run(title, body)
        r.seconds += time.process_time() - started
        r.docs += 1
        got = _unspaced(out)
        r.empty += not got.strip()
        for s in split_sentences(body or title):
            want = _unspaced(s)
            if not want:
                continue
            r.total += 1
            if want in got:
                r.kept += 1
            elif misses is not None:
                misses.append(f"{doc_id[:14]}: {s[:100]}")
    return r


def score_precision(
    docs: list[tuple[str, str, object]],
    run: Callable[[object], tuple],
    misses: list[str] | None,
) -> Precision:
    """docs: (id, gold, input); run gives (text, title[, aside]). Brief precision of the
    default brief (taking paragraphs kept aside only when the rest have none usable, as the
    pipeline does), pages briefed."""
    p = Precision()
    for doc_id, gold_text, source in docs:
        gold = Gold.of(gold_text)
        out, title, *aside = run(source)
        p.docs += 1
        brief = (
            summarize(out, sentences=BRIEF_SENTENCES, title=title, aside=aside[0] if aside else ())
            if out.strip()
            else []
        )
        p.briefed += bool(brief)
        for s in brief:
            ok = occurs_in(s, gold)
            p.ok += ok
            p.n += 1
            if not ok and misses is not None:
                misses.append(f"{doc_id[:14]}: {s[:100]}")
    return p


# --- data -----------------------------------------------------------------------------------


def load_recall_sets(root: Path, step: int) -> dict[str, list[tuple[str, str, str]]]:
    summ, sets = root / "summ", {}
    cnn = read_jsonl(summ / "cnndm_dev.jsonl") + read_jsonl(summ / "cnndm_dev_more.jsonl")
    # CNN/DM has no titles: the file's first line is its first sentence cut short, the body is
    # the whole article as one paragraph.
    sets["cnndm"] = [
        (r["id"], " ".join(r["article"].split()[:12]), " ".join(r["article"].split())) for r in cnn
    ]
    sets["bbc"] = [(r["id"], r["title"], r["article"]) for r in read_jsonl(summ / "bbc_dev.jsonl")]
    gum = []
    for r in read_jsonl(root / "sbd" / "gum_nonnews.jsonl"):
        title, _, body = r["text_paragraphs"].strip().partition("\n")
        gum.append((r["id"], title.strip(), body.strip()))
    sets["gum"] = gum
    for key, folder in (("goldX", "extract"), ("goldR", "extract_readability")):
        rows = read_jsonl(root / folder / "dumps.jsonl")
        sets[key] = [(r["id"], r["title"], r["gold_text"]) for r in rows]
    return {k: v[::step] for k, v in sets.items()}


def load_dumps(root: Path, folder: str) -> list[tuple[str, str, object]]:
    rows = read_jsonl(root / folder / "dumps.jsonl")
    out = []
    for r in rows:
        text = (root / folder / "dumps" / f"{r['id']}.txt").read_text(encoding="utf-8")
        title, _, body = text.partition("\n")
        out.append((r["id"], r["gold_text"], (title.strip(), body)))
    return out


def load_pages(root: Path, folder: str) -> list[tuple[str, str, object]]:
    out = []
    for r in read_jsonl(root / folder / "index.jsonl"):
        page = gzip.decompress((root / folder / r["html_path"]).read_bytes())
        out.append((r["id"], r["gold_text"], (page.decode("utf-8", "replace"), r["url"])))
    return out


SPEED_SENTENCES = 3  # sentences per paragraph in the multi-paragraph CNN/DM variant
SPEED_ROUNDS = 3  # the best of this many passes over the articles (noise on a shared machine)


def speed(root: Path) -> int:
    """CPU milliseconds per article of digest.clean.clean_paragraphs alone (issue 10: at most
    1 ms for a CNN/DM-size article), on every CNN/DM dev article as one paragraph (how the
    files look) and cut into paragraphs of SPEED_SENTENCES sentences (how a feed item or a
    page's body looks), the best of SPEED_ROUNDS passes."""
    summ = root / "summ"
    cnn = read_jsonl(summ / "cnndm_dev.jsonl") + read_jsonl(summ / "cnndm_dev_more.jsonl")
    one = [" ".join(r["article"].split()) for r in cnn]
    multi = []
    for body in one:
        sents = split_sentences(body)
        multi.append(
            "\n\n".join(
                " ".join(sents[i : i + SPEED_SENTENCES])
                for i in range(0, len(sents), SPEED_SENTENCES)
            )
        )
    emit(f"Cleaning CPU time, {len(one)} CNN/DM articles, best of {SPEED_ROUNDS} passes")
    emit("| input                       | paragraphs/art | ms/art |")
    emit("|-----------------------------|----------------|--------|")
    for label, texts in (
        ("one paragraph", one),
        (f"{SPEED_SENTENCES}-sentence paragraphs", multi),
    ):
        clean_paragraphs(texts[0])  # load the stoplists outside the timing
        best, paragraphs = float("inf"), 0
        for _ in range(SPEED_ROUNDS):
            started, paragraphs = time.process_time(), 0
            for text in texts:
                paragraphs += len(clean_paragraphs(text))
            best = min(best, time.process_time() - started)
        per_article, ms = paragraphs / len(texts), 1000 * best / len(texts)
        emit(f"| {label:<27} | {per_article:>14.1f} | {ms:>6.3f} |")
    return 0


def _mark(key: str) -> str:
    """Columns of the held-out page set (R) carry a star."""
    return key + "*" if key.endswith("R") else key


def main() -> int:
    root = data_dir()
    if not (root / "extract_readability" / "dumps.jsonl").exists():
        emit(f"SKIP: cleaning benchmark data not found at {root} (set DIGEST_DATA_DIR)")
        return 0
    if "--speed" in sys.argv:
        return speed(root)
    step = 4 if "--quick" in sys.argv else 1
    baseline_step = 1 if "--full" in sys.argv else BASELINE_STEP
    recall_sets = load_recall_sets(root, step)
    dumps = {"dumpX": load_dumps(root, "extract"), "dumpR": load_dumps(root, "extract_readability")}
    pages = {"htmlX": load_pages(root, "extract"), "htmlR": load_pages(root, "extract_readability")}
    text_systems: dict[str, TextSystem] = {
        "raw": text_raw,
        "justext": text_justext(),
        "trafilatura": text_trafilatura(),
        "ours": text_ours,
    }
    html_systems: dict[str, HtmlSystem | None] = {
        "raw": None,  # no raw text of an HTML page to brief
        "justext": html_justext(),
        "trafilatura": html_trafilatura,
        "ours": html_ours,
    }
    emit(
        "Cleaning: recall on clean text (kept share, articles emptied), brief precision and "
        "pages briefed on dumps and HTML. X = extract/ (tuned on), R = extract_readability/ "
        f"(held out). Recall sets: ours every {step}., the others every "
        f"{step * baseline_step}. article. * = held out (R: never read to tune)."
    )
    header = "| system      |" + "".join(f" {_mark(k):<12}|" for k in recall_sets)
    header += "".join(f" {_mark(k) + ' P brf':<12}|" for k in (*dumps, *pages)) + " ms/art |"
    emit(header)
    emit("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    for name, run_text in text_systems.items():
        if only and name != only:
            continue
        cells, ms = [], 0.0
        for key, docs in recall_sets.items():
            docs = docs if name == "ours" else docs[::baseline_step]
            misses = [] if name == "ours" and verbose() else None
            r = score_recall(docs, run_text, misses)
            cells.append(r.cell())
            if key == "cnndm":
                ms = 1000 * r.seconds / max(r.docs, 1)
            for line in misses or []:
                emit(f"   miss {key}: {line}")
        for key, docs in dumps.items():
            misses = [] if name == "ours" and verbose() else None
            if name == "ours":
                p = score_precision(docs, lambda src: brief_input_ours(*src), misses)
            else:
                p = score_precision(docs, lambda src, f=run_text: (f(*src), src[0]), misses)
            cells.append(p.cell())
            for line in misses or []:
                emit(f"   miss {key}: {line}")
        run_html = html_systems[name]
        for key, docs in pages.items():
            if run_html is None:
                cells.append("  -     -  ")
                continue
            misses = [] if name == "ours" and verbose() else None
            p = score_precision(docs, lambda src, f=run_html: f(*src), misses)
            cells.append(p.cell())
            for line in misses or []:
                emit(f"   miss {key}: {line}")
        emit(f"| {name:<11} |" + "".join(f" {c:<12}|" for c in cells) + f" {ms:>6.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
