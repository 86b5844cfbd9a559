"""What every document we render shares: a Jinja2 environment over a folder of HTML templates
(autoescaped, strict about missing names) and PDF from HTML by WeasyPrint."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


def long_date(value: date) -> str:
    """A date as a letter writes it: "November 24, 2026"."""
    return f"{value:%B} {value.day}, {value.year}"


def template_environment(templates: Path) -> Environment:
    """The templates in ``templates``, with the ``long_date`` filter."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = long_date
    return env


def html_to_pdf(html: str, templates: Path) -> bytes:
    """The HTML as PDF; stylesheets and images resolve against ``templates``."""
    from weasyprint import HTML  # imported on first use: it takes a second to load

    pdf: bytes = HTML(string=html, base_url=str(templates)).write_pdf()
    return pdf
