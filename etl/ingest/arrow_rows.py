"""Column-wise buffers that become Arrow tables for fast bulk inserts into DuckDB. A buffer's columns are
its table's, as the schema files define them (etl.table_shapes). Parser workers build buffers and never
insert, so this module does not import DuckDB itself."""

from __future__ import annotations

import pyarrow as pa

from ..table_shapes import table_shapes

_TYPES = {
    "VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()), "BLOB": pa.binary(), "BOOLEAN": pa.bool_(), "JSON": pa.string(),
    "DOUBLE": pa.float64(),
}

# Buffers live from one insert to the next. Arrow's default pool (mimalloc) keeps the pages they freed for
# reuse, which the process then holds for the rest of its life (about 20 MB after the first git batch);
# the C allocator returns them.
_POOL = pa.system_memory_pool()


class RowBuffer:
    """Collects rows for one table; `insert` appends them by column name in one statement."""

    def __init__(self, table: str):
        self.table = table
        self.columns = table_shapes()[table].columns
        self.values: dict[str, list] = {name: [] for name in self.columns}

    def add(self, **row) -> None:
        for name, column in self.values.items():
            column.append(row.get(name))

    def __len__(self) -> int:
        return len(next(iter(self.values.values())))

    def to_arrow(self) -> pa.Table:
        return pa.table({name: pa.array(self.values[name], type=_TYPES[kind], memory_pool=_POOL)
                         for name, kind in self.columns.items()})

    def insert(self, con, on_conflict: str | None = None) -> int:
        """Append the rows; with on_conflict 'ignore' or 'replace', a row whose key is already there is
        kept or replaced (the key is the table's primary key; see etl.db.upsert)."""
        count = len(self)
        if count:
            insert_arrow(con, self.table, self.to_arrow(), on_conflict)
        for column in self.values.values():
            column.clear()
        return count


def insert_arrow(con, table: str, rows: pa.Table, on_conflict: str | None = None) -> None:
    """Append an Arrow table's rows to `table` by column name (see RowBuffer.insert for on_conflict)."""
    from ..db import upsert

    view = f"_incoming_{table.replace('.', '_')}"
    con.register(view, rows)
    try:
        if on_conflict is None:
            con.execute(f"insert into {table} by name select * from {view}")
        else:
            upsert(con, table, view, replace={"ignore": False, "replace": True}[on_conflict])
    finally:
        con.unregister(view)
