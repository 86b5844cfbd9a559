"""Reads about imports, for the API and screens."""

from __future__ import annotations

from django.db.models import QuerySet

from arrears.data.imports.models import ImportKind, ImportReject, ImportRun


def import_run_for_file(client_code: str, sha256: str) -> ImportRun | None:
    return (
        ImportRun.objects.select_related("client")
        .filter(client__code=client_code, kind=ImportKind.PLACEMENT, file_sha256=sha256)
        .first()
    )


def import_rejects(run: ImportRun) -> QuerySet[ImportReject]:
    return run.rejects.order_by("line")
