"""Payments through the web: the account screen's "Post a payment" form (its methods by role, the
consumer-directed box only under a dispute hold, refusals shown on the form with nothing
recorded) and the unapplied-cash screen (rows, suggestions a row expands to, applying)."""

from __future__ import annotations

import csv
import html as htmllib
import re
from datetime import UTC, date
from pathlib import Path

import pytest
from django.urls import reverse

from arrears.data.accounts.models import Account
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import Payment
from arrears.data.users.models import Role, User
from arrears.services.common import Actor
from arrears.services.ledger.operations import account_recall, hold_add
from arrears.services.payments.posting import payment_post, payments_post_file
from tests.factories import NOW, grant_clients, make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Today is 23 November 2026."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))


def sign_in(client, role: str, username: str | None = None) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.create_user(username or role, password="a-long-real-passphrase",
                                    role=role)  # fmt: skip
    client.force_login(user)
    return user


def text(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def recorded() -> tuple[int, int, list[tuple[int, int]]]:
    balances = list(Account.objects.order_by("id").values_list("id", "balance_minor"))
    return Payment.objects.count(), Entry.objects.count(), balances


def payment_card(html: str) -> str | None:
    found = re.search(r'<section [^>]*id="payment-card">(.*?)</section>', html, re.S)
    return found.group(1) if found else None


def pay(client, account_id: int, **fields: str):  # type: ignore[no-untyped-def]
    data = {"amount": "125.00", "received_on": "2026-11-20", "method": "check", **fields}
    return client.post(reverse("payment-post", args=[account_id]),
                       {f"payment-{k}": v for k, v in data.items()})  # fmt: skip


class TestThePaymentForm:
    def test_an_accountant_gets_every_method_and_today_as_the_date(self, client):
        sign_in(client, Role.ACCOUNTANT)
        account = make_account(make_client(), principal=100_000)

        card = payment_card(client.get(reverse("account-page", args=[account.pk])).content.decode())

        assert card is not None
        assert re.findall(r'<option value="([a-z_]+)"', card) == [
            "cash",
            "check",
            "money_order",
            "card",
            "ach",
            "wire",
        ]
        assert 'name="payment-received_on" value="2026-11-23"' in card
        assert "consumer_directed" not in card

    def test_a_collector_is_offered_card_and_ach_only(self, client):
        casey = sign_in(client, Role.COLLECTOR, "casey")
        account = make_account(make_client(granted_to=casey), principal=100_000)

        card = payment_card(client.get(reverse("account-page", args=[account.pk])).content.decode())

        assert card is not None
        assert re.findall(r'<option value="([a-z_]+)"', card) == ["card", "ach"]

    def test_the_compliance_officer_gets_no_form(self, client):
        sign_in(client, Role.COMPLIANCE)
        account = make_account(make_client(), principal=100_000)
        html = client.get(reverse("account-page", args=[account.pk])).content.decode()
        assert payment_card(html) is None

    def test_the_consumer_directed_box_shows_only_under_a_dispute_hold(self, client):
        sign_in(client, Role.ACCOUNTANT)
        account = make_account(make_client(), principal=100_000)
        hold_add(account_id=account.pk, kind="dispute", starts_on=date(2026, 11, 1),
                 source="consumer letter", actor=ACTOR)  # fmt: skip

        card = payment_card(client.get(reverse("account-page", args=[account.pk])).content.decode())

        assert card is not None
        assert 'name="payment-consumer_directed"' in card
        assert "Consumer directs payment of a disputed debt" in card


class TestPostingAPayment:
    def test_an_accountant_posts_a_check_and_the_ledger_shows_it(self, client):
        sign_in(client, Role.ACCOUNTANT, "avery")
        account = make_account(make_client(), principal=100_000, fees=500)

        response = pay(client, account.pk, reference="CHK-1001", payer_name="Pat Doe")

        assert response.status_code == 302
        assert response["Location"] == reverse("account-page", args=[account.pk]) + "#ledger"
        payment = Payment.objects.get()
        assert (payment.reference, payment.method, payment.amount_minor, payment.applied_minor,
                payment.unapplied_minor, payment.payer_name, payment.actor_label) == (
            "CHK-1001", "check", 12_500, 12_500, 0, "Pat Doe", "avery",
        )  # fmt: skip
        account.refresh_from_db()
        assert (account.fees_minor, account.principal_minor) == (0, 88_000)
        html = client.get(response["Location"]).content.decode()
        assert "Payment posted: 125.00 applied." in html
        assert "Payment CHK-1001" in html  # the ledger line's memo

    def test_more_than_owed_says_what_waits_in_unapplied_cash(self, client):
        sign_in(client, Role.ACCOUNTANT)
        account = make_account(make_client(), principal=3_000)

        response = pay(client, account.pk, amount="50.00", method="cash")

        html = client.get(response["Location"]).content.decode()
        assert (
            "Payment posted: 30.00 applied; 20.00 more than owed waits in unapplied cash." in html
        )

    def test_a_closed_account_refuses_on_the_form_and_records_nothing(self, client):
        sign_in(client, Role.ACCOUNTANT)
        account = make_account(make_client(), principal=100_000)
        account_recall(account_id=account.pk, on=date(2026, 11, 2), reason="client", actor=ACTOR)
        before = recorded()

        response = pay(client, account.pk)

        assert response.status_code == 400
        card = payment_card(response.content.decode())
        assert card is not None
        assert "Not posted: account is recalled; it takes no payments" in text(card)
        assert 'name="payment-amount" value="125.00"' in card  # the input is kept
        assert recorded() == before

    def test_a_disputed_debt_needs_the_consumers_direction(self, client):
        sign_in(client, Role.ACCOUNTANT)
        account = make_account(make_client(), principal=100_000)
        hold_add(account_id=account.pk, kind="dispute", starts_on=date(2026, 11, 1),
                 source="consumer letter", actor=ACTOR)  # fmt: skip
        before = recorded()

        refused = pay(client, account.pk)

        assert refused.status_code == 400
        card = payment_card(refused.content.decode())
        assert card is not None
        assert re.search(
            r'name="payment-consumer_directed".*?the debt is disputed: a payment is applied only '
            r"if the consumer directs it",
            card,
            re.S,
        )
        assert recorded() == before
        directed = pay(client, account.pk, consumer_directed="on")
        assert directed.status_code == 302
        assert Payment.objects.get().consumer_directed is True

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"received_on": "2026-11-24"}, "The date received cannot be in the future."),
            ({"amount": "0.00"}, "Ensure this value is greater than or equal to 0.01."),
            ({"method": "bitcoin"}, "Select a valid choice."),
        ],
    )
    def test_bad_input_is_named_on_the_form_and_records_nothing(self, client, fields, message):
        sign_in(client, Role.ACCOUNTANT)
        account = make_account(make_client(), principal=100_000)
        before = recorded()

        response = pay(client, account.pk, **fields)

        assert response.status_code == 400
        card = payment_card(response.content.decode())
        assert card is not None and message in text(card)
        assert recorded() == before

    def test_a_collector_posts_a_card_payment_but_not_cash(self, client):
        casey = sign_in(client, Role.COLLECTOR, "casey")
        account = make_account(make_client(granted_to=casey), principal=100_000)

        card = pay(client, account.pk, method="card")
        before = recorded()
        cash = pay(client, account.pk, method="cash")

        assert card.status_code == 302
        assert cash.status_code == 403
        assert recorded() == before

    def test_a_collector_cannot_pay_onto_an_account_not_granted(self, client):
        sign_in(client, Role.COLLECTOR, "casey")
        account = make_account(make_client(), principal=100_000)
        assert pay(client, account.pk, method="card").status_code == 404
        assert Payment.objects.count() == 0

    def test_the_compliance_officer_may_not_post(self, client):
        sign_in(client, Role.COMPLIANCE)
        account = make_account(make_client(), principal=100_000)
        assert pay(client, account.pk, method="card").status_code == 403
        assert Payment.objects.count() == 0


