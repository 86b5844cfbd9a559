"""Setting what arrangements are judged against: a client's plan rules and the authority limits
of each role (ADR 24).

Who may set them: administrators only (and a system actor: a command, the demo loader).

- *Authority limits* say how far each role may go without a second person. Letting a supervisor
  set them would let the people whose offers are checked against the limits, and who approve
  the offers beyond them, widen their own authority: the separation of duties ADR 23 builds on
  would be gone.
- *Plan rules* (the smallest instalment, the longest plan) are terms of the client's contract
  with the agency, recorded when the client is taken on or the contract changes, like its
  commission. Supervisors agree plans and approve settlements under them, so for the same reason
  they do not set them; they keep what is theirs to run the floor (targets, teams, a client's
  promise grace days on /supervise/).

A client's own limit row for a role replaces the role's general row for that client entirely
(every limit in it, not only those that differ): see ``authority.authority_of``. A role with
neither has no authority of its own; an administrator's authority has no limit, so no row is
kept for administrators.

Every change is one transaction with its audit event, whose details hold the row before and
after. A refusal names the field and changes nothing; setting what is already there records
nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from arrears.data.arrangements.models import PPM, AuthorityLimit, ClientPlanRules
from arrears.data.clients.models import Client
from arrears.data.users.models import Role, User
from arrears.services.common import Actor, NotFound, ServiceError, audit_record

TERMS_SETTERS = (Role.ADMIN,)
# Roles that may hold limits of their own (an administrator's authority has no limit).
LIMITED_ROLES = tuple(r for r in Role if r != Role.ADMIN)
MAX_TERM_MONTHS = 120
MAX_AMOUNT_MINOR = 99_999_999_999  # $999,999,999.99: a bound against typing slips, not policy


class NotATermsSetter(ServiceError):
    code = "forbidden"


def may_set_terms(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role in TERMS_SETTERS))


def check_terms_setter(actor: Actor) -> None:
    """A signed-in actor must be an administrator; a system actor (a command, the demo) may
    act."""
    if actor.user_id is None:
        return
    user = User.objects.filter(pk=actor.user_id, is_active=True).first()
    if user is None or not may_set_terms(user):
        raise NotATermsSetter("only administrators set a client's terms and authority limits")


def _client(code: str | None, field: str = "client") -> Client:
    client = Client.objects.filter(code=(code or "").strip().upper()).first()
    if client is None:
        raise NotFound(f"no client {code!r}", field=field)
    return client


def _amount(value: int | None, field: str, *, minimum: int = 0, optional: bool = False) -> None:
    if value is None:
        if optional:
            return
        raise ServiceError("give an amount", field=field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError("an amount is a whole number of cents", field=field)
    if not minimum <= value <= MAX_AMOUNT_MINOR:
        lowest = "at least 0.01" if minimum == 1 else "0 or more"
        raise ServiceError(f"the amount must be {lowest} and at most 999,999,999.99",
                           field=field)  # fmt: skip


# -- plan rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRulesView:
    """A client's plan rules as they apply; ``own`` False when the client has no row and the
    defaults apply."""

    client: str
    min_instalment_minor: int
    max_term_months: int
    share_of_disposable_ppm: int
    own: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _rules_view(client: Client, row: ClientPlanRules | None) -> PlanRulesView:
    found = row or ClientPlanRules()  # the model's defaults, as plans.plan_rules_for reads them
    return PlanRulesView(client=client.code, min_instalment_minor=found.min_payment_minor,
                         max_term_months=found.max_term_months,
                         share_of_disposable_ppm=found.share_of_disposable_ppm,
                         own=row is not None)  # fmt: skip


def plan_rules_of(client_code: str) -> PlanRulesView:
    client = _client(client_code)
    return _rules_view(client, ClientPlanRules.objects.filter(client=client).first())


def plan_rules_set(
    *, client_code: str, min_instalment_minor: int, max_term_months: int, actor: Actor,
    now: datetime,
) -> tuple[PlanRulesView, PlanRulesView]:  # fmt: skip
    """Set a client's smallest instalment and longest plan (months); the plans agreed from now
    on are judged by them, those agreed before keep their terms. Returns the rules before and
    after."""
    check_terms_setter(actor)
    _amount(min_instalment_minor, "min_instalment_minor", minimum=1)
    if (
        isinstance(max_term_months, bool)
        or not isinstance(max_term_months, int)
        or not 1 <= max_term_months <= MAX_TERM_MONTHS
    ):
        raise ServiceError(f"the longest plan is 1 to {MAX_TERM_MONTHS} months",
                           field="max_term_months")  # fmt: skip
    client = _client(client_code)
    with transaction.atomic():
        row = ClientPlanRules.objects.select_for_update().filter(client=client).first()
        before = _rules_view(client, row)
        if (
            row is not None
            and row.min_payment_minor == min_instalment_minor
            and row.max_term_months == max_term_months
        ):
            return before, before
        if row is None:
            row = ClientPlanRules(client=client)
        row.min_payment_minor, row.max_term_months = min_instalment_minor, max_term_months
        row.save()
        after = _rules_view(client, row)
        audit_record(
            actor=actor, event="client.plan_rules_set", at=now,
            details={"client": client.code,
                     "before": _rules_details(before) if before.own else None,
                     "after": _rules_details(after)},
        )  # fmt: skip
        return before, after


def _rules_details(view: PlanRulesView) -> dict[str, int]:
    return {"min_instalment_minor": view.min_instalment_minor,
            "max_term_months": view.max_term_months}  # fmt: skip


# -- authority limits -------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitView:
    """One authority row: ``client`` None for the role's general row. ``max_forgiven_minor``
    and ``max_adjustment_minor`` None: no amount limit."""

    role: str
    client: str | None
    max_discount_ppm: int
    max_forgiven_minor: int | None
    max_adjustment_minor: int | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def limits(self) -> dict[str, int | None]:
        return {"max_discount_ppm": self.max_discount_ppm,
                "max_forgiven_minor": self.max_forgiven_minor,
                "max_adjustment_minor": self.max_adjustment_minor}  # fmt: skip


def _limit_view(row: AuthorityLimit, client_code: str | None) -> LimitView:
    return LimitView(role=row.role, client=client_code, max_discount_ppm=row.max_discount_ppm,
                     max_forgiven_minor=row.max_forgiven_minor,
                     max_adjustment_minor=row.max_adjustment_minor)  # fmt: skip


def authority_limits() -> list[LimitView]:
    """Every limit row: by role (in the order of the roles), the general row first, then the
    clients' rows by code."""
    order = {role.value: i for i, role in enumerate(Role)}
    rows = [
        _limit_view(row, row.client.code if row.client is not None else None)
        for row in AuthorityLimit.objects.select_related("client")
    ]
    return sorted(rows, key=lambda v: (order.get(v.role, 99), v.client is not None, v.client))


