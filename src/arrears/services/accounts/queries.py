"""Reads shaped for the account screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from arrears.core.pii import mask_ssn
from arrears.data.accounts.models import Account, AccountParty, Hold
from arrears.data.ledger.models import Entry, EntryKind
from arrears.data.parties.models import ContactPoint, Party
from arrears.services.accounts.access import Viewer, visible_accounts


@dataclass(frozen=True)
class Itemization:
    """Regulation F's itemization: the amount on the itemization date and what changed since."""

    itemization_date: date
    basis: str
    amount_minor: int
    interest_minor: int
    fees_minor: int
    payments_credits_minor: int
    current_minor: int


@dataclass(frozen=True)
class PartyView:
    party: Party
    role: str
    ssn_masked: str
    contact_points: list[ContactPoint]


@dataclass(frozen=True)
class AccountView:
    account: Account
    parties: list[PartyView]
    holds: list[Hold]
    active_holds: list[Hold]
    entries: list[Entry]
    itemization: Itemization


def account_detail(account_id: int, *, today: date) -> AccountView | None:
    account = Account.objects.select_related("client", "placement").filter(pk=account_id).first()
    if account is None:
        return None
    links = AccountParty.objects.filter(account=account).select_related("party").order_by("id")
    parties = [
        PartyView(
            party=link.party,
            role=link.get_role_display(),
            ssn_masked=mask_ssn(link.party.ssn_last4),
            contact_points=list(
                ContactPoint.objects.filter(party=link.party).order_by("kind", "id")
            ),
        )
        for link in links
    ]
    holds = list(Hold.objects.filter(account=account).order_by("-starts_on", "-id"))
    active = [h for h in holds if h.starts_on <= today and (h.ends_on is None or today < h.ends_on)]
    entries = list(Entry.objects.filter(account=account).order_by("id"))
    return AccountView(
        account=account,
        parties=parties,
        holds=holds,
        active_holds=active,
        entries=entries,
        itemization=itemize(account, entries),
    )


def itemize(account: Account, entries: list[Entry]) -> Itemization:
    interest = sum(e.total_minor for e in entries if e.kind == EntryKind.INTEREST)
    fees = sum(e.total_minor for e in entries if e.kind in (EntryKind.FEE, EntryKind.CHARGE))
    current = sum(e.total_minor for e in entries)
    amount = account.itemization_amount_minor
    return Itemization(
        itemization_date=account.itemization_date,
        basis=account.get_itemization_basis_display(),
        amount_minor=amount,
        interest_minor=interest,
        fees_minor=fees,
        payments_credits_minor=amount + interest + fees - current,
        current_minor=current,
    )


def account_search(query: str, *, user: Viewer | None) -> QuerySet[Account]:
    """Accounts by client reference, our account number, or the owing party's name, among those
    ``user`` may see (None: every account, for commands and jobs)."""
    accounts = Account.objects.select_related("client").order_by("-balance_minor", "id")
    if user is not None:
        accounts = visible_accounts(user, accounts)
    query = query.strip()
    if not query:
        return accounts
    condition = Q(client_ref__iexact=query)
    if query.isdigit():
        condition |= Q(pk=int(query))
    words = query.split()
    if words:
        name = Q()
        for word in words:
            name &= (
                Q(account_parties__party__first_name__istartswith=word)
                | Q(account_parties__party__last_name__istartswith=word)
                | Q(account_parties__party__business_name__icontains=word)
            )
        condition |= name
    return accounts.filter(condition).distinct()
