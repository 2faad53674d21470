"""Command line: `digest run | serve | status | summarize FILE | check-config | eval | send-test`.

User errors (DigestError) print one line and exit 1; anything else is a bug and keeps its
traceback. Output that is the command's answer goes to stdout; logs go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from digest import __version__
from digest.errors import DigestError

logger = logging.getLogger("digest")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        return args.func(args) or 0
    except DigestError as exc:
        if args.debug:
            raise
        logger.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        "-c",
        type=Path,
        default=Path("config.yaml"),
        help="path to config.yaml (default: ./config.yaml)",
    )
    common.add_argument("--verbose", "-v", action="store_true", help="log debug detail")
    common.add_argument("--debug", action="store_true", help="show tracebacks for errors")

    parser = argparse.ArgumentParser(prog="digest", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="build and write one digest now")
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", parents=[common], help="run on schedule.digest until stopped")
    serve.add_argument(
        "--grace",
        type=float,
        default=5.0,
        help="seconds a stop waits for the current run before abandoning it (default: 5)",
    )
    serve.set_defaults(func=cmd_serve)

    status = sub.add_parser("status", parents=[common], help="next runs, last digest, sources")
    status.set_defaults(func=cmd_status)

    check = sub.add_parser("check-config", parents=[common], help="validate config.yaml")
    check.set_defaults(func=cmd_check_config)

    summ = sub.add_parser("summarize", parents=[common], help="print the brief of one file")
    summ.add_argument("file", type=Path, help="a .txt, .md or .html article")
    summ.add_argument("--sentences", "-n", type=int, default=None, help="sentences in the brief")
    summ.add_argument("--method", "-m", default=None, help="summary method (default: config's)")
    summ.add_argument(
        "--explain", action="store_true", help="list each paragraph, kept or dropped and why"
    )
    summ.set_defaults(func=cmd_summarize)

    send = sub.add_parser(
        "send-test", parents=[common], help="email the latest digest to one address"
    )
    send.add_argument(
        "--to", required=True, metavar="ADDRESS", help="where to send it (not recorded)"
    )
    send.set_defaults(func=cmd_send_test)

    ev = sub.add_parser("eval", parents=[common], help="score summary methods on a jsonl file")
    ev.add_argument("data", type=Path, help="jsonl with 'article' and 'reference' fields")
    ev.add_argument("--methods", nargs="+", default=None, help="methods to compare (default: all)")
    ev.add_argument("--sentences", "-k", type=int, default=3, help="sentences per summary")
    ev.add_argument("--limit", type=int, default=None, help="score only the first N rows")
    ev.set_defaults(func=cmd_eval)
    return parser


class _Formatter(logging.Formatter):
    """INFO lines read as plain sentences; anything else says its level."""

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        return message if record.levelno == logging.INFO else f"{record.levelname}: {message}"


def setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter("%(message)s"))
    root = logging.getLogger("digest")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False


def _load(args: argparse.Namespace):
    from digest.config import load_config

    return load_config(args.config)


def cmd_run(args: argparse.Namespace) -> int:
    from digest.pipeline import run_once

    run_once(_load(args))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from digest.serve import serve

    # APScheduler logs a job's unexpected exception with its traceback (a bug); show those,
    # in our format, but not its per-run INFO chatter.
    aps = logging.getLogger("apscheduler")
    aps.handlers[:] = logging.getLogger("digest").handlers
    aps.setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    aps.propagate = False
    return serve(_load(args), grace=args.grace)


def cmd_status(args: argparse.Namespace) -> int:
    from datetime import datetime

    from digest.status import status_lines

    config = _load(args)
    sys.stdout.write("\n".join(status_lines(config, now=datetime.now(config.tz))) + "\n")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    from datetime import datetime

    from digest.triggers import cron_trigger

    config = _load(args)
    now = datetime.now(config.tz)
    next_run = cron_trigger(config.schedule.digest, config.tz).get_next_fire_time(None, now)
    lines = [
        f"{args.config}: OK",
        f"  title     {config.title}",
        f"  schedule  {config.schedule.digest} ({config.timezone});"
        f" next: {next_run:%a %d %b %Y %H:%M %Z}",
    ]
    for source in config.sources:
        where = getattr(source, "path", None) or getattr(source, "url", None)
        where = where or ", ".join(source.urls)
        lines.append(f"  source    {source.name} ({source.type}): {where}")
    lines += [
        f"  summary   {config.summary.method}, {config.summary.sentences} sentences",
        f"  output    {config.output.dir} ({', '.join(config.output.formats)})",
        f"  state     {config.state}",
        "  email     "
        + (
            f"to {len(config.email.recipients)} recipients"
            f" via {config.email.smtp.host}:{config.email.smtp.port}"
            if config.email.enabled
            else "off"
        ),
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_send_test(args: argparse.Namespace) -> int:
    from digest.deliver import send_test
    from digest.state import State

    config = _load(args)
    with State(config.state) as state:
        name = send_test(config, state, args.to)
    logger.info("Sent %s to %s", name, args.to)
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    from digest.config import Summary
    from digest.extract import extract
    from digest.models import Skipped
    from digest.sources.folder import read_file
    from digest.summarise import summarize

    summary = _load(args).summary if args.config.exists() else Summary()
    if not args.file.is_file():
        raise DigestError(f"{args.file}: no such file")
    item = read_file(args.file, source="file", max_bytes=50_000_000)
    if isinstance(item, Skipped):
        raise DigestError(f"{args.file}: {item.reason}")
    if args.explain:
        from digest.extract import explain

        sys.stdout.write(explain(item) + "\n")
        return 0
    article = extract(item)
    sentences = summarize(
        article.text,
        sentences=args.sentences or summary.sentences,
        method=args.method or summary.method,
        title=article.title,
    )
    sys.stdout.write(article.title + "\n\n" + "\n".join(sentences) + "\n")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from digest.evaluate import evaluate_jsonl, format_table

    if not args.data.is_file():
        raise DigestError(f"{args.data}: no such file")
    rows = evaluate_jsonl(args.data, args.methods, args.sentences, limit=args.limit)
    sys.stdout.write(format_table(rows) + "\n")
    return 0
