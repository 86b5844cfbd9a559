"""Authentication: Django's model backend, refusing demo passwords outside development and
user names locked after repeated failures; and the signal receivers that audit sign-ins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from arrears.data.users.models import User
from arrears.services.users.signins import (
    login_failed_record,
    login_locked,
    login_record,
    logout_record,
)


def is_demo_password(password: str | None) -> bool:
    return bool(password) and str(password).startswith(settings.ARREARS_DEMO_PASSWORD_PREFIX)


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from, as the server saw it (a proxy in front must pass the
    client's address on as REMOTE_ADDR; forwarded headers are not trusted here)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class DemoAwareBackend(ModelBackend):
    """Demo logins (passwords starting ``demo-``) work only while DEBUG is on, and a locked
    user name is refused even with the right password (the caller sees a plain failure)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not settings.DEBUG and is_demo_password(password):
            return None
        name = username or kwargs.get(get_user_model().USERNAME_FIELD)
        if name and login_locked(str(name), now=timezone.now()):
            User().set_password(password)  # the same work as a real check: no timing tell
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_logged_in, dispatch_uid="arrears-audit-login")
def _audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    from arrears.interfaces.web.sessions import session_touch  # it imports this module

    now = timezone.now()
    login_record(user=user, ip=client_ip(request), at=now)
    if request is not None and hasattr(request, "session"):
        session_touch(request, now)  # the idle clock starts at the sign-in


@receiver(user_login_failed, dispatch_uid="arrears-audit-login-failed")
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Django passes the credentials with the password already masked; only the user name is
    kept."""
    name = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    login_failed_record(username=str(name or ""), ip=client_ip(request), at=timezone.now())


@receiver(user_logged_out, dispatch_uid="arrears-audit-logout")
def _audit_logout(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is not None:
        logout_record(user=user, ip=client_ip(request), at=timezone.now())
