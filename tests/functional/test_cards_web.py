"""Taking a card payment from the account screen: the "Take a card payment" form (the offline
gateway's test cards, or Stripe's card element when its publishable key is set; the convenience
fee the rules allow for the account, or why none; a key made when the form is drawn), the charge
posted through the waterfall with the balance after, a decline, no answer from the gateway, a fee
the packs forbid, bad input and the roles: every refusal shown on the form with nothing posted."""

from __future__ import annotations

import re
from datetime import UTC, date

import pytest
from django.test import override_settings
from django.urls import reverse

from arrears.core.cards import ChargeResult, ChargeStatus
from arrears.core.compliance.fees import FeeDecision, FeeReason
from arrears.data.payments.models import CardCharge, Payment
from arrears.data.users.models import Role
from arrears.services.common import Actor
from arrears.services.ledger.operations import hold_add
from arrears.services.payments.cards import card_fee_terms_set
from tests.factories import NOW, grant_clients, make_account, make_client, make_new_yorker
from tests.functional.test_payments_web import card, payments_card, recorded, sign_in, text
from tests.integration.cards import SpyGateway, live_in

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
KEY = "0123456789abcdef0123456789abcdef"
STRIPE = {
    "ARREARS_CARD_GATEWAY": "arrears.adapters.cards.stripe.StripeGateway",
    "ARREARS_STRIPE_PUBLISHABLE_KEY": "pk_test_51Arrears",
}
WA_REFUSAL = (
    "No fee may be charged here: no convenience fee may be charged (wa.amounts-beyond-principal, "
    "RCW 19.16.250 (sums beyond the principal of a claim); Wash. AGLO 1975 No. 74, "
    "us-wa@2026.11.2)."
)


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Today is 23 November 2026."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))


@pytest.fixture
def spy(monkeypatch) -> SpyGateway:  # type: ignore[no-untyped-def]
    """The gateway the service asks: answers as the offline fake does, and keeps every request."""
    gateway = SpyGateway()
    monkeypatch.setattr("arrears.services.payments.cards.card_gateway", lambda: gateway)
    return gateway


def card_form(html: str) -> str | None:
    found = re.search(r'<section [^>]*id="card-take-card"[^>]*>(.*?)</section>', html, re.S)
    return found.group(1) if found else None


def drawn(client, account_id: int) -> str:  # type: ignore[no-untyped-def]
    section = card_form(client.get(reverse("account-page", args=[account_id])).content.decode())
    assert section is not None
    return section


def key_in(section: str) -> str:
    found = re.search(r'<input type="hidden" name="card-key" value="([^"]*)"', section)
    assert found is not None
    return found.group(1)


def take(client, account_id: int, htmx: bool = False, **fields: str):  # type: ignore[no-untyped-def]
    data = {"amount": "50.00", "token": "pm_card_visa", "key": KEY, **fields}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("card-take", args=[account_id]),
                       {f"card-{k}": v for k, v in data.items()}, **headers)  # fmt: skip


def refusal(response) -> str:  # type: ignore[no-untyped-def]
    section = card_form(response.content.decode())
    assert section is not None
    return text(section)


@pytest.fixture
def casey(client):  # type: ignore[no-untyped-def]
    """Casey, a collector signed in, granted ACME; an account there owing 1,005.00 (5.00 of it
    fees)."""
    user = sign_in(client, Role.COLLECTOR, "casey")
    return make_account(make_client(granted_to=user), principal=100_000, fees=500)


def fee_terms(fee_minor: int = 300) -> None:
    card_fee_terms_set(client_code="ACME", convenience_fee_minor=fee_minor,
                       agreement_clause="Card agreement s. 14", actor=ACTOR, now=NOW)  # fmt: skip


