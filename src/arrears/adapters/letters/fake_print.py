"""A print batcher for tests that need letters gathered but not drawn: each letter counts as one
page and one sheet, the "PDF" is the letters' HTML joined (not a PDF), and the manifest is a
simpler cousin of the real batcher's (``account``, one ``address`` column). It keeps every batch
it made in ``made``."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence

from arrears.core.letters.printing import PrintFile, PrintLetter


class FakePrintBatcher:
    def __init__(self) -> None:
        self.made: list[PrintFile] = []

    def batch(self, letters: Sequence[PrintLetter], *, reference: str) -> PrintFile:
        content = "\n<!-- next letter -->\n".join(letter.html for letter in letters).encode()
        rows = [
            {"sequence": n, "reference": letter.reference, "account": letter.account_id,
             "first_page": n, "pages": 1, "sheets": 1, "name": letter.name,
             "address": " | ".join(letter.address_lines), "zip": letter.zip_code}
            for n, letter in enumerate(letters, start=1)
        ]  # fmt: skip
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["sequence"])
        writer.writeheader()
        writer.writerows(rows)
        printed = PrintFile(
            reference=reference, pdf=content, manifest_csv=out.getvalue().encode(),
            manifest_json=json.dumps({"batch": reference, "letters": rows}).encode(),
            letters=len(rows), pages=len(rows), sheets=len(rows),
            sha256=hashlib.sha256(content).hexdigest(),
        )  # fmt: skip
        self.made.append(printed)
        return printed