def _role(role: str) -> str:
    if role == Role.ADMIN:
        raise ServiceError("an administrator's authority has no limit: no row is kept for it",
                           field="role")  # fmt: skip
    if role not in LIMITED_ROLES:
        names = ", ".join(r.value for r in LIMITED_ROLES)
        raise ServiceError(f"role must be one of {names}", field="role")
    return role


def _row(role: str, client: Client | None) -> AuthorityLimit | None:
    rows = AuthorityLimit.objects.select_for_update().filter(role=role)
    return (rows.filter(client=client) if client else rows.filter(client__isnull=True)).first()


def authority_limit_set(
    *, role: str, client_code: str | None, max_discount_ppm: int,
    max_forgiven_minor: int | None, max_adjustment_minor: int | None, actor: Actor,
    now: datetime,
) -> tuple[LimitView | None, LimitView]:  # fmt: skip
    """Set what one person of ``role`` may agree alone: for one client (its row then replaces
    the role's general row for that client entirely) or, ``client_code`` None, for every client
    without a row of its own. ``max_discount_ppm`` is the largest settlement discount (ppm of the
    balance); ``max_forgiven_minor`` the largest amount a settlement forgives and
    ``max_adjustment_minor`` the largest adjustment or write-off, None meaning no amount limit.
    Returns the row before (None: there was none) and after."""
    check_terms_setter(actor)
    role = _role(role)
    if (
        isinstance(max_discount_ppm, bool)
        or not isinstance(max_discount_ppm, int)
        or not 0 <= max_discount_ppm <= PPM
    ):
        raise ServiceError(f"the discount is 0 to {PPM:,} ppm (100%)", field="max_discount_ppm")
    _amount(max_forgiven_minor, "max_forgiven_minor", optional=True)
    _amount(max_adjustment_minor, "max_adjustment_minor", optional=True)
    client = _client(client_code) if client_code else None
    code = client.code if client else None
    wanted = {"max_discount_ppm": max_discount_ppm, "max_forgiven_minor": max_forgiven_minor,
              "max_adjustment_minor": max_adjustment_minor}  # fmt: skip
    try:
        with transaction.atomic():
            row = _row(role, client)
            before = _limit_view(row, code) if row is not None else None
            if before is not None and before.limits() == wanted:
                return before, before
            if row is None:
                row = AuthorityLimit(role=role, client=client)
            for name, value in wanted.items():
                setattr(row, name, value)
            row.save()
            after = _limit_view(row, code)
            audit_record(
                actor=actor, event="authority_limit.set", at=now,
                details={"role": role, "client": code,
                         "before": before.limits() if before else None, "after": after.limits()},
            )  # fmt: skip
            return before, after
    except IntegrityError as exc:  # another administrator created the same row a moment ago
        raise ServiceError("the limit was changed at the same moment; look and try again",
                           field="role") from exc  # fmt: skip


def authority_limit_remove(
    *, role: str, client_code: str | None, actor: Actor, now: datetime
) -> LimitView:
    """Remove a role's limit row for one client (the role's general row applies to that client
    again) or its general row (``client_code`` None: the role then has no authority of its own
    for clients without a row). Returns the row removed."""
    check_terms_setter(actor)
    role = _role(role)
    client = _client(client_code) if client_code else None
    code = client.code if client else None
    with transaction.atomic():
        row = _row(role, client)
        if row is None:
            what = f"limit for client {code}" if code else "general limit"
            raise NotFound(f"{role} has no {what}", field="client" if code else "role")
        before = _limit_view(row, code)
        row.delete()
        audit_record(actor=actor, event="authority_limit.removed", at=now,
                     details={"role": role, "client": code, "before": before.limits()})  # fmt: skip
        return before
