"""Money that came back: a payment returned by the bank (a bounced check, an ACH return), the
ACH debits we sent being collected on their settlement day, and the bank's answers to them
(returns and notifications of change) read from a file by ``arrears ach-returns``.

A returned payment is undone exactly: each bucket gets back what the payment took, and interest
is counted as if it had never been paid (``core.ledger.plan_reversal``). Funds returns (R01,
R09) carry the client's returned-payment fee, when its contract allows one, and are tried again
at most twice within 180 days; a closed account or an unauthorized debit ends the
authorization. Whoever works the account is told by a callback with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from arrears.core.formats import ach_returns as codes
from arrears.core.formats.nacha import Addenda, Entry
from arrears.core.ledger import Balances, EntryKind, LedgerError, Position, plan_reversal
from arrears.core.money.text import format_minor
from arrears.core.time import next_settlement_day
from arrears.data.accounts.models import AccountStatus
from arrears.data.ledger.models import Entry as LedgerEntry
from arrears.data.payments.models import (
    AchAnswer,
    AchAnswerKind,
    AchAuthorization,
    Payment,
    PaymentMethod,
    ScheduledPayment,
    ScheduledStatus,
)
from arrears.data.work.models import Assignment, Callback
from arrears.services.bulk import update_by_id
from arrears.services.common import Actor, NotFound, audit_record, key_ring
from arrears.services.ledger.operations import (
    CLOSED_STATUSES,
    _append,
    _cached,
    _lock,
    _store_accrual,
    account_ledger,
    accrual_state,
    interest_terms,
)
from arrears.services.payments.ach import read_ach_file
from arrears.services.payments.origination import BANK_CONTEXT, KEEP_AFTER_END
from arrears.services.payments.posting import (
    BATCH,
    PaymentRefused,
    PostingReport,
    Receipt,
    post_receipts,
)

NSF = "NSF"


@dataclass(frozen=True)
class Returned:
    """What returning one payment did."""

    payment_id: int
    account_id: int | None
    reversed_minor: int
    fee_minor: int
    entry_id: int | None
    balances: Balances | None
    duplicate: bool = False


def payment_return(
    *,
    payment_id: int,
    returned_on: date,
    code: str,
    reason: str,
    actor: Actor,
    charge_fee: bool,
    now: datetime | None = None,
) -> Returned:
    """The bank sent a payment back (``code``: an ACH return code, or NSF for a check).

    What it applied is reversed; what waited as unapplied cash goes back too. With
    ``charge_fee`` the client's returned-payment fee is charged, if its terms have one. A
    payment already returned is left alone.
    """
    now = now or timezone.now()
    code = code.strip().upper()
    if code != NSF and not (len(code) == 3 and code[0] == "R" and code[1:].isdigit()):
        raise PaymentRefused("the code is NSF or an ACH return code such as R01", field="code")
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
        if payment is None:
            raise NotFound(f"no payment {payment_id}", field="payment_id")
        if payment.returned_on is not None:
            return Returned(payment.pk, payment.account_id, 0, 0, None, None, duplicate=True)
        if returned_on < payment.received_on:
            raise PaymentRefused(
                f"the payment was received on {payment.received_on.isoformat()}; it cannot come "
                f"back on {returned_on.isoformat()}",
                field="returned_on",
            )
        entry_id = None
        balances = None
        fee = 0
        reversed_minor = payment.applied_minor
        if payment.account_id is not None and payment.applied_minor > 0:
            entry_id, fee, balances = _reverse_on_account(
                payment, returned_on, code, reason, actor=actor, now=now, charge_fee=charge_fee
            )
        payment.returned_on = returned_on
        payment.return_code = code
        payment.unapplied_minor = 0
        payment.save(update_fields=["returned_on", "return_code", "unapplied_minor"])
        if payment.account_id is not None:
            _tell_the_collector(
                payment.account_id,
                f"{payment.get_method_display()} payment of "
                f"{format_minor(payment.amount_minor, payment.currency)} received "
                f"{payment.received_on.isoformat()} came back: {code} ({reason}).",
                now=now,
            )
        audit_record(
            actor=actor, event="payment.returned", account_id=payment.account_id, at=now,
            details={"payment": payment.pk, "code": code, "reason": reason,
                     "reversed_minor": reversed_minor, "fee_minor": fee, "entry": entry_id,
                     "returned_on": returned_on.isoformat()},
        )  # fmt: skip
        return Returned(payment.pk, payment.account_id, reversed_minor, fee, entry_id, balances)


def _reverse_on_account(
    payment: Payment,
    returned_on: date,
    code: str,
    reason: str,
    *,
    actor: Actor,
    now: datetime,
    charge_fee: bool,
) -> tuple[int, int, Balances]:
    assert payment.account_id is not None
    account = _lock(payment.account_id)
    original = (
        LedgerEntry.objects.filter(payment=payment, kind=EntryKind.PAYMENT).order_by("id").first()
    )
    if original is None:
        raise PaymentRefused(
            f"payment {payment.reference} has no payment entry", field="payment_id"
        )
    ledger = account_ledger(account)
    terms = interest_terms(account)
    position = Position(
        balances=_cached(account), waterfall=ledger.waterfall, terms=terms,
        accrual=accrual_state(account) if terms is not None else None,
    )  # fmt: skip
    restore = -Balances(
        principal=original.principal_minor, interest=original.interest_minor,
        fees=original.fees_minor, costs=original.costs_minor,
    )  # fmt: skip
    try:
        plan = plan_reversal(
            position, restore, paid_on=payment.received_on, returned_on=returned_on
        )
        interest = (
            ledger.charge_interest(plan.interest_minor, returned_on)
            if plan.interest_minor > 0
            else None
        )
        reversal = ledger.reverse_payment(original.pk, returned_on)
    except LedgerError as exc:
        raise PaymentRefused(str(exc), field="payment_id") from exc
    if interest is not None:
        _append(
            account, ledger, interest, actor=actor, now=now, source="accrual",
            idempotency_key=f"accrual:{account.pk}:{returned_on.isoformat()}",
        )  # fmt: skip
    row = _append(
        account, ledger, reversal, actor=actor, now=now, source="return",
        memo=f"{code}: {reason}", payment_id=payment.pk,
    )  # fmt: skip
    owed = plan.interest_owed_minor
    if owed:
        since = ledger.charge_interest(owed, returned_on) if owed > 0 else None
        since = since or ledger.credit_interest(-owed, returned_on)
        _append(
            account, ledger, since, actor=actor, now=now, source="return",
            memo=f"interest since {payment.received_on.isoformat()} on the returned payment",
            payment_id=payment.pk,
        )  # fmt: skip
    if plan.accrual is not None:
        _store_accrual(account, plan.accrual)
    assert ledger.balances() == plan.balances, "the reversal and its plan agree"
    fee = account.client.returned_payment_fee_minor if charge_fee else 0
    if fee and account.status not in CLOSED_STATUSES:
        _append(
            account, ledger, ledger.charge_fee(fee, returned_on), actor=actor, now=now,
            source="return", memo=f"returned payment fee ({code})", payment_id=payment.pk,
        )  # fmt: skip
    else:
        fee = 0
    if account.status in (AccountStatus.PAID, AccountStatus.SETTLED) and account.balance_minor > 0:
        account.status = AccountStatus.ACTIVE
        account.status_reason = "payment returned"
        account.status_changed_on = returned_on
    account.save()
    return row.pk, fee, ledger.balances()


def _tell_the_collector(account_id: int, note: str, *, now: datetime) -> None:
    owner = Assignment.objects.filter(account_id=account_id).values_list("user_id", flat=True)
    Callback.objects.create(
        account_id=account_id, due_at=now, user_id=owner.first(), note=note, created_at=now
    )


# -- ACH debits collected on their settlement day ------------------------------------------


@dataclass
class SettlementReport:
    as_of: date
    settled: int = 0
    posted: int = 0
    unapplied: int = 0
    applied_minor: int = 0
    unapplied_minor: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(), "settled": self.settled, "posted": self.posted,
            "unapplied": self.unapplied, "applied_minor": self.applied_minor,
            "unapplied_minor": self.unapplied_minor,
        }  # fmt: skip


def ach_settle(
    *,
    as_of: date,
    actor: Actor,
    now: datetime | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> SettlementReport:
    """Post every ACH debit sent to the bank whose effective day has come, as a payment received
    that day (reference ``ACH-<trace>``). Each batch commits alone; a re-run posts only what is
    left. A debit the bank later returns is reversed by ``ach_returns``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = SettlementReport(as_of=as_of)
    pending = ScheduledPayment.objects.filter(
        status=ScheduledStatus.ORIGINATED, origination__effective_on__lte=as_of
    )
    total = pending.count()
    if progress is not None:
        progress(0, total)
    while True:
        with transaction.atomic():
            due = list(
                pending.select_for_update(of=("self",))
                .order_by("id")
                .values_list("id", "account_id", "amount_minor", "trace",
                             "origination__effective_on")[:BATCH]
            )  # fmt: skip
            if not due:
                break
            posting = PostingReport(file="")
            items = [
                (
                    Receipt(
                        reference=f"ACH-{trace}", amount_minor=amount, received_on=effective,
                        method=PaymentMethod.ACH, account_hint=f"#{account_id}",
                        memo=f"ACH debit, trace {trace}",
                    ),
                    account_id,
                    "",
                )
                for _id, account_id, amount, trace, effective in due
            ]  # fmt: skip
            payment_ids = post_receipts(items, posting, None, actor=actor, now=now, today=today)
            update_by_id(
                ScheduledPayment, ["status", "payment"],
                [(row[0], ScheduledStatus.SETTLED.value, pid)
                 for row, pid in zip(due, payment_ids, strict=True)],
            )  # fmt: skip
            report.settled += len(due)
            report.posted += posting.posted
            report.unapplied += posting.unapplied
            report.applied_minor += posting.applied_minor
            report.unapplied_minor += posting.unapplied_minor
        if progress is not None:
            progress(report.settled, total)
    if report.settled:
        audit_record(actor=actor, event="ach.settled", at=now, details=report.as_dict())
    return report


