import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from arrears.core.formats.placements import (
    DEFAULT_HEADER,
    Mapping,
    PlacementRow,
    Reject,
    load_mapping,
    validate_row,
)
from arrears.services.placements.readers import UnreadableFile, cell_text, count_rows, open_rows
from tests.unit.formats.helpers import FIXTURES, GOOD, TODAY


def _expected_rejects() -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    for text in (FIXTURES / "defects.expected.txt").read_text(encoding="utf-8").splitlines():
        if text and not text.startswith("#"):
            line, code, field = text.split()
            out[int(line)] = (code, field)
    return out


def _import_outcomes(path: Path, mapping: Mapping) -> list[PlacementRow | Reject]:
    """What the import service does per row, including duplicate_reference."""
    seen: set[str] = set()
    out: list[PlacementRow | Reject] = []
    with open_rows(path) as source:
        bound = mapping.bind(source.header)
        for line, values in source.rows:
            result = validate_row(values, line, bound, today=TODAY)
            if isinstance(result, PlacementRow):
                if result.client_account_ref in seen:
                    result = Reject(line, "client_account_ref", "duplicate_reference", "dup")
                else:
                    seen.add(result.client_account_ref)
            out.append(result)
    return out


class TestCsvFixtures:
    def test_good_file_loads_every_row_with_its_line(self) -> None:
        rows = _import_outcomes(FIXTURES / "good.csv", Mapping.default())
        assert all(isinstance(r, PlacementRow) for r in rows)
        parsed = [r for r in rows if isinstance(r, PlacementRow)]
        assert [(r.line, r.client_account_ref, r.balance_minor) for r in parsed] == [
            (2, "GOOD-001", 131_466),
            (3, "GOOD-002", 25_000),
            (4, "GOOD-003", 9_950),
        ]
        first, second, third = parsed
        assert first.address1 == "12 Maple St, Rear"
        assert first.last_name == "Núñez-O'Brien"
        assert first.email == "Maria.Nunez@example.com"
        assert second.creditor_classification == "02"
        assert second.zip == "900123456"
        assert (third.party_type, third.business_name, third.currency) == (
            "business", "Golden Ridge Plumbing LLC", "USD",
        )  # fmt: skip
        assert third.phones == (("+18085550144", "work"),)

    def test_defects_file_gives_each_line_its_expected_code(self) -> None:
        rows = _import_outcomes(FIXTURES / "defects.csv", Mapping.default())
        got = {r.line: (r.code, r.field) for r in rows if isinstance(r, Reject)}
        assert got == _expected_rejects()
        good = [r for r in rows if isinstance(r, PlacementRow)]
        assert [(r.line, r.address2) for r in good] == [(19, "Rear door\nup the stairs")]

    def test_other_layout_with_mapping_and_us_dates(self) -> None:
        mapping = load_mapping((FIXTURES / "other_layout.toml").read_text(encoding="utf-8"))
        rows = _import_outcomes(FIXTURES / "other_layout.csv", mapping)
        first, second, third = rows
        assert isinstance(first, PlacementRow)
        assert (first.client_account_ref, first.principal_minor, first.ssn) == (
            "X-100", 150_000, "234567890",
        )  # fmt: skip
        assert first.date_of_birth == dt.date(1990, 3, 9)
        assert first.itemization_date == first.charge_off_date == dt.date(2024, 2, 28)
        assert first.date_of_first_delinquency == dt.date(2023, 8, 1)
        assert first.phones == (("+17135550187", "mobile"),)
        assert isinstance(second, PlacementRow)  # an ISO date is accepted too
        assert second.charge_off_date == dt.date(2024, 6, 30)
        assert third == Reject(
            4, "date_of_birth", "invalid_date",
            "date_of_birth '02/30/1980' is not a real date (expected MM/DD/YYYY)",
        )  # fmt: skip


