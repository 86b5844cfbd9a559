"""Sign-ins, failed sign-ins, sign-outs, idle session ends and password changes: each is an audit
event, and failed sign-ins lock a user name for a while.

The interfaces call these with the moment and the client's address; nothing here reads the clock
or a request. A password is never passed in, so it can never be recorded.

Lockout: after ``ARREARS_LOGIN_LOCK_FAILURES`` (5) failed sign-ins for one user name within
``ARREARS_LOGIN_LOCK_MINUTES`` (15), counted since that name's last successful sign-in or
password reset, the name is locked for ``ARREARS_LOGIN_LOCK_MINUTES``. While locked, even the
right password is refused with the same message as a wrong one; those refusals are recorded but
do not count, so the lock does not grow while someone keeps trying. A password reset lifts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from arrears.data.audit.models import AuditEvent
from arrears.data.users.models import User
from arrears.services.common import Actor, audit_record

LOGIN = "auth.login"
LOGIN_FAILED = "auth.login_failed"
LOGIN_LOCKED = "auth.login_locked"
LOGOUT = "auth.logout"
SESSION_EXPIRED = "auth.session_expired"
PASSWORD_CHANGED = "auth.password_changed"
PASSWORD_RESET = "auth.password_reset"
PASSWORD_RESET_REQUESTED = "auth.password_reset_requested"

BAD_CREDENTIALS = "bad_credentials"
LOCKED = "locked"
USERNAME_LENGTH = 150  # what a user name can be; longer input is cut before it is recorded


def _actor(user: User) -> Actor:
    return Actor(label=user.get_username(), user_id=user.pk)


def _anonymous() -> Actor:
    return Actor(label="anonymous")


def lock_failures() -> int:
    return int(getattr(settings, "ARREARS_LOGIN_LOCK_FAILURES", 5))


def lock_minutes() -> int:
    return int(getattr(settings, "ARREARS_LOGIN_LOCK_MINUTES", 15))


def login_record(*, user: User, ip: str | None, at: datetime) -> AuditEvent:
    return audit_record(actor=_actor(user), event=LOGIN, at=at,
                        details={"username": user.get_username(), "ip": ip})  # fmt: skip


def logout_record(*, user: User, ip: str | None, at: datetime) -> AuditEvent:
    return audit_record(actor=_actor(user), event=LOGOUT, at=at,
                        details={"username": user.get_username(), "ip": ip})  # fmt: skip


def session_expired_record(
    *, user: User, ip: str | None, at: datetime, last_seen: datetime, idle_minutes: int
) -> AuditEvent:
    """The session ended because no request came for ``idle_minutes``."""
    return audit_record(
        actor=_actor(user), event=SESSION_EXPIRED, at=at,
        details={"username": user.get_username(), "ip": ip, "idle_minutes": idle_minutes,
                 "last_seen": last_seen.isoformat()},
    )  # fmt: skip


def _window(username: str, *, now: datetime) -> QuerySet[AuditEvent]:
    """This name's sign-in events inside the lock window, since its last successful sign-in or
    password reset (either clears failures and locks)."""
    since = now - timedelta(minutes=lock_minutes())
    recent = AuditEvent.objects.filter(at__gt=since, at__lte=now, details__username=username)
    cleared = (
        recent.filter(event__in=[LOGIN, PASSWORD_RESET])
        .order_by("-at")
        .values_list("at", flat=True)
    ).first()
    return recent if cleared is None else recent.filter(at__gt=cleared)


def login_locked(username: str, *, now: datetime) -> bool:
    """Whether sign-ins for this user name are refused now: it was locked less than
    ``lock_minutes`` ago and nothing has cleared it since. Asked on every sign-in and every
    Basic-auth API call, so the usual answer (no lock) costs one query."""
    name = (username or "")[:USERNAME_LENGTH]
    if not name:
        return False
    since = now - timedelta(minutes=lock_minutes())
    locked_at = (
        AuditEvent.objects.filter(event=LOGIN_LOCKED, at__gt=since, at__lte=now,
                                  details__username=name)
        .order_by("-at").values_list("at", flat=True).first()
    )  # fmt: skip
    if locked_at is None:
        return False
    return not AuditEvent.objects.filter(
        event__in=[LOGIN, PASSWORD_RESET], at__gte=locked_at, at__lte=now, details__username=name
    ).exists()


@dataclass(frozen=True)
class FailedLogin:
    event: AuditEvent
    locked_now: bool  # this failure locked the name


def login_failed_record(*, username: str | None, ip: str | None, at: datetime) -> FailedLogin:
    """A sign-in was refused: record the user name tried and where from (never the password).
    The failure that reaches the limit also records the lock."""
    name = (username or "")[:USERNAME_LENGTH]
    with transaction.atomic():
        already = login_locked(name, now=at)
        event = audit_record(
            actor=_anonymous(), event=LOGIN_FAILED, at=at,
            details={"username": name, "ip": ip, "reason": LOCKED if already else BAD_CREDENTIALS},
        )  # fmt: skip
        failures = _window(name, now=at).filter(event=LOGIN_FAILED,
                                                details__reason=BAD_CREDENTIALS)  # fmt: skip
        locked_now = bool(name) and not already and failures.count() >= lock_failures()
        if locked_now:
            audit_record(
                actor=_anonymous(), event=LOGIN_LOCKED, at=at,
                details={"username": name, "ip": ip, "failures": lock_failures(),
                         "minutes": lock_minutes()},
            )  # fmt: skip
    return FailedLogin(event=event, locked_now=locked_now)


def password_changed_record(
    *, user: User, ip: str | None, at: datetime, by_reset: bool
) -> AuditEvent:
    """The user set a new password: signed in (a change) or through an emailed link (a
    reset, which also lifts a lock on their name)."""
    return audit_record(actor=_actor(user), event=PASSWORD_RESET if by_reset else PASSWORD_CHANGED,
                        at=at, details={"username": user.get_username(), "ip": ip})  # fmt: skip


def password_reset_requested_record(
    *, email: str, users: list[User], ip: str | None, at: datetime
) -> AuditEvent:
    """Someone asked for a reset link for this address. The page they see is the same whether
    or not it matched; the audit trail knows which users were sent a link."""
    return audit_record(
        actor=_anonymous(), event=PASSWORD_RESET_REQUESTED, at=at,
        details={"email": email, "ip": ip, "sent_to": sorted(u.get_username() for u in users)},
    )  # fmt: skip
