"""Remitting a month: each client's statement of the cash entries not yet remitted, with the
commission split of each; recording a statement paid to its client; and setting a client's
commission terms.

``remit`` reads every cash entry (payment, payment reversal, refund) dated before the period's
end that no statement has taken, in one statement; the card convenience fees those payments
carried, in one per 5,000 card payments; the payments that reversals and refunds give back,
with the rate and fee their lines used, in a few more per 5,000; and the terms of every client
in two. Each client's statement is then priced by ``core.trust`` and written in its own
transaction: the remittance row, its lines in one COPY (executemany on SQLite), and an audit
event. A line names its entry one-to-one, so an entry is remitted once; a client that already
has the period's statement is not remitted again, so a rerun creates nothing and reports the
statements that exist. First-party clients (our own receivables) are skipped.

A card payment's convenience fee (a fee entry of source ``card`` that the payment posted with it
pays in full, ``services.payments.cards``) is the agency's: its line carries it as ``fee_minor``
inside the commission (ADR 27).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from arrears.core import trust
from arrears.core.money import format_minor
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
from arrears.data.ledger.models import Entry, EntryKind
from arrears.data.trust.models import CommissionTerms as TermsRow
from arrears.data.trust.models import CommissionTier, Remittance, RemittanceLine, RemittanceStatus
from arrears.data.users.models import Role, User
from arrears.services.accounts.access import granted_client_ids
from arrears.services.bulk import TableWriter
from arrears.services.common import Actor, NotFound, ServiceError, audit_record, require_choice
from arrears.services.trust.documents import statements_write

BATCH = 5_000
CASH_KINDS = [k.value for k in CashKind]
TAKE_BACK_KINDS = [k.value for k in trust.TAKE_BACK_KINDS]
REMITTED_KINDS = [ClientKind.AGENCY.value, ClientKind.DEBT_BUYER.value]
_LINE_FIELDS = [
    "remittance", "entry", "cash_minor", "rate_ppm", "commission_minor", "client_share_minor",
    "fee_minor",
]  # fmt: skip
# A card payment's entry, and its convenience fee's, carry this source (services.payments.cards).
CARD_SOURCE = "card"
_PAYMENT = CashKind.PAYMENT.value


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
        client_share_minor=row.client_share_minor, fees_minor=row.fees_minor,
    )  # fmt: skip


def card_fees(payment_ids: Iterable[int]) -> dict[int, int]:
    """The card convenience fee each payment entry paid, by payment entry id, for the payments
    (``Payment`` ids) given: one statement per 5,000 payments. A fee entry of source ``card``
    is paid by the payment entry posted with it: the payment's first payment entry after it."""
    found: dict[int, int] = {}
    paid_by = (
        Entry.objects.filter(
            payment_id=OuterRef("payment_id"), kind=EntryKind.PAYMENT, pk__gt=OuterRef("pk")
        )
        .order_by("pk")
        .values("pk")[:1]
    )
    for batch in _chunks(sorted(set(payment_ids))):
        for entry_id, fee in (
            Entry.objects.filter(kind=EntryKind.FEE, source=CARD_SOURCE, payment_id__any_of=batch)
            .annotate(paid_by=Subquery(paid_by))
            .values_list("paid_by", "fees_minor")
        ):
            if entry_id is not None and fee > 0:
                found[entry_id] = found.get(entry_id, 0) + fee
    return found


def _unremitted(end: date) -> tuple[dict[int, dict[str, list[Movement]]], dict[int, int]]:
    """Every cash entry of a remitted client dated before ``end`` that no statement has taken,
    per client and currency, in entry order: one statement; then the convenience fees of the
    card payments among them (see :func:`card_fees`). Also returns those fees by entry id."""
    rows = (
        Entry.objects.filter(
            kind__in=CASH_KINDS, effective_on__lt=end, remittance_line__isnull=True,
            account__client__kind__in=REMITTED_KINDS,
        )
        .order_by("id")
        .values_list("id", "account__client_id", "currency", "kind", "effective_on",
                     "cash_minor", "reverses_id", "account__placed_on",
                     "account__placed_amount_minor", "payment_id", "source")
    )  # fmt: skip
    found: dict[int, dict[str, list[Movement]]] = {}
    by_card: list[tuple[list[Movement], int]] = []  # (its list, its place) of each card payment
    card_payments: list[int] = []
    for pk, client_id, currency, kind, on, cash, reverses, placed_on, placed, paid, source in rows:
        movements = found.setdefault(client_id, {}).setdefault(currency, [])
        if source == CARD_SOURCE and kind == _PAYMENT and paid is not None:
            by_card.append((movements, len(movements)))
            card_payments.append(paid)
        movements.append(Movement(pk, CashKind(kind), on, cash, placed_on, placed, reverses))
    fees = card_fees(card_payments) if card_payments else {}
    for movements, place in by_card:
        m = movements[place]
        if m.entry_id in fees:
            movements[place] = replace(m, fee_minor=fees[m.entry_id])
    return found, fees


