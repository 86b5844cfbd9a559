"""The demo portfolio that `./dev run` loads into an empty database.

Several clients (one bearing interest), a few thousand generated accounts, and some life on
them: payments (one returned), fees, disputes (some overdue), cease requests, a bankruptcy, a recall, a
fortnight of calls and letters judged by the rule packs, and interest accrued to date; and a
collection floor: team floor-1 with the demo collector and this month's targets, the collector's
calls today, payments on their accounts and promises kept, broken and open. Everything goes
through the same services a real day would use.
"""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from arrears.core.arrangements import (
    ExpenseCategory,
    ExpenseLine,
    Household,
    IncomeCategory,
    IncomeExpenditure,
    IncomeLine,
    LineFrequency,
)
from arrears.core.synthetic import generate_placements
from arrears.data.accounts.models import Account, AccountStatus, Hold
from arrears.data.arrangements.models import AuthorityLimit, ClientPlanRules
from arrears.data.clients.models import Client, ClientKind, InterestPolicy
from arrears.data.users.models import Role, User
from arrears.data.work.models import Lease, Promise
from arrears.services.accounts.access import clients_grant
from arrears.services.arrangements.plans import PlanTerms, income_expenditure_record, plan_create
from arrears.services.arrangements.settlements import SettlementTerms, settlement_offer
from arrears.services.clients.operations import client_add
from arrears.services.common import Actor, document_store, letter_renderer
from arrears.services.compliance.disputes import dispute_record
from arrears.services.compliance.notices import validation_notices_send
from arrears.services.compliance.operations import (
    ContactBlocked,
    contact_attempt_record,
    contactability_refresh,
)
from arrears.services.ledger.accrual import interest_accrue
from arrears.services.ledger.operations import (
    LedgerRefused,
    account_recall,
    charge_post,
    hold_add,
    payment_reverse,
)
from arrears.services.messaging.templates import template_review, template_save
from arrears.services.payments.posting import payment_post
from arrears.services.placements.operations import placement_import
from arrears.services.strategies.definitions import strategy_define
from arrears.services.strategies.routing import actions_plan, strategies_route
from arrears.services.supervision.operations import target_set, team_define
from arrears.services.work.actions import assignment_set, call_log, promise_record
from arrears.services.work.picking import next_account
from arrears.services.work.promises import promises_evaluate
from arrears.services.work.queues import queue_build_all, queue_define

DEMO_USERS = [
    ("collector", "Casey", "Collector", Role.COLLECTOR),
    ("supervisor", "Sam", "Supervisor", Role.SUPERVISOR),
    ("compliance", "Carmen", "Compliance", Role.COMPLIANCE),
    ("accountant", "Avery", "Accountant", Role.ACCOUNTANT),
    ("admin", "Ada", "Admin", Role.ADMIN),
]

DEMO_CLIENTS: list[dict[str, Any]] = [
    {
        "code": "NBK",
        "name": "Northbridge Bank Card Services",
        "kind": ClientKind.AGENCY,
        "interest_policy": InterestPolicy.CONTRACT,
        "accrue_after_charge_off": True,
        "commission_rate_ppm": 250_000,
    },
    {
        "code": "MVH",
        "name": "Mercy Valley Health",
        "kind": ClientKind.AGENCY,
        "commission_rate_ppm": 300_000,
        "waterfall": "principal,interest,fees,costs",
    },
    {
        "code": "OWN",
        "name": "Arrears Energy Co-op (own receivables)",
        "kind": ClientKind.FIRST_PARTY,
        "interest_policy": InterestPolicy.CONTRACT,
        "accrue_after_charge_off": True,
    },
]


@dataclass
class DemoReport:
    accounts: int = 0
    users: int = 0
    payments: int = 0
    reversals: int = 0
    fees: int = 0
    holds: int = 0
    disputes: int = 0
    recalls: int = 0
    interest_entries: int = 0
    contact_attempts: int = 0
    attempts_refused: int = 0
    validation_notices: int = 0
    queues: int = 0
    floor_payments: int = 0
    promises: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    strategies: int = 0
    plans: int = 0
    approvals_waiting: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def demo_users_ensure() -> int:
    made = 0
    for username, first, last, role in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",  # resets print to the console in development
            role=role,
            is_staff=role != Role.COLLECTOR,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(f"demo-{username}")
        user.save()
        made += 1
    return made


