"""An in-memory account ledger that enforces the posting rules.

Services load an account's entries into a Ledger, call one operation to get the
new entry (or a refusal), and persist it. Tests use it as the reference model.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from arrears.core.ledger.balances import Balances, Bucket
from arrears.core.ledger.entries import REVERSING_KINDS, Entry, EntryKind
from arrears.core.ledger.errors import AlreadyReversed, InvalidAmount, LedgerError, NothingOwed
from arrears.core.ledger.waterfall import DEFAULT_WATERFALL, allocate_payment, check_waterfall
from arrears.core.money import minor_exponent


def _positive(amount: int, what: str) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"{what} must be an int, not {type(amount).__name__}")
    if amount <= 0:
        raise InvalidAmount(f"{what} must be positive, got {amount}")
    return amount


def _check_date(on: object) -> None:
    if isinstance(on, datetime) or not isinstance(on, date):
        raise TypeError(f"effective date must be a date, not {type(on).__name__}")


class Ledger:
    """One account's entries in one currency, amounts in integer minor units.

    Entries are only ever appended; a mistake is corrected by a reversing entry.
    Every operation either returns the entry it posted or raises a LedgerError
    and posts nothing.

    Rules:
    - place/charge_*: amounts must be positive.
    - pay: applied by the waterfall; the entry's cash is the amount applied,
      the unapplied remainder is returned for the caller to deal with. Paying
      when nothing is owed raises NothingOwed.
    - reverse_payment undoes a whole payment; refund gives back part or all of
      one. A payment is reversed at most once and not after any refund.
    - reverse undoes any other entry exactly, once. Reversals, payment reversals
      and refunds cannot themselves be reversed.
    - adjust may not take a bucket below zero. reverse may (e.g. reversing a
      placement that was partly paid leaves a negative bucket: a credit).
    - settle/write_off/recall write every positive bucket down to zero.
    - A reversing entry cannot be effective before the entry it undoes.
    """

    def __init__(
        self,
        currency: str = "USD",
        waterfall: Iterable[Bucket] = DEFAULT_WATERFALL,
        entries: Iterable[Entry] = (),
    ) -> None:
        minor_exponent(currency)
        self.currency = currency
        self.waterfall: tuple[Bucket, ...] = check_waterfall(tuple(waterfall))
        self._entries: list[Entry] = []
        self._by_id: dict[int, Entry] = {}
        self._balances = Balances.ZERO
        self._reversed: set[int] = set()
        self._refunded: dict[int, Balances] = {}
        for entry in entries:
            self._load(entry)

    # -- reading ------------------------------------------------------------

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(self._entries)

    @property
    def next_id(self) -> int:
        """The id the next posted entry will get (ids only increase)."""
        return self._entries[-1].id + 1 if self._entries else 1

    def balances(self) -> Balances:
        return self._balances

    def balances_through(self, entry_id: int) -> Balances:
        """Balances after the entry `entry_id` and every entry before it."""
        self.get(entry_id)
        total = Balances.ZERO
        for entry in self._entries:
            if entry.id > entry_id:
                break
            total += entry.amounts
        return total

    def get(self, entry_id: int) -> Entry:
        try:
            return self._by_id[entry_id]
        except KeyError:
            raise LedgerError(f"no entry #{entry_id} in this ledger") from None

    def is_reversed(self, entry_id: int) -> bool:
        """True if the entry has been reversed (for a payment: payment-reversed)."""
        return entry_id in self._reversed

    def refundable(self, payment_id: int) -> int:
        """How much of the payment can still be refunded."""
        payment = self._payment(payment_id)
        if payment.id in self._reversed:
            return 0
        return -payment.amounts.total - self._refunded.get(payment.id, Balances.ZERO).total

    # -- charges ------------------------------------------------------------

    def place(self, amounts: Balances, on: date) -> Entry:
        """Post what the client placed: every bucket >= 0, total > 0."""
        if any(value < 0 for value in amounts.as_dict().values()) or amounts.total <= 0:
            raise InvalidAmount(f"a placement needs amounts >= 0 and a positive total: {amounts}")
        return self._post(EntryKind.PLACEMENT, on, amounts)

    def charge_interest(self, minor: int, on: date) -> Entry:
        return self._post(EntryKind.INTEREST, on, Balances(interest=_positive(minor, "interest")))

    def credit_interest(self, minor: int, on: date) -> Entry:
        """Give back interest posted for days a back-dated payment had already paid for."""
        return self._post(EntryKind.INTEREST, on, Balances(interest=-_positive(minor, "credit")))

    def charge_fee(self, minor: int, on: date) -> Entry:
        return self._post(EntryKind.FEE, on, Balances(fees=_positive(minor, "fee")))

    def charge_cost(self, minor: int, on: date) -> Entry:
        return self._post(EntryKind.CHARGE, on, Balances(costs=_positive(minor, "cost")))

    # -- money in and out ---------------------------------------------------

    def pay(self, amount: int, on: date) -> tuple[Entry, int]:
        """Apply a payment; returns the entry and the unapplied remainder (>= 0)."""
        _check_date(on)
        reduction, unapplied = allocate_payment(
            self._balances, _positive(amount, "payment"), self.waterfall
        )
        if reduction.is_zero():
            raise NothingOwed(f"nothing is owed; payment of {amount} not posted")
        entry = self._post(EntryKind.PAYMENT, on, reduction, cash=amount - unapplied)
        return entry, unapplied

    def reverse_payment(self, payment_id: int, on: date) -> Entry:
        """Undo a whole payment (e.g. a returned check): owed comes back, cash goes out."""
        payment = self._payment(payment_id)
        self._check_reversible(payment, on)
        if payment.id in self._refunded:
            raise AlreadyReversed(f"payment #{payment_id} was partly refunded; refund the rest")
        return self._post(
            EntryKind.PAYMENT_REVERSAL,
            on,
            -payment.amounts,
            reverses=payment.id,
            cash=-payment.cash,
        )

    def refund(self, payment_id: int, amount: int, on: date) -> Entry:
        """Give back `amount` of a payment, restoring owed in reverse waterfall order.

        Each bucket gets back at most what this payment took from it, less
        earlier refunds of the same payment.
        """
        payment = self._payment(payment_id)
        self._check_reversible(payment, on)
        _positive(amount, "refund")
        already = self._refunded.get(payment.id, Balances.ZERO)
        remaining = -payment.amounts - already
        if remaining.total <= 0:
            raise AlreadyReversed(f"payment #{payment_id} is fully refunded")
        if amount > remaining.total:
            raise InvalidAmount(
                f"refund of {amount} exceeds the {remaining.total} left of payment #{payment_id}"
            )
        restored = Balances.ZERO
        left = amount
        for bucket in reversed(self.waterfall):
            give = min(left, remaining.get(bucket))
            if give > 0:
                restored = restored.with_bucket(bucket, give)
                left -= give
        return self._post(EntryKind.REFUND, on, restored, reverses=payment.id, cash=-amount)

    # -- corrections --------------------------------------------------------

    def adjust(self, amounts: Balances, on: date) -> Entry:
        """Post a signed correction; no bucket may be taken below zero."""
        if amounts.is_zero():
            raise InvalidAmount("an adjustment must change at least one bucket")
        after = self._balances + amounts
        for bucket in Bucket:
            if amounts.get(bucket) < 0 and after.get(bucket) < 0:
                raise LedgerError(
                    f"adjustment would take {bucket} below zero ({after.get(bucket)})"
                )
        return self._post(EntryKind.ADJUSTMENT, on, amounts)

    def reverse(self, entry_id: int, on: date) -> Entry:
        """Undo a non-payment entry exactly (payments: reverse_payment or refund)."""
        entry = self.get(entry_id)
        if entry.kind is EntryKind.PAYMENT:
            raise LedgerError(f"entry #{entry_id} is a payment; use reverse_payment or refund")
        self._check_reversible(entry, on)
        return self._post(
            EntryKind.REVERSAL, on, -entry.amounts, reverses=entry.id, cash=-entry.cash
        )

    def settle(self, on: date) -> Entry:
        """Write every positive bucket down to zero as a settlement write-down."""
        return self._zero(EntryKind.SETTLEMENT_WRITEDOWN, on)

    def write_off(self, on: date) -> Entry:
        return self._zero(EntryKind.WRITE_OFF, on)

    def recall(self, on: date) -> Entry:
        """Zero the account because the client took it back."""
        return self._zero(EntryKind.RECALL, on)

    # -- internals ----------------------------------------------------------

    def _zero(self, kind: EntryKind, on: date) -> Entry:
        owed = self._balances
        writedown = Balances(
            -max(owed.principal, 0),
            -max(owed.interest, 0),
            -max(owed.fees, 0),
            -max(owed.costs, 0),
        )
        if writedown.is_zero():
            raise NothingOwed(f"nothing is owed; no {kind} posted")
        return self._post(kind, on, writedown)

    def _payment(self, payment_id: int) -> Entry:
        entry = self.get(payment_id)
        if entry.kind is not EntryKind.PAYMENT:
            raise LedgerError(f"entry #{payment_id} is a {entry.kind}, not a payment")
        return entry

    def _check_reversible(self, entry: Entry, on: date) -> None:
        _check_date(on)
        if entry.kind in REVERSING_KINDS:
            raise LedgerError(f"entry #{entry.id} is a {entry.kind} and cannot be reversed")
        if entry.id in self._reversed:
            raise AlreadyReversed(f"entry #{entry.id} is already reversed")
        if on < entry.effective_on:
            raise LedgerError(
                f"cannot undo entry #{entry.id} of {entry.effective_on} with effect on {on}"
            )

    def _post(
        self,
        kind: EntryKind,
        on: date,
        amounts: Balances,
        *,
        reverses: int | None = None,
        cash: int = 0,
    ) -> Entry:
        _check_date(on)
        entry = Entry(
            id=self.next_id,
            kind=kind,
            effective_on=on,
            amounts=amounts,
            reverses=reverses,
            cash=cash,
        )
        self._record(entry)
        return entry

    def _load(self, entry: Entry) -> None:
        if self._entries and entry.id <= self._entries[-1].id:
            raise LedgerError(f"entry ids must increase: #{entry.id} after #{self._entries[-1].id}")
        if entry.kind in REVERSING_KINDS and (
            entry.reverses is None or entry.reverses not in self._by_id
        ):
            raise LedgerError(f"entry #{entry.id} reverses unknown entry #{entry.reverses}")
        self._record(entry)

    def _record(self, entry: Entry) -> None:
        self._entries.append(entry)
        self._by_id[entry.id] = entry
        self._balances += entry.amounts
        if entry.kind is EntryKind.REFUND:
            assert entry.reverses is not None
            target = entry.reverses
            self._refunded[target] = self._refunded.get(target, Balances.ZERO) + entry.amounts
        elif entry.kind in REVERSING_KINDS:
            assert entry.reverses is not None
            self._reversed.add(entry.reverses)