def lockbox(tmp_path: Path, rows: list[list[str]]) -> None:
    path = tmp_path / "lockbox.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([
            ["reference", "received_on", "amount", "method", "account", "client", "payer_name"],
            *rows,
        ])  # fmt: skip
    payments_post_file(path, actor=ACTOR, now=NOW)


@pytest.fixture
def cash(tmp_path):  # type: ignore[no-untyped-def]
    """Two payments waiting: one whose reference has two digits swapped, one overpaid."""
    acme = make_client()
    target = make_account(acme, principal=50_000)
    Account.objects.filter(pk=target.pk).update(client_ref="R000123")
    small = make_account(acme, principal=3_000)
    lockbox(tmp_path, [
        ["LB-1", "2026-11-20", "40.00", "check", "R000132", "", "Cy Young"],
        ["LB-2", "2026-11-19", "50.00", "money_order", small.client_ref, "ACME", "Ann Lee"],
    ])  # fmt: skip
    return target, small


def rows(html: str) -> list[str]:
    return [text(r) for r in re.findall(r'<tr class="unapplied"[^>]*>(.*?)</tr>', html, re.S)]


class TestTheUnappliedCashScreen:
    def test_lists_the_waiting_money_oldest_first(self, client, cash):
        _, small = cash
        sign_in(client, Role.ACCOUNTANT)

        html = client.get(reverse("unapplied-cash")).content.decode()

        assert "Unapplied cash · 2 payments, 60.00 waiting" in text(html)
        assert rows(html) == [
            f"Nov 19, 2026 LB-2 Money order 20.00 of 50.00 More was paid than owed #{small.pk} "
            f"Ann Lee {small.client_ref} ACME Suggestions",
            "Nov 20, 2026 LB-1 Check 40.00 No account matches the reference Cy Young R000132 "
            "Suggestions",
        ]
        assert f'href="{reverse("unapplied-cash")}">Unapplied cash</a>' in html  # the nav link

    def test_a_row_expands_to_its_suggestions_with_an_apply_button_each(self, client, cash):
        target, _ = cash
        sign_in(client, Role.SUPERVISOR)
        payment = Payment.objects.get(reference="LB-1")

        fragment = client.get(reverse("unapplied-suggestions", args=[payment.pk]),
                              HTTP_HX_REQUEST="true").content.decode()  # fmt: skip

        suggestions = re.findall(r'<tr class="suggestion"[^>]*>(.*?)</tr>', fragment, re.S)
        assert [text(s) for s in suggestions] == [
            f"#{target.pk} ACME / R000123 Pat Doe 500.00 reference has two characters swapped Apply"
        ]
        assert f'action="{reverse("unapplied-apply", args=[payment.pk])}"' in suggestions[0]
        assert f'name="account" value="{target.pk}"' in suggestions[0]
        # The box for an account chosen by hand, its ids this payment's own.
        assert re.search(rf'<input type="text" name="account"[^>]*id="apply-{payment.pk}-account"',
                         fragment)  # fmt: skip
        assert "<html" not in fragment

    def test_without_javascript_the_row_opens_on_the_page(self, client, cash):
        sign_in(client, Role.ACCOUNTANT)
        payment = Payment.objects.get(reference="LB-1")

        html = client.get(reverse("unapplied-cash"), {"open": payment.pk}).content.decode()

        assert html.count('<tr class="suggestion"') == 1
        assert f'id="suggestions-{payment.pk}"' in html

    def test_applying_a_suggestion_posts_it_and_the_row_goes(self, client, cash):
        target, _ = cash
        sign_in(client, Role.ACCOUNTANT, "avery")
        payment = Payment.objects.get(reference="LB-1")

        response = client.post(reverse("unapplied-apply", args=[payment.pk]),
                               {"account": str(target.pk)})  # fmt: skip

        assert response.status_code == 302 and response["Location"] == reverse("unapplied-cash")
        payment.refresh_from_db()
        assert (payment.account_id, payment.applied_minor, payment.unapplied_minor,
                payment.unapplied_reason) == (target.pk, 4_000, 0, "")  # fmt: skip
        target.refresh_from_db()
        assert target.balance_minor == 46_000
        html = client.get(response["Location"]).content.decode()
        assert f"Payment LB-1: 40.00 applied to account #{target.pk}." in html
        assert [r.split()[3] for r in rows(html)] == ["LB-2"]

    def test_part_of_it_by_account_number(self, client, cash):
        target, _ = cash
        sign_in(client, Role.ADMIN)
        payment = Payment.objects.get(reference="LB-1")

        response = client.post(reverse("unapplied-apply", args=[payment.pk]),
                               {"account": f"#{target.pk}", "amount": "15.00"})  # fmt: skip

        assert response.status_code == 302
        payment.refresh_from_db()
        assert (payment.applied_minor, payment.unapplied_minor) == (1_500, 2_500)
        html = client.get(response["Location"]).content.decode()
        assert (
            f"Payment LB-1: 15.00 applied to account #{target.pk}; 25.00 still unapplied." in html
        )

    def test_a_refusal_shows_on_the_open_row_and_changes_nothing(self, client, cash):
        target, _ = cash
        hold_add(account_id=target.pk, kind="dispute", starts_on=date(2026, 11, 1),
                 source="consumer letter", actor=ACTOR)  # fmt: skip
        sign_in(client, Role.ACCOUNTANT)
        payment = Payment.objects.get(reference="LB-1")
        before = recorded()

        response = client.post(reverse("unapplied-apply", args=[payment.pk]),
                               {"account": str(target.pk)})  # fmt: skip

        assert response.status_code == 400
        html = response.content.decode()
        opened = re.search(rf'id="suggestions-{payment.pk}"(.*?)</form>\s*</div>',
                           html, re.S)  # fmt: skip
        assert opened is not None
        assert "Dispute hold" in opened.group(1)
        assert ("the debt is disputed: a payment is applied only if the consumer directs it"
                in text(opened.group(1)))  # fmt: skip
        assert recorded() == before

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"account": "R000123"}, "Give our account number, e.g. 1234 or #1234."),
            ({"account": "424242"}, "no account 424242"),
            ({"account": "{target}", "amount": "40.01"},
             "the amount must be more than zero and at most the 40.00 unapplied"),
        ],
    )  # fmt: skip
    def test_bad_input_is_named_and_changes_nothing(self, client, cash, data, message):
        target, _ = cash
        sign_in(client, Role.ACCOUNTANT)
        payment = Payment.objects.get(reference="LB-1")
        before = recorded()
        data = {k: v.format(target=target.pk) for k, v in data.items()}

        response = client.post(reverse("unapplied-apply", args=[payment.pk]), data)

        assert response.status_code == 400
        assert message in text(response.content.decode())
        assert recorded() == before

    @pytest.mark.parametrize("role", [Role.COLLECTOR, Role.COMPLIANCE])
    def test_other_roles_are_refused_and_see_no_link(self, client, cash, role):
        target, _ = cash
        sign_in(client, role)
        payment = Payment.objects.get(reference="LB-1")
        before = recorded()

        responses = [
            client.get(reverse("unapplied-cash")),
            client.get(reverse("unapplied-suggestions", args=[payment.pk])),
            client.post(reverse("unapplied-apply", args=[payment.pk]), {"account": str(target.pk)}),
        ]

        assert [r.status_code for r in responses] == [403, 403, 403]
        assert recorded() == before
        home = client.get(reverse("account-list")).content.decode()
        assert "Unapplied cash</a>" not in home

    def test_a_payment_with_nothing_waiting_is_not_found(self, client, cash):
        sign_in(client, Role.ACCOUNTANT)
        assert client.get(reverse("unapplied-suggestions", args=[424242])).status_code == 404


