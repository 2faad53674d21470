"""digest commands: run, serve, worker, status, send-test, check-config, migrate, init, add, import,
export, eval.

User errors (DigestError) print one line and exit 1; anything else is a bug and keeps its
traceback. Output that is the command's answer goes to stdout; logs go to stderr.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from digest.errors import DigestError
from digest.models import EXIT_USER_ERROR

if TYPE_CHECKING:
    from digest.config import Fetch
    from digest.models import SourceItem

logger = logging.getLogger("digest")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    stamped = args.command in ("serve", "web", "worker") and not _stderr_is_journal()
    setup_logging(args.verbose, timestamps=stamped)
    try:
        return args.func(args) or 0
    except DigestError as exc:
        if args.debug:
            raise
        logger.error("%s", exc)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130


def entry() -> int:
    """The `digest` command and `python -m digest`: `main`, then an exit without a last sweep.

    The interpreter's last garbage collection walks every object the command built, only to
    free what the exit frees anyway: 0.3 s after a run of 3,000 stories. Objects frozen here
    are left out of it. Nothing waits on it: state connections, files and log handlers are
    closed by the command or at exit, before that collection. Tests call `main`.
    """
    code = main()
    gc.freeze()
    return code


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """--config, --verbose, --debug: on the main parser, and again on every command."""

    def default(value: object) -> object:
        # A command's copy must not overwrite, with its default, what was given before it.
        return argparse.SUPPRESS if suppress else value

    parser.add_argument(
        "--config",
        "-c",
        type=Path,
        default=default(Path("config.yaml")),
        help="path to config.yaml (default: ./config.yaml)",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", default=default(False), help="log debug detail"
    )
    parser.add_argument(
        "--debug", action="store_true", default=default(False), help="show tracebacks for errors"
    )


class _Version(argparse.Action):
    """`--version`, reading the package metadata only when asked (it costs every start 28 ms)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kwargs) -> None:
        kwargs.setdefault("help", "show the version and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from digest import __version__

        parser.exit(message=f"digest {__version__}\n")


def build_parser() -> argparse.ArgumentParser:
    """The global options work before or after the command: `digest -c X status` and
    `digest status -c X` are the same. Add a command with `command(name, func, help)`."""
    parser = argparse.ArgumentParser(
        prog="digest",
        description=__doc__.splitlines()[0],
        epilog="exit codes: 0 done, 1 user error, 2 partial (a source failed or email is"
        " pending/failed), 3 every source failed",
    )
    parser.add_argument("--version", action=_Version)
    _global_options(parser)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func: Callable[[argparse.Namespace], int], help: str):
        cmd = sub.add_parser(name, parents=[common], help=help, description=help)
        cmd.set_defaults(func=func)
        return cmd

    # --new-state: a state that holds nothing beside written digests is refused (it was lost,
    # so every article would go out again) unless the user says it is meant.
    new_state_help = (
        "accept a missing or empty state file as a new start, though output.dir holds"
        " digests (every article is then digested and emailed again)"
    )
    run = command("run", cmd_run, "build and write one digest now")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be written and sent; write, store and send nothing",
    )
    run.add_argument("--new-state", action="store_true", help=new_state_help)

    serve = command("serve", cmd_serve, "run on schedule.digest until stopped")
    serve.add_argument("--new-state", action="store_true", help=new_state_help)
    serve.add_argument(
        "--grace",
        type=float,
        default=5.0,
        help="seconds a stop waits for the current run before abandoning it (default: 5)",
    )

    command("worker", cmd_worker, "run queued jobs for a queue-mode `serve` (PostgreSQL state)")
    command("status", cmd_status, "next runs, last digest, sources")
    command("check-config", cmd_check_config, "validate config.yaml")

    command("init", cmd_init, "write a commented config.yaml and a seeds/ folder").add_argument(
        "dir", type=Path, nargs="?", default=Path("."), help="where (default: this folder)"
    )
    add = command("add", cmd_add, "add a feed, or a site's feed, to sources")
    add.add_argument("url", help="a feed's URL, or a page that links to its feed")
    add.add_argument("--name", default=None, help="the source's name (default: the feed's title)")
    command("import", cmd_import, "add the feeds of an OPML file").add_argument(
        "opml", type=Path, help="an OPML file exported by a feed reader"
    )
    command("export", cmd_export, "print the feed sources as OPML 2.0")

    summ = command("summarize", cmd_summarize, "print the brief of one article file or URL")
    summ.add_argument(
        "file",
        metavar="FILE|URL",
        help="an article: a .txt, .text, .md, .markdown, .html or .htm file,"
        " or the http(s) URL of an article page",
    )
    summ.add_argument("--sentences", "-n", type=int, default=None, help="sentences in the brief")
    summ.add_argument("--method", "-m", default=None, help="summary method (default: config's)")
    summ.add_argument(
        "--explain", action="store_true", help="list each paragraph, kept or dropped and why"
    )

    send = command("send-test", cmd_send_test, "email the latest digest to one address")
    send.add_argument(
        "--to", required=True, metavar="ADDRESS", help="where to send it (not recorded)"
    )

    command("web", cmd_web, "run only the web front (web: in config.yaml) until stopped")
    subs = command("subscribers", cmd_subscribers, "list, add, remove or export subscribers")
    subs.add_argument("action", choices=["list", "add", "remove", "export"])
    subs.add_argument("email", nargs="?", help="the address (add, remove)")
    subs.add_argument("--name", help="the reader's name (add)")
    subs.add_argument(
        "--topic",
        action="append",
        default=[],
        help="a section (or source) to receive; repeat for more (add; default: everything)",
    )
    subs.add_argument(
        "--forget", action="store_true", help="remove: delete the address and its history"
    )

    mig = command(
        "migrate", cmd_migrate, "copy the state into an empty PostgreSQL database, checked"
    )
    mig.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="postgresql://user@host/database (password: PGPASSWORD or ~/.pgpass)",
    )

    ev = command("eval", cmd_eval, "score summary methods on a jsonl file")
    ev.add_argument("data", type=Path, help="jsonl with 'article' and 'reference' fields")
    ev.add_argument(
        "--methods",
        nargs="+",
        default=["all"],
        metavar="METHOD",
        help="methods to compare, or 'all' (default: all)",
    )
    ev.add_argument("--sentences", "-k", type=int, default=3, help="sentences per summary")
    ev.add_argument("--limit", type=int, default=None, help="score only the first N rows")
    return parser


