"""A client's terms on one page: commission, plan rules, the card convenience fee, promise grace
days and the authority limits that apply to it; and the two setters of terms kept elsewhere
(card fee: ``payments.cards``; commission: ``trust.operations``), behind the same rule as the
rest: administrators only (``arrangements.terms``, ADR 24).

The setters here check who acts, read the terms before, and call the area's own setter (which
validates, writes and audits) only when something changes; they return the terms before and
after so a screen can say what changed from what.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from arrears.core.trust import CommissionTerms, TermsError, Tier
from arrears.data.clients.models import Client
from arrears.data.payments.models import CardFeeTerms
from arrears.data.trust.models import CommissionTerms as CommissionRow
from arrears.data.users.models import User
from arrears.data.work.models import ClientPromiseTerms
from arrears.services.accounts.access import granted_client_ids
from arrears.services.arrangements.terms import (
    LIMITED_ROLES,
    MAX_AMOUNT_MINOR,
    LimitView,
    PlanRulesView,
    authority_limits,
    check_terms_setter,
    plan_rules_of,
)
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.payments.cards import card_fee_terms_set
from arrears.services.trust.operations import client_terms, commission_terms_set

MAX_CARD_FEE_MINOR = 9_999_999  # $99,999.99: a bound against typing slips, not policy
MAX_TIER_MONTHS = 1_200
MAX_TIERS = 50


def clients_for(user: User) -> list[Client]:
    """The clients this user may see (a collector's granted ones, everyone else's all), by
    code."""
    ids = granted_client_ids(user)
    rows = Client.objects.order_by("code")
    return list(rows if ids is None else rows.filter(pk__in=ids))


@dataclass(frozen=True)
class CardFeeView:
    fee_minor: int  # 0: no fee authorized
    clause: str
    own: bool  # False: no row; no fee
    updated_at: datetime | None = None
    set_by: str = ""


@dataclass(frozen=True)
class CommissionView:
    """The commission terms in force: ``default_rate_ppm`` is the terms' own default, else
    (``own_default`` False) the client's commission rate."""

    remit_mode: str
    default_rate_ppm: int
    own_default: bool
    tiers: tuple[Tier, ...]
    own: bool  # False: no terms row; the client's rate, remitted net

    def same_as(self, other: CommissionView) -> bool:
        return (self.remit_mode, self.default_rate_ppm, self.own_default, self.tiers) == (
            other.remit_mode, other.default_rate_ppm, other.own_default, other.tiers)  # fmt: skip


@dataclass(frozen=True)
class AppliedLimit:
    """The limit row that applies to one role for this client: its own, the role's general one,
    or none (``row`` None: no authority of its own)."""

    role: str
    row: LimitView | None

    @property
    def source(self) -> str:
        if self.row is None:
            return "none"
        return "client" if self.row.client is not None else "general"


@dataclass(frozen=True)
class ClientTerms:
    client: Client
    commission: CommissionView
    plan_rules: PlanRulesView
    card_fee: CardFeeView
    grace_days: int
    limits: list[AppliedLimit]


def _client(code: str, field: str = "client") -> Client:
    client = Client.objects.filter(code=code.strip().upper()).first()
    if client is None:
        raise NotFound(f"no client {code!r}", field=field)
    return client


def _card_fee(client: Client) -> CardFeeView:
    row = CardFeeTerms.objects.filter(client=client).first()
    if row is None:
        return CardFeeView(fee_minor=0, clause="", own=False)
    return CardFeeView(fee_minor=row.convenience_fee_minor, clause=row.agreement_clause, own=True,
                       updated_at=row.updated_at, set_by=row.actor_label)  # fmt: skip


def _commission(client: Client) -> CommissionView:
    terms: CommissionTerms = client_terms([client.pk])[client.pk]
    row = CommissionRow.objects.filter(client=client).first()
    return CommissionView(
        remit_mode=terms.remit_mode.value, default_rate_ppm=terms.default_rate_ppm,
        own_default=row is not None and row.default_rate_ppm is not None,
        tiers=tuple(sorted(terms.tiers, key=lambda t: (t.from_months, t.from_balance_minor))),
        own=row is not None,
    )  # fmt: skip


