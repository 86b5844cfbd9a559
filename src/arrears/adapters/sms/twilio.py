"""Twilio, through its REST API: one text is one Message resource created.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded, with the account SID
and auth token as HTTP basic credentials; the message is sent from our number (``From``) or
through a Messaging Service (``MessagingServiceSid``, which picks the number and handles
STOP at the carrier's side too). Only the standard library is used.

Twilio keeps no field for our reference, so it travels in the delivery-report URL
(``StatusCallback=...?reference=MSG-...``): Twilio calls that URL as the message is
delivered or fails, and the webhook reads the reference back from it.

Every answer becomes a ``SendResult``, never an exception:

- 201 (the Message created: ``queued``, or ``accepted`` by a Messaging Service) is
  ``ACCEPTED``, with the Message SID (``SM...``) as ``provider_id``; whether it arrived is told
  later, by the delivery report.
- 400 with one of the codes that say this number can never get our texts (``NEVER_RECEIVES``:
  not a valid number, not a mobile, a landline, unreachable by SMS, or the person texted STOP to
  this sender) is ``REJECTED``, with Twilio's code in ``detail``.
- Anything else is ``ERROR``: a 400 for another reason (our number or our settings are wrong,
  not the consumer's), a 401/403 (our credentials), a 429, a 5xx, a body that is not JSON, or
  no answer at all. Twilio has no idempotency key for messages, so an ``ERROR`` after the
  request left us (a timeout) may still have been sent: the caller decides whether to send
  again under the same reference, knowing that.
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.parse
from typing import Any

from arrears.adapters.http import HttpCall, Transport, urllib_transport
from arrears.core.messaging import OutboundSms, SendResult, SendStatus

API_BASE = "https://api.twilio.com"
API_VERSION = "2010-04-01"
# Twilio error codes that say the number will never receive a text from us, whatever we do:
NEVER_RECEIVES = {
    21211: "not a valid phone number",
    21407: "a number type that cannot receive texts",
    21610: "the recipient texted STOP to this sender",
    21612: "a number that cannot be reached by text",
    21614: "not a mobile number",
    21635: "a landline",
}
# Message statuses of a request Twilio took.
TAKEN = frozenset({"accepted", "queued", "scheduled", "sending", "sent", "delivered"})


class TwilioSmsSender:
    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_base: str = API_BASE,
        status_callback_url: str = "",
        timeout_seconds: float = 30.0,
        transport: Transport | None = None,
    ) -> None:
        if not account_sid.startswith("AC") or not auth_token:
            raise ValueError("a Twilio account SID (AC...) and auth token are needed: set "
                             "ARREARS_TWILIO_ACCOUNT_SID and ARREARS_TWILIO_AUTH_TOKEN")  # fmt: skip
        if not from_number and not messaging_service_sid.startswith("MG"):
            raise ValueError("a sender is needed: set ARREARS_TWILIO_FROM (+1...) or "
                             "ARREARS_TWILIO_MESSAGING_SERVICE_SID (MG...)")  # fmt: skip
        self._sid = account_sid
        self._token = auth_token
        self._from = from_number
        self._service = messaging_service_sid
        self._base = api_base.rstrip("/")
        self._callback = status_callback_url
        self._send = transport or urllib_transport(timeout_seconds)

    @property
    def messages_url(self) -> str:
        return f"{self._base}/{API_VERSION}/Accounts/{self._sid}/Messages.json"

    def headers(self) -> dict[str, str]:
        credentials = base64.b64encode(f"{self._sid}:{self._token}".encode()).decode("ascii")
        return {
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }

    def fields(self, message: OutboundSms) -> list[tuple[str, str]]:
        """The form sent for a message: a Messaging Service, when there is one, chooses the
        number itself."""
        fields = [("To", message.to), ("Body", message.body)]
        if self._service:
            fields.append(("MessagingServiceSid", self._service))
        else:
            fields.append(("From", self._from))
        if self._callback:
            joiner = "&" if urllib.parse.urlsplit(self._callback).query else "?"
            reference = urllib.parse.urlencode({"reference": message.reference})
            fields.append(("StatusCallback", f"{self._callback}{joiner}{reference}"))
        return fields

    def send(self, message: OutboundSms) -> SendResult:
        call = HttpCall("POST", self.messages_url, self.headers(),
                        urllib.parse.urlencode(self.fields(message)).encode())  # fmt: skip
        try:
            answer = self._send(call)
        except (OSError, http.client.HTTPException) as exc:
            return SendResult(SendStatus.ERROR, error=f"Twilio could not be reached "
                              f"({type(exc).__name__}); it may or may not have been sent",
                              detail={"code": "no_answer"})  # fmt: skip
        try:
            body = json.loads(answer.body)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return SendResult(SendStatus.ERROR,
                              error=f"Twilio answered {answer.status} with a body that is not "
                              "a JSON object", detail={"code": "unreadable",
                                                       "http_status": str(answer.status)})  # fmt: skip
        if 200 <= answer.status < 300:
            return _created(answer.status, body)
        return _refused(answer.status, body)


def _created(status: int, body: dict[str, Any]) -> SendResult:
    sid, state = str(body.get("sid") or ""), str(body.get("status") or "")
    if sid and state in TAKEN:
        return SendResult(SendStatus.ACCEPTED, provider_id=sid, detail={"status": state})
    code = _code(body.get("error_code"))
    if sid and code in NEVER_RECEIVES:
        return SendResult(SendStatus.REJECTED, provider_id=sid,
                          error=str(body.get("error_message") or NEVER_RECEIVES[code]),
                          detail={"code": str(code), "status": state})  # fmt: skip
    return SendResult(SendStatus.ERROR, provider_id=sid,
                      error=f"Twilio answered {status} leaving the message {state or 'unknown'!r}",
                      detail={"code": str(code or "unreadable"), "status": state})  # fmt: skip


def _refused(status: int, body: dict[str, Any]) -> SendResult:
    code = _code(body.get("code"))
    detail = {"code": str(code or ""), "http_status": str(status)}
    if body.get("more_info"):
        detail["more_info"] = str(body["more_info"])
    message = str(body.get("message") or f"Twilio answered {status}")
    if status == 400 and code in NEVER_RECEIVES:
        return SendResult(SendStatus.REJECTED, error=message, detail=detail)
    return SendResult(SendStatus.ERROR, error=message, detail=detail)


def _code(value: object) -> int | None:
    """Twilio's error code, a number in JSON (or, in a few places, a string of digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
