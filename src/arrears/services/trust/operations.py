"""Remitting a month: each client's statement of the cash entries not yet remitted, with the
commission split of each, and setting a client's commission terms.

``remit`` reads every cash entry (payment, payment reversal, refund) dated before the period's
end that no statement has taken, in one statement; the payments that reversals and refunds give
back, with the rate their lines used, in a few more per 5,000; and the terms of every client in
two. Each client's statement is then priced by ``core.trust`` and written in its own
transaction: the remittance row, its lines in one COPY (executemany on SQLite), and an audit
event. A line names its entry one-to-one, so an entry is remitted once; a client that already
has the period's statement is not remitted again, so a rerun creates nothing and reports the
statements that exist. First-party clients (our own receivables) are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from arrears.core import trust
from arrears.core.trust import (
    CashKind,
    CommissionTerms,
    Movement,
    OriginalPayment,
    RemitMode,
    StatementTotals,
    Tier,
    month_label,
    month_period,
)
from arrears.data.clients.models import Client, ClientKind
from arrears.data.ledger.models import Entry
from arrears.data.trust.models import CommissionTerms as TermsRow
from arrears.data.trust.models import CommissionTier, Remittance, RemittanceLine
from arrears.services.bulk import TableWriter
from arrears.services.common import Actor, NotFound, ServiceError, audit_record, require_choice
from arrears.services.trust.documents import statements_write

BATCH = 5_000
CASH_KINDS = [k.value for k in CashKind]
TAKE_BACK_KINDS = [k.value for k in trust.TAKE_BACK_KINDS]
REMITTED_KINDS = [ClientKind.AGENCY.value, ClientKind.DEBT_BUYER.value]
_LINE_FIELDS = [
    "remittance", "entry", "cash_minor", "rate_ppm", "commission_minor", "client_share_minor",
]  # fmt: skip


def _chunks(values: Sequence[int], size: int = BATCH) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


# -- terms ------------------------------------------------------------------------------------


def commission_terms_set(
    *,
    client_id: int,
    actor: Actor,
    remit_mode: str = RemitMode.NET.value,
    default_rate_ppm: int | None = None,
    tiers: Sequence[Tier] = (),
    now: datetime | None = None,
) -> CommissionTerms:
    """Set a client's commission terms (replacing its tiers). ``default_rate_ppm`` None keeps
    the client's ``commission_rate_ppm`` as the default. Applies to statements issued from now
    on; lines already remitted keep the rate they used."""
    now = now or timezone.now()
    require_choice(remit_mode, [m.value for m in RemitMode], "remit_mode")
    if default_rate_ppm is not None and not 0 <= default_rate_ppm <= trust.PPM:
        raise ServiceError(
            f"the default rate must be between 0 and {trust.PPM:,} ppm", field="default_rate_ppm"
        )
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(pk=client_id).first()
        if client is None:
            raise NotFound(f"no client {client_id}", field="client_id")
        try:
            terms = CommissionTerms(
                default_rate_ppm=client.commission_rate_ppm
                if default_rate_ppm is None
                else default_rate_ppm,
                tiers=tuple(tiers),
                remit_mode=RemitMode(remit_mode),
            )
        except trust.TermsError as exc:
            raise ServiceError(str(exc), field="tiers") from exc
        TermsRow.objects.update_or_create(
            client=client,
            defaults={"remit_mode": remit_mode, "default_rate_ppm": default_rate_ppm,
                      "updated_at": now},
        )  # fmt: skip
        CommissionTier.objects.filter(client=client).delete()
        CommissionTier.objects.bulk_create(
            CommissionTier(client=client, from_months=t.from_months,
                           from_balance_minor=t.from_balance_minor, rate_ppm=t.rate_ppm)
            for t in tiers
        )  # fmt: skip
        audit_record(
            actor=actor, event="commission_terms.set", at=now,
            details={"client": client.code, "remit_mode": remit_mode,
                     "default_rate_ppm": default_rate_ppm,
                     "tiers": [[t.from_months, t.from_balance_minor, t.rate_ppm] for t in tiers]},
        )  # fmt: skip
        return terms


def client_terms(client_ids: Iterable[int] | None = None) -> dict[int, CommissionTerms]:
    """Each client's terms: its row's, else its ``commission_rate_ppm`` remitted net."""
    clients = Client.objects.all()
    if client_ids is not None:
        clients = clients.filter(pk__any_of=list(client_ids))
    rates = dict(clients.values_list("pk", "commission_rate_ppm"))
    rows: dict[int, tuple[str, int | None]] = {
        pk: (mode, rate)
        for pk, mode, rate in TermsRow.objects.filter(client_id__any_of=list(rates)).values_list(
            "client_id", "remit_mode", "default_rate_ppm"
        )
    }
    tiers: dict[int, list[Tier]] = {}
    for pk, months, balance, tier_rate in CommissionTier.objects.filter(
        client_id__any_of=list(rates)
    ).values_list("client_id", "from_months", "from_balance_minor", "rate_ppm"):
        tiers.setdefault(pk, []).append(Tier(months, tier_rate, balance))
    result = {}
    for pk, fallback in rates.items():
        mode, own = rows.get(pk, (RemitMode.NET.value, None))
        result[pk] = CommissionTerms(
            default_rate_ppm=fallback if own is None else own,
            tiers=tuple(tiers.get(pk, ())),
            remit_mode=RemitMode(mode),
        )
    return result


# -- remitting --------------------------------------------------------------------------------


@dataclass
class Statement:
    """One client's statement for the period, as issued now or found issued before."""

    remittance_id: int
    number: str
    client: str
    currency: str
    totals: StatementTotals
    created: bool
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "remittance": self.remittance_id, "number": self.number, "client": self.client,
            "currency": self.currency, "created": self.created, "files": self.files,
            **self.totals.as_dict(),
        }  # fmt: skip