def demo_grants_ensure(*, now: datetime, actor: Actor) -> int:
    """The demo collector works every demo client: grant them when they hold no grant yet (a
    revocation made on purpose later is left alone while any grant remains)."""
    collector = User.objects.filter(username="collector").first()
    codes = [spec["code"] for spec in DEMO_CLIENTS]
    if collector is None or collector.client_grants.exists():
        return 0
    if Client.objects.filter(code__in=codes).count() != len(codes):
        return 0
    change = clients_grant(username="collector", client_codes=codes, by=None, actor=actor, now=now)
    return len(change.changed)


def demo_load(
    *, today: date, now: datetime, accounts: int = 2400, seed: int = 20261101
) -> DemoReport | None:
    """Load the demo portfolio into an empty database; returns None when accounts exist (a
    demo database from before client grants still gets the demo collector's grants)."""
    actor = Actor.system("demo")
    if Account.objects.exists():
        demo_grants_ensure(now=now, actor=actor)
        return None
    report = DemoReport(users=demo_users_ensure())
    for spec in DEMO_CLIENTS:
        client_add(actor=actor, **spec)
    demo_grants_ensure(now=now, actor=actor)

    placed_on = today - timedelta(days=90)
    generated = generate_placements(accounts=accounts, seed=seed, bad_fraction=0.0, today=placed_on)
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            spec["code"]: Path(tmp) / f"demo-{spec['code'].lower()}.csv" for spec in DEMO_CLIENTS
        }
        handles = {
            code: path.open("w", newline="", encoding="utf-8") for code, path in files.items()
        }
        writers = {code: csv.writer(fh) for code, fh in handles.items()}
        codes = list(files)
        header = generated.header
        rate_at = header.index("interest_rate")
        for writer in writers.values():
            writer.writerow(header)
        for number, row in enumerate(generated.rows):
            code = codes[number % len(codes)] if number % 5 else codes[0]
            if code == "MVH":
                row = list(row)
                row[rate_at] = ""  # medical debt here bears no interest
            writers[code].writerow(row)
        for fh in handles.values():
            fh.close()
        for code, path in files.items():
            placement_import(
                client_code=code,
                path=path,
                actor=actor,
                today=placed_on,
                rejects_path=Path(tmp) / "rejects.csv",
                ack_path=Path(tmp) / "ack.csv",
            )
    report.accounts = Account.objects.count()
    _add_activity(report, today=today, now=now, seed=seed, actor=actor)
    _add_contacts(report, today=today, now=now, seed=seed, actor=actor)
    accrual = interest_accrue(as_of=today, actor=actor)
    report.interest_entries = accrual.entries
    # A day's mail of validation notices, sent ten days ago: their periods are running now.
    notices = validation_notices_send(
        as_of=today - timedelta(days=10), actor=actor, now=now, store=document_store(),
        renderer=letter_renderer(), limit=DEMO_NOTICES,
    )  # fmt: skip
    report.validation_notices = notices.sent
    contactability_refresh(Account.objects.order_by("id").values_list("id", flat=True), at=now)
    report.queues = _add_queues(now=now, actor=actor)
    report.strategies = _add_strategy(today=today, now=now, actor=actor)
    _add_floor(report, today=today, now=now, seed=seed, actor=actor)
    _add_arrangements(report, today=today, now=now, seed=seed)
    return report


# Who may agree what alone in the demo (ADR 23): collectors 20 % off and at most $500.00
# forgiven, supervisors 50 %; corrections up to $50.00, $2,500.00 and $1,000.00.
DEMO_AUTHORITY = (
    (Role.COLLECTOR, 200_000, 50_000, 5_000),
    (Role.SUPERVISOR, 500_000, None, 250_000),
    (Role.ACCOUNTANT, 0, 0, 100_000),
)


