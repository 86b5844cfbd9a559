"""The supervisor's view of the floor: a day's and its month's figures per collector and team,
queue depths, who is working what, and each collector's accounts.

The figures come from a fixed handful of queries whatever the size of the floor, each a GROUP
BY or a small read: the month's cash grouped by its credit facts (credited by the rule in
``core.work``, ADR 13), the ledger's own total, attempts, promises and assignments per user,
targets, teams, live leases and queue entries per queue. Nothing is read per collector or per
account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from arrears.core.work import (
    PROMISE_CREDIT_DAYS,
    RIGHT_PARTY_CONTACT,
    WORK_CHANNELS,
    Collected,
    CreditGroup,
    PromiseStatus,
    Tally,
    percent,
    tally_groups,
)
from arrears.data.accounts.models import Account
from arrears.data.clients.models import Client
from arrears.data.contacts.models import Contactability, ContactAttempt
from arrears.data.ledger.models import Entry
from arrears.data.users.models import Role, User
from arrears.data.work.models import (
    Assignment,
    AssignmentPeriod,
    ClientPromiseTerms,
    Lease,
    Promise,
    QueueEntry,
    Target,
    Team,
    TeamMember,
    WorkQueue,
)
from arrears.services.work.promises import CASH_KINDS, same_promise

FLOOR_CURRENCY = "USD"


@dataclass(frozen=True)
class Attempts:
    """Outbound attempts on a day, and the calls among them that reached the consumer."""

    calls: int = 0
    texts: int = 0
    emails: int = 0
    right_party: int = 0

    def __add__(self, other: Attempts) -> Attempts:
        return Attempts(self.calls + other.calls, self.texts + other.texts,
                        self.emails + other.emails, self.right_party + other.right_party)  # fmt: skip

    @property
    def total(self) -> int:
        return self.calls + self.texts + self.emails

    @property
    def right_party_rate(self) -> Decimal | None:
        """Right-party contacts per call attempt, as a percent."""
        return percent(self.right_party, self.calls)


@dataclass(frozen=True)
class Promises:
    made_today: int = 0
    made_month: int = 0
    made_month_minor: int = 0
    kept_month: int = 0
    broken_month: int = 0

    def __add__(self, other: Promises) -> Promises:
        return Promises(
            self.made_today + other.made_today, self.made_month + other.made_month,
            self.made_month_minor + other.made_month_minor, self.kept_month + other.kept_month,
            self.broken_month + other.broken_month,
        )  # fmt: skip


@dataclass(frozen=True)
class Figures:
    collected: Collected = field(default_factory=Collected)
    target_minor: int | None = None
    attempts: Attempts = field(default_factory=Attempts)
    promises: Promises = field(default_factory=Promises)
    owned: int = 0  # accounts assigned now

    def __add__(self, other: Figures) -> Figures:
        """The figures of both, without a target (a team's target is its own, not a sum)."""
        return Figures(collected=self.collected + other.collected,
                       attempts=self.attempts + other.attempts,
                       promises=self.promises + other.promises, owned=self.owned + other.owned)  # fmt: skip

    @property
    def percent_of_target(self) -> Decimal | None:
        return percent(self.collected.month_minor, self.target_minor)


@dataclass(frozen=True)
class Working:
    """An account a collector holds a live lease on."""

    account_id: int
    account_label: str
    queue_code: str | None
    since: datetime
    until: datetime


@dataclass(frozen=True)
class CollectorRow:
    user: User
    team: Team | None
    figures: Figures
    working: Working | None = None


@dataclass(frozen=True)
class TeamRow:
    team: Team
    members: list[CollectorRow]
    figures: Figures


@dataclass(frozen=True)
class QueueDepth:
    queue: WorkQueue
    in_pass: int
    offered: int  # not worked, open now on a workspace channel, not leased
    blocked: int  # not worked, every workspace channel closed now
    leased: int
    worked: int


@dataclass(frozen=True)
class FloorSummary:
    day: date
    month_start: date
    currency: str
    now: datetime
    collectors: list[CollectorRow]
    teams: list[TeamRow]
    unattributed: Figures  # cash credited to nobody; attempts and promises recorded by no user
    ledger: Collected  # the ledger's own total of cash from consumers over the same days
    queues: list[QueueDepth] = field(default_factory=list)

    @property
    def floor(self) -> Figures:
        """Every row plus the unattributed row."""
        return sum((r.figures for r in self.collectors), start=Figures()) + self.unattributed

    @property
    def reconciles(self) -> bool:
        return self.floor.collected == self.ledger


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day [start, end) in the settings' time zone (a DST day is 23 or 25 hours)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def floor_summary(*, day: date, now: datetime, currency: str = FLOOR_CURRENCY) -> FloorSummary:
    """The floor's figures for ``day`` and its month to date, with what is happening ``now``."""
    month_start = day.replace(day=1)
    credit = collections_tally(day=day, month_start=month_start, currency=currency)
    ledger = _ledger_total(day=day, month_start=month_start, currency=currency)
    attempts = _attempts(day)
    promises = _promises(day, month_start)
    owned = dict(
        Assignment.objects.values_list("user_id").annotate(n=Count("account_id")).order_by()
    )
    targets = list(Target.objects.filter(month=month_start, currency=currency))
    user_targets = {t.user_id: t.amount_minor for t in targets if t.user_id is not None}
    team_targets = {t.team_id: t.amount_minor for t in targets if t.team_id is not None}
    memberships = list(TeamMember.objects.select_related("team", "user"))
    team_of = {m.user_id: m.team for m in memberships}
    working = _working(now)
    shown = (set(credit.by_user) | set(attempts) | set(promises) | set(owned) | set(user_targets)
             | set(team_of) | set(working)) - {None}  # fmt: skip
    users = User.objects.filter(Q(pk__in=shown) | Q(role=Role.COLLECTOR, is_active=True))

    def figures(user_id: int | None) -> Figures:
        return Figures(
            collected=credit.of(user_id) if user_id is not None else credit.unattributed,
            target_minor=user_targets.get(user_id) if user_id is not None else None,
            attempts=attempts.get(user_id, Attempts()),
            promises=promises.get(user_id, Promises()), owned=owned.get(user_id, 0),
        )  # fmt: skip

    rows = sorted(
        (CollectorRow(user=u, team=team_of.get(u.pk), figures=figures(u.pk),
                      working=working.get(u.pk)) for u in users),
        key=lambda r: (r.team is None, r.team.name if r.team else "", _name(r.user).lower()),
    )  # fmt: skip
    teams = []
    for team in Team.objects.order_by("name").select_related("supervisor"):
        members = [r for r in rows if r.team is not None and r.team.pk == team.pk]
        total = sum((r.figures for r in members), start=Figures())
        teams.append(TeamRow(team=team, members=members, figures=Figures(
            collected=total.collected, target_minor=team_targets.get(team.pk),
            attempts=total.attempts, promises=total.promises, owned=total.owned,
        )))  # fmt: skip
    return FloorSummary(day=day, month_start=month_start, currency=currency, now=now,
                        collectors=rows, teams=teams, unattributed=figures(None), ledger=ledger,
                        queues=queue_depths(now))  # fmt: skip


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _cash(day: date, month_start: date, currency: str) -> QuerySet[Entry]:
    return Entry.objects.filter(kind__in=CASH_KINDS, currency=currency,
                                effective_on__gte=month_start, effective_on__lte=day)  # fmt: skip


def collections_tally(*, day: date, month_start: date, currency: str = FLOOR_CURRENCY) -> Tally:
    """The month's cash from consumers credited to collectors (ADR 13) with one grouped query.

    For every movement the database finds the two credit facts of the rule in ``core.work``:
    who owned the account when its payment was posted, and who took the latest promise that
    earns the credit. Movements are summed per pair of facts (a few rows per collector), and
    ``core.work.tally_groups`` credits each sum by the rule's order. The integration tests hold
    this query to ``core.work.tally``, the rule read movement by movement."""
    credit_at = Coalesce(F("reverses__posted_at"), F("posted_at"))
    credit_on = Coalesce(F("reverses__effective_on"), F("effective_on"))
    moment = OuterRef("credit_at")
    owner = (
        AssignmentPeriod.objects.filter(account_id=OuterRef("account_id"), starts_at__lte=moment)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=moment))
        .order_by("-starts_at")
        .values("user_id")[:1]
    )
    window = ExpressionWrapper(moment - timedelta(days=PROMISE_CREDIT_DAYS),
                               output_field=DateTimeField())  # fmt: skip
    promiser = (
        Promise.objects.filter(account_id=OuterRef("account_id"), created_by__isnull=False,
                               created_at__lte=moment, created_at__gte=window)
        .filter(Q(status__in=[PromiseStatus.OPEN.value, PromiseStatus.KEPT.value])
                | Q(status=PromiseStatus.BROKEN.value, resolved_on__gt=OuterRef("credit_on")))
        .order_by("-created_at", "-id")
        .values("created_by_id")[:1]
    )  # fmt: skip
    rows = (
        _cash(day, month_start, currency)
        .annotate(credit_at=credit_at, credit_on=credit_on)
        .annotate(owner=Subquery(owner), promiser=Subquery(promiser))
        .values("owner", "promiser")
        .annotate(today=Sum("cash_minor", filter=Q(effective_on=day)), month=Sum("cash_minor"))
        .order_by()
    )
    groups = [CreditGroup(r["owner"], r["promiser"], r["today"] or 0, r["month"] or 0)
              for r in rows]  # fmt: skip
    return tally_groups(groups, day=day, month_start=month_start)


