"""The intervals of a day in which a contact is allowed, found by walking the evaluator.

``evaluate`` answers for one moment: allowed or not, and when it is not, the earliest moment it
is (``Decision.earliest``, exact: every instant before it is blocked). A dialer wants every
interval of a day in which it may call. Writing that as a second set of rules beside the checks
would be a copy to drift from them, so this asks the evaluator itself, at few moments:

- blocked at ``t``: the next allowed moment is ``Decision.earliest``; jump there. None, or at or
  after the end: there is no further window.
- allowed at ``t``: the window lasts at least until the next *boundary*, a moment at which some
  check can change its verdict; judge again there. Still allowed: the window goes on. Blocked:
  it ends there.

The boundaries (``boundaries``) are the moments at which anything a check reads changes with
time alone:

- local midnight in each zone the checks use (the consumer's day zone for day counts, holds,
  halts and rules' effective dates; every candidate zone for the weekdays of inconvenient times),
- the start and end of each time-of-day window of the rules that apply (``"HH:MM"`` parameters,
  e.g. 08:00 and 21:00 of the local-time rule, 07:30 of Washington's), in every zone it judges,
- the start and end of each time the consumer named inconvenient, in every zone,
- the end of the consumer's consent to be called, and each recorded attempt's moment.

Between two boundaries no verdict changes, so one evaluation per boundary inside an allowed
stretch is enough; a New York consumer's ordinary weekday costs three evaluations (midnight,
08:00, 21:00). A new check whose verdict turns at some other moment must add its moments here.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from arrears.core.compliance.checks import at_moment, zone
from arrears.core.compliance.evaluator import evaluate
from arrears.core.compliance.model import ContactRequest, ContactSnapshot, Reason
from arrears.core.compliance.packs import PackSet

_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_MAX_STEPS = 256


@dataclass(frozen=True)
class Window:
    """An allowed half-open interval [start, end)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Windows:
    windows: tuple[Window, ...]
    # With no window: the rules that close the whole range, for a report to count by.
    closed_by: tuple[Reason, ...]
    evaluations: int

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r.rule_id for r in self.closed_by)


def _times_of_day(packs: PackSet, snap: ContactSnapshot, req: ContactRequest) -> set[time]:
    found: set[time] = set()
    for _label, rule, _check in packs.plan(snap.jurisdictions, snap.collector_kind, req.channel):
        for value in rule.params.values():
            if isinstance(value, str) and (m := _HHMM.fullmatch(value.strip())):
                found.add(time(int(m.group(1)), int(m.group(2))))
    for window in snap.inconvenient:
        found.update((window.start, window.end))
    return found


def _zones(packs: PackSet, snap: ContactSnapshot, req: ContactRequest) -> set[str]:
    names = {snap.day_zone, *snap.zones}
    if not snap.zones:  # the rules judge every zone they list for an unknown location
        for _label, rule, _check in packs.plan(
            snap.jurisdictions, snap.collector_kind, req.channel
        ):
            listed = rule.params.get("unknown_location_zones", ())
            if isinstance(listed, list | tuple):
                names.update(str(z) for z in listed)
    return names


def boundaries(
    packs: PackSet, snap: ContactSnapshot, req: ContactRequest, start: datetime, end: datetime
) -> list[datetime]:
    """Every moment in (start, end) at which a check may change its verdict on ``req``, sorted."""
    moments: set[datetime] = set()
    clock = _times_of_day(packs, snap, req) | {time(0)}
    for name in _zones(packs, snap, req):
        tz = zone(name)
        first = start.astimezone(tz).date() - timedelta(days=1)
        last = end.astimezone(tz).date() + timedelta(days=1)
        day = first
        while day <= last:
            for at in clock:
                moments.add(datetime.combine(day, at, tzinfo=tz))
            day += timedelta(days=1)
    if snap.call_consent_until is not None:
        moments.add(snap.call_consent_until)
    moments.update(a.at for a in snap.attempts)
    return sorted(m for m in moments if start < m < end)


def _closing(blocked: list[tuple[Reason, ...]], end: datetime) -> tuple[Reason, ...]:
    """The rules that close the range: of those that blocked at every moment judged, the ones
    whose block lasts to the end (a cease, seven calls in seven days) rather than the night's
    hours that happen to block too; failing those, every rule that blocked."""
    if not blocked:
        return ()
    every = set.intersection(*({r.rule_id for r in reasons} for reasons in blocked))
    first: dict[str, Reason] = {}
    for reasons in blocked:
        for r in reasons:
            first.setdefault(r.rule_id, r)
    lasting = [
        r for reasons in blocked for r in reasons
        if r.rule_id in every and (r.until is None or r.until >= end)
    ]  # fmt: skip
    chosen = {r.rule_id for r in lasting} or every or set(first)
    return tuple(first[rule_id] for rule_id in sorted(chosen))


def allowed_windows(
    packs: PackSet, snap: ContactSnapshot, req: ContactRequest, *, end: datetime
) -> Windows:
    """The intervals in [req.at, end) in which ``req`` (its channel, contact point, recipient,
    purpose) is allowed, judged by ``evaluate`` on ``snap`` as it stands."""
    start = req.at
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the range of a day's windows must carry its time zone")
    points = boundaries(packs, snap, req, start, end)
    windows: list[Window] = []
    blocked: list[tuple[Reason, ...]] = []
    opened: datetime | None = None
    at, evaluations = start, 0
    while at < end and evaluations < _MAX_STEPS:
        decision = evaluate(packs, snap, at_moment(req, at))
        evaluations += 1
        if decision.allowed:
            opened = opened or at
            index = bisect_right(points, at)
            at = points[index] if index < len(points) else end
            continue
        if opened is not None:
            windows.append(Window(opened, at))
            opened = None
        blocked.append(decision.blocks)
        nxt = decision.earliest
        if nxt is None or nxt >= end or nxt <= at:
            break
        at = nxt
    if opened is not None:
        windows.append(Window(opened, min(at, end)))
    return Windows(
        windows=tuple(windows),
        closed_by=() if windows else _closing(blocked, end),
        evaluations=evaluations,
    )


def merged(windows: Iterable[Window]) -> tuple[Window, ...]:
    """Windows sorted, overlapping or touching ones joined: the union of several numbers'."""
    out: list[Window] = []
    for w in sorted(windows, key=lambda w: (w.start, w.end)):
        if out and w.start <= out[-1].end:
            if w.end > out[-1].end:
                out[-1] = Window(out[-1].start, w.end)
        else:
            out.append(w)
    return tuple(out)