@dataclass
class RemitReport:
    period: date
    statements: list[Statement] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        totals: dict[str, dict[str, int]] = {}
        for s in self.statements:
            sums = totals.setdefault(s.currency, {})
            for key, value in s.totals.as_dict().items():
                if isinstance(value, int) and key != "lines":
                    sums[key] = sums.get(key, 0) + value
        return {
            "period": month_label(self.period),
            "created": sum(1 for s in self.statements if s.created),
            "existing": sum(1 for s in self.statements if not s.created),
            "statements": [s.as_dict() for s in self.statements],
            "skipped": self.skipped,
            "totals": totals,
        }


@dataclass(frozen=True)
class _Client:
    pk: int
    code: str
    kind: str
    currency: str
    active: bool


def statement_number(client_code: str, period: date, currency: str, client_currency: str) -> str:
    suffix = "" if currency == client_currency else f"-{currency}"
    return f"REM-{client_code}-{month_label(period)}{suffix}"


def _totals_of(row: Remittance) -> StatementTotals:
    return StatementTotals(
        remit_mode=RemitMode(row.remit_mode), lines=row.lines_count,
        collected_minor=row.collected_minor, refunds_minor=row.refunds_minor,
        reversals_minor=row.reversals_minor, commission_minor=row.commission_minor,
        client_share_minor=row.client_share_minor,
    )  # fmt: skip


def _unremitted(end: date) -> dict[int, dict[str, list[Movement]]]:
    """Every cash entry of a remitted client dated before ``end`` that no statement has taken,
    per client and currency, in entry order: one statement."""
    rows = (
        Entry.objects.filter(
            kind__in=CASH_KINDS, effective_on__lt=end, remittance_line__isnull=True,
            account__client__kind__in=REMITTED_KINDS,
        )
        .order_by("id")
        .values_list("id", "account__client_id", "currency", "kind", "effective_on",
                     "cash_minor", "reverses_id", "account__placed_on",
                     "account__placed_amount_minor")
    )  # fmt: skip
    found: dict[int, dict[str, list[Movement]]] = {}
    for pk, client_id, currency, kind, on, cash, reverses, placed_on, placed in rows:
        found.setdefault(client_id, {}).setdefault(currency, []).append(
            Movement(pk, CashKind(kind), on, cash, placed_on, placed, reverses)
        )
    return found


def _originals(ids: Iterable[int]) -> dict[int, OriginalPayment]:
    """The payments that reversals and refunds give back: what each brought, the rate of its
    remittance line if it has one, and all its reversals and refunds."""
    wanted = sorted(set(ids))
    result: dict[int, OriginalPayment] = {}
    for batch in _chunks(wanted):
        rates = dict(
            RemittanceLine.objects.filter(entry_id__any_of=batch).values_list(
                "entry_id", "rate_ppm"
            )
        )
        backs: dict[int, list[tuple[int, int]]] = {}
        for target, pk, cash in Entry.objects.filter(
            reverses_id__any_of=batch, kind__in=TAKE_BACK_KINDS
        ).values_list("reverses_id", "id", "cash_minor"):
            backs.setdefault(target, []).append((pk, cash))
        for pk, cash, on, placed_on, placed in Entry.objects.filter(
            pk__any_of=batch, kind=CashKind.PAYMENT.value
        ).values_list(
            "id", "cash_minor", "effective_on", "account__placed_on", "account__placed_amount_minor"
        ):
            result[pk] = OriginalPayment(
                pk, cash, on, placed_on, placed, rates.get(pk), tuple(sorted(backs.get(pk, ())))
            )
    return result


