"""The collector's work: queue definitions, call dispositions and leases, as pure values."""

from arrears.core.work.dispositions import DISPOSITION_RULES, Disposition, DispositionRule, FollowUp
from arrears.core.work.queues import (
    ACCOUNT_STATUSES,
    HOLD_FILTERS,
    WORK_CHANNELS,
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
    "WORK_CHANNELS",
    "Disposition",
    "DispositionRule",
    "FollowUp",
    "QueueFilters",
    "QueueMode",
    "QueueOrder",
    "SpecError",
    "parse_filters",
]