class TestTheCardForm:
    def test_a_collector_gets_the_test_cards_no_fee_and_a_key_made_for_the_form(
        self, client, casey
    ):
        section = drawn(client, casey.pk)

        assert re.findall(r'<option value="([A-Za-z_]+)"', section) == [
            "pm_card_visa",
            "pm_card_chargeDeclinedInsufficientFunds",
            "pm_card_chargeDeclinedExpiredCard",
            "pm_card_chargeDeclined",
            "pm_card_missing",
        ]
        assert "Test card: Visa, charged" in section
        assert "Test cards of the offline gateway: no one is charged." in text(section)
        assert re.fullmatch(r"[0-9a-f]{32}", key_in(section))
        assert key_in(drawn(client, casey.pk)) != key_in(section)  # one key per form drawn
        assert ("No fee may be charged here: the client's terms authorize no convenience fee "
                "(client.card-fee-terms, client:ACME).") in text(section)  # fmt: skip
        assert 'name="card-convenience_fee"' not in section
        assert "consumer_directed" not in section
        assert "js.stripe.com" not in section and 'id="card-element"' not in section
        action = reverse("card-take", args=[casey.pk])
        assert f'action="{action}"' in section and f'hx-post="{action}"' in section

    def test_an_allowed_fee_is_offered_up_to_the_clients_terms(self, client):
        casey = sign_in(client, Role.COLLECTOR, "casey")
        account = make_new_yorker(make_client(granted_to=casey), principal=100_000)
        fee_terms(300)

        section = drawn(client, account.pk)

        assert 'name="card-convenience_fee"' in section
        assert "Convenience fee (at most 3.00)" in text(section)
        assert ("A convenience fee of up to 3.00 may be charged with the payment: ACME's "
                "agreement authorizes it (Card agreement s. 14) and the rules where the consumer "
                "lives allow it (packs us-federal@2026.11.3+us-ny@2026.11.2).") in text(section)  # fmt: skip
        assert "No fee may be charged here" not in section

    def test_a_washington_consumer_gets_no_fee_box_and_the_reason(self, client):
        casey = sign_in(client, Role.COLLECTOR, "casey")
        account = live_in(make_account(make_client(granted_to=casey), principal=100_000),
                          "WA", "98101", "Seattle")  # fmt: skip
        fee_terms(300)  # the agreement authorizes it; Washington does not

        section = drawn(client, account.pk)

        assert WA_REFUSAL in text(section)
        assert 'name="card-convenience_fee"' not in section

    def test_a_cap_below_the_clients_terms_is_the_most_offered(self, client, casey, monkeypatch):
        """No pack caps the fee today; one that did (1.50 here) would bound the fee box."""
        fee_terms(300)
        asked: list[int] = []

        def capped(*, account_id: int, fee_minor: int, at, currency: str) -> FeeDecision:  # type: ignore[no-untyped-def]
            asked.append(fee_minor)
            reasons = () if fee_minor <= 150 else (FeeReason(
                "xx.cap", "us-xx@1", "Stat. 1", f"the fee is capped at 1.50; "
                f"{fee_minor // 100}.{fee_minor % 100:02d} asked", True),)  # fmt: skip
            return FeeDecision(not reasons, reasons, "us-federal@1+us-xx@1")

        monkeypatch.setattr("arrears.interfaces.web.cards.convenience_fee_check", capped)

        section = drawn(client, casey.pk)

        assert "Convenience fee (at most 1.50)" in text(section)
        assert ("allow it (packs us-federal@1+us-xx@1), up to a limit: the fee is capped at 1.50 "
                "(xx.cap, Stat. 1, us-xx@1).") in text(section)  # fmt: skip
        assert asked[:2] == [300, 1] and len(asked) <= 11  # the terms, one cent, then halving

    def test_the_consumer_directed_box_shows_only_under_a_dispute_hold(self, client, casey):
        hold_add(account_id=casey.pk, kind="dispute", starts_on=date(2026, 11, 1),
                 source="consumer letter", actor=ACTOR)  # fmt: skip

        section = drawn(client, casey.pk)

        assert 'name="card-consumer_directed"' in section
        assert "Consumer directs payment of a disputed debt" in section

    def test_an_accountant_and_a_supervisor_get_the_form_too(self, client):
        account = make_account(make_client(), principal=100_000)
        for role in (Role.ACCOUNTANT, Role.SUPERVISOR, Role.ADMIN):
            sign_in(client, role)
            assert card_form(
                client.get(reverse("account-page", args=[account.pk])).content.decode()
            ) is not None, role  # fmt: skip

    def test_the_compliance_officer_sees_no_form_and_is_refused(self, client, spy):
        sign_in(client, Role.COMPLIANCE)
        account = make_account(make_client(), principal=100_000)
        before = recorded()

        html = client.get(reverse("account-page", args=[account.pk])).content.decode()
        response = take(client, account.pk)

        assert card_form(html) is None
        assert reverse("card-take", args=[account.pk]) not in html
        assert response.status_code == 403
        assert (recorded(), CardCharge.objects.count(), spy.charges) == (before, 0, [])

    def test_a_collector_not_granted_the_client_gets_404_and_nothing_is_charged(self, client, spy):
        sign_in(client, Role.COLLECTOR, "casey")
        account = make_account(make_client(), principal=100_000)

        response = take(client, account.pk)

        assert response.status_code == 404
        assert (CardCharge.objects.count(), spy.charges) == (0, [])

    @override_settings(**STRIPE)
    def test_with_stripe_the_page_loads_stripes_card_element_and_no_test_cards(self, client, casey):
        section = drawn(client, casey.pk)

        assert '<script src="https://js.stripe.com/v3/" defer></script>' in section
        assert re.search(r'<script src="/static/web/cards[^"]*\.js" defer></script>', section)
        assert re.search(r'<div id="card-element" data-card-element[^>]*></div>', section)
        assert 'data-stripe-key="pk_test_51Arrears"' in section
        assert '<input type="hidden" name="card-token" value="" data-card-token>' in section
        assert "<option" not in section and "Test card" not in section
        assert "hx-post" not in section  # Stripe.js makes the token, then the page is posted
        assert "never reaches Arrears" in text(section)

    @override_settings(ARREARS_STRIPE_PUBLISHABLE_KEY="pk_test_51Arrears")
    def test_a_publishable_key_without_the_stripe_gateway_keeps_the_test_cards(self, client, casey):
        section = drawn(client, casey.pk)
        assert "js.stripe.com" not in section and "pm_card_visa" in section


