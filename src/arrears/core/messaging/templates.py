"""Message templates: plain text with ``{{ placeholder }}`` names and nothing else.

A template is the part of a letter, email or text that a supervisor writes and compliance
approves. It may hold only text and placeholders from ``PLACEHOLDERS``: no conditions, loops,
filters or attribute look-ups, so that what compliance reads is what consumers get, and an
unknown or misspelt name is refused when the template is saved (``template_problems``), never
rendered as a blank. What the law requires in every message is added around the author's
text, not left to the author: the debt-collector disclosure (15 U.S.C. 1692e(11)) in each
channel, and the opt-out instruction of 12 CFR 1006.6(e) in emails (a link) and texts (reply
STOP). A blank line separates paragraphs; letters and HTML emails escape every value.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

# Each name a template may use, and what it is (shown to authors in the editor).
PLACEHOLDERS: dict[str, str] = {
    "consumer_name": "The consumer's full name",
    "consumer_first_name": "The consumer's first name",
    "client_name": "The creditor the debt is owed to now",
    "original_creditor": "The creditor on the itemization date",
    "account_number": "The creditor's account number, masked to its last four digits",
    "our_reference": "Our reference for the account, to quote when paying or writing",
    "balance": "The balance owed today, as $1,234.56",
    "today": "Today's date, as November 24, 2026",
    "collector_name": "Our name",
    "collector_phone": "Our telephone number",
    "collector_hours": "When we answer the telephone",
    "collector_website": "Our website",
}
CHANNELS = ("letter", "email", "sms")
MAX_SUBJECT = 150
MAX_BODY = 20_000
# A text of more than two segments is split three ways by most carriers and costs three times.
MAX_SMS = 320
DISCLOSURE = "This communication is from a debt collector."
SMS_SUFFIX = "This is a debt collector. Reply STOP to opt out."
EMAIL_OPT_OUT = "To stop receiving emails from us, use this link: {url}"

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


@dataclass(frozen=True)
class Problem:
    field: str  # "subject" or "body"
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.field}{where}: {self.message}"


def _check(text: str, field: str) -> list[Problem]:
    try:
        tree = _env.parse(text)
    except TemplateSyntaxError as error:
        return [Problem(field, f"cannot be read: {error.message}", error.lineno)]
    problems: list[Problem] = []
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            problems.append(Problem(field, "only text and {{ placeholders }} are allowed",
                                    node.lineno))  # fmt: skip
            continue
        for part in node.nodes:
            if isinstance(part, nodes.TemplateData):
                continue
            if isinstance(part, nodes.Name) and part.ctx == "load":
                if part.name not in PLACEHOLDERS:
                    problems.append(Problem(
                        field, f"{{{{ {part.name} }}}} is not a placeholder (known: "
                               f"{', '.join(sorted(PLACEHOLDERS))})", part.lineno,
                    ))  # fmt: skip
                continue
            problems.append(Problem(field, "a placeholder is a name alone, as {{ balance }}",
                                    part.lineno))  # fmt: skip
    return problems


def template_problems(channel: str, subject: str, body: str) -> list[Problem]:
    """Everything wrong with a template as written; empty when it may be saved."""
    problems: list[Problem] = []
    if channel not in CHANNELS:
        return [Problem("channel", f"must be one of {', '.join(CHANNELS)}")]
    if not body.strip():
        problems.append(Problem("body", "is empty"))
    if len(body) > MAX_BODY:
        problems.append(Problem("body", f"is longer than {MAX_BODY:,} characters"))
    if channel == "email":
        if not subject.strip():
            problems.append(Problem("subject", "an email needs a subject"))
        elif len(subject) > MAX_SUBJECT or "\n" in subject:
            problems.append(Problem("subject", f"one line of at most {MAX_SUBJECT} characters"))
        problems.extend(_check(subject, "subject"))
    elif channel == "letter":
        if len(subject) > MAX_SUBJECT or "\n" in subject:
            problems.append(Problem("subject", f"one line of at most {MAX_SUBJECT} characters"))
        problems.extend(_check(subject, "subject"))
    elif subject.strip():
        problems.append(Problem("subject", f"a {channel} has no subject"))
    problems.extend(_check(body, "body"))
    if channel == "sms" and not problems:
        longest = render_text(body, {name: "x" * 30 for name in PLACEHOLDERS})
        if len(longest) + 1 + len(SMS_SUFFIX) > MAX_SMS:
            problems.append(Problem("body", f"a text with its opt-out sentence must fit in "
                                            f"{MAX_SMS} characters"))  # fmt: skip
    return problems


def render_text(text: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by its value, as plain text."""
    missing = sorted(set(PLACEHOLDERS) - set(values))
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return _env.from_string(text).render(dict(values))


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a rendered text: separated by blank lines, inner line breaks kept."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


def paragraphs_html(text: str) -> str:
    return "\n".join(
        "<p>" + html.escape(block).replace("\n", "<br>") + "</p>" for block in paragraphs(text)
    )


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(subject: str, body: str, values: Mapping[str, str], opt_out_url: str) -> (
    RenderedEmail
):  # fmt: skip
    """An email as sent: the author's text, then the disclosure and the opt-out link."""
    main = render_text(body, values).strip()
    opt_out = EMAIL_OPT_OUT.format(url=opt_out_url)
    text = f"{main}\n\n{DISCLOSURE}\n\n{opt_out}\n"
    link = html.escape(opt_out_url, quote=True)
    body_html = (
        f"{paragraphs_html(main)}\n<p>{html.escape(DISCLOSURE)}</p>\n"
        f'<p style="font-size:smaller">To stop receiving emails from us, '
        f'<a href="{link}">use this link</a>.</p>'
    )
    page = f'<!doctype html><html><body style="font-family:sans-serif">{body_html}</body></html>'
    return RenderedEmail(render_text(subject, values).strip(), text, page)


def render_sms(body: str, values: Mapping[str, str]) -> str:
    """A text as sent: the author's words, then who we are and how to stop texts."""
    main = " ".join(render_text(body, values).split())
    return f"{main} {SMS_SUFFIX}"


def sample_values(**overrides: Any) -> dict[str, str]:
    """Values for previewing a template without an account."""
    values = {
        "consumer_name": "Jordan Sample",
        "consumer_first_name": "Jordan",
        "client_name": "Sample Bank",
        "original_creditor": "Sample Card Services",
        "account_number": "ending 1234",
        "our_reference": "42",
        "balance": "$1,234.56",
        "today": "November 24, 2026",
        "collector_name": "Arrears Collections",
        "collector_phone": "(800) 555-0100",
        "collector_hours": "Monday to Friday, 8 a.m. to 8 p.m. Eastern",
        "collector_website": "https://example.com",
    }
    values.update({k: str(v) for k, v in overrides.items()})
    return values
