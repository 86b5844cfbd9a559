"""A print batch: one merged PDF of many letters and the mail vendor's manifest.

The PDF is read back here by a small reader of its own (cross-reference table, page tree,
content streams and the fonts' ToUnicode maps): no PDF library is installed, and the batch's
joiner must not be checked with its own parser. Each letter's pages are found by the footer
every page prints ("Reference X · page 1 of 2"), so the manifest's first pages are checked
against what is really printed there."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zlib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from arrears.adapters.letters.batch import (
    BatchError,
    PrintBatch,
    PrintBatchRenderer,
    print_batch,
)
from arrears.adapters.letters.renderer import TEMPLATES, LetterRenderer
from arrears.core.compliance import CollectorKind
from arrears.core.compliance.validation import Itemization, Party, ValidationNotice
from arrears.core.letters import LetterHead, PaymentConfirmation, plan_confirmation
from arrears.core.letters.printing import PrintLetter
from arrears.core.money import Money

SENT_ON = date(2026, 11, 24)
COLLECTOR = Party("Arrears Recovery Services", ("PO Box 4100", "Albany, NY 12204"))


# --- a PDF reader for the tests ---------------------------------------------------------------


def _objects(pdf: bytes) -> tuple[dict[int, tuple[bytes, bytes | None]], int]:
    """Every object by the cross-reference table's offsets, and the catalog's number."""
    xref = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf).group(1))  # type: ignore[union-attr]
    assert pdf.startswith(b"xref\n0 ", xref)
    lines = pdf[xref:].split(b"\n")
    size = int(lines[1].split()[1])
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    for number in range(1, size):
        entry = lines[2 + number]
        offset = int(entry[:10])
        start = b"%d 0 obj\n" % number
        assert pdf.startswith(start, offset), f"object {number} is not where the table says"
        body = pdf[offset + len(start) :]
        if (head_end := body.find(b"\nstream\n")) != -1 and head_end < body.find(b"\nendobj"):
            head = body[:head_end]
            length = int(re.search(rb"/Length (\d+)", head).group(1))  # type: ignore[union-attr]
            data = body[head_end + 8 : head_end + 8 + length]
            assert body.startswith(b"\nendstream\nendobj\n", head_end + 8 + length)
            objects[number] = (head, zlib.decompress(data) if b"/FlateDecode" in head else data)
        else:
            objects[number] = (body[: body.index(b"\nendobj\n")], None)
    root = int(re.search(rb"trailer\n<<.*/Root (\d+) 0 R", pdf).group(1))  # type: ignore[union-attr]
    return objects, root


def _ref(head: bytes, key: bytes) -> int:
    return int(re.search(rb"/" + key + rb" (\d+) 0 R", head).group(1))  # type: ignore[union-attr]


def _leaves(objects: dict[int, tuple[bytes, bytes | None]], number: int) -> list[int]:
    head = objects[number][0]
    if re.search(rb"/Type /Page(?!s)", head):
        return [number]
    kids = re.search(rb"/Kids \[([^\]]*)\]", head).group(1)  # type: ignore[union-attr]
    return [leaf for kid in re.findall(rb"(\d+) 0 R", kids) for leaf in _leaves(objects, int(kid))]


def _unicode_map(cmap: bytes) -> dict[str, str]:
    pairs = re.findall(rb"<([0-9a-f]+)> <([0-9a-f]+)>", cmap)
    return {gid.decode(): bytes.fromhex(text.decode()).decode("utf-16-be") for gid, text in pairs}


def pages_text(pdf: bytes) -> list[str]:
    """The text drawn on each page, in page order, runs joined by spaces."""
    objects, root = _objects(pdf)
    texts = []
    for page in _leaves(objects, _ref(objects[root][0], b"Pages")):
        head = objects[page][0]
        content = objects[_ref(head, b"Contents")][1] or b""
        resources = objects[_ref(head, b"Resources")][0]
        fonts: dict[bytes, dict[str, str]] = {}
        if b"/Font" in resources:
            for name, font in re.findall(
                rb"/(\w+) (\d+) 0 R", objects[_ref(resources, b"Font")][0]
            ):
                cmap = objects[_ref(objects[int(font)][0], b"ToUnicode")][1] or b""
                fonts[name] = _unicode_map(cmap)
        runs, font_map = [], {}
        for match in re.finditer(rb"/(\w+) [\d.]+ Tf|\[((?:<[0-9a-f]*>|[-\d.\s])*)\] TJ", content):
            if match.group(1) is not None:
                font_map = fonts[match.group(1)]
                continue
            glyphs = "".join(h.decode() for h in re.findall(rb"<([0-9a-f]*)>", match.group(2)))
            runs.append("".join(font_map[glyphs[i : i + 4]] for i in range(0, len(glyphs), 4)))
        texts.append(re.sub(r"\s+", " ", " ".join(runs)).strip())
    return texts


# --- letters ------------------------------------------------------------------------------------


def usd(minor: int) -> Money:
    return Money.from_minor(minor, "USD")


def notice(reference: str, consumer: Party) -> ValidationNotice:
    return ValidationNotice(
        reference=reference, sent_on=SENT_ON, period_ends_on=date(2027, 1, 5),
        collector=COLLECTOR, collector_phone="(800) 555-0142",
        collector_hours="Monday to Friday, 8 am to 8 pm", collector_website="",
        consumer=consumer, creditor_on_itemization_date="Northbridge Bank",
        account_number_masked="ending in 4821", current_creditor="Meridian Portfolio Holdings LLC",
        itemization=Itemization(date(2025, 3, 31), "charge-off", usd(245_067), usd(12_345),
                                usd(3_500), usd(10_000), usd(250_912)),
    )  # fmt: skip


def head(reference: str, consumer: Party) -> LetterHead:
    return LetterHead(
        reference=reference, sent_on=SENT_ON, collector=COLLECTOR,
        collector_phone="(800) 555-0142", collector_hours="Monday to Friday, 8 am to 8 pm",
        collector_website="", consumer=consumer, account_number="100002",
        creditor="Meridian Portfolio Holdings LLC", collector_kind=CollectorKind.AGENCY,
    )  # fmt: skip


PEOPLE = (
    Party("Maria Gonzalez", ("1234 Elmwood Ave", "Apt 5B", "Buffalo, NY 14222-1234")),
    Party("José Muñoz", ("77 Calle Luna", "Bayamón, PR 00961")),
    Party("Pat Doe", ("1 Main St", "Buffalo, NY 14201")),
    Party("Lee Wong", ("9 Oak Ct", "Tampa, FL 33602")),
)


@pytest.fixture(scope="module")
def letters() -> list[PrintLetter]:
    """A notice (2 pages), a payment confirmation (1), a 40-week plan (2), a notice (2)."""
    renderer = LetterRenderer()
    plan = plan_confirmation(
        head=head("PL-100002-1", PEOPLE[2]), agreed_on=SENT_ON, frequency="weekly",
        instalments=[(SENT_ON + timedelta(days=7 * (i + 1)), 2_500) for i in range(40)],
        balance_minor=100_000,
    )  # fmt: skip
    payment = PaymentConfirmation(
        head=head("PC-100001-1", PEOPLE[1]), amount=usd(12_550), received_on=date(2026, 11, 20),
        method="ACH", payment_reference="ACH-1", balance_after=usd(89_950),
    )  # fmt: skip
    htmls = (
        ("VN-100000-20261124", renderer.validation_notice_html(notice("VN-100000-20261124",
                                                                      PEOPLE[0]))),
        ("PC-100001-1", renderer.payment_confirmation_html(payment)),
        ("PL-100002-1", renderer.plan_confirmation_html(plan)),
        ("VN-100003-20261124", renderer.validation_notice_html(notice("VN-100003-20261124",
                                                                      PEOPLE[3]))),
    )  # fmt: skip
    return [
        PrintLetter(
            reference=reference,
            account_id=100_000 + i,
            html=html,
            name=PEOPLE[i].name,
            address_lines=PEOPLE[i].address_lines,
            zip_code=PEOPLE[i].address_lines[-1].rsplit(" ", 1)[1],
        )
        for i, (reference, html) in enumerate(htmls)
    ]


@pytest.fixture(scope="module")
def alone(letters: list[PrintLetter]) -> list[int]:
    """Each letter's pages when WeasyPrint lays it out alone, as the renderer does."""
    from weasyprint import HTML

    counts = [len(HTML(string=letter.html, base_url=str(TEMPLATES)).render().pages)
              for letter in letters]  # fmt: skip
    assert counts == [2, 1, 2, 2], "the letters chosen no longer have the pages these tests need"
    return counts