# --- a payment that came back: the account screen's "Payments" card ------------------------------


def payments_card(html: str) -> str | None:
    found = re.search(r'<section [^>]*id="payments-card"[^>]*>(.*?)</section>', html, re.S)
    return found.group(1) if found else None


def card(html: str, card_id: str) -> str:
    found = re.search(rf'<section [^>]*id="{card_id}"[^>]*>(.*?)</section>', html, re.S)
    assert found is not None, card_id
    return text(found.group(1))


def payment_rows(html: str) -> list[str]:
    section = payments_card(html)
    assert section is not None
    return [text(r) for r in re.findall(r'<tr class="payment">(.*?)</tr>', section, re.S)]


def ledger_rows(html: str) -> list[str]:
    section = re.search(r'<section [^>]*id="ledger-card"[^>]*>(.*?)</section>', html, re.S)
    assert section is not None
    return [text(r) for r in re.findall(r"<tr>(.*?)</tr>", section.group(1), re.S)]


def returned() -> list[tuple[object, ...]]:
    """What a return would change beyond the ledger: each payment's return and unapplied cash."""
    return list(Payment.objects.order_by("id").values_list("returned_on", "return_code",
                                                           "unapplied_minor"))  # fmt: skip


def give_back(client, account_id: int, payment_id: int, **fields: str):  # type: ignore[no-untyped-def]
    data = {"returned_on": "2026-11-22", "code": "NSF", "reason": "", **fields}
    return client.post(reverse("payment-return", args=[account_id, payment_id]),
                       {k: v for k, v in data.items() if v is not None})  # fmt: skip


