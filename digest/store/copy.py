"""Copy one state into another, empty one: `digest migrate --to` and the dry run's private copy.

The whole copy is one transaction on the target, read from one snapshot of the source; then the
row count of every table is compared, so a copy that says done holds everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

from digest.errors import DigestError
from digest.store.location import Location, describe, is_server
from digest.store.schema import metadata, schema_version

if TYPE_CHECKING:
    from digest.store import Store

BATCH = 500  # rows per INSERT: bounded memory, whatever the size of the state


def tables():
    """Every table but the version row, parents before children (foreign keys)."""
    return [t for t in metadata.sorted_tables if t is not schema_version]


def counts(store: Store) -> dict[str, int]:
    return {t.name: store._scalar(select(func.count()).select_from(t)) for t in tables()}


def copy_state(source: Store, target: Store) -> dict[str, int]:
    """Copy every row of `source` into `target`, which must hold none; return rows per table."""
    held = {name: n for name, n in counts(target).items() if n}
    if held:
        listed = ", ".join(f"{name} ({n})" for name, n in held.items())
        raise DigestError(
            f"{target.where} is not empty: it holds rows in {listed}",
            hint="give an empty database (createdb a new one); nothing was copied",
        )

    def copy(read) -> None:
        with target.transaction() as write:
            for table in tables():
                result = read.execution_options(stream_results=True).execute(select(table))
                for batch in result.mappings().partitions(BATCH):
                    write.execute(table.insert(), [dict(row) for row in batch])
            if target.dialect == "postgresql":
                _advance_sequences(write)

    source._snapshot(copy)
    expected, found = counts(source), counts(target)
    wrong = [
        f"{t}: {expected[t]} rows, copied {found[t]}" for t in expected if found[t] != expected[t]
    ]
    if wrong:
        raise DigestError(
            f"the copy in {target.where} does not match {source.where}: {'; '.join(wrong)}",
            hint="a run changed the state while it was copied: stop `digest serve`, empty the"
            " target and copy again",
        )
    return found


def _advance_sequences(write) -> None:
    # Rows came with their ids: the next digest must get a new one, not id 1 again.
    for table in tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and len(table.primary_key.columns) == 1
                and column.type.python_type is int and not column.foreign_keys
            ):  # fmt: skip
                write.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'),"
                        f" COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                    )
                )


def migrate(source: Location, target: Location) -> dict[str, int]:
    """`digest migrate --to`: copy the state at `source` into the empty `target`, with no run
    changing the source meanwhile (the run lock is held), and check it. Rows per table."""
    from digest.store import Store
    from digest.store.locks import exclusive_run

    if describe(source) == describe(target):
        raise DigestError("--to names the state being copied", hint="give another database")
    if not is_server(source) and not Path(source).is_file():
        raise DigestError(
            f"no state to copy: {source} does not exist",
            hint="check `state:` in config.yaml",
        )
    with exclusive_run(source), Store(source) as src, Store(target) as dst:
        return copy_state(src, dst)
