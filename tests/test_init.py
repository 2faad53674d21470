"""`digest init`: a config and a sample that work as written, and never a clobbered file."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO

from digest.cli import main
from digest.init import starter


def test_init_then_check_config_then_run(tmp_path, capsys, monkeypatch):
    target = tmp_path / "news"
    assert main(["init", str(target)]) == 0
    assert (target / "config.yaml").read_bytes() == (REPO / "config.yaml").read_bytes()
    seeds = sorted(p.name for p in (target / "seeds").iterdir())
    assert seeds == sorted(p.name for p in (REPO / "seeds").glob("*.txt"))
    capsys.readouterr()

    # From inside the folder, as the README says: the default --config is ./config.yaml.
    monkeypatch.chdir(target)
    assert main(["check-config"]) == 0
    assert "config.yaml: OK" in capsys.readouterr().out
    assert main(["run"]) == 0
    assert "with 1 article from 1 source" in capsys.readouterr().err
    assert len(list((target / "digests").glob("digest-*.html"))) == 1


@pytest.mark.parametrize("existing", ["config.yaml", "seeds"])
def test_init_never_overwrites(tmp_path, capsys, existing):
    (tmp_path / "seeds").mkdir() if existing == "seeds" else None
    (tmp_path / "config.yaml").write_text("mine\n") if existing == "config.yaml" else None
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    assert main(["init", str(tmp_path)]) == 1

    assert capsys.readouterr().err == (
        f"ERROR: {tmp_path / existing} already exists; nothing written (remove it, or run"
        " `digest init` with an empty folder: digest init NEW_DIR)\n"
    )
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    if existing == "config.yaml":
        assert (tmp_path / "config.yaml").read_text() == "mine\n"


def test_the_starter_files_are_declared_as_package_data():
    """`pip install .` (not editable) carries only what pyproject.toml declares: the files
    `digest init` copies must be matched by the digest.starter package-data globs."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    assert "digest.starter" in setuptools["packages"]
    root = REPO / setuptools["package-dir"]["digest.starter"]
    declared = {p for glob in setuptools["package-data"]["digest.starter"] for p in root.glob(glob)}
    source = Path(str(starter()))
    used = {source / "config.yaml", *(source / "seeds").glob("*.txt")}
    assert {p.resolve() for p in used} <= {p.resolve() for p in declared}
    assert (root / "config.yaml").resolve() in {p.resolve() for p in declared}
