"""What the bank's answers to our ACH debits mean: return reason codes (addenda 99) and
notifications of change (addenda 98).

A return says why an entry was not paid and so what may happen next: insufficient or
uncollected funds (R01, R09) may be tried again at most twice within 180 days of the first
entry's settlement, described "RETRY PYMT"; a closed, missing or frozen account and every
"not authorized" answer end the authorization, so nothing more is debited under it. A
notification of change carries the corrected bank details to use from now on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from arrears.core.formats.nacha import check_digit

MAX_RETRIES = 2
RETRY_WINDOW = timedelta(days=180)
RETRY_DESCRIPTION = "RETRY PYMT"


class ReturnKind(StrEnum):
    FUNDS = "funds"  # not enough money in the account today; may be tried again
    ACCOUNT = "account"  # the account cannot be debited any more
    UNAUTHORIZED = "unauthorized"  # the consumer says we may not debit it
    STOPPED = "stopped"  # the consumer stopped this one payment
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ReturnReason:
    code: str
    description: str
    kind: ReturnKind

    @property
    def retryable(self) -> bool:
        return self.kind is ReturnKind.FUNDS

    @property
    def ends_authorization(self) -> bool:
        return self.kind in (ReturnKind.ACCOUNT, ReturnKind.UNAUTHORIZED)


_REASONS = {
    reason.code: reason
    for reason in (
        ReturnReason("R01", "insufficient funds", ReturnKind.FUNDS),
        ReturnReason("R02", "account closed", ReturnKind.ACCOUNT),
        ReturnReason("R03", "no account, or unable to locate the account", ReturnKind.ACCOUNT),
        ReturnReason("R04", "invalid account number", ReturnKind.ACCOUNT),
        ReturnReason("R05", "unauthorized debit using a corporate SEC code",
                     ReturnKind.UNAUTHORIZED),
        ReturnReason("R06", "returned at the originating bank's request", ReturnKind.OTHER),
        ReturnReason("R07", "authorization revoked by the consumer", ReturnKind.UNAUTHORIZED),
        ReturnReason("R08", "payment stopped", ReturnKind.STOPPED),
        ReturnReason("R09", "uncollected funds", ReturnKind.FUNDS),
        ReturnReason("R10", "the consumer says the debit was not authorized",
                     ReturnKind.UNAUTHORIZED),
        ReturnReason("R11", "the debit did not follow the terms of the authorization",
                     ReturnKind.OTHER),
        ReturnReason("R12", "account sold to another bank", ReturnKind.ACCOUNT),
        ReturnReason("R14", "representative payee deceased", ReturnKind.ACCOUNT),
        ReturnReason("R15", "account holder deceased", ReturnKind.ACCOUNT),
        ReturnReason("R16", "account frozen", ReturnKind.ACCOUNT),
        ReturnReason("R20", "not a transaction account", ReturnKind.ACCOUNT),
        ReturnReason("R29", "the company says the debit was not authorized",
                     ReturnKind.UNAUTHORIZED),
    )
}  # fmt: skip


def return_reason(code: str) -> ReturnReason:
    """The meaning of a return code; a code we do not know is kept, as "other"."""
    code = code.strip().upper()
    return _REASONS.get(code) or ReturnReason(code, f"return reason {code}", ReturnKind.OTHER)


def retry_refusal(
    reason: ReturnReason, *, retries_so_far: int, first_settled_on: date, retry_on: date
) -> str:
    """Why a returned debit may not be tried again on ``retry_on`` ("" when it may)."""
    if not reason.retryable:
        return f"{reason.code} ({reason.description}) is not tried again"
    if retries_so_far >= MAX_RETRIES:
        return f"already tried again {retries_so_far} times (the most allowed is {MAX_RETRIES})"
    if retry_on > first_settled_on + RETRY_WINDOW:
        return (
            f"more than {RETRY_WINDOW.days} days after the first attempt settled on "
            f"{first_settled_on.isoformat()}"
        )
    return ""


class CorrectionError(ValueError):
    """A notification of change whose corrected data cannot be used."""


@dataclass(frozen=True, slots=True)
class Correction:
    """The bank details a notification of change tells us to use (None: unchanged)."""

    code: str
    routing: str | None = None
    account: str | None = None
    account_type: str | None = None  # "checking" or "savings"


def _routing(text: str) -> str:
    if len(text) != 9 or not text.isdigit() or not text.isascii():
        raise CorrectionError(f"corrected routing number {text!r} is not nine digits")
    if check_digit(text[:8]) != int(text[8]):
        raise CorrectionError(f"corrected routing number {text} fails its check digit")
    return text


def _account(text: str) -> str:
    text = text.strip()
    if not (1 <= len(text) <= 17) or not text.isascii() or " " in text:
        raise CorrectionError(f"corrected account number {text!r} is not 1 to 17 characters")
    return text


def _account_type(text: str) -> str:
    code = text.strip()
    if code in ("22", "23", "24", "27", "28", "29"):
        return "checking"
    if code in ("32", "33", "34", "37", "38", "39"):
        return "savings"
    raise CorrectionError(f"corrected transaction code {code!r} is not a checking or savings code")


def parse_correction(change_code: str, corrected_data: str) -> Correction:
    """Read an addenda 98's corrected data (29 characters, laid out by change code)."""
    code = change_code.strip().upper()
    data = corrected_data.ljust(29)
    if code == "C01":
        return Correction(code, account=_account(data[:17]))
    if code == "C02":
        return Correction(code, routing=_routing(data[:9]))
    if code == "C03":
        return Correction(code, routing=_routing(data[:9]), account=_account(data[12:29]))
    if code == "C05":
        return Correction(code, account_type=_account_type(data[:2]))
    if code == "C06":
        return Correction(
            code, account=_account(data[:17]), account_type=_account_type(data[20:22])
        )
    if code == "C07":
        return Correction(
            code, routing=_routing(data[:9]), account=_account(data[9:26]),
            account_type=_account_type(data[26:28]),
        )  # fmt: skip
    raise CorrectionError(f"change code {code!r} carries no bank details we update")
