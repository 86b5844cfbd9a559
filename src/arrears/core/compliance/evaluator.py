"""evaluate(): every applicable rule judges the request; the Decision keeps every reason.

When something blocks, the earliest allowed moment is found by chaining the blocking rules' own
end moments: judge again at the latest of them, and repeat until nothing blocks (that moment is
the answer, and the rule that set it blocked every instant before it) or a block has no end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from arrears.core.compliance.checks import at_moment, barred_since, local_day
from arrears.core.compliance.model import (
    Channel,
    ContactRequest,
    ContactSnapshot,
    Decision,
    Reason,
    Verdict,
)
from arrears.core.compliance.packs import PackSet

_MAX_STEPS = 64
_BLOCK = Verdict.BLOCK


class EvaluationError(RuntimeError):
    """A check reported an end moment that does not move forward: a bug in a check."""


def judge(packs: PackSet, snap: ContactSnapshot, req: ContactRequest) -> tuple[Reason, ...]:
    """Every applicable rule's verdict on the request at ``req.at``."""
    day = local_day(req.at, snap.day_zone)
    reasons: list[Reason] = []
    for label, rule, check in packs.plan(snap.jurisdictions, snap.collector_kind, req.channel):
        if day < rule.effective_from or (
            rule.effective_to is not None and day >= rule.effective_to
        ):
            continue
        verdict, message, until = check(rule, snap, req)
        reasons.append(
            Reason(rule.id, rule.citation, verdict, message, until if verdict is _BLOCK else None,
                   label)
        )  # fmt: skip
    return tuple(reasons)


def earliest_allowed(
    packs: PackSet, snap: ContactSnapshot, req: ContactRequest, reasons: tuple[Reason, ...]
) -> datetime | None:
    at = req.at
    for _ in range(_MAX_STEPS):
        blocks = [r for r in reasons if r.verdict is Verdict.BLOCK]
        if not blocks:
            return at
        if any(r.until is None for r in blocks):
            return None
        nxt = max(r.until for r in blocks if r.until is not None)
        if nxt <= at:
            raise EvaluationError(f"a block ends at {nxt}, not after {at}: {blocks}")
        at = nxt
        reasons = judge(packs, snap, at_moment(req, at))
    return None


def evaluate(packs: PackSet, snap: ContactSnapshot, req: ContactRequest) -> Decision:
    """Judge one contact request; the Decision names every rule and when contact can happen."""
    if req.at.tzinfo is None:
        raise ValueError("the moment of a contact must carry its time zone")
    reasons = judge(packs, snap, req)
    allowed = not any(r.verdict is _BLOCK for r in reasons)
    return Decision(
        allowed=allowed,
        channel=req.channel,
        at=req.at,
        reasons=reasons,
        earliest=req.at if allowed else earliest_allowed(packs, snap, req, reasons),
        pack_version=packs.version_for(snap.jurisdictions),
    )


TIME_BAR_CHECK = "time_barred_suit"


@dataclass(frozen=True)
class Limitation:
    """Where a debt stands against the statute of limitations where the consumer lives, as the
    state pack's rule on suits says: ``barred`` once the period has run, ``known`` False while
    the start of the period is not known (the rule then blocks suit until it is confirmed)."""

    reason: Reason  # the rule's verdict on a suit at that moment, with its citation and pack
    known: bool
    since: date | None  # the first day the debt is (or will be) time-barred; None: start unknown
    pack_version: str

    @property
    def barred(self) -> bool:
        return self.known and self.reason.verdict is _BLOCK


def limitation(packs: PackSet, snap: ContactSnapshot, at: datetime) -> Limitation | None:
    """The time-barred verdict for this debt at ``at``; None where no pack in force sets a
    limitation period for the consumer's state."""
    req = ContactRequest(channel=Channel.SUIT, at=at)
    day = local_day(at, snap.day_zone)
    for label, rule, check in packs.plan(snap.jurisdictions, snap.collector_kind, Channel.SUIT):
        if (
            rule.check != TIME_BAR_CHECK
            or day < rule.effective_from
            or (rule.effective_to is not None and day >= rule.effective_to)
        ):
            continue
        verdict, message, _ = check(rule, snap, req)
        return Limitation(
            reason=Reason(rule.id, rule.citation, verdict, message, None, label),
            known=snap.limitation_starts_on is not None,
            since=barred_since(rule, snap),
            pack_version=packs.version_for(snap.jurisdictions),
        )
    return None
