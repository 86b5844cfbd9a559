"""Collection strategies on the web: the list, the editor (entry rule, variants and their paths),
moving enrolled accounts between variants, each variant's results, and the day's planned
actions.

Who may do what: supervisors and administrators define strategies and move accounts;
compliance officers see them, their results and the planned actions (and so what is about to
be sent); collectors and accountants get a 403.

The editor posts the whole definition; ``strategy_define`` checks it whole and names the field
at fault (``entry.balance_min``, ``variants[1].steps.s2.template``), and the page shows the
reason next to that field with nothing saved. A variant's path is typed as JSON (one list of
steps per variant) and shown beside it as readable steps, each template with the approved
version it would send.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arrears.core.arrangements import money_text
from arrears.core.strategies.stats import to_minor
from arrears.core.work.queues import _KNOWN as KNOWN_FILTERS
from arrears.data.strategies.models import ActionStatus, StepAction, Strategy
from arrears.data.users.models import Role, User
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.strategies.definitions import share_bp, strategy_define, variant_move
from arrears.services.strategies.queries import (
    COST_SCALE,
    StrategyRow,
    VariantResult,
    planned_day,
    step_views,
    strategy_results,
    strategy_row,
    strategy_rows,
    unit_costs,
)

EDITORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
VIEWERS = EDITORS | {Role.COMPLIANCE}
NOT_FOR_YOU = "Strategies are for supervisors, compliance officers and administrators."
ONLY_EDITORS = "Supervisors and administrators change strategies."
PAGE_SIZE = 50
BLANK_ROWS = 1  # empty variant rows offered below the existing ones


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def may_edit(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role in EDITORS))


def may_view(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role in VIEWERS))


def _actor(request: HttpRequest) -> Actor:
    return Actor(label=request.user.get_username(), user_id=request.user.pk)


def _refused(user: User, *, edit: bool = False) -> HttpResponse | None:
    if not may_view(user):
        return HttpResponse(NOT_FOR_YOU, status=403)
    if edit and not may_edit(user):
        return HttpResponse(ONLY_EDITORS, status=403)
    return None


# --- the editor's state ----------------------------------------------------------------------


@dataclass
class VariantInput:
    index: int  # the row on the form
    code: str = ""
    name: str = ""
    share: str = ""
    steps: str = "[]"
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not self.code.strip() and self.steps.strip() in ("", "[]")

    @property
    def readable(self) -> list[Any]:
        try:
            return step_views(json.loads(self.steps or "[]"))
        except (ValueError, TypeError):
            return []


@dataclass
class Editor:
    """What the form shows: the values typed and each field's error, by the service's field
    names mapped to the form's rows."""

    code: str = ""
    name: str = ""
    priority: str = "100"
    active: bool = True
    description: str = ""
    entry: str = "{}"
    champion: int = 0
    variants: list[VariantInput] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, row: StrategyRow) -> Editor:
        s = row.strategy
        variants = [
            VariantInput(i, v.variant.code, v.variant.name, v.share,
                         json.dumps(v.variant.steps, indent=1))
            for i, v in enumerate(row.variants)
        ]  # fmt: skip
        champion = next((i for i, v in enumerate(row.variants) if v.variant.champion), 0)
        return cls(s.code, s.name, str(s.priority), s.active, s.description,
                   json.dumps(s.entry, indent=1), champion, variants)  # fmt: skip

    @classmethod
    def posted(cls, data: Any, code: str = "") -> Editor:
        rows = int(data.get("rows") or 0) if str(data.get("rows") or "").isdigit() else 0
        variants = [
            VariantInput(i, data.get(f"v-{i}-code", ""), data.get(f"v-{i}-name", ""),
                         data.get(f"v-{i}-share", ""), data.get(f"v-{i}-steps", "[]"))
            for i in range(min(rows, 20))
        ]  # fmt: skip
        champion = data.get("champion", "0")
        return cls(code or data.get("code", ""), data.get("name", ""),
                   data.get("priority", ""), data.get("active") == "on",
                   data.get("description", ""), data.get("entry", "{}") or "{}",
                   int(champion) if str(champion).isdigit() else -1, variants)  # fmt: skip

    def with_blank_rows(self) -> Editor:
        start = len(self.variants)
        self.variants += [VariantInput(start + i) for i in range(BLANK_ROWS)]
        return self

    def used(self) -> list[VariantInput]:
        return [v for v in self.variants if not v.blank]

    def champion_index(self) -> int:
        """The champion's position among the rows in use (the radio button names a form row)."""
        return next((i for i, row in enumerate(self.used()) if row.index == self.champion), -1)

    def fail(self, where: str | None, message: str) -> None:
        """Put the service's refusal next to the field it names."""
        used = self.used()
        where = where or ""
        found = re.match(r"variants\[(\d+)\]\.?(.*)", where)
        if found and int(found.group(1)) < len(used):
            row, rest = used[int(found.group(1))], found.group(2)
            key = rest.split(".")[0].split("[")[0] or "steps"
            key = key if key in ("code", "name", "share") else "steps"
            row.errors[key] = f"{rest}: {message}" if key == "steps" and rest else message
            return
        found = re.match(r"variants\.([^.]+)\.share", where)
        if found:
            for row in used:
                if row.code.strip().lower() == found.group(1):
                    row.errors["share"] = message
                    return
        if where.startswith("entry"):
            name = where.removeprefix("entry").lstrip(".")
            self.errors["entry"] = f"{name}: {message}" if name else message
            return
        key = where if where in ("code", "name", "priority", "description") else "variants"
        self.errors[key] = message


