"""Message templates: saved as versions, approved by compliance, previewed on an account.

Saving a text that differs from the latest version makes a new version, a draft; saving the
same text again changes nothing. Only someone in the compliance role may approve or send back
a draft, and not the draft's own author. Strategies send the latest approved version of a code,
so a change waits for approval without stopping the approved text from going out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from arrears.core.compliance.validation import mask_account_number
from arrears.core.messaging import templates as core_templates
from arrears.core.money import Money
from arrears.data.accounts.models import Account, AccountParty
from arrears.data.messaging.models import MessageTemplate, TemplateStatus
from arrears.data.users.models import Role, User
from arrears.services.common import Actor, NotFound, ServiceError, audit_record

REVIEWERS = (Role.COMPLIANCE,)
# Codes that are addresses of the editor's own pages (/templates/new/, /templates/preview/).
RESERVED_CODES = frozenset({"new", "preview"})


class TemplateInvalid(ServiceError):
    """The text cannot be saved: ``problems`` lists every fault, the message the first."""

    def __init__(self, problems: list[core_templates.Problem]) -> None:
        first = problems[0]
        super().__init__(str(first), field=first.field)
        self.problems = problems


def template_save(
    *, code: str, channel: str, name: str, body: str, actor: Actor, now: datetime,
    subject: str = "",
) -> MessageTemplate:  # fmt: skip
    """Save a template's text as its next version (a draft), or return the latest version when
    the text is unchanged. Refused with every problem when a placeholder is unknown."""
    code = code.strip().lower()
    if not code or len(code) > 40 or not all(c.isalnum() or c in "-_" for c in code):
        raise ServiceError("a template code is 1 to 40 letters, digits, - or _", field="code")
    if code in RESERVED_CODES:
        raise ServiceError(f"{code!r} names a page of the editor; choose another", field="code")
    if not name.strip():
        raise ServiceError("a template needs a name", field="name")
    problems = core_templates.template_problems(channel, subject, body)
    if problems:
        raise TemplateInvalid(problems)
    with transaction.atomic():
        latest = (
            MessageTemplate.objects.select_for_update().filter(code=code).order_by("-version")
        ).first()
        if latest is not None:
            if latest.channel != channel:
                raise ServiceError(f"template {code!r} is a {latest.channel} template",
                                   field="channel")  # fmt: skip
            if (latest.name, latest.subject, latest.body) == (name.strip(), subject.strip(), body):
                return latest
        version = (latest.version + 1) if latest else 1
        row = MessageTemplate.objects.create(
            code=code, version=version, channel=channel, name=name.strip(),
            subject=subject.strip(), body=body, status=TemplateStatus.DRAFT,
            created_by_id=actor.user_id, created_at=now,
        )  # fmt: skip
        audit_record(actor=actor, event="template.saved", at=now,
                     details={"template": code, "version": version, "channel": channel})  # fmt: skip
    return row


def template_review(
    *, code: str, version: int, approve: bool, actor: Actor, now: datetime, note: str = ""
) -> MessageTemplate:
    """Approve a draft, or send it back with a note. Compliance only, never its author."""
    user = User.objects.filter(pk=actor.user_id).first() if actor.user_id else None
    if user is None or user.role not in REVIEWERS:
        raise ServiceError("only the compliance role approves templates", field="actor")
    if not approve and not note.strip():
        raise ServiceError("say what to change when sending a template back", field="note")
    with transaction.atomic():
        row = (
            MessageTemplate.objects.select_for_update()
            .filter(code=code.strip().lower(), version=version)
            .first()
        )
        if row is None:
            raise NotFound(f"no template {code!r} version {version}", field="version")
        if row.status != TemplateStatus.DRAFT:
            raise ServiceError(f"version {version} is {row.get_status_display().lower()}",
                               field="version")  # fmt: skip
        if row.created_by_id == user.pk:
            raise ServiceError("a template is approved by someone other than its author",
                               field="actor")  # fmt: skip
        row.status = TemplateStatus.APPROVED if approve else TemplateStatus.REJECTED
        row.reviewed_by_id, row.reviewed_at, row.review_note = user.pk, now, note.strip()
        row.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        audit_record(
            actor=actor, event="template.approved" if approve else "template.sent_back", at=now,
            details={"template": row.code, "version": version, "note": note.strip()},
        )  # fmt: skip
    return row


def template_in_use(code: str) -> MessageTemplate | None:
    """The latest approved version of a template: the one strategies send."""
    return (
        MessageTemplate.objects.filter(code=code, status=TemplateStatus.APPROVED)
        .order_by("-version")
        .first()
    )


def templates_in_use(codes: set[str]) -> dict[str, MessageTemplate]:
    latest = (
        MessageTemplate.objects.filter(code__in=codes, status=TemplateStatus.APPROVED)
        .values("code")
        .annotate(v=Max("version"))
    )
    pairs = {(row["code"], row["v"]) for row in latest}
    rows = MessageTemplate.objects.filter(code__in=codes, status=TemplateStatus.APPROVED)
    return {t.code: t for t in rows if (t.code, t.version) in pairs}


def _money_text(minor: int, currency: str) -> str:
    amount = Decimal(Money.from_minor(minor, currency).amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def account_values(account: Account, *, today: date) -> dict[str, str]:
    """Each placeholder's value for an account on a day."""
    link = (
        AccountParty.objects.filter(account=account, role="primary").select_related("party").first()
    )
    name = link.party.display_name if link else ""
    first = (link.party.first_name if link else "") or name
    collector: dict[str, Any] = settings.ARREARS_COLLECTOR
    client = account.client
    sender = client.name if client.kind == "first_party" else str(collector["name"])
    return {
        "consumer_name": name,
        "consumer_first_name": first,
        "client_name": client.name,
        "original_creditor": account.original_creditor,
        "account_number": mask_account_number(account.original_account_number),
        "our_reference": str(account.pk),
        "balance": _money_text(account.balance_minor, account.currency),
        "today": f"{today:%B} {today.day}, {today.year}",
        "collector_name": sender,
        "collector_phone": str(collector["phone"]),
        "collector_hours": str(collector["hours"]),
        "collector_website": str(collector["website"]),
    }


@dataclass(frozen=True)
class Preview:
    channel: str
    subject: str
    text: str
    html: str


def template_preview(
    *, channel: str, subject: str, body: str, today: date, account_id: int | None = None
) -> Preview:
    """A text rendered as it would go, on an account or on sample values; an unsaved text may
    be previewed, so the editor shows problems before saving."""
    problems = core_templates.template_problems(channel, subject, body)
    if problems:
        raise TemplateInvalid(problems)
    if account_id is not None:
        account = Account.objects.select_related("client").filter(pk=account_id).first()
        if account is None:
            raise NotFound(f"no account {account_id}", field="account_id")
        values = account_values(account, today=today)
    else:
        values = core_templates.sample_values()
    if channel == "email":
        mail = core_templates.render_email(subject, body, values, "https://example.com/opt-out/…")
        return Preview(channel, mail.subject, mail.text, mail.html)
    if channel == "sms":
        text = core_templates.render_sms(body, values)
        return Preview(channel, "", text, "")
    text = core_templates.render_text(body, values)
    heading = core_templates.render_text(subject, values).strip()
    return Preview(channel, heading, text, core_templates.paragraphs_html(text))
