"""Unapplied cash: the payments still holding money no account took, the accounts each may
belong to, and applying it to the one chosen.

A payment keeps what could not be applied (``Payment.unapplied_minor``, with the reason) until
someone who handles money picks the account. Suggestions read the evidence a payment carries:

- its account reference as the payer wrote it, compared loosely (without ``#``, spaces, dashes,
  case and leading zeros) and with the typing slips people make: two adjacent characters
  swapped, one character dropped or one added (a reference that names an account exactly
  names that one only). The variants are looked up through the ``(client, client_ref)``
  index and as account numbers, never by scanning accounts;
- an open promise to pay exactly the amount;
- the payer's name, through the search box's name reading (sound keys, then similarity);
- the consumer's other debts, when the payment already went to one of their accounts.

Applying goes through the same calculation and refusals as a payment posted by hand
(``posting.plan_or_refuse``): a closed account, a disputed debt the consumer did not direct
payment of and an account owing nothing refuse, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from arrears.core.formats import payments as layout
from arrears.core.ledger import EntryKind
from arrears.core.money import format_minor
from arrears.data.accounts.models import Account, AccountParty, Hold, HoldKind
from arrears.data.clients.models import Client
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import Payment, UnappliedReason
from arrears.data.users.models import Role, User
from arrears.data.work.models import Promise, PromiseStatus
from arrears.services.accounts.search import search_accounts
from arrears.services.common import Actor, NotFound, audit_record
from arrears.services.payments.posting import (
    CLOSED,
    Applied,
    PaymentRefused,
    Receipt,
    _Poster,
    plan_or_refuse,
)

# Who handles money. Accountants, supervisors and administrators post any payment and apply
# unapplied cash; a collector takes a card or ACH payment on an account they may see (money
# that passes through a payment gateway, not cash or a check in hand).
MONEY_ROLES = frozenset({Role.ACCOUNTANT, Role.SUPERVISOR, Role.ADMIN})
COLLECTOR_METHODS = ("card", "ach")

# A reference shorter than this is matched exactly only: one slip away from "123" are dozens
# of real accounts, so loose matches on it would be noise.
FUZZY_MIN_LENGTH = 5
# Open promises of the same amount count when due this many days either side of the day the
# money came (the promise index is (status, due_on), so this is a range read).
PROMISE_WINDOW_DAYS = 30
PROMISES_READ = 50
# Names this similar to the payer's (0 to 1, the search box's name score) are suggested.
NAME_MIN_SCORE = 0.85
NAME_SAME_SCORE = 0.99

# How much each kind of evidence weighs when two suggestions have as many reasons.
_WEIGHT = {
    "exact": 100,
    "swapped": 60,
    "one_off": 50,
    "same_consumer": 45,
    "promise": 40,
    "name": 30,
    "client": 10,
}


def may_post_payment(user: User, method: str | None = None) -> bool:
    """Whether the user may take a payment (``method`` None: any method at all)."""
    if not user.is_active:
        return False
    if user.is_superuser or user.role in MONEY_ROLES:
        return True
    return user.role == Role.COLLECTOR and (method is None or method in COLLECTOR_METHODS)


def methods_for(user: User) -> tuple[str, ...]:
    """The payment methods the user may take, in the file layout's order."""
    return tuple(m for m in layout.METHODS if may_post_payment(user, m))


def may_apply_unapplied(user: User) -> bool:
    """Whether the user may see unapplied cash and apply it."""
    return bool(user.is_active and (user.is_superuser or user.role in MONEY_ROLES))


# -- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnappliedCash:
    """One payment with money waiting, as the unapplied-cash screen and API show it."""

    id: int
    reference: str
    method: str
    method_text: str
    received_on: date
    amount_minor: int
    applied_minor: int
    unapplied_minor: int
    currency: str
    reason: str
    reason_text: str
    account_id: int | None
    account_hint: str
    client_hint: str
    payer_name: str
    memo: str
    consumer_directed: bool


def _waiting() -> Q:
    return Q(unapplied_minor__gt=0, returned_on__isnull=True)