@pytest.fixture
def checked(client):  # type: ignore[no-untyped-def]
    """An account owing 1,005.00 (5.00 of it fees) at a client whose returned-payment fee is
    25.00, paid 125.00 by check CHK-1001 received 20 Nov 2026 (5.00 to fees, 120.00 to
    principal)."""
    acme = make_client()
    acme.returned_payment_fee_minor = 2_500
    acme.save(update_fields=["returned_payment_fee_minor"])
    account = make_account(acme, principal=100_000, fees=500)
    payment_post(account_id=account.pk, amount_minor=12_500, received_on=date(2026, 11, 20),
                 source="check", actor=ACTOR, reference="CHK-1001")  # fmt: skip
    account.refresh_from_db()
    assert (account.principal_minor, account.fees_minor) == (88_000, 0)
    return account, Payment.objects.get(reference="CHK-1001")


class TestThePaymentsCard:
    def test_lists_the_payments_with_a_returned_form_for_an_accountant(self, client, checked):
        account, payment = checked
        sign_in(client, Role.ACCOUNTANT)

        html = client.get(reverse("account-page", args=[account.pk])).content.decode()

        assert payment_rows(html) == ["Nov 20, 2026 CHK-1001 Check 125.00 125.00 applied"]
        section = payments_card(html)
        assert section is not None
        form = re.search(rf'<form [^>]*id="form-return-{payment.pk}"(.*?)</form>', section, re.S)
        assert form is not None
        action = reverse("payment-return", args=[account.pk, payment.pk])
        assert f'hx-post="{action}"' in form.group(0) and f'action="{action}"' in form.group(0)
        assert 'name="returned_on" value="2026-11-23"' in form.group(1)  # today
        assert 'name="code" value="NSF"' in form.group(1)
        assert re.search(r'<input type="checkbox" name="charge_fee"[^>]*checked', form.group(1))
        assert "Charge the client's returned-payment fee (25.00)" in text(form.group(1))

    def test_an_account_without_payments_says_so(self, client):
        sign_in(client, Role.ACCOUNTANT)
        account = make_account(make_client(), principal=100_000)
        html = client.get(reverse("account-page", args=[account.pk])).content.decode()
        section = payments_card(html)
        assert section is not None and "No payment received on this account." in text(section)


