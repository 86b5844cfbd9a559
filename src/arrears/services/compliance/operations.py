"""Recording contact attempts under the rules, and keeping each account's next contactable moment.

An outbound attempt is judged before it is written: a blocked one is refused with its Decision
and nothing is written, unless the caller reports a contact already made (a dialer's result, a
letter already posted), which is recorded with the block so reports show it. An inbound contact
is not judged, but it is history the rules count (a conversation on an inbound call starts the
quiet period). Whatever is recorded, the account's contactability is worked out again in the
same transaction, so queues never offer an account the rules have just closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.db import connection, transaction

from arrears.core.compliance import (
    CHANNEL_OUTCOMES,
    INBOUND_OUTCOMES,
    Channel,
    ContactRequest,
    Decision,
    Direction,
    Outcome,
    Purpose,
    Recipient,
    evaluate,
)
from arrears.data.accounts.models import Account, AccountParty
from arrears.data.contacts.models import Contactability, ContactAttempt
from arrears.data.parties.models import ContactPoint
from arrears.services.common import (
    Actor,
    NotFound,
    ServiceError,
    audit_record,
    require_choice,
)
from arrears.services.compliance.snapshots import (
    build_snapshot,
    contact_snapshot,
    history_days,
    load_material,
    packs_in_force,
)
from arrears.services.work.entries import entries_judged

# The channels queues work from; each account keeps its next contactable moment for these.
QUEUE_CHANNELS = (Channel.CALL, Channel.SMS, Channel.EMAIL, Channel.LETTER)
REFRESH_BATCH = 500
# A recorded attempt may lie this far ahead of the recording clock (clocks of dialers drift).
CLOCK_SLACK = timedelta(minutes=5)


class ContactBlocked(ServiceError):
    """The rules forbid this contact now; the Decision says why and from when it is allowed."""

    code = "blocked"

    def __init__(self, decision: Decision) -> None:
        rules = ", ".join(r.rule_id for r in decision.blocks)
        when = (
            f"allowed from {decision.earliest.isoformat()}"
            if decision.earliest
            else "no end is known"
        )
        super().__init__(f"blocked by {rules}; {when}", field="channel")
        self.decision = decision


def _choice[E: (Channel, Direction, Outcome, Recipient, Purpose)](
    enum: type[E], value: str, field: str
) -> E:
    return enum(require_choice(value, (e.value for e in enum), field))


@dataclass(frozen=True)
class Recorded:
    attempt: ContactAttempt
    decision: Decision | None  # None for an inbound contact
    created: bool  # False when the key was already recorded


def contact_attempt_record(
    *,
    account_id: int,
    channel: str,
    direction: str,
    outcome: str,
    at: datetime,
    actor: Actor,
    now: datetime,
    recipient: str = "consumer",
    purpose: str = "collection",
    contact_point_id: int | None = None,
    automated: bool = False,
    already_made: bool = False,
    note: str = "",
    source: str = "workspace",
    key: str | None = None,
) -> Recorded:
    """Record one contact or attempt on a debt, judged by the rule packs in force."""
    ch = _choice(Channel, channel, "channel")
    way = _choice(Direction, direction, "direction")
    result = _choice(Outcome, outcome, "outcome")
    to = _choice(Recipient, recipient, "recipient")
    why = _choice(Purpose, purpose, "purpose")
    if ch is Channel.SUIT:
        raise ServiceError("legal action is not a contact attempt", field="channel")
    if result not in CHANNEL_OUTCOMES[ch]:
        allowed = ", ".join(sorted(o.value for o in CHANNEL_OUTCOMES[ch]))
        raise ServiceError(f"a {ch.value} can end as {allowed}", field="outcome")
    if way is Direction.INBOUND and result not in INBOUND_OUTCOMES:
        allowed = ", ".join(sorted(o.value for o in INBOUND_OUTCOMES))
        raise ServiceError(f"an inbound contact can end as {allowed}", field="outcome")
    if at.tzinfo is None:
        raise ServiceError("the moment must carry its time zone offset", field="at")
    if at > now + CLOCK_SLACK:
        raise ServiceError("a contact cannot be recorded before it happens", field="at")
    key = (key or "").strip() or None
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            raise NotFound(f"no account {account_id}", field="account_id")
        if key is not None:
            existing = ContactAttempt.objects.filter(key=key).first()
            if existing is not None:
                if existing.account_id != account_id:
                    raise ServiceError(
                        f"reference {key!r} was recorded for another account", field="key"
                    )
                return Recorded(attempt=existing, decision=None, created=False)
        point = _contact_point(account_id, contact_point_id)
        decision: Decision | None = None
        with_consent = False
        if way is Direction.OUTBOUND:
            snap = contact_snapshot(account_id, at=at)
            assert snap is not None
            with_consent = bool(
                ch is Channel.CALL and snap.call_consent_until and at < snap.call_consent_until
            )
            decision = evaluate(
                packs_in_force(),
                snap,
                ContactRequest(
                    channel=ch, at=at, recipient=to, purpose=why,
                    contact_point_id=str(point.pk) if point else None, automated=automated,
                ),
            )  # fmt: skip
            if not decision.allowed and not already_made:
                raise ContactBlocked(decision)
        attempt = ContactAttempt.objects.create(
            account_id=account_id, at=at, channel=ch.value, direction=way.value,
            outcome=result.value, recipient=to.value, purpose=why.value, contact_point=point,
            phone_type=point.phone_type if point else "", automated=automated,
            with_consent=with_consent,
            allowed=decision.allowed if decision else None,
            reasons=[r.as_dict() for r in decision.reasons] if decision else [],
            pack_version=decision.pack_version if decision else "",
            source=source[:20], note=note, key=key, created_by_id=actor.user_id,
        )  # fmt: skip
        if decision is not None and not decision.allowed:
            audit_record(
                actor=actor, event="contact.made_while_blocked", account_id=account_id, at=now,
                details={"attempt": attempt.pk, "rules": [r.rule_id for r in decision.blocks]},
            )  # fmt: skip
        contactability_refresh([account_id], at=max(now, at))
        return Recorded(attempt=attempt, decision=decision, created=True)


def _contact_point(account_id: int, contact_point_id: int | None) -> ContactPoint | None:
    if contact_point_id is None:
        return None
    parties = AccountParty.objects.filter(account_id=account_id).values("party_id")
    point = ContactPoint.objects.filter(pk=contact_point_id, party_id__in=parties).first()
    if point is None:
        raise ServiceError(
            f"contact point {contact_point_id} is not one of this account's",
            field="contact_point_id",
        )
    return point


def _batches(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    it = iter(ids)
    while batch := list(islice(it, size)):
        yield batch


def contactability_refresh(
    account_ids: Iterable[int],
    *,
    at: datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Work out again, as of ``at``, when each queue channel may next be used for these accounts.
    Returns how many accounts were worked out."""
    packs = packs_in_force()
    since = at - timedelta(days=history_days(packs))
    done = 0
    for batch in _batches(account_ids, REFRESH_BATCH):
        materials = load_material(batch, attempts_from=since)
        rows: list[_Row] = []
        for account_id, material in materials.items():
            snap = build_snapshot(material, today=at.date())
            for channel in QUEUE_CHANNELS:
                decision = evaluate(packs, snap, ContactRequest(channel=channel, at=at))
                rows.append(
                    (account_id, channel.value, decision.earliest, decision.earliest is None,
                     ",".join(r.rule_id for r in decision.blocks)[:500],
                     decision.pack_version[:200], at)
                )  # fmt: skip
        _upsert_contactability(rows)
        entries_judged(materials, at=at)  # queue entries keep a copy of the first opening
        done += len(materials)
        if progress is not None:
            progress(done)
    return done


