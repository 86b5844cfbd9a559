"""Routing accounts into strategies and planning the steps that fall due, set-based.

``strategies_route`` puts every account (or the given ones, after an event) into the first
active strategy, by priority, whose entry rule admits it: an account no longer admitted leaves
(its unsent actions are cancelled); an account a stronger strategy now admits moves there; an
account entering takes a variant by the stable assignment of ``arrears.core.strategies``, or
the variant it had when it was last in that strategy. Each strategy costs a few statements
whatever the size of the book: ``UPDATE … WHERE NOT EXISTS`` to leave, ``INSERT … SELECT`` to
enter, the variant chosen in SQL by the same integer hash as in Python.

``actions_plan`` writes one planned action per step that fell due since the last plan: for each
variant and step, one ``INSERT … SELECT`` over the enrollments whose entry day plus the step's
day lies in (since, as_of]. A step whose condition does not hold is written as skipped; a queue
step is done at once (the queue's ``routed`` filter reads it). Planned once per enrollment and
step, enforced by a unique index, so planning again for a day writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

from arrears.core.strategies import (
    ALL_BP,
    MODULUS,
    MULTIPLIER,
    Step,
    StepAction,
    bucket_ranges,
    parse_path,
)
from arrears.core.work import parse_filters
from arrears.data.strategies.models import (
    ActionStatus,
    Enrollment,
    NightlyRun,
    PlannedAction,
    Strategy,
    Variant,
)
from arrears.services.work.queues import matching_accounts

# Leaving reasons, as recorded on the enrollment and the cancelled actions.
NO_LONGER_MATCHES = "no_longer_matches"
STRATEGY_STOPPED = "strategy_stopped"
TAKEN_BY = "taken_by:"  # + the stronger strategy's code


@dataclass
class RouteReport:
    entered: Counter[str] = field(default_factory=Counter)  # by strategy code
    left: Counter[str] = field(default_factory=Counter)  # by reason
    cancelled: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "entered": dict(sorted(self.entered.items())),
            "left": dict(sorted(self.left.items())),
            "cancelled": self.cancelled,
        }


@dataclass
class PlanReport:
    planned: Counter[str] = field(default_factory=Counter)  # by action
    skipped: int = 0
    routed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "planned": dict(sorted(self.planned.items())),
            "skipped": self.skipped,
            "routed": self.routed,
        }


def _ordered() -> list[Strategy]:
    return list(Strategy.objects.filter(active=True).order_by("priority", "code"))


def _only(rows: QuerySet[Any], account_ids: Sequence[int] | None, field: str) -> QuerySet[Any]:
    return rows if account_ids is None else rows.filter(**{f"{field}__in": list(account_ids)})


def _variant_case(strategy: Strategy) -> tuple[str, list[Any]]:
    """SQL choosing the variant id for an account ``c.id`` entering for the first time."""
    variants = {v.code: v.pk for v in strategy.variants.all()}
    shares = [(v.code, v.share_bp) for v in strategy.variants.all()]
    ranges = [(code, low, high) for code, low, high in bucket_ranges(shares) if high > low]
    if len(ranges) == 1:
        return "%s", [variants[ranges[0][0]]]
    hashed = f"((((c.id + %s) * {MULTIPLIER}) %% {MODULUS}) * {ALL_BP} / {MODULUS})"
    sql, params = "CASE", []
    for code, _low, high in ranges[:-1]:
        sql += f" WHEN {hashed} < %s THEN %s"
        params += [strategy.seed, high, variants[code]]
    sql += " ELSE %s END"
    params.append(variants[ranges[-1][0]])
    return sql, params


def strategies_route(
    *, as_of: date, now: datetime, account_ids: Sequence[int] | None = None
) -> RouteReport:
    """Route every account, or those given (see the module docstring)."""
    report = RouteReport()
    enrollments = Enrollment._meta.db_table
    stamp = connection.ops.adapt_datefield_value(as_of)
    with transaction.atomic():
        stopped = _only(
            Enrollment.objects.filter(left_on__isnull=True).exclude(strategy__active=True),
            account_ids, "account_id",
        )  # fmt: skip
        report.left[STRATEGY_STOPPED] += stopped.update(left_on=as_of, left_reason=STRATEGY_STOPPED)
        strategies = _ordered()
        for i, strategy in enumerate(strategies):
            matched = _only(
                matching_accounts(parse_filters(strategy.entry), now=now), account_ids, "pk"
            )
            gone = _only(
                Enrollment.objects.filter(strategy=strategy, left_on__isnull=True),
                account_ids, "account_id",
            ).filter(~Exists(matched.filter(pk=OuterRef("account_id"))))  # fmt: skip
            report.left[NO_LONGER_MATCHES] += gone.update(
                left_on=as_of, left_reason=NO_LONGER_MATCHES
            )
            stronger = [s.pk for s in strategies[: i + 1]]
            weaker = [s.pk for s in strategies[i + 1 :]]
            held = Enrollment.objects.filter(
                account_id=OuterRef("pk"), left_on__isnull=True, strategy_id__in=stronger
            )
            entering = matched.filter(~Exists(held))
            if weaker:
                taken = Enrollment.objects.filter(
                    left_on__isnull=True, strategy_id__in=weaker,
                    account_id__in=entering.values("pk"),
                )  # fmt: skip
                report.left[TAKEN_BY + strategy.code] += taken.update(
                    left_on=as_of, left_reason=(TAKEN_BY + strategy.code)[:40]
                )
            case_sql, case_params = _variant_case(strategy)
            sql, params = entering.values("id").query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {enrollments} "
                    f"(account_id, strategy_id, variant_id, entered_on, left_reason) "
                    f"SELECT c.id, %s, COALESCE((SELECT p.variant_id FROM {enrollments} p "
                    f"WHERE p.account_id = c.id AND p.strategy_id = %s "
                    f"ORDER BY p.id DESC LIMIT 1), {case_sql}), %s, '' FROM ({sql}) c",
                    [strategy.pk, strategy.pk, *case_params, stamp, *params],
                )
                if cursor.rowcount:
                    report.entered[strategy.code] += cursor.rowcount
        report.cancelled = _only(
            PlannedAction.objects.filter(
                status=ActionStatus.PLANNED, enrollment__left_on__isnull=False
            ),
            account_ids, "account_id",
        ).update(status=ActionStatus.CANCELLED, decided_at=now, detail="left the strategy")  # fmt: skip
    report.left = Counter({k: v for k, v in report.left.items() if v})
    return report


def last_planned(as_of: date) -> date | None:
    """The latest day before ``as_of`` whose nightly run planned the strategies' steps."""
    run = (
        NightlyRun.objects.filter(as_of__lt=as_of, phases__has_key="strategies")
        .order_by("-as_of")
        .first()
    )
    return run.as_of if run else None


