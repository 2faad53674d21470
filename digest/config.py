"""config.yaml -> typed, frozen Config, with every problem reported at once by its key path.

Defaults live in one place: the field defaults below, each with a line saying what it does.
The shipped config.yaml repeats them with comments. Relative paths are relative to config.yaml.
pydantic does the validation (types, ranges, unknown keys); we only turn its errors into
"key.path: what is wrong (hint)" lines.
"""

from __future__ import annotations

import difflib
import os
import typing
import unicodedata
from collections import Counter
from datetime import timezone
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from digest.errors import ConfigError
from digest.summarise import METHODS
from digest.triggers import collect_trigger, cron_trigger

# One list of method names, owned by the summariser (a cheap import: sumy loads lazily).
SUMMARY_METHODS = METHODS


class _Model(BaseModel):
    # Unknown keys are errors, not silently ignored: a typo must not quietly change behaviour.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _resolve(value: Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base_dir", Path.cwd())
    return value if value.is_absolute() else (Path(base) / value)


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL")
    return url


# Special-use names (RFC 6761, 6762) that email-validator refuses as not globally deliverable,
# but that a local MTA or a LAN uses: reader@localhost, reader@host.local. "invalid", "onion"
# and "arpa" stay refused; "test" is allowed through test_environment below.
LOCAL_MAIL_DOMAINS = ("localhost", "local")


def _check_address(address: str) -> str:
    import email_validator
    from email_validator import EmailNotValidError, validate_email

    # The library's documented way to allow a special-use name is to take it off this list.
    for name in LOCAL_MAIL_DOMAINS:
        if name in email_validator.SPECIAL_USE_DOMAIN_NAMES:
            email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(name)
    try:
        # No DNS look-up: config checks must work offline and be repeatable. Not "globally
        # deliverable" either: a single-label domain (reader@mailhost) is fine on a LAN.
        return validate_email(
            address,
            check_deliverability=False,
            globally_deliverable=False,
            test_environment=True,
        ).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"{address!r} is not a valid email address: {exc}") from None


def _one_line(value: str | None) -> str | None:
    """Text that goes into an email header: a line break there would end the header (the mail
    library refuses it, after the digest is built), so refuse it here, with where it is."""
    if value is None:
        return None
    for i, char in enumerate(value):
        if unicodedata.category(char) == "Cc" or char in "\u2028\u2029":
            what = "a line break" if char in "\r\n\u2028\u2029\x85" else "a control character"
            raise ValueError(
                f"contains {what} ({char!r} at position {i + 1}); write it on one line"
                " (a YAML block scalar such as '>' keeps a final newline: use '>-')"
            )
    return value


class FolderSource(_Model):
    type: Literal["folder"]
    name: str = Field(min_length=1, description="Shown as the item's source in the digest.")
    path: Path = Field(description="Folder of .txt/.md/.html files; relative to config.yaml.")
    max_bytes: int = Field(5_000_000, gt=0, description="Files larger than this are skipped.")
    follow_symlinks: bool = Field(
        False, description="Read files that symbolic links point to, even outside the folder."
    )

    @field_validator("path")
    @classmethod
    def _folder_exists(cls, value: Path, info: ValidationInfo) -> Path:
        resolved = _resolve(value, info)
        if not resolved.is_dir():
            raise ValueError(f"folder '{value}' does not exist (looked for {resolved})")
        return resolved


class FeedSource(_Model):
    type: Literal["feed"]
    name: str = Field(min_length=1)
    url: str = Field(description="RSS or Atom feed URL.")
    max_items: int = Field(20, gt=0, description="Newest items taken from the feed per run.")

    _url = field_validator("url")(classmethod(lambda cls, v: _check_url(v)))


class PageSource(_Model):
    type: Literal["page"]
    name: str = Field(min_length=1)
    urls: tuple[str, ...] = Field(min_length=1, description="Article pages to fetch.")

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_url(u) for u in value)


Source = Annotated[FolderSource | FeedSource | PageSource, Field(discriminator="type")]


class Schedule(_Model):
    digest: str = Field("0 7 * * *", description="When to build the digest (cron, local time).")
    collect: str | None = Field(None, description="Poll sources between digests: cron or 30m.")

    # Checked now, not at the first firing, so `digest check-config` catches a bad schedule.
    # The time zone does not change whether an expression is valid, so UTC stands in for it.
    @field_validator("digest")
    @classmethod
    def _digest(cls, value: str) -> str:
        cron_trigger(value, timezone.utc)
        return value

    @field_validator("collect")
    @classmethod
    def _collect(cls, value: str | None) -> str | None:
        if value is not None:
            collect_trigger(value, timezone.utc)
        return value


