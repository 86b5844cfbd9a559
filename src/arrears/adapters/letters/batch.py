"""A print batch for the mail vendor: many letters as ONE merged PDF, with a manifest.

Input: the letters in mailing order (``PrintLetter`` of ``core.letters.printing``: reference, account id, the letter's full
HTML as ``LetterRenderer`` makes it, and its mailing block: name, address lines, ZIP). Output
(``PrintBatch``): the PDF, and the manifest as JSON and as CSV.

Each letter is laid out on its own, exactly as when it is rendered alone (its page footer
says "page 1 of 2" of that letter, not of the batch), and the pages are then written
together. Letters are rendered in chunks of ``chunk_letters``, in ``workers`` processes, and
the chunks' PDFs joined (``pdf_merge``). The chunks do not depend on the number of workers,
so the same letters with the same ``chunk_letters`` give a byte-identical PDF however many
processes rendered it, on any run (WeasyPrint writes no date unless the HTML asks for one,
and the join adds none).

Speed (``bench/letters_bench.py``, 2-core box): about 27 pages a second in one process,
against 19 for one PDF a letter, because fontconfig and an HTTPS context (WeasyPrint sets up
both for every document by default) are set up once per process here; 45 to 49 pages a second
with two processes, of which a second or so goes to starting the helper. One HTML document of
all the letters is no faster, and would number the pages of the whole batch in every footer.

Duplex: each letter with an odd number of pages is followed by a blank page (its last
sheet's back), so that every letter starts on the front of a new sheet and the file can be
cut into letters by sheet. Simplex: no blank pages.

Manifest columns (CSV, one row per letter, a header row, UTF-8, RFC 4180; JSON ``letters``
holds the same fields, the address lines as a list):

- ``sequence``: 1, 2, ... in mailing order;
- ``reference``: the letter's reference (printed on it);
- ``account_id``;
- ``first_page``: the letter's first page in the PDF, counting from 1;
- ``pages``: the letter's printed pages;
- ``blank_pages``: blank pages after it (1 in duplex after an odd number of pages, else 0);
  the next letter starts at ``first_page + pages + blank_pages``;
- ``sheets``: sheets of paper: ``pages`` in simplex, ``ceil(pages / 2)`` in duplex;
- ``name``, ``address_line_1`` to ``address_line_4`` (empty when the address has fewer
  lines), ``zip``: the mailing block, the last address line being "City, ST ZIP".

The JSON manifest adds the batch: ``batch_id``, ``duplex``, ``pdf_sha256`` (SHA-256 of the
PDF file, hexadecimal), ``pdf_bytes``, and ``totals``: ``letters``, ``pages``,
``blank_pages``, ``pdf_pages`` (the PDF's page count: pages + blank pages) and ``sheets``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import multiprocessing
import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arrears.adapters.letters.pdf_merge import merge_pdfs
from arrears.adapters.letters.renderer import TEMPLATES
from arrears.core.letters.printing import PrintFile, PrintLetter

CHUNK_LETTERS = 10  # letters laid out and written together in one process before joining
ADDRESS_LINES = 4  # address lines a manifest row holds (a USPS block has at most 4 under the name)
CSV_COLUMNS = (
    "sequence", "reference", "account_id", "first_page", "pages", "blank_pages", "sheets",
    "name", *(f"address_line_{i}" for i in range(1, ADDRESS_LINES + 1)), "zip",
)  # fmt: skip
_BATCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class BatchError(ValueError):
    """A batch that cannot be printed as given; the message says which letter and why."""


@dataclass(frozen=True)
class ManifestLine:
    """Where one letter is in the PDF and where it is mailed."""

    sequence: int
    reference: str
    account_id: int
    first_page: int
    pages: int
    blank_pages: int
    sheets: int
    name: str
    address_lines: tuple[str, ...]
    zip_code: str

    @property
    def last_page(self) -> int:
        """The letter's last printed page in the PDF (a blank back comes after it)."""
        return self.first_page + self.pages - 1


