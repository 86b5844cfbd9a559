"""A small collections floor with known figures, for the supervisor's view in every interface.

Tuesday 10 November 2026, 16:00 in New York. Team floor-1 (supervisor sam) has casey and dana;
eve works alone. Expected figures (cents):

| who        | today   | month  | target  | calls | texts | emails | RPC | made today/month | kept | broken |
|------------|---------|--------|---------|-------|-------|--------|-----|------------------|------|--------|
| casey      | 10,000  | 22,535 | 100,000 | 3     | 1     | 1      | 1   | 1 / 1 (50,000)   | 0    | 1      |
| dana       | -16,000 | 4,000  | 50,000  | 2     | 0     | 0      | 1   | 0 / 1 (4,000)    | 1    | 0      |
| eve        | 0       | 0      | 30,000  | 0     | 0     | 0      | 0   | 1 / 1 (2,500)    | 0    | 0      |
| nobody     | 1,234   | 1,234  |         | 1     | 0     | 0      | 0   |                  |      |        |
| floor-1    | -6,000  | 26,535 | 200,000 | 5     | 1     | 1      | 2   |                  |      |        |
| floor      | -4,766  | 27,769 |         | 6     | 1     | 1      | 2   |                  |      |        |

- casey owns a1 and a2 since 1 Nov, and a3 since 8 Nov (dana owned it before); a1 paid 100.00
  today and 50.25 on 3 Nov, a3 75.10 on 9 Nov.
- dana: a3's 200.00 of 4 Nov (hers then) came back today; a4 is nobody's, but dana took a
  promise of 40.00 on it on 5 Nov, and 40.00 came today (the promise is kept).
- a5 paid 12.34 today: nobody owns it or took a promise: unattributed.
- a6 paid 300.00 on 30 Oct: last month, counted nowhere.
- casey holds a live lease on a2 from queue "fresh" since 15:55; dana's lease on a4 ran out.
- Queue "fresh" holds all six: a5 is worked (dana's note), a6 blocked (a cease), a2 leased, and
  three offered now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from arrears.data.accounts.models import Account
from arrears.data.contacts.models import ContactAttempt
from arrears.data.users.models import Role, User
from arrears.data.work.models import Lease, Promise, WorkQueue
from arrears.services.common import Actor
from arrears.services.ledger.operations import hold_add, payment_reverse
from arrears.services.payments.posting import payment_post
from arrears.services.supervision.operations import target_set, team_define
from arrears.services.work.actions import assignment_set, note_add, promise_record
from arrears.services.work.promises import promises_evaluate
from arrears.services.work.queues import queue_build, queue_define
from tests.factories import make_client, make_new_yorker

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 10)
NOW = datetime(2026, 11, 10, 16, 0, tzinfo=NY)
NOVEMBER = date(2026, 11, 1)
SYSTEM = Actor.system("test")
PASSWORD = "a-long-real-passphrase"


@dataclass(frozen=True)
class Floor:
    accounts: list[Account]
    casey: User
    dana: User
    eve: User
    sam: User


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def _actor(user: User) -> Actor:
    return Actor(label=user.username, user_id=user.pk)


def _pay(account: Account, amount: int, moment: datetime) -> int:
    return payment_post(account_id=account.pk, amount_minor=amount, received_on=moment.date(),
                        source="card", actor=SYSTEM, now=moment,
                        reference=f"{account.pk}-{moment.isoformat()}").entry_id  # fmt: skip


def _attempt(account: Account, user: User | None, moment: datetime, channel: str = "call",
             outcome: str = "no_answer", recipient: str = "consumer",
             direction: str = "outbound") -> None:  # fmt: skip
    ContactAttempt.objects.create(account=account, at=moment, channel=channel,
                                  direction=direction, outcome=outcome, recipient=recipient,
                                  created_by=user, allowed=True)  # fmt: skip


def build_floor() -> Floor:
    acme = make_client()
    a = [make_new_yorker(acme, 100_000) for _ in range(6)]
    casey, dana, eve = (
        User.objects.create_user(n, password=PASSWORD, role=Role.COLLECTOR, first_name=n.title())
        for n in ("casey", "dana", "eve")
    )
    sam = User.objects.create_user("sam", password=PASSWORD, role=Role.SUPERVISOR,
                                   first_name="Sam")  # fmt: skip
    boss = _actor(sam)
    team_define(code="floor-1", name="Floor 1", supervisor="sam", members=["casey", "dana"],
                actor=boss, now=at(1, 9))  # fmt: skip
    for who, amount in (("casey", 100_000), ("dana", 50_000), ("eve", 30_000)):
        target_set(collector=who, month=NOVEMBER, amount_minor=amount, actor=boss, now=at(1, 9))
    target_set(team="floor-1", month=NOVEMBER, amount_minor=200_000, actor=boss, now=at(1, 9))
    target_set(collector="casey", month=date(2026, 12, 1), amount_minor=999_999, actor=boss,
               now=at(1, 9))  # fmt: skip
    assignment_set(account_ids=[a[0].pk, a[1].pk], username="casey", actor=boss, now=at(1, 10))
    assignment_set(account_ids=[a[2].pk], username="dana", actor=boss, now=at(1, 10))
    assignment_set(account_ids=[a[2].pk], username="casey", actor=boss, now=at(8, 12))

    promise_record(account_id=a[1].pk, amount_minor=9_900, due_on=date(2026, 11, 3),
                   actor=_actor(casey), now=at(20, 10, month=10))  # fmt: skip
    _pay(a[5], 30_000, at(30, 11, month=10))
    _pay(a[0], 5_025, at(3, 11))
    returned = _pay(a[2], 20_000, at(4, 11))
    promise_record(account_id=a[3].pk, amount_minor=4_000, due_on=date(2026, 11, 12),
                   actor=_actor(dana), now=at(5, 10))  # fmt: skip
    _pay(a[2], 7_510, at(9, 11))
    promise_record(account_id=a[0].pk, amount_minor=50_000, due_on=date(2026, 11, 20),
                   actor=_actor(casey), now=at(10, 9))  # fmt: skip
    promise_record(account_id=a[5].pk, amount_minor=2_500, due_on=date(2026, 11, 25),
                   actor=_actor(eve), now=at(10, 11))  # fmt: skip
    _pay(a[0], 10_000, at(10, 10))
    payment_reverse(entry_id=returned, on=DAY, reason="R01 insufficient funds", actor=SYSTEM,
                    now=at(10, 12))  # fmt: skip
    _pay(a[3], 4_000, at(10, 13))
    _pay(a[4], 1_234, at(10, 13, 30))
    promises_evaluate(as_of=DAY, actor=SYSTEM, now=at(10, 14))

    _attempt(a[0], casey, at(9, 23, 30))  # yesterday in New York, today in UTC: not counted
    _attempt(a[0], casey, at(10, 10))
    _attempt(a[1], casey, at(10, 10, 30), outcome="conversation")
    _attempt(a[0], casey, at(10, 11), outcome="voicemail_left")
    _attempt(a[0], casey, at(10, 11, 30), channel="sms", outcome="sent")
    _attempt(a[1], casey, at(10, 12), channel="email", outcome="sent")
    _attempt(a[1], casey, at(10, 12, 30), outcome="conversation", direction="inbound")
    _attempt(a[3], dana, at(10, 10, 15), outcome="conversation")
    _attempt(a[2], dana, at(10, 10, 45), outcome="conversation", recipient="third_party")
    _attempt(a[4], None, at(10, 11, 15))
    _attempt(a[4], None, at(10, 9), channel="letter", outcome="sent")

    queue_define(code="fresh", name="Fresh placements", filters={}, order="balance_high",
                 mode="pooled", members=["casey", "dana"], actor=SYSTEM, now=at(10, 8))  # fmt: skip
    queue_build("fresh", now=at(10, 8), actor=SYSTEM)
    note_add(
        account_id=a[4].pk, text="Paid by card; thanked.", actor=_actor(dana), now=at(10, 14)
    )  # worked in this pass
    hold_add(
        account_id=a[5].pk,
        kind="cease",
        starts_on=DAY,
        source="consumer letter",
        actor=SYSTEM,
        now=at(10, 14, 30),
    )  # every channel closed
    fresh = WorkQueue.objects.get(code="fresh")
    Lease.objects.create(account=a[1], user=casey, queue=fresh, taken_at=at(10, 15, 55),
                         until=at(10, 16, 10))  # fmt: skip
    Lease.objects.create(account=a[3], user=dana, queue=fresh, taken_at=at(10, 15),
                         until=at(10, 15, 15))  # fmt: skip
    assert Promise.objects.filter(status="kept").count() == 1
    return Floor(accounts=a, casey=casey, dana=dana, eve=eve, sam=sam)
