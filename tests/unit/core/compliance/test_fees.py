"""Convenience fees: allowed only where every pack in force and the client's terms allow them,
each refusal naming its rule, its citation and the pack's version."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.core.compliance import CollectorKind, PackError, PackSet, load_pack
from arrears.core.compliance.fees import FeeTerms, convenience_fee_decision

from .helpers import PACKS

DAY = date(2026, 11, 23)
AUTHORIZED = FeeTerms("ACME", authorized_minor=300, clause="Cardholder agreement, s. 14(c)")
NONE = FeeTerms("ACME")


def decide(where: set[str], *, fee: int = 250, terms: FeeTerms = AUTHORIZED,
           collector: CollectorKind = CollectorKind.AGENCY, packs: PackSet = PACKS,
           on: date = DAY):  # type: ignore[no-untyped-def]  # fmt: skip
    return convenience_fee_decision(
        packs, jurisdictions=frozenset({"US", *where}), collector=collector, on=on,
        fee_minor=fee, terms=terms,
    )  # fmt: skip


class TestShippedPacks:
    def test_every_fee_rule_cites_its_source_and_the_versions_were_bumped(self) -> None:
        found = {(p.label, f.id, f.allowed, f.binding) for p in PACKS.packs for f in p.fees}
        assert found == {
            ("us-federal@2026.11.3", "fdcpa.convenience-fee", "if_agreement", True),
            ("us-ca@2026.11.2", "ca.convenience-fee", "if_agreement", True),
            ("us-ca@2026.11.2", "ca.collector-expense", "never", False),
            ("us-ma@2026.11.2", "ma.convenience-fee", "if_agreement", True),
            ("us-ny@2026.11.2", "ny.creditor-collection-expense", "if_agreement", False),
            ("us-wa@2026.11.2", "wa.amounts-beyond-principal", "never", True),
        }
        assert all(f.citation.strip() for p in PACKS.packs for f in p.fees)


class TestConvenienceFee:
    def test_no_fee_needs_no_permission(self) -> None:
        decision = decide({"US-WA"}, fee=0, terms=NONE)
        assert (decision.allowed, decision.reasons) == (True, ())

    def test_federal_law_allows_it_only_when_the_agreement_authorizes_it(self) -> None:
        refused = decide(set(), terms=NONE)

        assert not refused.allowed
        assert [(r.rule_id, r.source, r.blocks) for r in refused.reasons] == [
            ("fdcpa.convenience-fee", "us-federal@2026.11.3", True),
            ("client.card-fee-terms", "client:ACME", True),
        ]
        assert refused.pack_version == "us-federal@2026.11.3"
        assert refused.explain().startswith(
            "a convenience fee may be charged only when the agreement creating the debt expressly "
            "authorizes it, and client ACME's terms record none (fdcpa.convenience-fee, "
            "15 U.S.C. 1692f(1); 12 CFR 1006.22(b); CFPB advisory opinion, 87 FR 39733 (2022), "
            "us-federal@2026.11.3)"
        )

    def test_an_authorized_fee_within_the_terms_is_allowed_in_new_york(self) -> None:
        decision = decide({"US-NY", "US-NY-NYC"})
        assert decision.allowed
        assert decision.reasons == ()
        assert decision.pack_version == "us-federal@2026.11.3+us-ny@2026.11.2+us-ny-nyc@2026.11.1"

    def test_washington_forbids_it_to_an_agency_whatever_the_agreement_says(self) -> None:
        decision = decide({"US-WA"})
        assert not decision.allowed
        assert [r.rule_id for r in decision.refusals] == ["wa.amounts-beyond-principal"]
        assert decision.refusals[0].source == "us-wa@2026.11.2"
        assert decision.refusals[0].citation.startswith("RCW 19.16.250")

    def test_a_first_party_creditor_in_california_is_held_to_the_agreement_too(self) -> None:
        decision = decide({"US-CA"}, terms=NONE, collector=CollectorKind.FIRST_PARTY)
        assert [r.rule_id for r in decision.refusals] == [
            "ca.convenience-fee", "client.card-fee-terms",
        ]  # fmt: skip

    def test_an_unconfirmed_reading_is_shown_but_refuses_nothing(self) -> None:
        decision = decide({"US-CA"})
        assert decision.allowed
        assert [(r.rule_id, r.blocks) for r in decision.reasons] == [
            ("ca.collector-expense", False)
        ]
        assert decision.reasons[0].text.startswith("not confirmed, so not applied: ")

    def test_more_than_the_agreement_authorizes_is_refused_by_the_client_terms(self) -> None:
        decision = decide(set(), fee=301)
        assert [(r.rule_id, r.text) for r in decision.refusals] == [
            ("client.card-fee-terms", "the agreement authorizes at most 3.00 a payment; 3.01 asked")
        ]
        assert decision.refusals[0].citation == "Cardholder agreement, s. 14(c)"

    def test_a_cap_in_a_pack_refuses_a_larger_fee(self) -> None:
        capped = load_pack(CAPPED, source="capped.toml")
        packs = PackSet((*PACKS.packs, capped))
        assert decide({"client:ACME"}, fee=200, packs=packs).allowed
        refused = decide({"client:ACME"}, fee=250, packs=packs)
        assert [(r.rule_id, r.text) for r in refused.refusals] == [
            ("acme.fee-cap", "the fee is capped at 2.00; 2.50 asked")
        ]

    def test_a_rule_not_yet_in_force_refuses_nothing(self) -> None:
        capped = load_pack(CAPPED, source="capped.toml")
        packs = PackSet((*PACKS.packs, capped))
        assert decide({"client:ACME"}, fee=250, packs=packs, on=date(2025, 12, 31)).allowed


CAPPED = """
name = "client-acme"
version = "1"
jurisdiction = "client:ACME"

[[fees]]
id = "acme.fee-cap"
fee = "convenience"
allowed = "if_agreement"
cap_minor = 200
citation = "ACME collection agreement, s. 9"
effective_from = 2026-01-01
"""


class TestFeeTables:
    @pytest.mark.parametrize(
        ("table", "message"),
        [
            ('fee = "late"\nallowed = "never"\ncitation = "c"\neffective_from = 2020-01-01',
             "'fee' must be one of convenience"),
            ('fee = "convenience"\nallowed = "sometimes"\ncitation = "c"\n'
             "effective_from = 2020-01-01", "'allowed' must be one of never, if_agreement"),
            ('fee = "convenience"\nallowed = "never"\neffective_from = 2020-01-01',
             "'citation' is required"),
            ('fee = "convenience"\nallowed = "never"\ncitation = "c"\n'
             "effective_from = 2020-01-01\ncap_minor = -5", "'cap_minor' must be a whole number"),
            ('fee = "convenience"\nallowed = "never"\ncitation = "c"\n'
             'effective_from = 2020-01-01\nbinding = "no"', "'binding' must be true or false"),
            ('fee = "convenience"\nallowed = "never"\ncitation = "c"\n'
             'effective_from = 2020-01-01\ncollectors = ["bank"]', "'collectors' has 'bank'"),
        ],
    )  # fmt: skip
    def test_refuses_a_broken_fee_table_naming_the_field(self, table: str, message: str) -> None:
        text = f'name = "x"\nversion = "1"\njurisdiction = "US"\n[[fees]]\nid = "f"\n{table}'
        with pytest.raises(PackError, match=message.replace("(", r"\(")):
            load_pack(text, source="test.toml")
