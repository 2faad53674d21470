"""Title line or paragraph? How often the folder source's rule (digest.sources.folder) is right.

    python benchmarks/title_lines.py [--show 5]

A .txt/.md file's first line is its title unless it reads as a paragraph (longer than
TITLE_MAX_CHARS, or ends with a full stop). Two kinds of first lines are scored:

- real titles, which must be kept as titles: the BBC dev titles, the titles in the web dumps'
  gold file, and the first lines of the web dump files themselves (92 sites);
- the first line of an article saved without its title, which must be detected: CNN/DM dev
  articles as they are (a paragraph), CNN/DM's first sentence alone on the first line (the
  hard case: sites that put every sentence in its own paragraph), and the BBC's first
  paragraph (a second site, not looked at when choosing the rule).

Data: <repo>/../shared/data or $DIGEST_DATA_DIR; exits 0 with a message when absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from digest.sentences import split_paragraphs, split_sentences  # noqa: E402
from digest.sources.folder import not_a_title  # noqa: E402


def data_dir() -> Path:
    return Path(os.environ.get("DIGEST_DATA_DIR") or REPO.parent / "shared" / "data")


def jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def first_line(text: str) -> str:
    return text.strip().partition("\n")[0].strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", type=int, default=5, help="wrong answers to print per set")
    args = ap.parse_args(argv)
    data = data_dir()
    summ, extract = data / "summ", data / "extract"
    if not (summ / "bbc_dev.jsonl").exists() or not (extract / "dumps.jsonl").exists():
        print(f"skipped: summ/ and extract/ data not found in {data} (set DIGEST_DATA_DIR)")
        return 0
    bbc = jsonl(summ / "bbc_dev.jsonl")
    cnndm = [
        r["article"]
        for name in ("cnndm_dev.jsonl", "cnndm_dev_more.jsonl")
        if (summ / name).exists()
        for r in jsonl(summ / name)
    ]
    dumps = sorted((extract / "dumps").glob("*.txt"))

    titles = {
        "BBC titles": [r["title"] for r in bbc],
        "dumps.jsonl titles": [r["title"] for r in jsonl(extract / "dumps.jsonl")],
        "dumps/*.txt first lines": [first_line(p.read_text(encoding="utf-8")) for p in dumps],
    }
    untitled = {
        "CNN/DM article, no title": [first_line(a) for a in cnndm],
        "CNN/DM 1st sentence alone": [split_sentences(a)[0] for a in cnndm],
        "BBC 1st paragraph (held out)": [split_paragraphs(r["article"])[0] for r in bbc],
    }

    print(f"{'set':<30} {'lines':>6} {'right':>8}   why (for detected paragraphs)")
    wrong: list[tuple[str, str]] = []
    for expect_title, sets in ((True, titles), (False, untitled)):
        for name, lines in sets.items():
            reasons = Counter()
            right = 0
            for line in lines:
                why = not_a_title(line)
                reasons["long" if why and why.startswith("has") else why] += bool(why)
                if (why is None) == expect_title:
                    right += 1
                else:
                    wrong.append((name, line))
            share = f"{100 * right / len(lines):.1f}%"
            why_text = ", ".join(f"{k} {v}" for k, v in reasons.items() if v)
            print(f"{name:<30} {len(lines):>6} {share:>8}   {why_text}")
    shown = Counter()
    for name, line in wrong:
        if shown[name] < args.show:
            shown[name] += 1
            print(f"  wrong in {name}: {line[:120]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
