"""The trust reconciliation of a month.

Two checks, each to the cent (``core.trust.reconcile``):

1. **Cash received**: the money received on payments in the month (``Payment.amount_minor``)
   against what of it the ledger applied (its payment entries' cash) plus what is still held as
   unapplied cash plus the unapplied cash given back (refunds taken from it; what refunds take
   off accounts is in the ledger, as refund entries).
2. **Rollforward**, per remitted client and currency: the cash not yet remitted at the start of
   the month, plus the month's net collections, less what the month's statements remit to the
   client and the commission taken out of trust, against the cash not remitted at the end of the
   month, counted on its own: the cash entries dated before the month's end that no statement of
   this month or before has taken. First-party clients' cash is not held for anyone and is left
   out.

Seven grouped statements whatever the size of the book.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, Sum

from arrears.core.trust import CashReceived, Rollforward, month_label, month_period
from arrears.core.trust.reconcile import ZERO
from arrears.data.clients.models import Client
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import Payment, PaymentRefund, RefundState
from arrears.data.trust.models import RemitMode, Remittance, RemittanceLine
from arrears.services.common import ServiceError
from arrears.services.trust.operations import CASH_KINDS, REMITTED_KINDS


@dataclass
class ClientTrust:
    client: str
    currency: str
    rollforward: Rollforward

    def as_dict(self) -> dict[str, object]:
        return {"client": self.client, "currency": self.currency, **self.rollforward.as_dict()}


@dataclass
class Reconciliation:
    period: date
    cash: dict[str, CashReceived]
    clients: list[ClientTrust] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Rollforward]:
        sums: dict[str, Rollforward] = {}
        for c in self.clients:
            sums[c.currency] = sums.get(c.currency, ZERO) + c.rollforward
        return sums

    @property
    def balanced(self) -> bool:
        return all(c.difference_minor == 0 for c in self.cash.values()) and all(
            c.rollforward.difference_minor == 0 for c in self.clients
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "period": month_label(self.period),
            "balanced": self.balanced,
            "cash": {cur: c.as_dict() for cur, c in sorted(self.cash.items())},
            "clients": [c.as_dict() for c in self.clients],
            "totals": {cur: r.as_dict() for cur, r in sorted(self.totals.items())},
        }


_Key = tuple[int, str]


def _int(value: int | None) -> int:
    return int(value or 0)


def trust_reconciliation(*, period: date) -> Reconciliation:
    """The month's reconciliation (see the module's docstring); it writes nothing."""
    try:
        window = month_period(period)
    except ValueError as exc:
        raise ServiceError(str(exc), field="period") from exc
    start, end = window.start, window.end
    assert end is not None

    cash: dict[str, CashReceived] = {}
    payments = {
        p["currency"]: (_int(p["received"]), _int(p["unapplied"]))
        for p in Payment.objects.filter(received_on__gte=start, received_on__lt=end)
        .values("currency")
        .annotate(received=Sum("amount_minor"), unapplied=Sum("unapplied_minor"))
        .order_by()
    }
    applied = {
        e["currency"]: _int(e["cash"])
        for e in Entry.objects.filter(
            kind="payment", payment__received_on__gte=start, payment__received_on__lt=end
        )
        .values("currency")
        .annotate(cash=Sum("cash_minor"))
        .order_by()
    }
    given_back = {
        r["currency"]: _int(r["given_back"])
        for r in PaymentRefund.objects.filter(
            state=RefundState.SUCCEEDED, payment__received_on__gte=start,
            payment__received_on__lt=end,
        )
        .values("currency")
        .annotate(given_back=Sum("from_unapplied_minor"))
        .order_by()
    }  # fmt: skip
    for currency in sorted(set(payments) | set(applied)):
        received, unapplied = payments.get(currency, (0, 0))
        cash[currency] = CashReceived(
            received, applied.get(currency, 0), unapplied, given_back.get(currency, 0)
        )

    entries: dict[_Key, dict[str, int]] = {}
    for row in (
        Entry.objects.filter(
            kind__in=CASH_KINDS, effective_on__lt=end, account__client__kind__in=REMITTED_KINDS
        )
        .values("account__client_id", "currency")
        .annotate(
            before=Sum("cash_minor", filter=Q(effective_on__lt=start)),
            during=Sum("cash_minor", filter=Q(effective_on__gte=start)),
            unremitted=Sum(
                "cash_minor",
                filter=Q(remittance_line__isnull=True)
                | Q(remittance_line__remittance__period_start__gt=start),
            ),
        )
        .order_by()
    ):
        entries[(row["account__client_id"], row["currency"])] = {
            "before": _int(row["before"]), "during": _int(row["during"]),
            "unremitted": _int(row["unremitted"]),
        }  # fmt: skip
    remitted_before: dict[_Key, int] = {
        (row["remittance__client_id"], row["remittance__currency"]): _int(row["cash"])
        for row in RemittanceLine.objects.filter(remittance__period_start__lt=start)
        .values("remittance__client_id", "remittance__currency")
        .annotate(cash=Sum("cash_minor"))
        .order_by()
    }
    statements: dict[_Key, tuple[int, int]] = {
        (row["client_id"], row["currency"]): (_int(row["due"]), _int(row["kept"]))
        for row in Remittance.objects.filter(period_start=start)
        .values("client_id", "currency")
        .annotate(
            due=Sum("due_to_client_minor"),
            kept=Sum("commission_minor", filter=Q(remit_mode=RemitMode.NET)),
        )
        .order_by()
    }
    codes = dict(Client.objects.values_list("pk", "code"))
    report = Reconciliation(period=start, cash=cash)
    for client_id, currency in sorted(
        set(entries) | set(remitted_before) | set(statements), key=lambda k: (codes[k[0]], k[1])
    ):
        sums = entries.get((client_id, currency), {"before": 0, "during": 0, "unremitted": 0})
        due, kept = statements.get((client_id, currency), (0, 0))
        report.clients.append(
            ClientTrust(
                codes[client_id], currency,
                Rollforward(
                    opening_unremitted_minor=sums["before"]
                    - remitted_before.get((client_id, currency), 0),
                    net_collected_minor=sums["during"],
                    remitted_to_client_minor=due,
                    commission_retained_minor=kept,
                    closing_unremitted_minor=sums["unremitted"],
                ),
            )
        )  # fmt: skip
    return report


__all__ = ["ClientTrust", "Reconciliation", "trust_reconciliation"]
