"""The notice that a promise to pay, a plan or a settlement was not kept.

The nightly judgement (``services.work.promises``, ``services.arrangements.evaluate``) decides
that a promise or an arrangement is broken; this module writes to the consumer about it: what was
agreed, the payment that did not come, what was received under it, and the balance owed now. It
is a collection letter (it asks for payment), so the rules judge it with the purpose
``COLLECTION``: a cease, a dispute, a bankruptcy stay or an attorney stops it, and a refusal is
kept with its reasons, as for every money letter (``services.letters.money``). One notice per
promise or arrangement, ever.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q, Sum
from django.utils import timezone

from arrears.core.compliance import ContactSnapshot, Purpose
from arrears.core.letters import BrokenKind, LetterHead, broken_notice
from arrears.core.ports import DocumentStore, LetterRenderer
from arrears.data.accounts.models import Account
from arrears.data.arrangements.models import (
    Arrangement,
    ArrangementKind,
    ArrangementStatus,
    InstalmentState,
)
from arrears.data.contacts.models import MoneyLetterKind
from arrears.data.ledger.models import Entry
from arrears.data.work.models import Promise, PromiseStatus
from arrears.services.common import Actor, NotFound
from arrears.services.letters.money import (
    Letter,
    LetterOutcome,
    LetterRefused,
    _deliver,
    _Job,
    _reference,
    _sent_on,
)
from arrears.services.work.promises import CASH_KINDS, client_grace_days


def _received(account_id: int, first: date, last: date) -> int:
    """Cash on the account dated from ``first`` to ``last`` (returns taken off), never below 0."""
    total = Entry.objects.filter(
        account_id=account_id, kind__in=CASH_KINDS, effective_on__gte=first, effective_on__lte=last
    ).aggregate(total=Sum("cash_minor"))["total"]
    return max(int(total or 0), 0)


def _owed(account: Account) -> int:
    if account.balance_minor <= 0:
        raise LetterRefused("nothing is owed on the account now", field="account_id")
    return account.balance_minor


def broken_arrangement_notice_send(
    *,
    arrangement_id: int,
    actor: Actor,
    now: datetime,
    store: DocumentStore | None = None,
    renderer: LetterRenderer | None = None,
) -> LetterOutcome:
    """Tell the consumer that a plan or settlement ended because a payment did not come. Refused
    (LetterRefused) when it is not broken or nothing is owed now; once per arrangement."""
    arrangement = (
        Arrangement.objects.select_related("account__client").filter(pk=arrangement_id).first()
    )
    if arrangement is None:
        raise NotFound(f"no arrangement {arrangement_id}", field="arrangement_id")
    if arrangement.status != ArrangementStatus.BROKEN or arrangement.ended_on is None:
        raise LetterRefused(
            f"arrangement {arrangement_id} is {arrangement.status}, not broken",
            field="arrangement_id",
        )
    missed = arrangement.instalments.filter(status=InstalmentState.BROKEN).order_by("seq").first()
    if missed is None:
        raise LetterRefused(
            f"arrangement {arrangement_id} has no missed payment on record", field="arrangement_id"
        )
    account = arrangement.account
    balance = _owed(account)
    ended_on = arrangement.ended_on
    received = _received(account.pk, arrangement.starts_on, ended_on)
    settlement = arrangement.kind == ArrangementKind.SETTLEMENT
    subject = f"arrangement:{arrangement.pk}"

    def build(head: LetterHead, snap: ContactSnapshot) -> Letter:
        return broken_notice(
            head=head, kind=BrokenKind.SETTLEMENT if settlement else BrokenKind.PLAN,
            agreed_on=min(timezone.localdate(arrangement.created_at), missed.due_on),
            missed_on=missed.due_on, missed_minor=missed.amount_minor, received_minor=received,
            ended_on=ended_on, balance_minor=balance, currency=account.currency,
            grace_days=client_grace_days(account.client_id),
            settlement_minor=arrangement.total_minor if settlement else None,
            validation_period_ends_on=snap.validation.period_ends_on,
        )  # fmt: skip

    return _deliver(
        _Job(kind=MoneyLetterKind.BROKEN_NOTICE, subject=subject, account=account,
             reference=_reference("BR", account.pk, subject), sent_on=_sent_on(now), at=now,
             build=build, render=lambda r, letter: r.broken_notice_html(letter),
             purpose=Purpose.COLLECTION),
        actor=actor, now=now, store=store, renderer=renderer,
    )  # fmt: skip


def broken_promise_notice_send(
    *,
    promise_id: int,
    actor: Actor,
    now: datetime,
    store: DocumentStore | None = None,
    renderer: LetterRenderer | None = None,
) -> LetterOutcome:
    """Tell the consumer that the payment they promised did not come. Refused (LetterRefused)
    when the promise is not broken or nothing is owed now; once per promise."""
    promise = Promise.objects.select_related("account__client").filter(pk=promise_id).first()
    if promise is None:
        raise NotFound(f"no promise {promise_id}", field="promise_id")
    if promise.status != PromiseStatus.BROKEN.value or promise.resolved_on is None:
        raise LetterRefused(f"promise {promise_id} is {promise.status}, not broken",
                            field="promise_id")  # fmt: skip
    account = promise.account
    balance = _owed(account)
    made_on = min(timezone.localdate(promise.created_at), promise.due_on)
    # On a promise of several dates, what the earlier dates asked for is not "received" for
    # this one: it paid them.
    earlier = (
        Promise.objects.filter(Q(pk=promise.key) | Q(first_id=promise.key),
                               due_on__lt=promise.due_on)
        .exclude(status=PromiseStatus.CANCELLED.value)
        .aggregate(total=Sum("amount_minor"))["total"] or 0
    )  # fmt: skip
    received = max(_received(account.pk, made_on, promise.resolved_on) - earlier, 0)
    subject = f"promise:{promise.pk}"

    def build(head: LetterHead, snap: ContactSnapshot) -> Letter:
        return broken_notice(
            head=head, kind=BrokenKind.PROMISE, agreed_on=made_on, missed_on=promise.due_on,
            missed_minor=promise.amount_minor, received_minor=received,
            ended_on=promise.resolved_on or promise.due_on, balance_minor=balance,
            currency=account.currency, grace_days=client_grace_days(account.client_id),
            validation_period_ends_on=snap.validation.period_ends_on,
        )  # fmt: skip

    return _deliver(
        _Job(kind=MoneyLetterKind.BROKEN_NOTICE, subject=subject, account=account,
             reference=_reference("BP", account.pk, subject), sent_on=_sent_on(now), at=now,
             build=build, render=lambda r, letter: r.broken_notice_html(letter),
             purpose=Purpose.COLLECTION),
        actor=actor, now=now, store=store, renderer=renderer,
    )  # fmt: skip