class Summary(_Model):
    method: Literal[SUMMARY_METHODS] = "default"  # type: ignore[valid-type]
    sentences: int = Field(3, ge=1, le=10, description="Sentences per brief.")


class Output(_Model):
    dir: Path = Field(Path("digests"), validate_default=True, description="Where digests go.")
    formats: tuple[Literal["html", "txt", "json"], ...] = Field(
        ("html", "txt", "json"), min_length=1, description="Files written per digest."
    )
    templates: Path | None = Field(None, description="Folder whose templates override ours.")
    archive_url: str | None = Field(None, description="Public URL of `dir`, for links in email.")

    @field_validator("dir")
    @classmethod
    def _dir(cls, value: Path, info: ValidationInfo) -> Path:
        return _resolve(value, info)

    @field_validator("templates")
    @classmethod
    def _templates(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        resolved = _resolve(value, info)
        if not resolved.is_dir():
            raise ValueError(f"templates folder '{value}' does not exist (looked for {resolved})")
        return resolved

    @field_validator("archive_url")
    @classmethod
    def _archive(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)


class Recipient(_Model):
    email: str
    name: str | None = None

    _email = field_validator("email")(classmethod(lambda cls, v: _check_address(v)))
    _name = field_validator("name")(classmethod(lambda cls, v: _one_line(v)))


class Smtp(_Model):
    host: str = "localhost"
    port: int = Field(587, gt=0, lt=65536)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = Field(None, description="Env variable holding the password.")
    timeout: float = Field(30, gt=0)
    attempts: int = Field(3, ge=1, le=10, description="Tries per message per run, then next run.")
    retry_wait: float = Field(2, ge=0, le=300, description="Seconds before try 2; doubles after.")
    max_per_second: float = Field(
        0, ge=0, le=10_000, description="Mails per second to this relay, all workers; 0 = no cap."
    )

    def password(self) -> str | None:
        """Read at send time, never stored: secrets come only from the environment."""
        return os.environ.get(self.password_env) if self.password_env else None


class Email(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    enabled: bool = False
    from_: str | None = Field(None, alias="from", description='"Name <address>" or an address.')
    recipients: tuple[Recipient, ...] = ()
    # {date} alone reads like the digest's own date line ("Tuesday 1 December"); a format
    # spec ({date:%a %d %b}) is strftime. The 2nd digest of a day gets " (2)" added.
    subject: str = "{title} for {date}"
    unsubscribe_url: str | None = None
    admin: str | None = Field(None, description="Gets one report per run that had problems.")
    smtp: Smtp = Smtp()

    @field_validator("recipients", mode="before")
    @classmethod
    def _recipients(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"email": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("from_")
    @classmethod
    def _from(cls, value: str | None) -> str | None:
        _one_line(value)
        if value is not None:
            _check_address(parseaddr(value)[1] or value)
        return value

    _admin = field_validator("admin")(
        classmethod(lambda cls, v: None if v is None else _check_address(v))
    )

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        from datetime import datetime

        _one_line(value)
        from digest.models import SubjectDate

        try:
            value.format(title="T", date=SubjectDate(datetime(2026, 1, 1)))
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"{value!r} can use only {{title}} and {{date:...}} ({exc})") from None
        return value

    @field_validator("unsubscribe_url")
    @classmethod
    def _unsubscribe(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> Email:
        if self.enabled and not self.from_:
            raise ValueError("email is enabled but 'from' is missing; add from: you@example.org")
        if self.admin and not self.from_:
            raise ValueError("email.admin is set but 'from' is missing; add from: you@example.org")
        return self


class Section(_Model):
    name: str = Field(min_length=1, description="Heading shown above the section's stories.")
    sources: tuple[str, ...] = Field(min_length=1, description="Names of sources in `sources`.")


class Fetch(_Model):
    timeout: float = Field(
        20, gt=0, description="Seconds per request: connect, headers and body, redirects too."
    )
    max_bytes: int = Field(5_000_000, gt=0, description="Larger responses are cut off and skipped.")
    user_agent: str | None = Field(
        None, description="User-Agent header; default digest/VERSION (+project URL)."
    )
    per_host_concurrency: int = Field(2, ge=1, le=16)
    run_budget: float = Field(
        180,
        gt=0,
        description="Seconds of fetching for a whole run; then pages fall back to the feed's text.",
    )
    allow_private_links: bool = Field(
        False,
        description="Let links in feeds, and redirects, lead to private and loopback addresses.",
    )


class Web(_Model):
    """The web front (digest/web/): archive, feed, subscribe, preferences, unsubscribe."""

    listen: str = Field("127.0.0.1:8080", description="host:port the web front listens on.")
    base_url: str = Field(description="Public URL readers reach it at (links in mail use it).")
    secret_env: str = Field(
        "DIGEST_WEB_SECRET", min_length=1, description="Env variable holding the signing key."
    )
    subscribe_rate: str = Field(
        "5 per 10 minutes", description="Subscribe attempts allowed per client address."
    )
    confirm_days: int = Field(3, ge=1, le=30, description="How long a confirmation link works.")
    trusted_proxies: str = Field(
        "127.0.0.1", description="Addresses whose X-Forwarded-For is believed ('*' for any)."
    )

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError(f"{value!r} is not host:port; write e.g. 127.0.0.1:8080")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return _check_url(value).rstrip("/")

    @field_validator("subscribe_rate")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a rate; write e.g. '5 per 10 minutes' or '20/hour'"
            ) from None
        return value

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    def secret(self) -> str | None:
        """Read when the web front starts and when mail is built, never stored in the config."""
        return os.environ.get(self.secret_env) or None


class Queue(_Model):
    """`digest worker` processes run the work; `digest serve` only schedules (digest/queue/)."""

    enabled: bool = False
    attempts: int = Field(5, ge=1, le=50, description="Tries per job, then it is parked.")
    retry_wait: float = Field(5, ge=0, le=3600, description="Seconds before try 2; doubles after.")
    stalled_after: float = Field(
        30, ge=1, le=3600, description="Seconds without a worker's heartbeat: its job is retried."
    )
    mail_batch: int = Field(50, ge=1, le=10_000, description="Deliveries per send_mail job.")


class Config(_Model):
    title: str = "Morning Brief"
    timezone: str = Field("UTC", description="IANA time zone for the schedule and file dates.")
    schedule: Schedule = Schedule()
    # Emptiness is checked in _unique_names, not with min_length: pydantic would also report
    # "must not be empty" whenever any one source is invalid.
    sources: tuple[Source, ...]
    summary: Summary = Summary()
    # Validated from an empty mapping (not a ready-made Output()) so that the default
    # output.dir is resolved relative to config.yaml like any other path.
    output: Output = Field(default_factory=dict, validate_default=True)
    # A Path is a SQLite file; a str is a postgresql:// URL (digest/store/location.py).
    state: Path | str = Field(
        Path(".digest/state.db"),
        validate_default=True,
        description="SQLite file, or postgresql://user@host/db (password: PGPASSWORD).",
    )
    # Optional headings: stories of the listed sources go under each; the rest under "More".
    sections: tuple[Section, ...] = ()
    email: Email = Email()
    fetch: Fetch = Fetch()
    # Off when absent: `digest serve` then starts no web server and imports no web library.
    web: Web | None = None
    workers: int | None = Field(
        None,
        ge=1,
        le=256,
        description="Processes that clean and summarise articles, the main one included: default"
        " all CPUs, 1 = the main one only.",
    )
    queue: Queue = Queue()
    path: Path | None = Field(None, exclude=True, description="Where this config was read from.")

    _title = field_validator("title")(classmethod(lambda cls, v: _one_line(v)))

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like Europe/London"
            ) from None
        return value

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: Any, info: ValidationInfo) -> Any:
        from digest.store.location import check_url, looks_like_url

        if value == "":
            raise ValueError("must not be empty; give a file path or a postgresql:// URL")
        if isinstance(value, str) and looks_like_url(value):
            return check_url(value)
        if isinstance(value, (str, Path)) and str(value):
            return _resolve(Path(value), info)
        return value

    @field_validator("queue")
    @classmethod
    def _queue_state(cls, value: Queue, info: ValidationInfo) -> Queue:
        from digest.store.location import is_server

        state = info.data.get("state")
        if value.enabled and state is not None and not is_server(state):
            raise ValueError(
                "enabled needs the state on PostgreSQL (workers on several machines share it);"
                " set `state: postgresql://user@host/db`, or remove `queue:`"
            )
        return value

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, value: tuple) -> tuple:
        if not value:
            raise ValueError("must not be empty; list at least one source")
        # One pass with a Counter: list.count per name made 50,000 sources take minutes.
        counts = Counter(s.name for s in value)
        dupes = sorted(n for n, c in counts.items() if c > 1)
        if dupes:
            raise ValueError(f"source names must be unique; {', '.join(map(repr, dupes))} repeats")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# Deeper than any real config.yaml: PyYAML composes nodes recursively, so without a bound a
