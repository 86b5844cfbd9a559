"""The search box for integrations: ``GET /api/search?q=…``.

Registered on the API by ``routes`` (imported at its end)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema, Status

from arrears.interfaces.api.routes import ErrorOut, _actor, _amount, api
from arrears.services.accounts.access import granted_client_ids
from arrears.services.accounts.search import search_accounts
from arrears.services.common import ServiceError

MAX_LIMIT = 100


class SearchHitOut(Schema):
    account_id: int
    client: str
    client_ref: str
    status: str
    balance: str = Field(description='Exact decimal text, e.g. "1234.56".')
    currency: str
    name: str = Field(description="The primary debtor's name.")
    matched_by: str = Field(
        description="account number, client reference, SSN, SSN last 4, phone, email, name or ZIP."
    )
    score: float = Field(description="1 for an identifier; name similarity (0 to 1) for a name.")


class SearchOut(Schema):
    query: str
    read_as: list[str]
    hits: list[SearchHitOut]


@api.get("/search", response={200: SearchOut, 400: ErrorOut}, tags=["accounts"])
def get_search(request: HttpRequest, q: str, limit: int = 20) -> Status[Any]:
    """Accounts by account number, client reference, name (typos tolerated), phone, email,
    SSN (full or last 4), or ZIP; best first. Prefixes narrow the reading: ``ssn:6789``,
    ``zip:14201``, ``phone:…``, ``email:…``, ``ref:…``, ``name:…``. SSN searches are audited.
    A collector finds only the accounts of the clients granted to them."""
    if not q.strip():
        raise ServiceError("type something to search for", field="q")
    if not 1 <= limit <= MAX_LIMIT:
        raise ServiceError(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    result = search_accounts(q, client_ids=granted_client_ids(request.user), actor=_actor(request),
                             limit=limit)  # fmt: skip
    hits = [
        {
            "account_id": h.account_id,
            "client": h.client_code,
            "client_ref": h.client_ref,
            "status": h.status,
            "balance": _amount(h.balance.minor, h.balance.currency),
            "currency": h.balance.currency,
            "name": h.party_name,
            "matched_by": h.matched_by,
            "score": h.score,
        }
        for h in result.hits
    ]
    return Status(200, {"query": result.query.text, "read_as": result.readings, "hits": hits})
