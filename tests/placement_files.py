"""Generated placement files for tests (the same generator `arrears gen-placements` uses)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from arrears.core.synthetic import generate_placements

ANCHOR = date(2026, 11, 1)


def write_generated(
    folder: Path,
    *,
    accounts: int,
    seed: int,
    bad_fraction: float = 0.0,
    name: str = "placements.csv",
) -> tuple[Path, dict[str, Any]]:
    generated = generate_placements(
        accounts=accounts, seed=seed, bad_fraction=bad_fraction, today=ANCHOR
    )
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(generated.header)
        writer.writerows(generated.rows)
    return path, generated.manifest()
