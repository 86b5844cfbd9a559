"""Strategies as the screens and the API show them: the list with accounts per variant, a
variant's path as readable steps, the day's planned actions, and each variant's results.

Reads only. The results are set-based: one query per strategy computes, for every enrollment, its
conversation, promises, cash and messages since entry, and sums them (with the sums of squares
the intervals need) per variant in the database, so a strategy of 100,000 accounts costs one
grouped query, not 100,000 look-ups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from arrears.core.strategies import MESSAGE_ACTIONS, StepAction, parse_path
from arrears.core.strategies.stats import Mean, Rate, mean_interval, wilson
from arrears.core.work import SpecError
from arrears.data.contacts.models import ContactAttempt, Outcome
from arrears.data.ledger.models import Entry, EntryKind
from arrears.data.messaging.models import MessageStatus
from arrears.data.strategies.models import (
    ActionStatus,
    Enrollment,
    PlannedAction,
    Strategy,
    Variant,
)
from arrears.data.work.models import Promise
from arrears.services.common import NotFound
from arrears.services.messaging.templates import templates_in_use

ACTION_WORDS = {
    "validation_notice": "validation notice", "letter": "letter", "email": "email",
    "sms": "text", "queue": "work queue",
}  # fmt: skip
CASH_KINDS = (EntryKind.PAYMENT, EntryKind.PAYMENT_REVERSAL, EntryKind.REFUND)
CHANNELS = ("letter", "email", "sms")
# Unit costs are kept in ten-thousandths of the currency (0.0079 USD -> 79): small enough that
# an account's cost squared, summed over a million accounts, stays well inside 64 bits.
COST_SCALE = 10_000


# --- the list and one strategy -----------------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    key: str
    day: int
    action: str
    template: str
    queue: str
    when: Mapping[str, Any] | None
    template_version: int | None  # the approved version it would send; None: none approved

    @property
    def label(self) -> str:
        """ "day 5 · email reminder (v3 approved)"."""
        text = f"day {self.day} · {ACTION_WORDS.get(self.action, self.action)}"
        if self.template:
            state = (f"v{self.template_version} approved" if self.template_version
                     else "no approved version")  # fmt: skip
            text += f" {self.template} ({state})"
        if self.queue:
            text += f" {self.queue}"
        if self.when:
            text += " · when " + ", ".join(f"{k} {v}" for k, v in self.when.items())
        return text

    @property
    def unapproved(self) -> bool:
        return bool(self.template) and self.template_version is None


def step_views(steps: Sequence[Mapping[str, Any]]) -> list[StepView]:
    """A stored (or typed) path as readable steps, each template with the version it would
    send. A path that does not parse is shown as nothing: the editor shows the error."""
    try:
        parsed = parse_path(list(steps))
    except SpecError:
        return []
    in_use = templates_in_use({s.template for s in parsed if s.template})
    return [
        StepView(s.key, s.day, s.action.value, s.template, s.queue,
                 dict(s.when_raw) if s.when_raw else None,
                 in_use[s.template].version if s.template in in_use else None)
        for s in parsed
    ]  # fmt: skip


def entry_summary(entry: Mapping[str, Any]) -> str:
    """An entry rule in a line: "clients ACME · balance_min 100.00"; empty: every active account
    without a hold (the filters' defaults)."""
    parts = []
    for key, value in entry.items():
        if value in (None, "", [], False):
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        parts.append(key if value is True else f"{key} {value}")
    return " · ".join(parts) or "every active account without a hold"


@dataclass(frozen=True)
class VariantRow:
    variant: Variant
    enrolled_now: int
    enrolled_ever: int
    steps: list[StepView]

    @property
    def share(self) -> str:
        return _percent(self.variant.share_bp)


@dataclass(frozen=True)
class StrategyRow:
    strategy: Strategy
    entry: str
    variants: list[VariantRow]


def _percent(bp: int) -> str:
    whole, rest = divmod(bp, 100)
    return f"{whole}" if not rest else f"{whole}.{rest:02d}".rstrip("0")


def _rows(strategies: QuerySet[Strategy]) -> list[StrategyRow]:
    variants = (
        Variant.objects.filter(strategy__in=strategies)
        .annotate(
            now=Count("enrollments", filter=Q(enrollments__left_on__isnull=True)),
            ever=Count("enrollments"),
        )
        .order_by("code")
    )
    by_strategy: dict[int, list[VariantRow]] = {}
    for v in variants:
        by_strategy.setdefault(v.strategy_id, []).append(
            VariantRow(v, v.now, v.ever, step_views(v.steps))
        )
    return [StrategyRow(s, entry_summary(s.entry), by_strategy.get(s.pk, [])) for s in strategies]


def strategy_rows() -> list[StrategyRow]:
    """Every strategy in the order accounts try them, with accounts per variant now and ever."""
    return _rows(Strategy.objects.order_by("priority", "code"))


def strategy_row(code: str) -> StrategyRow:
    rows = _rows(Strategy.objects.filter(code=code.strip().lower()))
    if not rows:
        raise NotFound(f"no strategy {code!r}", field="code")
    return rows[0]


# --- the day's planned actions -----------------------------------------------------------------


@dataclass(frozen=True)
class PlannedDay:
    day: date
    counts: dict[str, dict[str, int]]  # action -> status -> count
    by_status: dict[str, int]
    rows: QuerySet[PlannedAction]  # filtered, in order, for paging


def planned_day(day: date, *, status: str = "", action: str = "") -> PlannedDay:
    """The actions due on a day: counts by action and status (all of them), and the rows the
    filters keep, with their account, strategy and variant for the list."""
    base = PlannedAction.objects.filter(due_on=day)
    counts: dict[str, dict[str, int]] = {}
    by_status: dict[str, int] = {}
    for r in base.values("action", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(r["action"], {})[r["status"]] = r["n"]
        by_status[r["status"]] = by_status.get(r["status"], 0) + r["n"]
    rows = base
    if status:
        rows = rows.filter(status=status)
    if action:
        rows = rows.filter(action=action)
    rows = rows.select_related("account", "enrollment__strategy", "enrollment__variant").order_by(
        "enrollment__strategy__priority", "account_id", "id"
    )
    return PlannedDay(day, counts, by_status, rows)


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantResult:
    variant: Variant
    enrolled_ever: int
    enrolled_now: int
    contact: Rate  # enrollments with a conversation since entry
    promises: Mean  # promises per account (counts; bounds to two decimals)
    collected: Mean  # cash per account, minor units (bounds to the cent)
    cost: Mean  # messages' cost per account, in 1/COST_SCALE of the currency
    messages: dict[str, int]  # channel -> messages sent

    @property
    def cost_total(self) -> Decimal:
        return Decimal(self.cost.total) / COST_SCALE


def unit_costs() -> dict[str, int]:
    """Each channel's unit cost from ``ARREARS_CHANNEL_COSTS``, in 1/COST_SCALE units."""
    costs: Mapping[str, Any] = settings.ARREARS_CHANNEL_COSTS
    return {c: int(Decimal(str(costs.get(c, "0"))) * COST_SCALE) for c in CHANNELS}


def _int_subquery(qs: QuerySet[Any], expr: Any) -> Coalesce:
    return Coalesce(
        Subquery(qs.values("account_id").annotate(x=expr).values("x")[:1],
                 output_field=IntegerField()),
        Value(0),
    )  # fmt: skip


def strategy_results(code: str) -> list[VariantResult]:
    """Per variant, since each account entered: accounts enrolled, the contact rate, promises
    and cash collected per account, and the cost of what was sent to them, each with its 95 %
    interval. An account that entered twice counts once per entry."""
    strategy = Strategy.objects.filter(code=code.strip().lower()).first()
    if strategy is None:
        raise NotFound(f"no strategy {code!r}", field="code")
    account = OuterRef("account_id")
    conversation = ContactAttempt.objects.filter(
        account_id=account, outcome=Outcome.CONVERSATION, at__date__gte=OuterRef("entered_on")
    )
    promises = Promise.objects.filter(account_id=account, first__isnull=True,
                                      created_at__date__gte=OuterRef("entered_on"))  # fmt: skip
    cash = Entry.objects.filter(account_id=account, kind__in=CASH_KINDS,
                                effective_on__gte=OuterRef("entered_on"))  # fmt: skip
    sent = PlannedAction.objects.filter(
        enrollment_id=OuterRef("pk"), message__isnull=False
    ).exclude(message__status=MessageStatus.FAILED)
    unit = unit_costs()
    per = (
        Enrollment.objects.filter(strategy=strategy)
        .annotate(
            talked=Exists(conversation),
            promised=_int_subquery(promises, Count("id")),
            paid=_int_subquery(cash, Sum("cash_minor")),
            **{
                f"sent_{c}": Coalesce(
                    Subquery(
                        sent.filter(action=c)
                        .values("enrollment_id")
                        .annotate(n=Count("id"))
                        .values("n")[:1],
                        output_field=IntegerField(),
                    ),
                    Value(0),
                )
                for c in CHANNELS
            },
        )
        .annotate(
            spent=sum((F(f"sent_{c}") * unit[c] for c in CHANNELS), Value(0)),
        )
    )
    sums = {
        r["variant_id"]: r
        for r in per.values("variant_id")
        .annotate(
            n=Count("id"),
            now=Count("id", filter=Q(left_on__isnull=True)),
            talked_n=Count("id", filter=Q(talked=True)),
            promised_s=Sum("promised"),
            promised_q=Sum(F("promised") * F("promised")),
            paid_s=Sum("paid"),
            paid_q=Sum(F("paid") * F("paid")),
            spent_s=Sum("spent"),
            spent_q=Sum(F("spent") * F("spent")),
            **{f"{c}_s": Sum(f"sent_{c}") for c in CHANNELS},
        )
        .order_by()
    }
    out = []
    for variant in strategy.variants.order_by("code"):
        r: dict[str, Any] = dict(sums.get(variant.pk) or {})
        n = int(r.get("n", 0))

        def pair(name: str, r: Mapping[str, Any] = r) -> tuple[int, int]:
            return int(r.get(f"{name}_s") or 0), int(r.get(f"{name}_q") or 0)

        out.append(VariantResult(
            variant=variant, enrolled_ever=n, enrolled_now=r.get("now", 0),
            contact=wilson(r.get("talked_n", 0), n),
            promises=mean_interval(n, *pair("promised"), places=2),
            collected=mean_interval(n, *pair("paid")),
            cost=mean_interval(n, *pair("spent")),
            messages={c: int(r.get(f"{c}_s") or 0) for c in CHANNELS},
        ))  # fmt: skip
    return out


# Re-exported for the screens' filters.
PLANNED_STATUSES = [s.value for s in ActionStatus]
PLANNED_ACTIONS = [a.value for a in StepAction]
MESSAGE_CHANNELS = [a.value for a in MESSAGE_ACTIONS]
