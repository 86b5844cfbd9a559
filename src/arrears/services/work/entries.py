"""Queue entries keep a copy of when their account next opens, so "next account" can set the
blocked ones aside instead of reading them again on every pick.

An entry is *waiting* when every workspace channel of its account was blocked when last worked
out; ``opens_at`` is the earliest of their next contactable moments (empty: no end known).
Building a queue works both out for every entry; each refresh of an account's contactability
works them out again for its entries (this module imports only the book, so the compliance
refresh can call it); a pick brings back the waiting entries whose moment has come.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Exists, Min, OuterRef, Subquery

from arrears.core.work import WORK_CHANNELS
from arrears.data.contacts.models import Contactability
from arrears.data.work.models import QueueEntry


def first_opening_of(account: str = "account_id") -> Subquery:
    """The earliest next contactable moment on a workspace channel of the account the outer
    row's column ``account`` names."""
    return Subquery(
        Contactability.objects.filter(account_id=OuterRef(account), channel__in=WORK_CHANNELS)
        .values("account_id")
        .annotate(first=Min("next_at"))
        .values("first")
    )


def blocked_at(at: datetime, *, account: str = "account_id") -> Any:
    """True when that account has no workspace channel open at ``at``."""
    return ~Exists(
        Contactability.objects.filter(
            account_id=OuterRef(account), channel__in=WORK_CHANNELS, next_at__lte=at
        )
    )


def entries_judged(account_ids: Iterable[int], *, at: datetime) -> int:
    """The pending entries of these accounts take their moments again, as of ``at``."""
    return QueueEntry.objects.filter(
        account_id__in=list(account_ids), worked_at__isnull=True
    ).update(opens_at=first_opening_of(), waiting=blocked_at(at))


def entries_reopened(queue_id: int, *, now: datetime) -> int:
    """The queue's waiting entries whose moment has come are offered again."""
    return QueueEntry.objects.filter(
        queue_id=queue_id, waiting=True, worked_at__isnull=True, opens_at__lte=now
    ).update(waiting=False)
