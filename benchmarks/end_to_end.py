"""`digest run` end to end over a folder of N distinct stories: speed, memory, time per stage.

    python benchmarks/end_to_end.py [--sizes 1000 3000 10000] [--stages]

For each N it writes N distinct article files into a temporary folder, then runs `digest run`
on them in a fresh subprocess (cold start included, as a user or cron runs it) and prints wall
time, CPU time (user + system of the child), articles per second, and peak RSS.

The stories are real text from ../shared/data (override with DIGEST_DATA_DIR): BBC articles
with their titles, CNN/DailyMail articles, GUM and EWT documents, and the gold bodies of both
web page sets, about 2,600 in all. Past that, each further story is made of sentences from
twenty different real articles, so no two stories share more than a sentence or two and none
is a repeat or a near-copy of another (the digest must carry all N; the table says so).

--stages runs the same job once more in this process with each stage's entry point wrapped in
a timer (collect, extract, summarise, signatures, repeats, duplicates, render, email, store,
write), and prints the share of each: that is where the time goes, not a second measurement.

Skips with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("DIGEST_DATA_DIR", REPO.parent / "shared" / "data"))


def emit(line: str = "") -> None:
    print(line, flush=True)


def real_stories() -> list[tuple[str, str]]:
    """(title, body with paragraphs split by blank lines) for every distinct real text."""
    stories: list[tuple[str, str]] = []

    def rows(rel: str):
        path = DATA / rel
        if path.is_file():
            with path.open(encoding="utf-8") as fh:
                yield from (json.loads(line) for line in fh if line.strip())

    for row in rows("summ/bbc_dev.jsonl"):
        stories.append((row["title"], row["article"]))
    for rel in ("summ/cnndm_dev.jsonl", "summ/cnndm_dev_more.jsonl"):
        for row in rows(rel):
            text = row["article"].strip()
            stories.append((" ".join(text.split()[:12]), text))
    for row in rows("sbd/gum_nonnews.jsonl"):
        first, _, rest = row["text_paragraphs"].strip().partition("\n\n")
        stories.append((first[:120], rest or first))
    for row in rows("sbd/ewt_devtest.jsonl"):
        text = row["text"].strip()
        if len(text.split()) >= 60:
            stories.append((" ".join(text.split()[:10]), text))
    for rel in ("extract/dumps.jsonl", "extract_readability/dumps.jsonl"):
        for row in rows(rel):
            stories.append((row["title"], row["gold_text"]))
    return [(t.replace("\n", " ").strip(), b) for t, b in stories if t.strip() and b.strip()]


def mixed_stories(base: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    """`count` stories of 20 sentences, each sentence from a different real article."""
    from digest.sentences import split_sentences

    pools = [s for s in (split_sentences(body) for _, body in base) if len(s) >= 20]
    out = []
    for i in range(count):
        # Article j's sentence k goes to story i only once: a stride coprime with the pool size
        # spreads the 20 sentences of a story over 20 different articles and positions.
        picks = [pools[(i * 20 + k * 7919) % len(pools)] for k in range(20)]
        sentences = [p[(i + k) % len(p)] for k, p in enumerate(picks)]
        paragraphs = ["\n".join(sentences[j : j + 4]) for j in range(0, 20, 4)]
        out.append((f"Mixed story {i + 1}: {sentences[0][:60]}", "\n\n".join(paragraphs)))
    return out


def write_folder(root: Path, stories: list[tuple[str, str]]) -> None:
    folder = root / "articles"
    folder.mkdir(parents=True)
    for n, (title, body) in enumerate(stories):
        (folder / f"{n:05d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    (root / "config.yaml").write_text(
        "title: Benchmark\n"
        "timezone: UTC\n"
        "sources: [{name: Local, type: folder, path: articles}]\n"
        "output: {dir: digests, formats: [html, txt, json]}\n"
        "state: state/state.db\n",
        encoding="utf-8",
    )


def run_cli(root: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "digest", "run", "--config", str(root / "config.yaml")],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=3600,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"digest run failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    carried = 0
    for path in (root / "digests").glob("digest-*.json"):
        carried += len(json.loads(path.read_text(encoding="utf-8"))["items"])
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        # ru_maxrss of children is the largest child so far (kB on Linux): each N is run in
        # increasing order, so the figure is this run's unless a smaller run peaked higher.
        "rss_mb": after.ru_maxrss / 1024,
        "carried": carried,
    }


STAGES = {
    # (module, attribute): stage name. Wrapped where the pipeline looks them up.
    ("digest.pipeline", "collect"): "collect",
    ("digest.pipeline", "extract"): "extract+clean",
    ("digest.pipeline", "summarize"): "summarise",
    ("digest.pipeline", "signatures"): "signatures",
    ("digest.pipeline", "skip_repeats"): "repeats",
    ("digest.pipeline", "merge_duplicates"): "duplicates",
    ("digest.pipeline", "render"): "render",
    ("digest.pipeline", "render_email"): "email (fit to size)",
    ("digest.pipeline", "record_health"): "health",
    ("digest.pipeline", "merge_staged"): "staged",
    ("digest.pipeline", "write_digest"): "write files",
    ("digest.pipeline", "write_index"): "index",
}


def stage_times(root: Path) -> tuple[dict[str, float], float]:
    import importlib

    spent: dict[str, float] = defaultdict(float)

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t

        return wrapper

    sys.path.insert(0, str(REPO))
    for (module, attr), name in STAGES.items():
        mod = importlib.import_module(module)
        if hasattr(mod, attr):
            setattr(mod, attr, timed(name, getattr(mod, attr)))
    from digest.config import load_config
    from digest.pipeline import run_once

    started = time.perf_counter()
    run_once(load_config(root / "config.yaml"))
    return dict(spent), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--stages", action="store_true", help="also time each stage (largest N)")
    args = parser.parse_args()
    if not (DATA / "summ" / "bbc_dev.jsonl").is_file():
        emit(f"skipped: evaluation data not found in {DATA} (set DIGEST_DATA_DIR)")
        return
    sys.path.insert(0, str(REPO))
    base = real_stories()
    largest = max(args.sizes)
    stories = base[:largest] + mixed_stories(base, max(0, largest - len(base)))
    emit(f"{len(base)} real stories; past that, stories mixed from 20 real articles' sentences")
    emit(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    emit()
    emit("| N | state | wall s | CPU s | articles/s (wall) | peak RSS MB | carried |")
    emit("|---|---|---|---|---|---|---|")
    for n in sorted(args.sizes):
        with tempfile.TemporaryDirectory(prefix="digest-e2e-") as tmp:
            root = Path(tmp)
            write_folder(root, stories[:n])
            r = run_cli(root)
            emit(
                f"| {n:,} | SQLite | {r['wall']:.1f} | {r['cpu']:.1f} | {n / r['wall']:.0f} |"
                f" {r['rss_mb']:.0f} | {r['carried']:,} |"
            )
    if args.stages:
        with tempfile.TemporaryDirectory(prefix="digest-e2e-") as tmp:
            root = Path(tmp)
            write_folder(root, stories[:largest])
            spent, total = stage_times(root)
        emit()
        emit(f"Stages, N = {largest:,}, in process (total {total:.1f} s wall):")
        emit()
        emit("| stage | s | share |")
        emit("|---|---|---|")
        for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
            emit(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
        # The wrapped stages do not call one another, so the rest is state, logging and glue.
        emit(f"| other (state, glue) | {total - sum(spent.values()):.2f} | |")


if __name__ == "__main__":
    main()
