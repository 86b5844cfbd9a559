"""Shared by the card payment, refund and sweep tests: a gateway that records what it was asked
and answers as told (else as the offline fake does, remembering what it did), and a snapshot of
everything money touches."""

from __future__ import annotations

from datetime import date, timedelta

from arrears.adapters.cards.fake import FakeGateway
from arrears.core.cards import ChargeRequest, ChargeResult, RefundRequest, RefundResult
from arrears.data.accounts.models import Account, AccountParty
from arrears.data.ledger.models import Entry
from arrears.data.parties.models import ContactPoint
from arrears.data.payments.models import CardCharge, Payment


class SpyGateway:
    """Answers with the queued results first, then as the fake would; raises a queued
    exception. Keeps every request and every look-up. ``fake`` is the offline gateway behind it
    (its ``answers_to_lose`` and ``reachable`` play an answer lost and an outage)."""

    name = "fake"

    def __init__(
        self,
        charges: list[ChargeResult | Exception] | None = None,
        refunds: list[RefundResult | Exception] | None = None,
        lookups: list[ChargeResult | RefundResult | Exception | None] | None = None,
        lookup_lag: timedelta = timedelta(0),
    ) -> None:
        self.charges: list[ChargeRequest] = []
        self.refunds: list[RefundRequest] = []
        self.lookups: list[str] = []  # the keys looked up
        self.lookup_lag = lookup_lag
        self._charge_answers = list(charges or [])
        self._refund_answers = list(refunds or [])
        self._lookup_answers = list(lookups or [])
        self.fake = FakeGateway()

    def charge(self, request: ChargeRequest) -> ChargeResult:
        self.charges.append(request)
        if self._charge_answers:
            answer = self._charge_answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return self.fake.charge(request)

    def refund(self, request: RefundRequest) -> RefundResult:
        self.refunds.append(request)
        if self._refund_answers:
            answer = self._refund_answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return self.fake.refund(request)

    def charge_status(self, idempotency_key: str) -> ChargeResult | None:
        self.lookups.append(idempotency_key)
        if self._lookup_answers:
            return self._queued(ChargeResult)
        return self.fake.charge_status(idempotency_key)

    def refund_status(self, reference: str, idempotency_key: str) -> RefundResult | None:
        self.lookups.append(idempotency_key)
        if self._lookup_answers:
            return self._queued(RefundResult)
        return self.fake.refund_status(reference, idempotency_key)

    def _queued[T](self, kind: type[T]) -> T | None:
        answer = self._lookup_answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert answer is None or isinstance(answer, kind), answer
        return answer


def books() -> tuple[object, ...]:
    """Everything taking or giving back money may change, but the record of attempts."""
    entries = list(Entry.objects.order_by("id").values_list(
        "id", "account_id", "kind", "principal_minor", "interest_minor", "fees_minor",
        "costs_minor", "cash_minor", "payment_id", "reverses_id",
    ))  # fmt: skip
    payments = list(Payment.objects.order_by("id").values_list(
        "id", "reference", "account_id", "amount_minor", "applied_minor", "unapplied_minor",
        "unapplied_reason", "refunded_minor", "returned_on",
    ))  # fmt: skip
    accounts = list(Account.objects.order_by("id").values_list(
        "id", "principal_minor", "interest_minor", "fees_minor", "costs_minor", "balance_minor",
        "status", "last_payment_date", "balance_through_entry_id",
    ))  # fmt: skip
    charges = list(CardCharge.objects.order_by("id").values_list("id", "state", "payment_id"))
    return entries, payments, accounts, charges


def live_in(account: Account, state: str, zip_code: str, city: str) -> Account:
    """Give the account's consumer an address in ``state``."""
    party_id = AccountParty.objects.get(account=account).party_id
    ContactPoint.objects.create(party_id=party_id, kind="address", address1="1 Main St",
                                city=city, state=state, zip=zip_code,
                                valid_from=date(2026, 1, 1), value_index=f"addr{account.pk}")  # fmt: skip
    return account
