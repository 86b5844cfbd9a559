"""The synthetic compliance workload the benchmark judges: deterministic and varied."""

from __future__ import annotations

from datetime import date

from arrears.core.compliance import Channel, PackSet, evaluate, shipped_packs
from arrears.core.synthetic.contacts import synthetic_workload

TODAY = date(2026, 11, 23)


def test_the_same_seed_gives_the_same_workload() -> None:
    first = list(synthetic_workload(200, seed=7, today=TODAY))
    again = list(synthetic_workload(200, seed=7, today=TODAY))
    assert first == again
    assert first != list(synthetic_workload(200, seed=8, today=TODAY))


def test_the_workload_has_the_mix_a_portfolio_has() -> None:
    work = list(synthetic_workload(2000, seed=1, today=TODAY))
    snaps = [s for s, _ in work]
    assert len({s.account_id for s in snaps}) == 2000
    never_tried = sum(1 for s in snaps if not s.attempts)
    assert 500 <= never_tried <= 700  # about 30 %
    assert any(len(s.attempts) >= 15 for s in snaps)
    assert 40 <= sum(1 for s in snaps if s.holds) <= 120  # about 4 %
    assert any("US-NY-NYC" in s.jurisdictions for s in snaps)
    assert any(len(s.zones) == 2 for s in snaps)
    assert all(a.at.date() < TODAY for s in snaps for a in s.attempts)
    calls = sum(1 for _, r in work if r.channel is Channel.CALL)
    assert 1300 <= calls <= 1500  # about 70 %


def test_some_requests_are_blocked_and_most_are_not() -> None:
    packs = PackSet(shipped_packs())
    decisions = [evaluate(packs, s, r) for s, r in synthetic_workload(1000, seed=1, today=TODAY)]
    blocked = sum(1 for d in decisions if not d.allowed)
    assert 150 <= blocked <= 400
    assert all(d.earliest is None or d.earliest >= d.at for d in decisions)
