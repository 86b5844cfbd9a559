"""The payment file layout read by ``arrears post-payments`` (bank deposits, lockbox batches).

A header row names the columns, in any order; names are matched without regard to case, spaces
or underscores. Documented in ``docs/payment-file.md``.

| column | required | what |
|---|---|---|
| reference | yes | the bank's or lockbox's unique reference for this payment (at most 80) |
| received_on | yes | the day the money was received: YYYY-MM-DD or MM/DD/YYYY, not in the future |
| amount | yes | dollars and cents, more than zero (``125``, ``1,250.00``, ``$19.99``) |
| method | yes | cash, check, money_order, card, ach or wire |
| account | no | the Arrears account number (``123`` or ``#123``) or the client's reference |
| client | no | the client code, when the account column holds the client's reference |
| payer_name | no | the name on the check or deposit |
| memo | no | free text kept with the payment |
| consumer_directed | no | yes when the consumer directs payment of a disputed debt (yes/no) |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from arrears.core.formats.placements._amounts import parse_minor

METHODS = ("cash", "check", "money_order", "card", "ach", "wire")
COLUMNS = (
    "reference",
    "received_on",
    "amount",
    "method",
    "account",
    "client",
    "payer_name",
    "memo",
    "consumer_directed",
)
REQUIRED = ("reference", "received_on", "amount", "method")
_LIMITS = {"reference": 80, "account": 80, "client": 20, "payer_name": 120, "memo": 200}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


class LayoutError(ValueError):
    """The header does not describe a payment file."""


@dataclass(frozen=True, slots=True)
class PaymentRow:
    line: int
    reference: str
    received_on: date
    amount_minor: int
    method: str
    account: str
    client: str
    payer_name: str
    memo: str
    consumer_directed: bool


@dataclass(frozen=True, slots=True)
class PaymentReject:
    line: int
    field: str
    code: str
    reason: str


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def bind_header(header: list[str]) -> dict[str, int]:
    """Our column names to their positions; raise LayoutError naming what is missing or doubled."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _key(name)
        if key in COLUMNS:
            if key in positions:
                raise LayoutError(f"column {key!r} appears twice in the header")
            positions[key] = index
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise LayoutError(
            f"the header lacks the required column(s) {', '.join(missing)} "
            f"(required: {', '.join(REQUIRED)})"
        )
    return positions


def parse_date(text: str) -> date | None:
    try:
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        return datetime.strptime(text, "%m/%d/%Y").date()
    except ValueError:
        return None


def parse_row(
    values: list[str], line: int, positions: dict[str, int], *, today: date
) -> PaymentRow | PaymentReject:
    """One data row, checked; the first defect makes it a reject naming the field."""
    cell: dict[str, str] = {}
    for name in COLUMNS:
        index = positions.get(name)
        cell[name] = values[index].strip() if index is not None and index < len(values) else ""
    for name in REQUIRED:
        if not cell[name]:
            return PaymentReject(line, name, "missing", f"{name} is required")
    for name, limit in _LIMITS.items():
        if len(cell[name]) > limit:
            return PaymentReject(
                line, name, "too_long", f"{name} is longer than {limit} characters"
            )
    received = parse_date(cell["received_on"])
    if received is None:
        return PaymentReject(
            line,
            "received_on",
            "invalid_date",
            f"received_on '{cell['received_on'][:40]}' is not a date (YYYY-MM-DD or MM/DD/YYYY)",
        )
    if received > today:
        return PaymentReject(
            line,
            "received_on",
            "future_date",
            f"received_on {received.isoformat()} is in the future (today is {today.isoformat()})",
        )
    try:
        amount = parse_minor(cell["amount"])
    except ValueError:
        amount = None
    if amount is None or amount <= 0:
        return PaymentReject(
            line,
            "amount",
            "invalid_amount",
            f"amount '{cell['amount'][:40]}' is not an amount more than zero (e.g. 125.00)",
        )
    method = _key(cell["method"])
    if method not in METHODS:
        return PaymentReject(
            line,
            "method",
            "invalid_method",
            f"method '{cell['method'][:40]}' is not one of {', '.join(METHODS)}",
        )
    directed = cell["consumer_directed"].lower()
    if directed not in _YES and directed not in _NO:
        return PaymentReject(
            line,
            "consumer_directed",
            "invalid_flag",
            f"consumer_directed '{cell['consumer_directed'][:40]}' must be yes or no",
        )
    return PaymentRow(
        line=line,
        reference=cell["reference"],
        received_on=received,
        amount_minor=amount,
        method=method,
        account=cell["account"],
        client=cell["client"].upper(),
        payer_name=cell["payer_name"],
        memo=cell["memo"],
        consumer_directed=directed in _YES,
    )


def account_number(hint: str) -> int | None:
    """The Arrears account number a hint spells (``123``, ``#123``), if it spells one."""
    text = hint.strip().removeprefix("#").strip()
    if text.isdigit() and text.isascii() and len(text) <= 18:
        return int(text)
    return None
