"""Rule packs load from TOML, refuse what they cannot use, and carry versions and dates."""

from __future__ import annotations

import pytest

from arrears.core.compliance import Attempt, Channel, PackError, PackSet, evaluate, load_pack
from arrears.core.compliance.packs import shipped_packs

from .helpers import PACKS, at, request, snapshot

GOOD = """
name = "client-acme"
version = "1"
jurisdiction = "client:ACME"

[[overrides]]
rule = "regf.call-frequency"
params = { max_calls = 3 }
"""


class TestLoadPack:
    def test_shipped_packs_load_with_unique_rule_ids(self) -> None:
        ids = PackSet(shipped_packs()).rule_ids()
        assert len(ids) == len(set(ids)) == 27

    def test_every_shipped_rule_has_a_citation_and_a_start_date(self) -> None:
        for pack in shipped_packs():
            for rule in pack.rules:
                assert rule.citation.strip(), rule.id
                assert rule.effective_from.year >= 1979, rule.id

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('version = "1"\njurisdiction = "US"', "'name' is required"),
            ('name = "x"\nversion = "1"\njurisdiction = "US"\n[[rules]]\nid = "a"\n'
             'check = "nope"\ncitation = "c"\neffective_from = 2020-01-01',
             "'check' 'nope' is not a known check"),
            ('name = "x"\nversion = "1"\njurisdiction = "US"\n[[rules]]\nid = "a"\n'
             'check = "call_frequency"\ncitation = "c"\neffective_from = 2020-01-01\n'
             'params = { days = 7 }', "params max_calls required by check 'call_frequency'"),
            ('name = "x"\nversion = "1"\njurisdiction = "US"\n[[rules]]\nid = "a"\n'
             'check = "content"\ncitation = "c"\neffective_from = 2020-01-01\n'
             'channels = ["fax"]\nparams = { text = "t" }', "'channels' has 'fax'"),
            ('name = "x"\nversion = "1"\njurisdiction = "US"\n[[rules]]\nid = "a"\n'
             'check = "content"\ncitation = "c"\neffective_from = 2020-01-01\n'
             'effective_to = 2019-01-01\nparams = { text = "t" }', "'effective_to' must be a date"),
            ('name = "x"\nversion = "1"\njurisdiction = "US"\n[[rules]]\nid = "a"\n'
             'check = "attempt_cap"\ncitation = "c"\neffective_from = 2020-01-01\n'
             'params = { max = 2, days = 7, count_channels = ["call", "txt"] }',
             "'params.count_channels' has 'txt'"),
            ('name = "x"\nversion = "1"\njurisdiction = "client:X"\n[[overrides]]\n'
             'rule = "regf.cease"\nparams = { except_purposes = ["chat"] }',
             "'params.except_purposes' has 'chat'"),
            ("name = [", "not valid TOML"),
        ],
    )  # fmt: skip
    def test_refuses_a_broken_pack_naming_the_field(self, text: str, message: str) -> None:
        with pytest.raises(PackError, match=message.replace("(", r"\(").replace(")", r"\)")):
            load_pack(text, source="test.toml")


class TestPackSet:
    def test_the_version_names_every_pack_in_force_for_the_consumer(self) -> None:
        assert PACKS.version_for(frozenset({"US", "US-MA"})) == (
            "us-federal@2026.11.3+us-ma@2026.11.2"
        )

    def test_a_client_override_tightens_a_rule_for_that_client_only(self) -> None:
        packs = PackSet((*shipped_packs(), load_pack(GOOD)))
        three = tuple(
            Attempt(at=at(f"2026-11-{d} 10:00"), channel=Channel.CALL) for d in (20, 21, 22)
        )
        acme = snapshot(attempts=three, jurisdictions=frozenset({"US", "client:ACME"}))
        other = snapshot(attempts=three)
        blocked = evaluate(packs, acme, request(when="2026-11-23 10:00"))
        assert not blocked.allowed
        assert [r.rule_id for r in blocked.blocks] == ["regf.call-frequency"]
        assert blocked.pack_version.endswith("+client-acme@1")
        assert evaluate(packs, other, request(when="2026-11-23 10:00")).allowed

    def test_a_rule_is_not_applied_before_its_effective_date(self) -> None:
        nyc = frozenset({"US", "US-NY", "US-NY-NYC"})
        three = tuple(
            Attempt(at=at(f"2026-08-{d} 10:00"), channel=Channel.CALL) for d in (27, 28, 29)
        )
        before = evaluate(PACKS, snapshot(jurisdictions=nyc, attempts=three),
                          request("email", when="2026-08-31 10:00"))  # fmt: skip
        after = evaluate(PACKS, snapshot(jurisdictions=nyc, attempts=three),
                         request("email", when="2026-09-01 10:00"))  # fmt: skip
        assert before.allowed
        assert "nyc.attempt-cap" not in [r.rule_id for r in before.reasons]
        assert [r.rule_id for r in after.blocks] == ["nyc.attempt-cap"]
