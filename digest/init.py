"""`digest init [DIR]`: a commented config.yaml and a seeds/ folder with a sample article.

The files are the repo's own config.yaml and seeds/, so what a new user starts from is what the
README documents and the tests check. pyproject.toml installs them as package data under
digest/starter/; in a source checkout (an editable install) they are read from the repo root.

Nothing is ever overwritten: every target is checked before the first file is written, and
each file is created with O_EXCL, so a file that appears meanwhile is not clobbered either.
"""

from __future__ import annotations

import logging
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from digest.errors import DigestError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

logger = logging.getLogger(__name__)

CONFIG = "config.yaml"
SEEDS = "seeds"


def starter() -> Traversable:
    """Where the starter config.yaml and seeds/ are: installed package data, else the checkout."""
    installed = files("digest") / "starter"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent


def init(target: Path) -> list[Path]:
    """Write target/config.yaml and target/seeds/*; return the files written."""
    source = starter()
    seeds = sorted(
        (f for f in (source / SEEDS).iterdir() if f.name.endswith(".txt")), key=lambda f: f.name
    )
    if not (source / CONFIG).is_file() or not seeds:
        raise DigestError(
            f"the starter files are missing from this installation ({source})",
            hint="reinstall digest with `pip install .`",
        )
    for existing in (target / CONFIG, target / SEEDS):
        if existing.exists():
            raise DigestError(
                f"{existing} already exists; nothing written",
                hint="remove it, or run `digest init` with an empty folder: digest init NEW_DIR",
            )
    if target.exists() and not target.is_dir():
        raise DigestError(f"{target} is not a folder; nothing written")
    written = []
    try:
        (target / SEEDS).mkdir(parents=True)
        written.append(_create(target / CONFIG, (source / CONFIG).read_bytes()))
        for seed in seeds:
            written.append(_create(target / SEEDS / seed.name, seed.read_bytes()))
    except OSError as exc:
        raise DigestError(f"cannot write to {target}: {exc.strerror or exc}") from None
    return written


def _create(path: Path, data: bytes) -> Path:
    with path.open("xb") as fh:  # "x": fail rather than overwrite
        fh.write(data)
    logger.debug("Wrote %s", path)
    return path
