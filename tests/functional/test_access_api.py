"""Client grants on the API: every endpoint that takes an account, document, dispute,
complaint, contact restriction, notice or client answers a collector 404 for a client not
granted to them (the same answer as for a missing one) and changes nothing; lists leave such
accounts and clients out."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from arrears.data.cases.models import Dispute
from arrears.data.contacts.models import ValidationNotice
from arrears.data.users.models import Role, User
from arrears.services.common import Actor, document_store, letter_renderer
from arrears.services.compliance.notices import validation_notices_send
from arrears.services.compliance.preferences import contact_restriction_add
from arrears.services.work.queues import queue_build, queue_define
from tests.factories import make_client, make_new_yorker
from tests.functional.test_access_web import MONDAY, _records, _state
from tests.functional.test_api import basic
from tests.functional.test_workspace_web import monday as monday

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
DAY = "2026-11-02"
ID_PARAMS = {"account_id", "document_id", "dispute_id", "complaint_id", "restriction_id",
             "reference", "client_code", "authorization_id", "scheduled_id",
             "remittance_id"}  # fmt: skip


@pytest.fixture
def desk(request, monday):  # type: ignore[no-untyped-def]
    """Casey, a collector, granted ACME; BETA granted to nobody. An account of each with a
    document, dispute, complaint and contact restriction; a validation notice too for the
    tests of notice endpoints (rendering one takes a while)."""
    User.objects.create_user("casey", password="a-long-real-passphrase", role=Role.COLLECTOR)
    mine = make_new_yorker(make_client("ACME", granted_to="casey"), 20_000)
    theirs = make_new_yorker(make_client("BETA"), 90_000)
    params = getattr(request.node, "callspec", None)
    if params is not None and "{reference}" in params.params.get("path", ""):
        validation_notices_send(as_of=date(2026, 11, 2), actor=ACTOR, now=MONDAY,
                                store=document_store(), renderer=letter_renderer())  # fmt: skip
    ids = {}
    for name, account in (("mine", mine), ("theirs", theirs)):
        found = _records(account)
        found["restriction_id"] = contact_restriction_add(
            account_id=account.pk, kind="opt_out", channel="sms", received_on=date(2026, 11, 1),
            medium="phone", actor=ACTOR, now=MONDAY,
        ).pk  # fmt: skip
        found["client_code"] = account.client.code  # type: ignore[assignment]
        notice = ValidationNotice.objects.filter(account=account).first()
        found["reference"] = notice.reference if notice else "VN-none"  # type: ignore[assignment]
        ids[name] = found
    return ids


CASEY = basic("casey", "a-long-real-passphrase")
UPLOAD = "upload"  # a multipart body with a file
# (method, path as in the OpenAPI schema, JSON or form body)
ENDPOINTS: list[tuple[str, str, object]] = [
    ("get", "/api/accounts/{account_id}", None),
    ("get", "/api/accounts/{account_id}/contact-decisions", None),
    ("post", "/api/accounts/{account_id}/contact-attempts",
     {"channel": "call", "direction": "inbound", "outcome": "conversation"}),
    ("get", "/api/accounts/{account_id}/contact-attempts", None),
    ("get", "/api/accounts/{account_id}/contactability", None),
    ("get", "/api/accounts/{account_id}/validation-notices", None),
    ("post", "/api/accounts/{account_id}/disputes", {"received_on": DAY, "medium": "letter"}),
    ("get", "/api/accounts/{account_id}/disputes", None),
    ("post", "/api/accounts/{account_id}/contact-restrictions",
     {"kind": "opt_out", "received_on": DAY, "medium": "phone", "channel": "email"}),
    ("get", "/api/accounts/{account_id}/contact-restrictions", None),
    ("post", "/api/accounts/{account_id}/documents", UPLOAD),
    ("get", "/api/accounts/{account_id}/documents", None),
    ("post", "/api/accounts/{account_id}/complaints",
     {"received_on": DAY, "source": "bbb", "category": "threats"}),
    ("get", "/api/accounts/{account_id}/complaints", None),
    ("post", "/api/accounts/{account_id}/calls",
     {"disposition": "right_party", "direction": "inbound"}),
    ("post", "/api/accounts/{account_id}/promises", {"amount": "50.00", "due_on": "2026-11-13"}),
    ("post", "/api/accounts/{account_id}/callbacks", {"due_at": "2026-11-03T15:00:00Z"}),
    ("post", "/api/accounts/{account_id}/notes", {"text": "hello"}),
    ("post", "/api/accounts/{account_id}/status", {"status": "closed", "reason": "asked"}),
    ("post", "/api/accounts/{account_id}/holds",
     {"kind": "attorney", "starts_on": DAY, "source": "letter"}),
    ("post", "/api/accounts/{account_id}/release", None),
    ("get", "/api/accounts/{account_id}/timeline", None),
    ("post", "/api/accounts/{account_id}/payments",
     {"amount": "10.00", "received_on": DAY, "method": "card", "consumer_directed": True}),
    ("post", "/api/accounts/{account_id}/card-payments",
     {"amount": "10.00", "token": "pm_card_visa", "idempotency_key": "k-1",
      "consumer_directed": True}),
    ("post", "/api/accounts/{account_id}/income-expenditure",
     {"first_due": "2026-11-20", "incomes": [{"category": "wages", "amount": "2000"}]}),
    ("get", "/api/accounts/{account_id}/arrangements", None),
    ("post", "/api/accounts/{account_id}/plans",
     {"frequency": "monthly", "first_due": "2026-11-20", "count": 2}),
    ("post", "/api/accounts/{account_id}/settlements",
     {"first_due": "2026-11-20", "percent": "90"}),
    ("post", "/api/accounts/{account_id}/arrangements/{arrangement_id}/cancel",
     {"reason": "consumer asked"}),
    ("post", "/api/accounts/{account_id}/corrections",
     {"kind": "adjustment", "on": "2026-11-02", "reason": "typo",
      "amounts": {"principal": "-1.00"}}),
    ("get", "/api/accounts/{account_id}/ach-authorizations", None),
    ("post", "/api/accounts/{account_id}/ach-authorizations",
     {"routing": "021000021", "account_number": "000123456789", "account_type": "checking",
      "sec": "WEB", "evidence": "web session 7f3a"}),
    ("post", "/api/ach-authorizations/{authorization_id}/revoke", {"reason": "consumer called"}),
    ("get", "/api/accounts/{account_id}/scheduled-debits", None),
    # The account's own authorization (see _call).
    ("post", "/api/accounts/{account_id}/scheduled-debits",
     {"authorization_id": "{authorization_id}", "amount": "10.00", "due_on": "2026-11-20"}),
    ("post", "/api/scheduled-debits/{scheduled_id}/cancel", {"reason": "consumer asked"}),
    ("get", "/api/documents/{document_id}", None),
    ("post", "/api/complaints/{complaint_id}/respond", {"responded_on": DAY}),
    ("post", "/api/contact-restrictions/{restriction_id}/end", {"ended_on": "2026-11-10"}),
    ("post", "/api/disputes/{dispute_id}/answer", {"answered_on": DAY, "letter": False}),
    ("post", "/api/validation-notices/{reference}/returned", {"returned_on": DAY}),
    ("get", "/api/validation-notices/{reference}/{kind}", None),
    ("post", "/api/clients/{client_code}/placements", UPLOAD),
    ("get", "/api/clients/{client_code}/placements/{sha256}", None),
    ("get", "/api/clients/{client_code}/plan-rules", None),
    ("put", "/api/clients/{client_code}/plan-rules",
     {"min_instalment": "30.00", "max_term_months": 18}),
    # The client's remittance statement (see _records): its client is checked before the role.
    ("post", "/api/remittances/{remittance_id}/paid", {"paid_on": DAY, "reference": "CHK 1"}),
]  # fmt: skip


def _key(path: str) -> str:
    return next(p for p in ID_PARAMS if "{" + p + "}" in path)


def _call(client, method: str, path: str, body: object, ids: dict):  # type: ignore[no-untyped-def]
    url = path.format(**ids, kind="pdf", sha256="0" * 64, arrangement_id=1)
    if body == UPLOAD:
        data = {"file": SimpleUploadedFile("file.csv", b"a,b\n1,2\n", content_type="text/csv"),
                "kind": "affidavit"}  # fmt: skip
        return client.post(url, data, **CASEY)
    if method == "get":
        return client.get(url, **CASEY)
    if isinstance(body, dict) and body.get("authorization_id") == "{authorization_id}":
        body = {**body, "authorization_id": ids["authorization_id"]}
    send = client.put if method == "put" else client.post
    return send(url, json.dumps(body or {}), content_type="application/json", **CASEY)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])  # fmt: skip
def test_an_ungranted_clients_record_is_404_and_nothing_changes(
    client, desk, method, path, body
) -> None:
    before = _state()
    response = _call(client, method, path, body, desk["theirs"])
    assert response.status_code == 404, response.content[:500]
    assert response.json()["field"] == _key(path)
    assert _state() == before


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])  # fmt: skip
def test_the_same_call_on_a_granted_record_is_not_refused_for_it(
    client, desk, method, path, body
) -> None:
    """The control: the request refused above would otherwise get through, or be refused for
    another reason (a role, an upload that does not exist), never for the record."""
    response = _call(client, method, path, body, desk["mine"])
    assert response.status_code < 500
    if response.status_code == 404:
        assert response.json()["field"] != _key(path)
    else:
        assert response.status_code in (200, 201, 202, 204, 403), response.content[:500]


def test_every_api_endpoint_taking_an_id_is_checked_above(client) -> None:
    """A new endpoint that takes an account (or a record on one, or a client) must be added to
    ENDPOINTS, and so to the checks."""
    schema = client.get("/api/openapi.json").json()
    taking_ids = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if ID_PARAMS & {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
    }
    assert taking_ids == {(m, p) for m, p, _ in ENDPOINTS}


def test_a_missing_account_and_an_ungranted_one_get_the_same_answer(client, desk) -> None:
    theirs = desk["theirs"]["account_id"]
    missing = client.get("/api/accounts/987654", **CASEY).json()
    ungranted = client.get(f"/api/accounts/{theirs}", **CASEY).json()
    assert missing == {"detail": "no account 987654", "field": "account_id", "code": "not_found"}
    assert ungranted == {"detail": f"no account {theirs}", "field": "account_id",
                         "code": "not_found"}  # fmt: skip


def test_lists_leave_out_ungranted_clients_and_accounts(client, desk) -> None:
    assert [c["code"] for c in client.get("/api/clients", **CASEY).json()] == ["ACME"]
    # The compliance queue is the compliance officers' and supervisors' (the access matrix).
    assert client.get("/api/compliance/queue", **CASEY).status_code == 403
    User.objects.create_user("sam", password="a-long-real-passphrase", role=Role.SUPERVISOR)
    sam = basic("sam", "a-long-real-passphrase")
    assert [c["code"] for c in client.get("/api/clients", **sam).json()] == ["ACME", "BETA"]
    assert len(client.get("/api/compliance/queue", **sam).json()["items"]) == 2


def test_next_account_and_queue_counts_leave_out_ungranted_accounts(client, desk) -> None:
    mine = make_new_yorker(make_client("GAMA", granted_to="casey"), 10_000)
    make_new_yorker(make_client("DELT"), 99_000)
    queue_define(code="all", name="Everything", filters={"hold": "none"}, order="balance_high",
                 mode="pooled", members=["casey"], actor=ACTOR, now=MONDAY)  # fmt: skip
    queue_build("all", now=MONDAY, actor=ACTOR)
    listed = client.get("/api/queues", **CASEY).json()
    assert [(q["code"], q["size"], q["available"]) for q in listed] == [("all", 1, 1)]
    pick = client.post("/api/queues/all/next", **CASEY)
    assert (pick.status_code, pick.json()["account_id"]) == (200, mine.pk)
    assert client.post("/api/queues/all/next", **CASEY).status_code == 204


def test_a_dispute_on_an_ungranted_account_is_not_recorded(client, desk) -> None:
    """One write spelled out: the refusal leaves the account's disputes as they were."""
    theirs = desk["theirs"]["account_id"]
    before = list(Dispute.objects.values_list("pk", flat=True))
    response = client.post(f"/api/accounts/{theirs}/disputes",
                           json.dumps({"received_on": DAY, "medium": "phone"}),
                           content_type="application/json", **CASEY)  # fmt: skip
    assert response.status_code == 404
    after = list(Dispute.objects.values_list("pk", flat=True))
    assert after == before
