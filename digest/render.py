"""Digest -> RenderedDigest: Jinja2 templates to HTML and text, plus JSON for other tools.

A user's templates folder (output.templates) comes first, so a file there named like one of
ours (digest.html.j2, digest.txt.j2, index.html.j2) replaces it; ours fill in the rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from digest.errors import DigestError
from digest.models import Brief, Digest, DigestSection, RenderedDigest

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
INDEX_TEMPLATE = "index.html.j2"
# The heading of stories whose source no configured section lists.
OTHER_SECTION = "More"


def environment(user_templates: Path | None = None) -> jinja2.Environment:
    default_dir = default_templates_dir()
    loaders = [jinja2.FileSystemLoader(str(user_templates))] if user_templates else []
    # An operator's templates are sandboxed: a template cannot reach Python internals
    # (`cycler.__init__.__globals__.os`), so a shared or downloaded one cannot run commands as
    # the service's user. Ours alone need no sandbox, whose checks on every attribute a
    # template reads were a third of rendering a digest of thousands of stories.
    kind = SandboxedEnvironment if user_templates else jinja2.Environment
    env = kind(
        loader=jinja2.ChoiceLoader([*loaders, jinja2.FileSystemLoader(str(default_dir))]),
        # Article titles and sentences are scraped text: escape them in every HTML template.
        # select_autoescape matches on the name's end, so "html.j2" must be listed explicitly.
        autoescape=jinja2.select_autoescape(["html", "htm", "html.j2", "htm.j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(longdate=longdate, shortdate=shortdate, plural=plural)
    return env


def templates_use_text(user_templates: Path | None) -> bool:
    """Whether the operator's templates read some object's `text` (a brief's `article.text`).

    Ours never do, so a run lets each article's text go once it is summarised: a digest of
    10,000 stories held 40 MB of text to the end for nothing. A user template that reads it
    keeps it. Any `.text` or `["text"]` counts, to be safe; a name built at render time
    (`attribute(name)`) is not seen.
    """
    if user_templates is None:
        return False
    from jinja2 import nodes

    env = jinja2.Environment()
    for path in sorted(user_templates.rglob("*")):
        if not path.is_file():
            continue
        try:
            tree = env.parse(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
            continue  # not a template, or a broken one: rendering it says so
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
            if key == "text":
                return True
    return False


def default_templates_dir() -> Path:
    try:
        return Path(str(resources.files("digest.templates")))
    except ModuleNotFoundError:
        # Running from a source checkout that shadows a non-editable install (python -m digest
        # in the repo): the templates are the repo's own top-level folder.
        return Path(__file__).resolve().parents[1] / "templates"


def longdate(value: datetime) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def shortdate(value: datetime) -> str:
    return f"{value.day} {value:%b %Y}"


def plural(word: str, count: int) -> str:
    if count == 1:
        return word
    return word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"


def render(
    digest: Digest,
    *,
    name: str,
    subject: str,
    env: jinja2.Environment,
    max_items: int | None = None,
    archive_link: str | None = None,
    unsubscribe_url: str | None = None,
    sections: Sequence = (),
) -> RenderedDigest:
    """Render every format, most important story first, grouped by `sections` (config's).

    `max_items` cuts the HTML/text at a whole item ("N more stories"): the least important go.
    `archive_link` is where this digest is published; the email copy links it ("View in
    browser"). Templates show `digest.skipped` to the operator: pass a digest without them for
    readers (mail.render_email does).
    """
    html, text = render_parts(
        digest,
        env=env,
        max_items=max_items,
        archive_link=archive_link,
        unsubscribe_url=unsubscribe_url,
        sections=sections,
    )
    groups = arrange(digest.briefs, sections)
    ordered = tuple(b for group in groups for b in group.briefs)
    digest = Digest(digest.title, digest.generated_at, ordered, digest.skipped)
    return RenderedDigest(
        name=name, subject=subject, html=html, text=text, json=to_json(digest, groups)
    )


def render_parts(
    digest: Digest,
    *,
    env: jinja2.Environment,
    max_items: int | None = None,
    archive_link: str | None = None,
    unsubscribe_url: str | None = None,
    sections: Sequence = (),
    preferences_url: str | None = None,
) -> tuple[str, str]:
    """The HTML (CSS inlined) and the text, without the JSON: what an email is made of."""
    groups = arrange(digest.briefs, sections)
    ordered = tuple(b for group in groups for b in group.briefs)
    shown = ordered if max_items is None else ordered[:max_items]
    digest = Digest(digest.title, digest.generated_at, ordered, digest.skipped)
    context = {
        "digest": Digest(digest.title, digest.generated_at, shown, digest.skipped),
        # A prefix of an ordered list arranges into the same groups, in the same order.
        "sections": arrange(shown, sections),
        "preheader": preheader(digest),
        "more_count": len(digest.briefs) - len(shown),
        "archive_link": archive_link,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
    }
    # Inlined before the text is rendered: a large digest's HTML before inlining is freed
    # first, so the two HTMLs and the text are never held at once.
    html = inline_css(_render(env, HTML_TEMPLATE, context))
    text = _render(env, TEXT_TEMPLATE, context)
    return html, text


def arrange(briefs: Sequence[Brief], sections: Sequence = ()) -> tuple[DigestSection, ...]:
    """Order by importance and group under the configured sections.

    Importance: a story more sources carried comes first ("Also in"), then the newest; an
    undated story goes after the dated ones; ties keep collection order (config order of
    sources). With sections, each section keeps that order inside; stories of sources no
    section lists go last, under OTHER_SECTION. Empty sections are not shown.
    """

    def importance(brief: Brief) -> tuple[int, float]:
        published = brief.article.published
        return (-len(brief.also_in), -published.timestamp() if published else float("inf"))

    ordered = sorted(briefs, key=importance)  # stable: ties keep their order
    home = {source: s.name for s in sections for source in s.sources}
    grouped: dict[str | None, list[Brief]] = {s.name: [] for s in sections}
    rest: list[Brief] = []
    for brief in ordered:
        where = home.get(brief.article.source)
        (grouped[where] if where is not None else rest).append(brief)
    named = [(name, items) for name, items in grouped.items() if items]
    if rest:
        # Without any named section above it, a lone "More" heading would only puzzle.
        named.append((OTHER_SECTION if named else None, rest))
    out, start = [], 1
    for name, items in named:
        out.append(DigestSection(name, tuple(items), start))
        start += len(items)
    return tuple(out)


def _render(env: jinja2.Environment, name: str, context: dict) -> str:
    """A broken (user) template is a user error: say which file and line, not a traceback."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or name}, line {exc.lineno}"
        raise DigestError(f"template {where}: {exc.message}", hint=_TEMPLATE_HINT) from None
    except jinja2.UndefinedError as exc:
        raise DigestError(f"template {name}: {exc.message}", hint=_TEMPLATE_HINT) from None
    except SecurityError as exc:
        raise DigestError(
            f"template {name}: {exc}",
            hint="templates may not reach Python internals; remove that expression",
        ) from None


_TEMPLATE_HINT = "fix the template, or remove it from output.templates to use the default"


def preheader(digest: Digest) -> str:
    """The line mail clients show after the subject: what is in this digest, in a breath."""
    titles = [b.article.title for b in digest.briefs[:3]]
    more = len(digest.briefs) - len(titles)
    return "; ".join(titles) + (f"; and {more} more" if more > 0 else "")


def inline_css(html: str) -> str:
    """Move <style> rules into style="" attributes: many mail clients drop <style> blocks.

    css-inline (Rust, maintained) rather than premailer (last release 2021, cssutils-based,
    much slower). @media rules cannot be inlined, so they stay in <style> for clients that
    honour them. Remote stylesheets are never fetched: nothing is downloaded at run time.
    """
    import css_inline

    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False).inline(html)


def to_json(digest: Digest, groups: Sequence[DigestSection] = ()) -> str:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    section = {id(b): g.name for g in groups for b in g.briefs}

    return (
        json.dumps(
            {
                "title": digest.title,
                "generated_at": when(digest.generated_at),
                "items": [
                    {
                        "title": b.article.title,
                        "url": b.article.url,
                        "source": b.article.source,
                        "also_in": list(b.also_in),
                        "published": when(b.article.published),
                        "sentences": list(b.sentences),
                        "method": b.method,
                        "reading_minutes": b.reading_minutes,
                        "section": section.get(id(b)),
                    }
                    for b in digest.briefs
                ],
                "skipped": [
                    {"source": s.source, "name": s.name, "reason": s.reason} for s in digest.skipped
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def render_index(title: str, entries: Sequence[dict], *, env: jinja2.Environment) -> str:
    """entries: dicts with href, created_at, suffix, articles, sources; newest first."""
    return _render(env, INDEX_TEMPLATE, {"title": title, "entries": list(entries)})
