"""Install size: a fresh venv with `pip install <repo>`, total MB and the largest distributions.

    python benchmarks/install_size.py [--extras eval] [--top 15] [--keep DIR]

Creates a virtual environment in a temporary folder, installs this repo into it (not editable,
as a user would, with the given extras), and reports the size of site-packages: the total, and per
distribution the bytes of the files its RECORD lists (so a package's compiled extension and its
bundled .libs count towards it). pip and setuptools, which every venv carries, are listed
too so the total matches `du`. Needs the package index (or a pip cache); no data from ../shared.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Run inside the new venv: bytes per installed distribution, from its RECORD.
_SIZES = """
import json, os
from importlib.metadata import distributions
out = {}
for d in distributions():
    total = 0
    for f in d.files or ():
        p = f.locate()
        if os.path.isfile(p):
            total += os.path.getsize(p)
    out[d.metadata["Name"]] = total
print(json.dumps(out))
"""


def du_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--extras", default="", help="comma-separated extras, e.g. eval")
    ap.add_argument("--top", type=int, default=15, help="distributions to list (default 15)")
    ap.add_argument("--keep", type=Path, default=None, help="build the venv here and keep it")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        venv = args.keep or Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        py = venv / "bin" / "python"
        target = f"{REPO}[{args.extras}]" if args.extras else str(REPO)
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", target],
            check=True,
        )
        sizes = json.loads(
            subprocess.run(
                [str(py), "-c", _SIZES], check=True, capture_output=True, text=True
            ).stdout
        )
        site = next((venv / "lib").glob("python*/site-packages"))
        total = du_bytes(site)

    label = f"pip install .[{args.extras}]" if args.extras else "pip install ."
    print(f"{label}: site-packages {total / 1e6:.0f} MB, {len(sizes)} distributions")
    print(f"{'distribution':<28} {'MB':>7}")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"{name:<28} {size / 1e6:>7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
