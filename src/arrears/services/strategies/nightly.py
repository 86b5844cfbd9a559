"""The nightly run of a date: accrual, promises and arrangements judged, strategies routed
and their steps planned, queues rebuilt, in that order.

Each phase is safe to repeat for its date on its own (accrual posts only the missing cents,
a promise or an arrangement is judged once, routing and planning write only what is missing,
a queue build replaces the queue), and the run records each phase as it finishes
(``NightlyRun.phases``). Running again for the date goes on from the first phase not
finished, so a run killed part-way ends exactly as one clean run would; a date whose run
finished is not run again. Nothing here sends anything: letters, emails and texts go out with
``arrears send`` (``arrears.services.messaging.send``).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from arrears.data.strategies.models import NightlyRun
from arrears.services.arrangements.evaluate import arrangements_evaluate
from arrears.services.common import Actor, ServiceError, audit_record
from arrears.services.ledger.accrual import interest_accrue
from arrears.services.strategies.routing import actions_plan, last_planned, strategies_route
from arrears.services.work.promises import promises_evaluate
from arrears.services.work.queues import queue_build_all

PHASES = ("accrual", "promises", "arrangements", "strategies", "queues")


def crash_point(name: str) -> None:
    """For the crash tests: ``ARREARS_CRASH_AT=<name>`` kills the process here, as a power cut
    would (no exception handler, no rollback beyond the open transaction)."""
    if os.environ.get("ARREARS_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class NightlyReport:
    as_of: date
    ran: list[str] = field(default_factory=list)  # the phases this call ran
    phases: dict[str, Any] = field(default_factory=dict)  # every finished phase's report
    finished: bool = False
    already_done: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "ran": self.ran,
            "finished": self.finished,
            "already_done": self.already_done,
            "phases": self.phases,
        }


def _phase(name: str, *, as_of: date, actor: Actor, now: datetime,
           progress: Callable[[str], None] | None) -> dict[str, Any]:  # fmt: skip
    if progress is not None:
        progress(name)
    match name:
        case "accrual":
            return interest_accrue(as_of=as_of, actor=actor, now=now).as_dict()
        case "promises":
            return promises_evaluate(as_of=as_of, actor=actor, now=now).as_dict()
        case "arrangements":
            return arrangements_evaluate(as_of=as_of, actor=actor, now=now).as_dict()
        case "strategies":
            since = last_planned(as_of)
            with transaction.atomic():
                routed = strategies_route(as_of=as_of, now=now)
                crash_point("strategies.routed")
                planned = actions_plan(as_of=as_of, now=now, since=since)
            return {"since": since.isoformat() if since else None, **routed.as_dict(),
                    **planned.as_dict()}  # fmt: skip
        case "queues":
            built = queue_build_all(now=now, actor=actor)
            return {"queues": {b.queue: b.accounts for b in built}}
    raise AssertionError(name)


def nightly_run(
    *, as_of: date, actor: Actor, now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> NightlyReport:  # fmt: skip
    """Run the phases of ``as_of`` not yet finished (see the module docstring)."""
    now = now or timezone.now()
    later = NightlyRun.objects.filter(as_of__gt=as_of, finished_at__isnull=False).first()
    if later is not None:
        raise ServiceError(
            f"the nightly run of {later.as_of} has finished; a run for an earlier day would "
            "judge promises and route accounts backwards", field="as_of",
        )  # fmt: skip
    run, _ = NightlyRun.objects.get_or_create(
        as_of=as_of, defaults={"started_at": now, "started_by_id": actor.user_id}
    )
    report = NightlyReport(as_of=as_of, phases=dict(run.phases))
    if run.finished_at is not None:
        report.finished = report.already_done = True
        return report
    for name in PHASES:
        if name in run.phases:
            continue
        result = _phase(name, as_of=as_of, actor=actor, now=now, progress=progress)
        crash_point(f"{name}.done")
        with transaction.atomic():
            run = NightlyRun.objects.select_for_update().get(pk=run.pk)
            run.phases = {**run.phases, name: result}
            run.save(update_fields=["phases"])
        report.ran.append(name)
        report.phases[name] = result
        crash_point(f"{name}.recorded")
    with transaction.atomic():
        run.finished_at = now
        run.save(update_fields=["finished_at"])
        audit_record(actor=actor, event="nightly.finished", at=now,
                     details={"as_of": as_of.isoformat(), "ran": report.ran})  # fmt: skip
    report.finished = True
    return report
