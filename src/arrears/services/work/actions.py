"""What a collector does on an account: log a call with its disposition, take a promise to pay,
schedule a callback, write a note, change the status, add or mark bad a contact point, assign.

Each action is one transaction with its audit event, and marks the account worked in every
queue's current pass. A call the rules block is refused with its reasons and nothing is saved,
not even the promise or callback that came with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from arrears.core.compliance import Channel
from arrears.core.formats.placements import normalise_email, normalise_phone
from arrears.core.money import Money
from arrears.core.work import DISPOSITION_RULES, MAX_PROMISE_DATES, Disposition, FollowUp
from arrears.data.accounts.models import Account, AccountParty, AccountStatus
from arrears.data.cases.models import Dispute
from arrears.data.contacts.models import ContactAttempt
from arrears.data.parties.models import ContactKind, ContactPoint, ContactStatus, PhoneType
from arrears.data.users.models import User
from arrears.data.work.models import (
    Assignment,
    AssignmentPeriod,
    Callback,
    CallbackStatus,
    Note,
    Promise,
)
from arrears.services.common import (
    Actor,
    NotFound,
    ServiceError,
    audit_record,
    blind_indexer,
    require_choice,
)
from arrears.services.compliance.disputes import dispute_record
from arrears.services.compliance.operations import contact_attempt_record, contactability_refresh
from arrears.services.work.picking import entries_worked

MAX_PROMISE_DAYS = 366


@dataclass(frozen=True)
class PromiseDate:
    """One dated payment of a promise, as given: a missing part is refused, naming its field."""

    amount_minor: int | None
    due_on: date | None


@dataclass(frozen=True)
class CallLogged:
    attempt: ContactAttempt
    promise: Promise | None = None  # its first date; the others are in promise_dates
    promise_dates: tuple[Promise, ...] = ()
    callback: Callback | None = None
    dispute: Dispute | None = None
    marked_bad: ContactPoint | None = None
    created: bool = True  # False when the key was already recorded


def _account(account_id: int) -> Account:
    account = Account.objects.select_for_update().filter(pk=account_id).first()
    if account is None:
        raise NotFound(f"no account {account_id}", field="account_id")
    return account


def _check_promise(
    amount_minor: int | None, due_on: date | None, today: date, *,
    amount_field: str = "promise_amount", due_field: str = "promise_due_on",
) -> tuple[date, int]:  # fmt: skip
    if amount_minor is None:
        raise ServiceError("a promise needs the amount promised", field=amount_field)
    if amount_minor <= 0:
        raise ServiceError("the amount promised must be above zero", field=amount_field)
    if due_on is None:
        raise ServiceError("a promise needs the day it is due", field=due_field)
    if due_on < today:
        raise ServiceError("a promise cannot fall due in the past", field=due_field)
    if (due_on - today).days > MAX_PROMISE_DAYS:
        raise ServiceError("a promise more than a year out is an arrangement", field=due_field)
    return due_on, amount_minor


def _promise_dates(
    amount_minor: int | None, due_on: date | None, promises: Sequence[PromiseDate] | None,
    today: date,
) -> tuple[tuple[date, int], ...]:  # fmt: skip
    """The promise's dated payments (due day, amount), given as one amount and day or as a list
    of them, checked: at most MAX_PROMISE_DATES, each in the future but within a year, each
    after the one before, every amount above zero. A refusal names the field, ``promises[1].
    due_on`` for the second date of a list."""
    if promises is None:
        return (_check_promise(amount_minor, due_on, today),)
    if amount_minor is not None or due_on is not None:
        raise ServiceError("give the promise as promise_amount and promise_due_on or as "
                           "promises, not both", field="promises")  # fmt: skip
    if not promises:
        raise ServiceError("a promise needs at least one amount and day", field="promises")
    if len(promises) > MAX_PROMISE_DATES:
        raise ServiceError(f"a promise has at most {MAX_PROMISE_DATES} dates; more is a payment "
                           "plan", field="promises")  # fmt: skip
    dates: list[tuple[date, int]] = []
    for n, given in enumerate(promises):
        on, amount = _check_promise(
            given.amount_minor, given.due_on, today, amount_field=f"promises[{n}].amount",
            due_field=f"promises[{n}].due_on",
        )  # fmt: skip
        if dates and on <= dates[-1][0]:
            raise ServiceError(f"each date must come after the one before "
                               f"({dates[-1][0].isoformat()})", field=f"promises[{n}].due_on")  # fmt: skip
        dates.append((on, amount))
    return tuple(dates)


def call_log(
    *,
    account_id: int,
    disposition: str,
    at: datetime,
    now: datetime,
    actor: Actor,
    direction: str = "outbound",
    contact_point_id: int | None = None,
    note: str = "",
    promise_amount_minor: int | None = None,
    promise_due_on: date | None = None,
    promises: Sequence[PromiseDate] | None = None,
    callback_at: datetime | None = None,
    dispute_reason: str = "",
    key: str | None = None,
) -> CallLogged:
    """Log a call and what it came to, with the follow-up its disposition needs. A promise is
    one amount and day (``promise_amount_minor``, ``promise_due_on``) or up to
    MAX_PROMISE_DATES of them (``promises``)."""
    rule = DISPOSITION_RULES[Disposition(
        require_choice(disposition, (d.value for d in Disposition), "disposition")
    )]  # fmt: skip
    direction = require_choice(direction, ("outbound", "inbound"), "direction")
    if direction == "inbound" and not rule.inbound:
        raise ServiceError(f"an inbound call cannot end as {disposition}", field="disposition")
    today = timezone.localdate(now)
    dates: tuple[tuple[date, int], ...] = ()
    if rule.follow_up is FollowUp.PROMISE:
        dates = _promise_dates(promise_amount_minor, promise_due_on, promises, today)
    if rule.follow_up is FollowUp.CALLBACK:
        if callback_at is None:
            raise ServiceError("a callback needs the moment to call back", field="callback_at")
        if callback_at <= now:
            raise ServiceError("a callback must be in the future", field="callback_at")
    if rule.follow_up is FollowUp.MARK_BAD and contact_point_id is None:
        raise ServiceError("say which number was wrong", field="contact_point_id")
    with transaction.atomic():
        recorded = contact_attempt_record(
            account_id=account_id, channel=Channel.CALL.value, direction=direction,
            outcome=rule.outcome.value, recipient=rule.recipient.value, at=at, now=now,
            actor=actor, contact_point_id=contact_point_id, note=note, source="workspace",
            key=key,
        )  # fmt: skip
        attempt = recorded.attempt
        if not recorded.created:
            return CallLogged(attempt=attempt, created=False)
        attempt.disposition = disposition
        attempt.save(update_fields=["disposition"])
        logged = CallLogged(attempt=attempt)
        if rule.follow_up is FollowUp.PROMISE:
            made = _promise(account_id, dates, actor, now, attempt, note,
                            listed=promises is not None)  # fmt: skip
            logged = CallLogged(attempt=attempt, promise=made[0], promise_dates=made)
        elif rule.follow_up is FollowUp.CALLBACK:
            assert callback_at is not None
            logged = CallLogged(attempt=attempt, callback=_callback(
                account_id, callback_at, actor, now, note, consumer_asked=True
            ))  # fmt: skip
            contactability_refresh([account_id], at=now)  # the consent opens calls again
        elif rule.follow_up is FollowUp.DISPUTE:
            dispute = dispute_record(
                account_id=account_id, received_on=today, medium="phone", actor=actor, now=now,
                reason=dispute_reason, description=note,
            )  # fmt: skip
            logged = CallLogged(attempt=attempt, dispute=dispute)
        elif rule.follow_up is FollowUp.MARK_BAD:
            assert contact_point_id is not None
            point = _mark_bad(account_id, contact_point_id, actor, now, "wrong number on a call")
            logged = CallLogged(attempt=attempt, marked_bad=point)
        # A call on the account answers every callback that was due by now.
        Callback.objects.filter(account_id=account_id, status="open", due_at__lte=now).update(
            status=CallbackStatus.DONE, done_at=now
        )
        audit_record(
            actor=actor, event="call.logged", account_id=account_id, at=now,
            details={"attempt": attempt.pk, "disposition": disposition, "direction": direction},
        )  # fmt: skip
        entries_worked(account_id, at=now)
        return logged


def _promise(
    account_id: int, dates: tuple[tuple[date, int], ...], actor: Actor, now: datetime,
    attempt: ContactAttempt | None, note: str, *, listed: bool,
) -> tuple[Promise, ...]:  # fmt: skip
    """The promise's rows, one per date, the later ones pointing at the first. Refused when it
    promises more than the account owes now (``listed``: given as a list, so the refusal names
    ``promises``)."""
    account = _account(account_id)
    total = sum(amount for _, amount in dates)
    if total > account.balance_minor:
        owed = Money.from_minor(max(account.balance_minor, 0), account.currency)
        raise ServiceError(
            f"the promise is for {Money.from_minor(total, account.currency).amount:,}, more "
            f"than the {owed.amount:,} owed", field="promises" if listed else "promise_amount",
        )  # fmt: skip
    (first_on, first_amount), *later = dates
    common = {"account_id": account_id, "currency": account.currency, "attempt": attempt,
              "note": note, "created_by_id": actor.user_id, "created_at": now}  # fmt: skip
    first = Promise.objects.create(amount_minor=first_amount, due_on=first_on, **common)
    rows = (first, *Promise.objects.bulk_create(
        [Promise(first=first, amount_minor=amount, due_on=on, **common) for on, amount in later]
    ))  # fmt: skip
    details: dict[str, object] = {
        "promise": first.pk, "amount_minor": first_amount, "due_on": first_on.isoformat(),
    }  # fmt: skip
    if later:
        details["amount_minor"] = total
        details["dates"] = [
            {"promise": p.pk, "amount_minor": p.amount_minor, "due_on": p.due_on.isoformat()}
            for p in rows
        ]  # fmt: skip
    audit_record(actor=actor, event="promise.made", account_id=account_id, at=now,
                 details=details)  # fmt: skip
    return rows


def promise_record(
    *, account_id: int, actor: Actor, now: datetime, amount_minor: int | None = None,
    due_on: date | None = None, promises: Sequence[PromiseDate] | None = None, note: str = "",
) -> Promise:  # fmt: skip
    """A promise to pay taken outside a logged call (a letter, a portal message): one amount and
    day, or up to MAX_PROMISE_DATES of them (``promises``). Returns its first date; the others
    point at it (``later_dates``)."""
    dates = _promise_dates(amount_minor, due_on, promises, timezone.localdate(now))
    with transaction.atomic():
        made = _promise(account_id, dates, actor, now, None, note, listed=promises is not None)
        entries_worked(account_id, at=now)
        return made[0]


def _callback(
    account_id: int, due_at: datetime, actor: Actor, now: datetime, note: str,
    consumer_asked: bool,
) -> Callback:  # fmt: skip
    callback = Callback.objects.create(
        account_id=account_id, due_at=due_at, user_id=actor.user_id, note=note,
        consumer_asked=consumer_asked, created_by_id=actor.user_id, created_at=now,
    )  # fmt: skip
    audit_record(
        actor=actor, event="callback.scheduled", account_id=account_id, at=now,
        details={"callback": callback.pk, "due_at": due_at.isoformat()},
    )  # fmt: skip
    return callback


def callback_schedule(
    *, account_id: int, due_at: datetime, actor: Actor, now: datetime, note: str = "",
    consumer_asked: bool = False,
) -> Callback:  # fmt: skip
    """A callback set outside a logged call. ``consumer_asked``: the consumer asked for it (their
    consent to be called); otherwise it is the collector's own reminder."""
    if due_at.tzinfo is None:
        raise ServiceError("the moment must carry its time zone offset", field="due_at")
    if due_at <= now:
        raise ServiceError("a callback must be in the future", field="due_at")
    with transaction.atomic():
        _account(account_id)
        callback = _callback(account_id, due_at, actor, now, note, consumer_asked)
        if consumer_asked:
            contactability_refresh([account_id], at=now)
        entries_worked(account_id, at=now)
        return callback


