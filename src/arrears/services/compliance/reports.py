"""Reports for the compliance officer over a period [start, end).

- **Call attempts per debt per 7 days**: for each debt called in the period, the most counted
  call attempts (outbound, to the consumer, connected or not answered, not a busy signal) in any
  7 consecutive days; the distribution, and the debts over Regulation F's 7 (for debts held by
  agencies and debt buyers, whom the limit binds).
- **Blocks by rule**: the accounts each rule holds closed now, per channel (from the kept next
  contactable moments), and the contacts made in the period while a rule blocked them.
- **Disputes**: received and answered in the period, open and overdue now, and the days taken
  to answer.

Days are UTC calendar days here; the rules count in the consumer's own days, so a report may
differ from a Decision by a call made near midnight.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q

from arrears.data.accounts.models import Account
from arrears.data.cases.models import CaseStatus, Dispute
from arrears.data.contacts.models import Contactability, ContactAttempt

WINDOW_DAYS = 7
REG_F_CALLS = 7
BUCKETS = ("1", "2-3", "4-6", "7", "8+")


def _bucket(n: int) -> str:
    if n <= 1:
        return "1"
    if n <= 3:
        return "2-3"
    if n <= 6:
        return "4-6"
    if n == 7:
        return "7"
    return "8+"


def max_in_window(days: list[date], window: int = WINDOW_DAYS) -> int:
    """The most items falling in any ``window`` consecutive days (two pointers over sorted days)."""
    days = sorted(days)
    best, left = 0, 0
    for right, day in enumerate(days):
        while day - days[left] >= timedelta(days=window):
            left += 1
        best = max(best, right - left + 1)
    return best


@dataclass
class ComplianceReport:
    start: datetime
    end: datetime
    today: date
    debts_called: int = 0
    attempts_distribution: dict[str, int] = field(default_factory=dict)
    debts_over_limit: list[dict[str, Any]] = field(default_factory=list)
    blocked_now: dict[str, dict[str, int]] = field(default_factory=dict)  # rule -> channel -> n
    made_while_blocked: dict[str, int] = field(default_factory=dict)  # rule -> attempts
    disputes_received: int = 0
    disputes_answered: int = 0
    disputes_open: int = 0
    disputes_overdue: int = 0
    median_days_to_answer: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(),
            "today": self.today.isoformat(),
            "calls": {"debts_called": self.debts_called,
                      "max_counted_calls_in_7_days": self.attempts_distribution,
                      "debts_over_limit": self.debts_over_limit},
            "blocks": {"blocked_now": self.blocked_now,
                       "made_while_blocked": self.made_while_blocked},
            "disputes": {"received": self.disputes_received, "answered": self.disputes_answered,
                         "open": self.disputes_open, "overdue": self.disputes_overdue,
                         "median_days_to_answer": self.median_days_to_answer},
        }  # fmt: skip


COUNTED = Q(
    direction="outbound", channel__in=("call", "voicemail"),
    recipient__in=("consumer", "representative"), with_consent=False,
) & ~Q(outcome="not_connected")  # fmt: skip


def compliance_report(*, start: datetime, end: datetime, today: date) -> ComplianceReport:
    report = ComplianceReport(start=start, end=end, today=today)
    # Calls: a window may begin up to six days before the period.
    calls: dict[int, list[date]] = defaultdict(list)
    for account_id, at in (
        ContactAttempt.objects.filter(COUNTED, at__gte=start - timedelta(days=WINDOW_DAYS - 1),
                                      at__lt=end)
        .order_by("account_id", "at")
        .values_list("account_id", "at")
        .iterator(chunk_size=10_000)
    ):  # fmt: skip
        calls[account_id].append(at.date())
    in_period = set(
        ContactAttempt.objects.filter(COUNTED, at__gte=start, at__lt=end)
        .values_list("account_id", flat=True)
        .distinct()
    )
    # Regulation F's limit binds debt collectors; a creditor's own accounts are counted in the
    # distribution but not flagged.
    collected_by_collectors = set(
        Account.objects.filter(
            pk__in=in_period, client__kind__in=("agency", "debt_buyer")
        ).values_list("id", flat=True)
    )
    distribution: Counter[str] = Counter()
    for account_id in sorted(in_period):
        most = max_in_window(calls[account_id])
        distribution[_bucket(most)] += 1
        if most > REG_F_CALLS and account_id in collected_by_collectors:
            report.debts_over_limit.append({"account": account_id, "max_calls_in_7_days": most})
    report.debts_called = len(in_period)
    report.attempts_distribution = {b: distribution[b] for b in BUCKETS}

    blocked: dict[str, Counter[str]] = defaultdict(Counter)
    for channel, rules in Contactability.objects.exclude(blocking_rules="").values_list(
        "channel", "blocking_rules"
    ):
        for rule in rules.split(","):
            blocked[rule][channel] += 1
    report.blocked_now = {rule: dict(sorted(c.items())) for rule, c in sorted(blocked.items())}
    made: Counter[str] = Counter()
    for reasons in ContactAttempt.objects.filter(
        allowed=False, at__gte=start, at__lt=end
    ).values_list("reasons", flat=True):
        made.update(r["rule"] for r in reasons if r.get("verdict") == "block")
    report.made_while_blocked = dict(sorted(made.items()))

    first_day, last_day = start.date(), end.date()
    report.disputes_received = Dispute.objects.filter(
        received_on__gte=first_day, received_on__lt=last_day
    ).count()
    answered = list(
        Dispute.objects.filter(answered_on__gte=first_day, answered_on__lt=last_day).values_list(
            "received_on", "answered_on"
        )
    )
    report.disputes_answered = len(answered)
    open_ones = Dispute.objects.filter(status=CaseStatus.OPEN)
    report.disputes_open = open_ones.count()
    report.disputes_overdue = open_ones.filter(response_due_on__lt=today).count()
    if answered:
        took = sorted((a - r).days for r, a in answered if a is not None)
        mid = len(took) // 2
        report.median_days_to_answer = (
            float(took[mid]) if len(took) % 2 else (took[mid - 1] + took[mid]) / 2
        )
    return report