@pytest.fixture(scope="module")
def simplex(letters: list[PrintLetter]) -> PrintBatch:
    return print_batch(letters, batch_id="2026-11-24-simplex", duplex=False)


@pytest.fixture(scope="module")
def duplex(letters: list[PrintLetter]) -> PrintBatch:
    return print_batch(letters, batch_id="2026-11-24-duplex", duplex=True, chunk_letters=3)


# --- the tests ----------------------------------------------------------------------------------


class TestPrintBatch:
    def test_the_pdf_has_every_page_of_every_letter_and_no_more(
        self, simplex: PrintBatch, alone: list[int]
    ) -> None:
        assert len(pages_text(simplex.pdf)) == sum(alone) == 7
        assert [line.pages for line in simplex.lines] == alone
        assert (simplex.letters, simplex.pages, simplex.blank_pages, simplex.pdf_pages) == (
            4, 7, 0, 7)  # fmt: skip

    def test_each_letter_starts_on_the_page_the_manifest_gives(self, simplex: PrintBatch) -> None:
        text = pages_text(simplex.pdf)
        assert [line.first_page for line in simplex.lines] == [1, 3, 4, 6]
        for line in simplex.lines:
            first, last = text[line.first_page - 1], text[line.last_page - 1]
            assert first.endswith(f"Reference {line.reference} · page 1 of {line.pages}")
            assert line.name in first
            assert last.endswith(f"Reference {line.reference} · page {line.pages} of {line.pages}")

    def test_a_two_page_letter_is_followed_by_the_next_on_its_third_page(
        self, simplex: PrintBatch
    ) -> None:
        notice, payment = simplex.lines[0], simplex.lines[1]
        assert (notice.first_page, notice.pages, notice.last_page) == (1, 2, 2)
        assert payment.first_page == 3
        text = pages_text(simplex.pdf)
        assert text[1].endswith("Reference VN-100000-20261124 · page 2 of 2")
        assert text[2].endswith("Reference PC-100001-1 · page 1 of 1")

    def test_simplex_uses_a_sheet_a_page(self, simplex: PrintBatch) -> None:
        assert [line.sheets for line in simplex.lines] == [2, 1, 2, 2]
        assert simplex.sheets == 7

    def test_duplex_puts_a_blank_back_after_an_odd_letter_so_each_starts_a_sheet(
        self, duplex: PrintBatch
    ) -> None:
        text = pages_text(duplex.pdf)
        lines = duplex.lines
        assert [line.first_page for line in lines] == [1, 3, 5, 7]
        assert [line.blank_pages for line in lines] == [0, 1, 0, 0]
        assert [line.sheets for line in lines] == [1, 1, 1, 1]
        assert (duplex.pages, duplex.blank_pages, duplex.pdf_pages, duplex.sheets) == (7, 1, 8, 4)
        assert len(text) == 8
        assert text[3] == ""  # the payment confirmation's blank back
        assert text[4].endswith("Reference PL-100002-1 · page 1 of 2")

    def test_the_same_letters_give_the_same_bytes_however_many_processes_render_them(
        self, letters: list[PrintLetter], duplex: PrintBatch
    ) -> None:
        again = print_batch(letters, batch_id="2026-11-24-duplex", duplex=True, chunk_letters=3)
        assert again.pdf == duplex.pdf
        in_two = print_batch(letters, batch_id="2026-11-24-duplex", duplex=True,
                             chunk_letters=3, workers=2)  # fmt: skip
        assert in_two.pdf == duplex.pdf
        assert in_two.manifest_json() == duplex.manifest_json()

    def test_the_pdf_says_which_batch_it_is_and_carries_no_date(self, duplex: PrintBatch) -> None:
        assert b"/Title (Print batch 2026-11-24-duplex)" in duplex.pdf
        assert b"CreationDate" not in duplex.pdf
        assert b"ModDate" not in duplex.pdf


