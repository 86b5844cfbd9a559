"""Work queues: define them, build them (rank the matching accounts), and read their state.

Building is set-based: one ``INSERT … SELECT`` ranks every matching account with a window
function, so a queue over a million accounts builds in seconds. A rebuild starts a new pass
through the queue but keeps what was worked today, so a midday rebuild does not hand out again
the accounts collectors already tried this morning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from arrears.core.work import (
    QueueFilters,
    QueueMode,
    QueueOrder,
    SpecError,
    parse_filters,
)
from arrears.data.accounts.models import Account, AccountParty, Hold
from arrears.data.arrangements.models import (
    STANDING,
    Arrangement,
    ArrangementKind,
    ArrangementStatus,
)
from arrears.data.contacts.models import Contactability, ContactAttempt
from arrears.data.parties.models import ContactPoint
from arrears.data.strategies.models import ActionStatus, PlannedAction, StepAction
from arrears.data.users.models import User
from arrears.data.work.models import Callback, DialMode, Promise, QueueEntry, WorkQueue
from arrears.services.common import Actor, NotFound, ServiceError, audit_record, require_choice
from arrears.services.compliance.operations import contactability_refresh
from arrears.services.work.entries import blocked_at, first_opening_of
from arrears.services.work.promises import promise_key


@dataclass(frozen=True)
class BuildReport:
    queue: str
    accounts: int
    kept_worked: int
    judged: int  # accounts whose contactability was missing and was worked out now
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue, "accounts": self.accounts, "kept_worked": self.kept_worked,
            "judged": self.judged, "seconds": round(self.seconds, 3),
        }  # fmt: skip


def _spec(filters: Any) -> QueueFilters:
    """A stored or submitted definition, or the refusal naming its field."""
    try:
        return parse_filters(filters)
    except SpecError as exc:
        raise ServiceError(
            f"filters.{exc.field} {exc.message}", field=f"filters.{exc.field}"
        ) from None


def queue_define(
    *,
    code: str,
    name: str,
    filters: dict[str, Any],
    order: str,
    mode: str,
    actor: Actor,
    description: str = "",
    members: Iterable[str] = (),
    now: datetime | None = None,
    dial_mode: str = DialMode.MANUAL,
) -> WorkQueue:
    """Create a queue, or change the one with this code. Refused, naming the field, if the
    definition would not build."""
    now = now or timezone.now()
    code = code.strip().lower()
    if not code or not all(c.isalnum() or c in "-_" for c in code) or len(code) > 40:
        raise ServiceError("a queue code is 1 to 40 letters, digits, '-' or '_'", field="code")
    if not name.strip():
        raise ServiceError("give the queue a name", field="name")
    require_choice(order, (o.value for o in QueueOrder), "order")
    require_choice(mode, (m.value for m in QueueMode), "mode")
    require_choice(dial_mode, DialMode.values, "dial_mode")
    spec = _spec(filters)
    usernames = sorted({m.strip() for m in members if m.strip()})
    users = list(User.objects.filter(username__in=usernames))
    unknown = sorted(set(usernames) - {u.username for u in users})
    if unknown:
        raise ServiceError(f"no user {unknown[0]!r}", field="members")
    with transaction.atomic():
        queue, created = WorkQueue.objects.update_or_create(
            code=code,
            defaults={"name": name.strip()[:100], "description": description,
                      "filters": spec.as_json(), "order": order, "mode": mode,
                      "dial_mode": dial_mode},
        )  # fmt: skip
        if usernames or not created:
            queue.members.set(users)
        audit_record(
            actor=actor, event="queue.defined" if created else "queue.changed", at=now,
            details={"queue": code, "filters": spec.as_json(), "order": order, "mode": mode,
                     "dial_mode": dial_mode, "members": usernames},
        )  # fmt: skip
    return queue


def matching_accounts(
    spec: QueueFilters, *, now: datetime, queue_code: str = ""
) -> QuerySet[Account]:
    """The accounts a definition holds at this moment (``queue_code``: the queue's, for the
    ``routed`` filter: the accounts a strategy's queue step sent to it)."""
    today = timezone.localdate(now)
    rows = Account.objects.all()
    if spec.clients:
        rows = rows.filter(client__code__in=spec.clients)
    if spec.statuses:
        rows = rows.filter(status__in=spec.statuses)
    if spec.hold is not None:
        in_force = Hold.objects.filter(account=OuterRef("pk"), starts_on__lte=today).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=today)
        )
        if spec.hold == "none":
            rows = rows.filter(~Exists(in_force))
        elif spec.hold == "any":
            rows = rows.filter(Exists(in_force))
        else:
            rows = rows.filter(Exists(in_force.filter(kind=spec.hold)))
    if spec.balance_min_minor is not None:
        rows = rows.filter(balance_minor__gte=spec.balance_min_minor)
    if spec.balance_max_minor is not None:
        rows = rows.filter(balance_minor__lte=spec.balance_max_minor)
    if spec.states:
        parties = AccountParty.objects.filter(account=OuterRef(OuterRef("pk"))).values("party_id")
        addresses = ContactPoint.objects.filter(
            party_id__in=Subquery(parties), kind="address", state__in=spec.states
        ).exclude(status="bad")
        rows = rows.filter(
            Exists(addresses.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today)))
        )
    if spec.placed_days_min is not None:
        rows = rows.filter(placed_on__lte=today - timedelta(days=spec.placed_days_min))
    if spec.placed_days_max is not None:
        rows = rows.filter(placed_on__gte=today - timedelta(days=spec.placed_days_max))
    if spec.no_contact_days is not None:
        since = now - timedelta(days=spec.no_contact_days)
        recent = ContactAttempt.objects.filter(account=OuterRef("pk"), at__gte=since)
        rows = rows.filter(~Exists(recent))
    if spec.promise_due:
        rows = rows.filter(
            Exists(Promise.objects.filter(account=OuterRef("pk"), status="open", due_on__lte=today))
        )
    if spec.callback_due:
        rows = rows.filter(
            Exists(Callback.objects.filter(account=OuterRef("pk"), status="open", due_at__lte=now))
        )
    if spec.broken_days is not None:
        broken_since = today - timedelta(days=spec.broken_days)
        broken_promise = Promise.objects.filter(
            account=OuterRef("pk"),
            status="broken",
            resolved_on__gte=broken_since,
            resolved_on__lte=today,
        )
        broken_arrangement = Arrangement.objects.filter(
            account=OuterRef("pk"),
            status=ArrangementStatus.BROKEN,
            ended_on__gte=broken_since,
            ended_on__lte=today,
        )
        standing = Arrangement.objects.filter(account=OuterRef("pk"), status__in=STANDING)
        open_promise = Promise.objects.filter(account=OuterRef("pk"), status="open")
        # The open later dates of a promise on several dates are not "newer": one missed date
        # brings the account back while the others wait (ADR 25).
        open_elsewhere = (
            Promise.objects.filter(account_id=OuterRef("account_id"), status="open")
            .annotate(of_promise=promise_key())
            .exclude(of_promise=promise_key(OuterRef("first_id"), OuterRef("pk")))
        )
        broken_alone = broken_promise.filter(~Exists(open_elsewhere))
        rows = rows.filter(~Exists(standing)).filter(
            Exists(broken_alone) | (Exists(broken_arrangement) & ~Exists(open_promise))
        )
    if spec.charged_off_days_min is not None:
        rows = rows.filter(charge_off_date__lte=today - timedelta(days=spec.charged_off_days_min))
    if spec.charged_off_days_max is not None:
        rows = rows.filter(charge_off_date__gte=today - timedelta(days=spec.charged_off_days_max))
    if spec.arrangement is not None:
        rows = rows.filter(_arrangement_condition(spec.arrangement))
    if spec.routed:
        routed = PlannedAction.objects.filter(
            account=OuterRef("pk"), action=StepAction.QUEUE, queue=queue_code,
            status=ActionStatus.DONE, enrollment__left_on__isnull=True,
        )  # fmt: skip
        rows = rows.filter(Exists(routed))
    return rows