def _add_arrangements(report: DemoReport, *, today: date, now: datetime, seed: int) -> None:
    """Authority limits and each client's plan rules; a plan the demo collector set up from an
    income and expenditure statement, and a settlement beyond the collector's authority waiting
    in the approvals queue for the demo supervisor."""
    for role, discount, forgiven, adjustment in DEMO_AUTHORITY:
        AuthorityLimit.objects.get_or_create(
            role=role, client=None,
            defaults={"max_discount_ppm": discount, "max_forgiven_minor": forgiven,
                      "max_adjustment_minor": adjustment},
        )  # fmt: skip
    for client in Client.objects.all():
        ClientPlanRules.objects.get_or_create(
            client=client, defaults={"min_payment_minor": 2_500, "max_term_months": 18}
        )
    rng = random.Random(seed + 3)
    casey = User.objects.get(username="collector")
    me = Actor(label=casey.username, user_id=casey.pk)
    free = list(
        Account.objects.filter(status=AccountStatus.ACTIVE, balance_minor__range=(60_000, 400_000))
        .exclude(pk__in=Hold.objects.values("account_id"))
        .exclude(pk__in=Lease.objects.values("account_id"))
        .exclude(pk__in=Promise.objects.values("account_id"))
        .order_by("id").values_list("pk", flat=True)[:200]
    )  # fmt: skip
    planned, settling = rng.sample(free, k=2)
    statement = IncomeExpenditure(
        household=Household(adults=2, children=1),
        incomes=(IncomeLine(IncomeCategory.WAGES, 145_000, LineFrequency.BIWEEKLY),
                 IncomeLine(IncomeCategory.BENEFITS, 30_000)),
        expenses=(ExpenseLine(ExpenseCategory.HOUSING, 165_000),
                  ExpenseLine(ExpenseCategory.FOOD, 70_000),
                  ExpenseLine(ExpenseCategory.UTILITIES, 32_000),
                  ExpenseLine(ExpenseCategory.TRANSPORT, 45_000),
                  ExpenseLine(ExpenseCategory.CHILDCARE, 20_000)),
    )  # fmt: skip
    taken = income_expenditure_record(account_id=planned, statement=statement, actor=me, now=now)
    plan_create(account_id=planned, actor=me, now=now,
                terms=PlanTerms(frequency="monthly", first_due=today + timedelta(days=7),
                                statement_id=taken.pk, note="agreed on the phone"))  # fmt: skip
    report.plans = 1
    settlement_offer(account_id=settling, actor=me, now=now,
                     terms=SettlementTerms(first_due=today + timedelta(days=10),
                                           percent_ppm=550_000, count=2,
                                           note="lost a job in October; family can lend half"))  # fmt: skip
    report.approvals_waiting = 1


def _add_queues(*, now: datetime, actor: Actor) -> int:
    """Four queues a team starts a day with, granted to the demo collector and built: every
    workable account by balance, the Northbridge card book by age, the collector's own accounts
    (one in ten of the book is assigned to them), and what broke in the last week."""
    members = ["collector"]
    queue_define(code="high-balance", name="High balances, all clients", filters={},
                 order="balance_high", mode="pooled", members=members, actor=actor, now=now)  # fmt: skip
    queue_define(code="nbk-fresh", name="Northbridge, newest placements",
                 filters={"clients": ["NBK"], "balance_min": "50.00"}, order="placed_newest",
                 mode="pooled", members=members, actor=actor, now=now)  # fmt: skip
    queue_define(code="my-accounts", name="My accounts", filters={"hold": None},
                 order="least_recent_contact", mode="owned", members=members, actor=actor,
                 now=now)  # fmt: skip
    queue_define(code="broken", name="Broken promises and plans, last 7 days",
                 filters={"broken_days": 7}, order="balance_high", mode="pooled",
                 members=members, actor=actor, now=now)  # fmt: skip
    owned = list(Account.objects.order_by("id").values_list("pk", flat=True))[::10]
    assignment_set(account_ids=owned, username="collector", actor=actor, now=now)
    return len(queue_build_all(now=now, actor=actor))


DEMO_TEMPLATES = (
    ("reminder", "email", "Your {{ client_name }} account",
     "Hello {{ consumer_first_name }},\n\nYour account with {{ client_name }} has a balance of "
     "{{ balance }}. Call us at {{ collector_phone }} ({{ collector_hours }}) or reply to this "
     "email to talk about paying it.\n\nPlease quote reference {{ our_reference }}."),
    ("text-reminder", "sms", "",
     "{{ collector_name }}: please call {{ collector_phone }} about reference "
     "{{ our_reference }}."),
    ("second-letter", "letter", "We can help you settle this account",
     "We wrote to you about your account with {{ client_name }}, which has a balance of "
     "{{ balance }}.\n\nIf paying it all at once is hard, we can agree a payment plan. Call us "
     "at {{ collector_phone }}, {{ collector_hours }}."),
)  # fmt: skip


