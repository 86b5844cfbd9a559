"""Every web route and every API operation against every role: each forbidden pair is refused
(403 or 404), each allowed pair works.

The roles are the five of Arrears plus an *outsider*: a collector granted another client only,
who must not reach ACME's account, its records or its queue (404, as if they did not exist), yet
still uses what is not about ACME (their own work page, search, sign-out).

The lists below are the access policy, written out. Two tests keep them complete: a route or an
API operation that appears without a row here fails the suite, so a new screen or endpoint
cannot ship without its policy. (The Django admin is the back office; it has its own test: it
lets in only staff.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver

from arrears.data.arrangements.models import AuthorityLimit
from arrears.data.contacts.models import ValidationNotice
from arrears.data.payments.models import Payment
from arrears.data.trust.models import Remittance
from arrears.data.users.models import User
from arrears.interfaces.api.routes import api
from arrears.services.accounts.access import clients_grant
from arrears.services.arrangements.approvals import correction_request
from arrears.services.arrangements.plans import PlanTerms, plan_create
from arrears.services.common import Actor, document_store
from arrears.services.compliance.cases import complaint_record, document_add
from arrears.services.compliance.disputes import dispute_record
from arrears.services.compliance.preferences import contact_restriction_add
from arrears.services.payments.origination import ach_authorize, payment_schedule
from arrears.services.work.queues import queue_build, queue_define
from tests.factories import make_client, make_new_yorker
from tests.functional.test_workspace_web import MONDAY
from tests.functional.test_workspace_web import monday as monday

pytestmark = pytest.mark.django_db

ROLES = ("collector", "supervisor", "compliance", "accountant", "admin", "outsider")
EVERYONE = frozenset(ROLES)
INSIDERS = EVERYONE - {"outsider"}  # everyone granted ACME (or seeing every client)
WORKERS = frozenset({"collector", "supervisor", "compliance", "admin"})
ANY_WORKER = WORKERS | {"outsider"}  # work not about ACME's records
CASEWORK = frozenset({"compliance", "supervisor", "admin"})
MANAGERS = frozenset({"supervisor", "admin"})
INTAKE = frozenset({"supervisor", "accountant", "admin"})
MONEY = frozenset({"accountant", "supervisor", "admin"})  # post any payment, apply unapplied cash
ARRANGERS = frozenset({"collector", "supervisor", "admin"})  # agree plans and settlements
CORRECTORS = frozenset({"supervisor", "accountant", "admin"})  # adjust, write off, decide them
TAKERS = MONEY | {"collector"}  # a collector takes card and ACH payments on granted accounts
OVERSEERS = frozenset({"supervisor", "compliance", "accountant", "admin"})  # clients, terms
ADMINS = frozenset({"admin"})  # change a client's terms and the authority limits
PAYERS = frozenset({"accountant", "admin"})  # record a remittance statement paid to its client
PASSWORD = "a-long-real-passphrase"
ACTOR = Actor.system("test")


@dataclass
class World:
    account: int
    phone: int
    dispute: int
    complaint: int
    document: int
    restriction: int
    notice: str
    payment: int = 0  # a payment whose money matched no account
    received: int = 0  # a payment on the account, waiting as unapplied cash (overpaid)
    other: int = 0  # a second ACME account, with a plan standing on it
    arrangement: int = 0  # that plan
    approval: int = 0  # a write-off asked for by a clerk, waiting for a second person
    authorization: int = 0  # an ACH authorization on the account
    scheduled: int = 0  # a debit scheduled under it
    remittance: int = 0  # ACME's October remittance statement, issued, 75.00 due
    queue: str = "pool"
    client_code: str = "ACME"
    placement_sha: str = "0" * 64


@dataclass(frozen=True)
class Case:
    method: str
    path: Callable[[World], str]
    allowed: frozenset[str]
    data: Callable[[World], dict[str, Any]] | None = None
    json: bool = False
    multipart: bool = False
    ok: frozenset[int] = field(default_factory=lambda: frozenset({200, 201, 204, 302}))
    to_login: bool = False  # its success is a redirect to the sign-in page (signing out)


STRATEGY_PATH = [
    {"key": "n", "day": 0, "action": "validation_notice"},
    {"key": "m", "day": 5, "action": "email", "template": "reminder"},
]


def _messaging_world() -> None:
    """The "reminder" email approved at version 1 with a draft version 2 (both written by the
    supervisor), and the "plan" strategy with variants a and b, half each."""
    from arrears.services.messaging.templates import template_review, template_save
    from arrears.services.strategies.definitions import strategy_define

    writer = Actor("supervisor", User.objects.get(username="supervisor").pk)
    reviewer = Actor("compliance", User.objects.get(username="compliance").pk)
    template_save(code="reminder", channel="email", name="Reminder", subject="Your account",
                  body="You owe {{ balance }}.", actor=writer, now=MONDAY)  # fmt: skip
    template_review(code="reminder", version=1, approve=True, actor=reviewer, now=MONDAY)
    template_save(code="reminder", channel="email", name="Reminder", subject="Your account",
                  body="Please pay {{ balance }}.", actor=writer, now=MONDAY)  # fmt: skip
    strategy_define(code="plan", name="Plan", entry={}, actor=ACTOR, now=MONDAY, variants=[
        {"code": "a", "share": 50, "steps": STRATEGY_PATH},
        {"code": "b", "share": 50, "steps": STRATEGY_PATH[:1]}])  # fmt: skip


STRATEGY_FORM = {
    "rows": "2", "name": "Plan", "priority": "10", "active": "on", "entry": "{}",
    "champion": "0", "v-0-code": "a", "v-0-share": "60", "v-0-steps": "[]",
    "v-1-code": "b", "v-1-share": "40", "v-1-steps": "[]",
}  # fmt: skip


@pytest.fixture
def world(monday) -> World:  # type: ignore[no-untyped-def]
    for role in ROLES:
        User.objects.create_user(role, password=PASSWORD, is_staff=role == "admin",
                                 role="collector" if role == "outsider" else role)  # fmt: skip
    acme = make_client("ACME")
    make_client("BETA")
    clients_grant(username="collector", client_codes=["ACME"], by=None, actor=ACTOR, now=MONDAY)
    clients_grant(username="outsider", client_codes=["BETA"], by=None, actor=ACTOR, now=MONDAY)
    account = make_new_yorker(acme, 80_000)
    phone = account.account_parties.get().party.contact_points.get(kind="phone").pk
    # The dispute holds its account: it goes on a second one, so the first stays callable.
    disputed = make_new_yorker(acme, 30_000)
    dispute = dispute_record(account_id=disputed.pk, received_on=date(2026, 10, 30),
                             medium="letter", actor=ACTOR, now=MONDAY)  # fmt: skip
    complaint = complaint_record(account_id=account.pk, received_on=date(2026, 10, 30),
                                 source="direct", category="other", actor=ACTOR, now=MONDAY)  # fmt: skip
    document, _ = document_add(account_id=account.pk, kind="other", file_name="note.pdf",
                               content=b"%PDF-1.7 note", content_type="application/pdf",
                               received_on=date(2026, 10, 30), actor=ACTOR, now=MONDAY,
                               store=document_store())  # fmt: skip
    restriction = contact_restriction_add(account_id=account.pk, kind="opt_out", channel="email",
                                          received_on=date(2026, 10, 30), medium="phone",
                                          actor=ACTOR, now=MONDAY)  # fmt: skip
    store = document_store()
    store.put("notices/N-1.html", b"<p>notice</p>")
    store.put("notices/N-1.pdf", b"%PDF-1.7 notice")
    ValidationNotice.objects.create(
        account=account, reference="N-1", sent_on=date(2026, 10, 1),
        period_ends_on=date(2026, 11, 15), itemization_date=date(2025, 6, 30),
        itemization_basis="charge_off", amount_then_minor=80_000, interest_minor=0,
        fees_minor=0, payments_credits_minor=0, current_minor=80_000,
        html_key="notices/N-1.html", pdf_key="notices/N-1.pdf", pack_version="test",
    )  # fmt: skip
    queue_define(code="pool", name="Pool", filters={}, order="balance_high", mode="pooled",
                 members=sorted(ANY_WORKER), actor=ACTOR, now=MONDAY)  # fmt: skip
    queue_build("pool", now=MONDAY, actor=ACTOR)
    _messaging_world()
    payment = Payment.objects.create(
        reference="LB-1", method="check", amount_minor=5_000, received_on=date(2026, 10, 30),
        unapplied_minor=5_000, unapplied_reason="no_match", account_hint="NOPE-1",
        payer_name="Pat Doe", created_at=MONDAY, actor_label="test",
    )  # fmt: skip
    received = Payment.objects.create(
        reference="LB-2", method="check", amount_minor=1_000, received_on=date(2026, 10, 30),
        account=account, unapplied_minor=1_000, unapplied_reason="overpaid", created_at=MONDAY,
        actor_label="test",
    )  # fmt: skip
    other = make_new_yorker(acme, 50_000)
    plan = plan_create(account_id=other.pk, actor=ACTOR, now=MONDAY, terms=PlanTerms(
        frequency="monthly", first_due=date(2026, 11, 20), count=2))  # fmt: skip
    clerk = User.objects.create_user("clerk", password=PASSWORD, role="accountant")
    approval = correction_request(account_id=account.pk, kind="write_off", on=date(2026, 11, 2),
                                  reason="uncollectable", now=MONDAY,
                                  actor=Actor(label="clerk", user_id=clerk.pk)).request  # fmt: skip
    assert approval is not None
    # A limit to remove: compliance officers' own for ACME (they agree nothing, so it moves no
    # other case).
    AuthorityLimit.objects.create(role="compliance", client=acme, max_discount_ppm=0)
    authorization = ach_authorize(
        account_id=account.pk, routing="021000021", account_number="000123456789",
        account_type="checking", sec="TEL", evidence="call recording 42", recurring=True,
        actor=ACTOR, now=MONDAY,
    )  # fmt: skip
    scheduled = payment_schedule(authorization_id=authorization.pk, amount_minor=2_500,
                                 due_on=date(2026, 11, 20), actor=ACTOR, now=MONDAY)  # fmt: skip
    remittance = Remittance.objects.create(
        client=acme, period_start=date(2026, 10, 1), period_end=date(2026, 11, 1),
        currency="USD", remit_mode="net", number="REM-ACME-2026-10", collected_minor=10_000,
        net_collected_minor=10_000, commission_minor=2_500, client_share_minor=7_500,
        due_to_client_minor=7_500, created_at=MONDAY, actor_label="test",
    )  # fmt: skip
    return World(account=account.pk, phone=phone, dispute=dispute.pk, complaint=complaint.pk,
                 document=document.pk, restriction=restriction.pk, notice="N-1",
                 payment=payment.pk, received=received.pk, other=other.pk,
                 arrangement=plan.pk, approval=approval.pk, authorization=authorization.pk,
                 scheduled=scheduled.pk, remittance=remittance.pk)  # fmt: skip


def _action(name: str, data: Callable[[World], dict[str, Any]]) -> Case:
    return Case("POST", lambda w: f"/accounts/{w.account}/do/{name}/", WORKERS, data)


def _opt_out_link(w: World) -> str:
    """The opt-out link of an email address the account's consumer gave (made on first use)."""
    from arrears.data.accounts.models import AccountParty
    from arrears.data.parties.models import ContactPoint
    from arrears.services.messaging.optout import opt_out_token

    party = AccountParty.objects.get(account_id=w.account, role="primary").party_id
    point, _ = ContactPoint.objects.get_or_create(
        party_id=party, kind="email", value_index="matrix-email",
        defaults={"email": "pat@example.com", "valid_from": date(2026, 1, 1)},
    )  # fmt: skip
    return f"/opt-out/{opt_out_token(account_id=w.account, contact_point_id=point.pk)}/"


