"""One HTTP call and its answer, and the standard library's way of making it: what the adapters
that speak to a REST API (Stripe's, Twilio's) send through, so that a test can put a recorded
server or a plain function in its place.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class HttpCall:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes


# Sends one call and returns the answer, whatever its status; raises OSError when there is none
# (refused, reset, timed out, name not resolved).
Transport = Callable[[HttpCall], HttpAnswer]


def urllib_transport(timeout_seconds: float) -> Transport:
    def send(call: HttpCall) -> HttpAnswer:
        request = urllib.request.Request(
            call.url, data=call.body or None, headers=dict(call.headers), method=call.method
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
                return HttpAnswer(response.status, response.read())
        except urllib.error.HTTPError as exc:  # a 4xx or 5xx still carries the API's answer
            with exc:
                return HttpAnswer(exc.code, exc.read())

    return send