def unapplied_list(
    *, limit: int = 100, actor_client_ids: Collection[int] | None = None
) -> list[UnappliedCash]:
    """Payments with money waiting, oldest received first (``payment_unapplied_idx``).

    ``actor_client_ids`` (None: every client) keeps the payments that went to an account of
    those clients; cash that matched no account belongs to no client yet, so only those who see
    every client see it.
    """
    rows = Payment.objects.filter(_waiting())
    if actor_client_ids is not None:
        rows = rows.filter(account__client_id__in=list(actor_client_ids))
    return [_cash(p) for p in rows.order_by("received_on", "id")[: max(0, limit)]]


def unapplied_totals(*, actor_client_ids: Collection[int] | None = None) -> tuple[int, int]:
    """How many payments hold unapplied money, and how much in all (minor units)."""
    rows = Payment.objects.filter(_waiting())
    if actor_client_ids is not None:
        rows = rows.filter(account__client_id__in=list(actor_client_ids))
    found = rows.aggregate(n=Count("id"), total=Sum("unapplied_minor"))
    return int(found["n"] or 0), int(found["total"] or 0)


def unapplied_get(payment_id: int) -> UnappliedCash:
    """One payment with money waiting; NotFound when there is none (or nothing waits on it)."""
    payment = Payment.objects.filter(_waiting(), pk=payment_id).first()
    if payment is None:
        raise NotFound(f"no unapplied cash on payment {payment_id}", field="payment_id")
    return _cash(payment)


def _cash(p: Payment) -> UnappliedCash:
    return UnappliedCash(
        id=p.pk, reference=p.reference, method=p.method,
        method_text=str(p.get_method_display()), received_on=p.received_on,
        amount_minor=p.amount_minor, applied_minor=p.applied_minor,
        unapplied_minor=p.unapplied_minor, currency=p.currency, reason=p.unapplied_reason,
        reason_text=reason_text(p.unapplied_reason), account_id=p.account_id,
        account_hint=p.account_hint, client_hint=p.client_hint, payer_name=p.payer_name,
        memo=p.memo, consumer_directed=p.consumer_directed,
    )  # fmt: skip


def reason_text(reason: str) -> str:
    """The reason in words ("No account matches the reference")."""
    try:
        return str(UnappliedReason(reason).label)
    except ValueError:
        return "Not applied yet"


# -- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """An account the payment may belong to, with every reason to think so."""

    account_id: int
    client_code: str
    client_ref: str
    party_name: str
    status: str
    balance_minor: int
    currency: str
    disputed: bool  # a dispute hold is open: applying needs the consumer's direction
    reasons: list[str]
    score: int


@dataclass
class _Evidence:
    kinds: dict[str, str] = field(default_factory=dict)  # kind -> reason text

    def add(self, kind: str, text: str) -> None:
        # Exact, swapped and one-off are one kind of evidence (the reference): keep the best.
        if kind in ("swapped", "one_off") and "exact" in self.kinds:
            return
        if kind == "one_off" and "swapped" in self.kinds:
            return
        if kind == "exact":
            self.kinds.pop("swapped", None)
            self.kinds.pop("one_off", None)
        if kind == "swapped":
            self.kinds.pop("one_off", None)
        self.kinds.setdefault(kind, text)


def reference_key(text: str) -> str:
    """A reference as compared: without ``#``, spaces and dashes, in upper case, leading zeros
    dropped ("# 00-123 ab" -> "123AB")."""
    return _compact(text).lstrip("0")


def _compact(text: str) -> str:
    return "".join(ch for ch in text if ch not in "# -\t").upper()