# Web routes by name; account actions by their action.
WEB: dict[str, list[Case]] = {
    "home": [Case("GET", lambda w: "/", EVERYONE)],
    "login": [Case("GET", lambda w: "/login/", EVERYONE)],
    "password_reset": [Case("GET", lambda w: "/password/reset/", EVERYONE)],
    "password_reset_done": [Case("GET", lambda w: "/password/reset/sent/", EVERYONE)],
    "password_reset_confirm": [
        Case("GET", lambda w: "/password/reset/MQ/not-a-token/", EVERYONE),
    ],
    "password_reset_complete": [Case("GET", lambda w: "/password/reset/done/", EVERYONE)],
    # Public, like the sign-in pages: the signed token in the link is the authority. A bad
    # token is a 400 for anyone (signed-out use: tests/functional/test_email_optout_web.py).
    "opt-out": [
        Case("GET", _opt_out_link, EVERYONE),
        Case("POST", _opt_out_link, EVERYONE, lambda w: {"confirm": "yes"}),
        Case("GET", lambda w: "/opt-out/not-a-token/", EVERYONE, ok=frozenset({400})),
    ],
    "password_change": [
        Case("GET", lambda w: "/password/change/", EVERYONE),
        Case(
            "POST",
            lambda w: "/password/change/",
            EVERYONE,
            lambda w: {
                "old_password": PASSWORD,
                "new_password1": "another-long-passphrase-9",
                "new_password2": "another-long-passphrase-9",
            },
        ),
    ],
    "password_change_done": [Case("GET", lambda w: "/password/change/done/", EVERYONE)],
    "logout": [Case("POST", lambda w: "/logout/", EVERYONE, to_login=True)],
    # Twilio's webhooks open to Twilio's signature alone, never to a session: every role is
    # refused (404 here, where no Twilio auth token is set; 403 for a missing or wrong signature
    # once one is: tests/functional/test_sms_hooks.py).
    "twilio-sms": [Case("POST", lambda w: "/hooks/twilio/sms/", frozenset())],
    "twilio-status": [Case("POST", lambda w: "/hooks/twilio/status/", frozenset())],
    # The outsider is granted the queue but not ACME: the queue page shows them nothing of it,
    # and "next account" finds nothing for them (a redirect back to their work page).
    "account-list": [
        Case("GET", lambda w: "/accounts/", EVERYONE),
        Case("GET", lambda w: "/accounts/?q=Pat+Doe", EVERYONE),
    ],
    "account-page": [Case("GET", lambda w: f"/accounts/{w.account}/", INSIDERS)],
    "work-home": [Case("GET", lambda w: "/work/", ANY_WORKER)],
    "queue-page": [Case("GET", lambda w: f"/work/queues/{w.queue}/", ANY_WORKER)],
    "work-next": [Case("POST", lambda w: f"/work/queues/{w.queue}/next/", ANY_WORKER)],
    "work-release": [Case("POST", lambda w: f"/accounts/{w.account}/release/", WORKERS)],
    "account-reveal": [Case("POST", lambda w: f"/accounts/{w.account}/reveal/", WORKERS)],
    # Preview dial: the rules allow a call to the account's mobile on Monday at 10:00 (placed by
    # the offline dialer).
    "account-dial": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/dial/",
            WORKERS,
            lambda w: {"contact_point": w.phone},
        ),
    ],
    "account-action": [
        _action(
            "call",
            lambda w: {
                "call-direction": "outbound",
                "call-disposition": "no_answer",
                "call-contact_point": w.phone,
            },
        ),
        _action("note", lambda w: {"note-text": "Left word with the front desk."}),
        _action("promise", lambda w: {"promise-amount": "50.00", "promise-due_on": "2026-11-20"}),
        _action("callback", lambda w: {"callback-due_at": "2026-11-03T10:00"}),
        _action("status", lambda w: {"status-status": "closed", "status-reason": "client asked"}),
        _action(
            "hold",
            lambda w: {
                "hold-kind": "attorney",
                "hold-starts_on": "2026-11-02",
                "hold-source": "letter from counsel",
            },
        ),
        _action("point", lambda w: {"point-kind": "email", "point-value": "pat@example.com"}),
        _action("bad", lambda w: {"bad-contact_point": w.phone, "bad-reason": "wrong number"}),
    ],
    "contact-log": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/contacts/",
            WORKERS,
            lambda w: {"channel": "letter", "direction": "outbound", "outcome": "sent"},
        ),
    ],
    "dispute-log": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/disputes/",
            WORKERS,
            lambda w: {
                "dispute-kind": "dispute",
                "dispute-received_on": "2026-11-01",
                "dispute-medium": "letter",
                "dispute-reason": "other",
            },
        ),
    ],
    "restriction-log": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/restrictions/",
            WORKERS,
            lambda w: {
                "restriction-kind": "opt_out",
                "restriction-channel": "sms",
                "restriction-received_on": "2026-11-01",
                "restriction-medium": "phone",
            },
        ),
    ],
    "document-upload": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/documents/",
            WORKERS,
            lambda w: {
                "document-kind": "affidavit",
                "document-received_on": "2026-11-01",
                "document-file": SimpleUploadedFile("a.pdf", b"%PDF-1.7 sworn"),
            },
            multipart=True,
        ),
    ],
    "complaint-log": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/complaints/",
            WORKERS,
            lambda w: {
                "complaint-received_on": "2026-11-01",
                "complaint-source": "cfpb",
                "complaint-category": "threats",
            },
        ),
    ],
    "payment-post": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/payments/",
            TAKERS,
            lambda w: {
                "payment-amount": "10.00",
                "payment-received_on": "2026-11-02",
                "payment-method": "card",
            },
        ),
    ],
    "payment-return": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/payments/{w.received}/return/",
            MONEY,
            lambda w: {"returned_on": "2026-11-02", "code": "NSF", "reason": "bounced"},
        ),
    ],
    "payment-refund": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/payments/{w.received}/refund/",
            MONEY,
            lambda w: {"amount": "1.00", "reason": "overpaid", "key": "k" * 32},
        ),
    ],
    "card-take": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/card-payments/",
            TAKERS,
            lambda w: {"card-amount": "10.00", "card-token": "pm_card_visa", "card-key": "c" * 32},
        ),
    ],
    "plan-page": [
        Case("GET", lambda w: f"/accounts/{w.account}/plan/", ARRANGERS),
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/plan/",
            ARRANGERS,
            lambda w: {
                "adults": "1",
                "children": "0",
                "first_due": "2026-11-20",
                "income_0_category": "wages",
                "income_0_frequency": "monthly",
                "income_0_amount": "2000",
                "income_1_category": "wages",
                "income_1_frequency": "monthly",
                "income_2_category": "wages",
                "income_2_frequency": "monthly",
                "expense_housing": "900",
            },
        ),
    ],
    "plan-agree": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/plan/agree/",
            ARRANGERS,
            lambda w: {"frequency": "monthly", "first_due": "2026-11-20", "count": "2"},
        ),
    ],
    "settlement-page": [
        Case("GET", lambda w: f"/accounts/{w.account}/settle/", ARRANGERS),
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/settle/",
            ARRANGERS,
            lambda w: {
                "percent": "90",
                "count": "1",
                "frequency": "monthly",
                "first_due": "2026-11-20",
            },
        ),
    ],
    "arrangement-cancel": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.other}/arrangements/{w.arrangement}/cancel/",
            ARRANGERS,
            lambda w: {"reason": "consumer asked"},
        ),
    ],
    "ach-authorize": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/ach/authorizations/",
            TAKERS,
            lambda w: {
                "ach-routing": "011000015",
                "ach-account_number": "55501234",
                "ach-account_type": "savings",
                "ach-sec": "PPD",
                "ach-evidence": "signed form",
            },
        ),
    ],
    "ach-revoke": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/ach/authorizations/{w.authorization}/revoke/",
            TAKERS,
            lambda w: {"reason": "consumer called"},
        ),
    ],
    "ach-schedule": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/ach/debits/",
            TAKERS,
            lambda w: {
                "debit-authorization": w.authorization,
                "debit-amount": "10.00",
                "debit-due_on": "2026-11-06",
            },
        ),
    ],
    "ach-cancel": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/ach/debits/{w.scheduled}/cancel/",
            TAKERS,
            lambda w: {"reason": "consumer asked"},
        ),
    ],
    "correction": [
        Case(
            "POST",
            lambda w: f"/accounts/{w.account}/corrections/",
            CORRECTORS,
            lambda w: {
                "correction-kind": "adjustment",
                "correction-bucket": "principal",
                "correction-amount": "-1.00",
                "correction-on": "2026-11-02",
                "correction-reason": "typo",
            },
        ),
    ],
    "approvals": [Case("GET", lambda w: "/approvals/", CORRECTORS)],
    "approval-decide": [
        Case(
            "POST",
            lambda w: f"/approvals/{w.approval}/decide/",
            CORRECTORS,
            lambda w: {"decision": "decline", "note": "no"},
        ),
    ],
    "unapplied-cash": [Case("GET", lambda w: "/payments/unapplied/", MONEY)],
    "unapplied-suggestions": [
        Case("GET", lambda w: f"/payments/unapplied/{w.payment}/suggestions/", MONEY),
    ],
    "unapplied-apply": [
        Case(
            "POST",
            lambda w: f"/payments/unapplied/{w.payment}/apply/",
            MONEY,
            lambda w: {"account": str(w.account)},
        ),
    ],
    "remittances": [
        Case("GET", lambda w: "/trust/remittances/", MONEY),
        Case("GET", lambda w: "/trust/remittances/?period=2026-10", MONEY),
    ],
    "remittance-document": [
        Case("GET", lambda w: f"/trust/remittances/{w.remittance}/lines/", MONEY),
    ],
    "remittance-paid": [
        Case(
            "POST",
            lambda w: f"/trust/remittances/{w.remittance}/paid/",
            PAYERS,
            lambda w: {"paid_on": "2026-11-02", "reference": "CHK 1"},
        ),
    ],
    "document-download": [Case("GET", lambda w: f"/documents/{w.document}/", INSIDERS)],
    "complaint-respond": [
        Case(
            "POST",
            lambda w: f"/complaints/{w.complaint}/respond/",
            CASEWORK,
            lambda w: {"responded_on": "2026-11-02"},
        ),
    ],
    "compliance-queue": [Case("GET", lambda w: "/compliance/", CASEWORK)],
    "supervise": [Case("GET", lambda w: "/supervise/", MANAGERS)],
    "supervise-target": [
        Case(
            "POST",
            lambda w: "/supervise/targets/",
            MANAGERS,
            lambda w: {
                "target-who": "collector:collector",
                "target-month": "2026-11",
                "target-amount": "5000.00",
            },
        ),
    ],
    "supervise-reassign": [
        Case(
            "POST",
            lambda w: "/supervise/reassign/",
            MANAGERS,
            lambda w: {"reassign-account_ids": str(w.account), "reassign-to": "collector"},
        ),
    ],
    "supervise-team": [
        Case(
            "POST",
            lambda w: "/supervise/teams/",
            MANAGERS,
            lambda w: {"team-code": "desk", "team-name": "Desk", "team-members": ["collector"]},
        ),
    ],
    "supervise-grace": [
        Case(
            "POST",
            lambda w: "/supervise/grace/",
            MANAGERS,
            lambda w: {"grace-client": w.client_code, "grace-days": "2"},
        ),
    ],
    "clients": [Case("GET", lambda w: "/clients/", OVERSEERS)],
    "client-terms": [Case("GET", lambda w: f"/clients/{w.client_code}/terms/", OVERSEERS)],
    "client-plan-rules": [
        Case(
            "POST",
            lambda w: f"/clients/{w.client_code}/terms/plan-rules/",
            ADMINS,
            lambda w: {"rules-min_instalment": "30.00", "rules-max_term_months": "18"},
        ),
    ],
    "client-card-fee": [
        Case(
            "POST",
            lambda w: f"/clients/{w.client_code}/terms/card-fee/",
            ADMINS,
            lambda w: {"card-fee": "2.50", "card-clause": "4.2 Fees"},
        ),
    ],
    "client-commission": [
        Case(
            "POST",
            lambda w: f"/clients/{w.client_code}/terms/commission/",
            ADMINS,
            lambda w: {
                "commission-remit_mode": "gross",
                "commission-tier_0_months": "0",
                "commission-tier_0_rate": "20",
            },
        ),
    ],
    "authority": [Case("GET", lambda w: "/settings/authority/", CORRECTORS)],
    "authority-set": [
        Case(
            "POST",
            lambda w: "/settings/authority/set/",
            ADMINS,
            lambda w: {
                "limit-role": "collector",
                "limit-client": w.client_code,
                "limit-max_discount": "30",
                "limit-max_forgiven": "",
                "limit-max_adjustment": "10.00",
            },
        ),
    ],
    "authority-remove": [
        Case(
            "POST",
            lambda w: "/settings/authority/remove/",
            ADMINS,
            lambda w: {"role": "compliance", "client": w.client_code},
        ),
    ],
    "dispute-answer": [
        Case(
            "POST",
            lambda w: f"/disputes/{w.dispute}/answer/",
            CASEWORK,
            lambda w: {"answered_on": "2026-11-02", "note": "sent the statement"},
        ),
    ],
    # Strategies and message templates: supervisors and administrators write them, compliance
    # officers see them (and alone review templates).
    "strategies": [Case("GET", lambda w: "/strategies/", CASEWORK)],
    "strategy-new": [
        Case("GET", lambda w: "/strategies/new/", MANAGERS),
        Case(
            "POST",
            lambda w: "/strategies/new/",
            MANAGERS,
            lambda w: {**STRATEGY_FORM, "code": "later"},
        ),
    ],
    "strategy-page": [
        Case("GET", lambda w: "/strategies/plan/", CASEWORK),
        Case("POST", lambda w: "/strategies/plan/", MANAGERS, lambda w: STRATEGY_FORM),
    ],
    "strategy-move": [
        Case(
            "POST",
            lambda w: "/strategies/plan/move/",
            MANAGERS,
            lambda w: {"from_variant": "a", "to_variant": "b", "share": "50"},
        ),
    ],
    "strategy-results": [Case("GET", lambda w: "/strategies/plan/results/", CASEWORK)],
    "planned-actions": [Case("GET", lambda w: "/strategies/planned/?day=2026-11-02", CASEWORK)],
    "message-templates": [Case("GET", lambda w: "/templates/", CASEWORK)],
    "message-template-new": [
        Case("GET", lambda w: "/templates/new/", MANAGERS),
        Case(
            "POST",
            lambda w: "/templates/new/",
            MANAGERS,
            lambda w: {
                "code": "nudge",
                "channel": "sms",
                "name": "Nudge",
                "body": "Call {{ collector_phone }}.",
            },
        ),
    ],
    "message-template": [
        Case("GET", lambda w: "/templates/reminder/", CASEWORK),
        Case(
            "POST",
            lambda w: "/templates/reminder/",
            MANAGERS,
            lambda w: {"name": "Reminder", "subject": "Hi", "body": "Pay {{ balance }}."},
        ),
    ],
    "message-template-review": [
        Case(
            "POST",
            lambda w: "/templates/reminder/versions/2/review/",
            frozenset({"compliance"}),
            lambda w: {"decision": "approve"},
        ),
    ],
    "message-template-preview": [
        Case(
            "POST",
            lambda w: "/templates/preview/",
            CASEWORK,
            lambda w: {"channel": "sms", "body": "Hi {{ consumer_first_name }}."},
        ),
    ],
}


