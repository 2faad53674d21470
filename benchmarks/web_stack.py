"""What the web front costs `digest serve`: import time and memory of each candidate stack.

    python benchmarks/web_stack.py [--runs 15] [--requests 300]

For each stack that is installed (uvicorn + Starlette, hypercorn + Starlette, and the pieces the
web front adds: itsdangerous, python-multipart, feedgen, limits), a fresh Python imports it
RUNS times: median wall ms of the import alone and the resident memory it adds (max RSS of the
child minus that of a bare interpreter). Then each server serves a one-route Starlette app on
loopback and answers REQUESTS sequential GETs over one keep-alive connection: median ms per
request. Needs no data from ../shared. A stack that is not installed is listed as such.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import socket
import statistics
import subprocess
import sys
import time

STACKS = {
    "bare interpreter": [],
    "uvicorn + starlette": ["uvicorn", "starlette.applications", "starlette.routing"],
    "hypercorn + starlette": [
        "hypercorn.asyncio",
        "hypercorn.config",
        "starlette.applications",
        "starlette.routing",
    ],
    "itsdangerous": ["itsdangerous"],
    "python-multipart": ["python_multipart"],
    "feedgen": ["feedgen.feed"],
    "limits (memory)": ["limits", "limits.storage", "limits.strategies"],
    "the whole web front": ["digest.web.app"],
}

PROBE = """
import resource, sys, time
t0 = time.perf_counter()
for name in sys.argv[1:]:
    __import__(name)
ms = (time.perf_counter() - t0) * 1000
print(ms, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

SERVE = """
import sys
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])
kind, port = sys.argv[1], int(sys.argv[2])
if kind == "uvicorn":
    import uvicorn
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
else:
    import asyncio
    from hypercorn.asyncio import serve
    from hypercorn.config import Config
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    asyncio.run(serve(app, config))
"""


def installed(modules: list[str]) -> bool:
    try:
        return all(importlib.util.find_spec(m) for m in modules)
    except ModuleNotFoundError:
        return False


def probe(modules: list[str]) -> tuple[float, int]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *modules], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), int(out[1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request_ms(kind: str, requests: int) -> float | None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVE, kind, str(port)])
    try:
        deadline = time.monotonic() + 30
        while True:  # bounded: a server that never listens ends the row
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    return None
                time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        times = []
        for _ in range(requests):
            t0 = time.perf_counter()
            conn.request("GET", "/")
            conn.getresponse().read()
            times.append((time.perf_counter() - t0) * 1000)
        conn.close()
        return statistics.median(times)
    finally:
        proc.terminate()
        proc.wait(10)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args(argv)
    base_kb = None
    print(f"{'stack':<24} {'import ms':>10} {'+RSS MB':>8} {'ms/request':>11}")
    for label, modules in STACKS.items():
        if not installed(modules):
            print(f"{label:<24} {'not installed':>10}")
            continue
        probe(modules)  # warm the file cache
        results = [probe(modules) for _ in range(args.runs)]
        ms = statistics.median(r[0] for r in results)
        kb = statistics.median(r[1] for r in results)
        base_kb = kb if base_kb is None else base_kb
        served = ""
        if label.endswith("+ starlette"):
            per = request_ms(label.split()[0], args.requests)
            served = "failed" if per is None else f"{per:.2f}"
        print(f"{label:<24} {ms:>10.1f} {(kb - base_kb) / 1024:>8.1f} {served:>11}")
    print(json.dumps({"python": sys.version.split()[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
