"""Fit the paragraph classifier of digest.clean and write digest/clean_weights.py.

Run: python benchmarks/train_cleaner.py [--write] [--train X|R]
     (scikit-learn is needed here only, never at run time: pip install scikit-learn)

Data: <repo>/../shared/data (override with DIGEST_DATA_DIR); skips with exit code 0 when absent.

Training data, paragraphs as digest.clean sees them (split, bare URLs removed, rules applied):
- whole-page text dumps of the training page set (X = extract/ by default): a paragraph is
  article text if its sentences occur in the human gold body (benchmarks/_scoring.occurs_in,
  the matching the precision columns use); a paragraph under MIN_FUZZY_TOKENS tokens only if it
  is a whole line of the gold body (a menu word like "Business" occurs in most bodies);
- clean articles, every paragraph article text: CNN/DM (one paragraph), BBC, GUM non-news and
  the training set's gold bodies. Half of each (by sha1 of the id) is used, so recall on the
  other half is measured on text the fit never saw.
The dumps and the clean articles get the same total weight: losing article text costs as much
as keeping boilerplate.

Printed: grouped cross-validation (pages grouped by site, folds also hold a share of the clean
articles) of the classifier used ALONE as the filter (at several cut-offs), scored as
benchmarks/cleaning.py scores the text path (sentence recall on clean text, 3-sentence brief
precision on dumps); then the model trained on the whole training set scored on the other page
set (X -> R, or R -> X with --train R), and the weights. --write (only with --train X)
regenerates digest/clean_weights.py. digest.clean uses the classifier to back its rules (its
RESTORE_AT and DROP_AT cut-offs were chosen on X with benchmarks/cleaning.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _scoring import MIN_FUZZY_TOKENS, Gold, data_dir, emit, normalise, occurs_in  # noqa: E402
from _scoring import tokens as score_tokens  # noqa: E402
from cleaning import load_recall_sets, read_jsonl  # noqa: E402

from digest import clean, clean_model  # noqa: E402
from digest.sentences import split_sentences  # noqa: E402
from digest.summarise import summarize  # noqa: E402

WEIGHTS_FILE = Path(clean.__file__).with_name("clean_weights.py")
FOLDS = 5
C = 1.0  # inverse L2 strength on standardised features (not swept: a handful of features)
THRESHOLD = 0.6  # the classifier alone: CV on X (printed) picks it
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
BRIEF = 3


@dataclass
class Doc:
    doc_id: str
    group: str  # CV group: the site for pages, the id for clean articles
    kind: str  # "dump" or the clean set's name
    title: str
    body: str
    gold: Gold | None = None
    gold_lines: frozenset[str] = frozenset()
    x1: np.ndarray | None = None  # stage-1 features per paragraph
    words: list[int] | None = None
    y: np.ndarray | None = None  # 1 = article text
    free: np.ndarray | None = None  # paragraphs not already decided by a rule


def _half(doc_id: str) -> bool:
    return int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 2 == 0


def _site(folder: str, row: dict) -> str:
    if row.get("url"):
        host = urlsplit(row["url"]).hostname or row["id"]
        return host.removeprefix("www.")
    return re.sub(r"-\d+$", "", row["id"])  # rdb-ars-1, rdb-ars-2: one site


def load_docs(root: Path, page_set: str) -> tuple[list[Doc], list[Doc]]:
    """(dumps, clean articles) of one page set; clean sets are shared, the gold set is its own."""
    folder = {"X": "extract", "R": "extract_readability"}[page_set]
    index = {r["id"][:16]: r for r in read_jsonl(root / folder / "index.jsonl")}
    dumps = []
    for r in read_jsonl(root / folder / "dumps.jsonl"):
        text = (root / folder / "dumps" / f"{r['id']}.txt").read_text(encoding="utf-8")
        title, _, body = text.partition("\n")
        site = _site(folder, index.get(r["id"], r))
        lines = frozenset(normalise(x) for x in r["gold_text"].splitlines() if x.strip())
        gold = Gold.of(r["gold_text"])
        dumps.append(Doc(r["id"], site, "dump", title.strip(), body, gold, lines))
    sets = load_recall_sets(root, 1)
    cleans = []
    for key in ("cnndm", "bbc", "gum", f"gold{page_set}"):
        for doc_id, title, body in sets[key]:
            # a one-line file is its own body (digest.extract does the same)
            title, body = (title, body) if body.strip() else (" ".join(title.split()[:10]), title)
            cleans.append(Doc(f"{key}:{doc_id}", f"{key}:{doc_id}", key, title, body))
    return dumps, cleans


def featurise(doc: Doc) -> list[clean._Para]:
    paras = clean.prepare(doc.body)
    shapes = clean.shapes(paras)
    _mark_rules(paras, doc.title)
    doc.x1 = np.array(clean_model.stage1_features(shapes) or [], dtype=float)
    doc.words = [s.words for s in shapes]
    doc.free = np.array([p.reason is None for p in paras], dtype=bool)
    if doc.gold is None:
        doc.y = np.ones(len(paras))
    else:
        doc.y = np.array([_in_gold(p.text, doc.gold, doc.gold_lines) for p in paras], dtype=float)
    return paras


def _mark_rules(paras: list[clean._Para], title: str) -> None:
    """What no classifier needs to learn: empty paragraphs and the title line."""
    title_key = clean._key(title)
    for p in paras:
        if not p.words:
            p.reason = "no words"
        elif p.key == title_key:
            p.reason = "title"


def _classifier_only(body: str, title: str, models, threshold: float) -> str:
    """The classifier alone as the filter (how its weights are judged here): every paragraph
    but empty ones and the title line, kept when it scores at least `threshold`."""
    paras = clean.prepare(body)
    _mark_rules(paras, title)
    verdicts = clean_model.classify(clean.shapes(paras), *models)
    kept = [
        p.text
        for p, v in zip(paras, verdicts, strict=True)
        if p.reason is None and (v.probability >= threshold or len(paras) == 1)
    ]
    return "\n\n".join(kept)


def _in_gold(text: str, gold: Gold, lines: set[str]) -> bool:
    if len(score_tokens(text)) < MIN_FUZZY_TOKENS:
        return normalise(text) in lines
    sentences = split_sentences(text) or [text]
    found = sum(len(s) for s in sentences if occurs_in(s, gold))
    return found >= 0.5 * sum(len(s) for s in sentences)


# --- fitting ----------------------------------------------------------------------------------


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> clean_model.Model:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=C, max_iter=2000)
    lr.fit((x - mean) / scale, y, sample_weight=w)
    names = clean_model.STAGE1 if x.shape[1] == len(clean_model.STAGE1) else clean_model.STAGE2
    return clean_model.Model(
        names=tuple(names),
        weights=tuple(round(float(v), 4) for v in lr.coef_[0]),
        intercept=round(float(lr.intercept_[0]), 4),
        mean=tuple(round(float(v), 4) for v in mean),
        scale=tuple(round(float(v), 4) for v in scale),
    )


def _weights(docs: list[Doc]) -> list[np.ndarray]:
    """A paragraph weighs the square root of its words (a long paragraph of boilerplate is
    likelier to reach a brief than a menu word); dumps and clean articles weigh the same in
    total: losing article text costs as much as keeping boilerplate."""
    w = [np.sqrt(np.clip(np.array(d.words, dtype=float), 1, clean_model.WORDS_CAP)) for d in docs]
    n_dump = sum(float(wi[d.free].sum()) for wi, d in zip(w, docs, strict=True) if d.kind == "dump")
    n_clean = sum(
        float(wi[d.free].sum()) for wi, d in zip(w, docs, strict=True) if d.kind != "dump"
    )
    return [
        wi if d.kind == "dump" else wi * n_dump / max(n_clean, 1.0)
        for wi, d in zip(w, docs, strict=True)
    ]


def _stack(docs: list[Doc], rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = _weights(docs)
    keep = [d.free for d in docs if len(d.y)]
    xs = [r[k] for r, k in zip(rows, keep, strict=True)]
    ys = [d.y[d.free] for d in docs if len(d.y)]
    ws = [wi[d.free] for wi, d in zip(w, docs, strict=True) if len(d.y)]
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def fit(docs: list[Doc]) -> tuple[clean_model.Model, clean_model.Model]:
    docs = [d for d in docs if len(d.y)]
    x, y, w = _stack(docs, [d.x1 for d in docs])
    stage1 = _fit(x, y, w)
    # Stage 2 learns from stage-1 scores made out of fold, as they will be on unseen pages.
    oof = _out_of_fold_stage1(docs)
    x2 = [
        np.array(clean_model.stage2_features(d.x1.tolist(), z, d.words), dtype=float)
        for d, z in zip(docs, oof, strict=True)
    ]
    x, y, w = _stack(docs, x2)
    return stage1, _fit(x, y, w)


def _folds(docs: list[Doc], k: int = FOLDS) -> list[int]:
    """GroupKFold over sites (pages) and ids (clean articles)."""
    from sklearn.model_selection import GroupKFold

    groups = [d.group for d in docs]
    fold = [0] * len(docs)
    for i, (_, test) in enumerate(GroupKFold(n_splits=k).split(docs, groups=groups)):
        for j in test:
            fold[j] = i
    return fold


def _out_of_fold_stage1(docs: list[Doc]) -> list[list[float]]:
    fold = _folds(docs)
    out: list[list[float]] = [[] for _ in docs]
    for f in range(FOLDS):
        train = [d for d, g in zip(docs, fold, strict=True) if g != f]
        x, y, w = _stack(train, [d.x1 for d in train])
        m = _fit(x, y, w)
        for i, d in enumerate(docs):
            if fold[i] == f:
                out[i] = [m.logit(r) for r in d.x1.tolist()]
    return out


# --- end-to-end scoring -----------------------------------------------------------------------


@dataclass
class Figures:
    kept: int = 0
    total: int = 0
    empty: int = 0
    clean_docs: int = 0
    ok: int = 0
    n: int = 0
    briefed: int = 0
    pages: int = 0

    def add(self, other: Figures) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def __str__(self) -> str:
        r = self.kept / self.total if self.total else float("nan")
        p = self.ok / self.n if self.n else float("nan")
        b = self.briefed / self.pages if self.pages else float("nan")
        return f"recall {r:.4f} (emptied {self.empty}/{self.clean_docs})  P {p:.3f}  brf {b:.3f}"


def score(docs: list[Doc], models: tuple[clean_model.Model, clean_model.Model], t: float):
    """The classifier alone as the filter, with these weights: recall on clean docs, brief
    precision on dumps (as benchmarks/cleaning.py scores the text path)."""
    fig = Figures()
    for d in docs:
        out = _classifier_only(d.body, d.title, models, t)
        if d.kind == "dump":
            fig.pages += 1
            brief = summarize(out, sentences=BRIEF, title=d.title) if out.strip() else []
            fig.briefed += bool(brief)
            fig.n += len(brief)
            fig.ok += sum(occurs_in(s, d.gold) for s in brief)
        else:
            got = normalise(out)
            fig.clean_docs += 1
            fig.empty += not got.strip()
            for s in split_sentences(d.body or d.title):
                want = normalise(s)
                if want:
                    fig.total += 1
                    fig.kept += want in got
    return fig


def cross_validate(docs: list[Doc]) -> dict[float, Figures]:
    fold = _folds(docs)
    totals = {t: Figures() for t in THRESHOLDS}
    for f in range(FOLDS):
        train = [d for d, g in zip(docs, fold, strict=True) if g != f]
        test = [d for d, g in zip(docs, fold, strict=True) if g == f]
        models = fit(train)
        for t in THRESHOLDS:
            totals[t].add(score(test, models, t))
    return totals


def write(models: tuple[clean_model.Model, clean_model.Model]) -> None:
    def block(m: clean_model.Model) -> str:
        lines = ["{"]
        for field in ("names", "weights", "mean", "scale"):
            lines.append(f'    "{field}": (')
            lines += [f"        {json.dumps(v)}," for v in getattr(m, field)]
            lines.append("    ),")
        lines.append(f'    "intercept": {m.intercept!r},')
        lines.append("}")
        return "\n".join(lines)

    WEIGHTS_FILE.write_text(
        '"""Weights of digest.clean\'s paragraph classifier. Generated by\n'
        "benchmarks/train_cleaner.py --write (fitted on the extract/ dumps and clean articles;\n"
        "digest.clean's RESTORE_AT and DROP_AT say how far they are trusted). Do not edit.\n"
        '"""\n\n'
        f"STAGE1 = {block(models[0])}\n"
        f"STAGE2 = {block(models[1])}\n",
        encoding="utf-8",
    )
    emit(f"wrote {WEIGHTS_FILE}")