class TestReturningAPayment:
    def test_an_accountant_returns_a_bounced_check_and_the_page_shows_it(self, client, checked):
        account, payment = checked
        sign_in(client, Role.ACCOUNTANT, "avery")

        response = give_back(client, account.pk, payment.pk, charge_fee="on")

        assert response.status_code == 302
        assert response["Location"] == reverse("account-page", args=[account.pk]) + "#payments"
        payment.refresh_from_db()
        assert (payment.returned_on, payment.return_code) == (date(2026, 11, 22), "NSF")
        account.refresh_from_db()
        assert (account.principal_minor, account.fees_minor, account.balance_minor) == (
            100_000, 3_000, 103_000,
        )  # fmt: skip
        html = client.get(response["Location"]).content.decode()
        assert ("Payment CHK-1001 returned (NSF): 125.00 reversed; returned-payment fee of 25.00 "
                "charged.") in text(html)  # fmt: skip
        assert payment_rows(html) == [
            "Nov 20, 2026 CHK-1001 Check 125.00 125.00 returned NSF on Nov 22, 2026"
        ]
        section = payments_card(html)
        assert section is not None and "Returned…" not in section  # nothing left to return
        assert card(html, "balance-card") == (
            "Balance Principal 1,000.00 Interest 0.00 Fees 30.00 Costs 0.00 "
            "Total owed (USD) 1,030.00"
        )
        original = Entry.objects.get(payment=payment, kind="payment")
        reversal, fee = Entry.objects.filter(payment=payment).exclude(pk=original.pk).order_by("id")
        assert ledger_rows(html)[-2:] == [
            f"{reversal.pk} 2026-11-22 Payment reversal of #{original.pk} 120.00 0.00 5.00 0.00 "
            "-125.00 NSF: check returned unpaid: insufficient funds",
            f"{fee.pk} 2026-11-22 Fee 0.00 0.00 25.00 0.00 0.00 returned payment fee (NSF)",
        ]

    def test_through_htmx_the_card_and_balances_are_drawn_again(self, client, checked):
        account, payment = checked
        sign_in(client, Role.SUPERVISOR)

        response = client.post(
            reverse("payment-return", args=[account.pk, payment.pk]),
            {"returned_on": "2026-11-23", "code": "r01", "reason": "bank said so"},
            HTTP_HX_REQUEST="true",
        )

        assert response.status_code == 200
        html = response.content.decode()
        section = payments_card(html)
        assert section is not None
        assert "Payment CHK-1001 returned (R01): 125.00 reversed." in text(section)
        assert payment_rows(html) == [
            "Nov 20, 2026 CHK-1001 Check 125.00 125.00 returned R01 on Nov 23, 2026"
        ]
        assert card(html, "balance-card") == (  # no fee: the box was not ticked
            "Balance Principal 1,000.00 Interest 0.00 Fees 5.00 Costs 0.00 "
            "Total owed (USD) 1,005.00"
        )
        assert ledger_rows(html)[-1].endswith("-125.00 R01: bank said so")

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"returned_on": "2026-11-24"}, "The date returned cannot be in the future."),
            ({"returned_on": "2026-11-19"},
             "the payment was received on 2026-11-20; it cannot come back on 2026-11-19"),
            ({"returned_on": "2026-02-30"}, "Enter a valid date."),
            ({"code": "X1"}, "Give NSF for a bounced check, or an ACH return code such as R01."),
        ],
    )  # fmt: skip
    def test_bad_input_is_named_on_the_payments_form_and_changes_nothing(
        self, client, checked, fields, message
    ):
        account, payment = checked
        sign_in(client, Role.ACCOUNTANT)
        before = recorded(), returned()

        response = give_back(client, account.pk, payment.pk, charge_fee="on", **fields)

        assert response.status_code == 400
        section = payments_card(response.content.decode())
        assert section is not None
        form = re.search(rf'<details open><summary>Returned…</summary>\s*<form [^>]*'
                         rf'id="form-return-{payment.pk}"(.*?)</form>', section, re.S)  # fmt: skip
        assert form is not None and message in text(form.group(1))
        assert (recorded(), returned()) == before

    def test_a_collector_sees_no_form_and_is_refused(self, client, checked):
        account, payment = checked
        casey = sign_in(client, Role.COLLECTOR, "casey")
        grant_clients(casey, account.client)
        before = recorded(), returned()

        html = client.get(reverse("account-page", args=[account.pk])).content.decode()
        response = give_back(client, account.pk, payment.pk, charge_fee="on")

        assert payment_rows(html) == ["Nov 20, 2026 CHK-1001 Check 125.00 125.00 applied"]
        assert "Returned…" not in html
        assert reverse("payment-return", args=[account.pk, payment.pk]) not in html
        assert response.status_code == 403
        assert (recorded(), returned()) == before

    def test_a_payment_of_another_account_is_not_found(self, client, checked):
        _, payment = checked
        sign_in(client, Role.ACCOUNTANT)
        other = make_account(make_client("BETA"), principal=10_000)
        before = recorded(), returned()

        response = give_back(client, other.pk, payment.pk)

        assert response.status_code == 404
        assert (recorded(), returned()) == before


