"""Documents kept on an account through the store, and the complaint log."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from arrears.data.cases.models import Complaint, Document
from arrears.services.common import Actor, NotFound, ServiceError, document_store
from arrears.services.compliance.cases import (
    complaint_record,
    complaint_respond,
    document_add,
    document_content,
)
from arrears.services.compliance.disputes import dispute_record
from arrears.services.compliance.queries import compliance_queue
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
NOW = datetime(2026, 11, 23, 17, tzinfo=UTC)
PDF = b"%PDF-1.7 cease letter from the consumer"


def _add(account_id: int, content: bytes = PDF, **kw):  # type: ignore[no-untyped-def]
    args = {"kind": "cease_letter", "file_name": "../../etc/cease letter.pdf",
            "content_type": "application/pdf", "received_on": date(2026, 11, 20), **kw}  # fmt: skip
    return document_add(account_id=account_id, content=content, actor=ACTOR, now=NOW,
                        store=document_store(), **args)  # fmt: skip


def test_a_document_is_kept_in_the_store_once_and_read_back() -> None:
    account = make_account(make_client())
    document, created = _add(account.pk)
    assert created is True
    assert document.store_key.startswith(f"accounts/{account.pk}/documents/")
    # Nothing of the upload's name but its extension: names can name people, paths can escape.
    assert document.store_key == f"accounts/{account.pk}/documents/{document.sha256}.pdf"
    assert document.file_name == "../../etc/cease letter.pdf"  # kept as given, for display
    assert (document.size, document.sha256[:8]) == (len(PDF), document.sha256[:8])
    again, created_again = _add(account.pk, file_name="copy.pdf")
    assert (again.pk, created_again) == (document.pk, False)
    found = document_content(document.pk, document_store())
    assert found is not None and found[1] == PDF
    assert Document.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "selfie"}, "kind"),
        ({"content": b""}, "file"),
        ({"content": b"x" * (20 * 1024 * 1024 + 1)}, "file"),
        ({"received_on": date(2026, 11, 24)}, "received_on"),
        ({"dispute_id": 999_999}, "dispute_id"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_kept(changes, field) -> None:
    account = make_account(make_client())
    with pytest.raises(ServiceError) as refused:
        _add(account.pk, **changes)
    assert refused.value.field == field
    assert Document.objects.count() == 0


def test_a_document_can_belong_to_a_dispute_on_the_same_account_only() -> None:
    account, other = make_account(make_client()), None
    dispute = dispute_record(account_id=account.pk, received_on=date(2026, 11, 20),
                             medium="letter", reason="not_mine", actor=ACTOR, now=NOW)  # fmt: skip
    document, _ = _add(account.pk, kind="dispute_evidence", dispute_id=dispute.pk)
    assert document.dispute == dispute
    other = make_account(account.client)
    with pytest.raises(ServiceError) as refused:
        _add(other.pk, content=b"other", dispute_id=dispute.pk)
    assert refused.value.field == "dispute_id"
    with pytest.raises(NotFound):
        _add(999_999)


def test_complaints_are_due_in_15_days_from_the_cfpb_and_30_otherwise() -> None:
    account = make_account(make_client())
    cfpb = complaint_record(account_id=account.pk, received_on=date(2026, 11, 2), source="cfpb",
                            category="communication", reference="251102-000123", actor=ACTOR,
                            now=NOW)  # fmt: skip
    direct = complaint_record(account_id=account.pk, received_on=date(2026, 11, 20),
                              source="direct", category="not_owed", actor=ACTOR, now=NOW)  # fmt: skip
    assert (cfpb.due_on, direct.due_on) == (date(2026, 11, 17), date(2026, 12, 20))
    queue = compliance_queue(today=date(2026, 11, 23))
    assert [(c.complaint.pk, c.overdue, c.days_left) for c in queue.complaints] == [
        (cfpb.pk, True, -6), (direct.pk, False, 27)]  # fmt: skip
    assert queue.complaints_overdue == 1
    complaint_respond(complaint_id=cfpb.pk, responded_on=date(2026, 11, 23), actor=ACTOR, now=NOW,
                      note="responded in the portal")  # fmt: skip
    assert [c.complaint.pk for c in compliance_queue(today=date(2026, 11, 23)).complaints] == [
        direct.pk]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"source": "twitter"}, "source"), ({"category": "rude"}, "category"),
     ({"received_on": date(2026, 11, 24)}, "received_on")],
)  # fmt: skip
def test_bad_complaints_are_refused(changes, field) -> None:
    account = make_account(make_client())
    args = {"received_on": date(2026, 11, 2), "source": "cfpb", "category": "other", **changes}
    with pytest.raises(ServiceError) as refused:
        complaint_record(account_id=account.pk, actor=ACTOR, now=NOW, **args)
    assert refused.value.field == field
    assert Complaint.objects.count() == 0


def test_a_response_is_dated_between_receipt_and_today_and_given_once() -> None:
    account = make_account(make_client())
    complaint = complaint_record(account_id=account.pk, received_on=date(2026, 11, 2),
                                 source="bbb", category="other", actor=ACTOR, now=NOW)  # fmt: skip
    for bad in (date(2026, 11, 1), date(2026, 11, 24)):
        with pytest.raises(ServiceError) as refused:
            complaint_respond(complaint_id=complaint.pk, responded_on=bad, actor=ACTOR, now=NOW)
        assert refused.value.field == "responded_on"
    complaint_respond(complaint_id=complaint.pk, responded_on=date(2026, 11, 3), actor=ACTOR,
                      now=NOW)  # fmt: skip
    with pytest.raises(ServiceError, match="already answered"):
        complaint_respond(complaint_id=complaint.pk, responded_on=date(2026, 11, 4), actor=ACTOR,
                          now=NOW)  # fmt: skip