class _Formatter(logging.Formatter):
    """INFO lines read as plain sentences; anything else says its level."""

    def __init__(self, *, timestamps: bool) -> None:
        prefix = "%(asctime)s " if timestamps else ""
        datefmt = "%Y-%m-%d %H:%M:%S%z"
        super().__init__(prefix + "%(message)s", datefmt)
        self._other = logging.Formatter(prefix + "%(levelname)s: %(message)s", datefmt)

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno == logging.INFO:
            return super().format(record)
        return self._other.format(record)


def setup_logging(verbose: bool, *, timestamps: bool = False) -> None:
    """`timestamps` are for `serve`, whose log is a timeline read later; a one-shot command
    is read as it runs, or arrives stamped already (a cron mail, the journal)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(timestamps=timestamps))
    root = logging.getLogger("digest")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False


def _stderr_is_journal() -> bool:
    """systemd sets JOURNAL_STREAM to "device:inode" of a service's stderr when it goes to the
    journal (systemd.exec(5)), which stamps every line itself: no second timestamp then."""
    try:
        st = os.fstat(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return os.environ.get("JOURNAL_STREAM") == f"{st.st_dev}:{st.st_ino}"


def _load(args: argparse.Namespace):
    from digest.config import load_config

    return load_config(args.config)


def cmd_run(args: argparse.Namespace) -> int:
    if args.dry_run:
        from digest.dryrun import describe, dry_run

        sys.stdout.write(describe(dry_run(_load(args))) + "\n")
        return 0
    from digest.malloc import give_back_freed_memory
    from digest.pipeline import run_once
    from digest.state import prepare_state

    give_back_freed_memory()
    config = _load(args)
    prepare_state(config.state, config.output.dir, new_state=args.new_state)
    # 0 done, 2 partial, 3 nothing read (README, "Exit codes"); `serve` never exits for these.
    return run_once(config).exit_code


def cmd_init(args: argparse.Namespace) -> int:
    from digest.init import init

    written = init(args.dir)
    logger.info("Wrote %s", ", ".join(map(str, written)))
    config = args.dir / "config.yaml"
    logger.info("Next: edit %s, then `digest run --config %s`", config, config)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from digest.addfeed import add_feed

    entry = add_feed(args.config, args.url, name=args.name)
    logger.info("Added %r (feed) to %s: %s", entry["name"], args.config, entry["url"])
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from digest.opml import import_feeds

    report = import_feeds(args.config, args.opml)
    for line in report.invalid:
        logger.warning("Not imported: %s", line)
    logger.info(
        "Imported %d %s from %s into %s; %d already there, %d not valid",
        len(report.added),
        "feed" if len(report.added) == 1 else "feeds",
        args.opml,
        args.config,
        report.present,
        len(report.invalid),
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from datetime import datetime

    from digest.opml import export_opml, load_for_export

    config, others = load_for_export(args.config)
    if others:
        logger.info(
            "Left out %d %s (OPML lists feeds)",
            others,
            "source that is not a feed" if others == 1 else "sources that are not feeds",
        )
    sys.stdout.write(export_opml(config, now=datetime.now(config.tz)) + "\n")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from digest.malloc import give_back_freed_memory
    from digest.serve import serve
    from digest.state import prepare_state

    give_back_freed_memory()

    # APScheduler logs a job's unexpected exception with its traceback (a bug); show those,
    # in our format, but not its per-run INFO chatter.
    aps = logging.getLogger("apscheduler")
    aps.handlers[:] = logging.getLogger("digest").handlers
    aps.setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    aps.propagate = False
    config = _load(args)
    prepare_state(config.state, config.output.dir, new_state=args.new_state)
    return serve(config, grace=args.grace)


def cmd_worker(args: argparse.Namespace) -> int:
    from digest.queue.worker import run_worker

    return run_worker(_load(args), verbose=args.verbose)


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
    if config.web:
        lines.append(
            f"  web       {config.web.base_url} (listening on {config.web.listen};"
            f" key in ${config.web.secret_env}{'' if config.web.secret() else ', NOT SET'})"
        )
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


def cmd_migrate(args: argparse.Namespace) -> int:
    from digest.store.copy import migrate
    from digest.store.location import check_url, describe

    config = _load(args)
    try:
        target = check_url(args.to)
    except ValueError as exc:
        raise DigestError(f"--to: {exc}") from None
    counts = migrate(config.state, target)
    logger.info(
        "Copied %d rows in %d tables from %s to %s; every table's row count matches."
        " Next: set `state: %s` in %s",
        sum(counts.values()),
        len(counts),
        describe(config.state),
        describe(target),
        describe(target),
        args.config,
    )
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    from digest.config import Fetch, Summary
    from digest.extract import extract
    from digest.summarise import summarize

    config = _load(args) if args.config.exists() else None
    summary = config.summary if config else Summary()
    if _is_url(args.file):
        item = _fetch_article(args.file, config.fetch if config else Fetch())
    else:
        item = _read_article(Path(args.file))
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
        aside=article.aside,
    )
    sys.stdout.write(article.title + "\n\n" + "\n".join(sentences) + "\n")
    return 0


def _is_url(value: str) -> bool:
    return "://" in value


def _read_article(path: Path) -> SourceItem:
    from digest.models import Skipped
    from digest.sources.folder import CONTENT_TYPES, read_file

    if not path.is_file():
        raise DigestError(f"{path}: no such file")
    if path.suffix.lower() not in CONTENT_TYPES:
        kind = f"{path.suffix} files" if path.suffix else "files without an extension"
        raise DigestError(
            f"{path}: cannot summarize {kind}",
            hint=f"give a {', '.join(CONTENT_TYPES)} file or an http(s) URL of an article page;"
            " a feed goes in config.yaml as a `feed` source",
        )
    item = read_file(path, source="file", max_bytes=50_000_000)
    if isinstance(item, Skipped):
        raise DigestError(f"{path}: {item.reason}")
    return item


def _fetch_article(url: str, fetch: Fetch) -> SourceItem:
    """GET an article page as a `page` source does (fetch.* limits, HTML only, not an index
    page). The URL is the user's own, so its host may be private, like a configured one."""
    from digest.fetch import Fetcher, check_scheme
    from digest.sources.page import fetch_article, normalize_link

    check_scheme(url)
    with Fetcher(fetch) as fetcher:
        return fetch_article(url, fetch=fetcher, source="command line", uid=normalize_link(url))


