"""Column-wise buffers that become Arrow tables for fast bulk inserts into DuckDB."""

from __future__ import annotations

import pyarrow as pa

from ..db import upsert

_TYPES = {
    "varchar": pa.string(), "integer": pa.int32(), "bigint": pa.int64(), "timestamp": pa.timestamp("us"),
    "varchar[]": pa.list_(pa.string()), "blob": pa.binary(), "boolean": pa.bool_(), "json": pa.string(),
    "double": pa.float64(),
}


class RowBuffer:
    """Collects rows for one table; `insert` appends them by column name in one statement."""

    def __init__(self, table: str, columns: dict[str, str]):
        self.table = table
        self.columns = columns
        self.values: dict[str, list] = {name: [] for name in columns}

    def add(self, **row) -> None:
        for name, column in self.values.items():
            column.append(row.get(name))

    def __len__(self) -> int:
        return len(next(iter(self.values.values())))

    def to_arrow(self) -> pa.Table:
        return pa.table({name: pa.array(self.values[name], type=_TYPES[kind]) for name, kind in self.columns.items()})

    def insert(self, con, on_conflict: str | None = None) -> int:
        """Append the rows; with on_conflict 'ignore' or 'replace', a row whose key is already there is
        kept or replaced (the key is the table's primary key; see etl.db.upsert)."""
        count = len(self)
        if count:
            view = f"_incoming_{self.table.replace('.', '_')}"
            con.register(view, self.to_arrow())
            if on_conflict is None:
                con.execute(f"insert into {self.table} by name select * from {view}")
            else:
                upsert(con, self.table, view, replace={"ignore": False, "replace": True}[on_conflict])
            con.unregister(view)
        for column in self.values.values():
            column.clear()
        return count