def remit(
    *,
    period: date,
    actor: Actor,
    now: datetime | None = None,
    out: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RemitReport:
    """Issue every client's statement for the month starting on ``period``.

    Refused: a day that is not a month's first day; a month that has not ended on the day of
    ``now``; a month earlier than one already remitted. Documents (the statement and the
    commission invoice as PDF, the workbook of lines) are written to ``out``, or to the
    document store under ``remittances/<YYYY-MM>/`` when ``out`` is None.
    """
    now = now or timezone.now()
    try:
        window = month_period(period)
    except ValueError as exc:
        raise ServiceError(str(exc), field="period") from exc
    assert window.end is not None
    label = month_label(period)
    if window.end > timezone.localdate(now):
        raise ServiceError(
            f"{label} has not ended; it can be remitted from {window.end.isoformat()}",
            field="period",
        )
    later = (
        Remittance.objects.filter(period_start__gt=period)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    if later is not None:
        raise ServiceError(
            f"statements for {month_label(later)} were issued; {label} cannot be remitted after "
            "a later month",
            field="period",
        )
    report = RemitReport(period=period)
    clients = [
        _Client(*row)
        for row in Client.objects.order_by("code").values_list(
            "pk", "code", "kind", "currency", "active"
        )
    ]
    for c in clients:
        if c.kind == ClientKind.FIRST_PARTY:
            report.skipped.append({"client": c.code, "reason": "first_party"})
    movements = _unremitted(window.end)
    terms = client_terms(c.pk for c in clients if c.kind != ClientKind.FIRST_PARTY)
    originals = _originals(
        m.reverses
        for by_currency in movements.values()
        for lines in by_currency.values()
        for m in lines
        if m.reverses is not None
    )
    due = [
        c for c in clients if c.kind != ClientKind.FIRST_PARTY and (c.active or c.pk in movements)
    ]
    for done, c in enumerate(due, start=1):
        report.statements.extend(
            _remit_client(c, terms[c.pk], movements.get(c.pk, {}), originals, window.start,
                          window.end, actor, now)
        )  # fmt: skip
        if progress is not None:
            progress(done, len(due))
    if report.statements:
        files = statements_write([s.remittance_id for s in report.statements], out=out)
        for s in report.statements:
            s.files = files.get(s.remittance_id, [])
    return report


def _remit_client(
    client: _Client,
    terms: CommissionTerms,
    by_currency: dict[str, list[Movement]],
    originals: dict[int, OriginalPayment],
    start: date,
    end: date,
    actor: Actor,
    now: datetime,
) -> list[Statement]:
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).values_list("pk").first()
        existing = list(
            Remittance.objects.filter(client_id=client.pk, period_start=start).order_by("id")
        )
        if existing:
            return [
                Statement(r.pk, r.number, client.code, r.currency, _totals_of(r), created=False)
                for r in existing
            ]
        issued = []
        writer = TableWriter(RemittanceLine, _LINE_FIELDS)
        for currency in sorted(by_currency or {client.currency: []}):
            movements = by_currency.get(currency, [])
            lines = trust.price(terms, movements, originals)
            totals = trust.statement_totals(lines, terms.remit_mode)
            row = Remittance.objects.create(
                client_id=client.pk, period_start=start, period_end=end, currency=currency,
                remit_mode=terms.remit_mode.value,
                number=statement_number(client.code, start, currency, client.currency),
                lines_count=totals.lines, collected_minor=totals.collected_minor,
                refunds_minor=totals.refunds_minor, reversals_minor=totals.reversals_minor,
                net_collected_minor=totals.net_collected_minor,
                commission_minor=totals.commission_minor,
                client_share_minor=totals.client_share_minor,
                due_to_client_minor=totals.due_to_client_minor,
                commission_invoice_minor=totals.commission_invoice_minor,
                created_at=now, actor_label=actor.label[:120],
            )  # fmt: skip
            for part in range(0, len(lines), BATCH):
                writer.write(
                    (row.pk, line.entry_id, line.cash_minor, line.rate_ppm,
                     line.commission_minor, line.client_share_minor)
                    for line in lines[part : part + BATCH]
                )  # fmt: skip
            audit_record(
                actor=actor, event="remittance.issued", at=now,
                details={"remittance": row.pk, "number": row.number, "client": client.code,
                         **totals.as_dict()},
            )  # fmt: skip
            issued.append(
                Statement(row.pk, row.number, client.code, currency, totals, created=True)
            )
        return issued


__all__ = [
    "RemitReport",
    "Statement",
    "client_terms",
    "commission_terms_set",
    "remit",
    "statement_number",
]