@dataclass(frozen=True)
class PrintBatch:
    batch_id: str
    duplex: bool
    pdf: bytes
    lines: tuple[ManifestLine, ...]

    @property
    def letters(self) -> int:
        return len(self.lines)

    @property
    def pages(self) -> int:
        return sum(line.pages for line in self.lines)

    @property
    def blank_pages(self) -> int:
        return sum(line.blank_pages for line in self.lines)

    @property
    def pdf_pages(self) -> int:
        return self.pages + self.blank_pages

    @property
    def sheets(self) -> int:
        return sum(line.sheets for line in self.lines)

    @property
    def pdf_sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()

    def manifest(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "duplex": self.duplex,
            "pdf_sha256": self.pdf_sha256,
            "pdf_bytes": len(self.pdf),
            "totals": {
                "letters": self.letters,
                "pages": self.pages,
                "blank_pages": self.blank_pages,
                "pdf_pages": self.pdf_pages,
                "sheets": self.sheets,
            },
            "letters": [
                {
                    "sequence": line.sequence,
                    "reference": line.reference,
                    "account_id": line.account_id,
                    "first_page": line.first_page,
                    "pages": line.pages,
                    "blank_pages": line.blank_pages,
                    "sheets": line.sheets,
                    "name": line.name,
                    "address_lines": list(line.address_lines),
                    "zip": line.zip_code,
                }
                for line in self.lines
            ],
        }

    def manifest_json(self) -> str:
        return json.dumps(self.manifest(), indent=2, ensure_ascii=False) + "\n"

    def manifest_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for line in self.lines:
            address = [*line.address_lines, *[""] * (ADDRESS_LINES - len(line.address_lines))]
            writer.writerow([line.sequence, line.reference, line.account_id, line.first_page,
                             line.pages, line.blank_pages, line.sheets, line.name, *address,
                             line.zip_code])  # fmt: skip
        return out.getvalue()

    def write(self, folder: Path) -> tuple[Path, Path, Path]:
        """``<batch_id>.pdf``, ``<batch_id>.manifest.json`` and ``.manifest.csv`` in the
        folder; each file is written aside and renamed, so none is ever seen half written."""
        if not _BATCH_ID.fullmatch(self.batch_id):
            raise BatchError(f"a batch id that names files is letters, digits, '.', '_' and '-', "
                             f"not {self.batch_id!r}")  # fmt: skip
        folder.mkdir(parents=True, exist_ok=True)
        paths = (folder / f"{self.batch_id}.pdf", folder / f"{self.batch_id}.manifest.json",
                 folder / f"{self.batch_id}.manifest.csv")  # fmt: skip
        contents = (self.pdf, self.manifest_json().encode("utf-8"),
                    self.manifest_csv().encode("utf-8"))  # fmt: skip
        for path, content in zip(paths, contents, strict=True):
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(content)
            partial.replace(path)
        return paths


def _check(letters: Sequence[PrintLetter], batch_id: str, chunk_letters: int) -> None:
    if not batch_id.strip():
        raise BatchError("a batch needs an id")
    if not letters:
        raise BatchError("a batch needs at least one letter")
    if chunk_letters < 1:
        raise BatchError(f"chunk_letters must be at least 1, not {chunk_letters}")
    seen: set[str] = set()
    for letter in letters:
        where = f"letter {letter.reference!r}"
        if not letter.reference.strip():
            raise BatchError("a letter has no reference")
        if letter.reference in seen:
            raise BatchError(f"{where} is in the batch twice")
        seen.add(letter.reference)
        if not letter.name.strip():
            raise BatchError(f"{where} has no name to mail it to")
        if not letter.address_lines or not all(line.strip() for line in letter.address_lines):
            raise BatchError(f"{where} has no address, or an empty address line")
        if len(letter.address_lines) > ADDRESS_LINES:
            raise BatchError(f"{where} has more than {ADDRESS_LINES} address lines")
        if not letter.zip_code.strip():
            raise BatchError(f"{where} has no ZIP code")