def reference_variants(text: str) -> set[str]:
    """Every spelling one slip away from the reference: as written (as is, and compacted with
    and without its leading zeros), two adjacent characters swapped, one character dropped, one
    character added. Short references give only themselves (see ``FUZZY_MIN_LENGTH``)."""
    bases = {b for b in (_compact(text), reference_key(text)) if b}
    found = set(bases)
    for base in bases:
        if len(base) < FUZZY_MIN_LENGTH:
            continue
        alphabet = "0123456789" + (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if any(ch.isalpha() for ch in base) else ""
        )
        for i in range(len(base) - 1):
            if base[i] != base[i + 1]:
                found.add(base[:i] + base[i + 1] + base[i] + base[i + 2 :])
        for i in range(len(base)):
            found.add(base[:i] + base[i + 1 :])
        for i in range(len(base) + 1):
            for ch in alphabet:
                found.add(base[:i] + ch + base[i:])
    found.add(text.strip())  # as written, for references kept with their own dashes or case
    found.discard("")
    return found


def _slip(written: str, actual: str) -> str | None:
    """How the written reference differs from the account's: "exact", "swapped" (two adjacent
    characters), "one_off" (one dropped or added), or None (further apart)."""
    a, b = reference_key(written), reference_key(actual)
    if a == b:
        return "exact"
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and (a[diff[1]] == b[diff[0]])
        ):
            return "swapped"
        return None
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if len(long_) - len(short) != 1:
        return None
    return (
        "one_off" if any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_))) else None
    )


_SLIP_TEXT = {
    "client_ref": {
        "exact": "reference matches the client's reference",
        "swapped": "reference has two characters swapped",
        "one_off": "reference differs by one character",
    },
    "account": {
        "exact": "reference is the account number",
        "swapped": "reference is the account number with two digits swapped",
        "one_off": "reference is the account number with one digit more or less",
    },
}


def unapplied_suggestions(
    payment_id: int, *, limit: int = 5, today: date | None = None
) -> list[Suggestion]:
    """The accounts this payment's money may belong to, best first: more reasons first, then
    stronger ones (the reference over a promise over a name), then the larger balance.

    Accounts that cannot take money (closed, recalled, owing nothing) are left out; an account
    with an open dispute is kept and marked, since the consumer may direct the payment.
    """
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(f"no payment {payment_id}", field="payment_id")
    today = today or timezone.localdate()
    found: dict[int, _Evidence] = {}

    def note(account_ids: Iterable[int], kind: str, text: str) -> None:
        for account_id in account_ids:
            found.setdefault(account_id, _Evidence()).add(kind, text)

    _by_reference(payment.account_hint, note)
    _by_promise(payment, note)
    _by_name(payment.payer_name, note, limit)
    _by_consumer(payment, note)
    if not found:
        return []
    rows = Account.objects.filter(pk__in=list(found)).values_list(
        "pk", "client__code", "client_ref", "status", "balance_minor", "currency", "purged_on"
    )
    payable = {
        pk: _Candidate(code, ref, status, balance, currency)
        for pk, code, ref, status, balance, currency, purged in rows
        if status not in CLOSED and balance > 0 and purged is None
    }
    client_hint = payment.client_hint.strip().upper()
    if client_hint:
        matching = [pk for pk, c in payable.items() if c.client_code == client_hint]
        note(matching, "client", f"client {client_hint}, as the payment names")

    def rank(pk: int) -> tuple[int, int, int, int]:
        kinds = found[pk].kinds
        return (-len(kinds), -sum(_WEIGHT[k] for k in kinds), -payable[pk].balance_minor, pk)

    ranked = sorted(payable, key=rank)[: max(0, limit)]
    names = _party_names(ranked)
    disputed = _disputed(ranked, today)
    suggestions = []
    for pk in ranked:
        c, kinds = payable[pk], found[pk].kinds
        suggestions.append(Suggestion(
            account_id=pk, client_code=c.client_code, client_ref=c.client_ref,
            party_name=names.get(pk, ""), status=c.status, balance_minor=c.balance_minor,
            currency=c.currency, disputed=pk in disputed, reasons=list(kinds.values()),
            score=sum(_WEIGHT[k] for k in kinds),
        ))  # fmt: skip
    return suggestions


@dataclass(frozen=True)
class _Candidate:
    client_code: str
    client_ref: str
    status: str
    balance_minor: int
    currency: str


class _Note(Protocol):
    """What each reader below is given: note these accounts with this kind of evidence."""

    def __call__(self, account_ids: Iterable[int], kind: str, text: str) -> None: ...


