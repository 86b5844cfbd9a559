"""Whether a debt is time-barred, as the account screen shows it: the state pack's rule on suits,
its verdict, its citation and the pack version."""

from __future__ import annotations

from datetime import date

from arrears.core.compliance.evaluator import limitation
from arrears.core.compliance.model import Verdict

from .helpers import PACKS, at, snapshot

NYS = frozenset({"US", "US-NY"})
CA = frozenset({"US", "US-CA"})
NOW = at("2026-11-23 10:00")


def test_a_new_york_debt_is_barred_three_years_after_its_start() -> None:
    found = limitation(PACKS, snapshot(jurisdictions=NYS, limitation_starts_on=date(2023, 11, 23)),
                       NOW)  # fmt: skip
    assert found is not None and found.barred and found.known
    assert found.since == date(2026, 11, 23)
    assert found.reason.rule_id == "ny.time-barred-suit"
    assert found.reason.verdict is Verdict.BLOCK
    assert found.reason.message == "time-barred since 2026-11-23: no suit and no threat of suit"
    assert found.reason.citation == "N.Y. CPLR 214-i; 12 CFR 1006.26(b)"
    assert found.pack_version == PACKS.version_for(NYS)


def test_the_day_before_the_bar_the_debt_is_within_the_period() -> None:
    found = limitation(PACKS, snapshot(jurisdictions=NYS, limitation_starts_on=date(2023, 11, 24)),
                       NOW)  # fmt: skip
    assert found is not None and not found.barred and found.known
    assert found.since == date(2026, 11, 24)
    assert found.reason.message == "within the limitation period (to 2026-11-24)"


def test_an_unknown_start_is_not_called_barred_but_says_to_confirm_it() -> None:
    found = limitation(PACKS, snapshot(jurisdictions=CA), NOW)
    assert found is not None and not found.barred and not found.known
    assert found.since is None
    assert found.reason.rule_id == "ca.time-barred-suit"
    assert found.reason.verdict is Verdict.BLOCK
    assert found.reason.message == "the limitation period's start is unknown: confirm it first"


def test_no_state_rule_no_verdict() -> None:
    assert limitation(PACKS, snapshot(limitation_starts_on=date(2010, 1, 1)), NOW) is None