# account, channel, next_at, no_end, blocking_rules, pack_version, computed_at
_Row = tuple[int, str, datetime | None, bool, str, str, datetime]
_UPSERT = (
    "INSERT INTO {table} (account_id, channel, next_at, no_end, blocking_rules, pack_version, "
    "computed_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (account_id, channel) DO UPDATE "
    "SET next_at = excluded.next_at, no_end = excluded.no_end, "
    "blocking_rules = excluded.blocking_rules, pack_version = excluded.pack_version, "
    "computed_at = excluded.computed_at"
)


_UPSERT_ARRAYS = (
    "INSERT INTO {table} (account_id, channel, next_at, no_end, blocking_rules, pack_version, "
    "computed_at) SELECT * FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], "
    "%s::boolean[], %s::text[], %s::text[], %s::timestamptz[]) "
    "ON CONFLICT (account_id, channel) DO UPDATE "
    "SET next_at = excluded.next_at, no_end = excluded.no_end, "
    "blocking_rules = excluded.blocking_rules, pack_version = excluded.pack_version, "
    "computed_at = excluded.computed_at"
)


def _upsert_contactability(rows: list[_Row]) -> None:
    """Upsert on the unique (account, channel) pair: on PostgreSQL one statement of arrays per
    batch, on SQLite one prepared statement per row. The ORM's bulk upsert spent more building
    SQL than the database spent running it."""
    if not rows:
        return
    table = connection.ops.quote_name(Contactability._meta.db_table)
    if connection.vendor == "postgresql":
        # One statement per batch: the columns travel as arrays and unnest into rows.
        columns = [list(column) for column in zip(*rows, strict=True)]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_UPSERT_ARRAYS.format(table=table), columns)
        return
    sql = _UPSERT.format(table=table)
    field = Contactability._meta.get_field("next_at")
    moments: dict[datetime | None, Any] = {}  # one refresh shares a few moments many times

    def prep(moment: datetime | None) -> Any:
        if moment not in moments:
            moments[moment] = field.get_db_prep_value(moment, connection)
        return moments[moment]

    prepared = [(a, c, prep(n), e, b, v, prep(t)) for a, c, n, e, b, v, t in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