def _ledger_total(*, day: date, month_start: date, currency: str) -> Collected:
    sums = _cash(day, month_start, currency).aggregate(
        month=Sum("cash_minor"), today=Sum("cash_minor", filter=Q(effective_on=day))
    )
    return Collected(today_minor=sums["today"] or 0, month_minor=sums["month"] or 0)


def _attempts(day: date) -> dict[int | None, Attempts]:
    """Outbound calls, texts and emails on the day per user who made them (None: a system)."""
    start, end = local_day_bounds(day)
    outcome, recipient = RIGHT_PARTY_CONTACT
    rows = (
        ContactAttempt.objects.filter(at__gte=start, at__lt=end, direction="outbound")
        .values("created_by_id")
        .annotate(
            calls=Count("id", filter=Q(channel="call")),
            texts=Count("id", filter=Q(channel="sms")),
            emails=Count("id", filter=Q(channel="email")),
            right_party=Count(
                "id", filter=Q(channel="call", outcome=outcome.value, recipient=recipient.value)
            ),
        )
        .order_by()
    )
    return {
        r["created_by_id"]: Attempts(r["calls"], r["texts"], r["emails"], r["right_party"])
        for r in rows
    }


def _promises(day: date, month_start: date) -> dict[int | None, Promises]:
    """Promises taken on the day and in the month, and kept or broken in the month, per user
    who took them.

    A promise on several dates counts once (ADR 25): taken on the day it was made (the amount
    promised is the sum of its dates); kept on the day its last date is kept, when none of its
    dates was broken; broken on the day its first date is broken, whatever its later dates
    come to."""
    month_from, _ = local_day_bounds(month_start)
    day_from, day_to = local_day_bounds(day)
    made = Q(created_at__gte=month_from, created_at__lt=day_to)
    resolved = Q(resolved_on__gte=month_start, resolved_on__lte=day)
    first = Q(first__isnull=True)
    broken = PromiseStatus.BROKEN.value
    later_date = Exists(same_promise().filter(due_on__gt=OuterRef("due_on")))
    a_date_broken = Exists(same_promise().filter(status=broken))
    broken_before = Exists(same_promise().filter(status=broken, due_on__lt=OuterRef("due_on")))
    rows = (
        Promise.objects.filter(made | resolved)
        .values("created_by_id")
        .annotate(
            made_today=Count(
                "id", filter=first & Q(created_at__gte=day_from, created_at__lt=day_to)
            ),
            made_month=Count("id", filter=first & made),
            made_month_minor=Sum("amount_minor", filter=made),
            kept=Count("id", filter=resolved & Q(status=PromiseStatus.KEPT.value)
                       & ~Q(later_date) & ~Q(a_date_broken)),
            broken=Count("id", filter=resolved & Q(status=broken) & ~Q(broken_before)),
        )
        .order_by()
    )  # fmt: skip
    return {
        r["created_by_id"]: Promises(r["made_today"], r["made_month"],
                                     r["made_month_minor"] or 0, r["kept"], r["broken"])
        for r in rows
    }  # fmt: skip