def _j(data: dict[str, Any]) -> Callable[[World], dict[str, Any]]:
    return lambda w: data


A = "/api/accounts/{account}"
# API operations as "METHOD /api/path" with the OpenAPI path's placeholders.
API: dict[str, Case] = {
    "GET /api/health": Case("GET", lambda w: "/api/health", EVERYONE),
    "POST /api/email/bounces": Case("POST", lambda w: "/api/email/bounces", ADMINS,
                                    _j({"address": "pat@example.com", "bounced_on": "2026-11-01",
                                        "kind": "hard"}), json=True),
    "GET /api/clients": Case("GET", lambda w: "/api/clients", EVERYONE),
    "POST /api/clients": Case("POST", lambda w: "/api/clients", MANAGERS,
                              _j({"code": "GAMMA", "name": "Gamma Bank"}), json=True),
    "POST /api/clients/{client_code}/placements": Case(
        "POST", lambda w: f"/api/clients/{w.client_code}/placements", INTAKE,
        lambda w: {"file": SimpleUploadedFile("p.csv", b"client_account_ref\n")},
        multipart=True, ok=frozenset({200, 201, 202}),
    ),
    "GET /api/clients/{client_code}/placements/{sha256}": Case(
        "GET", lambda w: f"/api/clients/{w.client_code}/placements/{w.placement_sha}", INTAKE,
        ok=frozenset({200, 404}),
    ),
    "GET /api/accounts/{account_id}": Case("GET", lambda w: f"/api/accounts/{w.account}",
                                           INSIDERS),
    "GET /api/accounts/{account_id}/contact-decisions": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/contact-decisions", INSIDERS),
    "GET /api/accounts/{account_id}/contactability": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/contactability", INSIDERS),
    "GET /api/accounts/{account_id}/contact-attempts": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/contact-attempts", INSIDERS),
    "POST /api/accounts/{account_id}/contact-attempts": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/contact-attempts", WORKERS,
        _j({"channel": "letter", "outcome": "sent"}), json=True),
    "GET /api/accounts/{account_id}/validation-notices": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/validation-notices", INSIDERS),
    "GET /api/accounts/{account_id}/disputes": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/disputes", INSIDERS),
    "POST /api/accounts/{account_id}/disputes": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/disputes", WORKERS,
        _j({"received_on": "2026-11-01", "medium": "letter"}), json=True),
    "GET /api/accounts/{account_id}/contact-restrictions": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/contact-restrictions", INSIDERS),
    "POST /api/accounts/{account_id}/contact-restrictions": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/contact-restrictions", WORKERS,
        _j({"kind": "opt_out", "channel": "sms", "received_on": "2026-11-01",
            "medium": "phone"}), json=True),
    "GET /api/accounts/{account_id}/documents": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/documents", INSIDERS),
    "POST /api/accounts/{account_id}/documents": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/documents", WORKERS,
        lambda w: {"kind": "affidavit", "received_on": "2026-11-01",
                   "file": SimpleUploadedFile("a.pdf", b"%PDF-1.7 sworn")}, multipart=True),
    "GET /api/accounts/{account_id}/complaints": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/complaints", INSIDERS),
    "POST /api/accounts/{account_id}/complaints": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/complaints", WORKERS,
        _j({"received_on": "2026-11-01", "source": "cfpb", "category": "threats"}), json=True),
    "POST /api/accounts/{account_id}/calls": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/calls", WORKERS,
        lambda w: {"disposition": "no_answer", "contact_point_id": w.phone}, json=True),
    "POST /api/accounts/{account_id}/promises": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/promises", WORKERS,
        _j({"amount": "50.00", "due_on": "2026-11-20"}), json=True),
    "POST /api/accounts/{account_id}/callbacks": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/callbacks", WORKERS,
        _j({"due_at": "2026-11-03T10:00:00-05:00"}), json=True),
    "POST /api/accounts/{account_id}/notes": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/notes", WORKERS,
        _j({"text": "Left word."}), json=True),
    "POST /api/accounts/{account_id}/status": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/status", WORKERS,
        _j({"status": "closed", "reason": "client asked"}), json=True),
    "POST /api/accounts/{account_id}/holds": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/holds", WORKERS,
        _j({"kind": "attorney", "starts_on": "2026-11-02", "source": "counsel"}), json=True),
    "POST /api/accounts/{account_id}/release": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/release", WORKERS),
    "POST /api/accounts/{account_id}/payments": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/payments", TAKERS,
        _j({"amount": "10.00", "received_on": "2026-11-02", "method": "card"}), json=True),
    "POST /api/accounts/{account_id}/income-expenditure": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/income-expenditure", ARRANGERS,
        lambda w: {"first_due": "2026-11-20", "incomes": [{"category": "wages",
                                                          "amount": "2000"}]}, json=True),
    "GET /api/accounts/{account_id}/arrangements": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/arrangements", INSIDERS),
    "POST /api/accounts/{account_id}/plans": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/plans", ARRANGERS,
        lambda w: {"frequency": "monthly", "first_due": "2026-11-20", "count": 2}, json=True),
    "POST /api/accounts/{account_id}/settlements": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/settlements", ARRANGERS,
        lambda w: {"first_due": "2026-11-20", "percent": "90"}, json=True),
    "POST /api/accounts/{account_id}/arrangements/{arrangement_id}/cancel": Case(
        "POST", lambda w: f"/api/accounts/{w.other}/arrangements/{w.arrangement}/cancel",
        ARRANGERS, lambda w: {"reason": "consumer asked"}, json=True),
    "POST /api/accounts/{account_id}/corrections": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/corrections", CORRECTORS,
        lambda w: {"kind": "adjustment", "on": "2026-11-02", "reason": "typo",
                   "amounts": {"principal": "-1.00"}}, json=True, ok=frozenset({201, 202})),
    "GET /api/accounts/{account_id}/ach-authorizations": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/ach-authorizations", INSIDERS),
    "POST /api/accounts/{account_id}/ach-authorizations": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/ach-authorizations", TAKERS,
        _j({"routing": "011000015", "account_number": "55501234", "account_type": "savings",
            "sec": "PPD", "evidence": "signed form"}), json=True),
    "POST /api/ach-authorizations/{authorization_id}/revoke": Case(
        "POST", lambda w: f"/api/ach-authorizations/{w.authorization}/revoke", TAKERS,
        _j({"reason": "consumer called"}), json=True),
    "GET /api/accounts/{account_id}/scheduled-debits": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/scheduled-debits", INSIDERS),
    "POST /api/accounts/{account_id}/scheduled-debits": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/scheduled-debits", TAKERS,
        lambda w: {"authorization_id": w.authorization, "amount": "10.00",
                   "due_on": "2026-11-06"}, json=True),
    "POST /api/scheduled-debits/{scheduled_id}/cancel": Case(
        "POST", lambda w: f"/api/scheduled-debits/{w.scheduled}/cancel", TAKERS,
        _j({"reason": "consumer asked"}), json=True),
    "POST /api/accounts/{account_id}/card-payments": Case(
        "POST", lambda w: f"/api/accounts/{w.account}/card-payments", TAKERS,
        _j({"amount": "10.00", "token": "pm_card_visa", "idempotency_key": "matrix-1"}),
        json=True),
    "POST /api/payments/{payment_id}/refund": Case(
        "POST", lambda w: f"/api/payments/{w.received}/refund", MONEY,
        _j({"amount": "1.00", "reason": "overpaid"}), json=True),
    "GET /api/approvals": Case("GET", lambda w: "/api/approvals", CORRECTORS),
    "POST /api/approvals/{request_id}/decision": Case(
        "POST", lambda w: f"/api/approvals/{w.approval}/decision", CORRECTORS,
        lambda w: {"approve": False, "note": "no"}, json=True),
    "GET /api/payments/unapplied": Case("GET", lambda w: "/api/payments/unapplied", MONEY),
    "GET /api/remittances": Case("GET", lambda w: "/api/remittances?period=2026-10", MONEY),
    "POST /api/remittances/{remittance_id}/paid": Case(
        "POST", lambda w: f"/api/remittances/{w.remittance}/paid", PAYERS,
        _j({"paid_on": "2026-11-02", "reference": "CHK 1"}), json=True),
    "POST /api/payments/{payment_id}/return": Case(
        "POST", lambda w: f"/api/payments/{w.received}/return", MONEY,
        _j({"returned_on": "2026-11-02", "code": "NSF", "reason": "bounced"}), json=True),
    "GET /api/payments/unapplied/{payment_id}/suggestions": Case(
        "GET", lambda w: f"/api/payments/unapplied/{w.payment}/suggestions", MONEY),
    "POST /api/payments/unapplied/{payment_id}/apply": Case(
        "POST", lambda w: f"/api/payments/unapplied/{w.payment}/apply", MONEY,
        lambda w: {"account_id": w.account}, json=True),
    "GET /api/accounts/{account_id}/timeline": Case(
        "GET", lambda w: f"/api/accounts/{w.account}/timeline", INSIDERS),
    "POST /api/validation-notices/{reference}/returned": Case(
        "POST", lambda w: f"/api/validation-notices/{w.notice}/returned", WORKERS,
        _j({"returned_on": "2026-11-02"}), json=True),
    "GET /api/validation-notices/{reference}/{kind}": Case(
        "GET", lambda w: f"/api/validation-notices/{w.notice}/pdf", INSIDERS),
    "GET /api/documents/{document_id}": Case(
        "GET", lambda w: f"/api/documents/{w.document}", INSIDERS),
    "POST /api/disputes/{dispute_id}/answer": Case(
        "POST", lambda w: f"/api/disputes/{w.dispute}/answer", CASEWORK,
        _j({"answered_on": "2026-11-02", "letter": False}), json=True),
    "POST /api/complaints/{complaint_id}/respond": Case(
        "POST", lambda w: f"/api/complaints/{w.complaint}/respond", CASEWORK,
        _j({"responded_on": "2026-11-02"}), json=True),
    "POST /api/contact-restrictions/{restriction_id}/end": Case(
        "POST", lambda w: f"/api/contact-restrictions/{w.restriction}/end", WORKERS,
        _j({"ended_on": "2026-11-02"}), json=True),
    "GET /api/compliance/queue": Case("GET", lambda w: "/api/compliance/queue", CASEWORK),
    "GET /api/compliance/report": Case(
        "GET", lambda w: "/api/compliance/report?start=2026-10-01&end=2026-11-01", CASEWORK
    ),
    "GET /api/queues": Case("GET", lambda w: "/api/queues", ANY_WORKER),
    "POST /api/queues": Case("POST", lambda w: "/api/queues", MANAGERS,
                             _j({"code": "big", "name": "Big balances"}), json=True),
    "POST /api/queues/{code}/build": Case("POST", lambda w: f"/api/queues/{w.queue}/build",
                                          MANAGERS),
    "POST /api/queues/{code}/next": Case("POST", lambda w: f"/api/queues/{w.queue}/next",
                                         ANY_WORKER),
    "GET /api/queues/{code}/dialer-list": Case(
        "GET", lambda w: f"/api/queues/{w.queue}/dialer-list?day=2026-11-03", MANAGERS),
    "POST /api/dialer/dispositions": Case(
        "POST", lambda w: "/api/dialer/dispositions", MANAGERS,
        lambda w: {"records": [{"call_id": "M-1", "account": w.account, "phone": "+17165550100",
                                "started_at": "2026-11-02T09:00:00-05:00",
                                "result": "NO_ANSWER"}]}, json=True),
    "POST /api/queues/assignments": Case(
        "POST", lambda w: "/api/queues/assignments", MANAGERS,
        lambda w: {"account_ids": [w.account], "user": "collector"}, json=True),
    "GET /api/search": Case("GET", lambda w: "/api/search?q=Pat+Doe", EVERYONE),
    "GET /api/supervisor/summary": Case("GET", lambda w: "/api/supervisor/summary", MANAGERS),
    "PUT /api/targets": Case("PUT", lambda w: "/api/targets", MANAGERS,
                             _j({"collector": "collector", "month": "2026-11-01",
                                 "amount": "5000.00"}), json=True),
    "PUT /api/teams/{code}": Case("PUT", lambda w: "/api/teams/floor-2", MANAGERS,
                                  _j({"name": "Floor 2", "members": ["collector"]}), json=True),
    "GET /api/clients/{client_code}/plan-rules": Case(
        "GET", lambda w: f"/api/clients/{w.client_code}/plan-rules", INSIDERS),
    "PUT /api/clients/{client_code}/plan-rules": Case(
        "PUT", lambda w: f"/api/clients/{w.client_code}/plan-rules", ADMINS,
        _j({"min_instalment": "30.00", "max_term_months": 18}), json=True),
    "GET /api/authority-limits": Case("GET", lambda w: "/api/authority-limits", CORRECTORS),
    "PUT /api/authority-limits": Case(
        "PUT", lambda w: "/api/authority-limits", ADMINS,
        lambda w: {"role": "collector", "client": w.client_code, "max_discount_ppm": 300_000,
                   "max_forgiven": None, "max_adjustment": "10.00"}, json=True),
    "DELETE /api/authority-limits": Case(
        "DELETE", lambda w: f"/api/authority-limits?role=compliance&client={w.client_code}",
        ADMINS),
    "GET /api/strategies": Case("GET", lambda w: "/api/strategies", CASEWORK),
    "GET /api/strategies/{code}": Case("GET", lambda w: "/api/strategies/plan", CASEWORK),
    "PUT /api/strategies/{code}": Case(
        "PUT", lambda w: "/api/strategies/plan", MANAGERS,
        _j({"name": "Plan", "variants": [{"code": "a", "share": "50", "champion": True},
                                         {"code": "b", "share": "50"}]}), json=True),
    "POST /api/strategies/{code}/move": Case(
        "POST", lambda w: "/api/strategies/plan/move", MANAGERS,
        _j({"from_variant": "a", "to_variant": "b", "share": "50"}), json=True),
    "GET /api/strategies/{code}/results": Case(
        "GET", lambda w: "/api/strategies/plan/results", CASEWORK),
    "GET /api/templates": Case("GET", lambda w: "/api/templates", CASEWORK),
    "GET /api/templates/{code}": Case("GET", lambda w: "/api/templates/reminder", CASEWORK),
    "POST /api/templates/{code}/versions": Case(
        "POST", lambda w: "/api/templates/reminder/versions", MANAGERS,
        _j({"channel": "email", "name": "Reminder", "subject": "Hi", "body": "Pay."}),
        json=True),
    "POST /api/templates/{code}/versions/{n}/review": Case(
        "POST", lambda w: "/api/templates/reminder/versions/2/review",
        frozenset({"compliance"}), _j({"approve": True}), json=True),
    "POST /api/templates/preview": Case(
        "POST", lambda w: "/api/templates/preview", CASEWORK,
        _j({"channel": "sms", "body": "Hi."}), json=True),
    "GET /api/planned-actions": Case(
        "GET", lambda w: "/api/planned-actions?day=2026-11-02", CASEWORK),
}  # fmt: skip


