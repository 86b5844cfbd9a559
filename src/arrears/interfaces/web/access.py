"""The web's side of client grants: an account (or a record on one) the user may not see is a
404, the same page as for one that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone

from arrears.services.accounts.access import require_account_visible
from arrears.services.accounts.queries import AccountView, account_detail
from arrears.services.common import NotFound


def visible_or_404(request: HttpRequest, require: Callable[[Any, Any], None], key: Any) -> None:
    """Run one of services.accounts.access's ``require_*_visible`` checks for the signed-in
    user; its refusal becomes a plain 404."""
    try:
        require(request.user, key)
    except NotFound:
        raise Http404("not found") from None


def account_view_or_404(request: HttpRequest, account_id: int) -> AccountView:
    """The account screen's data, when the user may see the account."""
    visible_or_404(request, require_account_visible, account_id)
    view = account_detail(account_id, today=timezone.localdate())
    if view is None:
        raise Http404("no such account")
    return view