def cmd_eval(args: argparse.Namespace) -> int:
    from digest.evaluate import evaluate_jsonl, format_table
    from digest.summarise import METHODS

    methods = list(METHODS) if "all" in args.methods else list(dict.fromkeys(args.methods))
    for method in methods:
        if method not in METHODS:
            raise DigestError(
                f"unknown summary method {method!r}",
                hint=f"choose from {', '.join(METHODS)}, or all",
            )
    if args.sentences < 1:
        raise DigestError(f"--sentences {args.sentences}: give 1 or more")
    if not args.data.is_file():
        raise DigestError(f"{args.data}: no such file")
    rows = evaluate_jsonl(args.data, methods, args.sentences, limit=args.limit)
    sys.stdout.write(format_table(rows) + "\n")
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from digest.web.server import open_web

    config = _load(args)
    if config.web is None:
        raise DigestError(
            f"{args.config} has no web: section",
            hint="add web: {base_url: https://news.example.org} (see README, the web front)",
        )
    return open_web(config).run()


def cmd_subscribers(args: argparse.Namespace) -> int:
    from datetime import datetime

    from digest import subscribers as subs
    from digest.store import Store

    config = _load(args)
    now = datetime.now(config.tz)
    if args.action in ("add", "remove") and not args.email:
        raise DigestError(f"subscribers {args.action}: give the address")
    with Store(config.state) as store:
        store.sync_recipients(config.email.recipients, now)
        if args.action == "list":
            found = store.subscribers()
            sys.stdout.write("".join(line + "\n" for line in subs.describe(found)))
            active = sum(1 for s in found if s.status == subs.ACTIVE)
            logger.info("%d %s, %d active", len(found), _plural(len(found), "subscriber"), active)
        elif args.action == "export":
            sys.stdout.write(subs.to_csv(store.subscribers()))
        elif args.action == "add":
            email = subs.normalise(args.email)
            unknown = [t for t in args.topic if t not in subs.topics(config)]
            if unknown:
                raise DigestError(
                    f"--topic {unknown[0]!r}: no such section or source",
                    hint=f"choose from {', '.join(subs.topics(config))}",
                )
            topics = subs.clean_topics(config, args.topic) if args.topic else ()
            store.add_subscriber(email, name=args.name, topics=topics, origin="cli", now=now)
            logger.info("Added %s", email)
        else:
            email = subs.normalise(args.email)
            if args.forget:
                if not store.forget_subscriber(email):
                    raise DigestError(f"{email} is not a subscriber")
                logger.info("Forgot %s and its deliveries", email)
            else:
                cancelled = store.unsubscribe(email, now)
                if cancelled is None:
                    raise DigestError(f"{email} is not a subscriber")
                logger.info("Removed %s; %d pending deliveries cancelled", email, cancelled)
    return 0


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"
