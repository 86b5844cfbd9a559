"""The collector's work: queue definitions, call dispositions, promises kept or broken, and the
credit for collections, as pure values."""

from arrears.core.work.attribution import (
    PROMISE_CREDIT_DAYS,
    Collected,
    Movement,
    OwnerPeriod,
    PromiseStatus,
    PromiseTaken,
    Tally,
    credited_to,
    percent,
    tally,
)
from arrears.core.work.dispositions import (
    DISPOSITION_RULES,
    RIGHT_PARTY_CONTACT,
    Disposition,
    DispositionRule,
    FollowUp,
)
from arrears.core.work.promises import PromiseTerms, Verdict, judge
from arrears.core.work.queues import (
    ACCOUNT_STATUSES,
    HOLD_FILTERS,
    QueueFilters,
    QueueMode,
    QueueOrder,
    SpecError,
    parse_filters,
)

__all__ = [
    "ACCOUNT_STATUSES",
    "DISPOSITION_RULES",
    "HOLD_FILTERS",
    "PROMISE_CREDIT_DAYS",
    "RIGHT_PARTY_CONTACT",
    "Collected",
    "Disposition",
    "DispositionRule",
    "FollowUp",
    "Movement",
    "OwnerPeriod",
    "PromiseStatus",
    "PromiseTaken",
    "PromiseTerms",
    "QueueFilters",
    "QueueMode",
    "QueueOrder",
    "SpecError",
    "Tally",
    "Verdict",
    "credited_to",
    "judge",
    "parse_filters",
    "percent",
    "tally",
]
