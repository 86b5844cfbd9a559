"""Documents kept on an account, and the complaint log.

Documents (dispute evidence, verification packets, affidavits, cease letters) go to the document
store behind its port; the database keeps what they are, their size and SHA-256. The same file
added twice to an account is kept once. Complaints carry where they came from, a category and
the day a response is due (the federal pack's ``complaint_response_days``, by source).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta

from django.db import transaction

from arrears.core.ports import DocumentStore
from arrears.data.accounts.models import Account
from arrears.data.cases.models import (
    CaseStatus,
    Complaint,
    ComplaintCategory,
    ComplaintSource,
    Dispute,
    Document,
    DocumentKind,
)
from arrears.services.common import (
    Actor,
    NotFound,
    ServiceError,
    audit_record,
    require_choice,
)
from arrears.services.compliance.snapshots import packs_in_force

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,8})$")


def _extension(name: str) -> str:
    """The file's extension, if plain: the stored key keeps nothing else of an uploaded name,
    which may itself name the consumer."""
    found = _EXTENSION.search(name.strip())
    return f".{found.group(1).lower()}" if found else ""


def document_add(
    *,
    account_id: int,
    kind: str,
    file_name: str,
    content: bytes,
    content_type: str,
    received_on: date,
    actor: Actor,
    now: datetime,
    store: DocumentStore,
    dispute_id: int | None = None,
    complaint_id: int | None = None,
) -> tuple[Document, bool]:
    """Keep a file on the account; returns the document and whether it is new."""
    require_choice(kind, DocumentKind.values, "kind")
    if not content:
        raise ServiceError("the file is empty", field="file")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ServiceError("files are kept up to 20 MB", field="file")
    if received_on > now.date():
        raise ServiceError("a document cannot be received in the future", field="received_on")
    if not Account.objects.filter(pk=account_id).exists():
        raise NotFound(f"no account {account_id}", field="account_id")
    if (
        dispute_id is not None
        and not Dispute.objects.filter(pk=dispute_id, account_id=account_id).exists()
    ):
        raise ServiceError(f"dispute {dispute_id} is not on this account", field="dispute_id")
    if (
        complaint_id is not None
        and not Complaint.objects.filter(pk=complaint_id, account_id=account_id).exists()
    ):
        raise ServiceError(f"complaint {complaint_id} is not on this account", field="complaint_id")
    sha = hashlib.sha256(content).hexdigest()
    existing = Document.objects.filter(account_id=account_id, sha256=sha).first()
    if existing is not None:
        return existing, False
    key = f"accounts/{account_id}/documents/{sha}{_extension(file_name)}"
    store.put(key, content)  # first: a row never points to bytes that are not there
    with transaction.atomic():
        document = Document.objects.create(
            account_id=account_id, kind=kind, dispute_id=dispute_id, complaint_id=complaint_id,
            file_name=file_name[:200], content_type=content_type[:100] or "application/octet-stream",
            size=len(content), sha256=sha, store_key=key, received_on=received_on,
            created_by_id=actor.user_id,
        )  # fmt: skip
        audit_record(
            actor=actor, event="document.added", account_id=account_id, at=now,
            details={"document": document.pk, "kind": kind, "sha256": sha, "bytes": len(content)},
        )  # fmt: skip
    return document, True


def document_content(document_id: int, store: DocumentStore) -> tuple[Document, bytes] | None:
    document = Document.objects.filter(pk=document_id, purged=False).first()
    if document is None:
        return None
    try:
        return document, store.get(document.store_key)
    except KeyError:
        return None


def complaint_record(
    *,
    account_id: int,
    received_on: date,
    source: str,
    category: str,
    actor: Actor,
    now: datetime,
    reference: str = "",
    description: str = "",
) -> Complaint:
    require_choice(source, ComplaintSource.values, "source")
    require_choice(category, ComplaintCategory.values, "category")
    if received_on > now.date():
        raise ServiceError("a complaint cannot be received in the future", field="received_on")
    if not Account.objects.filter(pk=account_id).exists():
        raise NotFound(f"no account {account_id}", field="account_id")
    days = packs_in_force().constant("complaint_response_days")
    with transaction.atomic():
        complaint = Complaint.objects.create(
            account_id=account_id, received_on=received_on, source=source, category=category,
            reference=reference[:60], description=description,
            due_on=received_on + timedelta(days=int(days.get(source, days["default"]))),
            created_by_id=actor.user_id,
        )  # fmt: skip
        audit_record(
            actor=actor, event="complaint.received", account_id=account_id, at=now,
            details={"complaint": complaint.pk, "source": source, "category": category,
                     "due_on": complaint.due_on.isoformat()},
        )  # fmt: skip
        return complaint


def complaint_respond(
    *, complaint_id: int, responded_on: date, actor: Actor, now: datetime, note: str = ""
) -> Complaint:
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
        if complaint is None:
            raise NotFound(f"no complaint {complaint_id}", field="complaint_id")
        if complaint.status != CaseStatus.OPEN:
            raise ServiceError("the complaint is already answered", field="complaint_id")
        if responded_on < complaint.received_on or responded_on > now.date():
            raise ServiceError("the response is sent between receiving it and today",
                               field="responded_on")  # fmt: skip
        complaint.status = CaseStatus.ANSWERED
        complaint.responded_on = responded_on
        complaint.response_note = note
        complaint.save(update_fields=["status", "responded_on", "response_note"])
        audit_record(
            actor=actor, event="complaint.answered", account_id=complaint.account_id, at=now,
            details={"complaint": complaint.pk, "responded_on": responded_on.isoformat()},
        )  # fmt: skip
        return complaint
