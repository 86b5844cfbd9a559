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

Also the statements as screens list them: the months that have statements, a month's statements
of the clients a user may see, and the check that a user may see one statement (client grants,
``services.accounts.access``: a statement of a client not granted is answered as one that does
not exist).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet, Sum

from arrears.core.trust import CashReceived, Rollforward, month_label, month_period
from arrears.core.trust.reconcile import ZERO
from arrears.data.clients.models import Client
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import Payment, PaymentRefund, RefundState
from arrears.data.trust.models import RemitMode, Remittance, RemittanceLine
from arrears.services.accounts.access import Viewer, granted_client_ids
from arrears.services.common import NotFound, ServiceError
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


def trust_reconciliation(
    *, period: date, client_ids: Collection[int] | None = None
) -> Reconciliation:
    """The month's reconciliation (see the module's docstring); it writes nothing.
    ``client_ids``: only these clients' rollforwards, and no cash received (money received is
    the whole book's: unapplied cash belongs to no client yet)."""
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
    keys = set(entries) | set(remitted_before) | set(statements)
    if client_ids is not None:
        cash = {}
        keys = {k for k in keys if k[0] in client_ids}
    report = Reconciliation(period=start, cash=cash)
    for client_id, currency in sorted(keys, key=lambda k: (codes[k[0]], k[1])):
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


# -- statements as screens list them -----------------------------------------------------------


def _visible(user: Viewer, rows: QuerySet[Remittance]) -> QuerySet[Remittance]:
    ids = granted_client_ids(user)
    return rows if ids is None else rows.filter(client_id__in=ids)


def remittance_months(user: Viewer) -> list[date]:
    """The months with statements of clients the user may see, latest first."""
    return list(
        _visible(user, Remittance.objects.all())
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .distinct()
    )


def remittances_of(user: Viewer, *, period: date) -> list[Remittance]:
    """The month's statements of the clients the user may see, by client code and currency,
    with their client and who recorded them paid."""
    return list(
        _visible(user, Remittance.objects.filter(period_start=period))
        .select_related("client", "paid_by")
        .order_by("client__code", "currency")
    )


def require_remittance_visible(user: Viewer, remittance_id: int) -> None:
    """Refuse a statement of a client the user is not granted exactly as one that does not
    exist."""
    if not _visible(user, Remittance.objects.filter(pk=remittance_id)).exists():
        raise NotFound(f"no remittance {remittance_id}", field="remittance_id")


def remittance_id_of(number: str) -> int:
    """The statement numbered ``number`` (REM-ACME-2026-10), or NotFound naming ``number``."""
    found = (
        Remittance.objects.filter(number__iexact=number.strip())
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise NotFound(f"no remittance statement {number.strip()}", field="number")
    return found


__all__ = [
    "ClientTrust",
    "Reconciliation",
    "remittance_id_of",
    "remittance_months",
    "remittances_of",
    "require_remittance_visible",
    "trust_reconciliation",
]
