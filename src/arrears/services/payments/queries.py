"""Bank debits as the screens and the API show them: an account's ACH authorizations and the
debits scheduled under them, who may change them, and which records a user may reach.

A bank account is only ever shown as its type and last four digits; the full number stays
encrypted (``origination.ach_authorize``) and is read only to write an ACH file.

An account's authorizations and debits, with the pre-debit notices and the plan instalments
the debits belong to, are read in one statement (``services.together``, compiled once per
process), so the account screen's card costs one round trip however many debits a plan made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from arrears.core.letters import needs_pre_debit_notice, pre_debit_send_window
from arrears.core.time import next_settlement_day
from arrears.data.arrangements.models import (
    STANDING,
    Arrangement,
    ArrangementInstalment,
    InstalmentState,
)
from arrears.data.contacts.models import MoneyLetter, MoneyLetterKind, MoneyLetterStatus
from arrears.data.parties.models import BankAccount
from arrears.data.payments.models import (
    AchAuthorization,
    ScheduledPayment,
    ScheduledStatus,
    SecCode,
)
from arrears.data.users.models import User
from arrears.services import together
from arrears.services.accounts.access import visible_accounts
from arrears.services.common import NotFound
from arrears.services.payments.unapplied import may_post_payment

# ACH moves U.S. dollars only: a debit's amount is in cents of USD.
ACH_CURRENCY = "USD"
# The debits an account's list shows at most: the latest due first (a plan makes dozens).
DEBITS_SHOWN = 200
_ONE_DAY = timedelta(days=1)

type Viewer = User | AnonymousUser


def may_manage_debits(user: Viewer) -> bool:
    """Whether the user records and revokes authorizations and schedules and cancels debits:
    whoever takes ACH payments (accountants, supervisors, administrators, and collectors on
    the accounts they may see). Compliance officers see them and change nothing."""
    return isinstance(user, User) and may_post_payment(user, "ach")


def require_authorization_visible(user: Viewer, authorization_id: int) -> None:
    """Refuse an authorization on an account the user may not see as one that does not exist."""
    rows = AchAuthorization.objects.filter(pk=authorization_id)
    if not visible_accounts(user, rows, via="account").exists():
        raise NotFound(f"no authorization {authorization_id}", field="authorization_id")


def require_scheduled_visible(user: Viewer, scheduled_id: int) -> None:
    """Refuse a scheduled debit on an account the user may not see as one that does not
    exist."""
    rows = ScheduledPayment.objects.filter(pk=scheduled_id)
    if not visible_accounts(user, rows, via="account").exists():
        raise NotFound(f"no scheduled debit {scheduled_id}", field="scheduled_id")


# --- what the rows look like ------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizationRow:
    """One authorization: the bank account as type and last four digits only."""

    id: int
    account_id: int
    sec: str
    sec_text: str
    bank_type: str  # checking or savings
    last4: str
    recurring: bool
    evidence: str
    obtained_at: datetime
    ends_on: date | None  # exclusive
    revoked_at: datetime | None
    revoked_reason: str
    state: str  # in_force, ended or revoked (on the day asked about)

    @property
    def bank_text(self) -> str:
        """ "checking ending 6789": how the screen and the letters name the account."""
        return f"{self.bank_type} ending {self.last4}"

    @property
    def label(self) -> str:
        """ "WEB · checking ending 6789 · recurring": the choice in a form."""
        return f"{self.sec} · {self.bank_text} · {'recurring' if self.recurring else 'single'}"


@dataclass(frozen=True)
class UsableAuthorization:
    """An authorization a plan may collect under: recurring, not revoked, not ended."""

    id: int
    sec: str
    bank_type: str
    last4: str

    @property
    def label(self) -> str:
        return f"{self.sec} · {self.bank_type} ending {self.last4}"


@dataclass(frozen=True)
class DebitNotice:
    """The pre-debit notice of a scheduled debit (15 U.S.C. 1692f(2)): needed when the debit
    was post-dated by more than five days (a first presentment; a retry is announced by the
    notice of the return). ``window`` is when it is to be sent, first and last day."""

    needed: bool
    status: str = ""  # "" (none yet), sent or blocked
    sent_on: date | None = None
    window: tuple[date, date] | None = None

    @property
    def text(self) -> str:
        if not self.needed:
            return "not needed"
        if self.status == MoneyLetterStatus.SENT and self.sent_on is not None:
            return f"sent {self.sent_on.isoformat()}"
        if self.status == MoneyLetterStatus.BLOCKED:
            return "blocked by the rules"
        if self.window is not None:
            first, last = self.window
            return f"needed, to go out {first.isoformat()} to {last.isoformat()}"
        return "needed, not sent"


@dataclass(frozen=True)
class DebitRow:
    """One scheduled debit, with its notice and the plan or settlement it pays, if any."""

    id: int
    account_id: int
    authorization_id: int
    amount_minor: int
    currency: str
    due_on: date
    status: str
    status_text: str
    status_reason: str
    attempt: int
    retry_of_id: int | None
    trace: str
    bank_type: str
    last4: str
    created_at: datetime
    notice: DebitNotice
    arrangement_id: int | None = None
    arrangement_kind: str = ""  # plan or settlement
    arrangement_status: str = ""
    instalment_seq: int | None = None
    instalment_open: bool = False

    @property
    def in_standing_arrangement(self) -> bool:
        """It collects an open instalment of a plan or settlement still standing: it is
        cancelled with the arrangement, not on its own."""
        return self.instalment_open and self.arrangement_status in STANDING

    @property
    def cancellable(self) -> bool:
        return self.status == ScheduledStatus.SCHEDULED and not self.in_standing_arrangement


@dataclass(frozen=True)
class BankDebits:
    authorizations: list[AuthorizationRow]
    debits: list[DebitRow]


# --- reading them -------------------------------------------------------------------------------


def _parts(
    authorizations: QuerySet[AchAuthorization], scheduled: QuerySet[ScheduledPayment]
) -> together.Parts:
    """The rows the lists are made of: the authorizations asked for (those the debits are
    under among them) with their bank accounts, the debits, their pre-debit notices and the
    instalments they pay."""
    scheduled_ids = scheduled.values("pk")
    instalments = ArrangementInstalment.objects.filter(scheduled_id__in=scheduled_ids)
    return {
        "auth": authorizations,
        "debit": scheduled,
        "bank": BankAccount.objects.filter(pk__in=authorizations.values("bank_account_id")),
        "letter": MoneyLetter.objects.filter(
            kind=MoneyLetterKind.PRE_DEBIT_NOTICE, scheduled_id__in=scheduled_ids
        ),
        "instalment": instalments,
        "arrangement": Arrangement.objects.filter(pk__in=instalments.values("arrangement_id")),
    }


def _account_parts(account_id: int) -> together.Parts:
    shown = (
        ScheduledPayment.objects.filter(account_id=account_id)
        .order_by("-due_on", "-id")
        .values("pk")[:DEBITS_SHOWN]
    )
    return _parts(
        AchAuthorization.objects.filter(account_id=account_id),
        ScheduledPayment.objects.filter(pk__in=shown),
    )


# Compiled once per process; the stand-in is an id no account has.
_ACCOUNT = together.Prepared(_account_parts, account_id=-7_200_000_001)


def _state(a: AchAuthorization, on: date) -> str:
    if a.revoked_at is not None:
        return "revoked"
    if a.ends_on is not None and a.ends_on <= on:
        return "ended"
    return "in_force"


def _authorization_rows(
    rows: Iterable[AchAuthorization], banks: dict[int, BankAccount], on: date
) -> list[AuthorizationRow]:
    labels = dict(SecCode.choices)
    found = []
    for a in sorted(rows, key=lambda a: (a.obtained_at, a.pk), reverse=True):
        bank = banks[a.bank_account_id]
        found.append(AuthorizationRow(
            id=a.pk, account_id=a.account_id, sec=a.sec, sec_text=str(labels.get(a.sec, a.sec)),
            bank_type=bank.account_type, last4=bank.account_last4, recurring=a.recurring,
            evidence=a.evidence, obtained_at=a.obtained_at, ends_on=a.ends_on,
            revoked_at=a.revoked_at, revoked_reason=a.revoked_reason, state=_state(a, on),
        ))  # fmt: skip
    return found


def _notice(debit: ScheduledPayment, letter: MoneyLetter | None) -> DebitNotice:
    needed = debit.attempt == 1 and needs_pre_debit_notice(
        timezone.localdate(debit.created_at), debit.due_on
    )
    if not needed:
        return DebitNotice(needed=False)
    window = pre_debit_send_window(next_settlement_day(debit.due_on))
    assert window.end is not None
    return DebitNotice(
        needed=True, status=letter.status if letter is not None else "",
        sent_on=letter.sent_on if letter is not None else None,
        window=(window.start, window.end - _ONE_DAY),
    )  # fmt: skip


def _debit_rows(fetched: dict[str, list[Any]]) -> list[DebitRow]:
    labels = dict(ScheduledStatus.choices)
    auths: dict[int, AchAuthorization] = {a.pk: a for a in fetched["auth"]}
    banks: dict[int, BankAccount] = {b.pk: b for b in fetched["bank"]}
    letters = {m.scheduled_id: m for m in fetched["letter"]}
    instalments = {i.scheduled_id: i for i in fetched["instalment"]}
    arrangements = {a.pk: a for a in fetched["arrangement"]}
    found = []
    for d in sorted(fetched["debit"], key=lambda d: (d.due_on, d.pk), reverse=True):
        auth = auths.get(d.authorization_id)
        bank_id = auth.bank_account_id if auth is not None else None
        bank = banks.get(bank_id) if bank_id is not None else None
        instalment = instalments.get(d.pk)
        arrangement = arrangements.get(instalment.arrangement_id) if instalment else None
        found.append(DebitRow(
            id=d.pk, account_id=d.account_id, authorization_id=d.authorization_id,
            amount_minor=d.amount_minor, currency=ACH_CURRENCY, due_on=d.due_on,
            status=d.status, status_text=str(labels.get(d.status, d.status)),
            status_reason=d.status_reason, attempt=d.attempt, retry_of_id=d.retry_of_id,
            trace=d.trace, bank_type=bank.account_type if bank else "",
            last4=bank.account_last4 if bank else "", created_at=d.created_at,
            notice=_notice(d, letters.get(d.pk)),
            arrangement_id=arrangement.pk if arrangement else None,
            arrangement_kind=arrangement.kind if arrangement else "",
            arrangement_status=arrangement.status if arrangement else "",
            instalment_seq=instalment.seq if instalment else None,
            instalment_open=bool(instalment and instalment.status == InstalmentState.OPEN),
        ))  # fmt: skip
    return found


def bank_debits(account_id: int, *, on: date) -> BankDebits:
    """The account's authorizations (newest first) and scheduled debits (latest due first, at
    most ``DEBITS_SHOWN``), in one statement. ``on`` is the day an authorization's end is
    judged against."""
    fetched = _ACCOUNT.fetch(account_id=account_id)
    banks = {b.pk: b for b in fetched["bank"]}
    return BankDebits(_authorization_rows(fetched["auth"], banks, on), _debit_rows(fetched))


def account_authorizations(account_id: int, *, on: date) -> list[AuthorizationRow]:
    """The account's ACH authorizations, newest first, each with its state on ``on``."""
    return bank_debits(account_id, on=on).authorizations