class TestPrintBatcherPort:
    def test_the_port_gives_the_file_and_both_manifests(
        self, letters: list[PrintLetter], simplex: PrintBatch
    ) -> None:
        printed = PrintBatchRenderer(workers=1).batch(letters, reference="2026-11-24-simplex")
        assert printed.pdf == simplex.pdf
        assert printed.manifest_csv == simplex.manifest_csv().encode("utf-8")
        assert json.loads(printed.manifest_json)["totals"]["sheets"] == 7
        assert (printed.reference, printed.letters, printed.pages, printed.sheets) == (
            "2026-11-24-simplex", 4, 7, 7)  # fmt: skip
        assert printed.sha256 == hashlib.sha256(simplex.pdf).hexdigest()


class TestManifest:
    def test_json_has_the_totals_and_the_pdf_s_sha256(self, duplex: PrintBatch) -> None:
        manifest = json.loads(duplex.manifest_json())
        assert manifest["pdf_sha256"] == hashlib.sha256(duplex.pdf).hexdigest()
        assert manifest["pdf_bytes"] == len(duplex.pdf)
        assert manifest["duplex"] is True
        assert manifest["totals"] == {"letters": 4, "pages": 7, "blank_pages": 1,
                                      "pdf_pages": 8, "sheets": 4}  # fmt: skip
        assert manifest["letters"][1] == {
            "sequence": 2, "reference": "PC-100001-1", "account_id": 100_001, "first_page": 3,
            "pages": 1, "blank_pages": 1, "sheets": 1, "name": "José Muñoz",
            "address_lines": ["77 Calle Luna", "Bayamón, PR 00961"], "zip": "00961",
        }  # fmt: skip

    def test_csv_has_a_row_a_letter_and_four_address_columns(self, duplex: PrintBatch) -> None:
        rows = list(csv.reader(io.StringIO(duplex.manifest_csv())))
        assert rows[0] == ["sequence", "reference", "account_id", "first_page", "pages",
                           "blank_pages", "sheets", "name", "address_line_1", "address_line_2",
                           "address_line_3", "address_line_4", "zip"]  # fmt: skip
        assert rows[1] == ["1", "VN-100000-20261124", "100000", "1", "2", "0", "1",
                           "Maria Gonzalez", "1234 Elmwood Ave", "Apt 5B",
                           "Buffalo, NY 14222-1234", "", "14222-1234"]  # fmt: skip
        assert [row[3] for row in rows[1:]] == ["1", "3", "5", "7"]
        assert len(rows) == 5

    def test_write_puts_the_pdf_and_both_manifests_in_the_folder(
        self, duplex: PrintBatch, tmp_path: Path
    ) -> None:
        pdf, manifest_json, manifest_csv = duplex.write(tmp_path)
        assert pdf.read_bytes() == duplex.pdf
        assert json.loads(manifest_json.read_text("utf-8"))["pdf_sha256"] == duplex.pdf_sha256
        assert manifest_csv.read_bytes().decode("utf-8") == duplex.manifest_csv()
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "2026-11-24-duplex.manifest.csv", "2026-11-24-duplex.manifest.json",
            "2026-11-24-duplex.pdf"]  # fmt: skip


