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