def _due_on_sql(day: int) -> str:
    if connection.vendor == "postgresql":
        return f"(e.entered_on + {int(day)})"
    return f"date(e.entered_on, '+{int(day)} days')"


def _plan_step(
    variant: Variant, step: Step, *, as_of: date, since: date | None, now: datetime,
    account_ids: Sequence[int] | None, report: PlanReport,
) -> None:  # fmt: skip
    due = Enrollment.objects.filter(
        variant=variant, left_on__isnull=True, entered_on__lte=as_of - timedelta(days=step.day)
    )
    if since is not None:
        due = due.filter(entered_on__gt=since - timedelta(days=step.day))
    due = _only(due, account_ids, "account_id").filter(
        ~Exists(PlannedAction.objects.filter(enrollment=OuterRef("pk"), step=step.key))
    )
    groups: list[tuple[QuerySet[Any], str, str]] = []
    status = ActionStatus.DONE if step.action is StepAction.QUEUE else ActionStatus.PLANNED
    if step.when is None:
        groups.append((due, status, ""))
    else:
        holds = Exists(matching_accounts(step.when, now=now).filter(pk=OuterRef("account_id")))
        groups.append((due.filter(holds), status, ""))
        groups.append((due.filter(~holds), ActionStatus.SKIPPED, "its condition did not hold"))
    table = PlannedAction._meta.db_table
    for rows, row_status, detail in groups:
        sql, params = rows.values("id", "account_id", "entered_on").query.sql_with_params()
        decided = None if row_status == ActionStatus.PLANNED else now
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (enrollment_id, account_id, step, action, template, queue, "
                f"due_on, status, decided_at, reasons, pack_version, detail) "
                f"SELECT e.id, e.account_id, %s, %s, %s, %s, {_due_on_sql(step.day)}, %s, %s, "
                f"'[]', '', %s FROM ({sql}) e",
                [step.key, step.action.value, step.template, step.queue, row_status,
                 connection.ops.adapt_datetimefield_value(decided), detail, *params],
            )  # fmt: skip
            count = max(cursor.rowcount, 0)
        if row_status == ActionStatus.SKIPPED:
            report.skipped += count
        elif step.action is StepAction.QUEUE:
            report.routed += count
        else:
            report.planned[step.action.value] += count


def actions_plan(
    *, as_of: date, now: datetime, since: date | None,
    account_ids: Sequence[int] | None = None,
) -> PlanReport:  # fmt: skip
    """Plan the steps that fell due in (since, as_of] (see the module docstring)."""
    report = PlanReport()
    with transaction.atomic():
        for strategy in _ordered():
            for variant in strategy.variants.order_by("code"):
                for step in parse_path(variant.steps):
                    _plan_step(variant, step, as_of=as_of, since=since, now=now,
                               account_ids=account_ids, report=report)  # fmt: skip
    report.planned = Counter({k: v for k, v in report.planned.items() if v})
    return report


def accounts_reroute(account_ids: Sequence[int], *, as_of: date, now: datetime) -> RouteReport:
    """After an event (a payment, a dispute, returned mail, an opt-out): route these accounts
    again at once and plan what their new path holds for today."""
    ids = sorted(set(account_ids))
    if not ids or not Strategy.objects.filter(active=True).exists():
        return RouteReport()
    report = strategies_route(as_of=as_of, now=now, account_ids=ids)
    if report.entered:
        actions_plan(as_of=as_of, now=now, since=last_planned(as_of), account_ids=ids)
    return report
