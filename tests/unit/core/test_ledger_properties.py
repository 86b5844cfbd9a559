"""Random operation sequences against a plain, independent model of the ledger."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from arrears.core.ledger import (
    AlreadyReversed,
    Balances,
    Entry,
    EntryKind,
    InvalidAmount,
    Ledger,
    LedgerError,
    NothingOwed,
    parse_waterfall,
    replay,
)

BUCKETS = ("principal", "interest", "fees", "costs")
WATERFALLS = (
    ("fees", "costs", "interest", "principal"),
    ("principal", "interest", "fees", "costs"),
    ("interest", "fees", "principal", "costs"),
)
CASH_KINDS = {EntryKind.PAYMENT, EntryKind.PAYMENT_REVERSAL, EntryKind.REFUND}

amounts = st.integers(min_value=0, max_value=50_000)
signed = st.integers(min_value=-5_000, max_value=5_000)
picks = st.integers(min_value=0, max_value=10**6)


class LedgerAgainstModel(RuleBasedStateMachine):
    """The model: four ints, a waterfall list, and notes on each entry posted."""

    @initialize(order=st.sampled_from(WATERFALLS))
    def start(self, order: tuple[str, ...]) -> None:
        self.order = order
        self.ledger = Ledger(waterfall=parse_waterfall(",".join(order)))
        self.owed = dict.fromkeys(BUCKETS, 0)
        self.kinds: dict[int, str] = {}
        self.changes: dict[int, dict[str, int]] = {}
        self.undone: set[int] = set()
        self.took: dict[int, dict[str, int]] = {}  # payment id -> taken per bucket
        self.given_back: dict[int, dict[str, int]] = {}  # payment id -> refunded per bucket
        self.cash_net = 0
        self.day = date(2026, 1, 1)
        self.seen: tuple[Entry, ...] = ()

    # -- helpers ------------------------------------------------------------

    def posted(self, entry: Entry, kind: str, change: dict[str, int], cash: int = 0) -> None:
        """Check the ledger's entry against the model's expectation, then apply it."""
        assert entry.kind == kind
        assert entry.effective_on == self.day
        assert entry.amounts.as_dict() == change
        assert entry.cash == cash
        assert entry.id not in self.kinds
        event(f"posted {kind}")
        for bucket in BUCKETS:
            self.owed[bucket] += change[bucket]
        self.kinds[entry.id] = kind
        self.changes[entry.id] = change
        self.cash_net += cash

    def refused(self, error: type[Exception], call, *args) -> None:  # type: ignore[no-untyped-def]
        before = self.ledger.entries
        balances = self.ledger.balances()
        with pytest.raises(error) as caught:
            call(*args)
        assert type(caught.value) is error
        event(f"refused {call.__name__}: {error.__name__}")
        assert self.ledger.entries == before
        assert self.ledger.balances() == balances

    def pick(self, n: int) -> int | None:
        ids = sorted(self.kinds)
        return ids[n % len(ids)] if ids else None

    def pick_payment(self, n: int) -> int | None:
        """Mostly a payment, sometimes (n % 5 == 0) any entry."""
        payments = sorted(self.took)
        if n % 5 == 0 or not payments:
            return self.pick(n)
        return payments[n % len(payments)]

    # -- operations ---------------------------------------------------------

    @rule(days=st.integers(min_value=1, max_value=40))
    def time_passes(self, days: int) -> None:
        self.day += timedelta(days=days)

    @rule(principal=amounts, interest=amounts, fees=amounts, costs=amounts)
    def place(self, principal: int, interest: int, fees: int, costs: int) -> None:
        change = {"principal": principal, "interest": interest, "fees": fees, "costs": costs}
        placed = Balances(**change)
        if sum(change.values()) == 0:
            self.refused(InvalidAmount, self.ledger.place, placed, self.day)
            return
        self.posted(self.ledger.place(placed, self.day), "placement", change)

    @rule(
        what=st.sampled_from(
            [
                ("charge_interest", "interest", "interest"),
                ("charge_fee", "fee", "fees"),
                ("charge_cost", "charge", "costs"),
            ]
        ),
        amount=st.integers(min_value=-100, max_value=20_000),
    )
    def charge(self, what: tuple[str, str, str], amount: int) -> None:
        method, kind, bucket = what
        call = getattr(self.ledger, method)
        if amount <= 0:
            self.refused(InvalidAmount, call, amount, self.day)
            return
        change = dict.fromkeys(BUCKETS, 0)
        change[bucket] = amount
        self.posted(call(amount, self.day), kind, change)

    @rule(amount=st.integers(min_value=-100, max_value=150_000))
    def pay(self, amount: int) -> None:
        if amount <= 0:
            self.refused(InvalidAmount, self.ledger.pay, amount, self.day)
            return
        change = dict.fromkeys(BUCKETS, 0)
        left = amount
        for bucket in self.order:
            take = min(left, max(self.owed[bucket], 0))
            change[bucket] = -take
            left -= take
        applied = amount - left
        if applied == 0:
            self.refused(NothingOwed, self.ledger.pay, amount, self.day)
            return
        entry, unapplied = self.ledger.pay(amount, self.day)
        assert unapplied == left
        assert -entry.amounts.total + unapplied == amount  # applied + unapplied == amount
        self.posted(entry, "payment", change, cash=applied)
        self.took[entry.id] = {bucket: -change[bucket] for bucket in BUCKETS}
        self.given_back[entry.id] = dict.fromkeys(BUCKETS, 0)

    @rule(n=picks)
    def reverse_payment(self, n: int) -> None:
        target = self.pick_payment(n)
        if target is None:
            return
        call = self.ledger.reverse_payment
        if self.kinds[target] != "payment":
            self.refused(LedgerError, call, target, self.day)
        elif target in self.undone or any(self.given_back[target].values()):
            self.refused(AlreadyReversed, call, target, self.day)
        else:
            before = self.ledger.balances()
            change = {bucket: -self.changes[target][bucket] for bucket in BUCKETS}
            entry = call(target, self.day)
            assert entry.reverses == target
            self.posted(entry, "payment_reversal", change, cash=-sum(self.took[target].values()))
            self.undone.add(target)
            assert self.ledger.balances() == before - self.ledger.entries[target - 1].amounts

    @rule(n=picks, amount=st.integers(min_value=-10, max_value=60_000), whole=st.booleans())
    def refund(self, n: int, amount: int, whole: bool) -> None:
        target = self.pick_payment(n)
        if target is None:
            return
        call = self.ledger.refund
        if self.kinds[target] != "payment":
            self.refused(LedgerError, call, target, amount, self.day)
            return
        if target in self.undone:
            self.refused(AlreadyReversed, call, target, amount, self.day)
            return
        left_per_bucket = {
            bucket: self.took[target][bucket] - self.given_back[target][bucket]
            for bucket in BUCKETS
        }
        left = sum(left_per_bucket.values())
        if whole and left > 0:
            amount = left
        if amount <= 0:
            self.refused(InvalidAmount, call, target, amount, self.day)
        elif left == 0:
            self.refused(AlreadyReversed, call, target, amount, self.day)
        elif amount > left:
            self.refused(InvalidAmount, call, target, amount, self.day)
        else:
            change = dict.fromkeys(BUCKETS, 0)
            remaining = amount
            for bucket in reversed(self.order):
                give = min(remaining, left_per_bucket[bucket])
                change[bucket] = give
                remaining -= give
            entry = call(target, amount, self.day)
            assert entry.reverses == target
            self.posted(entry, "refund", change, cash=-amount)
            for bucket in BUCKETS:
                self.given_back[target][bucket] += change[bucket]
            assert self.ledger.refundable(target) == left - amount

    @rule(principal=signed, interest=signed, fees=signed, costs=signed)
    def adjust(self, principal: int, interest: int, fees: int, costs: int) -> None:
        change = {"principal": principal, "interest": interest, "fees": fees, "costs": costs}
        adjustment = Balances(**change)
        if not any(change.values()):
            self.refused(InvalidAmount, self.ledger.adjust, adjustment, self.day)
        elif any(change[b] < 0 and self.owed[b] + change[b] < 0 for b in BUCKETS):
            self.refused(LedgerError, self.ledger.adjust, adjustment, self.day)
        else:
            self.posted(self.ledger.adjust(adjustment, self.day), "adjustment", change)

    @rule(n=picks)
    def reverse(self, n: int) -> None:
        target = self.pick(n)
        if target is None:
            return
        kind = self.kinds[target]
        if kind in ("payment", "payment_reversal", "refund", "reversal"):
            self.refused(LedgerError, self.ledger.reverse, target, self.day)
        elif target in self.undone:
            self.refused(AlreadyReversed, self.ledger.reverse, target, self.day)
        else:
            before = self.ledger.balances()
            change = {bucket: -self.changes[target][bucket] for bucket in BUCKETS}
            entry = self.ledger.reverse(target, self.day)
            assert entry.reverses == target
            self.posted(entry, "reversal", change)
            self.undone.add(target)
            # Reversing restores exactly the bucket balances the entry changed.
            target_entry = self.ledger.entries[[e.id for e in self.ledger.entries].index(target)]
            assert self.ledger.balances() == before - target_entry.amounts

    @rule(
        what=st.sampled_from(
            [("settle", "settlement_writedown"), ("write_off", "write_off"), ("recall", "recall")]
        )
    )
    def write_down(self, what: tuple[str, str]) -> None:
        method, kind = what
        call = getattr(self.ledger, method)
        change = {bucket: -max(self.owed[bucket], 0) for bucket in BUCKETS}
        if not any(change.values()):
            self.refused(NothingOwed, call, self.day)
            return
        self.posted(call(self.day), kind, change)
        assert all(self.ledger.balances().get(b) <= 0 for b in self.ledger.waterfall)

    # -- invariants ---------------------------------------------------------

    @invariant()
    def buckets_match_the_model(self) -> None:
        assert self.ledger.balances().as_dict() == self.owed

    @invariant()
    def balances_are_the_sum_of_entries(self) -> None:
        entries = self.ledger.entries
        assert replay(entries) == self.ledger.balances()
        if entries:
            assert self.ledger.balances_through(entries[-1].id) == self.ledger.balances()

    @invariant()
    def entries_only_grow(self) -> None:
        entries = self.ledger.entries
        assert entries[: len(self.seen)] == self.seen
        assert [e.id for e in entries] == list(range(1, len(entries) + 1))
        self.seen = entries

    @invariant()
    def no_cent_is_created_or_lost(self) -> None:
        entries = self.ledger.entries
        for entry in entries:
            if entry.kind in CASH_KINDS:
                # Cash in equals debt paid down; cash out equals debt put back.
                assert entry.cash == -entry.amounts.total
            else:
                assert entry.cash == 0
        assert sum(entry.cash for entry in entries) == self.cash_net
        for payment_id, took in self.took.items():
            refunded = sum(self.given_back[payment_id].values())
            assert 0 <= refunded <= sum(took.values())
            assert self.ledger.refundable(payment_id) == (
                0 if payment_id in self.undone else sum(took.values()) - refunded
            )


LedgerAgainstModel.TestCase.settings = settings(
    max_examples=2000,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLedgerAgainstModel = LedgerAgainstModel.TestCase