def refund(client, account_id: int, payment_id: int, htmx: bool = False, **fields: str):  # type: ignore[no-untyped-def]
    data = {"amount": "25.00", "reason": "paid twice", "key": "form-1", **fields}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("payment-refund", args=[account_id, payment_id]), data,
                       **headers)  # fmt: skip


class TestRefundingAPayment:
    def test_an_accountant_gives_back_part_of_a_check_and_it_is_owed_again(self, client, checked):
        account, payment = checked
        sign_in(client, Role.ACCOUNTANT)

        response = refund(client, account.pk, payment.pk)

        assert response.status_code == 302
        payment.refresh_from_db()
        account.refresh_from_db()
        assert (payment.refunded_minor, account.balance_minor) == (2_500, 90_500)
        html = client.get(response["Location"]).content.decode()
        assert "25.00 of payment CHK-1001 given back; 25.00 of it is owed again." in text(html)
        assert payment_rows(html) == [
            "Nov 20, 2026 CHK-1001 Check 125.00 125.00 applied 25.00 refunded"
        ]

    def test_the_same_form_sent_twice_gives_back_once(self, client, checked):
        account, payment = checked
        sign_in(client, Role.SUPERVISOR)
        refund(client, account.pk, payment.pk)
        after_first = recorded()

        again = refund(client, account.pk, payment.pk, htmx=True)

        assert again.status_code == 200
        assert ("That refund of payment CHK-1001 was made before: nothing was given back "
                "again.") in text(again.content.decode())  # fmt: skip
        assert recorded() == after_first

    def test_more_than_is_left_is_refused_on_the_form_and_changes_nothing(self, client, checked):
        account, payment = checked
        sign_in(client, Role.ACCOUNTANT)
        before = recorded()

        response = refund(client, account.pk, payment.pk, amount="125.01")

        assert response.status_code == 400
        section = payments_card(response.content.decode())
        assert section is not None
        form = re.search(rf'<details open><summary>Refund…</summary>\s*<form [^>]*'
                         rf'id="form-refund-{payment.pk}"(.*?)</form>', section, re.S)  # fmt: skip
        assert form is not None and "125.00" in text(form.group(1))
        assert recorded() == before

    def test_a_collector_may_not_refund(self, client, checked):
        account, payment = checked
        user = sign_in(client, Role.COLLECTOR)
        grant_clients(user, account.client)
        before = recorded()

        assert refund(client, account.pk, payment.pk).status_code == 403
        assert recorded() == before
        html = client.get(reverse("account-page", args=[account.pk])).content.decode()
        assert "Refund…" not in html