def _working(now: datetime) -> dict[int, Working]:
    """Each collector's live lease (the latest, should they hold more than one)."""
    out: dict[int, Working] = {}
    for lease in (
        Lease.objects.filter(until__gt=now)
        .select_related("account__client", "queue")
        .order_by("taken_at")
    ):
        a = lease.account
        out[lease.user_id] = Working(
            account_id=a.pk, account_label=f"{a.client.code}/{a.client_ref}",
            queue_code=lease.queue.code if lease.queue else None, since=lease.taken_at,
            until=lease.until,
        )  # fmt: skip
    return out


def queue_depths(now: datetime) -> list[QueueDepth]:
    """Every active queue's current pass in one GROUP BY over its entries."""
    open_now = Exists(Contactability.objects.filter(
        account_id=OuterRef("account_id"), channel__in=WORK_CHANNELS, next_at__lte=now))  # fmt: skip
    leased = Exists(Lease.objects.filter(account_id=OuterRef("account_id"), until__gt=now))
    pending = Q(worked_at__isnull=True)
    counts = {
        r["queue_id"]: (r["in_pass"], r["offered"], r["blocked"], r["leased"], r["worked"])
        for r in QueueEntry.objects.values("queue_id")
        .annotate(
            in_pass=Count("id"),
            worked=Count("id", filter=Q(worked_at__isnull=False)),
            offered=Count("id", filter=pending & Q(open_now) & ~Q(leased)),
            blocked=Count("id", filter=pending & ~Q(open_now)),
            leased=Count("id", filter=pending & Q(leased)),
        )
        .order_by()
    }
    return [
        QueueDepth(q, *counts.get(q.pk, (0, 0, 0, 0, 0)))
        for q in WorkQueue.objects.filter(active=True).order_by("name")
    ]