# --- rendering: runs in the worker processes (or in this one) -----------------------------------

# Made once per thread and shared by every letter it renders: WeasyPrint would otherwise set
# up fontconfig and an HTTPS context (loading the system's CA certificates) for each letter,
# a third of the time of a one-page letter. Per thread, because Pango's font map is not safe to
# share between threads. Letters load nothing from the network: only file and data URLs.
_ENGINE = threading.local()


def _engine() -> Any:
    if not hasattr(_ENGINE, "fonts"):
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        _ENGINE.fetcher = URLFetcher(allowed_protocols=("file", "data"))
        _ENGINE.fonts = FontConfiguration()
        _ENGINE.blanks = {}
    return _ENGINE


def _blank_page(width: float, height: float) -> Any:
    """An empty page of that size (CSS pixels), made once per size."""
    from weasyprint import HTML

    engine = _engine()
    key = (width, height)
    if key not in engine.blanks:
        html = f"<style>@page {{ size: {width}px {height}px; margin: 0 }}</style>"
        document = HTML(string=html, url_fetcher=engine.fetcher).render(font_config=engine.fonts)
        engine.blanks[key] = document.pages[0]
    return engine.blanks[key]


@dataclass(frozen=True)
class _Chunk:
    references: tuple[str, ...]
    htmls: tuple[str, ...]
    base_url: str
    duplex: bool


def _render_chunk(chunk: _Chunk) -> tuple[bytes, list[int]]:
    """The chunk's letters as one PDF (blank backs included), and each letter's page count."""
    from weasyprint import HTML

    engine = _engine()
    documents, pages, counts = [], [], []
    for reference, html in zip(chunk.references, chunk.htmls, strict=True):
        try:
            parsed = HTML(string=html, base_url=chunk.base_url, url_fetcher=engine.fetcher)
            document = parsed.render(font_config=engine.fonts)
        except Exception as exc:
            raise BatchError(f"letter {reference!r} could not be rendered: {exc}") from exc
        documents.append(document)
        pages.extend(document.pages)
        counts.append(len(document.pages))
        if chunk.duplex and len(document.pages) % 2:
            last = document.pages[-1]
            pages.append(_blank_page(last.width, last.height))
    pdf: bytes = documents[0].copy(pages).write_pdf()
    return pdf, counts


def _render_all(chunks: Sequence[_Chunk], workers: int) -> list[tuple[bytes, list[int]]]:
    """Every chunk rendered, in order, by this process and ``workers - 1`` helper processes,
    each taking the next chunk when it is free. This process starts at once; a helper takes
    about a second to start (importing WeasyPrint), and takes fewer chunks for it."""
    if workers <= 1 or len(chunks) <= 1:
        return [_render_chunk(chunk) for chunk in chunks]
    order = iter(range(len(chunks)))
    lock, stop = threading.Lock(), threading.Event()
    results: dict[int, tuple[bytes, list[int]] | Future[tuple[bytes, list[int]]]] = {}

    def take() -> int | None:
        with lock:
            return None if stop.is_set() else next(order, None)

    helpers = min(workers - 1, len(chunks) - 1)
    context = multiprocessing.get_context("spawn")  # nothing of this process is inherited
    with ProcessPoolExecutor(helpers, mp_context=context) as pool:

        def feed() -> None:  # in a thread: gives each helper its next chunk when it is done
            running: dict[Future[tuple[bytes, list[int]]], int] = {}
            for _ in range(helpers):
                if (i := take()) is not None:
                    running[pool.submit(_render_chunk, chunks[i])] = i
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    results[running.pop(future)] = future
                    if future.exception() is not None:
                        stop.set()
                    elif (i := take()) is not None:
                        running[pool.submit(_render_chunk, chunks[i])] = i

        feeder = threading.Thread(target=feed, name="print-batch-feeder", daemon=True)
        feeder.start()
        try:
            while (i := take()) is not None:
                results[i] = _render_chunk(chunks[i])
        except BaseException:
            stop.set()
            raise
        finally:
            feeder.join()
    for i in sorted(results):  # a helper's failure, the first in the batch's order
        part = results[i]
        if isinstance(part, Future) and (error := part.exception()) is not None:
            raise error
    return [
        part.result() if isinstance(part, Future) else part
        for part in (results[i] for i in range(len(chunks)))
    ]


