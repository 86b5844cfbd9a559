"""Taking a card payment from the account screen: the "Take a card payment" card, which charges a
card through the gateway (``services.payments.cards.card_payment_take``) and posts the payment
through the client's waterfall, as the API's ``POST /api/accounts/{id}/card-payments`` does.

Who may: whoever takes card payments (collectors on the accounts they may see, accountants,
supervisors, administrators: ``services.payments.unapplied.may_post_payment``); compliance
officers see no form and are refused (403). An account the user may not see is a 404.

**The card never touches our server** (ADR 22). With Stripe as the gateway and its publishable
key set (``ARREARS_STRIPE_PUBLISHABLE_KEY``), the card is typed into Stripe's card element (an
iframe served by Stripe, ``static/web/cards.js``), turned into a PaymentMethod there, and only
its id (``pm_...``) is posted. Without that key (the offline fake gateway: development, tests,
the demo) the form offers the fake's test cards instead, named as such. A token that looks like
a card number is refused by the service, and no posted token is ever drawn back into the page
unless it is a well-formed token.

**Once per form.** The form carries an idempotency key made when it is drawn: the same form sent
twice (a double click, a reload, sending it again after the gateway gave no answer) charges at
most once. A declined card gets a fresh key, so another card can be tried.

**The convenience fee** the form offers is what the rules allow for this account now: the
client's terms (``CardFeeTerms``) and every pack in force where the consumer is
(``convenience_fee_check``), at most the client's authorized amount. Where none may be charged,
the form says why and has no fee box; a fee sent anyway is refused on the form, and the service
checks again.

Outcomes: charged, the card and the balances are drawn again (htmx) or the screen is redirected
to; declined (402), the issuer's reason on the form and nothing posted; no answer from the
gateway (502), the form kept as sent, to be sent again (``arrears card-sweep`` settles the attempt
if it is not); bad input or a refusal (400), the reason on its field and nothing changed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from arrears.core.cards import token_problem
from arrears.core.compliance.fees import CLIENT_TERMS_RULE, FeeDecision, FeeReason
from arrears.core.money import format_minor
from arrears.data.payments.models import CardFeeTerms, PaymentMethod, UnappliedReason
from arrears.data.users.models import User
from arrears.interfaces.web.access import account_view_or_404
from arrears.interfaces.web.clients import MoneyField
from arrears.interfaces.web.payments import dispute_open
from arrears.services.accounts.queries import AccountView
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.payments.cards import (
    CardDeclined,
    CardGatewayError,
    CardInvalid,
    CardPayment,
    IdempotencyKeyTaken,
    card_payment_take,
    convenience_fee_check,
)
from arrears.services.payments.unapplied import may_post_payment

FORBIDDEN = "Card payments are taken by collectors, accountants, supervisors and administrators."
NO_ANSWER = (
    "no answer from the card gateway; nothing was posted; send the form again (it never charges "
    "twice). If it is not sent again, the card sweep settles the attempt."
)
STRIPE_JS = "https://js.stripe.com/v3/"  # always from Stripe itself, never bundled or self-hosted
KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
KEY_PREFIX = "web-card-"  # the service's key: ours, apart from the API's and refunds'
# What the offline fake gateway (adapters.cards.fake) answers, by the token's name; Stripe's
# test mode knows the same names. (value, label)
TEST_CARDS = (
    ("pm_card_visa", "Test card: Visa, charged"),
    ("pm_card_chargeDeclinedInsufficientFunds", "Test card: declined, insufficient funds"),
    ("pm_card_chargeDeclinedExpiredCard", "Test card: declined, expired card"),
    ("pm_card_chargeDeclined", "Test card: declined, no reason given"),
    ("pm_card_missing", "Test card: unknown to the gateway"),
)
# The service words a fee refusal for the amount asked ("(3.00 asked)", "; 3.00 asked"); the form
# says what may be charged at all, so the amount is left out.
_ASKED = re.compile(r" \([0-9][0-9,]*(?:\.[0-9]+)? asked\)|; [0-9][0-9,]*(?:\.[0-9]+)? asked")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _actor(request: HttpRequest) -> Actor:
    return Actor(label=request.user.get_username(), user_id=request.user.pk)


def stripe_key() -> str:
    """Stripe's publishable key when Stripe is the gateway and the key is set; else ''."""
    if not settings.ARREARS_CARD_GATEWAY.endswith(".StripeGateway"):
        return ""
    key = str(getattr(settings, "ARREARS_STRIPE_PUBLISHABLE_KEY", ""))
    return key if key.startswith("pk_") else ""


def new_key() -> str:
    return uuid.uuid4().hex


# --- the fee the rules allow ---------------------------------------------------------------------


@dataclass(frozen=True)
class FeeAllowance:
    """The most convenience fee that may be charged on this account now (0: none), and why."""

    most_minor: int
    clause: str  # the client's agreement clause that authorizes it
    refusals: tuple[str, ...]  # why less than the client's terms authorize (none at all: why)
    notes: tuple[str, ...]  # readings shown for review, never applied
    pack_version: str

    def refusal_text(self) -> str:
        return "; ".join(self.refusals)