def _arrangement_condition(which: str) -> Q:
    """What is agreed on the account now (``arrears.core.work.ARRANGEMENT_FILTERS``)."""
    promise = Exists(Promise.objects.filter(account=OuterRef("pk"), status="open"))
    standing = Arrangement.objects.filter(account=OuterRef("pk"), status__in=STANDING)
    plan = Exists(standing.filter(kind=ArrangementKind.PLAN))
    settlement = Exists(standing.filter(kind=ArrangementKind.SETTLEMENT))
    match which:
        case "none":
            return ~promise & ~Exists(standing)
        case "promise":
            return Q(promise)
        case "plan":
            return Q(plan)
        case "settlement":
            return Q(settlement)
        case _:
            return promise | Exists(standing)


def _ordering(order: str) -> list[Any]:
    match QueueOrder(order):
        case QueueOrder.BALANCE_HIGH:
            return [F("balance_minor").desc(), F("id").asc()]
        case QueueOrder.BALANCE_LOW:
            return [F("balance_minor").asc(), F("id").asc()]
        case QueueOrder.PLACED_OLDEST:
            return [F("placed_on").asc(), F("id").asc()]
        case QueueOrder.PLACED_NEWEST:
            return [F("placed_on").desc(), F("id").asc()]
        case QueueOrder.LEAST_RECENT_CONTACT:
            return [F("last_tried").asc(nulls_first=True), F("id").asc()]
        case QueueOrder.CALLBACK_DUE:
            return [F("callback_at").asc(nulls_last=True), F("id").asc()]
        case QueueOrder.PROMISE_DUE:
            return [F("promise_on").asc(nulls_last=True), F("id").asc()]