def account_scheduled_debits(account_id: int, *, on: date) -> list[DebitRow]:
    """The account's scheduled debits, latest due first, each with its notice and plan."""
    return bank_debits(account_id, on=on).debits


def usable_authorizations(account_id: int, *, on: date) -> list[UsableAuthorization]:
    """The authorizations a plan or settlement starting on ``on`` may collect under: recurring,
    not revoked and not ended by then; newest first. (A plan's last payment must also fall
    before the authorization's end: ``services.arrangements.plans`` checks that when it is
    agreed.)"""
    rows = (
        AchAuthorization.objects.filter(account_id=account_id, recurring=True,
                                        revoked_at__isnull=True)
        .exclude(ends_on__lte=on)
        .order_by("-obtained_at", "-id")
        .values_list("id", "sec", "bank_account__account_type", "bank_account__account_last4")
    )  # fmt: skip
    return [UsableAuthorization(id=i, sec=s, bank_type=t, last4=n) for i, s, t, n in rows]


def authorization_row(authorization_id: int, *, on: date) -> AuthorizationRow:
    """One authorization as the lists show it (NotFound naming ``authorization_id``)."""
    rows = AchAuthorization.objects.filter(pk=authorization_id)
    fetched = together.fetch(
        {"auth": rows, "bank": BankAccount.objects.filter(pk__in=rows.values("bank_account_id"))}
    )
    if not fetched["auth"]:
        raise NotFound(f"no authorization {authorization_id}", field="authorization_id")
    banks = {b.pk: b for b in fetched["bank"]}
    return _authorization_rows(fetched["auth"], banks, on)[0]


