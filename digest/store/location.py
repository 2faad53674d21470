"""Where the state lives: a SQLite file (a path) or a PostgreSQL database (a URL).

Imports nothing heavy: config.py validates `state:` with it at every start, `digest status`
and `check-config` included.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

Location = Path | str  # a Path is a SQLite file; a str is a postgresql:// URL

SERVER_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def is_server(location: Location) -> bool:
    return isinstance(location, str) and urlsplit(location).scheme in SERVER_SCHEMES


def looks_like_url(value: str) -> bool:
    return "://" in value


def check_url(value: str) -> str:
    """A `state:` URL as config.yaml may give it, or ValueError saying what to change."""
    parts = urlsplit(value)
    if parts.scheme not in SERVER_SCHEMES:
        raise ValueError(
            f"{parts.scheme}:// is not supported; give a SQLite file path or a"
            " postgresql://user@host/database URL"
        )
    if parts.password is not None:
        raise ValueError(
            "holds a password; remove it from the URL and set it in the environment"
            " (PGPASSWORD) or in ~/.pgpass, where libpq reads it"
        )
    if not parts.hostname and "host=" not in parts.query:
        raise ValueError("names no host; give postgresql://user@host/database")
    if not parts.path.strip("/"):
        raise ValueError("names no database; give postgresql://user@host/database")
    return value


def describe(location: Location) -> str:
    """The location for messages: a path as it is, a URL without any password."""
    if not is_server(location):
        return str(location)
    parts = urlsplit(str(location))
    if parts.password is None:
        return str(location)
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))
