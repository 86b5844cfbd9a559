"""Mappings: how a client's file layout maps onto our canonical placement fields.

A mapping is TOML::

    [columns]            # our field = their header
    client_account_ref = "Acct No"
    principal = "Balance"
    [formats]
    date = "%m/%d/%Y"
    [defaults]           # constant values for fields the file lacks
    currency = "USD"

``Mapping.bind(header)`` resolves a file's header row into a :class:`BoundMapping`, the plan
:func:`~arrears.core.formats.placements.rows.validate_row` follows for every row.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Final

from arrears.core.formats.placements.layout import FIELD_INDEX, FIELD_NAMES, FIELDS

ISO_DATE: Final = "%Y-%m-%d"
_DATE_CACHE_LIMIT: Final = 200_000


class MappingError(ValueError):
    """The mapping file itself is wrong (bad TOML, unknown fields, unreachable required fields)."""


class HeaderError(ValueError):
    """A file's header row cannot be read with the mapping: the whole file is unreadable."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


def _norm_header(text: str) -> str:
    return " ".join(text.strip().casefold().split())


def _human_format(fmt: str) -> str:
    out = fmt
    for code, human in (("%Y", "YYYY"), ("%y", "YY"), ("%m", "MM"), ("%d", "DD"),
                        ("%b", "Mon"), ("%B", "Month")):  # fmt: skip
        out = out.replace(code, human)
    return out


def _check_date_format(fmt: str) -> None:
    has_year = "%Y" in fmt or "%y" in fmt
    has_month = "%m" in fmt or "%b" in fmt or "%B" in fmt
    if not (has_year and has_month and "%d" in fmt):
        raise MappingError(
            f"[formats] date {fmt!r} must carry a year, a month and a day (e.g. '%m/%d/%Y')"
        )
    probe = date(2031, 12, 28)
    try:
        text = probe.strftime(fmt)
        back = datetime.strptime(text, fmt).date()
    except (ValueError, TypeError) as exc:
        raise MappingError(f"[formats] date {fmt!r} is not a usable date format: {exc}") from exc
    if back != probe:
        raise MappingError(
            f"[formats] date {fmt!r} must carry a year, a month and a day (e.g. '%m/%d/%Y')"
        )


@dataclass(frozen=True, slots=True)
class Mapping:
    """Our field -> their header, a date format, and constant defaults."""

    columns: dict[str, str]
    date_format: str = ISO_DATE
    defaults: dict[str, str] = field(default_factory=dict)

    @classmethod
    def default(cls) -> Mapping:
        """The documented default layout: each header is our field name, dates are ISO."""
        return cls(columns={name: name for name in FIELD_NAMES})

    def bind(self, header: list[str]) -> BoundMapping:
        """Resolve a file's header row; raise HeaderError naming the missing required columns."""
        where: dict[str, int] = {}
        repeated: set[str] = set()
        for i, name in enumerate(header):
            key = _norm_header(name)
            if not key:
                continue
            if key in where:
                repeated.add(key)
            else:
                where[key] = i
        width = len(header)
        positions: list[int] = []
        missing: list[str] = []
        ambiguous: list[str] = []
        for spec in FIELDS:
            theirs = self.columns.get(spec.name)
            pos = where.get(_norm_header(theirs)) if theirs is not None else None
            if theirs is not None and _norm_header(theirs) in repeated:
                ambiguous.append(f"{spec.name} ('{theirs}')")
            if pos is None:
                if (
                    theirs is not None
                    and _required_here(self, spec.name)
                    and not self.defaults.get(spec.name, "").strip()
                ):
                    missing.append(
                        spec.name if theirs == spec.name else f"{spec.name} ('{theirs}')"
                    )
                pos = width  # the padding cell appended to every row
            positions.append(pos)
        if missing:
            raise HeaderError(
                "the header row lacks required column(s): " + ", ".join(missing),
                missing=tuple(missing),
            )
        if ambiguous:
            raise HeaderError(
                "the header row repeats column(s) the mapping reads: " + ", ".join(ambiguous)
            )
        defaults = tuple(self.defaults.get(spec.name, spec.default).strip() for spec in FIELDS)
        return BoundMapping(
            header=list(header),
            width=width,
            positions=tuple(positions),
            defaults=defaults,
            date_format=self.date_format,
        )


