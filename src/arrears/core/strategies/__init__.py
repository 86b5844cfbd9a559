"""Collection strategies as values: treatment paths of dated steps, and the stable assignment
of accounts to a strategy's variants (champion and challengers).

A path is stored as JSON; ``parse_path`` is its one reader, so a path that would not run is
refused when it is saved, naming the step and field at fault. A step falls due ``day`` days
after the account entered the strategy; its ``when`` condition (the queue filter language of
``arrears.core.work``, naming only what it tests) is looked at on that day, and a step whose
condition does not hold is skipped, not postponed.

Assignment: an account's bucket is a number from 0 to 9,999 computed from its id and the
strategy's seed by Knuth's multiplicative hash (the top bits of ``(id + seed) * 2654435761``
modulo 2³², scaled to 10,000). Variants take consecutive ranges of buckets in the order of
their codes, sized by their shares in basis points. The same formula runs in SQL for the
set-based nightly run (integer arithmetic that SQLite and PostgreSQL compute alike), so it is
kept to operations both do exactly: an id below 2³¹ and a seed below 2³⁰ keep the product
under 2⁶³. The hash spreads consecutive ids evenly over the buckets, so each variant receives
its share of a placement almost exactly; the assignment is only ever made once per account and
strategy and then stored, so later changes of shares move no one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from arrears.core.work import QueueFilters, SpecError, parse_filters

ALL_BP = 10_000  # a share of everything, in basis points
MULTIPLIER = 2_654_435_761  # Knuth: ⌊2³² / φ⌋, odd
MODULUS = 2**32
MAX_SEED = 2**30
MAX_ACCOUNT_ID = 2**31
MAX_STEP_DAY = 3_650
MAX_STEPS = 40


class StepAction(StrEnum):
    VALIDATION_NOTICE = "validation_notice"  # the Regulation F notice, once per debt
    LETTER = "letter"
    EMAIL = "email"
    SMS = "sms"
    QUEUE = "queue"  # route the account to a work queue (a call queue)


MESSAGE_ACTIONS = (StepAction.LETTER, StepAction.EMAIL, StepAction.SMS)


@dataclass(frozen=True)
class Step:
    key: str
    day: int
    action: StepAction
    template: str = ""  # letters, emails and texts: the template code
    queue: str = ""  # queue steps: the work queue code
    when: QueueFilters | None = None
    when_raw: Mapping[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "day": self.day, "action": self.action.value}
        if self.template:
            out["template"] = self.template
        if self.queue:
            out["queue"] = self.queue
        if self.when_raw:
            out["when"] = dict(self.when_raw)
        return out


def parse_path(raw: Any) -> tuple[Step, ...]:
    """Read a stored or submitted path; raise SpecError naming the first bad field, as
    ``steps[2].template``. Steps come back in the order they fall due (by day, then as given)."""
    if not isinstance(raw, list | tuple):
        raise SpecError("steps", "must be a list of steps")
    if len(raw) > MAX_STEPS:
        raise SpecError("steps", f"at most {MAX_STEPS} steps")
    steps: list[Step] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"steps[{i}]"
        if not isinstance(item, Mapping):
            raise SpecError(where, "must be an object")
        unknown = sorted(set(item) - {"key", "day", "action", "template", "queue", "when"})
        if unknown:
            raise SpecError(f"{where}.{unknown[0]}", "is not a step field")
        key = str(item.get("key") or f"s{i + 1}").strip()
        if not key or len(key) > 20 or not all(c.isalnum() or c in "-_" for c in key):
            raise SpecError(f"{where}.key", "must be 1 to 20 letters, digits, - or _")
        if key in seen:
            raise SpecError(f"{where}.key", f"{key!r} is used by another step")
        seen.add(key)
        day = item.get("day")
        if isinstance(day, str) and day.strip().isdigit():
            day = int(day)
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= MAX_STEP_DAY:
            raise SpecError(f"{where}.day", f"must be a whole number of days from 0 to "
                                            f"{MAX_STEP_DAY}")  # fmt: skip
        try:
            action = StepAction(str(item.get("action")))
        except ValueError:
            known = ", ".join(a.value for a in StepAction)
            raise SpecError(f"{where}.action", f"must be one of {known}") from None
        template = str(item.get("template") or "").strip().lower()
        queue = str(item.get("queue") or "").strip().lower()
        if action in MESSAGE_ACTIONS and not template:
            raise SpecError(f"{where}.template", f"a {action.value} step names its template")
        if action not in MESSAGE_ACTIONS and template:
            raise SpecError(f"{where}.template", f"a {action.value} step has no template")
        if action is StepAction.QUEUE and not queue:
            raise SpecError(f"{where}.queue", "a queue step names its work queue")
        if action is not StepAction.QUEUE and queue:
            raise SpecError(f"{where}.queue", f"a {action.value} step has no queue")
        when_raw = item.get("when") or None
        when = None
        if when_raw is not None:
            if not isinstance(when_raw, Mapping):
                raise SpecError(f"{where}.when", "must be an object of queue filters")
            if "routed" in when_raw:
                raise SpecError(f"{where}.when.routed", "is a queue's filter, not a condition")
            try:
                # A condition tests only what it names: no default status or hold.
                when = parse_filters({"statuses": [], "hold": None, **when_raw})
            except SpecError as error:
                raise SpecError(f"{where}.when.{error.field}", error.message) from None
        steps.append(Step(key, day, action, template, queue, when, when_raw))
    return tuple(sorted(steps, key=lambda s: s.day))


def bucket(seed: int, account_id: int) -> int:
    """The account's bucket, 0 to 9,999, for a strategy's seed (see the module docstring)."""
    if not 0 <= seed < MAX_SEED:
        raise ValueError(f"seed {seed} is outside 0 to 2^30")
    if not 0 < account_id < MAX_ACCOUNT_ID:
        raise ValueError(f"account id {account_id} is outside 1 to 2^31")
    return ((account_id + seed) * MULTIPLIER % MODULUS) * ALL_BP // MODULUS


def check_shares(shares: Sequence[tuple[str, int]]) -> None:
    """Shares are whole basis points adding up to 10,000; raise SpecError naming the first
    variant at fault, or ``shares`` for the total."""
    if not shares:
        raise SpecError("variants", "a strategy needs at least one variant")
    codes = [code for code, _ in shares]
    if len(set(codes)) != len(codes):
        raise SpecError("variants", "each variant has its own code")
    for code, share in shares:
        if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= ALL_BP:
            raise SpecError(f"variants.{code}.share", "must be 0 to 100.00 percent")
    total = sum(share for _, share in shares)
    if total != ALL_BP:
        raise SpecError("shares", f"add up to {total / 100:.2f} %, not 100.00 %")


def bucket_ranges(shares: Sequence[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """Each variant's half-open range of buckets [low, high), in the order of their codes."""
    check_shares(shares)
    ranges, low = [], 0
    for code, share in sorted(shares):
        ranges.append((code, low, low + share))
        low += share
    return ranges


def choose_variant(shares: Sequence[tuple[str, int]], seed: int, account_id: int) -> str:
    """The variant a newly entering account takes under these shares."""
    b = bucket(seed, account_id)
    for code, low, high in bucket_ranges(shares):
        if low <= b < high:
            return code
    raise AssertionError("shares cover every bucket")  # check_shares made sure
