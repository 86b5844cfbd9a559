"""Uploaded placement files: stored by content hash, then imported by the worker."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from arrears.data.clients.models import Client
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.placements.tasks import placement_import_task

ALLOWED_SUFFIXES = {".csv", ".txt", ".xlsx"}


def upload_dir(client_code: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "placements" / client_code


def stored_upload(client_code: str, sha256: str) -> Path | None:
    for path in upload_dir(client_code).glob(f"{sha256}.*"):
        return path
    return None


def placement_upload(
    *,
    client_code: str,
    file_name: str,
    chunks: Iterable[bytes],
    actor: Actor,
    today: date,
    mapping_text: str | None = None,
) -> str:
    """Store an uploaded file and queue its import; returns the file's SHA-256.

    Uploading the same bytes again queues the same idempotent import and loads nothing new.
    """
    client = Client.objects.filter(code=client_code).first()
    if client is None:
        raise NotFound(f"no client with code {client_code!r}", field="client")
    suffix = Path(file_name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ServiceError("upload a .csv or .xlsx file", field="file")
    folder = upload_dir(client.code)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    partial = folder / f".upload-{id(digest)}{suffix}"
    size = 0
    with partial.open("wb") as fh:
        for chunk in chunks:
            digest.update(chunk)
            fh.write(chunk)
            size += len(chunk)
    if size == 0:
        partial.unlink()
        raise ServiceError("the uploaded file is empty", field="file")
    sha = digest.hexdigest()
    final = folder / f"{sha}{suffix}"
    partial.replace(final)
    with transaction.atomic():
        audit_record(
            actor=actor, event="placement.uploaded",
            details={"client": client.code, "file": file_name, "sha256": sha, "bytes": size},
        )  # fmt: skip
        transaction.on_commit(
            lambda: placement_import_task.enqueue(
                client_code=client.code,
                path=str(final),
                today=today.isoformat(),
                actor_label=actor.label,
                actor_id=actor.user_id,
                mapping_text=mapping_text,
            )
        )
    return sha