# -- the bank's answers: returns and notifications of change -------------------------------


@dataclass
class AnswersReport:
    file: str
    entries: int = 0
    returns: int = 0
    changes: int = 0
    reversed: int = 0
    reversed_minor: int = 0
    fees_charged: int = 0
    fee_minor: int = 0
    retries_scheduled: int = 0
    authorizations_ended: int = 0
    bank_details_updated: int = 0
    duplicates: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file, "entries": self.entries, "returns": self.returns,
            "changes": self.changes, "reversed": self.reversed,
            "reversed_minor": self.reversed_minor, "fees_charged": self.fees_charged,
            "fee_minor": self.fee_minor, "retries_scheduled": self.retries_scheduled,
            "authorizations_ended": self.authorizations_ended,
            "bank_details_updated": self.bank_details_updated, "duplicates": self.duplicates,
            "problems": len(self.problems), "problem_lines": self.problems,
        }  # fmt: skip


def _day(yymmdd: str, fallback: date) -> date:
    try:
        return date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return fallback


def ach_returns(
    path: Path,
    *,
    actor: Actor,
    now: datetime | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> AnswersReport:
    """Act on every return and notification of change in the bank's file.

    Each answer is acted on in its own transaction and recorded, so a file read again (or after
    a stop part-way) acts only on what it had not. An answer for a trace we never sent, or a
    change we cannot use, is reported with its line and changes nothing.
    """
    now = now or timezone.now()
    ach = read_ach_file(path)
    report = AnswersReport(file=path.name)
    answers: list[tuple[Entry, Addenda, date]] = []
    for batch in ach.batches:
        on = _day(batch.effective_date, timezone.localdate(now))
        for entry in batch.entries:
            report.entries += 1
            found = [a for a in entry.addenda if a.type_code in ("98", "99")]
            if not found:
                report.problems.append({
                    "line": entry.line, "trace": entry.trace, "code": "",
                    "reason": "not a return or a notification of change",
                })  # fmt: skip
            answers.extend((entry, addenda, on) for addenda in found)
    if progress is not None:
        progress(0, len(answers))
    for done, (_entry, addenda, on) in enumerate(answers, start=1):
        kind = AchAnswerKind.RETURN if addenda.type_code == "99" else AchAnswerKind.CHANGE
        code = addenda.fields["return_code" if kind == AchAnswerKind.RETURN else "change_code"]
        trace = addenda.fields["original_trace"]
        if kind == AchAnswerKind.RETURN:
            report.returns += 1
        else:
            report.changes += 1
        try:
            with transaction.atomic():
                if AchAnswer.objects.filter(kind=kind, original_trace=trace).exists():
                    report.duplicates += 1
                    continue
                scheduled = (
                    ScheduledPayment.objects.select_for_update()
                    .select_related("authorization", "authorization__bank_account")
                    .filter(trace=trace)
                    .first()
                )
                if scheduled is None:
                    raise _Problem(f"no debit of ours has trace {trace}")
                if kind == AchAnswerKind.RETURN:
                    details = _act_on_return(scheduled, code, on, report, actor=actor, now=now)
                else:
                    details = _act_on_change(scheduled, code, addenda, actor=actor, now=now)
                    report.bank_details_updated += 1
                AchAnswer.objects.create(
                    kind=kind, original_trace=trace, code=code, scheduled=scheduled,
                    details=details, file_name=path.name[:255], line=addenda.line,
                    received_at=now, actor_label=actor.label[:120],
                )  # fmt: skip
        except (_Problem, PaymentRefused) as exc:
            report.problems.append(
                {"line": addenda.line, "trace": trace, "code": code, "reason": str(exc)}
            )
        if progress is not None:
            progress(done, len(answers))
    audit_record(
        actor=actor, event="ach.answers_read", at=now,
        details={k: v for k, v in report.as_dict().items() if k != "problem_lines"},
    )  # fmt: skip
    return report


class _Problem(Exception):
    pass


def _act_on_return(
    scheduled: ScheduledPayment,
    code: str,
    on: date,
    report: AnswersReport,
    *,
    actor: Actor,
    now: datetime,
) -> dict[str, Any]:
    reason = codes.return_reason(code)
    if scheduled.status not in (ScheduledStatus.ORIGINATED, ScheduledStatus.SETTLED):
        raise _Problem(f"the debit with trace {scheduled.trace} is {scheduled.status}")
    details: dict[str, Any] = {"reason": reason.description, "kind": reason.kind.value}
    if scheduled.payment_id is not None:
        returned = payment_return(
            payment_id=scheduled.payment_id, returned_on=on, code=reason.code,
            reason=reason.description, actor=actor, now=now,
            charge_fee=reason.kind is codes.ReturnKind.FUNDS,
        )  # fmt: skip
        report.reversed += 1
        report.reversed_minor += returned.reversed_minor
        if returned.fee_minor:
            report.fees_charged += 1
            report.fee_minor += returned.fee_minor
        details["reversal_entry"] = returned.entry_id
        details["fee_minor"] = returned.fee_minor
    else:
        _tell_the_collector(
            scheduled.account_id,
            f"ACH debit of {format_minor(scheduled.amount_minor, 'USD')} due "
            f"{scheduled.due_on.isoformat()} came back: {reason.code} ({reason.description}).",
            now=now,
        )
    scheduled.status = ScheduledStatus.RETURNED
    scheduled.status_reason = f"{reason.code}: {reason.description}"[:200]
    scheduled.return_code = reason.code
    scheduled.save(update_fields=["status", "status_reason", "return_code"])
    authorization = scheduled.authorization
    if reason.ends_authorization and authorization.revoked_at is None:
        cancelled = _end_authorization(authorization, reason, now)
        report.authorizations_ended += 1
        details["authorization_ended"] = authorization.pk
        details["cancelled"] = cancelled
    elif reason.retryable:
        details["retry"] = _retry(scheduled, reason, on, report, now)
    audit_record(
        actor=actor, event="ach.returned", account_id=scheduled.account_id, at=now,
        details={"scheduled": scheduled.pk, "trace": scheduled.trace, "code": reason.code,
                 **details},
    )  # fmt: skip
    return details


def _retry(
    scheduled: ScheduledPayment,
    reason: codes.ReturnReason,
    on: date,
    report: AnswersReport,
    now: datetime,
) -> dict[str, Any]:
    first = scheduled.retry_of if scheduled.retry_of_id is not None else scheduled
    assert first is not None
    settled_on = first.origination.effective_on if first.origination is not None else first.due_on
    retry_on = next_settlement_day(on + timedelta(days=1))
    authorization = scheduled.authorization
    refusal = codes.retry_refusal(
        reason, retries_so_far=first.retries.count(), first_settled_on=settled_on,
        retry_on=retry_on,
    )  # fmt: skip
    if not refusal and authorization.ends_on is not None and retry_on >= authorization.ends_on:
        refusal = f"the authorization ends on {authorization.ends_on.isoformat()}"
    if refusal:
        return {"refused": refusal}
    again = ScheduledPayment.objects.create(
        account_id=scheduled.account_id, authorization=authorization,
        amount_minor=scheduled.amount_minor, due_on=retry_on, attempt=scheduled.attempt + 1,
        retry_of=first, created_at=now,
    )  # fmt: skip
    report.retries_scheduled += 1
    return {"scheduled": again.pk, "due_on": retry_on.isoformat(), "attempt": again.attempt}


def _end_authorization(
    authorization: AchAuthorization, reason: codes.ReturnReason, now: datetime
) -> int:
    authorization.revoked_at = now
    authorization.revoked_reason = f"bank returned {reason.code}: {reason.description}"[:200]
    authorization.keep_until = timezone.localdate(now) + KEEP_AFTER_END
    authorization.save(update_fields=["revoked_at", "revoked_reason", "keep_until"])
    return ScheduledPayment.objects.filter(
        authorization=authorization, status=ScheduledStatus.SCHEDULED
    ).update(status=ScheduledStatus.CANCELLED, status_reason=f"bank returned {reason.code}")


def _act_on_change(
    scheduled: ScheduledPayment,
    code: str,
    addenda: Addenda,
    *,
    actor: Actor,
    now: datetime,
) -> dict[str, Any]:
    try:
        correction = codes.parse_correction(code, addenda.fields["corrected_data"])
    except codes.CorrectionError as exc:
        raise _Problem(str(exc)) from exc
    bank = scheduled.authorization.bank_account
    before = {"routing": bank.routing_number, "account_last4": bank.account_last4,
              "account_type": bank.account_type}  # fmt: skip
    if correction.routing is not None:
        bank.routing_number = correction.routing
    if correction.account is not None:
        bank.account_number_encrypted = key_ring().encrypt(correction.account, context=BANK_CONTEXT)
        bank.account_last4 = correction.account[-4:]
    if correction.account_type is not None:
        bank.account_type = correction.account_type
    bank.save()
    after = {"routing": bank.routing_number, "account_last4": bank.account_last4,
             "account_type": bank.account_type}  # fmt: skip
    audit_record(
        actor=actor, event="ach.bank_details_changed", account_id=scheduled.account_id, at=now,
        details={"change_code": correction.code, "bank_account": bank.pk, "before": before,
                 "after": after},
    )  # fmt: skip
    return {"before": before, "after": after}
