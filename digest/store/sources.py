"""What the state keeps about sources: staged items, health, web validators, and slots run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from digest.models import SourceItem
from digest.store.schema import articles, slot_runs, source_health, staged_items, web_sources


@dataclass(frozen=True)
class SourceHealth:
    source: str
    last_run: datetime
    last_success: datetime | None
    last_failure: datetime | None
    consecutive_failures: int
    last_error: str | None
    last_items: int

    @property
    def ok(self) -> bool:
        return self.consecutive_failures == 0


_ITEM = (
    staged_items.c.uid,
    staged_items.c.source,
    staged_items.c.name,
    staged_items.c.body,
    staged_items.c.content_type,
    staged_items.c.url,
    staged_items.c.title,
    staged_items.c.published,
)


class SourcesMixin:
    # --- staged items (staging.py) ------------------------------------------------------

    def stage_items(self, items: Iterable[SourceItem], *, when: datetime) -> None:
        rows = [
            {"uid": i.uid, "source": i.source, "name": i.name, "body": i.body,
             "content_type": i.content_type, "url": i.url, "title": i.title,
             "published": i.published.isoformat() if i.published else None,
             "staged_at": when.isoformat()}
            for i in items
        ]  # fmt: skip
        with self.transaction() as db:
            if rows:
                db.execute(self._insert(staged_items).on_conflict_do_nothing(), rows)

    def staged_uids(self) -> set[str]:
        return {r[0] for r in self._rows(select(staged_items.c.uid))}

    def staged(self) -> list[SourceItem]:
        """Every staged item, in the order they were staged (then by source and name)."""
        rows = self._rows(
            select(*_ITEM).order_by(
                staged_items.c.staged_at, staged_items.c.source, staged_items.c.name
            )
        )
        return [
            SourceItem(
                source=source, uid=uid, name=name, body=body, content_type=content_type,
                url=url, title=title,
                published=datetime.fromisoformat(published) if published else None,
            )
            for uid, source, name, body, content_type, url, title, published in rows
        ]  # fmt: skip

    def prune_staged(self) -> int:
        """Drop staged items a digest already holds (included or skipped): they are done."""
        with self.transaction() as db:
            result = db.execute(
                delete(staged_items).where(staged_items.c.uid.in_(select(articles.c.uid)))
            )
        return result.rowcount

    def staged_count(self, *, waiting: bool = False) -> int:
        """Staged items; `waiting`: only those no digest holds yet."""
        query = select(func.count()).select_from(staged_items)
        if waiting:
            query = query.where(staged_items.c.uid.not_in(select(articles.c.uid)))
        return self._scalar(query)

    # --- source health (health.py) ------------------------------------------------------

    def record_health(
        self, sources: Iterable[str], failed: Mapping[str, str], counts: Mapping[str, int],
        *, when: datetime,
    ) -> None:  # fmt: skip
        """One row per configured source, updated in one transaction."""
        at = when.isoformat()
        c = source_health.c
        with self.transaction() as db:
            for source in sources:
                insert = self._insert(source_health)
                if source in failed:
                    stmt = insert.values(
                        source=source, last_run=at, last_failure=at, consecutive_failures=1,
                        last_error=failed[source],
                    ).on_conflict_do_update(
                        index_elements=["source"],
                        set_={"last_run": insert.excluded.last_run,
                              "last_failure": insert.excluded.last_failure,
                              "last_error": insert.excluded.last_error,
                              "consecutive_failures": c.consecutive_failures + 1},
                    )  # fmt: skip
                else:
                    stmt = insert.values(
                        source=source, last_run=at, last_success=at,
                        last_items=counts.get(source, 0),
                    ).on_conflict_do_update(
                        index_elements=["source"],
                        set_={"last_run": insert.excluded.last_run,
                              "last_success": insert.excluded.last_success,
                              "last_items": insert.excluded.last_items,
                              "consecutive_failures": 0},
                    )  # fmt: skip
                db.execute(stmt)

    def read_health(self) -> list[SourceHealth]:
        c = source_health.c
        rows = self._rows(
            select(c.source, c.last_run, c.last_success, c.last_failure,
                   c.consecutive_failures, c.last_error, c.last_items).order_by(c.source)
        )  # fmt: skip
        return [
            SourceHealth(
                source=r[0],
                last_run=datetime.fromisoformat(r[1]),
                last_success=_when(r[2]),
                last_failure=_when(r[3]),
                consecutive_failures=r[4],
                last_error=r[5],
                last_items=r[6],
            )
            for r in rows
        ]

    # --- scheduled slots (schedule.py) --------------------------------------------------

    def slot_done(self, key: str) -> bool:
        from digest.store.schema import digests

        built = select(digests.c.id).where(digests.c.slot == key).limit(1)
        ran = select(slot_runs.c.slot).where(slot_runs.c.slot == key).limit(1)
        return bool(self._rows(built)) or bool(self._rows(ran))

    def has_slot_history(self) -> bool:
        from digest.store.schema import digests

        built = select(digests.c.id).where(digests.c.slot.is_not(None)).limit(1)
        return bool(self._rows(built)) or bool(self._rows(select(slot_runs.c.slot).limit(1)))

    def last_slot_run(self) -> tuple[str, str, str | None] | None:
        c = slot_runs.c
        rows = self._rows(select(c.slot, c.ran_at, c.digest).order_by(c.ran_at.desc()).limit(1))
        return tuple(rows[0]) if rows else None

    def record_slot(self, key: str, *, ran_at: datetime, digest: str | None) -> None:
        insert = self._insert(slot_runs).values(slot=key, ran_at=ran_at.isoformat(), digest=digest)
        with self.transaction() as db:
            db.execute(
                insert.on_conflict_do_update(
                    index_elements=["slot"],
                    set_={"ran_at": insert.excluded.ran_at, "digest": insert.excluded.digest},
                )
            )

    # --- web sources (sources/remote.py) ------------------------------------------------

    def web_validators(self, source: str, url: str) -> tuple[str | None, str | None]:
        c = web_sources.c
        rows = self._rows(select(c.etag, c.last_modified).where(c.source == source, c.url == url))
        return tuple(rows[0]) if rows else (None, None)

    def web_gone_since(self, source: str, url: str) -> str | None:
        c = web_sources.c
        return self._scalar(select(c.gone_since).where(c.source == source, c.url == url))

    def record_fetch(self, source: str, url: str, result: str, *, at: str, gone: bool) -> None:
        insert = self._insert(web_sources).values(
            source=source, url=url, gone_since=at if gone else None, last_result=result,
            checked_at=at,
        )  # fmt: skip
        with self.transaction() as db:
            db.execute(
                insert.on_conflict_do_update(
                    index_elements=["source", "url"],
                    set_={
                        "gone_since": func.coalesce(
                            web_sources.c.gone_since, insert.excluded.gone_since
                        ),
                        "last_result": insert.excluded.last_result,
                        "checked_at": insert.excluded.checked_at,
                    },
                )
            )

    def save_validators(
        self, validators: Mapping[tuple[str, str], tuple[str | None, str | None]]
    ) -> None:
        with self.transaction() as db:
            for (source, url), (etag, modified) in validators.items():
                insert = self._insert(web_sources).values(
                    source=source, url=url, etag=etag, last_modified=modified
                )
                db.execute(
                    insert.on_conflict_do_update(
                        index_elements=["source", "url"],
                        set_={
                            "etag": insert.excluded.etag,
                            "last_modified": insert.excluded.last_modified,
                        },
                    )  # fmt: skip
                )


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
