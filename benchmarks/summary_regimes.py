"""Lead or centrality: can an article's own text say which one its summary rewards?

    python benchmarks/summary_regimes.py [--limit N]

The two dev sets reward opposite things: CNN/DailyMail's highlights reward the lead, BBC News
Summary's extractive references reward centrality (sumy's Reduction). One method would serve
both only if something in the article predicted, *within* each set, when centrality beats the
lead. This prints, per set: how often Reduction beats `lead` (ROUGE-1 F1 per article), and the
Spearman correlation of that per-article gain with properties of the article. A feature that only
separates the two sets (they differ in length, k and paragraphs) would just recognise the dataset;
what would justify a per-article switch is a sizeable correlation inside both.

Data: <repo>/../shared/data, or $DIGEST_DATA_DIR. Exits 0 with a message when it is absent, or
when scipy (for its Spearman correlation; not one of digest's dependencies) is not installed.
"""

# ruff: noqa: T201  (a benchmark script: printing its table is its job)

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from digest import rank  # noqa: E402
from digest.evaluate import load_jsonl  # noqa: E402
from digest.sentences import split_sentences  # noqa: E402
from digest.summarise import summarize  # noqa: E402

SETS = (("cnndm_dev", 3), ("bbc_dev", 5))
_QUOTE = re.compile(r"[\"“”‘’']")


def data_dir() -> Path:
    return Path(os.environ.get("DIGEST_DATA_DIR", REPO.parent / "shared" / "data"))


def features(article: str, k: int) -> dict[str, float]:
    """Properties of the article alone (no reference), the kind a per-article switch could use."""
    sents = split_sentences(article)
    n = max(len(sents), 1)
    words = [len(s.split()) for s in sents] or [0]
    _, sim = rank.score(sents) if len(sents) > 1 else (None, np.zeros((1, 1)))
    lead = sim[: min(3, n)].sum(1) / max(n - 1, 1)  # how like the rest the first 3 are
    rest = sim.sum(1) / max(n - 1, 1)
    return {
        "sentences": n,
        "words/sentence": float(np.mean(words)),
        "k/n": k / n,
        "paragraphs": article.count("\n\n") + 1,
        "quote share": sum(bool(_QUOTE.search(s[:2])) for s in sents) / n,
        "lead centrality": float(lead.mean() - rest.mean()),
    }


def _rho(values: list[float], gain: np.ndarray) -> float:
    """Spearman's rho; nan when the property is the same for every article (cnndm: paragraphs)."""
    return float("nan") if np.ptp(values) == 0 else float(spearman(values, gain))


def spearman(values, gain) -> float:
    from scipy.stats import spearmanr

    return spearmanr(values, gain).statistic


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N articles of each file")
    args = ap.parse_args(argv)
    summ = data_dir() / "summ"
    if not all((summ / f"{name}.jsonl").exists() for name, _ in SETS):
        print(f"skipped: evaluation data not found under {summ} (set DIGEST_DATA_DIR)")
        return 0
    try:
        import scipy.stats  # noqa: F401
    except ImportError:
        print("skipped: needs scipy for the correlations (pip install scipy)")
        return 0
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    t0 = time.perf_counter()
    tables = {}
    for name, k in SETS:
        rows = load_jsonl(summ / f"{name}.jsonl")[: args.limit]
        r1 = {m: [] for m in ("lead", "default", "reduction")}
        feats: dict[str, list[float]] = {}
        for r in rows:
            ref = "\n".join(x.strip() for x in r["reference"].splitlines() if x.strip())
            for method, scores in r1.items():
                brief = summarize(r["article"], sentences=k, method=method, title=r.get("title"))
                scores.append(100 * scorer.score(ref, "\n".join(brief))["rouge1"].fmeasure)
            for key, value in features(r["article"], k).items():
                feats.setdefault(key, []).append(value)
        lead, red = np.array(r1["lead"]), np.array(r1["reduction"])
        gain = red - lead
        tables[name] = (
            k,
            len(rows),
            {m: float(np.mean(v)) for m, v in r1.items()},
            float((gain > 0).mean()),
            {f: _rho(v, gain) for f, v in feats.items()},
        )

    print("| dataset | k | n | lead R-1 | default R-1 | reduction R-1 | reduction beats lead |")
    print("|---|---|---|---|---|---|---|")
    for name, (k, n, means, share, _) in tables.items():
        print(
            f"| {name} | {k} | {n} | {means['lead']:.2f} | {means['default']:.2f} "
            f"| {means['reduction']:.2f} | {100 * share:.0f}% of articles |"
        )
    print()
    names = list(tables)
    print("Spearman rho of each article property with (reduction - lead) R-1, within each set:")
    print()
    print("| property | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for f in tables[names[0]][4]:
        cells = []
        for name in names:
            rho = tables[name][4][f]
            cells.append("n/a (constant)" if np.isnan(rho) else f"{rho:+.2f}")
        print(f"| {f} | " + " | ".join(cells) + " |")
    print()
    print("A switch would need a property with a sizeable rho of the same sign in every set.")
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