def _required_here(mapping: Mapping, name: str) -> bool:
    spec = FIELDS[FIELD_INDEX[name]]
    if spec.required == "always":
        return True
    fixed_type = (
        None
        if "party_type" in mapping.columns
        else mapping.defaults.get("party_type", "person").strip().lower()
    )
    if spec.required == "person":
        return fixed_type != "business"
    if spec.required == "business":
        return fixed_type == "business"
    return False


class BoundMapping:
    """A mapping resolved against one file's header: the per-row plan for ``validate_row``."""

    __slots__ = (
        "_date_cache",
        "date_expected",
        "date_format",
        "default_items",
        "defaults",
        "header",
        "iso_dates",
        "pad",
        "pick",
        "positions",
        "width",
    )

    def __init__(
        self,
        *,
        header: list[str],
        width: int,
        positions: tuple[int, ...],
        defaults: tuple[str, ...],
        date_format: str,
    ) -> None:
        self.header = header
        self.width = width
        self.positions = positions
        self.defaults = defaults
        self.default_items = tuple((i, d) for i, d in enumerate(defaults) if d)
        self.pad = width in positions
        self.pick: itemgetter[Any] = itemgetter(*positions)
        self.date_format = date_format
        self.iso_dates = date_format == ISO_DATE
        self.date_expected = _human_format(date_format)
        self._date_cache: dict[str, date] = {}

    def position(self, name: str) -> int | None:
        """The column index of our field ``name`` in the file, or None if the file lacks it."""
        pos = self.positions[FIELD_INDEX[name]]
        return None if pos == self.width else pos

    def parse_date(self, text: str) -> date:
        """Parse a non-empty, stripped date; raise ValueError (message says why) if it is not one."""
        cache = self._date_cache
        hit = cache.get(text)
        if hit is not None:
            return hit
        if self.iso_dates or _looks_iso(text):
            # ISO dates are always accepted: XLSX date cells arrive as ISO text whatever the
            # mapping's format, and YYYY-MM-DD cannot be misread.
            if not _looks_iso(text):
                raise ValueError("shape")
            try:
                value = date.fromisoformat(text)
            except ValueError:
                raise ValueError("calendar") from None
        else:
            try:
                value = datetime.strptime(text, self.date_format).date()
            except ValueError as exc:
                raise ValueError("shape" if "does not match" in str(exc) else "calendar") from None
        if len(cache) < _DATE_CACHE_LIMIT:
            cache[text] = value
        return value


def _looks_iso(text: str) -> bool:
    return (
        len(text) == 10
        and text[4] == "-"
        and text[7] == "-"
        and text[:4].isdigit()
        and text[5:7].isdigit()
        and text[8:].isdigit()
        and text.isascii()
    )


def load_mapping(text: str) -> Mapping:
    """Read a TOML mapping; raise MappingError on any mistake, naming it."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"the mapping is not valid TOML: {exc}") from exc
    unknown_sections = sorted(set(doc) - {"columns", "formats", "defaults"})
    if unknown_sections:
        raise MappingError(
            "unknown section(s) in the mapping: "
            + ", ".join(unknown_sections)
            + " (expected [columns], [formats], [defaults])"
        )
    columns = _string_table(doc, "columns")
    defaults = _string_table(doc, "defaults")
    formats = _string_table(doc, "formats")
    unknown = sorted((set(columns) | set(defaults)) - set(FIELD_NAMES))
    if unknown:
        raise MappingError("unknown field(s) in the mapping: " + ", ".join(unknown))
    bad_formats = sorted(set(formats) - {"date"})
    if bad_formats:
        raise MappingError("unknown [formats] key(s): " + ", ".join(bad_formats))
    empty = sorted(name for name, header in columns.items() if not header.strip())
    if empty:
        raise MappingError("[columns] with an empty header: " + ", ".join(empty))
    date_format = formats.get("date", ISO_DATE)
    _check_date_format(date_format)
    mapping = Mapping(columns=columns, date_format=date_format, defaults=defaults)
    unreachable = [
        spec.name
        for spec in FIELDS
        if _required_here(mapping, spec.name)
        and spec.name not in columns
        and not defaults.get(spec.name, "").strip()
    ]
    if unreachable:
        raise MappingError(
            "required field(s) have neither a column nor a default: " + ", ".join(unreachable)
        )
    return mapping


def _string_table(doc: dict[str, Any], name: str) -> dict[str, str]:
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise MappingError(f"[{name}] must be a table")
    out: dict[str, str] = {}
    for key, value in table.items():
        if not isinstance(value, str):
            raise MappingError(f"[{name}] {key} must be a string, not {value!r}")
        out[key] = value
    return out
