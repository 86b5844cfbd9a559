"""A client's plan rules and every role's authority limits through the API (ADR 24).

Registered on the API by ``routes`` (imported at its end). Reading a client's plan rules is for
whoever may see the client; the authority limits are for those who decide approvals
(supervisors, accountants, administrators); changing either is for administrators only. Amounts
are decimal text, never a float; a discount is ppm of the balance (200000 = 20%). A refusal is a
4xx naming the field and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from arrears.interfaces.api.routes import (
    ErrorOut,
    _actor,
    _amount,
    _minor,
    _require,
    api,
    visible_only,
)
from arrears.services.accounts.access import require_client_visible
from arrears.services.arrangements.authority import ADJUSTMENT_APPROVERS, SETTLEMENT_APPROVERS
from arrears.services.arrangements.terms import (
    LimitView,
    PlanRulesView,
    authority_limit_remove,
    authority_limit_set,
    authority_limits,
    plan_rules_of,
    plan_rules_set,
)
from arrears.services.common import ServiceError

LIMIT_VIEWERS = tuple(sorted({*SETTLEMENT_APPROVERS, *ADJUSTMENT_APPROVERS}))
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@contextmanager
def _fields(names: dict[str, str]) -> Iterator[None]:
    """A service's refusal with its field named as the API names it."""
    try:
        yield
    except ServiceError as exc:
        exc.field = names.get(exc.field or "", exc.field)
        raise


# --- plan rules ------------------------------------------------------------------------------

terms = Router(tags=["clients"])
terms.add_decorator(visible_only(require_client_visible, "client_code"))


class PlanRulesOut(Schema):
    client: str
    min_instalment: str = Field(description="The smallest instalment a plan may have (a last, "
                                "smaller one is allowed), decimal text.")  # fmt: skip
    max_term_months: int = Field(description="The longest a plan may run.")
    share_of_disposable_ppm: int = Field(description="The share of disposable income a plan "
                                         "may take, ppm.")  # fmt: skip
    own: bool = Field(description="false: the client has no rules of its own; the defaults.")


class PlanRulesIn(Schema):
    min_instalment: str = Field(description='Decimal text of at least 0.01, e.g. "25.00".')
    max_term_months: int = Field(description="1 to 120.")


class PlanRulesSetOut(Schema):
    before: PlanRulesOut
    after: PlanRulesOut
    changed: bool


def _rules_out(v: PlanRulesView) -> dict[str, Any]:
    return {"client": v.client, "min_instalment": _amount(v.min_instalment_minor),
            "max_term_months": v.max_term_months,
            "share_of_disposable_ppm": v.share_of_disposable_ppm, "own": v.own}  # fmt: skip


RULES_FIELDS = {"client": "client_code", "min_instalment_minor": "min_instalment"}


@terms.get("/{client_code}/plan-rules", response={200: PlanRulesOut, 404: ErrorOut})
def get_plan_rules(request: HttpRequest, client_code: str) -> Status[Any]:
    """The client's plan rules as they apply now (its own, or the defaults)."""
    with _fields(RULES_FIELDS):
        return Status(200, _rules_out(plan_rules_of(client_code)))


@terms.put("/{client_code}/plan-rules", response={200: PlanRulesSetOut, **ERRORS})
def put_plan_rules(request: HttpRequest, client_code: str, payload: PlanRulesIn) -> Status[Any]:
    """Set the client's smallest instalment and longest plan; plans agreed from now on keep to
    them (administrators)."""
    _require(request)
    with _fields(RULES_FIELDS):
        before, after = plan_rules_set(
            client_code=client_code, min_instalment_minor=_minor(payload.min_instalment,
                                                                 "min_instalment"),
            max_term_months=payload.max_term_months, actor=_actor(request), now=timezone.now(),
        )  # fmt: skip
    return Status(200, {"before": _rules_out(before), "after": _rules_out(after),
                        "changed": before != after})  # fmt: skip


api.add_router("/clients", terms)


# --- authority limits ------------------------------------------------------------------------