def applied_limits(client_code: str | None, rows: Iterable[LimitView]) -> list[AppliedLimit]:
    """For each role that may hold limits, the row ``authority.authority_of`` applies for this
    client: the client's own row, else the role's general row, else none."""
    found = {(v.role, v.client): v for v in rows}
    return [
        AppliedLimit(role=role.value,
                     row=found.get((role.value, client_code)) or found.get((role.value, None)))
        for role in LIMITED_ROLES
    ]  # fmt: skip


def client_terms_of(client_code: str) -> ClientTerms:
    """Every term of a client, as it applies now."""
    client = _client(client_code)
    grace = ClientPromiseTerms.objects.filter(client=client).values_list(
        "promise_grace_days", flat=True
    ).first()  # fmt: skip
    return ClientTerms(
        client=client, commission=_commission(client), plan_rules=plan_rules_of(client.code),
        card_fee=_card_fee(client), grace_days=grace or 0,
        limits=applied_limits(client.code, authority_limits()),
    )  # fmt: skip


def card_fee_set(
    *, client_code: str, convenience_fee_minor: int, agreement_clause: str, actor: Actor,
    now: datetime,
) -> tuple[CardFeeView, CardFeeView]:  # fmt: skip
    """Record the most a client's agreements authorize as a card convenience fee (0: none) and
    the clause that does. Returns the terms before and after."""
    check_terms_setter(actor)
    if isinstance(convenience_fee_minor, int) and convenience_fee_minor > MAX_CARD_FEE_MINOR:
        raise ServiceError("the fee is at most 99,999.99", field="convenience_fee")
    client = _client(client_code)
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()
        before = _card_fee(client)
        if before.own and (before.fee_minor, before.clause) == (
            convenience_fee_minor, agreement_clause.strip()):  # fmt: skip
            return before, before
        card_fee_terms_set(client_code=client.code, convenience_fee_minor=convenience_fee_minor,
                           agreement_clause=agreement_clause, actor=actor, now=now)  # fmt: skip
        return before, _card_fee(client)


def commission_set(
    *, client_code: str, remit_mode: str, default_rate_ppm: int | None,
    tiers: Iterable[tuple[int, int, int]], actor: Actor, now: datetime,
) -> tuple[CommissionView, CommissionView]:  # fmt: skip
    """Set a client's commission terms: net or gross remittance, the default rate (None: the
    client's commission rate) and the tiers by placement age, each ``(from_months,
    from_balance_minor, rate_ppm)``, which replace the client's tiers. Returns the terms before
    and after."""
    check_terms_setter(actor)
    wanted = _tiers(tiers)
    client = _client(client_code)
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()
        before = _commission(client)
        rate = client.commission_rate_ppm if default_rate_ppm is None else default_rate_ppm
        if before.own and before.same_as(CommissionView(
            remit_mode=remit_mode, default_rate_ppm=rate,
            own_default=default_rate_ppm is not None, tiers=wanted, own=True,
        )):  # fmt: skip
            return before, before
        commission_terms_set(client_id=client.pk, remit_mode=remit_mode,
                             default_rate_ppm=default_rate_ppm, tiers=wanted, actor=actor,
                             now=now)  # fmt: skip
        return before, _commission(client)


def _tiers(rows: Iterable[tuple[int, int, int]]) -> tuple[Tier, ...]:
    tiers = []
    for months, balance, rate in rows:
        if not 0 <= months <= MAX_TIER_MONTHS:
            raise ServiceError(f"a tier starts 0 to {MAX_TIER_MONTHS:,} months after placement",
                               field="tiers")  # fmt: skip
        if balance > MAX_AMOUNT_MINOR:
            raise ServiceError("a tier's balance band starts at most at 999,999,999.99",
                               field="tiers")  # fmt: skip
        try:
            tiers.append(Tier(from_months=months, rate_ppm=rate, from_balance_minor=balance))
        except (TermsError, TypeError) as exc:
            raise ServiceError(str(exc), field="tiers") from exc
    if len(tiers) > MAX_TIERS:
        raise ServiceError(f"at most {MAX_TIERS} tiers", field="tiers")
    return tuple(sorted(tiers, key=lambda t: (t.from_months, t.from_balance_minor)))