class TestUnreadableFiles:
    def test_non_utf8_file_is_unreadable(self) -> None:
        with pytest.raises(UnreadableFile, match="not UTF-8 text \\(bad byte at offset 54\\)"):
            open_rows(FIXTURES / "not_utf8.csv")

    def test_header_only_file_has_no_rows(self) -> None:
        with open_rows(FIXTURES / "header_only.csv") as source:
            assert source.header == list(DEFAULT_HEADER)
            assert list(source.rows) == []

    def test_empty_file_is_unreadable(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.csv"
        path.write_bytes(b"")
        with pytest.raises(UnreadableFile, match="is empty"):
            open_rows(path)

    def test_blank_first_line_means_no_header(self, tmp_path: Path) -> None:
        path = tmp_path / "blank.csv"
        path.write_text("\n\na,b\n", encoding="utf-8")
        with pytest.raises(UnreadableFile, match="no header row"):
            open_rows(path)

    def test_binary_file_is_unreadable(self, tmp_path: Path) -> None:
        path = tmp_path / "data.bin"
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
        with pytest.raises(UnreadableFile):
            open_rows(path)

    def test_zip_that_is_not_a_workbook_is_unreadable(self, tmp_path: Path) -> None:
        path = tmp_path / "book.xlsx"
        path.write_bytes(b"PK\x03\x04 not really a zip")
        with pytest.raises(UnreadableFile, match="not a readable XLSX workbook"):
            open_rows(path)

    def test_legacy_xls_is_unreadable_with_advice(self, tmp_path: Path) -> None:
        path = tmp_path / "old.dat"
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        with pytest.raises(UnreadableFile, match=r"save it as \.xlsx or CSV"):
            open_rows(path)


class TestCsvReading:
    def test_utf8_bom_is_dropped_and_blank_rows_are_counted_not_yielded(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "bom.csv"
        path.write_bytes("\ufeffa,b\r\n1,2\r\n\r\n , \r\n3,4\r\n".encode())
        with open_rows(path) as source:
            assert source.header == ["a", "b"]
            assert list(source.rows) == [(2, ["1", "2"]), (5, ["3", "4"])]

    def test_other_delimiters_are_detected_from_the_header(self, tmp_path: Path) -> None:
        path = tmp_path / "pipes.txt"
        path.write_text("a|b|c\n1|2,5|3\n", encoding="utf-8")
        with open_rows(path) as source:
            assert source.header == ["a", "b", "c"]
            assert list(source.rows) == [(2, ["1", "2,5", "3"])]

    def test_rows_of_another_width_are_yielded_as_they_are(self, tmp_path: Path) -> None:
        path = tmp_path / "ragged.csv"
        path.write_text("a,b\n1\n1,2,3\n", encoding="utf-8")
        with open_rows(path) as source:
            assert list(source.rows) == [(2, ["1"]), (3, ["1", "2", "3"])]

    def test_extensionless_csv_is_detected(self, tmp_path: Path) -> None:
        path = tmp_path / "upload"
        path.write_text("a,b\n1,2\n", encoding="utf-8")
        with open_rows(path) as source:
            assert source.kind == "csv"

    def test_count_rows_counts_data_lines(self, tmp_path: Path) -> None:
        path = tmp_path / "c.csv"
        path.write_text("a\n1\n2\n3", encoding="utf-8")
        assert count_rows(path) == 3
        assert count_rows(FIXTURES / "good.csv") == 3
        assert count_rows(tmp_path / "missing.csv") is None


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)


class TestXlsxReading:
    def test_reads_first_sheet_converting_cells_to_text(self, tmp_path: Path) -> None:
        row = {**GOOD, "principal": 1234.5, "fees": 35, "charge_off_date": dt.date(2024, 3, 31),
               "date_of_first_delinquency": dt.datetime(2023, 11, 15), "zip": "02108",
               "creditor_classification": 8}  # fmt: skip
        path = tmp_path / "placements.xlsx"
        _write_xlsx(path, [list(DEFAULT_HEADER), [row[h] for h in DEFAULT_HEADER], [], ["R-2"]])
        with open_rows(path) as source:
            assert source.kind == "xlsx"
            assert source.header == list(DEFAULT_HEADER)
            rows = list(source.rows)
            bound = Mapping.default().bind(source.header)
            assert [line for line, _ in rows] == [2, 4]
            values = rows[0][1]
            assert values[DEFAULT_HEADER.index("principal")] == "1234.5"
            assert values[DEFAULT_HEADER.index("fees")] == "35"
            assert values[DEFAULT_HEADER.index("charge_off_date")] == "2024-03-31"
            assert values[DEFAULT_HEADER.index("date_of_first_delinquency")] == "2023-11-15"
            parsed = validate_row(values, 2, bound, today=TODAY)
            assert isinstance(parsed, PlacementRow)
            assert (parsed.principal_minor, parsed.creditor_classification) == (123_450, "08")
            short = validate_row(rows[1][1], 4, bound, today=TODAY)
            assert isinstance(short, Reject)
            assert (short.field, short.code) == ("original_creditor", "missing_required")
        assert count_rows(path) == 3

    def test_detects_xlsx_by_magic_bytes(self, tmp_path: Path) -> None:
        path = tmp_path / "upload.bin"
        _write_xlsx(path, [["a", "b"], ["1", "2"]])
        with open_rows(path) as source:
            assert (source.kind, list(source.rows)) == ("xlsx", [(2, ["1", "2"])])

    def test_header_only_workbook_has_no_rows(self, tmp_path: Path) -> None:
        path = tmp_path / "h.xlsx"
        _write_xlsx(path, [["a", "b"]])
        with open_rows(path) as source:
            assert list(source.rows) == []

    def test_empty_workbook_is_unreadable(self, tmp_path: Path) -> None:
        path = tmp_path / "e.xlsx"
        _write_xlsx(path, [])
        with pytest.raises(UnreadableFile):
            open_rows(path)


class TestCellText:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (None, ""),
            ("x", "x"),
            (12, "12"),
            (12.0, "12"),
            (1234.5, "1234.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (19.99, "19.99"),
            (1e-7, "0.0000001"),
            (True, "TRUE"),
            (dt.date(2024, 2, 29), "2024-02-29"),
            (dt.datetime(2024, 2, 29, 0, 0), "2024-02-29"),
            (dt.datetime(2024, 2, 29, 13, 5), "2024-02-29 13:05:00"),
        ],
    )
    def test_converts_without_float_noise(self, value: object, text: str) -> None:
        assert cell_text(value) == text
