"""Ledger use cases on one account: payments, reversals, refunds, fees, adjustments, recall.

Each operation locks the account row, rebuilds the account's ledger from its entries, lets
``core.ledger`` decide the new entry (so the rules live in one place), appends it, refreshes the
cached balances from the entries and records an audit event, all in one transaction.
Interest is brought up to date before any entry that changes principal, and the accrual segment
is closed on that date, so interest stays exact however often it is accrued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from arrears.core import interest as core_interest
from arrears.core import ledger as core_ledger
from arrears.core.ledger import Balances, LedgerError
from arrears.data.accounts.models import Account, AccountStatus, Hold, HoldKind
from arrears.data.clients.models import InterestPolicy
from arrears.data.ledger.models import Entry
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.compliance.operations import contactability_refresh
from arrears.services.strategies.routing import accounts_reroute

CLOSED_STATUSES = {AccountStatus.RECALLED, AccountStatus.CLOSED}


class LedgerRefused(ServiceError):
    code = "ledger_refused"


@dataclass(frozen=True)
class PostResult:
    entry_id: int
    applied_minor: int
    unapplied_minor: int
    balances: Balances


def to_core(entry: Entry) -> core_ledger.Entry:
    return core_ledger.Entry(
        id=entry.pk,
        kind=core_ledger.EntryKind(entry.kind),
        effective_on=entry.effective_on,
        amounts=Balances(
            principal=entry.principal_minor,
            interest=entry.interest_minor,
            fees=entry.fees_minor,
            costs=entry.costs_minor,
        ),
        reverses=entry.reverses_id,
        cash=entry.cash_minor,
    )


def account_ledger(account: Account) -> core_ledger.Ledger:
    waterfall = core_ledger.parse_waterfall(account.client.waterfall)
    entries = [to_core(e) for e in Entry.objects.filter(account=account).order_by("id")]
    return core_ledger.Ledger(currency=account.currency, waterfall=waterfall, entries=entries)


def interest_terms(account: Account) -> core_interest.InterestTerms | None:
    """The terms interest accrues under, or None when it may not accrue on this account."""
    client = account.client
    if not account.interest_rate_ppm or client.interest_policy != InterestPolicy.CONTRACT:
        return None
    if account.charge_off_date is not None and not client.accrue_after_charge_off:
        return None
    if account.accrual_segment_start is None:
        return None
    return core_interest.InterestTerms(
        rate_ppm=account.interest_rate_ppm,
        day_count=core_interest.DayCount(account.interest_day_count),
        cap_rate_ppm=client.rate_cap_ppm,
    )


def accrual_state(account: Account) -> core_interest.AccrualState:
    assert account.accrual_segment_start is not None
    return core_interest.AccrualState(
        segment_start=account.accrual_segment_start,
        closed_numerator=account.accrual_closed_numerator,
        accrued_through=account.accrued_through,
        posted_minor=account.interest_accrued_minor,
    )


def _store_accrual(account: Account, state: core_interest.AccrualState) -> None:
    account.accrual_segment_start = state.segment_start
    account.accrual_closed_numerator = state.closed_numerator
    account.accrued_through = state.accrued_through
    account.interest_accrued_minor = state.posted_minor


def _lock(account_id: int) -> Account:
    account = (
        Account.objects.select_for_update().select_related("client").filter(pk=account_id).first()
    )
    if account is None:
        raise NotFound(f"no account {account_id}", field="account_id")
    return account


def _append(
    account: Account,
    ledger: core_ledger.Ledger,
    new: core_ledger.Entry,
    *,
    actor: Actor,
    now: datetime,
    source: str,
    memo: str = "",
    idempotency_key: str | None = None,
    payment_id: int | None = None,
) -> Entry:
    row = Entry.objects.create(
        account=account,
        kind=new.kind.value,
        effective_on=new.effective_on,
        posted_at=now,
        currency=account.currency,
        principal_minor=new.amounts.principal,
        interest_minor=new.amounts.interest,
        fees_minor=new.amounts.fees,
        costs_minor=new.amounts.costs,
        cash_minor=new.cash,
        reverses_id=new.reverses,
        payment_id=payment_id,
        idempotency_key=idempotency_key,
        source=source[:60],
        memo=memo[:200],
        actor_id=actor.user_id,
    )
    balances = ledger.balances()
    account.principal_minor = balances.principal
    account.interest_minor = balances.interest
    account.fees_minor = balances.fees
    account.costs_minor = balances.costs
    account.balance_minor = balances.total
    account.balance_through_entry_id = row.pk
    return row


def _bring_interest_to(
    account: Account, ledger: core_ledger.Ledger, on: date, *, actor: Actor, now: datetime
) -> core_interest.InterestTerms | None:
    """Accrue interest up to ``on`` (posting it) before principal changes on that date."""
    terms = interest_terms(account)
    if terms is None:
        return None
    state = accrual_state(account)
    if state.accrued_through is not None and on < state.accrued_through:
        raise LedgerRefused(
            f"interest is accrued through {state.accrued_through.isoformat()}; an entry dated "
            f"{on.isoformat()} would change principal in an accrued period",
            field="on",
        )
    if state.accrued_through is None or on > state.accrued_through:
        result = core_interest.accrue(
            state, principal_minor=account.principal_minor, terms=terms, as_of=on
        )
        _store_accrual(account, result.state)
        if result.post_minor > 0:
            new = ledger.charge_interest(result.post_minor, on)
            _append(
                account, ledger, new, actor=actor, now=now, source="accrual",
                idempotency_key=f"accrual:{account.pk}:{on.isoformat()}",
            )  # fmt: skip
    return terms


def _close_segment(
    account: Account, terms: core_interest.InterestTerms | None, principal_before: int, on: date
) -> None:
    if terms is None or account.principal_minor == principal_before:
        return
    state = core_interest.close_segment(
        accrual_state(account), principal_minor=principal_before, terms=terms, on=on
    )
    _store_accrual(account, state)


def _cached(account: Account) -> Balances:
    return Balances(
        principal=account.principal_minor,
        interest=account.interest_minor,
        fees=account.fees_minor,
        costs=account.costs_minor,
    )


def payment_reverse(
    *, entry_id: int, on: date, reason: str, actor: Actor, now: datetime | None = None
) -> PostResult:
    """A returned or bounced payment (NSF): the payment's allocation is undone exactly."""
    return _reverse(entry_id=entry_id, on=on, reason=reason, actor=actor, now=now, payment=True)