def _add_strategy(*, today: date, now: datetime, actor: Actor) -> int:
    """The templates a team starts with (written by the supervisor, approved by compliance), a
    call queue the strategy routes to, and one strategy over the book: the champion emails on
    day 5, the challenger (a fifth of the accounts) texts on day 3 and writes on day 7; both
    send the validation notice on day 0 and route to the call queue on day 10. Routed and
    planned for today, so the day's planned actions show before anything is sent."""
    supervisor = User.objects.get(username="supervisor")
    compliance = User.objects.get(username="compliance")
    for code, channel, subject, body in DEMO_TEMPLATES:
        row = template_save(code=code, channel=channel, name=code.replace("-", " ").capitalize(),
                            subject=subject, body=body, actor=Actor("supervisor", supervisor.pk),
                            now=now)  # fmt: skip
        template_review(code=code, version=row.version, approve=True,
                        actor=Actor("compliance", compliance.pk), now=now)  # fmt: skip
    queue_define(code="calls", name="Strategy call queue", filters={"routed": True},
                 order="balance_high", mode="pooled", members=["collector"], actor=actor,
                 now=now)  # fmt: skip
    notice = {"key": "notice", "day": 0, "action": "validation_notice"}
    calls = {"key": "calls", "day": 10, "action": "queue", "queue": "calls"}
    strategy_define(
        code="standard", name="Standard treatment", entry={"balance_min": "25.00"}, actor=actor,
        now=now, variants=[
            {"code": "champion", "name": "Email on day 5", "share": 80, "champion": True,
             "steps": [notice, {"key": "email", "day": 5, "action": "email",
                                "template": "reminder"}, calls]},
            {"code": "challenger", "name": "Text on day 3, letter on day 7", "share": 20,
             "champion": False,
             "steps": [notice, {"key": "text", "day": 3, "action": "sms",
                                "template": "text-reminder"},
                       {"key": "letter", "day": 7, "action": "letter",
                        "template": "second-letter"}, calls]},
        ],
    )  # fmt: skip
    strategies_route(as_of=today, now=now)
    actions_plan(as_of=today, now=now, since=None)
    return 1


DEMO_TARGETS = {"collector": 500_000, "floor-1": 750_000}  # this month, in cents


def _add_floor(report: DemoReport, *, today: date, now: datetime, seed: int, actor: Actor) -> None:
    """What the supervisor's view shows: team floor-1 (the demo supervisor's, with the demo
    collector) and this month's targets; payments on the collector's own accounts, today and
    earlier this month; promises the collector took on accounts nobody owns (one kept by a
    payment today, one broken, one open); the collector's calls this afternoon when the clock
    has reached it; and the account they are working now."""
    rng = random.Random(seed + 2)
    casey = User.objects.get(username="collector")
    me = Actor(label=casey.username, user_id=casey.pk)
    team_define(code="floor-1", name="Floor 1", supervisor="supervisor", members=["collector"],
                actor=actor, now=now)  # fmt: skip
    month = today.replace(day=1)
    target_set(collector="collector", month=month, amount_minor=DEMO_TARGETS["collector"],
               actor=actor, now=now)  # fmt: skip
    target_set(team="floor-1", month=month, amount_minor=DEMO_TARGETS["floor-1"], actor=actor,
               now=now)  # fmt: skip
    workable = Account.objects.filter(status=AccountStatus.ACTIVE, balance_minor__gt=20_000).exclude(
        pk__in=Hold.objects.values("account_id")
    )  # fmt: skip
    owned = list(
        workable.filter(assignment__user=casey).order_by("id").values_list("pk", "client__code")
    )
    rng.shuffle(owned)
    # Earlier days only where no interest is accrued past them (the medical client bears none).
    earlier = [pk for pk, code in owned if code == "MVH"][:3] if today.day > 1 else []
    for pk in earlier:
        on = month + timedelta(days=rng.randrange(today.day - 1))
        _floor_payment(report, pk, on, now, rng.choice([5_000, 7_500, 12_500]), actor)
    for pk, _ in [o for o in owned if o[0] not in earlier][:3]:
        _floor_payment(report, pk, today, now, rng.choice([2_500, 10_000, 15_000]), actor)

    pool = list(
        workable.filter(assignment__isnull=True).order_by("id").values_list("pk", flat=True)
    )
    kept, broken, still = rng.sample(pool, k=3)
    made = now - timedelta(days=5)
    promise_record(account_id=kept, amount_minor=6_000, due_on=timezone.localdate(made) +
                   timedelta(days=7), actor=me, now=made, note="will pay on payday")  # fmt: skip
    _floor_payment(report, kept, today, now, 6_000, actor)
    made = now - timedelta(days=12)
    promise_record(account_id=broken, amount_minor=9_000, due_on=timezone.localdate(made) +
                   timedelta(days=3), actor=me, now=made)  # fmt: skip
    promise_record(account_id=still, amount_minor=4_500, due_on=today + timedelta(days=9),
                   actor=me, now=now - timedelta(hours=1), note="half now, half next month")  # fmt: skip
    report.promises += 3
    _floor_calls(report, [pk for pk, _ in owned[3:12]], now=now, actor=me, rng=rng)
    evaluated = promises_evaluate(as_of=today, actor=actor, now=now)
    report.promises_kept, report.promises_broken = evaluated.kept, evaluated.broken
    next_account(queue_code="my-accounts", user=casey, now=now)


