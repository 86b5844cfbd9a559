"""Simulating a rule pack before it goes live: replay recorded attempts against it.

Every outbound attempt recorded in the period is judged twice on the same snapshot (the account
as the book shows it on that day, with the contact history as recorded, less the attempt
itself): once by the packs in force, once with the candidate pack in place of the pack of the
same name (or beside them, for a new pack). What differs is the report: attempts the candidate
would newly block, attempts it would newly allow, and the rules responsible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from arrears.core.compliance import (
    Channel,
    ContactRequest,
    ContactSnapshot,
    Direction,
    PackSet,
    Purpose,
    Recipient,
    RulePack,
    evaluate,
)
from arrears.data.contacts.models import ContactAttempt
from arrears.services.compliance.snapshots import (
    build_snapshot,
    history_days,
    load_material,
    packs_in_force,
)

BATCH = 500


@dataclass(frozen=True)
class Change:
    attempt_id: int
    account_id: int
    at: datetime
    channel: str
    change: str  # "newly_blocked" or "newly_allowed"
    rules: tuple[str, ...]  # the rules that make the difference

    def as_dict(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt_id,
            "account": self.account_id,
            "at": self.at.isoformat(),
            "channel": self.channel,
            "change": self.change,
            "rules": list(self.rules),
        }


@dataclass
class SimulationReport:
    candidate: str
    replaces: str | None
    start: datetime
    end: datetime
    attempts: int = 0
    changes: list[Change] = field(default_factory=list)

    @property
    def newly_blocked(self) -> list[Change]:
        return [c for c in self.changes if c.change == "newly_blocked"]

    @property
    def newly_allowed(self) -> list[Change]:
        return [c for c in self.changes if c.change == "newly_allowed"]

    def by_rule(self) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {}
        for change in self.changes:
            for rule in change.rules:
                counts.setdefault(rule, Counter())[change.change] += 1
        return {
            rule: {"newly_blocked": c["newly_blocked"], "newly_allowed": c["newly_allowed"]}
            for rule, c in sorted(counts.items())
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "replaces": self.replaces,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "attempts": self.attempts,
            "newly_blocked": len(self.newly_blocked),
            "newly_allowed": len(self.newly_allowed),
            "by_rule": self.by_rule(),
            "changes": [c.as_dict() for c in self.changes],
        }


def with_candidate(packs: PackSet, candidate: RulePack) -> tuple[PackSet, str | None]:
    """The packs in force with the candidate in place of the pack of the same name."""
    replaced = next((p for p in packs.packs if p.name == candidate.name), None)
    kept = tuple(p for p in packs.packs if p.name != candidate.name)
    return PackSet((*kept, candidate)), replaced.label if replaced else None


def compliance_simulate(
    *,
    candidate: RulePack,
    start: datetime,
    end: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationReport:
    """Replay the outbound attempts recorded in [start, end) against the candidate pack."""
    baseline = packs_in_force()
    trial, replaces = with_candidate(baseline, candidate)
    report = SimulationReport(candidate=candidate.label, replaces=replaces, start=start, end=end)
    account_ids = list(
        ContactAttempt.objects.filter(at__gte=start, at__lt=end, direction=Direction.OUTBOUND)
        .order_by("account_id")
        .values_list("account_id", flat=True)
        .distinct()
    )
    since = start - timedelta(days=max(history_days(baseline), history_days(trial)))
    for offset in range(0, len(account_ids), BATCH):
        batch = account_ids[offset : offset + BATCH]
        for account_id, material in load_material(
            batch, attempts_from=since, attempts_to=end
        ).items():
            # Built once per account and day (contact points are dated), then given the history
            # less the attempt being judged.
            day_snapshots: dict[date, ContactSnapshot] = {}
            for recorded in material.attempts:
                a = recorded.attempt
                if a.direction is not Direction.OUTBOUND or not (start <= a.at < end):
                    continue
                report.attempts += 1
                base = day_snapshots.get(a.at.date())
                if base is None:
                    base = day_snapshots[a.at.date()] = build_snapshot(material, today=a.at.date())
                snap = replace(
                    base,
                    attempts=tuple(r.attempt for r in material.attempts if r.id != recorded.id),
                )
                request = ContactRequest(
                    channel=Channel(a.channel), at=a.at, recipient=Recipient(a.recipient),
                    purpose=Purpose(a.purpose),
                    contact_point_id=(str(recorded.contact_point_id)
                                      if recorded.contact_point_id else None),
                    automated=recorded.automated,
                )  # fmt: skip
                before = evaluate(baseline, snap, request)
                after = evaluate(trial, snap, request)
                if before.allowed == after.allowed:
                    continue
                if before.allowed:
                    rules = _difference(after.blocks, before.blocks)
                    kind = "newly_blocked"
                else:
                    rules = _difference(before.blocks, after.blocks)
                    kind = "newly_allowed"
                report.changes.append(
                    Change(recorded.id, account_id, a.at, a.channel.value, kind, rules)
                )
        if progress is not None:
            progress(min(offset + BATCH, len(account_ids)), len(account_ids))
    report.changes.sort(key=lambda c: (c.at, c.attempt_id))
    return report


def _difference(blocks: tuple[Any, ...], other: tuple[Any, ...]) -> tuple[str, ...]:
    """The rules blocking on one side and not the other; all of them if the same rules block."""
    theirs = {r.rule_id for r in other}
    ids = tuple(dict.fromkeys(r.rule_id for r in blocks if r.rule_id not in theirs))
    return ids or tuple(dict.fromkeys(r.rule_id for r in blocks))