def note_add(*, account_id: int, text: str, actor: Actor, now: datetime) -> Note:
    text = text.strip()
    if not text:
        raise ServiceError("a note needs some text", field="text")
    if len(text) > 4000:
        raise ServiceError("a note is at most 4,000 characters", field="text")
    with transaction.atomic():
        _account(account_id)
        note = Note.objects.create(
            account_id=account_id, text=text, created_by_id=actor.user_id,
            author_label=actor.label[:120], created_at=now,
        )  # fmt: skip
        audit_record(actor=actor, event="note.added", account_id=account_id, at=now,
                     details={"note": note.pk})  # fmt: skip
        entries_worked(account_id, at=now)
        return note


# What a collector may set by hand. Recall comes from the client's file; arrangement from a
# payment plan; paid and settled only once nothing is owed.
SETTABLE_STATUSES = (
    AccountStatus.ACTIVE, AccountStatus.CLOSED, AccountStatus.PAID, AccountStatus.SETTLED,
)  # fmt: skip


def account_status_change(
    *, account_id: int, status: str, reason: str, actor: Actor, now: datetime
) -> Account:
    status = require_choice(status, (s.value for s in SETTABLE_STATUSES), "status")
    if not reason.strip():
        raise ServiceError("give the reason for the change", field="reason")
    with transaction.atomic():
        account = _account(account_id)
        if account.status == status:
            return account
        if account.status == AccountStatus.RECALLED:
            raise ServiceError("a recalled account reopens only when the client places it again",
                               field="status")  # fmt: skip
        if status in (AccountStatus.PAID, AccountStatus.SETTLED) and account.balance_minor != 0:
            raise ServiceError(
                f"the account still owes {account.balance_minor / 100:,.2f}; post the payment "
                "or the settlement write-down first", field="status",
            )  # fmt: skip
        before = account.status
        account.status = status
        account.status_reason = reason.strip()[:200]
        account.status_changed_on = timezone.localdate(now)
        account.save(update_fields=["status", "status_reason", "status_changed_on", "updated_at"])
        audit_record(
            actor=actor, event="account.status_changed", account_id=account_id, at=now,
            details={"from": before, "to": status, "reason": account.status_reason},
        )  # fmt: skip
        entries_worked(account_id, at=now)
        return account


