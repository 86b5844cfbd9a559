"""Letters as HTML (Jinja2 templates that compliance can review) and PDF (WeasyPrint)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from arrears.adapters.documents import html_to_pdf, template_environment
from arrears.core.compliance.validation import ValidationNotice, VerificationLetter
from arrears.core.letters import (
    BrokenNotice,
    CampaignLetter,
    PaymentConfirmation,
    PlanConfirmation,
    PreDebitNotice,
    ReturnedPaymentNotice,
    SettlementConfirmation,
)
from arrears.core.money import Money

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _money(value: Money) -> str:
    amount = Decimal(value.amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


class LetterRenderer:
    def __init__(self) -> None:
        self.env = template_environment(TEMPLATES)
        self.env.filters["money"] = _money

    def validation_notice_html(self, notice: ValidationNotice) -> str:
        return self.env.get_template("validation_notice.html").render(n=notice)

    def verification_letter_html(self, letter: VerificationLetter) -> str:
        return self.env.get_template("verification_letter.html").render(v=letter)

    # Letters about money share one layout (_money_letter.html): the letter is ``letter`` and
    # its head ``h`` in every template.
    def _money_letter(
        self,
        template: str,
        letter: PaymentConfirmation
        | PreDebitNotice
        | ReturnedPaymentNotice
        | PlanConfirmation
        | SettlementConfirmation
        | BrokenNotice
        | CampaignLetter,
    ) -> str:
        return self.env.get_template(template).render(letter=letter, h=letter.head)

    def payment_confirmation_html(self, letter: PaymentConfirmation) -> str:
        return self._money_letter("payment_confirmation.html", letter)

    def pre_debit_notice_html(self, letter: PreDebitNotice) -> str:
        return self._money_letter("pre_debit_notice.html", letter)

    def returned_payment_notice_html(self, letter: ReturnedPaymentNotice) -> str:
        return self._money_letter("returned_payment_notice.html", letter)

    def plan_confirmation_html(self, letter: PlanConfirmation) -> str:
        return self._money_letter("plan_confirmation.html", letter)

    def settlement_confirmation_html(self, letter: SettlementConfirmation) -> str:
        return self._money_letter("settlement_confirmation.html", letter)

    def broken_notice_html(self, letter: BrokenNotice) -> str:
        return self._money_letter("broken_notice.html", letter)

    def campaign_letter_html(self, letter: CampaignLetter) -> str:
        return self._money_letter("campaign_letter.html", letter)

    def pdf(self, html: str) -> bytes:
        return html_to_pdf(html, TEMPLATES)
