"""Client grants on the web: every page and action that reaches an account (or a document,
dispute or complaint on one) answers a collector 404 for an account of a client not granted to
them, exactly as for a missing one, and changes nothing; lists never show such accounts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from arrears.data.accounts.models import Account
from arrears.data.audit.models import AuditEvent
from arrears.data.parties.models import ContactPoint
from arrears.data.payments.models import AchAuthorization, ScheduledPayment
from arrears.data.trust.models import Remittance
from arrears.data.users.models import Role, User
from arrears.data.work.models import Lease
from arrears.services.common import Actor, document_store
from arrears.services.compliance.cases import complaint_record, document_add
from arrears.services.compliance.disputes import dispute_record
from arrears.services.payments.origination import ach_authorize, payment_schedule
from arrears.services.work.queues import queue_build, queue_define
from tests.factories import make_client, make_new_yorker
from tests.functional.test_workspace_web import MONDAY
from tests.functional.test_workspace_web import monday as monday

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
ID_KWARGS = {"account_id", "document_id", "dispute_id", "complaint_id", "client_code",
             "remittance_id"}  # fmt: skip


def _records(account: Account) -> dict[str, int]:
    """A document, a dispute and a complaint on the account; its phone; an ACH authorization
    and a debit scheduled under it."""
    document, _ = document_add(
        account_id=account.pk, kind="verification", file_name="packet.pdf", content=b"%PDF-1.4",
        content_type="application/pdf", received_on=date(2026, 11, 2), actor=ACTOR, now=MONDAY,
        store=document_store(),
    )  # fmt: skip
    dispute = dispute_record(account_id=account.pk, received_on=date(2026, 11, 2),
                             medium="letter", reason="not_mine", actor=ACTOR, now=MONDAY)  # fmt: skip
    complaint = complaint_record(account_id=account.pk, received_on=date(2026, 11, 2),
                                 source="cfpb", category="communication", actor=ACTOR,
                                 now=MONDAY)  # fmt: skip
    phone = ContactPoint.objects.get(party__account_parties__account=account, kind="phone")
    authorization = ach_authorize(
        account_id=account.pk, routing="021000021", account_number="000123456789",
        account_type="checking", sec="TEL", evidence="call recording 42", recurring=True,
        actor=ACTOR, now=MONDAY,
    )  # fmt: skip
    scheduled = payment_schedule(authorization_id=authorization.pk, amount_minor=2_500,
                                 due_on=date(2026, 11, 20), actor=ACTOR, now=MONDAY)  # fmt: skip
    # The account's client's October remittance statement, 75.00 due to the client.
    remittance, _ = Remittance.objects.get_or_create(
        client_id=account.client_id, period_start=date(2026, 10, 1), currency="USD",
        defaults={"period_end": date(2026, 11, 1), "remit_mode": "net",
                  "number": f"REM-{account.client_id}-2026-10", "collected_minor": 10_000,
                  "net_collected_minor": 10_000, "commission_minor": 2_500,
                  "client_share_minor": 7_500, "due_to_client_minor": 7_500,
                  "created_at": MONDAY, "actor_label": "test"},
    )  # fmt: skip
    return {"account_id": account.pk, "document_id": document.pk, "dispute_id": dispute.pk,
            "complaint_id": complaint.pk, "phone": phone.pk,
            "authorization_id": authorization.pk, "scheduled_id": scheduled.pk,
            "remittance_id": remittance.pk}  # fmt: skip


@pytest.fixture
def desk(client, monday):  # type: ignore[no-untyped-def]
    """Casey, a collector signed in, granted ACME; BETA is granted to nobody. One account
    each, with a document, a dispute and a complaint."""
    casey = User.objects.create_user("casey", password="a-long-real-passphrase",
                                     role=Role.COLLECTOR)  # fmt: skip
    mine = make_new_yorker(make_client("ACME", granted_to=casey), 20_000)
    theirs = make_new_yorker(make_client("BETA"), 90_000)
    client.force_login(casey)
    return {"mine": {**_records(mine), "client_code": "ACME"},
            "theirs": {**_records(theirs), "client_code": "BETA"}}  # fmt: skip


DAY = "2026-11-02"
# Each entry point that takes an id: (url name, the id it takes, method, form data).
ENTRY_POINTS: list[tuple[str, str, str, dict[str, object]]] = [
    ("account-page", "account_id", "get", {}),
    ("contact-log", "account_id", "post",
     {"channel": "call", "direction": "inbound", "outcome": "conversation"}),
    ("dispute-log", "account_id", "post",
     {"dispute-kind": "dispute", "dispute-received_on": DAY, "dispute-medium": "letter"}),
    ("restriction-log", "account_id", "post",
     {"restriction-kind": "opt_out", "restriction-channel": "email",
      "restriction-received_on": DAY, "restriction-medium": "phone"}),
    ("document-upload", "account_id", "post",
     {"document-kind": "affidavit", "document-received_on": DAY}),
    ("complaint-log", "account_id", "post",
     {"complaint-received_on": DAY, "complaint-source": "bbb",
      "complaint-category": "threats"}),
    ("account-reveal", "account_id", "post", {"reason": "identity check"}),
    # The account is disputed (see _records): the consumer directs the payment.
    ("payment-post", "account_id", "post",
     {"payment-amount": "10.00", "payment-received_on": DAY, "payment-method": "card",
      "payment-consumer_directed": "on"}),
    # Any payment id: the account is checked (404) and the collector's role (403) before it.
    ("payment-return", "account_id", "post", {"returned_on": DAY, "code": "NSF"}),
    ("payment-refund", "account_id", "post", {"amount": "1.00", "reason": "x", "key": "k1"}),
    # The account is disputed (see _records): the consumer directs the payment.
    ("card-take", "account_id", "post",
     {"card-amount": "10.00", "card-token": "pm_card_visa", "card-key": "c" * 32,
      "card-consumer_directed": "on"}),
    ("plan-page", "account_id", "post",
     {"adults": "1", "children": "0", "first_due": "2026-11-20", "income_0_category": "wages",
      "income_0_frequency": "monthly", "income_0_amount": "2000", "income_1_category": "wages",
      "income_1_frequency": "monthly", "income_2_category": "wages",
      "income_2_frequency": "monthly", "expense_housing": "900"}),
    ("plan-agree", "account_id", "post",
     {"frequency": "monthly", "first_due": "2026-11-20", "count": "2"}),
    ("settlement-page", "account_id", "post",
     {"percent": "90", "count": "1", "frequency": "monthly", "first_due": "2026-11-20"}),
    # Any arrangement id: the account is checked (404) before the arrangement.
    ("arrangement-cancel", "account_id", "post", {"reason": "consumer asked"}),
    ("correction", "account_id", "post",
     {"correction-kind": "adjustment", "correction-bucket": "principal",
      "correction-amount": "-1.00", "correction-on": DAY, "correction-reason": "typo"}),
    ("ach-authorize", "account_id", "post",
     {"ach-routing": "021000021", "ach-account_number": "000123456789",
      "ach-account_type": "checking", "ach-sec": "WEB", "ach-evidence": "web session 7f3a"}),
    # The account's own authorization and debit (see _records); the account is checked first.
    ("ach-revoke", "account_id", "post", {"reason": "consumer called"}),
    ("ach-schedule", "account_id", "post", {"debit-amount": "10.00", "debit-due_on": "2026-11-20"}),
    ("ach-cancel", "account_id", "post", {"reason": "consumer asked"}),
    ("work-release", "account_id", "post", {}),
    # The account is disputed (see _records): the rules refuse the call (409), not the account.
    ("account-dial", "account_id", "post", {}),
    ("account-action:note", "account_id", "post", {"note-text": "hello"}),
    ("account-action:call", "account_id", "post",
     {"call-direction": "inbound", "call-disposition": "right_party"}),
    ("account-action:promise", "account_id", "post",
     {"promise-amount": "50.00", "promise-due_on": "2026-11-13"}),
    ("account-action:callback", "account_id", "post",
     {"callback-due_at": "2026-11-03T10:00", "callback-consumer_asked": "on"}),
    ("account-action:status", "account_id", "post",
     {"status-status": "closed", "status-reason": "client asked"}),
    ("account-action:hold", "account_id", "post",
     {"hold-kind": "attorney", "hold-starts_on": DAY, "hold-source": "letter"}),
    ("account-action:point", "account_id", "post",
     {"point-kind": "email", "point-value": "pat.doe@example.com"}),
    ("account-action:bad", "account_id", "post", {"bad-reason": "wrong number"}),
    ("document-download", "document_id", "get", {}),
    ("dispute-answer", "dispute_id", "post", {"answered_on": DAY}),
    ("complaint-respond", "complaint_id", "post", {"answered_on": DAY}),
    # A client's terms: the client is checked (404) before the role (a collector: 403).
    ("client-terms", "client_code", "get", {}),
    ("client-plan-rules", "client_code", "post",
     {"rules-min_instalment": "30.00", "rules-max_term_months": "18"}),
    ("client-card-fee", "client_code", "post", {"card-fee": "2.50", "card-clause": "4.2 Fees"}),
    ("client-commission", "client_code", "post",
     {"commission-remit_mode": "gross", "commission-tier_0_months": "0",
      "commission-tier_0_rate": "20"}),
    # A client's remittance statement: its client is checked (404) before the role (403).
    ("remittance-paid", "remittance_id", "post", {"paid_on": DAY, "reference": "CHK 1"}),
    ("remittance-document:lines", "remittance_id", "get", {}),
]  # fmt: skip


def _request(client, name: str, key: str, method: str, data: dict, ids: dict):  # type: ignore[no-untyped-def]
    url_name, _, action = name.partition(":")
    args = [ids[key], action] if action else [ids[key]]
    if url_name in ("payment-return", "payment-refund", "arrangement-cancel"):
        args = [ids[key], 1]
    if url_name in ("ach-revoke", "ach-cancel"):
        args = [ids[key], ids["authorization_id" if url_name == "ach-revoke" else "scheduled_id"]]
    body = dict(data)
    if url_name == "ach-schedule":
        body["debit-authorization"] = ids["authorization_id"]
    if action == "bad":
        body["bad-contact_point"] = ids["phone"]
    if url_name == "document-upload":
        body["document-file"] = SimpleUploadedFile("affidavit.pdf", b"%PDF-1.4 sworn",
                                                   content_type="application/pdf")  # fmt: skip
    return getattr(client, method)(reverse(url_name, args=args), body)


def _state() -> dict[str, object]:
    """Everything an action could change: the rows of every account-related table, the
    accounts' and contact points' states, and the audit trail (sign-ins aside)."""
    labels = ("accounts", "cases", "contacts", "work", "ledger", "parties", "arrangements",
              "payments")  # fmt: skip
    counts: dict[str, object] = {
        m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in labels
    }
    counts["accounts"] = list(Account.objects.order_by("pk").values_list(
        "pk", "status", "balance_minor"))  # fmt: skip
    counts["points"] = list(ContactPoint.objects.order_by("pk").values_list("pk", "status"))
    counts["leases"] = list(Lease.objects.values_list("account_id", "user_id", "until"))
    counts["debits"] = list(ScheduledPayment.objects.order_by("pk").values_list("pk", "status"))
    counts["authorizations"] = list(
        AchAuthorization.objects.order_by("pk").values_list("pk", "revoked_at"))  # fmt: skip
    counts |= {m._meta.label: m.objects.count() for m in apps.get_app_config("trust").get_models()}
    counts["remittances"] = list(Remittance.objects.order_by("pk").values_list(
        "pk", "status", "paid_reference"))  # fmt: skip
    counts["audit"] = AuditEvent.objects.exclude(event__startswith="auth.").count()
    return counts


@pytest.mark.parametrize(
    ("name", "key", "method", "data"), ENTRY_POINTS, ids=[e[0] for e in ENTRY_POINTS]
)
def test_an_ungranted_clients_account_is_404_and_nothing_changes(
    client, desk, name, key, method, data
) -> None:
    before = _state()
    response = _request(client, name, key, method, data, desk["theirs"])
    assert response.status_code == 404
    assert _state() == before


@pytest.mark.parametrize(
    ("name", "key", "method", "data"), ENTRY_POINTS, ids=[e[0] for e in ENTRY_POINTS]
)
def test_the_same_request_on_a_granted_account_gets_through(
    client, desk, name, key, method, data
) -> None:
    """The control: what the 404 above refuses is a request that would otherwise work (or be
    refused for the collector's role, never for the account)."""
    response = _request(client, name, key, method, data, desk["mine"])
    by_the_rules = {409} if name == "account-dial" else set()  # a dial the rules block
    assert response.status_code in {200, 302, 403} | by_the_rules, response.content[:2000]


def test_a_missing_account_and_an_ungranted_one_get_the_same_page(client, desk) -> None:
    missing = client.get(reverse("account-page", args=[987_654]))
    ungranted = client.get(reverse("account-page", args=[desk["theirs"]["account_id"]]))
    assert (missing.status_code, ungranted.status_code) == (404, 404)
    assert missing.content == ungranted.content


def test_every_web_entry_point_taking_an_id_is_checked_above() -> None:
    """A new page or action that takes an account, document, dispute or complaint id must be
    added to ENTRY_POINTS (and so to the checks)."""

    def walk(patterns, prefix=""):  # type: ignore[no-untyped-def]
        for p in patterns:
            if isinstance(p, URLResolver):
                if "api" not in str(p.pattern) and "admin" not in str(p.pattern):
                    yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and ID_KWARGS & set(p.pattern.converters):
                yield p.name

    taking_ids = set(walk(get_resolver().url_patterns))
    checked = {name.partition(":")[0] for name, *_ in ENTRY_POINTS}
    assert taking_ids == checked


def test_the_account_list_and_search_show_only_granted_accounts(client, desk) -> None:
    html = client.get(reverse("account-list")).content.decode()
    shown = {int(n) for n in re.findall(r'href="/accounts/(\d+)/"', html)}
    assert shown == {desk["mine"]["account_id"]}
    theirs = Account.objects.get(pk=desk["theirs"]["account_id"])
    for query in (theirs.client_ref, str(theirs.pk), "Pat Doe", "(716) 555-0100"):
        for extra in ({}, {"HTTP_HX_REQUEST": "true"}):  # the page, and suggestions as one types
            response = client.get(reverse("account-list"), {"q": query}, **extra)
            assert response.get("Location") != reverse("account-page", args=[theirs.pk])
            assert f"/accounts/{theirs.pk}/" not in response.content.decode(), (query, extra)
    mine = desk["mine"]["account_id"]  # the same look-up finds a granted account at once
    assert client.get(reverse("account-list"), {"q": str(mine)})["Location"] == reverse(
        "account-page", args=[mine])  # fmt: skip


def test_a_queue_page_and_next_account_show_only_granted_accounts(client, desk) -> None:
    # The desk's accounts hold for their disputes; two fresh ones, one of each client, do not.
    mine = make_new_yorker(Account.objects.get(pk=desk["mine"]["account_id"]).client, 10_000)
    theirs = make_new_yorker(Account.objects.get(pk=desk["theirs"]["account_id"]).client, 80_000)
    queue_define(code="all", name="Everything", filters={}, order="balance_high",
                 mode="pooled", members=["casey"], actor=ACTOR, now=MONDAY)  # fmt: skip
    queue_build("all", now=MONDAY, actor=ACTOR)
    page = client.get(reverse("queue-page", args=["all"]))
    assert [e.account_id for e in page.context["top"]] == [mine.pk]
    assert page.context["state"].size == 1
    html = client.get(reverse("work-home")).content.decode()
    row = re.search(r'<tr class="queue">(.*?)</tr>', html, re.S)
    assert row is not None
    assert re.findall(r'<td class="num">(?:<strong>)?(\d+)', row.group(1))[0] == "1"
    picked = client.post(reverse("work-next", args=["all"]))
    assert picked["Location"] == f"/accounts/{mine.pk}/?queue=all"
    nothing = client.post(reverse("work-next", args=["all"]))
    assert nothing["Location"] == reverse("work-home")  # BETA's account is never offered
    assert not Lease.objects.filter(account_id=theirs.pk).exists()