def _by_reference(hint: str, note: _Note) -> None:
    """Accounts whose client reference or number the hint spells, or spells with one slip.
    When it spells one exactly, that is what the payer meant: its one-slip neighbours (many,
    where references are numbered densely) are left out."""
    if not reference_key(hint):
        return
    variants = reference_variants(hint)
    hits: list[tuple[int, str, str]] = []  # (account, slip, reason)
    # Across every client, through the unique (client, client_ref) index.
    clients = list(Client.objects.values_list("pk", flat=True))
    refs = Account.objects.filter(
        client_id__in=clients, client_ref__in=sorted(variants)
    ).values_list("pk", "client_ref")
    for pk, ref in refs:
        if (slip := _slip(hint, ref)) is not None:
            hits.append((pk, slip, _SLIP_TEXT["client_ref"][slip]))
    numbers = {int(v) for v in variants if v.isascii() and v.isdigit() and len(v) <= 18}
    numbers.discard(0)
    if numbers:
        for pk in Account.objects.filter(pk__in=sorted(numbers)).values_list("pk", flat=True):
            if (slip := _slip(hint, str(pk))) is not None:
                hits.append((pk, slip, _SLIP_TEXT["account"][slip]))
    exact = any(slip == "exact" for _, slip, _ in hits)
    for pk, slip, reason in hits:
        if slip == "exact" or not exact:
            note([pk], slip, reason)


def _by_promise(payment: Payment, note: _Note) -> None:
    amounts = {payment.amount_minor, payment.unapplied_minor}
    window = timedelta(days=PROMISE_WINDOW_DAYS)
    promised = Promise.objects.filter(
        status=PromiseStatus.OPEN,
        due_on__gte=payment.received_on - window,
        due_on__lte=payment.received_on + window,
        amount_minor__in=sorted(amounts),
    ).values_list("account_id", flat=True)[:PROMISES_READ]
    note(promised, "promise", "open promise of the same amount")


def _by_name(payer_name: str, note: _Note, limit: int) -> None:
    name = " ".join(payer_name.split())
    if not any(ch.isalpha() for ch in name):
        return
    result = search_accounts(f"name:{name}", by_ssn=False, limit=max(limit * 4, 20))
    for hit in result.hits:
        if hit.matched_by != "name" or hit.score < NAME_MIN_SCORE:
            continue
        text = (
            "payer's name is the consumer's"
            if hit.score >= NAME_SAME_SCORE
            else f"payer's name is like the consumer's ({hit.party_name})"
        )
        note([hit.account_id], "name", text)


def _by_consumer(payment: Payment, note: _Note) -> None:
    """The consumer's other debts, when the payment went to one of their accounts (the rest of
    an overpayment, or a payment the consumer meant for another debt)."""
    if payment.account_id is None:
        return
    parties = AccountParty.objects.filter(account_id=payment.account_id).values("party_id")
    others = (
        AccountParty.objects.filter(party_id__in=parties)
        .exclude(account_id=payment.account_id)
        .values_list("account_id", flat=True)
        .distinct()
    )
    note(others, "same_consumer", f"another debt of the consumer of account #{payment.account_id}")


def _party_names(account_ids: list[int]) -> dict[int, str]:
    """The primary debtor's name, else the first party's (one statement)."""
    names: dict[int, str] = {}
    links = (
        AccountParty.objects.filter(account_id__in=account_ids)
        .select_related("party")
        .order_by("id")
    )
    for link in links:
        if link.role == "primary" or link.account_id not in names:
            names[link.account_id] = link.party.display_name
    return names


def _disputed(account_ids: list[int], today: date) -> set[int]:
    holds = Hold.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=today),
        account_id__in=account_ids,
        kind=HoldKind.DISPUTE,
        starts_on__lte=today,
    )
    return set(holds.values_list("account_id", flat=True))


# -- applying ---------------------------------------------------------------------------------