def _floor_payment(
    report: DemoReport, account_id: int, on: date, now: datetime, amount: int, actor: Actor
) -> None:
    try:
        payment_post(account_id=account_id, amount_minor=amount, received_on=on, source="card",
                     reference=f"DEMO-FLOOR-{account_id}-{on.isoformat()}", actor=actor, now=now)  # fmt: skip
    except LedgerRefused:
        return
    report.payments += 1
    report.floor_payments += 1


def _floor_calls(
    report: DemoReport, account_ids: list[int], *, now: datetime, actor: Actor, rng: random.Random
) -> None:
    """The collector's calls this afternoon (from 14:00 New York time, 08:00 in Hawaii even in
    summer, up to now and before 21:00): some unanswered, some conversations, one promise."""
    local = now.astimezone(DEMO_CALL_ZONE)
    start = local.replace(hour=14, minute=0, second=0, microsecond=0)
    end = min(local, local.replace(hour=21, minute=0, second=0, microsecond=0))
    if end <= start:
        return
    dispositions = ["no_answer", "no_answer", "voicemail", "right_party", "no_answer", "promise"]
    step = (end - start) / (len(account_ids) + 1)
    for number, account_id in enumerate(account_ids):
        at = start + step * (number + 1)
        disposition = dispositions[number % len(dispositions)]
        promise = disposition == "promise"
        try:
            call_log(
                account_id=account_id, disposition=disposition, at=at, now=at, actor=actor,
                promise_amount_minor=rng.choice([5_000, 7_500]) if promise else None,
                promise_due_on=at.date() + timedelta(days=10) if promise else None,
            )  # fmt: skip
        except ContactBlocked:
            report.attempts_refused += 1
            continue
        report.contact_attempts += 1
        report.promises += int(promise)


DEMO_NOTICES = 30
DEMO_CALL_ZONE = ZoneInfo("America/New_York")
# 13:00-17:00 in New York is 08:00-12:00 in Hawaii: inside 08:00-21:00 everywhere in the US.
DEMO_CALL_HOURS = (13, 17)