class TestRefusals:
    def letter(self, reference: str = "VN-1", **changes: object) -> PrintLetter:
        values: dict[str, object] = {
            "reference": reference, "account_id": 1, "html": "<p>x</p>", "name": "Pat Doe",
            "address_lines": ("1 Main St", "Buffalo, NY 14201"), "zip_code": "14201",
        }  # fmt: skip
        values.update(changes)
        return PrintLetter(**values)  # type: ignore[arg-type]

    @pytest.mark.parametrize("workers", [1, 2])
    def test_a_letter_weasyprint_cannot_render_stops_the_batch_and_is_named(
        self, workers: int
    ) -> None:
        letters = [self.letter("A-1", html=None), self.letter("A-2", html=None)]
        with pytest.raises(BatchError, match=r"letter 'A-[12]' could not be rendered"):
            print_batch(letters, batch_id="b", duplex=True, workers=workers, chunk_letters=1)

    @pytest.mark.parametrize(
        ("letters", "message"),
        [
            ([], "at least one letter"),
            (["same", "same"], "'same' is in the batch twice"),
            ([{"name": " "}], "no name"),
            ([{"address_lines": ()}], "no address"),
            ([{"address_lines": ("a", "b", "c", "d", "e")}], "more than 4 address lines"),
            ([{"zip_code": ""}], "no ZIP code"),
        ],
    )
    def test_a_letter_that_cannot_be_mailed_is_refused_before_anything_is_rendered(
        self, letters: list[object], message: str
    ) -> None:
        built = [
            self.letter(item) if isinstance(item, str) else self.letter(**item)  # type: ignore[arg-type]
            for item in letters
        ]
        with pytest.raises(BatchError, match=message):
            print_batch(built, batch_id="b", duplex=True)

    def test_a_batch_is_written_to_files_only_under_a_plain_name(
        self, duplex: PrintBatch, tmp_path: Path
    ) -> None:
        with pytest.raises(BatchError, match="batch id"):
            replace(duplex, batch_id="../etc").write(tmp_path)
        assert list(tmp_path.iterdir()) == []