def _primary_party(account_id: int) -> int:
    link = AccountParty.objects.filter(account_id=account_id).order_by("id").first()
    if link is None:
        raise ServiceError("the account has no party to hold the contact point", field="account_id")
    return link.party_id


def contact_point_add(
    *,
    account_id: int,
    kind: str,
    value: str,
    actor: Actor,
    now: datetime,
    phone_type: str = "",
    consent_source: str = "",
    source: str = "collector",
) -> ContactPoint:
    """Add a phone or email the collector learned (address changes come by file or letter)."""
    kind = require_choice(kind, ("phone", "email"), "kind")
    index = blind_indexer().index
    if kind == ContactKind.PHONE:
        phone_type = require_choice(phone_type or "other", PhoneType.values, "phone_type")
        e164 = normalise_phone(value.strip())
        if e164 is None:
            raise ServiceError(f"{value!r} is not a valid US phone number", field="value")
        fields = {"phone_e164": e164, "phone_type": phone_type, "value_index": index("phone", e164)}
    else:
        email = normalise_email(value.strip())
        if email is None:
            raise ServiceError(f"{value!r} is not a valid email address", field="value")
        fields = {"email": email, "value_index": index("email", email)}
    with transaction.atomic():
        _account(account_id)
        party_id = _primary_party(account_id)
        existing = ContactPoint.objects.filter(
            party_id=party_id, kind=kind, value_index=fields["value_index"]
        ).first()
        if existing is not None:
            return existing
        point = ContactPoint.objects.create(
            party_id=party_id, kind=kind, consent_source=consent_source[:60], source=source[:60],
            status=ContactStatus.UNVERIFIED, valid_from=timezone.localdate(now), **fields,
        )  # fmt: skip
        audit_record(
            actor=actor, event="contact_point.added", account_id=account_id, party_id=party_id,
            at=now, details={"contact_point": point.pk, "kind": kind},
        )  # fmt: skip
        contactability_refresh([account_id], at=now)
        return point


