"""Start-up cost: what each command imports, checked by module, not by the clock.

`digest --help` and `digest status` should start in well under a second, so the heavy
libraries of the pipeline stay out of their imports (benchmarks/startup.py measures the time).
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Libraries only building or evaluating a digest needs.
PIPELINE = {"trafilatura", "justext", "sumy", "nltk", "numpy", "scipy", "rensa", "blingfire"}
NETWORK_AND_RENDER = {"httpx", "jinja2", "css_inline", "feedparser", "lxml"}


def imported_after(code: str) -> set[str]:
    """Top-level names in sys.modules after running `code` in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out.splitlines()[-1])}


def test_help_imports_no_pipeline_network_or_validation_library():
    # `digest --help` runs `import digest.cli` and builds the parser: nothing more.
    loaded = imported_after("import digest.cli; digest.cli.build_parser()")
    assert loaded.isdisjoint(PIPELINE | NETWORK_AND_RENDER | {"pydantic", "yaml"}), loaded


@pytest.mark.parametrize("module", ["digest.status", "digest.config"])
def test_status_and_check_config_import_no_pipeline_network_or_render_library(module):
    loaded = imported_after(f"import digest.cli, {module}")
    assert loaded.isdisjoint(PIPELINE | NETWORK_AND_RENDER), loaded & (
        PIPELINE | NETWORK_AND_RENDER
    )


def test_a_run_of_folders_imports_no_http_client(tmp_path):
    # httpx and its certificate store are for feeds and pages; a run that reads neither does
    # not wait for them.
    from helpers import SEED, add_article, write_config

    config = write_config(tmp_path)
    add_article(tmp_path / "articles", "seed.txt", SEED.read_text(encoding="utf-8"))
    loaded = imported_after(f"from digest.cli import main; main(['run', '-c', {str(config)!r}])")
    assert "rensa" in loaded  # the run did its work: it signed the article
    assert loaded.isdisjoint({"httpx", "httpcore"}), loaded & {"httpx", "httpcore"}


def test_import_digest_does_not_import_its_api_modules():
    # The cycle this guards against: digest/__init__ imported digest.config, which imports
    # __version__ from digest/__init__.
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, digest; print(sorted(m for m in sys.modules if m.startswith('digest')))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.strip() == "['digest']"


def test_public_api_is_still_importable_from_the_package():
    import digest
    from digest.config import load_config
    from digest.pipeline import run_once
    from digest.summarise import summarize

    assert (digest.load_config, digest.run_once, digest.summarize) == (
        load_config,
        run_once,
        summarize,
    )
    assert set(digest.__all__) <= set(dir(digest))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        digest.nope  # noqa: B018


def test_version_comes_from_the_installed_metadata():
    import digest

    assert digest.__version__ == version("digest")


def test_summarising_and_folding_need_neither_scipy_nor_blingfire():
    # Install size: scipy (113 MB) was here for one sparse product in digest.rank, then for
    # datasketch's LSH (50 MB more in every process), blingfire (99 MB) for sentence splitting;
    # numpy, rensa and nupunkt (1 MB) do those jobs now. A long article takes rank's sparse
    # path too, so both paths are exercised.
    code = (
        "from digest.dedupe import signature, similar_pairs\n"
        "from digest.summarise import summarize\n"
        "from tests.helpers import HARBOUR_ARTICLE\n"
        "body = HARBOUR_ARTICLE.partition('\\n\\n')[2]\n"
        "assert len(summarize(body, sentences=2)) == 2\n"
        "assert len(summarize('\\n\\n'.join([body] * 12), sentences=3)) == 3\n"
        "assert set(similar_pairs([signature(body), signature(body + ' More.')])) == {(0, 1)}\n"
    )
    assert imported_after(code).isdisjoint({"scipy", "blingfire"})


def test_the_worker_processes_import_the_article_work_and_not_the_service():
    # What the forkserver preloads (digest.workers) is shared by every worker: the state, the
    # config, mail and the web front are the main process's business, and took the forkserver
    # half a second and their memory.
    modules = imported_after("import digest.tasks, digest.worker_preload")
    assert {"trafilatura", "numpy", "rensa"} <= modules  # the warm-up ran an HTML page through
    assert modules.isdisjoint({"sqlalchemy", "pydantic", "jinja2", "starlette", "httpx", "yaml"})
