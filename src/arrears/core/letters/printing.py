"""Letters handed to a mail vendor in one go: a print batch is one PDF of many letters and a
manifest saying where each letter starts, how many pages and sheets it takes, and where it is
mailed (``PrintBatcher`` in ``arrears.core.ports`` makes them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrintLetter:
    reference: str
    account_id: int
    html: str  # the whole letter as the letter renderer made it
    name: str
    address_lines: tuple[str, ...]
    zip_code: str


@dataclass(frozen=True)
class PrintFile:
    reference: str
    pdf: bytes
    manifest_csv: bytes
    manifest_json: bytes
    letters: int
    pages: int
    sheets: int
    sha256: str  # of the PDF
