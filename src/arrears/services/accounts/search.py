"""The search box: one text, every reading of it, each looked up through an index.

See :mod:`arrears.core.search` for how a text is read and names are matched. Each reading is
one indexed query (accounts by id or by ``(client, client_ref)``, parties by blind index or by
sound keys, contact points by blind index or ZIP); the accounts found are then read in one query
and ordered: exact identifiers first, then names by similarity, then balance.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from string import ascii_uppercase
from typing import Any

from django.db.models import Q, QuerySet

from arrears.core.money import Money
from arrears.core.search import SearchQuery, name_score, parse_query
from arrears.data.accounts.models import Account, AccountParty, PartyRole
from arrears.data.clients.models import Client
from arrears.data.parties.models import ContactKind, ContactPoint, Party
from arrears.services.common import Actor, audit_record, blind_indexer

# Names: how many parties sharing the typed sound keys are ranked, at most.
NAME_CANDIDATES = 2000
# How many accounts one identifier (a phone shared by a household, a ZIP) may bring back.
PER_READING = 200

# What each reading is called on the results, in the order hits of each kind are listed.
MATCHED_BY = {
    "account": "account number",
    "client_ref": "client reference",
    "ssn": "SSN",
    "ssn_last4": "SSN last 4",
    "phone": "phone",
    "email": "email",
    "name": "name",
    "zip": "ZIP",
}
_RANK = {kind: i for i, kind in enumerate(MATCHED_BY)}


@dataclass(frozen=True)
class SearchHit:
    account_id: int
    client_code: str
    client_ref: str
    status: str
    balance: Money
    party_name: str
    matched_by: str
    score: float  # 1.0 for an identifier; the name similarity for a name


@dataclass(frozen=True)
class SearchResult:
    query: SearchQuery
    hits: list[SearchHit]

    @property
    def readings(self) -> list[str]:
        """What the text was read as, for the results page ("account number, name")."""
        q = self.query
        found = [
            ("account", bool(q.account_ids)),
            ("client_ref", bool(q.client_refs)),
            ("ssn", q.ssn is not None),
            ("ssn_last4", q.ssn_last4 is not None),
            ("phone", q.phone_digits is not None),
            ("email", q.email is not None),
            ("name", bool(q.name_words)),
            ("zip", q.zip_code is not None),
        ]
        return [MATCHED_BY[kind] for kind, yes in found if yes]


def search_accounts(
    text: str,
    *,
    client_ids: Collection[int] | None = None,
    limit: int = 20,
    actor: Actor | None = None,
    by_ssn: bool = True,
) -> SearchResult:
    """Accounts the text may point at, best first, among the clients given (None: all).

    A search by SSN is audited (who searched and how many accounts it found; never the digits).
    ``by_ssn=False`` leaves the SSN readings out: suggestions while typing use it, so that only
    a search the user sends looks up SSNs.
    """
    query = parse_query(text)
    if not by_ssn:
        query = replace(query, ssn=None, ssn_last4=None)
    if query.is_empty or limit <= 0:
        return SearchResult(query=query, hits=[])
    found: dict[int, tuple[str, float]] = {}

    def note(kind: str, account_ids: Iterable[int], score: float = 1.0) -> None:
        for account_id in account_ids:
            best = found.get(account_id)
            if best is None or (_RANK[kind], -score) < (_RANK[best[0]], -best[1]):
                found[account_id] = (kind, score)

    clients = list(client_ids) if client_ids is not None else None
    if query.account_ids:
        note("account", _visible(Account.objects.filter(pk__in=query.account_ids), clients))
    if query.client_refs:
        # The unique (client, client_ref) index answers this one client at a time.
        ids = clients if clients is not None else list(Client.objects.values_list("pk", flat=True))
        rows = Account.objects.filter(client_ref__in=query.client_refs, client_id__in=ids)
        note("client_ref", rows.values_list("pk", flat=True)[:PER_READING])
    index = blind_indexer().index
    if query.ssn:
        parties = Party.objects.filter(ssn_index=index("ssn", query.ssn))
        note("ssn", _accounts_of(parties.values("pk"), clients))
    if query.ssn_last4:
        parties = Party.objects.filter(ssn_last4_index=index("ssn4", query.ssn_last4))
        note("ssn_last4", _accounts_of(parties.values("pk")[:PER_READING], clients))
    if query.phone_digits:
        points = ContactPoint.objects.filter(
            kind=ContactKind.PHONE, value_index=index("phone", f"+1{query.phone_digits}")
        )
        note("phone", _accounts_of(points.values("party_id"), clients))
    if query.email:
        points = ContactPoint.objects.filter(
            kind=ContactKind.EMAIL, value_index=index("email", query.email)
        )
        note("email", _accounts_of(points.values("party_id"), clients))
    if query.name_words:
        for account_id, score in _by_name(query, clients, limit):
            note("name", [account_id], score)
    if query.zip_code:
        note("zip", _accounts_of(_zip_parties(query.zip_code), clients))
    if query.ssn or query.ssn_last4:
        ssn_hits = sum(1 for kind, _ in found.values() if kind in ("ssn", "ssn_last4"))
        audit_record(
            actor=actor or Actor.system("search"),
            event="pii.searched",
            details={"by": "ssn" if query.ssn else "ssn_last4", "accounts_found": ssn_hits},
        )
    return SearchResult(query=query, hits=_hits(found, limit))


def _visible(accounts: QuerySet[Account], clients: list[int] | None) -> list[int]:
    if clients is not None:
        accounts = accounts.filter(client_id__in=clients)
    return list(accounts.values_list("pk", flat=True)[:PER_READING])


def _accounts_of(party_ids: QuerySet[Any, Any], clients: list[int] | None) -> list[int]:
    """Accounts the parties are on (any role), at most PER_READING."""
    links = AccountParty.objects.filter(party_id__in=party_ids)
    if clients is not None:
        links = links.filter(account__client_id__in=clients)
    return list(links.values_list("account_id", flat=True).distinct()[:PER_READING])


def _zip_parties(zip_code: str) -> QuerySet[Any, Any]:
    points = ContactPoint.objects.filter(kind=ContactKind.ADDRESS)
    if len(zip_code) == 9:
        points = points.filter(zip=zip_code)
    else:
        # Five digits match every ZIP+4 in the zone: a range the ZIP index answers.
        upper = str(int(zip_code) + 1).zfill(5)
        points = points.filter(zip__gte=zip_code, zip__lt=upper)
    return points.values("party_id")[:PER_READING]


def _by_name(query: SearchQuery, clients: list[int] | None, limit: int) -> list[tuple[int, float]]:
    """Accounts of the parties whose sound keys match, ranked by name similarity."""
    wanted = Q()
    for last_key, first_key in query.name_pairs:
        if first_key:
            wanted |= Q(name_key_last=last_key, name_key_first=first_key)
        else:
            wanted |= Q(name_key_last=last_key)
    columns = ("pk", "first_name", "middle_name", "last_name", "business_name")
    rows = list(Party.objects.filter(wanted).values_list(*columns)[:NAME_CANDIDATES])
    if len(rows) < limit and len(query.name_words) > 1:
        # A typo in a name's first letter changes its key's letter but rarely its digits: try
        # each name with any first letter while the other name's key holds.
        seen = {row[0] for row in rows}
        variants = Q()
        for last_key, first_key in query.name_pairs:
            if last_key and first_key:
                variants |= Q(name_key_last=last_key, name_key_first__in=_any_letter(first_key))
                variants |= Q(name_key_last__in=_any_letter(last_key), name_key_first=first_key)
        more = Party.objects.filter(variants).exclude(pk__in=seen)
        rows += list(more.values_list(*columns)[: NAME_CANDIDATES - len(rows)])
    scored = sorted(
        (
            (
                name_score(
                    query.name_words,
                    first_name=first,
                    middle_name=middle,
                    last_name=last,
                    business_name=business,
                ),
                pk,
            )
            for pk, first, middle, last, business in rows
        ),
        key=lambda item: (-item[0], item[1]),
    )
    best = {pk: score for score, pk in scored[: limit * 3]}
    links = AccountParty.objects.filter(party_id__in=list(best))
    if clients is not None:
        links = links.filter(account__client_id__in=clients)
    return [
        (account_id, best[party_id])
        for account_id, party_id in links.values_list("account_id", "party_id")
    ]


def _any_letter(key: str) -> list[str]:
    """The key with each other first letter: ``J500`` -> ``A500``, ``B500``, … ``Z500``."""
    return [f"{letter}{key[1:]}" for letter in ascii_uppercase if letter != key[0]]


def _hits(found: dict[int, tuple[str, float]], limit: int) -> list[SearchHit]:
    if not found:
        return []
    rows = (
        Account.objects.filter(pk__in=list(found))
        .select_related("client")
        .only("pk", "client__code", "client_ref", "status", "balance_minor", "currency")
    )
    accounts = {account.pk: account for account in rows}
    # The primary debtor's name, else the first party's.
    names: dict[int, str] = {}
    links = AccountParty.objects.filter(account_id__in=list(accounts)).select_related("party")
    for link in links.order_by("id"):
        if link.role == PartyRole.PRIMARY or link.account_id not in names:
            names[link.account_id] = link.party.display_name
    ordered = sorted(
        accounts.values(),
        key=lambda a: (_RANK[found[a.pk][0]], -found[a.pk][1], -a.balance_minor, a.pk),
    )
    return [
        SearchHit(
            account_id=a.pk,
            client_code=a.client.code,
            client_ref=a.client_ref,
            status=a.status,
            balance=Money.from_minor(a.balance_minor, a.currency),
            party_name=names.get(a.pk, ""),
            matched_by=MATCHED_BY[found[a.pk][0]],
            score=round(found[a.pk][1], 3),
        )
        for a in ordered[:limit]
    ]
