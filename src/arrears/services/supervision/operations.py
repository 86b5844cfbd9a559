"""What a supervisor sets on the floor: teams and their members, monthly targets, and a client's
grace days for promises. Each is one transaction with its audit event; only supervisors and
administrators (or a system command) may make them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction

from arrears.data.clients.models import Client
from arrears.data.users.models import Role, User
from arrears.data.work.models import ClientPromiseTerms, Target, Team, TeamMember
from arrears.services.common import Actor, NotFound, ServiceError, audit_record

SUPERVISING_ROLES = (Role.SUPERVISOR, Role.ADMIN)
MAX_GRACE_DAYS = 31


class NotASupervisor(ServiceError):
    code = "forbidden"


def may_supervise(user: User) -> bool:
    return bool(user.is_superuser or user.role in SUPERVISING_ROLES)


def _check_supervisor(actor: Actor) -> None:
    """A signed-in actor must supervise; a system actor (a command, the demo) may act."""
    if actor.user_id is None:
        return
    user = User.objects.filter(pk=actor.user_id, is_active=True).first()
    if user is None or not may_supervise(user):
        raise NotASupervisor("only supervisors and administrators set teams and targets")


def _collector(username: str, field: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ServiceError(f"no active user {username!r}", field=field)
    if user.role != Role.COLLECTOR:
        raise ServiceError(f"{username} is not a collector", field=field)
    return user


def target_set(
    *,
    month: date,
    amount_minor: int,
    actor: Actor,
    now: datetime,
    collector: str | None = None,
    team: str | None = None,
    currency: str = "USD",
) -> Target:
    """Set what a collector or a team is to collect in a month (replacing the month's target)."""
    _check_supervisor(actor)
    if not collector and not team:
        raise ServiceError("say which collector or team the target is for", field="collector")
    if collector and team:
        raise ServiceError("a target is for a collector or a team, not both", field="team")
    if month.day != 1:
        raise ServiceError("a target's month is given by its first day", field="month")
    if amount_minor <= 0:
        raise ServiceError("a target must be above zero", field="amount")
    user = _collector(collector, "collector") if collector else None
    group = None
    if team:
        group = Team.objects.filter(code=team).first()
        if group is None:
            raise NotFound(f"no team {team!r}", field="team")
    with transaction.atomic():
        who = {"user": user} if user is not None else {"team": group}
        target = Target.objects.select_for_update().filter(month=month, **who).first()
        before = target.amount_minor if target is not None else None
        if target is not None and before == amount_minor and target.currency == currency:
            return target
        if target is None:
            target = Target(month=month, **who)
        target.amount_minor, target.currency = amount_minor, currency
        target.set_by, target.set_at = actor.label[:120], now
        target.save()
        audit_record(
            actor=actor, event="target.set", at=now,
            details={"collector": collector or None, "team": team or None,
                     "month": month.isoformat(), "amount_minor": amount_minor,
                     "currency": currency, "before_minor": before},
        )  # fmt: skip
        return target


def team_define(
    *,
    code: str,
    name: str,
    actor: Actor,
    now: datetime,
    supervisor: str | None = None,
    members: Iterable[str] | None = None,
) -> Team:
    """Create a team or change the one with this code. ``members`` (collectors) replaces the
    membership when given; a collector in another team moves to this one."""
    _check_supervisor(actor)
    code = code.strip().lower()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_" for c in code):
        raise ServiceError("a team code is 1 to 40 letters, digits, '-' or '_'", field="code")
    if not name.strip():
        raise ServiceError("give the team a name", field="name")
    boss = None
    if supervisor:
        boss = User.objects.filter(username=supervisor, is_active=True).first()
        if boss is None or not may_supervise(boss):
            raise ServiceError(f"{supervisor} is not an active supervisor", field="supervisor")
    wanted = None if members is None else [_collector(u, "members") for u in dict.fromkeys(members)]
    with transaction.atomic():
        team, created = Team.objects.update_or_create(
            code=code, defaults={"name": name.strip()[:100], "supervisor": boss},
            create_defaults={"name": name.strip()[:100], "supervisor": boss, "created_at": now},
        )  # fmt: skip
        audit_record(
            actor=actor, event="team.defined", at=now,
            details={"team": code, "name": team.name, "supervisor": supervisor or None,
                     "created": created},
        )  # fmt: skip
        if wanted is not None:
            _members_set(team, wanted, actor=actor, now=now)
        return team


def _members_set(team: Team, wanted: list[User], *, actor: Actor, now: datetime) -> None:
    current = set(TeamMember.objects.filter(team=team).values_list("user_id", flat=True))
    keep = {u.pk for u in wanted}
    removed = sorted(current - keep)
    added = [u for u in wanted if u.pk not in current]
    moved = dict(
        TeamMember.objects.filter(user__in=added)
        .exclude(team=team)
        .values_list("user__username", "team__code")
    )
    TeamMember.objects.filter(team=team, user_id__in=removed).delete()
    TeamMember.objects.filter(user__in=added).delete()
    TeamMember.objects.bulk_create([TeamMember(team=team, user=u, joined_at=now) for u in added])
    if removed or added:
        names = dict(User.objects.filter(pk__in=removed).values_list("pk", "username"))
        audit_record(
            actor=actor, event="team.members_changed", at=now,
            details={"team": team.code, "added": [u.username for u in added],
                     "removed": [names[pk] for pk in removed], "moved_from": moved},
        )  # fmt: skip


def promise_grace_set(*, client_code: str, days: int, actor: Actor, now: datetime) -> int:
    """How many days after its due day a payment still keeps a promise, for a client's
    accounts. Returns the days before the change."""
    _check_supervisor(actor)
    if not 0 <= days <= MAX_GRACE_DAYS:
        raise ServiceError(f"grace days are 0 to {MAX_GRACE_DAYS}", field="days")
    client = Client.objects.filter(code=client_code).first()
    if client is None:
        raise NotFound(f"no client {client_code!r}", field="client")
    with transaction.atomic():
        terms, _ = ClientPromiseTerms.objects.select_for_update().get_or_create(client=client)
        before = terms.promise_grace_days
        if before != days:
            terms.promise_grace_days = days
            terms.save(update_fields=["promise_grace_days"])
            audit_record(actor=actor, event="client.promise_grace_set", at=now,
                         details={"client": client.code, "days": days, "before": before})  # fmt: skip
        return before
