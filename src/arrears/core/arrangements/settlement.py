"""Settlements (a balance resolved for less than it is) and who may agree them.

Discounts and shares are in parts per million (ppm: 1,000,000 = 100%). Limits are checked on
exact integer comparisons, never on rounded percentages; the percentages in the sentences are
rounded half-even to the ppm.

Form 1099-C: an applicable entity that discharges $600 or more of a debtor's debt must file
IRS Form 1099-C (26 U.S.C. 6050P; 26 CFR 1.6050P-1; the threshold is in the Instructions for
Forms 1099-A and 1099-C). ``needs_1099c`` flags a settlement whose forgiven amount reaches the
threshold so the client can be told; whether the client files is for the client to decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from arrears.core.arrangements._numbers import (
    PPM,
    div_ceil,
    div_half_even,
    money_text,
    percent_text,
)
from arrears.core.arrangements.errors import ArrangementError, require_int
from arrears.core.arrangements.schedule import Schedule

#: Debt discharged at or above this many cents is reported on IRS Form 1099-C ($600).
IRS_1099C_THRESHOLD_MINOR = 60_000


def _ppm(value: object, name: str) -> int:
    ppm = require_int(value, name, minimum=0)
    if ppm > PPM:
        raise ArrangementError(f"{name} must be at most {PPM} (100%), not {ppm}")
    return ppm


@dataclass(frozen=True, slots=True)
class SettlementOffer:
    """`amount_minor` accepted in full satisfaction of `balance_minor` (0 < amount <= balance),
    paid at once or by `instalments` (whose total must be the amount)."""

    balance_minor: int
    amount_minor: int
    instalments: Schedule | None = None
    reporting_threshold_minor: int = IRS_1099C_THRESHOLD_MINOR

    def __post_init__(self) -> None:
        balance = require_int(self.balance_minor, "balance_minor", minimum=1)
        amount = require_int(self.amount_minor, "amount_minor", minimum=1)
        if amount > balance:
            raise ArrangementError(
                f"settlement amount_minor {amount} is more than the balance_minor {balance}"
            )
        require_int(self.reporting_threshold_minor, "reporting_threshold_minor", minimum=1)
        if self.instalments is not None:
            if not isinstance(self.instalments, Schedule):
                raise ArrangementError("instalments must be a Schedule or None")
            if self.instalments.total_minor != amount:
                raise ArrangementError(
                    f"instalments total {self.instalments.total_minor}, "
                    f"not the settlement amount_minor {amount}"
                )

    @property
    def forgiven_minor(self) -> int:
        """The part of the balance given up: balance - amount."""
        return self.balance_minor - self.amount_minor

    @property
    def discount_ppm(self) -> int:
        """forgiven / balance in ppm, rounded half-even."""
        return div_half_even(self.forgiven_minor * PPM, self.balance_minor)

    @property
    def settled_ppm(self) -> int:
        """amount / balance in ppm, rounded half-even."""
        return div_half_even(self.amount_minor * PPM, self.balance_minor)

    @property
    def needs_1099c(self) -> bool:
        """True when the forgiven amount reaches the Form 1099-C threshold ($600 by default)."""
        return self.forgiven_minor >= self.reporting_threshold_minor

    def as_dict(self) -> dict[str, object]:
        """JSON-safe form (strings, ints, a bool, dicts, None)."""
        return {
            "balance_minor": self.balance_minor,
            "amount_minor": self.amount_minor,
            "forgiven_minor": self.forgiven_minor,
            "discount_ppm": self.discount_ppm,
            "reporting_threshold_minor": self.reporting_threshold_minor,
            "needs_1099c": self.needs_1099c,
            "instalments": None if self.instalments is None else self.instalments.as_dict(),
        }


def settlement_terms(
    balance_minor: int,
    *,
    amount_minor: int | None = None,
    percent_ppm: int | None = None,
    instalments: Schedule | None = None,
    reporting_threshold_minor: int = IRS_1099C_THRESHOLD_MINOR,
) -> SettlementOffer:
    """A settlement of `balance_minor` for `amount_minor`, or for `percent_ppm` of it (give
    exactly one).

    A percentage is turned into an amount rounded UP to the minor unit, so the amount is never
    less than the percentage named (60% of $1,234.57 is $740.75).
    """
    if (amount_minor is None) == (percent_ppm is None):
        raise ArrangementError("give exactly one of amount_minor and percent_ppm")
    balance_minor = require_int(balance_minor, "balance_minor", minimum=1)
    if percent_ppm is not None:
        percent = require_int(percent_ppm, "percent_ppm", minimum=1)
        if percent > PPM:
            raise ArrangementError(f"percent_ppm must be at most {PPM} (100%), not {percent}")
        amount = div_ceil(balance_minor * percent, PPM)
    else:
        amount = require_int(amount_minor, "amount_minor", minimum=1)
    return SettlementOffer(
        balance_minor=balance_minor,
        amount_minor=amount,
        instalments=instalments,
        reporting_threshold_minor=reporting_threshold_minor,
    )


@dataclass(frozen=True, slots=True)
class AuthorityLimits:
    """What one person may agree alone: the largest discount (ppm of the balance) and, when
    set, the largest amount forgiven."""

    max_discount_ppm: int
    max_forgiven_minor: int | None = None

    def __post_init__(self) -> None:
        _ppm(self.max_discount_ppm, "max_discount_ppm")
        if self.max_forgiven_minor is not None:
            require_int(self.max_forgiven_minor, "max_forgiven_minor", minimum=0)


class LimitKind(StrEnum):
    """Which limit a decision crossed."""

    OVER_MAX_DISCOUNT = "over_max_discount"
    OVER_MAX_FORGIVEN = "over_max_forgiven"
    OVER_ADJUSTMENT_LIMIT = "over_adjustment_limit"
    #: A state's minimum settlement: law, so no approval can override it.
    BELOW_STATE_MINIMUM = "below_state_minimum"


class AuthorityOutcome(StrEnum):
    WITHIN = "within"
    """The person may agree it alone."""
    NEEDS_APPROVAL = "needs_approval"
    """Over the person's limits: someone with the authority must approve it."""
    NOT_ALLOWED = "not_allowed"
    """A limit no authority can override is crossed: nobody may agree it."""


