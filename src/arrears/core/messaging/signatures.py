"""Proof that a webhook came from the SMS provider: Twilio's ``X-Twilio-Signature``.

Twilio signs each request it makes to us with the account's auth token: HMAC-SHA1 over the URL
it called (scheme, host, path and query, exactly as configured at Twilio) followed by every
POST parameter, sorted by name, as name and value run together with no separator; the digest
goes in the header in base64. Nobody without the token can make a signature that matches, so
the webhooks need no other credential; a request without a good one is refused whole.

The URL must be the public one Twilio was given, not what our server saw behind a proxy (an
``http://`` where Twilio called ``https://`` changes every signature). Twilio's own libraries
also accept the URL with the scheme's default port written out or left out, because some of
Twilio's services sign one form and some the other; ``twilio_signature_valid`` does the same.
The signature has no timestamp: a replayed request passes, so what it records must be safe to
record twice (the services key it by the message's id).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The signature Twilio sends for a POST of ``params`` to ``url``. A parameter sent more
    than once appears once per value, its values in order, as Twilio's libraries sort them."""
    text = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_forms(url: str) -> list[str]:
    """The URL as given, and with the scheme's default port written out or left out."""
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    if default is None or parts.hostname is None:
        return [url]
    host = parts.netloc.rpartition("@")[2]
    userinfo = parts.netloc[: len(parts.netloc) - len(host)]
    bare = host.rsplit(":", 1)[0] if parts.port is not None else host
    if parts.port not in (None, default):
        return [url]
    forms = [url]
    for netloc in (userinfo + bare, f"{userinfo}{bare}:{default}"):
        other = urlunsplit(parts._replace(netloc=netloc))
        if other not in forms:
            forms.append(other)
    return forms


def twilio_signature_valid(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str
) -> bool:
    """Whether ``signature`` is Twilio's for this request. No token or no signature is never
    valid; the comparison takes the same time wherever the strings differ."""
    if not auth_token or not signature:
        return False
    pairs = list(params)
    given = signature.strip().encode()
    valid = False
    for form in _url_forms(url):  # every form is checked, so the time does not say which
        expected = twilio_signature(auth_token, form, pairs).encode()
        valid |= hmac.compare_digest(expected, given)
    return valid
