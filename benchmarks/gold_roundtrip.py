"""Gate: every human gold body of the dev page set, fed back as a .txt file, comes back whole
(issue 10: "every dev gold body fed back as text comes back whole"); the held-out set's are
scored the same way and reported, not gated, since it is never read to tune.

Run: python benchmarks/gold_roundtrip.py      (exit 1 and a list of what was lost otherwise)

A gold body is article text with the page already removed, so the cleaner must keep every
sentence of it (bare URLs aside). Each document goes through digest.extract as a .txt file
would: first line the title (dumps.jsonl's), then the gold body. Data: <repo>/../shared/data
(DIGEST_DATA_DIR overrides); skips with exit code 0 when absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scoring import data_dir, emit  # noqa: E402
from cleaning import load_recall_sets, score_recall, text_ours  # noqa: E402

GATED = "goldX"  # extract/, the set the cleaner is tuned on
REPORTED = "goldR"  # extract_readability/, held out: its losses are listed, not gated


def main() -> int:
    root = data_dir()
    if not (root / "extract_readability" / "dumps.jsonl").exists():
        emit(f"SKIP: gold bodies not found at {root} (set DIGEST_DATA_DIR)")
        return 0
    sets = load_recall_sets(root, 1)
    losses = {}
    for key in (GATED, REPORTED):
        misses: list[str] = []
        recall = score_recall(sets[key], text_ours, misses)
        emit(f"{key}: {recall.kept}/{recall.total} sentences kept, {recall.empty} emptied")
        for line in misses:
            emit(f"   lost {line}")
        losses[key] = len(misses) + recall.empty
    emit(f"{REPORTED} (held out, not gated): {losses[REPORTED]} losses")
    failed = losses[GATED]
    emit(f"OK: every {GATED} body came back whole" if not failed else f"FAIL: {failed} losses")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
