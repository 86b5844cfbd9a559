"""Each letter about money rendered to HTML and PDF (WeasyPrint): one printable page that says
the exact amounts and dates, checked in the HTML and in the text WeasyPrint lays out on the PDF's
pages (no PDF text reader is installed)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from arrears.adapters.letters.renderer import TEMPLATES, LetterRenderer
from arrears.core.compliance import CollectorKind
from arrears.core.compliance.validation import Party
from arrears.core.letters import (
    Applied,
    LetterHead,
    PaymentConfirmation,
    PreDebitNotice,
    ReturnedPaymentNotice,
    broken_notice,
    plan_confirmation,
    settlement_confirmation,
)
from arrears.core.money import Money

DEBT_COLLECTOR_LINE = (
    "This is a communication from a debt collector. This is an attempt to collect a debt, and "
    "any information obtained will be used for that purpose."
)


def usd(minor: int) -> Money:
    return Money.from_minor(minor, "USD")


def head(reference: str, sent_on: date, kind: str = "agency") -> LetterHead:
    return LetterHead(
        reference=reference, sent_on=sent_on,
        collector=Party("Arrears Recovery Services", ("PO Box 4100", "Albany, NY 12204")),
        collector_phone="(800) 555-0142", collector_hours="Monday to Friday, 8 am to 8 pm",
        collector_website="", consumer=Party("Pat Doe", ("1 Main St", "Buffalo, NY 14201")),
        account_number="42", creditor="ACME Bank", collector_kind=CollectorKind(kind),
        original_creditor="Original Bank", original_account_masked="ending in 1111",
    )  # fmt: skip


@pytest.fixture(scope="module")
def renderer() -> LetterRenderer:
    return LetterRenderer()


def _boxes(box):  # type: ignore[no-untyped-def]
    yield box
    for child in getattr(box, "children", ()) or ():
        yield from _boxes(child)


def printed(renderer: LetterRenderer, html: str) -> tuple[bytes, int, str]:
    """The PDF, its page count and the text laid out on its pages (lines joined by spaces)."""
    from weasyprint import HTML

    pdf = renderer.pdf(html)
    document = HTML(string=html, base_url=str(TEMPLATES)).render()
    lines = [
        "".join(t.text for t in _boxes(line) if type(t).__name__ == "TextBox")
        for page in document.pages
        for line in _boxes(page._page_box)
        if type(line).__name__ == "LineBox"
    ]
    return pdf, len(document.pages), re.sub(r"\s+", " ", " ".join(lines))


def assert_prints(renderer: LetterRenderer, html: str, *texts: str) -> str:
    pdf, pages, text = printed(renderer, html)
    assert pdf.startswith(b"%PDF-")
    assert pages == 1
    cells = re.sub(r"<(?:/?td|/?th|/?tr|br)\b[^>]*>", " ", html)  # a table cell is a word apart
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cells))
    for wanted in texts:
        assert wanted in flat, f"not in the HTML: {wanted}"
        assert wanted in text, f"not on the page: {wanted}"
    return text


def test_payment_confirmation(renderer: LetterRenderer) -> None:
    letter = PaymentConfirmation(
        head=head("PC-7", date(2026, 11, 23)), amount=usd(12_550),
        received_on=date(2026, 11, 20), method="ACH", payment_reference="ACH-091000010000007",
        balance_after=usd(89_950),
        applied=(Applied("Fees", usd(2_500)), Applied("Principal", usd(10_050))),
        may_be_returned=True,
    )  # fmt: skip
    text = assert_prints(
        renderer, renderer.payment_confirmation_html(letter),
        "We received your payment of $125.50 on November 20, 2026 (ACH, payment reference "
        "ACH-091000010000007).",
        "Applied to fees $25.00", "Applied to principal $100.50", "Your payment $125.50",
        "Balance after this payment $899.50", "Date: November 23, 2026", "Reference: PC-7",
        "Account number: 42", "Pat Doe", "1 Main St", "Buffalo, NY 14201",
        "About your account with ACME Bank, originally with Original Bank (account number "
        "ending in 1111).",
        "If your bank returns this payment unpaid, the amount will be added back",
        DEBT_COLLECTOR_LINE,
    )  # fmt: skip
    assert "Reference PC-7 · page 1 of 1" in text  # the page footer


def test_pre_debit_notice(renderer: LetterRenderer) -> None:
    letter = PreDebitNotice(
        head=head("PD-3", date(2026, 11, 24)), amount=usd(5_000),
        scheduled_for=date(2026, 11, 28), debit_on=date(2026, 11, 30),
        bank_account="checking account ending in 6789", cancel_by=date(2026, 11, 27),
        recurring=True, returned_fee=usd(2_500),
    )  # fmt: skip
    assert_prints(
        renderer, renderer.pre_debit_notice_html(letter),
        "As you authorized, we will debit $50.00 from your checking account ending in 6789 on "
        "November 30, 2026.",
        "You scheduled this payment for November 28, 2026. That is not a banking day",
        "or write to us at the address above so that we receive your letter, by November 27, "
        "2026.",
        "you may also stop it by telling your bank at least three business days before "
        "November 30, 2026.",
        "a returned-payment fee of $25.00 may be added to your balance",
        DEBT_COLLECTOR_LINE,
    )  # fmt: skip


def test_returned_payment_notice(renderer: LetterRenderer) -> None:
    letter = ReturnedPaymentNotice(
        head=head("RP-9", date(2026, 11, 25)), amount=usd(5_000), method="ACH",
        received_on=date(2026, 11, 20), returned_on=date(2026, 11, 24),
        reason="insufficient funds (R01)", added_back=usd(5_000), fee=usd(2_500),
        balance_now=usd(107_500), retry_on=date(2026, 11, 27),
    )  # fmt: skip
    assert_prints(
        renderer, renderer.returned_payment_notice_html(letter),
        "Your payment of $50.00 (ACH), received on November 20, 2026, was returned unpaid on "
        "November 24, 2026. The reason given: insufficient funds (R01).",
        "Payment returned: added back to your balance $50.00",
        "Returned-payment fee, as your agreement allows $25.00", "Balance now $1,075.00",
        "we will present the debit again on November 27, 2026.",
        DEBT_COLLECTOR_LINE,
    )  # fmt: skip


def test_plan_confirmation(renderer: LetterRenderer) -> None:
    letter = plan_confirmation(
        head=head("PL-42-1", date(2026, 11, 23)), agreed_on=date(2026, 11, 23),
        frequency="monthly",
        instalments=[(date(2026, 12, 1), 33_334), (date(2027, 1, 1), 33_333),
                     (date(2027, 2, 1), 33_333)],
        balance_minor=120_000, grace_days=10, validation_period_ends_on=date(2026, 12, 17),
    )  # fmt: skip
    assert_prints(
        renderer, renderer.plan_confirmation_html(letter),
        "This confirms the payment plan you agreed to on November 23, 2026: 3 payments, one "
        "every month, totaling $1,000.00, the first due on December 1, 2026.",
        "1 December 1, 2026 $333.34", "2 January 1, 2027 $333.33", "3 February 1, 2027 $333.33",
        "Total $1,000.00", "The balance when you agreed to the plan: $1,200.00.",
        "When every payment is made, $200.00 of it will still be owed.",
        "If a payment is not received within 10 days after its due date, we may end the plan.",
        "You may still dispute all or part of the debt until December 17, 2026.",
        DEBT_COLLECTOR_LINE,
    )  # fmt: skip


def test_a_first_party_creditor_s_plan_has_no_debt_collector_line(
    renderer: LetterRenderer,
) -> None:
    letter = plan_confirmation(
        head=head("PL-42-2", date(2026, 11, 23), kind="first_party"),
        agreed_on=date(2026, 11, 23), frequency="weekly",
        instalments=[(date(2026, 11, 30), 5_000), (date(2026, 12, 7), 5_000)],
        balance_minor=10_000,
    )  # fmt: skip
    html = renderer.plan_confirmation_html(letter)
    text = assert_prints(renderer, html, "2 payments, one every week, totaling $100.00",
                         "The plan's payments add up to that balance.")  # fmt: skip
    assert "debt collector" not in html
    assert "debt collector" not in text
    assert "validation notice" not in html


def test_settlement_confirmation_forgiving_600_dollars_mentions_the_irs(
    renderer: LetterRenderer,
) -> None:
    letter = settlement_confirmation(
        head=head("ST-42-1", date(2026, 11, 23)), agreed_on=date(2026, 11, 23),
        balance_minor=100_000, amount_minor=40_000,
        instalments=[(date(2026, 12, 1), 20_000), (date(2027, 1, 1), 20_000)],
    )  # fmt: skip
    assert_prints(
        renderer, renderer.settlement_confirmation_html(letter),
        "The balance is $1,000.00. We agreed to accept $400.00 to settle it, in 2 payments, the "
        "first due on December 1, 2026, as set out below.",
        "1 December 1, 2026 $200.00", "2 January 1, 2027 $200.00", "Total $400.00",
        "Amount forgiven once all payments clear $600.00",
        "Your account will be settled and closed once all payments clear.",
        "If a payment is not received by its due date, this settlement ends.",
        "the balance of $1,000.00, less those payments, will again be owed.",
        "ACME Bank may be required to report the amount forgiven ($600.00) to the IRS.",
        DEBT_COLLECTOR_LINE,
    )  # fmt: skip


def test_settlement_forgiving_less_than_600_dollars_says_nothing_of_the_irs(
    renderer: LetterRenderer,
) -> None:
    letter = settlement_confirmation(
        head=head("ST-42-2", date(2026, 11, 23), kind="first_party"),
        agreed_on=date(2026, 11, 23), balance_minor=100_000, amount_minor=40_001,
        instalments=[(date(2026, 12, 1), 40_001)],
    )  # fmt: skip
    html = renderer.settlement_confirmation_html(letter)
    assert_prints(renderer, html,
                  "We agreed to accept $400.01 to settle it, in one payment due on December 1, "
                  "2026.", "Amount forgiven once all payments clear $599.99",
                  "Your account will be settled and closed once all payments clear.")  # fmt: skip
    assert "IRS" not in html
    assert "Payment Due on" not in re.sub(r"<[^>]+>", " ", html)  # no schedule for a lump sum


def test_a_first_party_creditor_says_we_may_report_the_amount_forgiven(
    renderer: LetterRenderer,
) -> None:
    letter = settlement_confirmation(
        head=head("ST-42-3", date(2026, 11, 23), kind="first_party"),
        agreed_on=date(2026, 11, 23), balance_minor=100_000, amount_minor=40_000,
        instalments=[(date(2026, 12, 1), 40_000)],
    )  # fmt: skip
    assert_prints(
        renderer,
        renderer.settlement_confirmation_html(letter),
        "We may be required to report the amount forgiven ($600.00) to the IRS.",
    )


def test_further_wording_the_rules_require_is_printed(renderer: LetterRenderer) -> None:
    letter = PaymentConfirmation(
        head=replace(head("PC-8", date(2026, 11, 23)),
                     disclosures=("The law limits how long you can be sued on a debt.",)),
        amount=usd(1_000), received_on=date(2026, 11, 20), method="Card",
        payment_reference="CARD-1", balance_after=usd(0),
    )  # fmt: skip
    assert_prints(renderer, renderer.payment_confirmation_html(letter),
                  "The law limits how long you can be sued on a debt.",
                  "Balance after this payment $0.00")  # fmt: skip


def test_a_broken_promise_notice_asks_the_consumer_to_call_and_threatens_nothing(
    renderer: LetterRenderer,
) -> None:
    letter = broken_notice(
        head=head("BP-42-1", date(2026, 12, 5)), kind="promise", agreed_on=date(2026, 11, 23),
        missed_on=date(2026, 11, 30), missed_minor=20_000, received_minor=0,
        ended_on=date(2026, 12, 4), balance_minor=45_000,
    )  # fmt: skip
    html = renderer.broken_notice_html(letter)
    text = assert_prints(
        renderer, html, "We did not receive the payment you promised",
        "On November 23, 2026 you told us you would pay $200.00 by November 30, 2026. We did "
        "not receive that payment by its due date.",
        "Balance owed on December 5, 2026 $450.00",
        "If you have already paid, please call us so that we can find your payment.",
        DEBT_COLLECTOR_LINE,
    )  # fmt: skip
    assert "received" not in text.split("by its due date.")[1].split("Balance")[0]