@dataclass(frozen=True)
class OwnedAccount:
    account: Account
    assigned_at: datetime


def owned_accounts(username: str, *, limit: int = 200) -> tuple[User | None, list[OwnedAccount]]:
    """A collector's assigned accounts, highest balance first."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return None, []
    rows = (
        Assignment.objects.filter(user=user)
        .select_related("account__client")
        .order_by("-account__balance_minor", "account_id")[:limit]
    )
    return user, [OwnedAccount(account=r.account, assigned_at=r.assigned_at) for r in rows]


def assignable_collectors() -> QuerySet[User]:
    """Who accounts may be given to from the supervisor's view: active collectors."""
    return User.objects.filter(role=Role.COLLECTOR, is_active=True).order_by("username")


@dataclass(frozen=True)
class TeamCard:
    team: Team
    supervisor: User | None
    members: list[User]


def teams_with_members() -> list[TeamCard]:
    """Every team with its supervisor and members, by name: two statements."""
    teams = list(Team.objects.select_related("supervisor").order_by("name", "code"))
    members: dict[int, list[User]] = {t.pk: [] for t in teams}
    for membership in TeamMember.objects.select_related("user").order_by("user__username"):
        members.setdefault(membership.team_id, []).append(membership.user)
    return [TeamCard(team=t, supervisor=t.supervisor, members=members[t.pk]) for t in teams]


def supervisors() -> QuerySet[User]:
    """Who may lead a team: active supervisors and administrators."""
    return User.objects.filter(role__in=(Role.SUPERVISOR, Role.ADMIN), is_active=True).order_by(
        "username"
    )


def promise_grace_by_client() -> list[tuple[Client, int]]:
    """Each client with the days of grace its promises get (0 when none were set)."""
    terms = dict(ClientPromiseTerms.objects.values_list("client_id", "promise_grace_days"))
    return [(c, terms.get(c.pk, 0)) for c in Client.objects.order_by("code")]


def client_names() -> list[tuple[str, str]]:
    """Every client's code and name, by code."""
    return list(Client.objects.order_by("code").values_list("code", "name"))