def unapplied_apply(
    *,
    payment_id: int,
    account_id: int,
    actor: Actor,
    amount_minor: int | None = None,
    consumer_directed: bool = False,
    now: datetime | None = None,
) -> Applied:
    """Apply a payment's unapplied money (all of it, or ``amount_minor`` of it) to an account.

    The payment row is locked first, so two people applying the same money cannot both take
    it. The account is worked out exactly as for a payment posted by hand, with its refusals;
    on a refusal nothing changes. What the account does not take (it owed less) stays
    unapplied as ``overpaid``. The payment entry's idempotency key counts the payment's
    applications (``payment:<reference>:<n>``), so each one is a distinct, unrepeatable entry.
    """
    now = now or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
        if payment is None:
            raise NotFound(f"no payment {payment_id}", field="payment_id")
        if payment.returned_on is not None:
            raise PaymentRefused(
                f"payment {payment.reference} was returned on {payment.returned_on.isoformat()}",
                field="payment_id",
            )
        waiting = payment.unapplied_minor
        if waiting <= 0:
            raise PaymentRefused(
                f"payment {payment.reference} has nothing left to apply", field="payment_id"
            )
        amount = waiting if amount_minor is None else amount_minor
        if not 1 <= amount <= waiting:
            raise PaymentRefused(
                "the amount must be more than zero and at most the "
                f"{format_minor(waiting, payment.currency)} unapplied",
                field="amount",
            )
        directed = consumer_directed or payment.consumer_directed
        receipt = Receipt(
            reference=payment.reference, amount_minor=amount, received_on=payment.received_on,
            method=payment.method, account_hint=payment.account_hint,
            client_hint=payment.client_hint, payer_name=payment.payer_name, memo=payment.memo,
            consumer_directed=directed,
        )  # fmt: skip
        poster = _Poster(actor=actor, now=now, today=timezone.localdate(now))
        book = poster.lock([account_id]).get(account_id)
        if book is None:
            raise NotFound(f"no account {account_id}", field="account_id")
        if book.currency != payment.currency:
            raise PaymentRefused(
                f"the account is kept in {book.currency}; the payment is in {payment.currency}",
                field="account_id",
            )
        plan = plan_or_refuse(poster, book, receipt)
        applications = Entry.objects.filter(payment=payment, kind=EntryKind.PAYMENT).count()
        entries: list[tuple[object, ...]] = []
        entry_ids = poster.entry_writer.reserve_ids(poster.entries_needed(plan))
        poster.advance(book, plan, payment.received_on)
        entry_id = poster.entry_rows(
            book, plan, receipt, payment.pk, entry_ids, entries,
            payment_key=f"payment:{payment.reference}:{applications}",
        )  # fmt: skip
        poster.entry_writer.write(entries)
        poster.save_books([book])

        applied = plan.applied_minor
        left = waiting - applied
        if left == 0:
            reason = ""
        elif plan.unapplied_minor:
            reason = UnappliedReason.OVERPAID
        else:
            reason = payment.unapplied_reason
        Payment.objects.filter(pk=payment.pk).update(
            account_id=payment.account_id if payment.account_id is not None else book.id,
            applied_minor=payment.applied_minor + applied,
            unapplied_minor=left,
            unapplied_reason=reason,
            consumer_directed=directed,
        )
        audit_record(
            actor=actor, event="payment.applied", account_id=book.id, at=now,
            details={"payment": payment.pk, "reference": payment.reference, "entry": entry_id,
                     "amount_minor": amount, "applied_minor": applied,
                     "unapplied_minor": left, "consumer_directed": directed,
                     "was": payment.unapplied_reason},
        )  # fmt: skip
        return Applied(payment.pk, book.id, applied, left, reason, entry_id, book.balances)


__all__ = [
    "COLLECTOR_METHODS",
    "MONEY_ROLES",
    "Suggestion",
    "UnappliedCash",
    "may_apply_unapplied",
    "may_post_payment",
    "methods_for",
    "reason_text",
    "reference_key",
    "reference_variants",
    "unapplied_apply",
    "unapplied_get",
    "unapplied_list",
    "unapplied_suggestions",
    "unapplied_totals",
]
