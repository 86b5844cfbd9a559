"""Small builders for integration tests: a client, and accounts placed the way an import would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from itertools import count

from arrears.data.accounts.models import Account, AccountParty, Placement
from arrears.data.clients.models import Client, ClientGrant, InterestPolicy
from arrears.data.ledger.models import Entry
from arrears.data.parties.models import Party
from arrears.data.users.models import User

_refs = count(1)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def make_client(
    code: str = "ACME",
    *,
    interest: bool = False,
    after_charge_off: bool = True,
    waterfall: str = "fees,costs,interest,principal",
    cap_ppm: int | None = None,
    granted_to: str | User | Sequence[str | User] = (),
) -> Client:
    """A client; ``granted_to`` names the collectors (users or user names) granted it."""
    client = Client.objects.create(
        code=code,
        name=f"{code} Bank",
        interest_policy=InterestPolicy.CONTRACT if interest else InterestPolicy.NONE,
        accrue_after_charge_off=after_charge_off,
        waterfall=waterfall,
        rate_cap_ppm=cap_ppm,
    )
    users = [granted_to] if isinstance(granted_to, str | User) else list(granted_to)
    for user in users:
        grant_clients(user, client)
    return client


def grant_clients(user: str | User, *clients: Client) -> None:
    """Grant a collector these clients directly (no audit: a test's set-up)."""
    if isinstance(user, str):
        user = User.objects.get(username=user)
    for client in clients:
        ClientGrant.objects.get_or_create(user=user, client=client, defaults={"granted_at": NOW})


def make_account(
    client: Client,
    *,
    principal: int = 100_000,
    interest: int = 0,
    fees: int = 0,
    costs: int = 0,
    rate_ppm: int | None = None,
    day_count: str = "actual/365",
    itemization_date: date = date(2026, 1, 1),
    charge_off_date: date | None = date(2026, 1, 1),
    dofd: date | None = date(2025, 10, 1),
) -> Account:
    placement, _ = Placement.objects.get_or_create(
        client=client, reference="test", file_sha256="", placed_on=itemization_date
    )
    total = principal + interest + fees + costs
    account = Account.objects.create(
        client=client,
        placement=placement,
        client_ref=f"R{next(_refs):06d}",
        original_creditor="Original Bank",
        placed_on=itemization_date,
        placed_amount_minor=total,
        charge_off_date=charge_off_date,
        date_of_first_delinquency=dofd,
        itemization_date=itemization_date,
        itemization_amount_minor=total,
        interest_rate_ppm=rate_ppm,
        interest_day_count=day_count,
        accrual_segment_start=itemization_date if rate_ppm else None,
    )
    entry = Entry.objects.create(
        account=account,
        kind="placement",
        effective_on=itemization_date,
        posted_at=NOW,
        principal_minor=principal,
        interest_minor=interest,
        fees_minor=fees,
        costs_minor=costs,
        idempotency_key=f"placement:test:{account.pk}",
    )
    Account.objects.filter(pk=account.pk).update(
        principal_minor=principal,
        interest_minor=interest,
        fees_minor=fees,
        costs_minor=costs,
        balance_minor=total,
        balance_through_entry_id=entry.pk,
    )
    party = Party.objects.create(first_name="Pat", last_name="Doe")
    AccountParty.objects.create(account=account, party=party)
    account.refresh_from_db()
    return account


def make_new_yorker(client: Client, principal: int = 100_000) -> Account:
    """An account whose consumer lives in Buffalo with a 716 mobile: one time zone, New York's,
    so the hours the rules allow calls are known."""
    from arrears.data.parties.models import ContactPoint

    account = make_account(client, principal=principal)
    party_id = AccountParty.objects.get(account=account).party_id
    ContactPoint.objects.create(party_id=party_id, kind="address", address1="1 Main St",
                                city="Buffalo", state="NY", zip="14201",
                                valid_from=date(2026, 1, 1), value_index=f"a{account.pk}")  # fmt: skip
    ContactPoint.objects.create(party_id=party_id, kind="phone", phone_e164="+17165550100",
                                phone_type="mobile", valid_from=date(2026, 1, 1),
                                value_index=f"p{account.pk}")  # fmt: skip
    return account


def give_history(account: Account, *, collector_id: int, now: datetime) -> Account:
    """A few weeks of real work on an account, through the services that record it: calls with
    dispositions, a payment, a promise, a callback the consumer asked for, notes, a request not
    to be called at work, an ended hold, an oral dispute answered later, a complaint, a
    co-signer with a phone, and another debt of the same consumer."""
    from datetime import timedelta

    from arrears.data.parties.models import ContactPoint
    from arrears.services.common import Actor
    from arrears.services.compliance.cases import complaint_record
    from arrears.services.compliance.preferences import contact_restriction_add
    from arrears.services.ledger.operations import hold_add, hold_end
    from arrears.services.payments.posting import payment_post
    from arrears.services.work.actions import call_log, callback_schedule, note_add, promise_record

    actor = Actor(label="history", user_id=collector_id)
    days = [27, 24, 20, 17, 14, 10, 6]
    for n, back in enumerate(days):
        at = now - timedelta(days=back, hours=n % 3)
        call_log(account_id=account.pk, disposition="voicemail" if n % 2 else "no_answer",
                 at=at, now=at, actor=actor)  # fmt: skip
        note_add(account_id=account.pk, text=f"tried again ({n + 1})", actor=actor, now=at)
    paid_on = now - timedelta(days=12)
    payment_post(account_id=account.pk, amount_minor=2_500, received_on=paid_on.date(),
                 source="card", actor=actor, now=paid_on)  # fmt: skip
    promise_record(account_id=account.pk, amount_minor=5_000,
                   due_on=(now + timedelta(days=9)).date(), actor=actor, now=now)  # fmt: skip
    callback_schedule(account_id=account.pk, due_at=now + timedelta(days=2), actor=actor,
                      now=now - timedelta(days=1), consumer_asked=True)  # fmt: skip
    contact_restriction_add(account_id=account.pk, kind="no_workplace",
                            received_on=(now - timedelta(days=8)).date(), medium="phone",
                            actor=actor, now=now)  # fmt: skip
    hold = hold_add(account_id=account.pk, kind="legal", starts_on=(now - timedelta(days=40)).date(),
                    source="client letter", actor=actor, now=now - timedelta(days=40))  # fmt: skip
    hold_end(hold_id=hold.pk, ends_on=(now - timedelta(days=30)).date(), actor=actor,
             now=now - timedelta(days=30))  # fmt: skip
    complaint_record(account_id=account.pk, received_on=(now - timedelta(days=3)).date(),
                     source="cfpb", category="communication", actor=actor, now=now,
                     reference="CFPB-1")  # fmt: skip
    co_signer = Party.objects.create(first_name="Sam", last_name="Doe")
    AccountParty.objects.create(account=account, party=co_signer, role="co_signer")
    ContactPoint.objects.create(party=co_signer, kind="phone", phone_e164="+17165550199",
                                phone_type="landline", valid_from=date(2026, 1, 1),
                                value_index=f"cs{account.pk}")  # fmt: skip
    other = make_account(account.client, principal=3_000)
    primary = AccountParty.objects.get(account=account, role="primary").party_id
    AccountParty.objects.filter(account=other).update(party_id=primary)
    account.refresh_from_db()
    return account
