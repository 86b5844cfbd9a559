"""Background work for placements: ids and plain values in, one operation called."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.tasks import task

from arrears.services.common import Actor
from arrears.services.placements.operations import placement_import


@task()
def placement_import_task(
    *, client_code: str, path: str, today: str, actor_label: str, actor_id: int | None = None,
    mapping_text: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Import an uploaded file. Safe to run twice: the import is idempotent per file."""
    report = placement_import(
        client_code=client_code,
        path=Path(path),
        mapping_text=mapping_text,
        actor=Actor(label=actor_label, user_id=actor_id),
        today=date.fromisoformat(today),
    )
    return report.as_dict()