def _define(request: HttpRequest, editor: Editor) -> Strategy | None:
    """Read the typed definition and call ``strategy_define``; on a refusal, the editor holds
    the reason by its field and None is returned."""
    try:
        entry = json.loads(editor.entry or "{}")
    except ValueError as exc:
        editor.errors["entry"] = f"not JSON: {exc}"
    else:
        if not isinstance(entry, dict):
            editor.errors["entry"] = 'an object of filters, as {"clients": ["ACME"]}'
    try:
        priority = int(editor.priority)
    except ValueError:
        editor.errors["priority"] = "a whole number from 0 to 9999"
    variants = []
    for i, row in enumerate(editor.used()):
        try:
            steps = json.loads(row.steps or "[]")
        except ValueError as exc:
            row.errors["steps"] = f"not JSON: {exc}"
            continue
        variants.append({"code": row.code, "name": row.name or row.code, "share": row.share,
                         "steps": steps, "champion": i == editor.champion_index()})  # fmt: skip
    if editor.errors or any(v.errors for v in editor.variants):
        return None
    try:
        return strategy_define(
            code=editor.code, name=editor.name, entry=entry, variants=variants,
            actor=_actor(request), now=timezone.now(), priority=priority,
            description=editor.description, active=editor.active,
        )  # fmt: skip
    except ServiceError as exc:
        editor.fail(exc.field, exc.message)
        return None


def _editor_page(
    request: HttpRequest, editor: Editor, *, row: StrategyRow | None = None, status: int = 200,
    move_errors: dict[str, str] | None = None, move: dict[str, str] | None = None,
) -> HttpResponse:  # fmt: skip
    return render(request, "web/strategy_edit.html", {
        "editor": editor, "row": row, "may_edit": may_edit(_user(request)),
        "known_filters": sorted(KNOWN_FILTERS - {"routed"}), "rows": len(editor.variants),
        "actions": [a.value for a in StepAction], "move_errors": move_errors or {},
        "move": move or {},
    }, status=status)  # fmt: skip