class LimitOut(Schema):
    role: str
    client: str | None = Field(description="null: the role's general limit, for every client "
                               "without a limit of its own for the role.")  # fmt: skip
    max_discount_ppm: int = Field(description="The largest settlement discount, ppm of the "
                                  "balance.")  # fmt: skip
    max_forgiven: str | None = Field(description="The most a settlement forgives; null: no "
                                     "amount limit.")  # fmt: skip
    max_adjustment: str | None = Field(description="The largest adjustment or write-off; null: "
                                       "no amount limit.")  # fmt: skip


class LimitIn(Schema):
    role: str = Field(description="collector, supervisor, compliance or accountant (an "
                      "administrator's authority has no limit).")  # fmt: skip
    client: str | None = Field(description="A client's code: its own limit, which replaces the "
                               "role's general limit for it entirely; null: the general one.")  # fmt: skip
    max_discount_ppm: int = Field(description="0 to 1000000 (100%).")
    max_forgiven: str | None = Field(description="Decimal text, 0 or more; null: no amount "
                                     "limit. Required: say null to mean it.")  # fmt: skip
    max_adjustment: str | None = Field(description="Decimal text, 0 or more; null: no amount "
                                       "limit. Required: say null to mean it.")  # fmt: skip


class LimitSetOut(Schema):
    before: LimitOut | None = Field(description="null: there was no such row.")
    after: LimitOut
    changed: bool


class LimitRemovedOut(Schema):
    removed: LimitOut


def _limit_out(v: LimitView) -> dict[str, Any]:
    return {
        "role": v.role, "client": v.client, "max_discount_ppm": v.max_discount_ppm,
        "max_forgiven": None if v.max_forgiven_minor is None else _amount(v.max_forgiven_minor),
        "max_adjustment": (None if v.max_adjustment_minor is None
                           else _amount(v.max_adjustment_minor)),
    }  # fmt: skip


LIMIT_FIELDS = {"max_forgiven_minor": "max_forgiven", "max_adjustment_minor": "max_adjustment"}


@api.get("/authority-limits", response={200: list[LimitOut], 403: ErrorOut}, tags=["authority"])
def get_authority_limits(request: HttpRequest) -> Status[Any]:
    """Every role's limits: its general one and its clients' own (supervisors, accountants,
    administrators). A role with neither has no authority of its own; an administrator's has
    no limit."""
    _require(request, *LIMIT_VIEWERS)
    return Status(200, [_limit_out(v) for v in authority_limits()])


@api.put("/authority-limits", response={200: LimitSetOut, **ERRORS}, tags=["authority"])
def put_authority_limit(request: HttpRequest, payload: LimitIn) -> Status[Any]:
    """Set a role's general limit or its limit for one client (administrators)."""
    _require(request)
    with _fields(LIMIT_FIELDS):
        before, after = authority_limit_set(
            role=payload.role, client_code=payload.client,
            max_discount_ppm=payload.max_discount_ppm,
            max_forgiven_minor=(None if payload.max_forgiven is None
                                else _minor(payload.max_forgiven, "max_forgiven")),
            max_adjustment_minor=(None if payload.max_adjustment is None
                                  else _minor(payload.max_adjustment, "max_adjustment")),
            actor=_actor(request), now=timezone.now(),
        )  # fmt: skip
    return Status(200, {"before": None if before is None else _limit_out(before),
                        "after": _limit_out(after), "changed": before != after})  # fmt: skip


@api.delete("/authority-limits", response={200: LimitRemovedOut, **ERRORS}, tags=["authority"])
def delete_authority_limit(
    request: HttpRequest, role: Query[str], client: Query[str | None] = None
) -> Status[Any]:
    """Remove a role's limit for one client (``?role=collector&client=ACME``: its general limit
    applies to the client again) or its general limit (no ``client``: the role then has no
    authority of its own where a client has no limit for it). Administrators."""
    _require(request)
    removed = authority_limit_remove(role=role, client_code=client or None,
                                     actor=_actor(request), now=timezone.now())  # fmt: skip
    return Status(200, {"removed": _limit_out(removed)})
