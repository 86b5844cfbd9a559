"""The card sweep: card charges and refunds left without an answer, looked up at the gateway
and settled (ADR 22, "Unanswered attempts").

A charge is recorded ``pending`` and committed before the gateway is asked, outside any lock
(``services.payments.cards``). If the process dies or the network fails between the call and
the answer, the attempt stays ``pending`` (or ``error``) and nobody knows whether the card was
charged; a refund likewise. ``card_sweep`` takes each such attempt last asked longer ago than
``older_than`` (15 minutes by default, so that a request still in flight is left alone) and asks
the gateway what it made under the attempt's idempotency key (``PaymentGateway.charge_status``,
``refund_status``: look-ups that only read, correct at any age), then:

- **charged** (or given back): completed through the very step a prompt answer goes through
  (``card_charge_finish``, ``refund_finish``), so the payment is posted once, under the
  gateway's reference, as received on the day the card was charged;
- **declined** or refused: recorded as such, as a prompt answer would have been;
- **no record** at the gateway: nothing was charged (or given back). The attempt is marked
  ``not_found``: closed, so the sweep stops asking and a refund of the payment is no longer
  held up, but not final like a decline, so the same key may be used again; the service then
  checks it again as a new attempt before asking the gateway with it. (Left ``error``, it would
  be looked up on every run for ever; made ``declined`` or ``invalid``, its key could never be
  retried and the records would say the card's bank refused what no one ever asked.) "No
  record" is believed only once the gateway's look-up has caught up (``lookup_lag``: an hour
  for Stripe's search); before that the attempt is left and counted as waiting;
- **no answer** (the gateway cannot be reached, or the payment is still being worked there):
  left as it is and counted as unreachable.

Running it twice changes nothing the second time: a settled attempt is no longer open, each
completion locks its row and answers "already done" when another request or sweep got there
first, and the key makes the gateway's side idempotent. Every change is audited, and a run
that changed anything records its counts (``card.swept``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from arrears.core.cards import (
    ChargeResult,
    ChargeStatus,
    Lookup,
    RefundResult,
    RefundStatus,
    charge_lookup,
    refund_lookup,
)
from arrears.core.ports import PaymentGateway
from arrears.data.payments.models import (
    CHARGE_OPEN,
    REFUND_OPEN,
    CardCharge,
    ChargeState,
    Payment,
    PaymentRefund,
    RefundState,
)
from arrears.services.common import Actor, ServiceError, audit_record, card_gateway
from arrears.services.payments.cards import CardPayment, card_charge_finish
from arrears.services.payments.refunds import Refunded, RefundFailed, refund_finish

log = logging.getLogger(__name__)
DEFAULT_OLDER_THAN = timedelta(minutes=15)


@dataclass
class SweepReport:
    """What one sweep found. ``*_unknown``: the gateway has no record (marked ``not_found``);
    ``*_waiting``: no record yet, too recent to believe; ``refunds_in_doubt``: given back at the
    gateway but the books refuse it (a person settles it); ``unreachable``: attempts the
    gateway gave no answer about; ``other_gateway``: open attempts sent to another gateway than
    the one in use, left alone."""

    gateway: str
    asked_before: datetime
    charges_checked: int = 0
    charges_completed: int = 0
    charges_declined: int = 0
    charges_unknown: int = 0
    charges_waiting: int = 0
    refunds_checked: int = 0
    refunds_completed: int = 0
    refunds_failed: int = 0
    refunds_unknown: int = 0
    refunds_waiting: int = 0
    refunds_in_doubt: int = 0
    unreachable: int = 0
    other_gateway: int = 0

    @property
    def changed(self) -> int:
        """How many attempts this sweep settled."""
        return (self.charges_completed + self.charges_declined + self.charges_unknown
                + self.refunds_completed + self.refunds_failed + self.refunds_unknown)  # fmt: skip

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "asked_before": self.asked_before.isoformat()}


def card_sweep(
    *,
    older_than: timedelta = DEFAULT_OLDER_THAN,
    actor: Actor,
    now: datetime | None = None,
    gateway: PaymentGateway | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> SweepReport:
    """Look up every card charge and refund still ``pending`` or ``error`` whose gateway was
    last asked before ``now - older_than``, and settle each as the gateway's answer says (see
    the module). Each attempt is settled in its own transaction; the gateway is asked outside
    any."""
    now = now or timezone.now()
    if older_than < timedelta(0):
        raise ServiceError("the age of an attempt to look up cannot be negative",
                           field="older_than")  # fmt: skip
    gateway = gateway or card_gateway()
    cutoff = now - older_than
    report = SweepReport(gateway=gateway.name, asked_before=cutoff)
    old_charges = CardCharge.objects.filter(state__in=CHARGE_OPEN, asked_at__lte=cutoff)
    old_refunds = PaymentRefund.objects.filter(state__in=REFUND_OPEN, asked_at__lte=cutoff)
    charges = list(old_charges.filter(gateway=gateway.name).order_by("id")
                   .values_list("id", flat=True))  # fmt: skip
    refunds = list(old_refunds.filter(gateway=gateway.name).order_by("id")
                   .values_list("id", flat=True))  # fmt: skip
    report.other_gateway = (old_charges.exclude(gateway=gateway.name).count()
                            + old_refunds.exclude(Q(gateway=gateway.name) | Q(gateway=""))
                            .count())  # fmt: skip
    total = len(charges) + len(refunds)
    if progress is not None:
        progress(0, total)
    sweeper = _Sweeper(gateway, report, cutoff, actor=actor, now=now)
    for done, charge_id in enumerate(charges, start=1):
        sweeper.charge(charge_id)
        if progress is not None:
            progress(done, total)
    for done, refund_id in enumerate(refunds, start=len(charges) + 1):
        sweeper.refund(refund_id)
        if progress is not None:
            progress(done, total)
    if report.changed:
        audit_record(actor=actor, event="card.swept", at=now, details=report.as_dict())
    return report


class _Sweeper:
    def __init__(
        self,
        gateway: PaymentGateway,
        report: SweepReport,
        cutoff: datetime,
        *,
        actor: Actor,
        now: datetime,
    ) -> None:
        self.gateway = gateway
        self.report = report
        self.cutoff = cutoff
        self.actor = actor
        self.now = now

    # -- charges ------------------------------------------------------------------------------

    def charge(self, charge_id: int) -> None:
        row = (
            CardCharge.objects.filter(pk=charge_id, state__in=CHARGE_OPEN,
                                      asked_at__lte=self.cutoff)
            .values_list("idempotency_key", "asked_at")
            .first()
        )  # fmt: skip
        if row is None:  # settled, or asked again, since the list was read
            return
        key, asked_at = row
        self.report.charges_checked += 1
        result = self._charge_status(key)
        verdict = charge_lookup(result, since_asked=self.now - asked_at,
                                lag=self.gateway.lookup_lag)  # fmt: skip
        if verdict is Lookup.UNREACHABLE:
            assert result is not None
            self._unreachable("charge", key, result.code, result.message)
        elif verdict is Lookup.WAIT:
            self.report.charges_waiting += 1
        elif verdict is Lookup.NOT_FOUND:
            self.report.charges_unknown += self._charge_not_found(charge_id, asked_at)
        else:
            assert result is not None
            outcome = card_charge_finish(
                charge_id=charge_id, result=result, actor=self.actor, now=self.now,
                received_on=timezone.localdate(asked_at),
            )  # fmt: skip
            if isinstance(outcome, CardPayment):
                self.report.charges_completed += not outcome.duplicate
            else:
                self.report.charges_declined += 1

    def _charge_status(self, key: str) -> ChargeResult | None:
        try:
            return self.gateway.charge_status(key)
        except Exception as exc:  # an adapter must not raise; if one does, there is no answer
            log.exception("card gateway %s raised looking up charge %s", self.gateway.name, key)
            return ChargeResult(ChargeStatus.ERROR, code="adapter_error",
                                message=type(exc).__name__)  # fmt: skip

    def _charge_not_found(self, charge_id: int, asked_at: datetime) -> bool:
        """Mark the charge ``not_found``, unless it was answered or asked again meanwhile."""
        with transaction.atomic():
            charge = CardCharge.objects.select_for_update().get(pk=charge_id)
            if charge.state not in CHARGE_OPEN or charge.asked_at != asked_at:
                return False
            charge.state = ChargeState.NOT_FOUND
            charge.code = "not_found"
            charge.message = ("the gateway has no record of this key: nothing was charged; the "
                              "same key may be asked again")  # fmt: skip
            charge.completed_at = self.now
            charge.save()
            audit_record(
                actor=self.actor, event="card.not_found", account_id=charge.account_id,
                at=self.now,
                details={"charge": charge.pk, "key": charge.idempotency_key,
                         "amount_minor": charge.amount_minor, "fee_minor": charge.fee_minor,
                         "gateway": charge.gateway, "asked_at": asked_at.isoformat()},
            )  # fmt: skip
            return True

    # -- refunds ------------------------------------------------------------------------------

    def refund(self, refund_id: int) -> None:
        row = (
            PaymentRefund.objects.filter(pk=refund_id, state__in=REFUND_OPEN,
                                         asked_at__lte=self.cutoff)
            .values_list("idempotency_key", "asked_at", "payment_id")
            .first()
        )  # fmt: skip
        if row is None:
            return
        key, asked_at, payment_id = row
        assert asked_at is not None  # a refund through a gateway records when it was asked
        self.report.refunds_checked += 1
        reference = (
            CardCharge.objects.filter(payment_id=payment_id, state=ChargeState.SUCCEEDED)
            .values_list("gateway_reference", flat=True)
            .first()
        )
        if not reference:  # cannot be: a gateway refund is of a card payment it took
            self._unreachable("refund", key, "no_charge", "no card charge names its payment")
            return
        result = self._refund_status(reference, key)
        verdict = refund_lookup(result, since_asked=self.now - asked_at,
                                lag=self.gateway.lookup_lag)  # fmt: skip
        if verdict is Lookup.UNREACHABLE:
            assert result is not None
            self._unreachable("refund", key, result.code, result.message)
        elif verdict is Lookup.WAIT:
            self.report.refunds_waiting += 1
        elif verdict is Lookup.NOT_FOUND:
            self.report.refunds_unknown += self._refund_not_found(refund_id, asked_at)
        else:
            assert result is not None
            outcome = refund_finish(refund_id=refund_id, result=result, actor=self.actor,
                                    now=self.now)  # fmt: skip
            if isinstance(outcome, Refunded):
                self.report.refunds_completed += not outcome.duplicate
            elif isinstance(outcome, RefundFailed):
                self.report.refunds_failed += 1
            else:  # given back at the gateway; the books refuse it (said in its message)
                self.report.refunds_in_doubt += 1

    def _refund_status(self, reference: str, key: str) -> RefundResult | None:
        try:
            return self.gateway.refund_status(reference, key)
        except Exception as exc:  # an adapter must not raise; if one does, there is no answer
            log.exception("card gateway %s raised looking up refund %s", self.gateway.name, key)
            return RefundResult(RefundStatus.ERROR, code="adapter_error",
                                message=type(exc).__name__)  # fmt: skip

    def _refund_not_found(self, refund_id: int, asked_at: datetime) -> bool:
        with transaction.atomic():
            refund = PaymentRefund.objects.select_for_update().get(pk=refund_id)
            if refund.state not in REFUND_OPEN or refund.asked_at != asked_at:
                return False
            refund.state = RefundState.NOT_FOUND
            refund.code = "not_found"
            refund.message = ("the gateway has no record of this key: nothing was given back; "
                              "the same key may be asked again")  # fmt: skip
            refund.completed_at = self.now
            refund.save()
            audit_record(
                actor=self.actor, event="payment.refund_not_found", at=self.now,
                account_id=Payment.objects.filter(pk=refund.payment_id)
                .values_list("account_id", flat=True).first(),
                details={"refund": refund.pk, "payment": refund.payment_id,
                         "key": refund.idempotency_key, "amount_minor": refund.amount_minor,
                         "gateway": refund.gateway, "asked_at": asked_at.isoformat()},
            )  # fmt: skip
            return True

    def _unreachable(self, what: str, key: str, code: str, message: str) -> None:
        log.warning("card sweep: no answer about %s %s from %s (%s: %s)", what, key,
                    self.gateway.name, code, message)  # fmt: skip
        self.report.unreachable += 1


__all__ = ["DEFAULT_OLDER_THAN", "SweepReport", "card_sweep"]