@dataclass(frozen=True, slots=True)
class LimitCrossed:
    """One limit crossed, with a sentence naming the numbers."""

    kind: LimitKind
    message: str

    @property
    def overridable(self) -> bool:
        """True when someone with more authority may approve it anyway."""
        return self.kind is not LimitKind.BELOW_STATE_MINIMUM


@dataclass(frozen=True, slots=True)
class AuthorityDecision:
    """Every limit crossed (none when within authority)."""

    crossed: tuple[LimitCrossed, ...] = ()

    @property
    def outcome(self) -> AuthorityOutcome:
        if not self.crossed:
            return AuthorityOutcome.WITHIN
        if all(limit.overridable for limit in self.crossed):
            return AuthorityOutcome.NEEDS_APPROVAL
        return AuthorityOutcome.NOT_ALLOWED

    @property
    def within(self) -> bool:
        """True when no limit is crossed."""
        return not self.crossed

    @property
    def allowed_with_approval(self) -> bool:
        """True when limits are crossed but approval by someone with the authority allows it
        (False when within, and False when a limit nobody can override is crossed)."""
        return self.outcome is AuthorityOutcome.NEEDS_APPROVAL

    @property
    def reasons(self) -> tuple[str, ...]:
        """The sentences, one per limit crossed, in a fixed order."""
        return tuple(limit.message for limit in self.crossed)

    @property
    def kinds(self) -> tuple[LimitKind, ...]:
        return tuple(limit.kind for limit in self.crossed)

    def as_dict(self) -> dict[str, object]:
        """JSON-safe form (strings and lists)."""
        return {
            "outcome": self.outcome.value,
            "crossed": [
                {"kind": limit.kind.value, "message": limit.message} for limit in self.crossed
            ],
        }


def check_authority(
    offer: SettlementOffer,
    limits: AuthorityLimits,
    *,
    state_minimum_ppm: int | None = None,
    currency: str = "USD",
) -> AuthorityDecision:
    """Whether a person with `limits` may agree `offer`, and every limit it crosses.

    The state minimum (the settlement must be at least that share of the balance) is reported
    as ``below_state_minimum``, which no approval can override; the other limits are the
    person's and can be approved by someone with more authority.
    """
    if not isinstance(offer, SettlementOffer):
        raise ArrangementError("offer must be a SettlementOffer")
    if not isinstance(limits, AuthorityLimits):
        raise ArrangementError("limits must be AuthorityLimits")

    def money(minor: int) -> str:
        return money_text(minor, currency)

    balance, amount, forgiven = offer.balance_minor, offer.amount_minor, offer.forgiven_minor
    crossed: list[LimitCrossed] = []
    if state_minimum_ppm is not None:
        minimum = _ppm(state_minimum_ppm, "state_minimum_ppm")
        if amount * PPM < balance * minimum:
            crossed.append(
                LimitCrossed(
                    LimitKind.BELOW_STATE_MINIMUM,
                    f"The settlement of {money(amount)} is {percent_text(offer.settled_ppm)} "
                    f"of the balance of {money(balance)}, below the state minimum of "
                    f"{percent_text(minimum)} ({money(div_ceil(balance * minimum, PPM))}); "
                    "no approval can allow it.",
                )
            )
    if forgiven * PPM > balance * limits.max_discount_ppm:
        most = balance * limits.max_discount_ppm // PPM
        crossed.append(
            LimitCrossed(
                LimitKind.OVER_MAX_DISCOUNT,
                f"The discount of {percent_text(offer.discount_ppm)} ({money(forgiven)} of "
                f"{money(balance)}) is over the limit of "
                f"{percent_text(limits.max_discount_ppm)} (at most {money(most)} forgiven).",
            )
        )
    if limits.max_forgiven_minor is not None and forgiven > limits.max_forgiven_minor:
        crossed.append(
            LimitCrossed(
                LimitKind.OVER_MAX_FORGIVEN,
                f"The amount forgiven, {money(forgiven)}, is over the limit of "
                f"{money(limits.max_forgiven_minor)}.",
            )
        )
    return AuthorityDecision(tuple(crossed))


def check_adjustment_authority(
    amount_minor: int, limit_minor: int, *, currency: str = "USD"
) -> AuthorityDecision:
    """Whether one person may post an adjustment or write-off of `amount_minor` (either sign;
    its size is what counts) with a limit of `limit_minor`; beyond it a second person must
    approve."""
    amount = require_int(amount_minor, "amount_minor")
    if amount == 0:
        raise ArrangementError("amount_minor must not be zero")
    limit = require_int(limit_minor, "limit_minor", minimum=0)
    if abs(amount) <= limit:
        return AuthorityDecision()
    return AuthorityDecision(
        (
            LimitCrossed(
                LimitKind.OVER_ADJUSTMENT_LIMIT,
                f"The adjustment of {money_text(abs(amount), currency)} is over the limit of "
                f"{money_text(limit, currency)}; a second person must approve it.",
            ),
        )
    )
