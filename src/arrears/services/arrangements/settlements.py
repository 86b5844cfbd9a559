"""Settlements: a balance resolved for less than it is, at once or in instalments, agreed within
the agreeing person's authority or sent to a supervisor's approval queue (ADR 21, 22).

A state minimum (from the rule packs) is law: a settlement below it is refused outright, and no
approval can allow it. Crossing the person's discount or forgiven-amount limit asks a second
person. The 1099-C flag is set when $600 or more is forgiven.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from arrears.core import arrangements as core
from arrears.data.accounts.models import Account
from arrears.data.arrangements.models import (
    ApprovalKind,
    ApprovalRequest,
    Arrangement,
    ArrangementKind,
    ArrangementStatus,
)
from arrears.services.arrangements.authority import authority_of, user_of
from arrears.services.arrangements.plans import (
    ArrangementRefused,
    _frequency,
    check_first_due,
    lock_arrangeable,
    mark_in_arrangement,
    store_arrangement,
)
from arrears.services.arrangements.rules import state_settlement_minimum
from arrears.services.common import Actor, audit_record
from arrears.services.work.picking import entries_worked


@dataclass(frozen=True)
class SettlementTerms:
    """An amount, or a share of the balance (ppm), paid at once on ``first_due`` or in ``count``
    instalments at ``frequency`` from it."""

    first_due: date
    amount_minor: int | None = None
    percent_ppm: int | None = None
    count: int = 1
    frequency: str = "monthly"
    authorization_id: int | None = None
    note: str = ""


def offer_for(balance_minor: int, terms: SettlementTerms) -> core.SettlementOffer:
    """The settlement the terms describe for a balance, or the refusal naming the field."""
    frequency = _frequency(terms.frequency)
    if (terms.amount_minor is None) == (terms.percent_ppm is None):
        raise ArrangementRefused("give the settlement amount or its share of the balance, "
                                 "not both", field="amount_minor")  # fmt: skip
    try:
        amount = core.settlement_terms(
            balance_minor, amount_minor=terms.amount_minor, percent_ppm=terms.percent_ppm
        ).amount_minor
        schedule = core.schedule_by_count(amount, terms.count, terms.first_due, frequency)
        return core.settlement_terms(balance_minor, amount_minor=amount, instalments=schedule)
    except core.ArrangementError as exc:
        field = "count" if "count" in str(exc) or "instalments" in str(exc) else "amount_minor"
        raise ArrangementRefused(str(exc), field=field) from exc


def _sentences(offer: core.SettlementOffer, currency: str) -> list[str]:
    def _money(minor: int) -> str:
        return core.money_text(minor, currency)

    schedule = offer.instalments
    assert schedule is not None
    how = (
        f"in one payment on {schedule.first_due.isoformat()}"
        if schedule.count == 1
        else f"in {schedule.count} {schedule.frequency.value} payments from "
        f"{schedule.first_due.isoformat()}"
    )
    sentences = [
        f"Settle the balance of {_money(offer.balance_minor)} for {_money(offer.amount_minor)} "
        f"{how}: {_money(offer.forgiven_minor)} forgiven.",
    ]
    if offer.needs_1099c:
        sentences.append(
            f"{_money(offer.forgiven_minor)} forgiven reaches the $600.00 at which Form 1099-C "
            "may have to be filed; the client is told."
        )
    return sentences


def settlement_offer(
    *, account_id: int, terms: SettlementTerms, actor: Actor, now: datetime
) -> Arrangement:
    """Agree a settlement within the actor's authority (active at once), or put it in the
    approval queue (pending) when it crosses a limit someone else may approve."""
    today = timezone.localdate(now)
    user = user_of(actor)
    check_first_due(terms.first_due, today)
    with transaction.atomic():
        account = lock_arrangeable(account_id, today)
        offer = offer_for(account.balance_minor, terms)
        authority = authority_of(user, account.client_id)
        minimum = state_settlement_minimum(account, at=now)
        decision = core.check_authority(
            offer, authority.settlement,
            state_minimum_ppm=minimum.ppm if minimum is not None else None,
            currency=account.currency,
        )  # fmt: skip
        if decision.outcome is core.AuthorityOutcome.NOT_ALLOWED:
            raise ArrangementRefused(" ".join(decision.reasons), field="amount_minor")
        within = decision.within
        assert offer.instalments is not None
        authority_record: dict[str, object] = {
            "decision": decision.as_dict(),
            "by": authority.as_dict(),
            "state_minimum": minimum.as_dict() if minimum is not None else None,
        }
        arrangement = store_arrangement(
            account=account, kind=ArrangementKind.SETTLEMENT,
            status=ArrangementStatus.ACTIVE if within else ArrangementStatus.PENDING,
            schedule=offer.instalments, balance_minor=offer.balance_minor,
            forgiven_minor=offer.forgiven_minor, needs_1099c=offer.needs_1099c, today=today,
            actor=actor, now=now, rationale={"sentences": _sentences(offer, account.currency),
                                             "offer": offer.as_dict()},
            authority=authority_record, note=terms.note, statement=None,
            authorization_id=terms.authorization_id,
        )  # fmt: skip
        if within:
            mark_in_arrangement(account, arrangement, today)
        else:
            ApprovalRequest.objects.create(
                kind=ApprovalKind.SETTLEMENT, account=account, arrangement=arrangement,
                amount_minor=offer.forgiven_minor, reasons=list(decision.reasons),
                details={"offer": offer.as_dict()}, note=terms.note,
                requested_by_id=user.pk, requested_at=now,
            )  # fmt: skip
        audit_record(
            actor=actor, event="settlement.agreed" if within else "settlement.requested",
            account_id=account_id, at=now,
            details={"arrangement": arrangement.pk, "amount_minor": offer.amount_minor,
                     "forgiven_minor": offer.forgiven_minor, "needs_1099c": offer.needs_1099c,
                     "reasons": list(decision.reasons)},
        )  # fmt: skip
        entries_worked(account_id, at=now)
        return arrangement


def settlement_preview(
    *, account_id: int, terms: SettlementTerms, actor: Actor, now: datetime
) -> tuple[core.SettlementOffer, core.AuthorityDecision]:
    """What an offer would be and whether the actor may agree it, changing nothing."""
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise ArrangementRefused(f"no account {account_id}", field="account_id")
    if account.balance_minor <= 0:
        raise ArrangementRefused("nothing is owed on the account", field="account_id")
    offer = offer_for(account.balance_minor, terms)
    minimum = state_settlement_minimum(account, at=now)
    decision = core.check_authority(
        offer, authority_of(user_of(actor), account.client_id).settlement,
        state_minimum_ppm=minimum.ppm if minimum is not None else None,
        currency=account.currency,
    )  # fmt: skip
    return offer, decision