def _originals(ids: Iterable[int], fees: Mapping[int, int]) -> dict[int, OriginalPayment]:
    """The payments that reversals and refunds give back: what each brought, the rate and fee
    of its remittance line if it has one (else its fee as ``fees`` found it, or as looked up),
    and all its reversals and refunds."""
    wanted = sorted(set(ids))
    result: dict[int, OriginalPayment] = {}
    unknown: dict[int, int] = {}  # card payments neither remitted nor in ``fees``: entry -> payment
    for batch in _chunks(wanted):
        lines = {
            pk: (rate, fee)
            for pk, rate, fee in RemittanceLine.objects.filter(entry_id__any_of=batch).values_list(
                "entry_id", "rate_ppm", "fee_minor"
            )
        }
        backs: dict[int, list[tuple[int, int]]] = {}
        for target, pk, cash in Entry.objects.filter(
            reverses_id__any_of=batch, kind__in=TAKE_BACK_KINDS
        ).values_list("reverses_id", "id", "cash_minor"):
            backs.setdefault(target, []).append((pk, cash))
        for pk, cash, on, placed_on, placed, paid, source in Entry.objects.filter(
            pk__any_of=batch, kind=CashKind.PAYMENT.value
        ).values_list(
            "id", "cash_minor", "effective_on", "account__placed_on",
            "account__placed_amount_minor", "payment_id", "source",
        ):  # fmt: skip
            rate, fee = lines.get(pk, (None, fees.get(pk, 0)))
            if rate is None and pk not in fees and source == CARD_SOURCE and paid is not None:
                unknown[pk] = paid
            result[pk] = OriginalPayment(
                pk, cash, on, placed_on, placed, rate, tuple(sorted(backs.get(pk, ()))), fee
            )
    if unknown:
        looked_up = card_fees(unknown.values())
        for pk in unknown:
            if pk in looked_up:
                result[pk] = replace(result[pk], fee_minor=looked_up[pk])
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
    movements, fees = _unremitted(window.end)
    terms = client_terms(c.pk for c in clients if c.kind != ClientKind.FIRST_PARTY)
    originals = _originals(
        (
            m.reverses
            for by_currency in movements.values()
            for lines in by_currency.values()
            for m in lines
            if m.reverses is not None
        ),
        fees,
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
                commission_minor=totals.commission_minor, fees_minor=totals.fees_minor,
                client_share_minor=totals.client_share_minor,
                due_to_client_minor=totals.due_to_client_minor,
                commission_invoice_minor=totals.commission_invoice_minor,
                created_at=now, actor_label=actor.label[:120],
            )  # fmt: skip
            for part in range(0, len(lines), BATCH):
                writer.write(
                    (row.pk, line.entry_id, line.cash_minor, line.rate_ppm,
                     line.commission_minor, line.client_share_minor, line.fee_minor)
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


# -- paying a statement to its client ---------------------------------------------------------

# Who sees the statements and the reconciliation: the money roles. Who records that a statement
# was paid to its client: the people who move the money; a supervisor sees the statements but
# does not record disbursements (ADR 27).
VIEWING_ROLES = frozenset({Role.ACCOUNTANT, Role.SUPERVISOR, Role.ADMIN})
PAYING_ROLES = frozenset({Role.ACCOUNTANT, Role.ADMIN})
MAX_PAID_REFERENCE = 80


class RemittanceRefused(ServiceError):
    code = "remittance_refused"


class RemittanceAlreadyPaid(RemittanceRefused):
    """The statement was marked paid before: nothing changes (a 409)."""

    code = "already_paid"


class PayingForbidden(ServiceError):
    code = "forbidden"


def may_see_remittances(user: User) -> bool:
    """Whether the user sees remittance statements, their documents and the reconciliation."""
    return bool(user.is_active and (user.is_superuser or user.role in VIEWING_ROLES))


def may_mark_paid(user: User) -> bool:
    """Whether the user records statements paid to their clients."""
    return bool(user.is_active and (user.is_superuser or user.role in PAYING_ROLES))


def remittance_mark_paid(
    *,
    remittance_id: int,
    paid_on: date,
    reference: str,
    actor: Actor,
    by: User | None,
    now: datetime | None = None,
) -> Remittance:
    """Record that the amount a statement says is due to its client was paid to it: on
    ``paid_on``, by check or wire ``reference``, recorded by ``by`` (None: a command run by the
    operator). The statement goes from issued to paid, audited, in one transaction.

    Refused, with nothing changed: a statement the user may not see (as if it did not exist,
    field ``remittance_id``), a user who does not record payments (``paid_by``), a statement
    already paid or with nothing due to the client (``remittance_id``), an empty or too long
    reference (``reference``), a day in the future or before the statement was issued
    (``paid_on``).
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            Remittance.objects.select_for_update(of=("self",))
            .select_related("client", "paid_by")
            .filter(pk=remittance_id)
            .first()
        )
        visible = None if by is None else granted_client_ids(by)
        if row is None or (visible is not None and row.client_id not in visible):
            raise NotFound(f"no remittance {remittance_id}", field="remittance_id")
        if by is not None and not may_mark_paid(by):
            raise PayingForbidden(
                "only accountants and administrators record a remittance paid", field="paid_by"
            )
        if row.status == RemittanceStatus.PAID:
            assert row.paid_on is not None
            who = row.paid_by.get_username() if row.paid_by is not None else "the operator"
            raise RemittanceAlreadyPaid(
                f"{row.number} was marked paid on {row.paid_on.isoformat()} (reference "
                f"{row.paid_reference}) by {who}; nothing was changed",
                field="remittance_id",
            )
        if row.due_to_client_minor <= 0:
            owed = (
                f"the client owes {format_minor(-row.due_to_client_minor, row.currency)}"
                if row.due_to_client_minor
                else "nothing is due"
            )
            raise RemittanceRefused(
                f"{row.number} has nothing to pay to the client: {owed}", field="remittance_id"
            )
        reference = " ".join(reference.split())
        if not reference:
            raise RemittanceRefused(
                "give the check or wire number of the payment", field="reference"
            )
        if len(reference) > MAX_PAID_REFERENCE:
            raise RemittanceRefused(
                f"the reference is at most {MAX_PAID_REFERENCE} characters", field="reference"
            )
        issued = timezone.localdate(row.created_at)
        if paid_on > timezone.localdate(now):
            raise RemittanceRefused(
                f"{paid_on.isoformat()} is in the future: record a payment once it is made",
                field="paid_on",
            )
        if paid_on < issued:
            raise RemittanceRefused(
                f"{row.number} was issued on {issued.isoformat()}; it cannot have been paid on "
                f"{paid_on.isoformat()}",
                field="paid_on",
            )
        row.status = RemittanceStatus.PAID
        row.paid_on = paid_on
        row.paid_reference = reference
        row.paid_by = by
        row.paid_at = now
        row.save(update_fields=["status", "paid_on", "paid_reference", "paid_by", "paid_at"])
        audit_record(
            actor=actor, event="remittance.paid", at=now,
            details={"remittance": row.pk, "number": row.number, "client": row.client.code,
                     "currency": row.currency, "due_to_client_minor": row.due_to_client_minor,
                     "paid_on": paid_on.isoformat(), "reference": reference,
                     "paid_by": by.get_username() if by is not None else None},
        )  # fmt: skip
        return row


__all__ = [
    "PAYING_ROLES",
    "VIEWING_ROLES",
    "PayingForbidden",
    "RemitReport",
    "RemittanceAlreadyPaid",
    "RemittanceRefused",
    "Statement",
    "card_fees",
    "client_terms",
    "commission_terms_set",
    "may_mark_paid",
    "may_see_remittances",
    "remit",
    "remittance_mark_paid",
    "statement_number",
]