class TestTakingACardPayment:
    def test_a_collector_takes_50_and_the_screen_says_what_was_charged(self, client, casey, spy):
        response = take(client, casey.pk, payer_name="Pat Doe")

        assert response.status_code == 302
        assert response["Location"] == reverse("account-page", args=[casey.pk]) + "#card-take-card"
        payment = Payment.objects.get()
        assert payment.reference.startswith("pi_fake_")
        assert (payment.method, payment.amount_minor, payment.applied_minor,
                payment.unapplied_minor, payment.payer_name, payment.actor_label) == (
            "card", 5_000, 5_000, 0, "Pat Doe", "casey",
        )  # fmt: skip
        casey.refresh_from_db()
        assert (casey.fees_minor, casey.principal_minor, casey.balance_minor) == (0, 95_500, 95_500)
        charge = CardCharge.objects.get()
        assert (charge.idempotency_key, charge.state, charge.payment_id) == (
            f"web-card-{KEY}", "succeeded", payment.pk,
        )  # fmt: skip
        assert [(r.token, r.amount_minor) for r in spy.charges] == [("pm_card_visa", 5_000)]
        html = client.get(response["Location"]).content.decode()
        assert (f"Card charged 50.00; payment {payment.reference} posted. Balance now "
                "955.00.") in text(html)  # fmt: skip
        section = payments_card(html)
        assert section is not None and f"{payment.reference} Card 50.00 50.00 applied" in text(
            section
        )

    def test_through_htmx_the_card_and_the_balances_are_drawn_again(self, client, casey, spy):
        response = take(client, casey.pk, htmx=True)

        assert response.status_code == 200
        html = response.content.decode()
        section = card_form(html)
        assert section is not None
        reference = Payment.objects.get().reference
        assert (f"Card charged 50.00; payment {reference} posted. Balance now 955.00."
                in text(section))  # fmt: skip
        assert key_in(section) != KEY  # a fresh form for the next payment
        assert card(html, "balance-card") == (
            "Balance Principal 955.00 Interest 0.00 Fees 0.00 Costs 0.00 Total owed (USD) 955.00"
        )
        assert 'hx-select-oob="#balance-card,#itemization-card,#ledger-card,#payments-card"' in html

    def test_the_same_form_sent_twice_charges_once(self, client, casey, spy):
        take(client, casey.pk)
        after_first = recorded()

        again = take(client, casey.pk, htmx=True)

        assert again.status_code == 200
        reference = Payment.objects.get().reference
        assert (f"That card payment was taken before (payment {reference}): nothing was charged "
                "again. Balance now 955.00.") in refusal(again)  # fmt: skip
        assert recorded() == after_first
        assert (CardCharge.objects.count(), len(spy.charges)) == (1, 1)

    def test_a_declined_card_shows_the_issuers_reason_and_posts_nothing(self, client, casey, spy):
        before = recorded()

        response = take(
            client, casey.pk, htmx=True, token="pm_card_chargeDeclinedInsufficientFunds"
        )

        assert response.status_code == 402
        section = card_form(response.content.decode())
        assert section is not None
        assert ("Not posted: the card was declined: Your card has insufficient funds. "
                "(insufficient_funds); nothing was charged or posted") in text(section)  # fmt: skip
        assert recorded() == before
        assert CardCharge.objects.get().state == "declined"
        assert key_in(section) != KEY  # that key's answer is final: another card, a new key
        assert 'name="card-amount" value="50.00"' in section

    def test_another_card_after_a_decline_is_charged(self, client, casey, spy):
        declined = take(client, casey.pk, token="pm_card_chargeDeclined")
        section = card_form(declined.content.decode())
        assert section is not None

        response = take(client, casey.pk, key=key_in(section))

        assert response.status_code == 302
        assert Payment.objects.get().amount_minor == 5_000
        assert CardCharge.objects.count() == 2

    def test_no_answer_from_the_gateway_keeps_the_form_to_send_again(self, client, casey, spy):
        spy._charge_answers.append(
            ChargeResult(
                ChargeStatus.ERROR, code="no_answer", message="Stripe could not be reached"
            )
        )
        before = recorded()

        response = take(client, casey.pk, htmx=True)

        assert response.status_code == 502
        section = card_form(response.content.decode())
        assert section is not None
        assert ("Not posted: no answer from the card gateway; nothing was posted; send the form "
                "again (it never charges twice).") in text(section)  # fmt: skip
        assert key_in(section) == KEY and 'name="card-amount" value="50.00"' in section
        assert recorded() == before

        again = take(client, casey.pk)

        assert again.status_code == 302
        assert Payment.objects.count() == 1 and CardCharge.objects.count() == 1
        assert [r.idempotency_key for r in spy.charges] == [f"web-card-{KEY}"] * 2

    def test_a_fee_where_the_packs_forbid_it_is_refused_on_the_form(self, client, spy):
        casey = sign_in(client, Role.COLLECTOR, "casey")
        account = live_in(make_account(make_client(granted_to=casey), principal=100_000),
                          "WA", "98101", "Seattle")  # fmt: skip
        fee_terms(300)
        before = recorded()

        response = take(client, account.pk, convenience_fee="2.50")

        assert response.status_code == 400
        assert WA_REFUSAL in refusal(response)
        assert (recorded(), CardCharge.objects.count(), spy.charges) == (before, 0, [])

    def test_an_allowed_fee_is_charged_with_the_payment(self, client, spy):
        casey = sign_in(client, Role.COLLECTOR, "casey")
        account = make_new_yorker(make_client(granted_to=casey), principal=100_000)
        fee_terms(300)

        response = take(client, account.pk, convenience_fee="2.50")

        assert response.status_code == 302
        assert spy.charges[0].amount_minor == 5_250
        account.refresh_from_db()
        assert (account.principal_minor, account.fees_minor, account.balance_minor) == (
            95_000, 0, 95_000,
        )  # fmt: skip
        payment = Payment.objects.get()
        assert (payment.amount_minor, payment.applied_minor) == (5_250, 5_250)
        html = client.get(response["Location"]).content.decode()
        assert (f"Card charged 52.50 (50.00 for the debt, 2.50 convenience fee); payment "
                f"{payment.reference} posted. Balance now 950.00.") in text(html)  # fmt: skip

    def test_a_fee_above_what_the_terms_allow_is_refused_on_the_form(self, client, spy):
        casey = sign_in(client, Role.COLLECTOR, "casey")
        account = make_new_yorker(make_client(granted_to=casey), principal=100_000)
        fee_terms(300)
        before = recorded()

        response = take(client, account.pk, convenience_fee="3.01")

        assert response.status_code == 400
        assert "At most 3.00 may be charged here." in refusal(response)
        assert (recorded(), CardCharge.objects.count(), spy.charges) == (before, 0, [])

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"amount": "12.345"}, "'12.345' is not an amount like 1,234.50"),
            ({"amount": "0"}, "A payment must be more than zero."),
            ({"amount": ""}, "This field is required."),
            ({"amount": "1,005.01"}, "a card is charged at most what is owed today, 1,005.00"),
            ({"token": "pm_card_amex"}, "Choose one of the test cards."),
            ({"convenience_fee": "1.00"}, "No fee may be charged here: the client's terms "
                                          "authorize no convenience fee"),
            ({"key": "x"}, "This form is out of date: reload the page."),
        ],
    )  # fmt: skip
    def test_bad_input_is_named_on_the_form_and_changes_nothing(
        self, client, casey, spy, fields, message
    ):
        before = recorded()

        response = take(client, casey.pk, **fields)

        assert response.status_code == 400
        assert message in refusal(response)
        assert (recorded(), CardCharge.objects.count(), spy.charges) == (before, 0, [])

    @pytest.mark.parametrize("stripe", [False, True])
    def test_a_card_number_is_refused_and_never_drawn_back(self, client, casey, spy, stripe):
        with override_settings(**(STRIPE if stripe else {})):
            response = take(client, casey.pk, token="4242 4242 4242 4242")

        assert response.status_code == 400
        html = response.content.decode()
        assert "4242" not in html
        expected = ("That looks like a card number: send the gateway's token for it, never the "
                    "number." if stripe else "Choose one of the test cards.")  # fmt: skip
        assert expected in refusal(response)
        assert (CardCharge.objects.count(), spy.charges) == (0, [])

    @override_settings(**STRIPE)
    def test_with_stripe_the_payment_method_id_is_charged(self, client, casey, spy):
        response = take(client, casey.pk, token="pm_1QArrearsTestCard")

        assert response.status_code == 302
        assert [r.token for r in spy.charges] == ["pm_1QArrearsTestCard"]
        assert Payment.objects.get().amount_minor == 5_000

    @override_settings(**STRIPE)
    def test_with_stripe_no_answer_sends_the_same_card_again(self, client, casey, spy):
        spy._charge_answers.append(ChargeResult(ChargeStatus.ERROR, code="no_answer"))

        response = take(client, casey.pk, token="pm_1QArrearsTestCard")

        assert response.status_code == 502
        section = card_form(response.content.decode())
        assert section is not None
        assert ('<input type="hidden" name="card-token" value="pm_1QArrearsTestCard" '
                "data-card-token>") in section  # fmt: skip
        assert "The card entered before is sent again." in section

    def test_a_disputed_debt_needs_the_consumers_direction(self, client, casey, spy):
        hold_add(account_id=casey.pk, kind="dispute", starts_on=date(2026, 11, 1),
                 source="consumer letter", actor=ACTOR)  # fmt: skip
        before = recorded()

        refused = take(client, casey.pk)

        assert refused.status_code == 400
        assert ("the debt is disputed: a payment is applied only if the consumer directs it"
                in refusal(refused))  # fmt: skip
        assert (recorded(), CardCharge.objects.count(), spy.charges) == (before, 0, [])

        directed = take(client, casey.pk, consumer_directed="on")

        assert directed.status_code == 302
        assert Payment.objects.get().applied_minor == 5_000

    def test_a_collector_granted_later_takes_the_payment(self, client, spy):
        """The grant, not the role alone, opens the account."""
        casey = sign_in(client, Role.COLLECTOR, "casey")
        acme = make_client()
        account = make_account(acme, principal=100_000)
        assert take(client, account.pk).status_code == 404
        grant_clients(casey, acme)
        assert take(client, account.pk).status_code == 302
