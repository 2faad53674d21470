"""Driving a real `digest serve` process: start, wait for log lines, drop files, read digests.

Shared by tests/test_serve.py and benchmarks/serve_soak.py. Every wait is for an event (a log
line, a file, a process exit) with a ceiling, HANG, that only bounds a hang: a loaded machine
may be slow, and no test here asserts speed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HANG = 60.0  # seconds: long enough for a loaded 2-core machine, short enough to end a hang


class Serve:
    """One `python -m digest serve` child; its stderr goes to a log file we can poll."""

    started: list[Serve] = []  # every child, so a failed test can still stop them (kill_strays)

    def __init__(self, config: Path, *args: str, log: Path | None = None) -> None:
        self.log = log or config.with_name("serve.log")
        self.offset = self.log.stat().st_size if self.log.exists() else 0
        self.handle = self.log.open("ab")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "digest", "serve", "--config", str(config), *args],
            cwd=config.parent,
            stdout=subprocess.DEVNULL,
            stderr=self.handle,
            env=env,
        )
        Serve.started.append(self)

    def output(self) -> str:
        """What this process logged (the log file may hold earlier processes' lines too)."""
        with self.log.open("rb") as fh:
            fh.seek(self.offset)
            return fh.read().decode("utf-8", "replace")

    def wait_for(self, text: str, timeout: float = HANG) -> None:
        wait_until(lambda: text in self.output(), timeout, f"{text!r} in the log:\n{self.output()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = HANG) -> tuple[int, float]:
        """Send `sig`; return (exit code, seconds it took to exit)."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self.handle.close()
        return code, time.monotonic() - started

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=HANG)
        self.handle.close()


def kill_strays() -> None:
    """Kill every child still running (a test failed before stopping it)."""
    while Serve.started:
        serve = Serve.started.pop()
        if serve.proc.poll() is None:
            serve.kill()


def wait_until(check: Callable[[], object], timeout: float = HANG, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def drop(folder: Path, name: str, text: str) -> Path:
    """Write an article the way a user should: elsewhere (a dot-name), then rename into place.

    The folder source reads whatever is there when it runs; a half-written file would be a
    different (truncated) article with its own hash.
    """
    tmp = folder / f".{name}.part"
    tmp.write_text(text, encoding="utf-8")
    return Path(os.replace(tmp, folder / name) or folder / name)


def read_digests(out_dir: Path) -> list[dict]:
    """Every digest .json in out_dir, oldest first, each with its file name under '_name'."""
    found = []
    for path in out_dir.glob("digest-*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["_name"] = path.stem
        found.append(data)
    return sorted(found, key=lambda d: datetime.fromisoformat(d["generated_at"]))


def titles(digest: dict) -> list[str]:
    return [item["title"] for item in digest["items"]]
