"""Champion and challenger: the assignment made in SQL is the Python one, shares hold, and a
share change moves no enrolled account; moving accounts is explicit and audited."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from arrears.core.strategies import choose_variant
from arrears.data.accounts.models import Account, AccountParty, Placement
from arrears.data.audit.models import AuditEvent
from arrears.data.parties.models import Party
from arrears.data.strategies.models import Enrollment, Strategy
from arrears.services.common import Actor
from arrears.services.strategies.definitions import strategy_define, variant_move
from arrears.services.strategies.routing import strategies_route
from tests.factories import make_client

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test:variants")
NOW = datetime(2026, 12, 1, 15, tzinfo=UTC)
TODAY = date(2026, 12, 1)


def _book(n: int) -> list[int]:
    client = make_client("ACME")
    placement = Placement.objects.create(client=client, reference="p", placed_on=TODAY)
    Account.objects.bulk_create(
        Account(client=client, placement=placement, client_ref=f"R{i}", original_creditor="O",
                placed_on=TODAY, placed_amount_minor=10_000, itemization_date=TODAY,
                itemization_amount_minor=10_000, balance_minor=10_000)
        for i in range(n)
    )  # fmt: skip
    ids = list(Account.objects.order_by("id").values_list("id", flat=True))
    party = Party.objects.create(first_name="A", last_name="B")
    AccountParty.objects.bulk_create(AccountParty(account_id=i, party=party) for i in ids)
    return ids


def _define(shares: tuple[int, int]) -> Strategy:
    return strategy_define(code="split", name="Split", entry={}, actor=ACTOR, now=NOW,
                           variants=[{"code": "champ", "share": shares[0], "champion": True},
                                     {"code": "chall", "share": shares[1], "champion": False}])  # fmt: skip


def test_sql_assigns_each_account_the_variant_python_computes_and_shares_hold():
    ids = _book(3000)
    strategy = _define((70, 30))
    report = strategies_route(as_of=TODAY, now=NOW)
    assert report.entered == {"split": 3000}
    got = dict(Enrollment.objects.values_list("account_id", "variant__code"))
    shares = [("champ", 7000), ("chall", 3000)]
    assert got == {i: choose_variant(shares, strategy.seed, i) for i in ids}
    counts = Counter(got.values())
    assert abs(counts["chall"] / 3000 - 0.30) < 0.01


def test_a_share_change_moves_no_enrolled_account_and_applies_to_new_ones():
    ids = _book(1000)
    strategy = _define((50, 50))
    strategies_route(as_of=TODAY, now=NOW)
    before = dict(Enrollment.objects.values_list("account_id", "variant__code"))
    _define((10, 90))
    strategies_route(as_of=TODAY, now=NOW)
    assert dict(Enrollment.objects.values_list("account_id", "variant__code")) == before
    # Accounts entering now take the new shares.
    more = _more(200)
    strategies_route(as_of=TODAY, now=NOW)
    new = dict(Enrollment.objects.filter(account_id__in=more).values_list("account_id",
                                                                           "variant__code"))  # fmt: skip
    assert new == {i: choose_variant([("champ", 1000), ("chall", 9000)], strategy.seed, i)
                   for i in more}  # fmt: skip
    assert len(ids) == 1000


def _more(n: int) -> list[int]:
    first = Account.objects.order_by("id").first()
    assert first is not None
    start = Account.objects.count()
    Account.objects.bulk_create(
        Account(client=first.client, placement=first.placement, client_ref=f"M{start + i}",
                original_creditor="O", placed_on=TODAY, placed_amount_minor=10_000,
                itemization_date=TODAY, itemization_amount_minor=10_000, balance_minor=10_000)
        for i in range(n)
    )  # fmt: skip
    return list(Account.objects.filter(client_ref__startswith="M").values_list("id", flat=True))


def test_moving_accounts_is_explicit_reproducible_and_audited():
    _book(1000)
    _define((50, 50))
    strategies_route(as_of=TODAY, now=NOW)
    champ_before = set(Enrollment.objects.filter(variant__code="champ").values_list("account_id",
                                                                                     flat=True))  # fmt: skip
    report = variant_move(strategy_code="split", from_variant="champ", to_variant="chall",
                          share_bp=2000, actor=ACTOR, now=NOW, as_of=TODAY)  # fmt: skip
    champ_after = set(Enrollment.objects.filter(variant__code="champ").values_list("account_id",
                                                                                    flat=True))  # fmt: skip
    assert report.moved == len(champ_before) - len(champ_after) == len(champ_before) * 20 // 100
    assert champ_after < champ_before
    event = AuditEvent.objects.get(event="strategy.variant_moved")
    assert event.details["moved"] == report.moved and event.details["share_bp"] == 2000
