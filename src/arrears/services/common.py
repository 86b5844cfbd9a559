"""What every use case shares: who is acting, the audit trail, and the PII keys."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from arrears.core.pii import BlindIndexer, KeyRing
from arrears.core.ports import (
    Dialer,
    DocumentStore,
    EmailSender,
    LetterRenderer,
    PaymentGateway,
    PrintBatcher,
    SmsSender,
)
from arrears.data.audit.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, or a command or job (user_id None)."""

    label: str
    user_id: int | None = None

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(label=what)


@dataclass(frozen=True)
class AuditNote:
    event: str
    account_id: int | None = None
    party_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


def audit_record(
    *,
    actor: Actor,
    event: str,
    account_id: int | None = None,
    party_id: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one audit event; call inside the transaction of the action it records."""
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor_id=actor.user_id,
        actor_label=actor.label,
        event=event,
        account_id=account_id,
        party_id=party_id,
        details=details or {},
    )


@functools.cache
def document_store() -> DocumentStore:
    """The document store the settings name (filesystem by default)."""
    factory = import_string(settings.ARREARS_DOCUMENT_STORE)
    return cast("DocumentStore", factory(settings.ARREARS_DOCUMENTS_DIR))


@functools.cache
def letter_renderer() -> LetterRenderer:
    return cast("LetterRenderer", import_string(settings.ARREARS_LETTERS)())


@functools.cache
def print_batcher() -> PrintBatcher:
    """What turns a day's letters into one print file for the mail vendor."""
    return cast("PrintBatcher", import_string(settings.ARREARS_PRINT_BATCHER)())


@functools.cache
def card_gateway() -> PaymentGateway:
    """The card gateway the settings name (the offline fake by default)."""
    factory = import_string(settings.ARREARS_CARD_GATEWAY)
    return cast("PaymentGateway", factory(**settings.ARREARS_CARD_GATEWAY_OPTIONS))


@functools.cache
def email_sender() -> EmailSender:
    """The email sender the settings name (files under var/outbox by default)."""
    factory = import_string(settings.ARREARS_EMAIL_SENDER)
    return cast("EmailSender", factory(**settings.ARREARS_EMAIL_SENDER_OPTIONS))


@functools.cache
def sms_sender() -> SmsSender:
    """The SMS sender the settings name (the in-memory fake by default)."""
    factory = import_string(settings.ARREARS_SMS_SENDER)
    return cast("SmsSender", factory(**settings.ARREARS_SMS_SENDER_OPTIONS))


@functools.cache
def dialer() -> Dialer:
    """The dialer the settings name for preview calls (the offline fake by default)."""
    return cast("Dialer", import_string(settings.ARREARS_DIALER)())


@functools.cache
def key_ring() -> KeyRing:
    return KeyRing.from_spec(settings.ARREARS_PII_KEYS)


@functools.cache
def blind_indexer() -> BlindIndexer:
    return BlindIndexer.from_secret(settings.ARREARS_BLIND_INDEX_KEY)


class ServiceError(Exception):
    """An expected refusal: the interface maps it to a message, a 4xx or an exit code."""

    code = "refused"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def require_choice(value: str, allowed: Iterable[str], field: str) -> str:
    """The value when it is one of ``allowed``; else the refusal naming the field and the
    choices."""
    choices = list(allowed)
    if value not in choices:
        raise ServiceError(f"{field} must be one of {', '.join(choices)}", field=field)
    return value


class NotFound(ServiceError):
    code = "not_found"