def _reason(r: FeeReason) -> str:
    return f"{_ASKED.sub('', r.text)} ({r.rule_id}, {r.citation}, {r.source})"


def fee_allowance(view: AccountView, *, at: datetime) -> FeeAllowance:
    """Ask the rules: first the client's terms (one statement; no terms, no fee, and the packs
    need not be asked), then ``convenience_fee_check`` for the amount the terms authorize. If it
    is refused, the fee may still be allowed up to a pack's cap below it: one cent is asked,
    and if that is allowed, the most that is (the rules refuse more only above a limit)."""
    account = view.account
    authorized, clause = (
        CardFeeTerms.objects.filter(client_id=account.client_id)
        .values_list("convenience_fee_minor", "agreement_clause")
        .first()
    ) or (0, "")  # fmt: skip
    if authorized <= 0:
        return FeeAllowance(0, "", (
            f"the client's terms authorize no convenience fee ({CLIENT_TERMS_RULE}, "
            f"client:{account.client.code})",
        ), (), "")  # fmt: skip

    def check(fee_minor: int) -> FeeDecision:
        return convenience_fee_check(account_id=account.pk, fee_minor=fee_minor, at=at,
                                     currency=account.currency)  # fmt: skip

    decision = check(authorized)
    notes = tuple(_reason(r) for r in decision.reasons if not r.blocks)
    refusals = tuple(_reason(r) for r in decision.refusals)
    if decision.allowed:
        return FeeAllowance(authorized, clause, (), notes, decision.pack_version)
    allowed, refused = 0, authorized
    if authorized > 1 and check(1).allowed:
        allowed = 1
        while refused - allowed > 1:
            middle = (allowed + refused) // 2
            if check(middle).allowed:
                allowed = middle
            else:
                refused = middle
    return FeeAllowance(allowed, clause, refusals, notes, decision.pack_version)


# --- the form ------------------------------------------------------------------------------------


class CardForm(forms.Form):
    prefix = "card"
    amount = MoneyField(label="Amount")
    token = forms.CharField()  # the test cards, or the token Stripe's element made (__init__)
    convenience_fee = MoneyField(required=False, label="Convenience fee")
    payer_name = forms.CharField(required=False, max_length=120, label="Payer name")
    consumer_directed = forms.BooleanField(
        required=False, label="Consumer directs payment of a disputed debt"
    )
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        fee: FeeAllowance,
        stripe: bool,
        disputed: bool,
        currency: str = "USD",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fee = fee
        self.currency = currency
        if stripe:
            self.fields["token"] = forms.CharField(
                required=False, max_length=120, widget=forms.HiddenInput,
                error_messages={"max_length": "That is not a card token."},
            )  # fmt: skip
        else:
            # The error never repeats what was sent: it could be a card number.
            self.fields["token"] = forms.ChoiceField(
                label="Card", choices=TEST_CARDS,
                error_messages={"invalid_choice": "Choose one of the test cards.",
                                "required": "Choose one of the test cards."},
            )  # fmt: skip
        if fee.most_minor:
            box = self.fields["convenience_fee"]
            box.label = f"Convenience fee (at most {format_minor(fee.most_minor, currency)})"
            box.widget.attrs["placeholder"] = "0.00"
        if not disputed:
            # The question only arises while a dispute hold is open (as on the payment form).
            del self.fields["consumer_directed"]

    def clean_amount(self) -> int:
        amount: int = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError("A payment must be more than zero.")
        return amount

    def clean_token(self) -> str:
        token = str(self.cleaned_data.get("token") or "").strip()
        if not token:
            raise forms.ValidationError("Enter the card in the card box first.")
        problem = token_problem(token)
        if problem:
            raise forms.ValidationError(problem[0].upper() + problem[1:] + ".")
        return token

    def clean_convenience_fee(self) -> int:
        fee: int = self.cleaned_data.get("convenience_fee") or 0
        if fee and not self.fee.most_minor:
            raise forms.ValidationError(f"No fee may be charged here: {self.fee.refusal_text()}.")
        if fee > self.fee.most_minor:
            raise forms.ValidationError(
                f"At most {format_minor(self.fee.most_minor, self.currency)} may be charged here."
            )
        return fee

    def clean_key(self) -> str:
        key = str(self.cleaned_data["key"])
        if not KEY.fullmatch(key):
            raise forms.ValidationError("This form is out of date: reload the page.")
        return key

    def kept_token(self) -> str:
        """The token sent, when it is one (drawn back so the same charge can be sent again)."""
        token = str(self.data.get(self.add_prefix("token"), "")).strip()
        return token if token and not token_problem(token) else ""


def _form(
    view: AccountView, fee: FeeAllowance, data: Any = None, *, disputed: bool | None = None
) -> CardForm:
    return CardForm(data, fee=fee, stripe=bool(stripe_key()), currency=view.account.currency,
                    disputed=dispute_open(view) if disputed is None else disputed)  # fmt: skip