def charge_post(
    *,
    account_id: int,
    kind: str,
    amount_minor: int,
    on: date,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> PostResult:
    """A fee (``fee``) or a cost such as court costs (``charge``) the terms allow."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _lock(account_id)
        if account.status in CLOSED_STATUSES:
            raise LedgerRefused(f"account is {account.status}; nothing can be charged")
        ledger = account_ledger(account)
        try:
            if kind == "fee":
                new = ledger.charge_fee(amount_minor, on)
            elif kind == "charge":
                new = ledger.charge_cost(amount_minor, on)
            else:
                raise LedgerRefused("kind must be 'fee' or 'charge'", field="kind")
        except LedgerError as exc:
            raise LedgerRefused(str(exc), field="amount") from exc
        row = _append(account, ledger, new, actor=actor, now=now, source="manual", memo=reason)
        account.save()
        audit_record(
            actor=actor, event=f"{kind}.posted", account_id=account.pk, at=now,
            details={"entry": row.pk, "amount_minor": amount_minor, "reason": reason},
        )  # fmt: skip
        return PostResult(row.pk, 0, 0, ledger.balances())


def adjustment_post(
    *, account_id: int, amounts: Balances, on: date, reason: str, actor: Actor,
    now: datetime | None = None,
) -> PostResult:  # fmt: skip
    """A signed correction to the buckets (no bucket taken below zero). Who may post one, and
    up to what size, is decided by ``services.arrangements.authority`` before this is called."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _lock(account_id)
        if account.status in CLOSED_STATUSES:
            raise LedgerRefused(f"account is {account.status}; nothing can be adjusted")
        ledger = account_ledger(account)
        terms = (
            _bring_interest_to(account, ledger, on, actor=actor, now=now)
            if amounts.principal
            else None
        )
        before = account.principal_minor
        try:
            new = ledger.adjust(amounts, on)
        except LedgerError as exc:
            raise LedgerRefused(str(exc), field="amounts") from exc
        row = _append(account, ledger, new, actor=actor, now=now, source="manual", memo=reason)
        _close_segment(account, terms, before, on)
        account.save()
        audit_record(
            actor=actor, event="adjustment.posted", account_id=account.pk, at=now,
            details={"entry": row.pk, "amounts": amounts.as_dict(), "reason": reason},
        )  # fmt: skip
        return PostResult(row.pk, 0, 0, ledger.balances())


def balance_write_down(
    *, account_id: int, kind: str, on: date, reason: str, actor: Actor,
    now: datetime | None = None,
) -> PostResult:  # fmt: skip
    """Write every bucket down to zero: ``write_off`` (the account is closed) or ``settlement``
    (the consumer paid what was agreed; the account is settled)."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _lock(account_id)
        if account.status in CLOSED_STATUSES:
            raise LedgerRefused(f"account is {account.status}; nothing can be written down")
        ledger = account_ledger(account)
        terms = _bring_interest_to(account, ledger, on, actor=actor, now=now)
        before = account.principal_minor
        try:
            new = ledger.settle(on) if kind == "settlement" else ledger.write_off(on)
        except LedgerError as exc:
            raise LedgerRefused(str(exc), field="account_id") from exc
        row = _append(account, ledger, new, actor=actor, now=now, source=kind, memo=reason)
        _close_segment(account, terms, before, on)
        account.status = AccountStatus.SETTLED if kind == "settlement" else AccountStatus.CLOSED
        account.status_reason = reason[:200]
        account.status_changed_on = on
        account.save()
        audit_record(
            actor=actor, event=f"{kind}.written_down", account_id=account.pk, at=now,
            details={"entry": row.pk, "amounts": new.amounts.as_dict(), "reason": reason},
        )  # fmt: skip
        return PostResult(row.pk, 0, 0, ledger.balances())


def entry_reverse(
    *, entry_id: int, on: date, reason: str, actor: Actor, now: datetime | None = None
) -> PostResult:
    """Correct a posting other than a payment by a reversing entry (never by editing it)."""
    return _reverse(entry_id=entry_id, on=on, reason=reason, actor=actor, now=now, payment=False)


def _reverse(
    *, entry_id: int, on: date, reason: str, actor: Actor, now: datetime | None, payment: bool
) -> PostResult:
    now = now or timezone.now()
    with transaction.atomic():
        original = Entry.objects.filter(pk=entry_id).first()
        if original is None:
            raise NotFound(f"no entry {entry_id}", field="entry_id")
        account = _lock(original.account_id)
        ledger = account_ledger(account)
        terms = (
            _bring_interest_to(account, ledger, on, actor=actor, now=now)
            if original.principal_minor
            else None
        )
        before = account.principal_minor
        try:
            new = ledger.reverse_payment(entry_id, on) if payment else ledger.reverse(entry_id, on)
        except LedgerError as exc:
            raise LedgerRefused(str(exc), field="entry_id") from exc
        row = _append(account, ledger, new, actor=actor, now=now, source="reversal", memo=reason)
        _close_segment(account, terms, before, on)
        if payment and account.status == AccountStatus.PAID and account.balance_minor > 0:
            account.status = AccountStatus.ACTIVE
            account.status_reason = "payment reversed"
            account.status_changed_on = on
        account.save()
        audit_record(
            actor=actor,
            event="payment.reversed" if payment else "entry.reversed",
            account_id=account.pk,
            at=now,
            details={"entry": row.pk, "reverses": entry_id, "reason": reason},
        )
        return PostResult(row.pk, 0, 0, ledger.balances())


def account_recall(
    *, account_id: int, on: date, reason: str, actor: Actor, now: datetime | None = None
) -> bool:
    """The client takes the account back. Returns False when it was already recalled."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _lock(account_id)
        if account.status == AccountStatus.RECALLED:
            return False
        ledger = account_ledger(account)
        entry_id = None
        owed = ledger.balances()
        if any(amount > 0 for amount in owed.as_dict().values()):
            new = ledger.recall(on)
            entry_id = _append(
                account, ledger, new, actor=actor, now=now, source="recall", memo=reason
            ).pk
        account.status = AccountStatus.RECALLED
        account.status_reason = reason[:200] or "recalled by client"
        account.status_changed_on = on
        account.save()
        audit_record(
            actor=actor, event="account.recalled", account_id=account.pk, at=now,
            details={"entry": entry_id, "reason": reason},
        )  # fmt: skip
        return True


def hold_add(
    *,
    account_id: int,
    kind: str,
    starts_on: date,
    source: str,
    actor: Actor,
    ends_on: date | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Hold:
    """Restrict collection for a reason (holds may overlap; each is a half-open period)."""
    now = now or timezone.now()
    if kind not in HoldKind.values:
        raise ServiceError(f"hold kind must be one of {', '.join(HoldKind.values)}", field="kind")
    if ends_on is not None and ends_on <= starts_on:
        raise ServiceError("a hold must end after it starts", field="ends_on")
    if not source.strip():
        raise ServiceError("say who or what raised the hold", field="source")
    with transaction.atomic():
        account = _lock(account_id)
        hold = Hold.objects.create(
            account=account, kind=kind, starts_on=starts_on, ends_on=ends_on,
            source=source[:200], reason=reason, created_by_id=actor.user_id,
        )  # fmt: skip
        audit_record(
            actor=actor, event="hold.added", account_id=account.pk, at=now,
            details={"hold": hold.pk, "kind": kind, "starts_on": starts_on.isoformat(),
                     "ends_on": ends_on.isoformat() if ends_on else None, "source": source},
        )  # fmt: skip
        contactability_refresh([account.pk], at=now)
        accounts_reroute([account.pk], as_of=timezone.localdate(now), now=now)
        return hold


def hold_end(*, hold_id: int, ends_on: date, actor: Actor, now: datetime | None = None) -> Hold:
    now = now or timezone.now()
    with transaction.atomic():
        hold = Hold.objects.select_for_update().filter(pk=hold_id).first()
        if hold is None:
            raise NotFound(f"no hold {hold_id}", field="hold_id")
        if ends_on <= hold.starts_on:
            raise ServiceError("a hold must end after it starts", field="ends_on")
        if hold.ends_on is not None and hold.ends_on <= ends_on:
            return hold
        hold.ends_on = ends_on
        hold.save(update_fields=["ends_on"])
        audit_record(
            actor=actor, event="hold.ended", account_id=hold.account_id, at=now,
            details={"hold": hold.pk, "ends_on": ends_on.isoformat()},
        )  # fmt: skip
        contactability_refresh([hold.account_id], at=now)
        accounts_reroute([hold.account_id], as_of=timezone.localdate(now), now=now)
        return hold
