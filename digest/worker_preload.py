"""Imported once, by the process the pool's workers are forked from (workers._PRELOAD): the
forkserver, or `digest run` itself just before it forks them. Never at the CLI's start-up.

Importing the tasks (digest.tasks) is not all a worker needs: the first article also builds
tables that live for the whole process (the stop lists of every language that cleaning uses to
judge a page's language, the sentence splitter's model, trafilatura's parsers). Built in each
worker, they cost every worker its own copy (about 25 MB); built here, in the process every
worker is forked from, they are shared pages.

Then gc.freeze(): a worker's garbage collector would otherwise walk (and so write to, and copy)
every page of these shared objects on its first full collection. (In `digest run`, the pool
unfreezes this process's objects once its workers are forked.)
"""

from __future__ import annotations

import gc

from digest.boilerplate_cues import stopwords_for
from digest.malloc import give_back_freed_memory
from digest.models import Skipped, SourceItem
from digest.tasks import extract_one, summarise_one

_TEXT = (
    "The council voted on Tuesday to repair the harbour wall before the winter storms. "
    "Work will start next month, Mr. Jones said, and should take about six weeks.\n\n"
    "Residents had asked for the repairs since the wall was damaged in March."
)
_HTML = (
    "<html><head><title>Harbour wall to be repaired</title></head><body><article>"
    "<h1>Harbour wall to be repaired</h1>"
    + "".join(f"<p>{p}</p>" for p in _TEXT.split("\n\n"))
    + "</article></body></html>"
)


def warm_up() -> None:
    # Text that is not English loads every language's stop list (23 MB), which the English
    # warm-up article below never needs: loaded here, they are shared, not loaded again by each
    # worker on its first list-like or foreign page.
    stopwords_for("Der Rat hat am Dienstag beschlossen, die Mauer zu reparieren".split())
    for body, content_type in ((_TEXT, "text/plain"), (_HTML, "text/html")):
        item = SourceItem(
            "warm-up", "warm-up", "warm-up", body, content_type, title="Harbour wall repaired"
        )
        article, _ = extract_one(item)
        if not isinstance(article, Skipped):
            summarise_one(article, method="default", sentences=2)


give_back_freed_memory()  # the workers are forked from here, and keep the setting
warm_up()
gc.freeze()
