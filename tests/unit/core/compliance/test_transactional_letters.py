"""Letters about the consumer's own money (purpose TRANSACTIONAL) are judged as collection is:
no pack exempts them from a hold, a halt, an opt-out or a cap, so each stops them, and each such
letter counts where letters count. 2026-11-23 is a Monday."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.core.compliance import (
    Attempt,
    Channel,
    CollectorKind,
    HoldState,
    Outcome,
    Purpose,
    ValidationState,
    evaluate,
)

from .helpers import PACKS, at, request, snapshot

LETTER = request("letter", purpose=Purpose.TRANSACTIONAL)


def blocks(snap) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return tuple(r.rule_id for r in evaluate(PACKS, snap, LETTER).blocks)


def test_with_nothing_in_the_way_the_letter_may_go() -> None:
    decision = evaluate(PACKS, snapshot(), LETTER)
    assert decision.allowed
    assert [r.rule_id for r in decision.requirements] == ["regf.debt-collector-disclosure"]


def test_a_first_party_creditor_s_letter_needs_no_debt_collector_disclosure() -> None:
    decision = evaluate(PACKS, snapshot(collector_kind=CollectorKind.FIRST_PARTY), LETTER)
    assert decision.allowed
    assert decision.requirements == ()


@pytest.mark.parametrize(
    ("hold", "rule"),
    [
        ("cease", "regf.cease-communication"),
        ("bankruptcy", "bankruptcy.automatic-stay"),
        ("dispute", "policy.dispute-hold"),
        ("attorney", "regf.attorney-representation"),
        ("deceased", "regf.deceased-consumer"),
        ("identity_theft", "policy.identity-theft"),
    ],
)
def test_every_hold_stops_it(hold: str, rule: str) -> None:
    assert blocks(snapshot(holds=(HoldState(hold, date(2026, 11, 1)),))) == (rule,)


def test_a_written_dispute_in_the_validation_period_stops_it() -> None:
    halted = ValidationState(notice_sent_on=date(2026, 11, 2), period_ends_on=date(2026, 12, 9),
                             disputed_on=date(2026, 11, 10), dispute_in_writing=True)  # fmt: skip
    assert blocks(snapshot(validation=halted)) == ("regf.validation-halt",)


def test_an_opt_out_of_letters_stops_it() -> None:
    assert blocks(snapshot(opted_out=frozenset({Channel.LETTER}))) == ("regf.medium-opt-out",)


def test_new_york_city_counts_it_against_three_attempts_a_week() -> None:
    nyc = frozenset({"US", "US-NY", "US-NY-NYC"})
    letters = tuple(
        Attempt(at=at(f"2026-11-{day} 09:00"), channel=Channel.LETTER, outcome=Outcome.SENT,
                purpose=Purpose.TRANSACTIONAL)
        for day in (19, 20, 21)
    )  # fmt: skip
    assert blocks(snapshot(jurisdictions=nyc, attempts=letters)) == ("nyc.attempt-cap",)
    assert blocks(snapshot(jurisdictions=nyc, attempts=letters[:2])) == ()
