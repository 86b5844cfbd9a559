"""Reads shaped for the account screens."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
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
    links = list(
        AccountParty.objects.filter(account=account).select_related("party").order_by("id")
    )
    return account_view(
        account,
        links=links,
        points=ContactPoint.objects.filter(party_id__in={link.party_id for link in links}),
        holds=Hold.objects.filter(account=account),
        entries=Entry.objects.filter(account=account),
        today=today,
    )


def account_view(
    account: Account,
    *,
    links: Iterable[AccountParty],
    points: Iterable[ContactPoint],
    holds: Iterable[Hold],
    entries: Iterable[Entry],
    today: date,
) -> AccountView:
    """The account screen's view of rows already read: the account's links with their parties
    loaded, its parties' contact points, holds and ledger entries, in any order."""
    by_party: dict[int, list[ContactPoint]] = defaultdict(list)
    for point in sorted(points, key=lambda p: (p.kind, p.pk)):
        by_party[point.party_id].append(point)
    parties = [
        PartyView(
            party=link.party,
            role=link.get_role_display(),
            ssn_masked=mask_ssn(link.party.ssn_last4),
            contact_points=list(by_party.get(link.party_id, [])),
        )
        for link in sorted(links, key=lambda link: link.pk)
    ]
    held = sorted(holds, key=lambda h: (h.starts_on, h.pk), reverse=True)
    active = [h for h in held if h.starts_on <= today and (h.ends_on is None or today < h.ends_on)]
    posted = sorted(entries, key=lambda e: e.pk)
    return AccountView(
        account=account,
        parties=parties,
        holds=held,
        active_holds=active,
        entries=posted,
        itemization=itemize(account, posted),
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
