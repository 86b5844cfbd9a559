"""The public opt-out page that every email links to (``services.messaging.optout``).

No sign-in: the signed token in the URL is the authority, and the page shows nothing beyond the
masked address it concerns. A GET only shows what would stop and a button, because link
scanners and mail previews fetch links nobody clicked; a POST applies. Mail clients that offer
their own "Unsubscribe" (RFC 8058) POST ``List-Unsubscribe=One-Click`` to the same URL with no
CSRF token and no cookies, so the view is exempt from CSRF: a forged POST could only do what
the token in the URL already allows, and only someone given the link holds the token. Whatever
the body says, it is never read for who or what: only the token is.

A bad or tampered token is a 400, a token whose address we no longer hold a 404, each with a
plain sentence and how else to reach us.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from arrears.services.common import NotFound, ServiceError
from arrears.services.messaging.optout import opt_out_apply, opt_out_preview

TEMPLATE = "web/optout.html"


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    collector = settings.ARREARS_COLLECTOR
    response = render(request, TEMPLATE, {"collector": collector["name"],
                                          "phone": collector["phone"], **context}, status=status)  # fmt: skip
    # The token is in the URL: keep it out of caches, search engines and Referer headers.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def opt_out_page(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    try:
        if request.method == "POST":
            result = opt_out_apply(token=token, now=now)
            return _page(request, {"done": True, "masked": result.masked_address,
                                   "already": not result.created})  # fmt: skip
        target = opt_out_preview(token=token, today=timezone.localdate(now))
    except NotFound as exc:
        return _page(request, {"problem": exc.message}, status=404)
    except ServiceError as exc:
        return _page(request, {"problem": exc.message}, status=400)
    return _page(request, {"masked": target.masked_address, "already": target.stopped})
