"""Rows of several tables in one round trip to the database.

A screen that shows a dozen small lists (an account's holds, notes, notices, disputes …) would
otherwise send a dozen statements, each paying the round trip, parsing and planning. Here it
sends one: a ``UNION ALL`` of one ``SELECT`` per list, every list's columns in its own slots
(typed ``NULL`` in the others' rows, as PostgreSQL settles each column's type from the parts in
order), and the model instances are rebuilt from each row's slots. The values pass through the
converters an ordinary query would apply, so dates, moments, JSON and booleans come back as
the ORM reads them, on SQLite and PostgreSQL alike.

Each list is a queryset filtered as usual. It may not be sliced or ordered (a compound statement
takes neither per part); keep a list short with a ``pk__in`` subquery that is, and order the
instances in Python.

Compiling a statement of a dozen parts and a couple of hundred columns costs the ORM tens of
milliseconds, more than running it. ``Prepared`` compiles it once per process and database: the
parts are built from named parameters (integers and moments), first with stand-in values that
are then found in the compiled parameters, so each call binds its own values in their place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Cast

Parts = dict[str, QuerySet[Any]]


@dataclass(frozen=True)
class _Part:
    name: str
    model: type[models.Model]
    attnames: list[str]
    first: int  # the position of the part's first column in a row (after the part's name)


def fetch(parts: Parts) -> dict[str, list[Any]]:
    """The instances each queryset selects, by the name it was given, in one statement."""
    union, layout = _union(parts)
    return _instances(layout, list(union), union.db)


class Prepared:
    """A fetch compiled once per process and database, run with new parameter values.

    ``build`` returns the parts from keyword parameters, each an ``int`` or a ``datetime``;
    ``stand_ins`` gives each parameter a value no real call uses (it must reach the compiled
    statement as a parameter, and only where that parameter is used)."""

    def __init__(self, build: Callable[..., Parts], **stand_ins: int | datetime) -> None:
        self.build = build
        self.stand_ins = stand_ins
        self._compiled: dict[str, _Compiled] = {}

    def fetch(self, **values: int | datetime) -> dict[str, list[Any]]:
        if set(values) != set(self.stand_ins):
            raise TypeError(f"give exactly {sorted(self.stand_ins)}")
        compiled = self._compiled.get(DEFAULT_DB_ALIAS)
        if compiled is None:
            compiled = _compile(self.build(**self.stand_ins), self.stand_ins)
            self._compiled[DEFAULT_DB_ALIAS] = compiled
        connection = connections[compiled.alias]
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            value = _adapt(values[name], connection)
            for i in positions:  # keep the driver's wrapper (psycopg's Int8 for a bigint)
                params[i] = type(params[i])(value) if isinstance(value, int) else value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return _instances(compiled.layout, _convert(rows, compiled, connection), compiled.alias)


@dataclass(frozen=True)
class _Compiled:
    alias: str
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, list[int]]  # where each named parameter sits among params
    converters: dict[int, tuple[list[Any], Any]]
    layout: list[_Part]


def _compile(parts: Parts, stand_ins: dict[str, int | datetime]) -> _Compiled:
    union, layout = _union(parts)
    compiler = union.query.get_compiler(using=union.db)
    sql, params = compiler.as_sql()
    connection = connections[union.db]
    slots: dict[str, list[int]] = {}
    for name, stand_in in stand_ins.items():
        wanted = _adapt(stand_in, connection)
        slots[name] = [i for i, p in enumerate(params) if _same(p, wanted)]
        if not slots[name]:
            raise ValueError(f"parameter {name!r} does not reach the statement")
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    return _Compiled(alias=union.db, sql=sql, params=tuple(params), slots=slots,
                     converters=compiler.get_converters(fields), layout=layout)  # fmt: skip


def _same(param: Any, wanted: Any) -> bool:
    if isinstance(wanted, int):  # an int, or a driver's subclass of it
        return isinstance(param, int) and not isinstance(param, bool) and param == wanted
    return type(param) is type(wanted) and param == wanted


def _adapt(value: int | datetime, connection: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _convert(rows: list[Any], compiled: _Compiled, connection: Any) -> Iterator[list[Any]]:
    """The ORM's converters applied to raw rows, as its compiler applies them."""
    converters = list(compiled.converters.items())
    for raw in rows:
        row = list(raw)
        for position, (functions, expression) in converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        yield row


def _union(parts: Parts) -> tuple[QuerySet[Any], list[_Part]]:
    layout: list[_Part] = []
    width = 0
    for name, queryset in parts.items():
        attnames = [f.attname for f in queryset.model._meta.concrete_fields]
        layout.append(_Part(name, queryset.model, attnames, 1 + width))
        width += len(attnames)
    selects: list[QuerySet[Any]] = []
    for part in layout:
        columns: dict[str, Any] = {"t_part": Value(part.name, output_field=models.CharField())}
        for other in layout:
            for n, field in enumerate(other.model._meta.concrete_fields):
                key = f"t_{other.first + n}"
                columns[key] = F(field.attname) if other is part else _null(field)
        selects.append(parts[part.name].order_by().annotate(**columns).values_list(*columns))
    head, *rest = selects
    return (head.union(*rest, all=True) if rest else head), layout


def _instances(layout: list[_Part], rows: Iterable[Any], alias: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {part.name: [] for part in layout}
    by_name = {part.name: part for part in layout}
    for row in rows:
        part = by_name[row[0]]
        values = list(row[part.first : part.first + len(part.attnames)])
        found[part.name].append(part.model.from_db(alias, part.attnames, values))
    return found


def _null(field: models.Field[Any, Any]) -> Cast:
    """A NULL of the field's type."""
    return Cast(Value(None), output_field=field)
