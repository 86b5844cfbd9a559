"""Work queue definitions: which accounts a queue holds, in what order, owned or pooled.

A definition is stored as JSON; ``parse_filters`` is the one reader of it, so a definition that
would not build is refused when it is saved, naming the field at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from arrears.core.formats.placements.layout import STATES
from arrears.core.money import parse_amount_to_minor

ACCOUNT_STATUSES = ("active", "arrangement", "paid", "settled", "closed", "recalled")
HOLD_KINDS = (
    "dispute", "cease", "bankruptcy", "deceased", "attorney", "identity_theft", "military",
    "legal",
)  # fmt: skip
# "none": no hold in force; "any": some hold in force; a kind: that hold in force.
HOLD_FILTERS = ("none", "any", *HOLD_KINDS)
MAX_DAYS = 36_500
# What is agreed on the account: "none" (no open promise, no standing plan or settlement),
# "promise", "plan", "settlement" (one standing), "any" (any of the three).
ARRANGEMENT_FILTERS = ("none", "promise", "plan", "settlement", "any")
# The channels a collector works from the workspace. An account blocked on all of them now is
# skipped by "next account"; letters go out by campaign, not from a queue.
WORK_CHANNELS = ("call", "sms", "email")


class QueueOrder(StrEnum):
    BALANCE_HIGH = "balance_high"
    BALANCE_LOW = "balance_low"
    PLACED_OLDEST = "placed_oldest"
    PLACED_NEWEST = "placed_newest"
    LEAST_RECENT_CONTACT = "least_recent_contact"
    CALLBACK_DUE = "callback_due"
    PROMISE_DUE = "promise_due"


class QueueMode(StrEnum):
    POOLED = "pooled"  # any member takes the next account
    OWNED = "owned"  # each collector gets only the accounts assigned to them


class SpecError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class QueueFilters:
    """Every condition is optional; an empty definition holds every account."""

    clients: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("active",)
    hold: str | None = "none"
    balance_min_minor: int | None = None
    balance_max_minor: int | None = None
    states: tuple[str, ...] = ()
    placed_days_min: int | None = None
    placed_days_max: int | None = None
    no_contact_days: int | None = None  # not tried in the last N days (never tried counts)
    promise_due: bool = False  # an open promise due today or earlier
    callback_due: bool = False  # an open callback due now or earlier
    # A promise, plan or settlement broken in the last N days (0: today), with nothing newer
    # agreed since: no open promise and no standing arrangement.
    broken_days: int | None = None
    # Days since the client charged the debt off (accounts without a charge-off date never
    # match a bound).
    charged_off_days_min: int | None = None
    charged_off_days_max: int | None = None
    arrangement: str | None = None  # one of ARRANGEMENT_FILTERS; None: not a condition
    # Only the accounts a collection strategy has routed to this queue (a queue step).
    routed: bool = False

    def as_json(self) -> dict[str, Any]:
        """The stored form: amounts as decimal text, lists as lists, defaults included."""
        out = asdict(self)
        out["clients"], out["statuses"], out["states"] = (
            list(self.clients), list(self.statuses), list(self.states),
        )  # fmt: skip
        for key in ("balance_min_minor", "balance_max_minor"):
            value = out.pop(key)
            out[key.removesuffix("_minor")] = None if value is None else _amount_text(value)
        return out


_KNOWN = {
    "clients", "statuses", "hold", "balance_min", "balance_max", "states", "placed_days_min",
    "placed_days_max", "no_contact_days", "promise_due", "callback_due", "broken_days",
    "charged_off_days_min", "charged_off_days_max", "arrangement", "routed",
}  # fmt: skip


def parse_filters(raw: Mapping[str, Any]) -> QueueFilters:
    """Read a stored or submitted definition; raise SpecError naming the first bad field."""
    if not isinstance(raw, Mapping):
        raise SpecError("filters", "must be an object")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise SpecError(unknown[0], f"is not a queue filter (known: {', '.join(sorted(_KNOWN))})")
    clients = tuple(c.strip().upper() for c in _strings(raw, "clients") if c.strip())
    statuses = _strings(raw, "statuses", default=("active",))
    for status in statuses:
        if status not in ACCOUNT_STATUSES:
            raise SpecError("statuses", f"{status!r} is not one of {', '.join(ACCOUNT_STATUSES)}")
    hold = raw.get("hold", "none")
    if hold is not None and hold not in HOLD_FILTERS:
        raise SpecError("hold", f"must be empty or one of {', '.join(HOLD_FILTERS)}")
    states = tuple(s.strip().upper() for s in _strings(raw, "states"))
    for state in states:
        if state not in STATES:
            raise SpecError("states", f"{state!r} is not a US state or territory code")
    low, high = _amount(raw, "balance_min"), _amount(raw, "balance_max")
    if low is not None and high is not None and low > high:
        raise SpecError("balance_max", "must not be below balance_min")
    days_min, days_max = _days(raw, "placed_days_min"), _days(raw, "placed_days_max")
    if days_min is not None and days_max is not None and days_min > days_max:
        raise SpecError("placed_days_max", "must not be below placed_days_min")
    off_min, off_max = _days(raw, "charged_off_days_min"), _days(raw, "charged_off_days_max")
    if off_min is not None and off_max is not None and off_min > off_max:
        raise SpecError("charged_off_days_max", "must not be below charged_off_days_min")
    arrangement = raw.get("arrangement")
    if arrangement == "":
        arrangement = None
    if arrangement is not None and arrangement not in ARRANGEMENT_FILTERS:
        raise SpecError("arrangement", f"must be empty or one of {', '.join(ARRANGEMENT_FILTERS)}")
    return QueueFilters(
        clients=clients, statuses=statuses, hold=hold, balance_min_minor=low,
        balance_max_minor=high, states=states, placed_days_min=days_min,
        placed_days_max=days_max, no_contact_days=_days(raw, "no_contact_days"),
        promise_due=_flag(raw, "promise_due"), callback_due=_flag(raw, "callback_due"),
        broken_days=_days(raw, "broken_days"), charged_off_days_min=off_min,
        charged_off_days_max=off_max, arrangement=arrangement, routed=_flag(raw, "routed"),
    )  # fmt: skip


def _strings(raw: Mapping[str, Any], key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise SpecError(key, "must be a list of text values")
    return tuple(v.strip() for v in value)


def _amount(raw: Mapping[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise SpecError(key, "must be an amount written as text, such as '250.00'")
    try:
        minor = parse_amount_to_minor(str(value))
    except ValueError:
        raise SpecError(key, f"{value!r} is not an amount in dollars and cents") from None
    if minor < 0:
        raise SpecError(key, "must not be negative")
    return minor


def _days(raw: Mapping[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        raise SpecError(key, f"must be a whole number of days from 0 to {MAX_DAYS}")
    return value


def _flag(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise SpecError(key, "must be true or false")
    return value


def _amount_text(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"