def _ranked(queue: WorkQueue, spec: QueueFilters, now: datetime) -> QuerySet[Any]:
    rows = matching_accounts(spec, now=now, queue_code=queue.code)
    if queue.mode == QueueMode.OWNED:
        rows = rows.filter(assignment__isnull=False)
    match QueueOrder(queue.order):
        case QueueOrder.LEAST_RECENT_CONTACT:
            rows = rows.annotate(
                last_tried=Subquery(
                    ContactAttempt.objects.filter(account=OuterRef("pk"))
                    .values("account")
                    .annotate(m=Max("at"))
                    .values("m")
                )
            )
        case QueueOrder.CALLBACK_DUE:
            rows = rows.annotate(
                callback_at=Subquery(
                    Callback.objects.filter(account=OuterRef("pk"), status="open")
                    .values("account")
                    .annotate(m=Min("due_at"))
                    .values("m")
                )
            )
        case QueueOrder.PROMISE_DUE:
            rows = rows.annotate(
                promise_on=Subquery(
                    Promise.objects.filter(account=OuterRef("pk"), status="open")
                    .values("account")
                    .annotate(m=Min("due_on"))
                    .values("m")
                )
            )
        case _:
            pass
    return rows.annotate(rank=Window(RowNumber(), order_by=_ordering(queue.order)))


def queue_build(
    queue_code: str,
    *,
    now: datetime,
    actor: Actor,
    progress: Callable[[int], None] | None = None,
) -> BuildReport:
    """Rank the accounts the queue holds now, starting a new pass through it."""
    started = timezone.now()
    queue = WorkQueue.objects.filter(code=queue_code.strip().lower()).first()
    if queue is None:
        raise NotFound(f"no queue {queue_code!r}", field="queue")
    spec = _spec(queue.filters)  # refuses a definition edited by hand in the database too
    day_start = datetime.combine(
        timezone.localdate(now), time(0), tzinfo=timezone.get_current_timezone()
    )
    ranked = _ranked(queue, spec, now).annotate(
        first_opening=first_opening_of("pk"), blocked=blocked_at(now, account="pk")
    )
    sql, params = ranked.values_list(
        "id", "rank", "first_opening", "blocked"
    ).query.sql_with_params()
    entries = QueueEntry._meta.db_table
    with transaction.atomic():
        queue = WorkQueue.objects.select_for_update().get(pk=queue.pk)
        worked_today = list(
            QueueEntry.objects.filter(queue=queue, worked_at__gte=day_start).values_list(
                "worked_at", "account_id"
            )
        )
        QueueEntry.objects.filter(queue=queue).delete()
        stamp = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {entries} (queue_id, account_id, rank, worked_at, opens_at, waiting) "
                f"SELECT %s, ranked.id, ranked.rank, NULL, ranked.first_opening, ranked.blocked "
                f"FROM ({sql}) ranked",
                [queue.pk, *params],
            )
            size = cursor.rowcount
            if worked_today:
                cursor.executemany(
                    f"UPDATE {entries} SET worked_at = %s WHERE queue_id = %s AND account_id = %s",
                    [(stamp(at), queue.pk, aid) for at, aid in worked_today],
                )
        queue.built_at = now
        queue.size = size
        queue.save(update_fields=["built_at", "size"])
    # Accounts never judged cannot be offered (no rule evaluation per pick): judge them now.
    # An anti-join: NOT IN over a million judged accounts is re-scanned per entry on PostgreSQL.
    judged_ever = Contactability.objects.filter(account_id=OuterRef("account_id"))
    unjudged = list(
        QueueEntry.objects.filter(queue=queue)
        .filter(~Exists(judged_ever))
        .values_list("account_id", flat=True)
    )
    judged = contactability_refresh(unjudged, at=now, progress=progress) if unjudged else 0
    report = BuildReport(
        queue=queue.code, accounts=size, kept_worked=len(worked_today), judged=judged,
        seconds=(timezone.now() - started).total_seconds(),
    )  # fmt: skip
    with transaction.atomic():
        audit_record(actor=actor, event="queue.built", at=now, details=report.as_dict())
    _vacuum_entries()
    return report


def _vacuum_entries() -> None:
    """PostgreSQL, outside a transaction: a build replaces every entry of its queue, leaving as
    many dead rows and dead index entries. They are vacuumed now, with the build, so the first
    picks of the day neither walk past them nor share the machine with the autovacuum that would
    start among them (the first 20 s of picks on a freshly built million-entry queue ran at a
    third of the rate of the next 20 s)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {QueueEntry._meta.db_table}")


def queue_build_all(*, now: datetime, actor: Actor) -> list[BuildReport]:
    codes = WorkQueue.objects.filter(active=True).order_by("code").values_list("code", flat=True)
    return [queue_build(code, now=now, actor=actor) for code in codes]
