"""May this fee be charged to this consumer? Judged from the packs in force where the consumer is
and from the client's terms, with every reason and the rule it comes from.

A convenience ("pay-to-pay") fee for paying by card is an amount collected beyond the debt:
under 15 U.S.C. 1692f(1) a debt collector may collect it only when the agreement creating the
debt expressly authorizes it or the law permits it. The packs say where that is so and where a
state forbids such amounts outright; the client's terms say whether its agreements authorize the
fee and up to how much. Both must allow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from arrears.core.compliance.model import CollectorKind
from arrears.core.compliance.packs import PackSet
from arrears.core.money.text import format_minor

CLIENT_TERMS_RULE = "client.card-fee-terms"


@dataclass(frozen=True)
class FeeReason:
    rule_id: str
    source: str  # the pack's label ("us-federal@2026.11.3"), or "client:ACME" for its terms
    citation: str
    text: str
    blocks: bool  # False: shown for review, refuses nothing (a reading not confirmed)


@dataclass(frozen=True)
class FeeDecision:
    allowed: bool
    reasons: tuple[FeeReason, ...]
    pack_version: str  # every pack in force where the consumer is, as stored with decisions

    @property
    def refusals(self) -> tuple[FeeReason, ...]:
        return tuple(r for r in self.reasons if r.blocks)

    def explain(self) -> str:
        """The refusals in words, each naming its rule and where it comes from."""
        return "; ".join(f"{r.text} ({r.rule_id}, {r.citation}, {r.source})" for r in self.refusals)


@dataclass(frozen=True)
class FeeTerms:
    """What the client's agreements with its consumers say about the fee."""

    client_code: str
    authorized_minor: int = 0  # the most the agreement expressly authorizes per payment; 0: none
    clause: str = ""  # where the agreement says so


def convenience_fee_decision(
    packs: PackSet,
    *,
    jurisdictions: frozenset[str],
    collector: CollectorKind,
    on: date,
    fee_minor: int,
    terms: FeeTerms,
    currency: str = "USD",
) -> FeeDecision:
    """Whether a convenience fee of ``fee_minor`` may be charged on ``on`` to a consumer where
    ``jurisdictions`` say, by a collector of this kind, under the client's ``terms``."""
    version = packs.version_for(jurisdictions)
    if fee_minor <= 0:
        return FeeDecision(True, (), version)
    reasons: list[FeeReason] = []
    amount = format_minor(fee_minor, currency)
    for pack, rule in packs.fee_rules_for(jurisdictions):
        if rule.fee != "convenience" or not rule.in_force(on) or collector not in rule.collectors:
            continue
        text = ""
        if rule.allowed == "never":
            text = f"no convenience fee may be charged ({amount} asked)"
        elif terms.authorized_minor <= 0:
            text = (
                "a convenience fee may be charged only when the agreement creating the debt "
                f"expressly authorizes it, and client {terms.client_code}'s terms record none"
            )
        elif rule.cap_minor is not None and fee_minor > rule.cap_minor:
            text = f"the fee is capped at {format_minor(rule.cap_minor, currency)}; {amount} asked"
        if text:
            if not rule.binding:
                text = f"not confirmed, so not applied: {text}"
            reasons.append(FeeReason(rule.id, pack.label, rule.citation, text, rule.binding))
    if terms.authorized_minor <= 0:
        reasons.append(FeeReason(
            CLIENT_TERMS_RULE, f"client:{terms.client_code}", "the client's card fee terms",
            "the client's terms authorize no convenience fee", True,
        ))  # fmt: skip
    elif fee_minor > terms.authorized_minor:
        reasons.append(FeeReason(
            CLIENT_TERMS_RULE, f"client:{terms.client_code}", terms.clause or "the client's terms",
            f"the agreement authorizes at most {format_minor(terms.authorized_minor, currency)} "
            f"a payment; {amount} asked", True,
        ))  # fmt: skip
    return FeeDecision(not any(r.blocks for r in reasons), tuple(reasons), version)