def main() -> int:
    root = data_dir()
    if not (root / "extract_readability" / "dumps.jsonl").exists():
        emit(f"SKIP: cleaning data not found at {root} (set DIGEST_DATA_DIR)")
        return 0
    train_set = sys.argv[sys.argv.index("--train") + 1] if "--train" in sys.argv else "X"
    test_set = {"X": "R", "R": "X"}[train_set]
    dumps, cleans = load_docs(root, train_set)
    other_dumps, other_cleans = load_docs(root, test_set)
    for d in (*dumps, *cleans, *other_dumps, *other_cleans):
        featurise(d)
    # Half of each clean set trains; the other half, and the other page set, only test.
    train = dumps + [d for d in cleans if _half(d.doc_id)]
    held_clean = [d for d in cleans if not _half(d.doc_id)]
    held_gold = [d for d in other_cleans if d.kind.startswith("gold")]
    emit(
        f"train on {train_set}: {len(dumps)} pages of {len({d.group for d in dumps})} sites, "
        f"{len(train) - len(dumps)} clean articles"
    )
    emit(f"\ncross-validation, {FOLDS} folds grouped by site (out-of-fold figures):")
    for t, fig in cross_validate(train).items():
        emit(f"  threshold {t:.2f}: {fig}")
    models = fit(train)
    threshold = (
        THRESHOLD
        if "--threshold" not in sys.argv
        else float(sys.argv[sys.argv.index("--threshold") + 1])
    )
    emit(f"\nfitted on all of the training data; threshold {threshold}:")
    emit(f"  {train_set} dumps (seen):          {score(dumps, models, threshold)}")
    emit(f"  {test_set} dumps (held out):      {score(other_dumps, models, threshold)}")
    emit(f"  clean, unseen half:        {score(held_clean, models, threshold)}")
    emit(f"  gold{test_set} (held out):        {score(held_gold, models, threshold)}")
    for m, label in zip(models, ("stage 1", "stage 2"), strict=True):
        emit(f"\n{label}: intercept {m.intercept:+.3f}")
        for name, w in sorted(zip(m.names, m.weights, strict=True), key=lambda p: -abs(p[1])):
            emit(f"  {name:<20} {w:+.3f}")
    if "--write" in sys.argv:
        if train_set != "X":
            emit("not writing: the shipped weights are fitted on X, so R stays held out")
            return 1
        write(models)
    return 0


if __name__ == "__main__":
    sys.exit(main())
