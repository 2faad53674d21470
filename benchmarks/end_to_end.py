"""`digest run` end to end over a folder of N distinct stories: speed, memory, time per stage.

    python benchmarks/end_to_end.py [--sizes 1000 3000 10000] [--workers 1 0] [--stages]
                                    [--state sqlite postgresql://USER:PASSWORD@HOST/postgres]

For each N it writes N distinct article files into a temporary folder, then runs `digest run`
on them in a fresh subprocess (cold start included, as a user or cron runs it), once per
`--workers` value, and prints wall time, CPU time and peak RSS of the whole process tree (the
run and its worker processes together, see TreeSampler; memory as PSS), and articles per second.

The stories are real text from ../shared/data (override with DIGEST_DATA_DIR): BBC articles
with their titles, CNN/DailyMail articles, GUM and EWT documents, and the gold bodies of both
web page sets, about 2,100 in all. Past that, each further story is made of sentences from
twenty different real articles, so no two stories share more than a sentence or two and none
is a repeat or a near-copy of another (the digest must carry all N; the table says so).
The dev files themselves hold some stories twice (BBC's set has about 35 articles in two
copies, some with another title): a real story that is a copy or near-copy of an earlier one,
by digest's own test (digest.dedupe), is left out of the pool, so the N stay distinct. Items
the run itself skips are counted by reason under the table (a few EWT web texts have no
sentence the summariser will show).

--state runs each size on each backend: `sqlite` (a file, the default) and/or the URL of a
PostgreSQL role that may create databases (e.g. $DIGEST_TEST_POSTGRES, README "Tests"): each
run gets a new database of its own, dropped afterwards; digest gets the password as PGPASSWORD.

--stages runs the same job once more in this process (workers: 1) with each stage's entry
point wrapped in a timer (collect, extract+clean+sign, repeats, duplicates, summarise, render,
email, write), and prints the share of each: where the time goes, not a second measurement.

Skips with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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
    stories = [(t.replace("\n", " ").strip(), b) for t, b in stories if t.strip() and b.strip()]
    return distinct(stories)


def distinct(stories: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The stories less each exact or near copy of an earlier one (digest's own measure)."""
    from digest.dedupe import signature, similar_pairs

    sigs = [(i, signature(body)) for i, (_, body) in enumerate(stories)]
    signed = [(i, sig) for i, sig in sigs if sig is not None]
    copies = {signed[j][0] for _, j in similar_pairs([sig for _, sig in signed])}
    return [story for i, story in enumerate(stories) if i not in copies]


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


def write_folder(
    root: Path, stories: list[tuple[str, str]], workers: int = 0, state: str = "state/state.db"
) -> None:
    folder = root / "articles"
    folder.mkdir(parents=True)
    for n, (title, body) in enumerate(stories):
        (folder / f"{n:05d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    (root / "config.yaml").write_text(
        "title: Benchmark\n"
        "timezone: UTC\n"
        "sources: [{name: Local, type: folder, path: articles}]\n"
        "output: {dir: digests, formats: [html, txt, json]}\n"
        f"state: {state}\n" + (f"workers: {workers}\n" if workers else ""),
        encoding="utf-8",
    )


class TreeSampler:
    """CPU and memory of a process and every process it starts (the pool's workers are
    children of multiprocessing's forkserver, so no rusage of ours ever counts them).

    The child runs in its own session; every 0.1 s each process of that session is read from
    /proc: its CPU so far (the last reading of each process is kept) and the sum of their
    proportional set sizes (shared pages counted once; the peak sum is kept). A process's last
    0.1 s can be missed, which is noise next to the seconds measured here.
    """

    TICK = os.sysconf("SC_CLK_TCK")
    PAGE = os.sysconf("SC_PAGE_SIZE")

    def __init__(self, session: int) -> None:
        self.session = session
        self.cpu: dict[int, float] = {}
        self.peak_rss = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.done.wait(0.1):
            self.sample()

    def sample(self) -> None:
        rss = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            # After the command name: state, ppid, pgrp, session, ... utime (12), stime (13),
            # ..., rss (22), counted from the field after ")".
            if int(fields[3]) != self.session:
                continue
            self.cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / self.TICK
            rss += _pss(entry.name) or int(fields[21]) * self.PAGE
        self.peak_rss = max(self.peak_rss, rss)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def _pss(pid: str) -> int:
    """Proportional set size: workers forked from one server share its pages, and RSS would
    count those once per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextlib.contextmanager
def backend(spec: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(label, `state:` value, environment for digest) of one run on `spec`'s backend."""
    if spec == "sqlite":
        yield "SQLite", "state/state.db", {}
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    name = f"digest_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        spec.replace("postgresql://", "postgresql+psycopg://", 1),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as db:
        db.execute(text(f'CREATE DATABASE "{name}"'))
    parts = urlsplit(spec)
    host = parts.netloc.rsplit("@", 1)[-1]
    url = urlunsplit(parts._replace(netloc=f"{parts.username}@{host}", path=f"/{name}"))
    try:
        yield "PostgreSQL", url, {"PGPASSWORD": parts.password or ""}
    finally:
        with admin.connect() as db:
            db.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_cli(root: Path, env: dict[str, str] | None = None) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", "run", "--config", str(root / "config.yaml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        start_new_session=True,
    )
    sampler = TreeSampler(proc.pid)  # a new session's id is its leader's pid
    _, stderr = proc.communicate(timeout=3600)
    wall = time.perf_counter() - started
    sampler.stop()
    if proc.returncode not in (0, 2):
        raise SystemExit(f"digest run failed ({proc.returncode}):\n{stderr[-2000:]}")
    carried = 0
    left_out = Counter(m[1] for m in _SKIPPED.finditer(stderr))
    for path in (root / "digests").glob("digest-*.json"):
        carried += len(json.loads(path.read_text(encoding="utf-8"))["items"])
    return {
        "wall": wall,
        "cpu": sum(sampler.cpu.values()),
        "rss_mb": sampler.peak_rss / 2**20,
        "carried": carried,
        "left_out": left_out,
    }


