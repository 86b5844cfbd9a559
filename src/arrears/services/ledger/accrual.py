"""The accrual batch: post interest on every account that may bear it, up to a date.

Interest is exact and cumulative (``core.interest``): each run posts only the whole-cent
difference between what is due from the itemization date and what was already posted, so daily,
monthly or one-off runs give the same cents. Running again for the same date, or an earlier one,
posts nothing and says so. Accounts go through in id-ordered chunks, each chunk one transaction,
so a crash loses at most a chunk and a re-run picks up where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from arrears.core import interest as core_interest
from arrears.data.accounts.models import Account, AccountStatus
from arrears.data.clients.models import Client, InterestPolicy
from arrears.data.ledger.models import Entry, EntryKind
from arrears.services.bulk import TableWriter, update_by_id
from arrears.services.common import Actor, audit_record

ACCRUING_STATUSES = [AccountStatus.ACTIVE, AccountStatus.ARRANGEMENT]
ENTRY_FIELDS = [
    "id", "account", "kind", "effective_on", "posted_at", "currency", "principal_minor",
    "interest_minor", "fees_minor", "costs_minor", "cash_minor", "idempotency_key", "source",
    "memo",
]  # fmt: skip
UPDATE_FIELDS = [
    "accrued_through", "interest_accrued_minor", "interest_minor", "balance_minor",
    "balance_through_entry_id",
]  # fmt: skip


@dataclass
class AccrualReport:
    as_of: str
    accounts: int = 0
    entries: int = 0
    interest_minor: int = 0
    skipped_already_accrued: int = 0
    latest_accrued_through: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def no_op(self) -> bool:
        return self.accounts == 0 and self.skipped_already_accrued > 0


def _eligible(client_ids: list[int], after_chargeoff_ids: list[int]) -> Q:
    return (
        Q(client_id__in=client_ids)
        & Q(status__in=ACCRUING_STATUSES)
        & Q(interest_rate_ppm__gt=0)
        & Q(accrual_segment_start__isnull=False)
        & (Q(charge_off_date__isnull=True) | Q(client_id__in=after_chargeoff_ids))
    )


def interest_accrue(
    *,
    as_of: date,
    actor: Actor,
    chunk_size: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> AccrualReport:
    """Accrue interest on all eligible accounts through ``as_of`` (idempotent for a date)."""
    now = now or timezone.now()
    report = AccrualReport(as_of=as_of.isoformat())
    clients = {c.pk: c for c in Client.objects.filter(interest_policy=InterestPolicy.CONTRACT)}
    if not clients:
        return report
    after_chargeoff = [pk for pk, c in clients.items() if c.accrue_after_charge_off]
    eligible = Account.objects.filter(_eligible(list(clients), after_chargeoff))
    due = eligible.filter(Q(accrued_through__isnull=True) | Q(accrued_through__lt=as_of))
    report.skipped_already_accrued = eligible.filter(accrued_through__gte=as_of).count()
    latest = eligible.order_by("-accrued_through").values_list("accrued_through", flat=True).first()
    report.latest_accrued_through = latest.isoformat() if latest else None
    total = due.count()
    writer = TableWriter(Entry, ENTRY_FIELDS)
    columns = (
        "id", "client_id", "currency", "principal_minor", "interest_minor", "balance_minor",
        "interest_rate_ppm", "interest_day_count", "accrual_segment_start",
        "accrual_closed_numerator", "accrued_through", "interest_accrued_minor",
        "balance_through_entry_id",
    )  # fmt: skip
    last_id = 0
    done = 0
    terms_cache: dict[tuple[int, str, int | None], core_interest.InterestTerms] = {}
    while True:
        with transaction.atomic():
            rows = list(
                due.filter(id__gt=last_id)
                .order_by("id")
                .select_for_update()
                .values_list(*columns)[:chunk_size]
            )
            if not rows:
                break
            last_id = rows[-1][0]
            updates: list[tuple[Any, ...]] = []
            posts: list[tuple[int, int, str, int, int, int]] = []
            for (
                aid, client_id, currency, principal, interest, balance, rate, day_count,
                seg_start, closed, through, posted, through_entry,
            ) in rows:  # fmt: skip
                cap = clients[client_id].rate_cap_ppm
                key = (rate, day_count, cap)
                terms = terms_cache.get(key)
                if terms is None:
                    terms = core_interest.InterestTerms(
                        rate_ppm=rate, day_count=core_interest.DayCount(day_count), cap_rate_ppm=cap
                    )
                    terms_cache[key] = terms
                state = core_interest.AccrualState(
                    segment_start=seg_start, closed_numerator=closed,
                    accrued_through=through, posted_minor=posted,
                )  # fmt: skip
                result = core_interest.accrue(
                    state, principal_minor=principal, terms=terms, as_of=as_of
                )
                if result.skipped:
                    continue
                report.accounts += 1
                amount = result.post_minor
                if amount != 0:
                    posts.append((aid, amount, currency, interest, balance, through_entry))
                else:
                    updates.append(
                        (aid, as_of, result.state.posted_minor, interest, balance, through_entry)
                    )
                    continue
                updates.append((aid, as_of, result.state.posted_minor))
            entry_ids = writer.reserve_ids(len(posts))
            entry_rows = []
            memo = f"Interest through {as_of.isoformat()}"
            post_updates = {u[0]: u for u in updates if len(u) == 3}
            full_updates = [u for u in updates if len(u) == 6]
            for (aid, amount, currency, interest, balance, _), eid in zip(
                posts, entry_ids, strict=True
            ):
                entry_rows.append((
                    eid, aid, EntryKind.INTEREST, as_of, now, currency, 0, amount, 0, 0, 0,
                    f"accrual:{aid}:{as_of.isoformat()}", "accrual", memo,
                ))  # fmt: skip
                _, through_date, posted_total = post_updates[aid]
                full_updates.append(
                    (aid, through_date, posted_total, interest + amount, balance + amount, eid)
                )
                report.interest_minor += amount
            writer.write(entry_rows)
            update_by_id(Account, UPDATE_FIELDS, full_updates)
            report.entries += len(entry_rows)
        done += len(rows)
        if progress is not None:
            progress(done, total)
    if report.accounts:
        with transaction.atomic():
            audit_record(
                actor=actor, event="interest.accrued", at=now,
                details={"as_of": as_of.isoformat(), "accounts": report.accounts,
                         "entries": report.entries, "interest_minor": report.interest_minor},
            )  # fmt: skip
    return report