def card_section(
    request: HttpRequest,
    view: AccountView,
    *,
    form: CardForm | None = None,
    fee: FeeAllowance | None = None,
    key: str = "",
    token: str = "",
    notice: str = "",
) -> dict[str, Any]:
    """The account screen's "Take a card payment" card: nothing for a user who takes no card
    payments; else the form (``form``: one sent back with its errors), the fee the rules allow,
    the idempotency key the form carries (a new one unless given), the token to send again
    (Stripe: after no answer) and the line saying what a charge just did."""
    user = request.user
    if not isinstance(user, User) or not may_post_payment(user, PaymentMethod.CARD):
        return {"card_form": None}
    fee = fee or fee_allowance(view, at=timezone.now())
    return {
        "card_form": form or _form(view, fee), "card_fee": fee, "card_key": key or new_key(),
        "card_token": token, "card_notice": notice, "stripe_key": stripe_key(),
        "stripe_js": STRIPE_JS,
        "card_offline": settings.ARREARS_CARD_GATEWAY.endswith(".FakeGateway"),
    }  # fmt: skip


# --- taking the payment --------------------------------------------------------------------------


def _charged_text(done: CardPayment, balance_minor: int, currency: str) -> str:
    def m(minor: int) -> str:
        return format_minor(minor, currency)

    if done.duplicate:
        return (f"That card payment was taken before (payment {done.reference}): nothing was "
                f"charged again. Balance now {m(balance_minor)}.")  # fmt: skip
    text = f"Card charged {m(done.amount_minor + done.fee_minor)}"
    if done.fee_minor:
        text += f" ({m(done.amount_minor)} for the debt, {m(done.fee_minor)} convenience fee)"
    text += f"; payment {done.reference} posted"
    if done.unapplied_minor:
        why = UnappliedReason(done.reason).label if done.reason else ""
        text += f"; {m(done.unapplied_minor)} waits in unapplied cash"
        text += f" ({why[0].lower() + why[1:]})" if why else ""
    return text + f". Balance now {m(balance_minor)}."


@login_required
@require_POST
def card_take_view(request: HttpRequest, account_id: int) -> HttpResponse:
    """Charge the card and post the payment. Through htmx the card, the balances, the ledger and
    the payments are drawn again; without JavaScript a success redirects to the screen. A
    refusal redraws the screen with the reason on the form (400; a decline 402, no answer from
    the gateway 502), and nothing is posted."""
    from arrears.interfaces.web.views import _page  # the screen is drawn there

    view = account_view_or_404(request, account_id)
    if not may_post_payment(_user(request), PaymentMethod.CARD):
        return HttpResponse(FORBIDDEN, status=403)
    now = timezone.now()
    fee = fee_allowance(view, at=now)
    form = _form(view, fee, request.POST)

    def again(status: int, *, key: str = "", token: str = "") -> HttpResponse:
        """The screen with the form as sent: the same key unless told (a decline: a new one)."""
        sent = str(request.POST.get(form.add_prefix("key"), ""))
        kept = key or (sent if KEY.fullmatch(sent) else "")
        section = card_section(request, view, form=form, fee=fee, key=kept, token=token)
        return _page(request, view, cards=section, status=status)

    if not form.is_valid():
        return again(400)
    data = form.cleaned_data
    try:
        done = card_payment_take(
            account_id=account_id, amount_minor=data["amount"], token=data["token"],
            idempotency_key=KEY_PREFIX + data["key"], actor=_actor(request), now=now,
            convenience_fee_minor=data["convenience_fee"],
            consumer_directed=data.get("consumer_directed", False),
            payer_name=data["payer_name"],
        )  # fmt: skip
    except NotFound:
        raise Http404("no such account") from None
    except CardDeclined as exc:
        form.add_error(None, exc.message)
        return again(402, key=new_key())  # that key's answer is final: another card, a new key
    except CardInvalid as exc:
        form.add_error("token", exc.message)
        return again(400, key=new_key())
    except CardGatewayError:
        form.add_error(None, NO_ANSWER)
        return again(502, token=form.kept_token())  # sent again as it was: charged at most once
    except IdempotencyKeyTaken as exc:
        form.add_error(None, f"{exc.message}. Send the form again as it was to finish that "
                             "payment, or reload the page to take another.")  # fmt: skip
        return again(400, token=form.kept_token())
    except ServiceError as exc:
        if exc.field == "consumer_directed" and exc.field not in form.fields:
            # Disputed over the days the rules look at, though no hold is open today: ask.
            form = _form(view, fee, request.POST, disputed=True)
            form.is_valid()
        field = {"amount": "amount", "token": "token", "convenience_fee": "convenience_fee",
                 "consumer_directed": "consumer_directed"}.get(exc.field or "")  # fmt: skip
        form.add_error(field if field in form.fields else None, exc.message)
        return again(400)
    fresh = account_view_or_404(request, account_id)
    text = _charged_text(done, fresh.account.balance_minor, fresh.account.currency)
    if getattr(request, "htmx", None):  # set by django_htmx's middleware
        return _page(request, fresh, cards=card_section(request, fresh, notice=text))
    messages.success(request, text)
    return redirect(reverse("account-page", args=[account_id]) + "#card-take-card")