def _mark_bad(
    account_id: int, contact_point_id: int, actor: Actor, now: datetime, reason: str
) -> ContactPoint:
    parties = AccountParty.objects.filter(account_id=account_id).values("party_id")
    point = (
        ContactPoint.objects.select_for_update()
        .filter(pk=contact_point_id, party_id__in=parties)
        .first()
    )
    if point is None:
        raise ServiceError(f"contact point {contact_point_id} is not one of this account's",
                           field="contact_point_id")  # fmt: skip
    if point.status == ContactStatus.BAD:
        return point
    point.status = ContactStatus.BAD
    point.save(update_fields=["status"])
    audit_record(
        actor=actor, event="contact_point.marked_bad", account_id=account_id,
        party_id=point.party_id, at=now, details={"contact_point": point.pk, "reason": reason},
    )  # fmt: skip
    contactability_refresh([account_id], at=now)
    return point


def contact_point_mark_bad(
    *, account_id: int, contact_point_id: int, reason: str, actor: Actor, now: datetime
) -> ContactPoint:
    if not reason.strip():
        raise ServiceError("say why the contact point is bad", field="reason")
    with transaction.atomic():
        _account(account_id)
        return _mark_bad(account_id, contact_point_id, actor, now, reason.strip()[:200])


def assignment_set(
    *, account_ids: list[int], username: str | None, actor: Actor, now: datetime
) -> int:
    """Give accounts to a collector for owned queues (None: back to nobody). Returns how many
    changed hands. Each change closes the account's ownership period and opens the new owner's,
    so collections stay credited to whoever owned the account when the money came (ADR 13)."""
    user = None
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ServiceError(f"no active user {username!r}", field="username")
    found = set(Account.objects.filter(pk__in=account_ids).values_list("pk", flat=True))
    missing = sorted(set(account_ids) - found)
    if missing:
        raise NotFound(f"no account {missing[0]}", field="account_ids")
    target = user.pk if user else None
    with transaction.atomic():
        current = dict(
            Assignment.objects.select_for_update()
            .filter(account_id__in=found)
            .values_list("account_id", "user_id")
        )
        changed = sorted(a for a in found if current.get(a) != target)
        if not changed:
            return 0
        periods = AssignmentPeriod.objects.filter(account_id__in=changed, ends_at__isnull=True)
        periods.filter(starts_at__gte=now).delete()  # given and taken back in the same moment
        periods.update(ends_at=now)
        if user is None:
            Assignment.objects.filter(account_id__in=changed).delete()
        else:
            held = [a for a in changed if a in current]
            Assignment.objects.filter(account_id__in=held).update(
                user=user, assigned_at=now, assigned_by=actor.label[:120]
            )
            Assignment.objects.bulk_create([
                Assignment(account_id=a, user=user, assigned_at=now,
                           assigned_by=actor.label[:120])
                for a in changed if a not in current
            ])  # fmt: skip
            AssignmentPeriod.objects.bulk_create(
                [AssignmentPeriod(account_id=a, user=user, starts_at=now) for a in changed]
            )
        for account_id in changed:
            audit_record(
                actor=actor, event="account.assigned", account_id=account_id, at=now,
                details={"from": current.get(account_id), "to": target},
            )  # fmt: skip
    return len(changed)