def scheduled_debit_row(scheduled_id: int) -> DebitRow:
    """One scheduled debit as the lists show it (NotFound naming ``scheduled_id``)."""
    debit = ScheduledPayment.objects.filter(pk=scheduled_id)
    fetched = together.fetch(
        _parts(AchAuthorization.objects.filter(pk__in=debit.values("authorization_id")), debit)
    )
    if not fetched["debit"]:
        raise NotFound(f"no scheduled debit {scheduled_id}", field="scheduled_id")
    return _debit_rows(fetched)[0]


def authorization_on_account(authorization_id: int, account_id: int) -> bool:
    """Whether the authorization is one of this account's (a form or a path names both)."""
    return AchAuthorization.objects.filter(pk=authorization_id, account_id=account_id).exists()


def scheduled_on_account(scheduled_id: int, account_id: int) -> bool:
    return ScheduledPayment.objects.filter(pk=scheduled_id, account_id=account_id).exists()


__all__ = [
    "ACH_CURRENCY",
    "DEBITS_SHOWN",
    "AuthorizationRow",
    "BankDebits",
    "DebitNotice",
    "DebitRow",
    "UsableAuthorization",
    "account_authorizations",
    "account_scheduled_debits",
    "authorization_on_account",
    "authorization_row",
    "bank_debits",
    "may_manage_debits",
    "require_authorization_visible",
    "require_scheduled_visible",
    "scheduled_debit_row",
    "scheduled_on_account",
    "usable_authorizations",
]
