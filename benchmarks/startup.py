"""Start-up time of the `digest` command: median wall ms per command over N runs.

    python benchmarks/startup.py [--runs 20]

Each command runs as a fresh process (the installed `digest` script next to this Python), like a
user or cron would start it, against a throwaway config.yaml in a temporary folder (a folder
source over the repo's seeds/, state in the temporary folder). One unmeasured warm-up run per
command first, so the OS file cache is warm for every measured run. Median and min are reported
because on a shared machine the spread is mostly other processes; min is the machine's floor,
and CPU time (user + system of the child) is what the command itself costs, whatever the load.
Where the import time goes: `python -X importtime -c "import digest.cli" 2>&1 | sort -t'|' -k2 -n`.
Needs no data from ../shared.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = (["--help"], ["status"], ["check-config"])


def digest_command() -> list[str]:
    script = Path(sys.executable).with_name("digest")
    # The console script is what users run; `python -m digest` is the fallback when not installed.
    return [str(script)] if script.exists() else [sys.executable, "-m", "digest"]


def run_ms(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one run; CPU is user + system time of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = (time.perf_counter() - t0) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def row(label: str, argv: list[str], cwd: Path, runs: int) -> None:
    run_ms(argv, cwd)  # warm-up
    walls, cpus = zip(*(run_ms(argv, cwd) for _ in range(runs)), strict=True)
    print(
        f"{label:<22} {statistics.median(walls):>10.0f} {min(walls):>8.0f}"
        f" {statistics.median(cpus):>12.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20, help="measured runs per command (default 20)")
    args = ap.parse_args(argv)

    base = digest_command()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "config.yaml").write_text(
            "sources:\n"
            f"  - {{name: Seeds, type: folder, path: {REPO / 'seeds'}}}\n"
            "state: state.db\n"
            "output: {dir: out}\n",
            encoding="utf-8",
        )
        print(
            f"{'command':<22} {'median ms':>10} {'min ms':>8} {'median CPU ms':>12}"
            f"   ({args.runs} runs each)"
        )
        for extra in COMMANDS:
            row("digest " + " ".join(extra), base + extra, cwd, args.runs)
        # The floor every command pays: an interpreter that imports nothing of ours.
        row("(python -c pass)", [sys.executable, "-c", "pass"], cwd, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