def _web_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in ("admin", "api"):
                    continue
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(p.name)

    walk(get_resolver().url_patterns)
    return names


def _api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def test_every_web_route_has_its_policy_written_here() -> None:
    assert _web_names() == set(WEB)


def test_every_api_operation_has_its_policy_written_here() -> None:
    assert _api_operations() == set(API)


def _send(http: HttpClient, case: Case, world: World, **extra: Any) -> Any:
    path = case.path(world)
    data = case.data(world) if case.data else None
    if case.method == "GET":
        return http.get(path, **extra)
    if case.method == "DELETE":
        return http.delete(path, **extra)
    if case.json:
        import json

        send = http.put if case.method == "PUT" else http.post
        return send(path, json.dumps(data or {}), content_type="application/json", **extra)
    return http.post(path, data or {}, **extra)


WEB_CASES = [(f"{name}#{i}", case) for name, cases in WEB.items() for i, case in enumerate(cases)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "case"), WEB_CASES, ids=[n for n, _ in WEB_CASES])
def test_web_route(client, world, role, name, case) -> None:  # type: ignore[no-untyped-def]
    client.force_login(User.objects.get(username=role))
    response = _send(client, case, world)
    if role in case.allowed:
        assert response.status_code in case.ok, (name, role, response.status_code)
        if response.status_code == 302 and not case.to_login:
            assert "/login/" not in response["Location"], (name, role)
    else:
        assert response.status_code in (403, 404), (name, role, response.status_code)


API_CASES = sorted(API.items())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "case"), API_CASES, ids=[n for n, _ in API_CASES])
def test_api_operation(client, world, role, name, case) -> None:  # type: ignore[no-untyped-def]
    import base64

    token = base64.b64encode(f"{role}:{PASSWORD}".encode()).decode()
    response = _send(client, case, world, HTTP_AUTHORIZATION=f"Basic {token}")
    if role in case.allowed:
        assert response.status_code in case.ok, (name, role, response.status_code,
                                                 response.content[:300])  # fmt: skip
    else:
        assert response.status_code in (403, 404), (name, role, response.status_code)


def test_the_back_office_lets_in_only_staff(client, world) -> None:  # type: ignore[no-untyped-def]
    for role in ROLES:
        client.force_login(User.objects.get(username=role))
        response = client.get("/admin/")
        assert response.status_code == (200 if role == "admin" else 302), role
