"""Sessions end after ``ARREARS_SESSION_IDLE_MINUTES`` without a request, for the web and for
the API's session authentication alike (ADR 14).

The session keeps the moment of the last request it recorded. To spare the database a write on
every request, that moment is refreshed at most once every ``ARREARS_SESSION_REFRESH_SECONDS``
(60): a session therefore ends between N minutes minus that refresh interval and N minutes after
its very last request, never later. A session found idle is ended here (flushed, the request
goes on signed out: the web's login_required sends it to the login page, the API answers 401)
and the end is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from arrears.data.users.models import User
from arrears.interfaces.web.auth import client_ip
from arrears.services.users.signins import session_expired_record

SEEN = "arrears_seen"  # session key: the last request recorded, in whole seconds since the epoch


def idle_seconds() -> int:
    return int(settings.ARREARS_SESSION_IDLE_MINUTES) * 60


def refresh_seconds() -> int:
    return int(getattr(settings, "ARREARS_SESSION_REFRESH_SECONDS", 60))


def session_touch(request: HttpRequest, now: datetime) -> None:
    """Record this request as the session's latest."""
    request.session[SEEN] = int(now.timestamp())


class IdleTimeoutMiddleware:
    """After AuthenticationMiddleware: ends a signed-in session idle for too long."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated:
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request: HttpRequest, user: User) -> None:
        now = timezone.now()
        seen = request.session.get(SEEN)
        if seen is None:
            session_touch(request, now)  # a session from before this rule: its clock starts now
            return
        elapsed = int(now.timestamp()) - int(seen)
        if elapsed >= idle_seconds():
            session_expired_record(
                user=user, ip=client_ip(request), at=now,
                last_seen=datetime.fromtimestamp(int(seen), tz=UTC),
                idle_minutes=int(settings.ARREARS_SESSION_IDLE_MINUTES),
            )  # fmt: skip
            request.session.flush()
            request.user = AnonymousUser()
        elif elapsed >= refresh_seconds():
            session_touch(request, now)