def _add_contacts(
    report: DemoReport, *, today: date, now: datetime, seed: int, actor: Actor
) -> None:
    """Two weeks of a collection floor's work on a sixth of the accounts: calls that went
    unanswered, voicemails, conversations, the odd inbound call, and letters. Each goes through
    the rules; a call the rules refuse is counted and not made, as on a real floor."""
    rng = random.Random(seed + 1)
    ids = list(Account.objects.order_by("id").values_list("id", flat=True))
    outcomes = ["no_answer"] * 5 + ["voicemail_left"] * 3 + ["conversation", "not_connected"]
    for account_id in rng.sample(ids, k=max(1, len(ids) // 6)):
        moments = sorted(
            datetime.combine(
                today - timedelta(days=rng.randint(1, 14)),
                time(rng.randrange(*DEMO_CALL_HOURS), rng.randint(0, 59)),
                tzinfo=DEMO_CALL_ZONE,
            )
            for _ in range(rng.randint(1, 9))
        )
        for number, at in enumerate(moments):
            inbound = rng.random() < 0.07
            if number == 0 and rng.random() < 0.5:
                channel, outcome = "letter", "sent"
            else:
                channel = "call"
                outcome = "conversation" if inbound else rng.choice(outcomes)
            try:
                contact_attempt_record(
                    account_id=account_id, channel=channel,
                    direction="inbound" if inbound and channel == "call" else "outbound",
                    outcome=outcome, at=at, actor=actor, now=now, source="demo",
                    key=f"DEMO-{account_id}-{number}",
                )  # fmt: skip
                report.contact_attempts += 1
            except ContactBlocked:
                report.attempts_refused += 1


def _posted(day: date) -> datetime:
    """The moment a past day's payment was posted: history reads as it happened, so the
    floor's figures credit it to whoever owned the account then (nobody, in the demo)."""
    return datetime.combine(day, time(11, 0), tzinfo=DEMO_CALL_ZONE)


def _add_activity(
    report: DemoReport, *, today: date, now: datetime, seed: int, actor: Actor
) -> None:
    rng = random.Random(seed)
    ids = list(Account.objects.order_by("id").values_list("id", flat=True))
    start = today - timedelta(days=80)
    for account_id in rng.sample(ids, k=max(1, len(ids) // 8)):
        days = sorted(rng.sample(range(0, 75), k=rng.randint(1, 3)))
        for offset in days:
            balance = Account.objects.values_list("balance_minor", flat=True).get(pk=account_id)
            if balance <= 0:
                break
            amount = min(balance, rng.choice([2500, 5000, 7500, 10000, 15000, 25000]))
            if rng.random() < 0.08:
                amount = balance  # paid in full
            try:
                result = payment_post(
                    account_id=account_id,
                    amount_minor=amount,
                    received_on=start + timedelta(days=offset),
                    source=rng.choice(["card", "ach", "check"]),
                    reference=f"DEMO-{account_id}-{offset}",
                    actor=actor,
                    now=_posted(start + timedelta(days=offset)),
                )
            except LedgerRefused:
                break
            report.payments += 1
            if rng.random() < 0.04 and result.entry_id is not None:
                payment_reverse(
                    entry_id=result.entry_id,
                    on=start + timedelta(days=offset + 3),
                    reason="R01 insufficient funds",
                    actor=actor,
                    now=_posted(start + timedelta(days=offset + 3)),
                )
                report.reversals += 1
                break
    for account_id in rng.sample(ids, k=max(1, len(ids) // 40)):
        charge_post(
            account_id=account_id, kind="fee", amount_minor=rng.choice([1500, 2500, 3500]),
            on=start + timedelta(days=10), reason="returned check fee (per contract)", actor=actor,
        )  # fmt: skip
        report.fees += 1
    for account_id in rng.sample(ids, k=max(1, len(ids) // 30)):
        dispute_record(
            account_id=account_id, received_on=today - timedelta(days=rng.randint(1, 40)),
            medium=rng.choice(["letter", "letter", "email", "phone", "portal"]),
            reason=rng.choice(["amount_wrong", "not_mine", "paid", "other"]),
            description="consumer's own words, as received", actor=actor, now=now,
        )  # fmt: skip
        report.disputes += 1
    holds = [
        ("cease", 80, "consumer letter asking us to stop contact"),
        ("attorney", 120, "consumer's attorney called"),
        ("bankruptcy", 200, "Chapter 7 petition notice from the court"),
        ("deceased", 300, "probate notice from executor"),
    ]
    for kind, every, source in holds:
        for account_id in rng.sample(ids, k=max(1, len(ids) // every)):
            hold_add(
                account_id=account_id, kind=kind,
                starts_on=today - timedelta(days=rng.randint(1, 40)), source=source, actor=actor,
            )  # fmt: skip
            report.holds += 1
    active = list(
        Account.objects.filter(status=AccountStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    with transaction.atomic():
        for account_id in rng.sample(active, k=min(len(active), 5)):
            if account_recall(
                account_id=account_id, on=today - timedelta(days=5),
                reason="client recall: sold portfolio", actor=actor,
            ):  # fmt: skip
                report.recalls += 1
