"""Authentication: Django's model backend, refusing demo passwords outside development."""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


def is_demo_password(password: str | None) -> bool:
    return bool(password) and str(password).startswith(settings.ARREARS_DEMO_PASSWORD_PREFIX)


class DemoAwareBackend(ModelBackend):
    """Demo logins (passwords starting ``demo-``) work only while DEBUG is on."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not settings.DEBUG and is_demo_password(password):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
