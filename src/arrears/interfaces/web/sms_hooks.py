"""Twilio's webhooks: a consumer's text to us, and delivery reports on the texts we sent.

Twilio is no signed-in user: these two views take no session and no CSRF token, and are
opened only by the ``X-Twilio-Signature`` header, which Twilio makes with our auth token over
the public URL it called and the posted parameters (``arrears.core.messaging.signatures``). A
missing or wrong signature is a 403 and nothing is read or recorded; a signed-in session
changes nothing. Without an auth token in the settings (Twilio not in use: development, the
demo) the hooks answer 404, as if they did not exist, rather than 503: there is nothing to
retry until the channel is configured, and nothing to advertise to whoever probes for it.

The URL checked is ``ARREARS_PUBLIC_BASE_URL`` + the path and query we received, because a
proxy in front of us may change the scheme or host Twilio used. Each view translates the form
into one service call and answers an empty TwiML ``<Response/>``: we send no automatic reply
(Twilio's own opt-out handling answers STOP and HELP, and any confirmation of an opt-out is
the send job's to make, under the rules). A replayed request records nothing twice: the
services key what they record by Twilio's message id.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from arrears.core.messaging.signatures import twilio_signature_valid
from arrears.services.common import Actor, ServiceError
from arrears.services.messaging.sms import sms_inbound_record, sms_status_record

log = logging.getLogger(__name__)
ACTOR = Actor.system("twilio webhook")
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _signed(request: HttpRequest) -> bool:
    """Whether Twilio signed this request; 404 when no auth token is configured."""
    token = settings.ARREARS_TWILIO_AUTH_TOKEN
    if not token:
        raise Http404("no SMS provider is configured")
    url = settings.ARREARS_PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    params = [(name, value) for name, values in request.POST.lists() for value in values]
    signature = request.headers.get("X-Twilio-Signature", "")
    if twilio_signature_valid(token, url, params, signature):
        return True
    log.warning("Twilio webhook refused: %s signature for %s",
                "a wrong" if signature else "no", url)  # fmt: skip
    return False


def _twiml() -> HttpResponse:
    return HttpResponse(TWIML, content_type="text/xml; charset=utf-8")


def _refused() -> HttpResponse:
    return HttpResponse("signature required", status=403, content_type="text/plain")


@csrf_exempt
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    """A text to one of our numbers."""
    if not _signed(request):
        return _refused()
    now = timezone.now()
    form = request.POST
    try:
        sms_inbound_record(
            from_number=form.get("From", ""), to_number=form.get("To", ""),
            body=form.get("Body", ""), provider_id=form.get("MessageSid", ""), received_at=now,
            actor=ACTOR, now=now, provider_keyword=form.get("OptOutType", ""),
        )  # fmt: skip
    except ServiceError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    return _twiml()


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """A delivery report on a text we sent; ``?reference=`` is ours, put in the URL we gave."""
    if not _signed(request):
        return _refused()
    now = timezone.now()
    form = request.POST
    try:
        sms_status_record(
            provider_id=form.get("MessageSid", ""),
            status=form.get("MessageStatus", "") or form.get("SmsStatus", ""),
            error_code=form.get("ErrorCode", ""), at=now, actor=ACTOR, now=now,
            to_number=form.get("To", ""), reference=request.GET.get("reference", ""),
        )  # fmt: skip
    except ServiceError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    return _twiml()