# --- pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
def strategies_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if refused := _refused(user):
        return refused
    return render(request, "web/strategies.html", {
        "rows": strategy_rows(), "may_edit": may_edit(user),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def strategy_new(request: HttpRequest) -> HttpResponse:
    if refused := _refused(_user(request), edit=True):
        return refused
    if request.method == "GET":
        return _editor_page(request, Editor(variants=[VariantInput(0, "a", "Champion", "100")])
                            .with_blank_rows())  # fmt: skip
    editor = Editor.posted(request.POST)
    strategy = _define(request, editor)
    if strategy is None:
        return _editor_page(request, editor, status=400)
    messages.success(request, f"Strategy {strategy.code} defined.")
    return redirect(reverse("strategy-page", args=[strategy.code]))


def _row_or_404(code: str) -> StrategyRow | HttpResponse:
    try:
        return strategy_row(code)
    except NotFound:
        return HttpResponse(f"No strategy {code!r}.", status=404)


@login_required
@require_http_methods(["GET", "POST"])
def strategy_page(request: HttpRequest, code: str) -> HttpResponse:
    """One strategy: its definition (an editor for supervisors), accounts per variant, and the
    form that moves enrolled accounts between variants."""
    user = _user(request)
    if refused := _refused(user, edit=request.method == "POST"):
        return refused
    row = _row_or_404(code)
    if isinstance(row, HttpResponse):
        return row
    if request.method == "GET":
        return _editor_page(request, Editor.of(row).with_blank_rows(), row=row)
    editor = Editor.posted(request.POST, code=row.strategy.code)
    strategy = _define(request, editor)
    if strategy is None:
        return _editor_page(request, editor, row=row, status=400)
    messages.success(request, f"Strategy {strategy.code} changed. Shares apply to accounts "
                              "entering from now on; enrolled accounts stay where they are.")  # fmt: skip
    return redirect(reverse("strategy-page", args=[strategy.code]))


MOVE_FIELDS = {"from_variant": "from_variant", "to_variant": "to_variant", "share": "share"}


@login_required
@require_POST
def strategy_move(request: HttpRequest, code: str) -> HttpResponse:
    """Move a share of the accounts following one variant to another (audited)."""
    if refused := _refused(_user(request), edit=True):
        return refused
    row = _row_or_404(code)
    if isinstance(row, HttpResponse):
        return row
    typed = {k: request.POST.get(k, "").strip() for k in MOVE_FIELDS}
    try:
        bp = share_bp(typed["share"], "share")
        report = variant_move(
            strategy_code=row.strategy.code, from_variant=typed["from_variant"],
            to_variant=typed["to_variant"], share_bp=bp, actor=_actor(request),
            now=timezone.now(), as_of=timezone.localdate(),
        )  # fmt: skip
    except ServiceError as exc:
        errors = {MOVE_FIELDS.get(exc.field or "", "general"): exc.message}
        return _editor_page(request, Editor.of(row).with_blank_rows(), row=row, status=400,
                            move_errors=errors, move=typed)  # fmt: skip
    messages.success(request, f"Moved {report.moved} account{'s' if report.moved != 1 else ''} "
                              f"from {report.from_variant} to {report.to_variant}; "
                              f"{report.cancelled} planned action"
                              f"{'s' if report.cancelled != 1 else ''} cancelled.")  # fmt: skip
    return redirect(reverse("strategy-page", args=[row.strategy.code]) + "#move")


def _cents(value: Any) -> str:
    """Ten-thousandths of a dollar shown to the cent: 6520 -> "$0.65"."""
    if value is None:
        return "—"
    amount = (Decimal(value) / COST_SCALE).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    return f"{'-' if amount < 0 else ''}${abs(amount)}"


@login_required
@require_GET
def strategy_results_page(request: HttpRequest, code: str) -> HttpResponse:
    if refused := _refused(_user(request)):
        return refused
    row = _row_or_404(code)
    if isinstance(row, HttpResponse):
        return row
    results = [_shown(r) for r in strategy_results(row.strategy.code)]
    return render(request, "web/strategy_results.html", {
        "row": row, "results": results,
        "unit_costs": {c: str(Decimal(v) / COST_SCALE) for c, v in unit_costs().items()},
    })  # fmt: skip


def _pct(fraction: Decimal | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.1f} %"


def _shown(r: VariantResult) -> dict[str, Any]:
    """A variant's results as text: money to the cent, rates in percent to one decimal."""
    c, p, m, k = r.contact, r.promises, r.collected, r.cost
    return {
        "r": r,
        "contact": "—" if c.rate is None else f"{c.successes} of {c.n} · {_pct(c.rate)}",
        "contact_ci": "" if c.low is None else f"{_pct(c.low)} to {_pct(c.high)}",
        "promises": "—" if p.mean is None else f"{p.mean:.2f}",
        "promises_ci": "" if p.low is None else f"{p.low} to {p.high}",
        "collected_total": money_text(m.total, "USD"),
        "collected": "—" if m.mean is None else money_text(to_minor(m.mean) or 0, "USD"),
        "collected_ci": "" if m.low is None
        else f"{money_text(int(m.low), 'USD')} to {money_text(int(m.high or 0), 'USD')}",
        "cost_total": _cents(k.total),
        "cost": "—" if k.mean is None else _cents(k.mean),
        "cost_ci": "" if k.low is None else f"{_cents(k.low)} to {_cents(k.high)}",
    }  # fmt: skip


def _day(text: str | None) -> date | None:
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@login_required
@require_GET
def planned_actions_page(request: HttpRequest) -> HttpResponse:
    """The actions due on a day (default today): counts by action and status, and the list,
    filtered by status or action, fifty to a page."""
    if refused := _refused(_user(request)):
        return refused
    day = _day(request.GET.get("day"))
    status, action = request.GET.get("status", ""), request.GET.get("action", "")
    error = ""
    if day is None:
        error, day = "day: give a date as YYYY-MM-DD", timezone.localdate()
    if status and status not in ActionStatus.values:
        error, status = f"status: one of {', '.join(ActionStatus.values)}", ""
    if action and action not in StepAction.values:
        error, action = f"action: one of {', '.join(StepAction.values)}", ""
    planned = planned_day(day, status=status, action=action)
    page = Paginator(planned.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/planned_actions.html", {
        "planned": planned, "page": page, "day": day, "status": status, "action": action,
        "statuses": ActionStatus.choices, "actions": StepAction.choices, "error": error,
        "counts": [(a, label, [planned.counts[a].get(v, 0) for v in ActionStatus.values])
                   for a, label in StepAction.choices if a in planned.counts],
    }, status=400 if error else 200)  # fmt: skip