# --- the batch ------------------------------------------------------------------------------------


def print_batch(
    letters: Sequence[PrintLetter],
    *,
    batch_id: str,
    duplex: bool,
    workers: int = 1,
    chunk_letters: int = CHUNK_LETTERS,
    base_url: Path = TEMPLATES,
) -> PrintBatch:
    """The letters, in the order given, as one PDF and its manifest.

    ``workers`` processes render the chunks: this one and ``workers - 1`` fresh ones, started
    with "spawn" so that a caller holding database connections or threads is safe; with 1,
    this process alone. Raises ``BatchError`` for a letter that cannot be printed, naming it."""
    _check(letters, batch_id, chunk_letters)
    chunks = [
        _Chunk(
            references=tuple(letter.reference for letter in part),
            htmls=tuple(letter.html for letter in part),
            base_url=str(base_url),
            duplex=duplex,
        )
        for part in (letters[i : i + chunk_letters] for i in range(0, len(letters), chunk_letters))
    ]
    rendered = _render_all(chunks, workers)

    from weasyprint import __version__ as weasyprint_version

    pdf, pdf_pages = merge_pdfs(
        [part for part, _ in rendered],
        title=f"Print batch {batch_id}",
        producer=f"Arrears print batch (WeasyPrint {weasyprint_version})",
    )
    counts = [count for _, part_counts in rendered for count in part_counts]
    lines, first = [], 1
    for sequence, (letter, count) in enumerate(zip(letters, counts, strict=True), start=1):
        blank = count % 2 if duplex else 0
        lines.append(ManifestLine(
            sequence=sequence, reference=letter.reference, account_id=letter.account_id,
            first_page=first, pages=count, blank_pages=blank,
            sheets=math.ceil(count / 2) if duplex else count, name=letter.name,
            address_lines=tuple(letter.address_lines), zip_code=letter.zip_code,
        ))  # fmt: skip
        first += count + blank
    batch = PrintBatch(batch_id=batch_id, duplex=duplex, pdf=pdf, lines=tuple(lines))
    if pdf_pages != batch.pdf_pages:  # the join lost or added a page: never hand that over
        raise BatchError(f"the PDF has {pdf_pages} pages, the letters {batch.pdf_pages}")
    return batch


class PrintBatchRenderer:
    """The ``PrintBatcher`` port (``arrears.core.ports``) on ``print_batch``: simplex unless
    told otherwise, one worker process per core."""

    def __init__(
        self, *, duplex: bool = False, workers: int | None = None,
        chunk_letters: int = CHUNK_LETTERS,
    ) -> None:  # fmt: skip
        self.duplex = duplex
        self.workers = workers if workers is not None else os.cpu_count() or 1
        self.chunk_letters = chunk_letters

    def batch(self, letters: Sequence[PrintLetter], *, reference: str) -> PrintFile:
        made = print_batch(letters, batch_id=reference, duplex=self.duplex,
                           workers=self.workers, chunk_letters=self.chunk_letters)  # fmt: skip
        return PrintFile(
            reference=reference, pdf=made.pdf, manifest_csv=made.manifest_csv().encode("utf-8"),
            manifest_json=made.manifest_json().encode("utf-8"), letters=made.letters,
            pages=made.pages, sheets=made.sheets, sha256=made.pdf_sha256,
        )  # fmt: skip
