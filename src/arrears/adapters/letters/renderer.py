"""Letters as HTML (Jinja2 templates that compliance can review) and PDF (WeasyPrint)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from arrears.core.compliance.validation import ValidationNotice, VerificationLetter
from arrears.core.money import Money

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _money(value: Money) -> str:
    amount = Decimal(value.amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


class LetterRenderer:
    def __init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["money"] = _money
        self.env.filters["long_date"] = _long_date

    def validation_notice_html(self, notice: ValidationNotice) -> str:
        return self.env.get_template("validation_notice.html").render(n=notice)

    def verification_letter_html(self, letter: VerificationLetter) -> str:
        return self.env.get_template("verification_letter.html").render(v=letter)

    def pdf(self, html: str) -> bytes:
        from weasyprint import HTML  # imported on first use: it takes a second to load

        pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
        return pdf
