"""Search over a loaded portfolio: p95 time and whether misspelled names still find their person.

Called by the ``workspace`` benchmark after its data is in place (Django set up). Queries are
drawn from the book itself with a fixed seed, in the mix a collector types them:

- 60 % names: a real party's first and last name with a typo in each word (two inner letters
  swapped, or a vowel changed), in "first last" or "last, first" order; a hit is the party's
  account among the first five results (``search_misspelled_top5``), or, since a synthetic
  book repeats names and a name alone cannot tell two namesakes apart, an account of someone
  with exactly that name (``search_misspelled_name_top5``);
- 10 % each: a phone number as the consumer reads it (``(716) 555-0101``), an email, a ZIP;
- 5 % each: an account number and a client reference.

Every query runs through ``services.accounts.search.search_accounts`` as the web box calls it
(limit 50), timed in the process. The first pass warms caches and is not counted.
"""

from __future__ import annotations

import random
import time
from typing import Any

SEED = 7
VOWELS = "aeiou"


def misspell(word: str, rng: random.Random) -> str:
    """One typo a collector makes: two inner letters swapped, or one vowel changed."""
    if len(word) < 4:
        return word
    if rng.random() < 0.5:
        i = rng.randrange(1, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    spots = [i for i, ch in enumerate(word) if i > 0 and ch.lower() in VOWELS]
    if not spots:
        return word
    i = rng.choice(spots)
    other = rng.choice([v for v in VOWELS if v != word[i].lower()])
    return word[:i] + other + word[i + 1 :]


def _sample_ids(model: Any, n: int, rng: random.Random) -> list[int]:
    from django.db.models import Max, Min

    bounds = model.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    return [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(n)]


def build_queries(total: int, rng: random.Random) -> list[tuple[str, str, int | None]]:
    """(kind, text, party id whose account must be in the top five, for names)."""
    from arrears.data.accounts.models import Account
    from arrears.data.parties.models import ContactPoint, Party

    queries: list[tuple[str, str, int | None]] = []
    names = total * 60 // 100
    parties = Party.objects.filter(kind="person").exclude(first_name="").exclude(last_name="")
    for pk in _sample_ids(Party, names * 2, rng):
        if sum(1 for q in queries if q[0] == "name") >= names:
            break
        party = parties.filter(pk__gte=pk).order_by("pk").first()
        if party is None:
            continue
        first, last = misspell(party.first_name, rng), misspell(party.last_name, rng)
        text = f"{last}, {first}" if rng.random() < 0.3 else f"{first} {last}"
        queries.append(("name", text, party.pk))
    each = max(1, total // 10)
    for kind, field, point_kind in (("phone", "phone_e164", "phone"), ("email", "email", "email"),
                                    ("zip", "zip", "address")):  # fmt: skip
        for pk in _sample_ids(ContactPoint, each, rng):
            value = (
                ContactPoint.objects.filter(pk__gte=pk, kind=point_kind)
                .order_by("pk")
                .values_list(field, flat=True)
                .first()
            )
            if not value:
                continue
            if kind == "phone":
                digits = value[-10:]
                value = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
            elif kind == "zip":
                value = value[:5]
            queries.append((kind, value, None))
    few = max(1, total // 20)
    for pk in _sample_ids(Account, few, rng):
        row = Account.objects.filter(pk__gte=pk).order_by("pk").values_list("pk", "client_ref")
        found = row.first()
        if found:
            queries.append(("account", str(found[0]), None))
            queries.append(("client_ref", found[1], None))
    rng.shuffle(queries)
    return queries


def measure(total: int = 400) -> dict[str, Any]:
    from arrears.data.accounts.models import AccountParty
    from arrears.data.parties.models import Party
    from arrears.services.accounts.search import search_accounts

    rng = random.Random(SEED)
    queries = build_queries(total, rng)
    for _kind, text, _party in queries[:20]:
        search_accounts(text, limit=50)
    times: list[float] = []
    names = found = same_name = 0
    for kind, text, party_id in queries:
        start = time.perf_counter()
        result = search_accounts(text, limit=50)
        times.append((time.perf_counter() - start) * 1000)
        if kind == "name" and party_id is not None:
            names += 1
            wanted = set(
                AccountParty.objects.filter(party_id=party_id).values_list("account_id", flat=True)
            )
            top = result.hits[:5]
            if wanted & {h.account_id for h in top}:
                found += 1
            person = Party.objects.get(pk=party_id).display_name
            if wanted & {h.account_id for h in top} or person in {h.party_name for h in top}:
                same_name += 1
    times.sort()

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(len(times) * p))], 1) if times else 0.0

    john = search_accounts("Jonh Smiht", limit=5)
    return {
        "search_queries": len(times),
        "search_p50_ms": pct(0.50),
        "search_p95_ms": pct(0.95),
        "search_max_ms": round(times[-1], 1) if times else 0.0,
        "search_misspelled_top5": round(found / names, 3) if names else None,
        "search_misspelled_name_top5": round(same_name / names, 3) if names else None,
        "search_john_smith_top5": any(h.party_name.startswith("John ") and
                                      h.party_name.endswith(" Smith") for h in john.hits),
        "search_parties": Party.objects.count(),
    }  # fmt: skip
