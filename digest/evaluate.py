"""Score summarisation methods on a jsonl file of articles with reference summaries.

Used by `benchmarks/summary_quality.py` and by `digest eval` (digest/cli.py). Each line needs
`article` and `reference` (reference sentences, one per line); `title` is optional and passed
to the methods that use it.

ROUGE follows the convention of published CNN/DailyMail results: the `rouge-score` package,
ROUGE-1/2/Lsum F1, Porter stemming on, summary sentences joined by newlines. When the references
are extractive (most of their lines are sentences of the article, as in BBC News Summary),
sentence-selection precision and recall are reported too.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from digest.errors import DigestError
from digest.progress import progress
from digest.sentences import split_sentences
from digest.summarise import summarize

log = logging.getLogger(__name__)

# References count as extractive when at least this share of their lines are article sentences
# (BBC News Summary: ~99% with our splitter; CNN/DailyMail highlights: ~0%).
_EXTRACTIVE_SHARE = 0.8


@dataclass(frozen=True)
class Row:
    """One method's scores on one file (F1 and P/R as percentages)."""

    dataset: str
    method: str
    k: int
    articles: int
    rouge1: float
    rouge2: float
    rougeLsum: float  # noqa: N815 - the metric's own name
    precision: float | None  # sentence selection vs extractive references, else None
    recall: float | None
    ms_per_article: float


def _norm(s: str) -> str:
    return " ".join(s.split())


def load_jsonl(path: str | Path) -> list[dict]:
    """Rows of `path`; DigestError naming the line when one is not an article with a reference."""
    hint = "each line needs 'article' (the text) and 'reference' (its summary, a sentence a line)"
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DigestError(f"{path} line {number}: not JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise DigestError(f"{path} line {number}: not a JSON object", hint=hint)
                for key in ("article", "reference"):
                    if not isinstance(row.get(key), str):
                        what = "no" if key not in row else "a non-text"
                        raise DigestError(f"{path} line {number}: {what} {key!r} field", hint=hint)
                rows.append(row)
    except (OSError, UnicodeDecodeError) as exc:
        raise DigestError(f"{path}: cannot read: {exc}") from None
    if not rows:
        raise DigestError(f"{path}: no rows to score", hint=hint)
    return rows


def _is_extractive(rows: list[dict]) -> bool:
    hit = total = 0
    for r in rows[:200]:
        sents = {_norm(s) for s in split_sentences(r["article"])}
        ref = [_norm(x) for x in r["reference"].splitlines() if x.strip()]
        total += len(ref)
        hit += sum(x in sents for x in ref)
    return total > 0 and hit / total >= _EXTRACTIVE_SHARE


def evaluate_rows(
    rows: list[dict],
    methods: Iterable[str],
    k: int,
    *,
    dataset: str = "data",
    limits: Mapping[str, int] | None = None,
) -> list[Row]:
    """Score each method on `rows`; `limits` caps the article count for named (slow) methods."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    extractive = _is_extractive(rows)
    methods = list(methods)
    batches = [(m, rows[: (limits or {}).get(m, len(rows))]) for m in methods]
    out = []
    # All methods of a file in one bar: on a terminal, `digest eval` is minutes of work.
    total = sum(len(b) for _, b in batches)
    with progress(f"Scoring {dataset}", total=total, unit="article") as bar:
        for method, use in batches:
            bar.set_postfix_str(method)
            out.append(_score(use, method, k, scorer, extractive, dataset, bar.update))
            log.debug("%s %s done", dataset, method)
    return out


def _score(
    use: list[dict],
    method: str,
    k: int,
    scorer,
    extractive: bool,
    dataset: str,
    step: Callable[[], object],
) -> Row:
    if use:  # warm-up call: lazy imports (sumy, nltk) are not per-article cost
        summarize(use[0]["article"], sentences=k, method=method, title=use[0].get("title"))
    elapsed = 0.0
    f1 = {"rouge1": 0.0, "rouge2": 0.0, "rougeLsum": 0.0}
    hit = chosen = wanted = 0
    for r in use:
        t0 = time.perf_counter()
        summ = summarize(r["article"], sentences=k, method=method, title=r.get("title"))
        elapsed += time.perf_counter() - t0
        ref_lines = [x.strip() for x in r["reference"].splitlines() if x.strip()]
        scores = scorer.score("\n".join(ref_lines), "\n".join(summ))
        for key in f1:
            f1[key] += scores[key].fmeasure
        if extractive:
            ref = {_norm(x) for x in ref_lines}
            hit += sum(_norm(s) in ref for s in summ)
            chosen += len(summ)
            wanted += len(ref)
        step()
    n = max(len(use), 1)
    return Row(
        dataset=dataset,
        method=method,
        k=k,
        articles=len(use),
        rouge1=100 * f1["rouge1"] / n,
        rouge2=100 * f1["rouge2"] / n,
        rougeLsum=100 * f1["rougeLsum"] / n,
        precision=100 * hit / chosen if extractive and chosen else None,
        recall=100 * hit / wanted if extractive and wanted else None,
        ms_per_article=1000 * elapsed / n,
    )


def evaluate_jsonl(
    path: str | Path,
    methods: Iterable[str],
    k: int,
    *,
    limit: int | None = None,
    limits: Mapping[str, int] | None = None,
) -> list[Row]:
    """Score `methods` (names from `digest.summarise.METHODS`) with k-sentence briefs."""
    rows = load_jsonl(path)[:limit]
    return evaluate_rows(rows, methods, k, dataset=Path(path).stem, limits=limits)


def format_table(rows: list[Row]) -> str:
    """A Markdown table; P/R columns appear only when some row has them."""
    sel = any(r.precision is not None for r in rows)
    head = ["dataset", "method", "k", "n", "R-1", "R-2", "R-Lsum"]
    head += ["sel P", "sel R"] if sel else []
    head += ["ms/article"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [
            r.dataset,
            r.method,
            str(r.k),
            str(r.articles),
            f"{r.rouge1:.2f}",
            f"{r.rouge2:.2f}",
            f"{r.rougeLsum:.2f}",
        ]
        if sel:
            cells += [
                "-" if r.precision is None else f"{r.precision:.1f}",
                "-" if r.recall is None else f"{r.recall:.1f}",
            ]
        cells.append(f"{r.ms_per_article:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
