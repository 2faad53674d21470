"""Add sources to config.yaml without disturbing the rest of it: comments, order, quoting.

PyYAML drops comments when it writes a file, so the file is never dumped again. Each new source
is inserted as one line of text (`- {name: ..., type: feed, url: ...}`) right after the last
entry of `sources:`, where PyYAML's own parser says that entry ends (node marks), at that list's
indentation. The edited text must then pass the same validation as any config *and* parse to
exactly the old settings plus the new sources; only then does it replace the file (atomically,
keeping its permissions). A layout this does not expect is refused with the line to add by hand,
and the file is left as it was.

ruamel.yaml's round trip was measured instead: 1.4 MB more to install, and on our own
config.yaml it re-indented the sources list and unquoted the cron string unless told the file's
indentation beforehand. Appending one line touches nothing else.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from digest.config import Config, load_config, parse_config
from digest.errors import ConfigError, DigestError
from digest.write import atomic_write

logger = logging.getLogger(__name__)

MAX_NAME = 80  # characters of a source name taken from a feed's title


def add_sources(path: Path, entries: Sequence[Mapping[str, Any]]) -> Config:
    """Append `entries` to the sources of the config file at `path`; return the new Config.

    The file must be valid before (its problems are reported, untouched) and is valid after.
    """
    path = Path(path).resolve()  # a symlinked config.yaml: edit the file it points to
    load_config(path)
    text = path.read_bytes().decode("utf-8")  # as is: no newline translation
    by_hand = "\n".join(f"  - {flow(e)}" for e in entries)
    try:
        edited = insert_sources(text, entries)
        config = _check_edit(path, text, edited, entries)
    except _Unexpected as exc:
        raise DigestError(
            f"{path}: could not add to sources: safely: {exc}; the file is unchanged",
            hint=f"add these lines under sources: by hand:\n{by_hand}",
        ) from None
    mode = stat.S_IMODE(path.stat().st_mode)
    atomic_write(path, edited)
    os.chmod(path, mode)
    return config


class _Unexpected(Exception):
    """The file's layout is not one the textual edit understands."""


def insert_sources(text: str, entries: Sequence[Mapping[str, Any]]) -> str:
    """`text` with one flow-style line per entry added at the end of its `sources:` list."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise _Unexpected("the file is not a mapping")
    found = [value for key, value in root.value if getattr(key, "value", None) == "sources"]
    if len(found) != 1 or not isinstance(found[0], yaml.SequenceNode):
        raise _Unexpected("sources: is not one list")
    sources = found[0]
    items = [flow(e) for e in entries]
    if sources.flow_style:  # sources: [{...}, {...}]
        close = sources.end_mark.index - 1
        if text[close] != "]":
            raise _Unexpected("the sources list does not end with ']'")
        joined = ", ".join(items)
        return text[:close] + (", " + joined if sources.value else joined) + text[close:]
    if not sources.value:
        raise _Unexpected("the sources list is empty")
    end = _content_end(sources.value[-1])
    while end > 0 and text[end - 1] in " \t\r\n":
        end -= 1  # a block scalar's mark is past its newlines; the entry ends on its last text
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    if line_end > 0 and text[line_end - 1] == "\r":
        line_end -= 1
    newline = "\r\n" if "\r\n" in text else "\n"
    indent = " " * sources.start_mark.column  # the column of the first "-"
    added = "".join(f"{newline}{indent}- {item}" for item in items)
    return text[:line_end] + added + text[line_end:]


def _content_end(node: yaml.Node) -> int:
    """Where the text of `node` ends: its last scalar, or the closing bracket of a flow
    collection. (A block collection's own end mark lies after the comments that follow it.)"""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return node.end_mark.index
    children = node.value
    if isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    return max((_content_end(child) for child in children), default=node.end_mark.index)


def _check_edit(
    path: Path, before: str, after: str, entries: Sequence[Mapping[str, Any]]
) -> Config:
    """The edit must parse to the old settings plus exactly the new sources, and validate."""
    try:
        old, new = yaml.safe_load(before), yaml.safe_load(after)
    except yaml.YAMLError as exc:
        raise _Unexpected(f"the edited file would not be valid YAML ({exc})") from None
    expected = {**old, "sources": [*old["sources"], *map(dict, entries)]}
    if new != expected:
        raise _Unexpected("the edited file would not read back as intended")
    try:
        return parse_config(new, base_dir=path.parent, path=path)
    except ConfigError as exc:
        # A new entry is wrong (say, a URL that is not http); the file is left as it was.
        raise DigestError(f"not added: {'; '.join(exc.problems)}") from None


def flow(entry: Mapping[str, Any]) -> str:
    """One source as a YAML flow mapping, quoted where YAML needs it: {name: X, type: feed, ...}"""
    return yaml.safe_dump(
        dict(entry), default_flow_style=True, sort_keys=False, allow_unicode=True, width=1 << 30
    ).strip()


def unique_name(wanted: str, taken: Collection[str]) -> str:
    """`wanted` cleaned to one line, then "wanted (2)", "(3)", ... if a source has the name."""
    base = " ".join(wanted.split())[:MAX_NAME].strip() or "Feed"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base} ({n})"
    return name


def url_key(url: str) -> tuple[str, str, str, str]:
    """What makes two feed URLs the same subscription: scheme and host in any case, a path with
    or without its trailing slash."""
    parts = urlsplit(url.strip())
    return (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query)


def host_name(url: str) -> str:
    """A name for a feed that has no title: its host, without www."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def feed_keys(config: Config) -> dict[tuple[str, str, str, str], str]:
    """url_key -> source name, for every feed source in `config`."""
    return {url_key(s.url): s.name for s in config.sources if s.type == "feed"}