# The run's one warning line per item it leaves out (pipeline.py), e.g.
# "WARNING: Skipped 01790.txt (Local): no sentences to summarise".
_SKIPPED = re.compile(r"Skipped \S+ \([^)]*\): (.*)$", re.MULTILINE)


STAGES = {
    # (module, attribute): stage name. Wrapped where the pipeline looks them up; the stages
    # are timed with workers: 1, so the work is done where the timers are.
    ("digest.pipeline", "collect"): "collect",
    ("digest.pipeline", "extract_all"): "extract+clean+sign",
    ("digest.pipeline", "skip_repeats"): "repeats",
    ("digest.pipeline", "merge_duplicates"): "duplicates",
    ("digest.pipeline", "summarise_all"): "summarise",
    ("digest.pipeline", "render"): "render",
    ("digest.pipeline", "render_email"): "email (fit to size)",
    ("digest.pipeline", "record_health"): "health",
    ("digest.pipeline", "merge_staged"): "staged",
    ("digest.pipeline", "write_digest"): "write files",
    ("digest.pipeline", "write_index"): "index",
}


def stage_times(root: Path) -> tuple[dict[str, tuple[float, float]], float]:
    """{stage: (wall s, CPU s)} and the run's wall time. CPU is this process's (every thread:
    sources are read in threads), the figure to compare on a shared machine."""
    import importlib

    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name][0] += time.perf_counter() - t
                spent[name][1] += time.process_time() - c

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
    return {name: (wall, cpu) for name, (wall, cpu) in spent.items()}, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 0], help="workers: values (0 = default)"
    )
    parser.add_argument("--stages", action="store_true", help="also time each stage (largest N)")
    parser.add_argument(
        "--state",
        nargs="+",
        default=["sqlite"],
        metavar="sqlite|URL",
        help="backends: sqlite, and/or a postgresql:// URL of a role that may create databases",
    )
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
    emit(
        "| N | state | workers | wall s | CPU s | articles/s (wall) | peak PSS MB | carried"
        " | load after |"
    )
    emit("|---|---|---|---|---|---|---|---|---|")
    left_out: dict[int, Counter] = {}
    for n in sorted(args.sizes):
        for workers, spec in ((w, s) for w in args.workers for s in args.state):
            with tempfile.TemporaryDirectory(prefix="digest-e2e-") as tmp, backend(spec) as b:
                label, state, env = b
                root = Path(tmp)
                write_folder(root, stories[:n], workers, state)
                r = run_cli(root, env)
            emit(
                f"| {n:,} | {label} | {workers or f'all ({os.cpu_count()})'} | {r['wall']:.1f} |"
                f" {r['cpu']:.1f} | {n / r['wall']:.0f} | {r['rss_mb']:.0f} | {r['carried']:,} |"
                f" {os.getloadavg()[0]:.1f} |"
            )
            left_out[n] = r["left_out"]
    for n, reasons in left_out.items():
        if reasons:
            why = "; ".join(f"{count} {reason}" for reason, count in reasons.most_common())
            emit(f"Left out of {n:,} by the run (as skipped, with their reason): {why}")
    for spec in args.state if args.stages else ():
        with tempfile.TemporaryDirectory(prefix="digest-e2e-") as tmp, backend(spec) as b:
            label, state, env = b
            root = Path(tmp)
            write_folder(root, stories[:largest], 1, state)
            os.environ.update(env)  # PGPASSWORD, read by this process's own run
            spent, total = stage_times(root)
        emit()
        emit(f"Stages on {label}, N = {largest:,}, in process (total {total:.1f} s wall):")
        emit()
        emit("| stage | wall s | CPU s | share of wall |")
        emit("|---|---|---|---|")
        for name, (wall, cpu) in sorted(spent.items(), key=lambda kv: -kv[1][0]):
            emit(f"| {name} | {wall:.2f} | {cpu:.2f} | {wall / total:.0%} |")
        # The wrapped stages do not call one another, so the rest is state, logging and glue.
        rest = total - sum(wall for wall, _ in spent.values())
        emit(f"| other (state, glue) | {rest:.2f} | | |")


if __name__ == "__main__":
    main()
