"""Set-based writes for heavy paths: reserve ids, then COPY (PostgreSQL) or executemany (SQLite).

The ORM's ``bulk_create`` builds a model object per row, which caps imports near a few thousand
rows a second. Here rows are plain tuples in the model's column order, ids are reserved up front
(so related rows can point at each other before anything is written), and the rows go to the
database in one binary COPY or one executemany per table and batch. Call inside
``transaction.atomic``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


class TableWriter:
    """Writes tuples of ``columns`` (model field names) into one model's table."""

    def __init__(self, model: type[Model], fields: Sequence[str]) -> None:
        meta = model._meta
        self.table = str(meta.db_table)
        self.columns = [str(meta.get_field(name).column) for name in fields]  # type: ignore[union-attr]
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        self._copy_sql = (
            f"COPY {connection.ops.quote_name(self.table)} ({quoted}) FROM STDIN (FORMAT BINARY)"
        )
        self._type_oids: list[int] | None = None
        marks = ", ".join(["%s"] * len(self.columns))
        self._sequence: str | None = None
        self._insert_sql = (
            f"INSERT INTO {connection.ops.quote_name(self.table)} ({quoted}) VALUES ({marks})"
        )

    def reserve_ids(self, count: int) -> list[int]:
        """Ids nobody else will use, for rows this transaction is about to write."""
        if count <= 0:
            return []
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                if self._sequence is None:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table])
                    self._sequence = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT array(SELECT nextval(%s) FROM generate_series(1, %s))",
                    [self._sequence, count],
                )
                return list(cursor.fetchone()[0])
            # SQLite: the IMMEDIATE transaction holds the write lock, so max(id) is stable.
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{self.table}"')
            top = int(cursor.fetchone()[0])
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
            seq_row = cursor.fetchone()
            if seq_row is not None:
                top = max(top, int(seq_row[0]))
            first = top + 1
            # Move the sequence past the reservation so later ORM inserts cannot collide.
            if seq_row is None:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                    [self.table, first + count - 1],
                )
            else:
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s",
                    [first + count - 1, self.table],
                )
            return list(range(first, first + count))

    def _column_types(self, raw: Any) -> list[int]:
        """The columns' type oids, for binary COPY (a third of text COPY's client CPU)."""
        if self._type_oids is None:
            found = dict(
                raw.execute(
                    "SELECT attname, atttypid::int FROM pg_attribute "
                    "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                    [self.table],
                ).fetchall()
            )
            self._type_oids = [int(found[column]) for column in self.columns]
        return self._type_oids

    def write(self, rows: Iterable[Sequence[Any]]) -> int:
        written = 0
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            raw = connection.connection
            oids = self._column_types(raw)
            with raw.cursor() as cursor, cursor.copy(self._copy_sql) as copy:
                copy.set_types(oids)
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        batch = list(rows)
        if batch:
            with connection.cursor() as cursor:
                cursor.executemany(self._insert_sql, batch)
        return len(batch)


def update_by_id(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Set ``fields`` on many rows at once; each row is ``(id, value, value, ...)``.

    PostgreSQL: COPY into a temporary table, then one ``UPDATE ... FROM``. SQLite: executemany of
    an UPDATE by primary key (fast there: no network, one transaction).
    """
    if not rows:
        return 0
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = [str(meta.get_field(name).column) for name in fields]  # type: ignore[union-attr]
    q = connection.ops.quote_name
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cursor:
            cols = ", ".join(q(c) for c in ["id", *columns])
            cursor.execute(
                f"CREATE TEMP TABLE _bulk_update_src ON COMMIT DROP AS "
                f"SELECT {cols} FROM {table} WITH NO DATA"
            )
            with cursor.copy(f"COPY _bulk_update_src ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            assignments = ", ".join(f"{q(c)} = s.{q(c)}" for c in columns)
            cursor.execute(
                f"UPDATE {table} t SET {assignments} FROM _bulk_update_src s WHERE t.id = s.id"
            )
            cursor.execute("DROP TABLE _bulk_update_src")
        return len(rows)
    assignments = ", ".join(f"{q(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",
            [(*row[1:], row[0]) for row in rows],
        )
    return len(rows)
