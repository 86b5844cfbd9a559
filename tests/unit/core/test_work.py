"""Queue definitions and call dispositions, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.compliance import Outcome, Recipient
from arrears.core.formats.placements.layout import STATES
from arrears.core.work import (
    ACCOUNT_STATUSES,
    DISPOSITION_RULES,
    HOLD_FILTERS,
    Disposition,
    FollowUp,
    QueueFilters,
    SpecError,
    parse_filters,
)


def test_an_empty_definition_holds_active_accounts_without_a_hold() -> None:
    assert parse_filters({}) == QueueFilters(statuses=("active",), hold="none")


def test_a_definition_reads_amounts_exactly_and_codes_in_capitals() -> None:
    spec = parse_filters({"clients": "acme, nbk", "states": ["ny", "NJ"], "balance_min": "100.10",
                          "balance_max": "2,500", "placed_days_max": "90", "hold": None})  # fmt: skip
    assert spec.clients == ("ACME", "NBK") and spec.states == ("NY", "NJ")
    assert (spec.balance_min_minor, spec.balance_max_minor) == (10_010, 250_000)
    assert spec.placed_days_max == 90 and spec.hold is None


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"statuses": ["open"]}, "statuses"),
        ({"hold": "vacation"}, "hold"),
        ({"states": ["ZZ"]}, "states"),
        ({"balance_min": "1.005"}, "balance_min"),
        ({"balance_min": 12.5}, "balance_min"),
        ({"balance_min": "-5"}, "balance_min"),
        ({"balance_min": "500", "balance_max": "100"}, "balance_max"),
        ({"placed_days_min": -1}, "placed_days_min"),
        ({"placed_days_min": 10, "placed_days_max": 5}, "placed_days_max"),
        ({"no_contact_days": True}, "no_contact_days"),
        ({"promise_due": "yes"}, "promise_due"),
        ({"broken_days": -1}, "broken_days"),
        ({"clients": [1, 2]}, "clients"),
    ],
)
def test_a_bad_definition_names_its_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(SpecError) as refused:
        parse_filters(raw)
    assert refused.value.field == field


amounts = st.none() | st.integers(min_value=0, max_value=10**11)
days = st.none() | st.integers(min_value=0, max_value=36_500)


@st.composite
def definitions(draw: st.DrawFn) -> QueueFilters:
    low, high = sorted([draw(st.integers(0, 10**11)), draw(st.integers(0, 10**11))])
    dlow, dhigh = sorted([draw(st.integers(0, 36_500)), draw(st.integers(0, 36_500))])
    return QueueFilters(
        clients=tuple(draw(st.lists(st.sampled_from(["ACME", "NBK", "MVH"]), unique=True))),
        statuses=tuple(draw(st.lists(st.sampled_from(ACCOUNT_STATUSES), unique=True,
                                     min_size=1))),
        hold=draw(st.sampled_from([None, *HOLD_FILTERS])),
        balance_min_minor=draw(st.none() | st.just(low)),
        balance_max_minor=draw(st.none() | st.just(high)),
        states=tuple(draw(st.lists(st.sampled_from(sorted(STATES)), unique=True, max_size=4))),
        placed_days_min=draw(st.none() | st.just(dlow)),
        placed_days_max=draw(st.none() | st.just(dhigh)),
        no_contact_days=draw(days),
        promise_due=draw(st.booleans()),
        callback_due=draw(st.booleans()),
        broken_days=draw(days),
    )  # fmt: skip


@given(definitions())
def test_a_stored_definition_reads_back_as_itself(spec: QueueFilters) -> None:
    assert parse_filters(spec.as_json()) == spec


def test_every_disposition_maps_to_what_the_rules_understand() -> None:
    assert set(DISPOSITION_RULES) == set(Disposition)
    rpc = {d for d, r in DISPOSITION_RULES.items() if r.right_party}
    assert rpc == {Disposition.RIGHT_PARTY, Disposition.REFUSED_TO_PAY, Disposition.DISPUTE,
                   Disposition.PROMISE, Disposition.CALLBACK}  # fmt: skip
    for rule in DISPOSITION_RULES.values():
        assert rule.right_party == (
            rule.outcome is Outcome.CONVERSATION and rule.recipient is Recipient.CONSUMER
        )
    assert DISPOSITION_RULES[Disposition.WRONG_NUMBER].follow_up is FollowUp.MARK_BAD
    assert not DISPOSITION_RULES[Disposition.NO_ANSWER].inbound