# file nested a few hundred levels deep ends in a RecursionError traceback, not a config error.
MAX_YAML_DEPTH = 50


class _Loader(yaml.SafeLoader):
    """yaml.safe_load's loader, refusing nesting deeper than MAX_YAML_DEPTH (counted, so the
    limit does not depend on how much Python stack is left)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self._depth >= MAX_YAML_DEPTH:
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate config.yaml. Raises ConfigError listing every problem found."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except FileNotFoundError:
        hint = "file not found; pass --config PATH, or copy the project's config.yaml"
        raise ConfigError(path, [hint]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", exc)
        raise ConfigError(path, [f"{where}not valid YAML ({problem})"]) from None
    return parse_config(raw, base_dir=path.resolve().parent, path=path)


def parse_config(raw: Any, *, base_dir: Path, path: Path | None = None) -> Config:
    """Validate an already-parsed mapping; paths in it are relative to `base_dir`."""
    label = path or "config"
    if not isinstance(raw, dict):
        raise ConfigError(label, ["the file must be a mapping of keys (title:, sources:, ...)"])
    try:
        config = Config.model_validate({**raw, "path": path}, context={"base_dir": base_dir})
    except ValidationError as exc:
        raise ConfigError(label, [_describe(err) for err in exc.errors()]) from None
    problems = _section_problems(config) + _web_problems(config)
    if problems:
        raise ConfigError(label, problems)
    return config


def _section_problems(config: Config) -> list[str]:
    """sections name sources by name: checked once the sources themselves are valid."""
    names = [s.name for s in config.sources]
    problems: list[str] = []
    owner: dict[str, str] = {}
    titles: set[str] = set()
    for i, section in enumerate(config.sections):
        if section.name in titles:
            problems.append(f"sections[{i}].name: {section.name!r} is used twice")
        titles.add(section.name)
        for j, source in enumerate(section.sources):
            key = f"sections[{i}].sources[{j}]"
            if source not in names:
                close = difflib.get_close_matches(source, names, n=1)
                hint = f"did you mean {close[0]!r}?" if close else "use a name from sources:"
                problems.append(f"{key}: no source named {source!r}; {hint}")
            elif source in owner:
                problems.append(f"{key}: {source!r} is already in section {owner[source]!r}")
            else:
                owner[source] = section.name
    return problems


def _web_problems(config: Config) -> list[str]:
    if config.web is None:
        # Without the web front, email.recipients are the only readers there can be.
        if config.email.enabled and not config.email.recipients:
            return ["email: email is enabled but has no recipients; add recipients: [...]"]
        return []
    problems = []
    if not config.email.from_:
        problems.append(
            "web: confirmation mails need a sender; add email.from: news@example.org"
            " (and email.smtp)"
        )
    if config.email.unsubscribe_url:
        problems.append(
            "email.unsubscribe_url: the web front receives unsubscribes itself (signed links"
            " to web.base_url); remove email.unsubscribe_url"
        )
    return problems


_SOURCE_TAGS = {"folder", "feed", "page"}


def _key_path(loc: tuple) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _SOURCE_TAGS and i and isinstance(loc[i - 1], int):
            continue  # pydantic puts the union tag into the path; users never wrote it
        else:
            out += f".{part}" if out else str(part)
    return out.replace("from_", "from")


def _describe(err: dict) -> str:
    key, kind, msg = _key_path(err["loc"]), err["type"], err["msg"]
    if kind == "value_error":
        msg = str(err["ctx"]["error"]) if "ctx" in err else msg.removeprefix("Value error, ")
    elif kind == "too_short":
        msg = "must not be empty"
    elif kind == "missing":
        msg = "required key is missing"
    elif kind in ("bool_parsing", "bool_type"):
        value = err.get("input")
        msg = "must be true or false" + ("" if value is None else f", not {value!r}")
    elif kind == "extra_forbidden":
        parent = _known_keys(err["loc"][:-1])
        close = difflib.get_close_matches(str(err["loc"][-1]), parent, n=1)
        msg = "unknown key" + (f"; did you mean '{close[0]}'?" if close else "")
    elif kind == "union_tag_invalid":
        msg = f"unknown source type {err['ctx']['tag']!r}; use folder, feed or page"
    elif kind == "union_tag_not_found":
        msg = "missing 'type'; use folder, feed or page"
    return f"{key}: {msg}" if key else msg


def _known_keys(loc: tuple) -> list[str]:
    """The keys allowed where an unknown key was found (for 'did you mean')."""
    model: type[BaseModel] = Config
    for part in loc:
        if isinstance(part, int):
            continue
        if part in _SOURCE_TAGS:
            model = {"folder": FolderSource, "feed": FeedSource, "page": PageSource}[part]
            continue
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        # An optional section (web: Web | None) names its model inside the union.
        for candidate in (annotation, *typing.get_args(annotation)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
    return [f.alias or name for name, f in model.model_fields.items() if name != "path"]
