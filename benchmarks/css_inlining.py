"""Why css-inline: speed and output size of CSS inliners on a real 50-article digest.

    python benchmarks/css_inlining.py

Compares css-inline (what digest uses) with premailer, if installed (`pip install premailer`),
on the same rendered-but-not-inlined HTML, in one process.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from digest.models import Article, Brief, Digest
from digest.render import environment, preheader

SENTENCE = "The council voted on Tuesday to build a flood barrier across the harbour mouth."


def sample_html(items: int = 50) -> str:
    now = datetime(2026, 11, 24, 7, tzinfo=timezone.utc)
    briefs = tuple(
        Brief(
            Article(
                f"u{i}",
                f"Source {i % 5}",
                f"a{i}.txt",
                f"Story number {i}",
                SENTENCE * 40,
                url=f"https://example.org/{i}",
                published=now,
            ),
            (SENTENCE,) * 3,
            "default",
        )
        for i in range(items)
    )
    digest = Digest("Morning Brief", now, briefs)
    return (
        environment()
        .get_template("digest.html.j2")
        .render(
            digest=digest,
            preheader=preheader(digest),
            more_count=0,
            archive_link=None,
            unsubscribe_url=None,
        )
    )


def best_of(fn, html: str, repeats: int = 5) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(html)
        times.append(time.perf_counter() - start)
    return min(times) * 1000, out


def main() -> None:
    html = sample_html()
    rows = []
    import css_inline

    inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
    rows.append(("css-inline", *best_of(inliner.inline, html)))
    try:
        import logging

        import premailer

        logging.getLogger("CSSUTILS").setLevel(logging.CRITICAL)
        rows.append(
            ("premailer", *best_of(lambda h: premailer.transform(h, keep_style_tags=True), html))
        )
    except ImportError:
        print("premailer not installed: pip install premailer to compare")
    print(f"input: 50-article digest, {len(html):,} bytes before inlining\n")
    print(f"{'inliner':<12} {'ms (best of 5)':>15} {'output bytes':>13}")
    for name, ms, out in rows:
        print(f"{name:<12} {ms:>15.1f} {len(out.encode()):>13,}")


if __name__ == "__main__":
    main()
