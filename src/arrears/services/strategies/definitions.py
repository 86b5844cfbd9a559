"""Defining strategies and their variants, and moving accounts between variants.

A definition is checked whole before anything is written: its entry rule (queue filters), each
variant's share and path, and what the path names (each template exists for its channel, each
queue exists). Changing a variant's share changes only where newly entering accounts go;
``variant_move`` is the one way to move accounts already enrolled, and it is audited.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from arrears.core.strategies import (
    ALL_BP,
    MAX_SEED,
    MESSAGE_ACTIONS,
    StepAction,
    bucket,
    check_shares,
    parse_path,
)
from arrears.core.work import SpecError, parse_filters
from arrears.data.messaging.models import MessageTemplate
from arrears.data.strategies.models import (
    ActionStatus,
    Enrollment,
    PlannedAction,
    Strategy,
    Variant,
)
from arrears.data.work.models import WorkQueue
from arrears.services.common import Actor, NotFound, ServiceError, audit_record

# Codes that are addresses of the editor's own pages (/strategies/new/, /strategies/planned/).
RESERVED_CODES = frozenset({"new", "planned"})


@dataclass(frozen=True)
class VariantSpec:
    code: str
    name: str
    share_bp: int
    steps: list[dict[str, Any]]
    champion: bool = False


def share_bp(value: Any, field: str) -> int:
    """A share written as a percentage ("50", "33.33", 12.5) in basis points."""
    try:
        amount = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        raise ServiceError("a share is a percentage such as 50 or 33.33", field=field) from None
    bp = amount * 100
    if bp != bp.to_integral_value() or not 0 <= bp <= ALL_BP:
        raise ServiceError("a share is 0 to 100 with at most two decimals", field=field)
    return int(bp)


def _variants(raw: Sequence[Mapping[str, Any]]) -> list[VariantSpec]:
    if not raw:
        raise ServiceError("a strategy needs at least one variant", field="variants")
    out = []
    for i, item in enumerate(raw):
        code = str(item.get("code") or "").strip().lower()
        if not code or len(code) > 20 or not all(c.isalnum() or c in "-_" for c in code):
            raise ServiceError("a variant code is 1 to 20 letters, digits, - or _",
                               field=f"variants[{i}].code")  # fmt: skip
        name = str(item.get("name") or code).strip()[:100]
        share = item.get("share_bp")
        if share is None:
            share = share_bp(item.get("share", 100 if len(raw) == 1 else None),
                             f"variants[{i}].share")  # fmt: skip
        steps = item.get("steps", [])
        out.append(VariantSpec(code, name, share, steps, bool(item.get("champion", i == 0))))
    return out


def _check(entry: Mapping[str, Any], variants: list[VariantSpec]) -> None:
    try:
        spec = parse_filters(entry)
        if spec.routed:
            raise SpecError("routed", "is a queue's filter, not a strategy's")
    except SpecError as error:
        raise ServiceError(error.message, field=f"entry.{error.field}") from None
    try:
        check_shares([(v.code, v.share_bp) for v in variants])
    except SpecError as error:
        raise ServiceError(error.message, field=error.field) from None
    if sum(v.champion for v in variants) != 1:
        raise ServiceError("exactly one variant is the champion", field="variants")
    for i, variant in enumerate(variants):
        try:
            steps = parse_path(variant.steps)
        except SpecError as error:
            raise ServiceError(error.message, field=f"variants[{i}].{error.field}") from None
        for step in steps:
            where = f"variants[{i}].steps.{step.key}"
            if step.action in MESSAGE_ACTIONS:
                channel = step.action.value
                found = MessageTemplate.objects.filter(code=step.template).first()
                if found is None:
                    raise ServiceError(f"no template {step.template!r}", field=f"{where}.template")
                if found.channel != channel:
                    raise ServiceError(
                        f"template {step.template!r} is a {found.channel} template, not a "
                        f"{channel} one", field=f"{where}.template",
                    )  # fmt: skip
            if (
                step.action is StepAction.QUEUE
                and not WorkQueue.objects.filter(code=step.queue).exists()
            ):
                raise ServiceError(f"no work queue {step.queue!r}", field=f"{where}.queue")


def strategy_define(
    *,
    code: str,
    name: str,
    entry: Mapping[str, Any],
    variants: Sequence[Mapping[str, Any]],
    actor: Actor,
    now: datetime,
    priority: int = 100,
    description: str = "",
    active: bool = True,
) -> Strategy:
    """Create or change a strategy. A variant left out of a change is kept only if accounts
    follow it (its share must then be 0): enrolled accounts are never left without a path."""
    code = code.strip().lower()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_" for c in code):
        raise ServiceError("a strategy code is 1 to 40 letters, digits, - or _", field="code")
    if code in RESERVED_CODES:
        raise ServiceError(f"{code!r} names a page of the editor; choose another", field="code")
    if not name.strip():
        raise ServiceError("a strategy needs a name", field="name")
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 9999:
        raise ServiceError("priority is a whole number from 0 to 9999", field="priority")
    specs = _variants(variants)
    _check(entry, specs)
    with transaction.atomic():
        strategy = Strategy.objects.select_for_update().filter(code=code).first()
        created = strategy is None
        before: dict[str, Any] = {}
        if strategy is None:
            strategy = Strategy.objects.create(
                code=code, name=name.strip(), description=description, priority=priority,
                entry=dict(entry), seed=secrets.randbelow(MAX_SEED), active=active,
                created_at=now, updated_at=now,
            )  # fmt: skip
        else:
            before = _describe(strategy)
            strategy.name, strategy.description = name.strip(), description
            strategy.priority, strategy.entry, strategy.active = priority, dict(entry), active
            strategy.updated_at = now
            strategy.save()
        kept = {v.code for v in specs}
        for old in strategy.variants.exclude(code__in=kept):
            if Enrollment.objects.filter(variant=old, left_on__isnull=True).exists():
                raise ServiceError(
                    f"accounts follow variant {old.code!r}: move them before removing it",
                    field="variants",
                )
            if Enrollment.objects.filter(variant=old).exists():
                old.share_bp, old.champion = 0, False
                old.save(update_fields=["share_bp", "champion"])
                continue  # kept for the record of where accounts went
            old.delete()
        for spec in specs:
            steps = [s.as_json() for s in parse_path(spec.steps)]
            Variant.objects.update_or_create(
                strategy=strategy, code=spec.code,
                defaults={"name": spec.name, "share_bp": spec.share_bp, "steps": steps,
                          "champion": spec.champion},
                create_defaults={"name": spec.name, "share_bp": spec.share_bp, "steps": steps,
                                 "champion": spec.champion, "created_at": now},
            )  # fmt: skip
        # Shares of kept-only variants were set to 0 above; the rest must still add up.
        shares = list(strategy.variants.values_list("code", "share_bp"))
        try:
            check_shares(shares)
        except SpecError as error:
            raise ServiceError(error.message, field=error.field) from None
        audit_record(
            actor=actor, event="strategy.defined" if created else "strategy.changed", at=now,
            details={"strategy": code, "before": before, "after": _describe(strategy)},
        )  # fmt: skip
    return strategy


def _describe(strategy: Strategy) -> dict[str, Any]:
    return {
        "name": strategy.name, "priority": strategy.priority, "entry": strategy.entry,
        "active": strategy.active,
        "variants": [
            {"code": v.code, "share_bp": v.share_bp, "champion": v.champion, "steps": v.steps}
            for v in strategy.variants.order_by("code")
        ],
    }  # fmt: skip


@dataclass(frozen=True)
class MoveReport:
    strategy: str
    from_variant: str
    to_variant: str
    moved: int
    cancelled: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def variant_move(
    *,
    strategy_code: str,
    from_variant: str,
    to_variant: str,
    share_bp: int,
    actor: Actor,
    now: datetime,
    as_of: date,
) -> MoveReport:
    """Move ``share_bp`` of the accounts now following one variant to another: the explicit,
    audited way to change where enrolled accounts are. The accounts moved are those with the
    lowest buckets, so the choice is reproducible; their remaining steps follow the new path from
    their original entry day, and actions the old path planned but did not send are
    cancelled."""
    strategy = Strategy.objects.filter(code=strategy_code.strip().lower()).first()
    if strategy is None:
        raise NotFound(f"no strategy {strategy_code!r}", field="strategy")
    source = strategy.variants.filter(code=from_variant).first()
    target = strategy.variants.filter(code=to_variant).first()
    if source is None:
        raise NotFound(f"no variant {from_variant!r}", field="from_variant")
    if target is None:
        raise NotFound(f"no variant {to_variant!r}", field="to_variant")
    if source.pk == target.pk:
        raise ServiceError("the variants must differ", field="to_variant")
    if isinstance(share_bp, bool) or not 0 < share_bp <= ALL_BP:
        raise ServiceError("move a share above 0 and at most 100 %", field="share")
    with transaction.atomic():
        rows = list(
            Enrollment.objects.select_for_update()
            .filter(variant=source, left_on__isnull=True)
            .values_list("id", "account_id")
        )
        # The accounts with the lowest buckets: the same accounts for the same state, and the
        # share exact whatever range of buckets the variant was given.
        ranked = sorted(rows, key=lambda row: (bucket(strategy.seed, row[1]), row[1]))
        chosen = [eid for eid, _ in ranked[: len(rows) * share_bp // ALL_BP]]
        moved = 0
        cancelled = 0
        for start in range(0, len(chosen), 500):
            part = chosen[start : start + 500]
            moved += Enrollment.objects.filter(pk__in=part).update(variant=target)
            cancelled += PlannedAction.objects.filter(
                enrollment_id__in=part, status=ActionStatus.PLANNED
            ).update(status=ActionStatus.CANCELLED, detail=f"moved to variant {target.code}",
                     decided_at=now)  # fmt: skip
        report = MoveReport(strategy.code, source.code, target.code, moved, cancelled)
        audit_record(
            actor=actor, event="strategy.variant_moved", at=now,
            details={**report.as_dict(), "share_bp": share_bp, "as_of": as_of.isoformat()},
        )  # fmt: skip
    return report
