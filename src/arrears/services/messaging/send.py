"""``arrears send``: the letters, emails and texts the strategies planned, judged and sent.

Each planned action due by the day is judged by the rules at the moment it would go, to the
contact point it would go to: allowed, it is rendered from the latest approved version of its
template and sent; refused for good, it is kept as blocked with every reason and the rule pack
version; refused only until later that day or within the days it may still go
(``STALE_DAYS``), it waits for the next run. An action that has been due too long is skipped.

Nothing is sent twice. An email or a text is first recorded as being sent (its action and its
message ``sending``, committed), then handed to the channel, then recorded as sent with its
attempt. A run killed between the two finds the action still ``sending`` and counts it as sent
without handing it over again: at most once, because a duplicate collection message is itself
a contact the rules count, and harm a missing one is not. A letter is sent when it is rendered
and recorded; the run then gathers the day's letters into one print batch (merged PDF and
manifest for the mail vendor), which a re-run makes only for letters not yet in one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from arrears.core.compliance import Channel, ContactRequest, Decision, Purpose, evaluate
from arrears.core.letters import CampaignLetter
from arrears.core.letters.printing import PrintLetter
from arrears.core.messaging import OutboundEmail, OutboundSms, SendStatus
from arrears.core.messaging import templates as core_templates
from arrears.core.ports import (
    DocumentStore,
    EmailSender,
    LetterRenderer,
    PrintBatcher,
    SmsSender,
)
from arrears.core.strategies import StepAction
from arrears.data.accounts.models import Account, AccountParty
from arrears.data.messaging.models import (
    MessageStatus,
    MessageTemplate,
    OutboundMessage,
    PrintBatch,
)
from arrears.data.parties.models import ContactPoint, ContactStatus
from arrears.data.strategies.models import ActionStatus, PlannedAction
from arrears.services.common import (
    Actor,
    audit_record,
    document_store,
    email_sender,
    letter_renderer,
    print_batcher,
    sms_sender,
)
from arrears.services.compliance.notices import (
    address_lines,
    consumer_point,
    validation_notice_send_one,
)
from arrears.services.compliance.operations import contact_attempt_record, contactability_refresh
from arrears.services.compliance.snapshots import contact_snapshot, packs_in_force
from arrears.services.letters.money import MET_BY_LAYOUT, NoMailingAddress, letter_head
from arrears.services.messaging.optout import mask_address, opt_out_url
from arrears.services.messaging.templates import account_values, templates_in_use
from arrears.services.strategies.nightly import crash_point

# An action not sent within this many days of falling due is skipped: a "day 5" email sent on
# day 30 is no longer the treatment the strategy chose.
STALE_DAYS = 7
# Letters are judged as if posted at 09:00 in New York on the day they are sent.
POSTING_TIME = time(9, 0)
POSTING_ZONE = ZoneInfo("America/New_York")
SENDABLE = (StepAction.VALIDATION_NOTICE, StepAction.LETTER, StepAction.EMAIL, StepAction.SMS)
CHUNK = 500
SOURCE = "strategy"


@dataclass
class SendReport:
    as_of: date
    due: int = 0
    sent: Counter[str] = field(default_factory=Counter)  # by action
    blocked: Counter[str] = field(default_factory=Counter)  # by the rules that blocked
    skipped: Counter[str] = field(default_factory=Counter)  # by reason
    waiting: Counter[str] = field(default_factory=Counter)  # by reason
    failed: int = 0
    resumed: int = 0  # found handed to the channel by a run that stopped: counted as sent
    batches: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "due": self.due,
            "sent": dict(sorted(self.sent.items())),
            "blocked": dict(sorted(self.blocked.items())),
            "skipped": dict(sorted(self.skipped.items())),
            "waiting": dict(sorted(self.waiting.items())),
            "failed": self.failed,
            "resumed": self.resumed,
            "batches": self.batches,
        }


@dataclass
class _Channels:
    store: DocumentStore
    renderer: LetterRenderer
    email: EmailSender
    sms: SmsSender
    templates: dict[str, MessageTemplate]


def _reasons(decision: Decision) -> list[dict[str, Any]]:
    return [r.as_dict() for r in decision.reasons]


def _decide(action: PlannedAction, status: str, *, now: datetime, detail: str = "",
            decision: Decision | None = None) -> None:  # fmt: skip
    action.status, action.decided_at, action.detail = status, now, detail[:200]
    if decision is not None:
        action.allowed = decision.allowed
        action.reasons = _reasons(decision)
        action.pack_version = decision.pack_version
    action.save(update_fields=["status", "decided_at", "detail", "allowed", "reasons",
                               "pack_version"])  # fmt: skip


def _wait(action: PlannedAction, detail: str, report: SendReport, key: str) -> None:
    if action.detail != detail[:200]:
        action.detail = detail[:200]
        action.save(update_fields=["detail"])
    report.waiting[key] += 1


def _blocked_for_good(decision: Decision, action: PlannedAction) -> bool:
    """Refused beyond the days the action may still go (or with no known end)."""
    if decision.earliest is None:
        return True
    last_day = action.due_on + timedelta(days=STALE_DAYS)
    return decision.earliest.astimezone(POSTING_ZONE).date() > last_day


def _judge(account_id: int, channel: Channel, at: datetime, point: ContactPoint | None) -> (
    Decision
):  # fmt: skip
    snap = contact_snapshot(account_id, at=at)
    assert snap is not None
    return evaluate(
        packs_in_force(), snap,
        ContactRequest(channel=channel, at=at, purpose=Purpose.COLLECTION,
                       contact_point_id=str(point.pk) if point else None),
    )  # fmt: skip


def _refused(action: PlannedAction, decision: Decision, report: SendReport, now: datetime) -> None:
    rules = ",".join(sorted({r.rule_id for r in decision.blocks}))
    if _blocked_for_good(decision, action):
        with transaction.atomic():
            _decide(action, ActionStatus.BLOCKED, now=now, decision=decision,
                    detail=f"blocked by {rules}")  # fmt: skip
        report.blocked[rules] += 1
    else:
        assert decision.earliest is not None
        _wait(action, f"waiting until {decision.earliest.isoformat()} ({rules})", report, rules)


def _message_key(account_id: int, reference: str, suffix: str) -> str:
    return f"accounts/{account_id}/messages/{reference}.{suffix}"


def _send_notice(action: PlannedAction, *, as_of: date, actor: Actor, now: datetime,
                 ch: _Channels, report: SendReport) -> None:  # fmt: skip
    outcome = validation_notice_send_one(
        action.account_id, as_of=as_of, actor=actor, now=now, store=ch.store, renderer=ch.renderer
    )
    with transaction.atomic():
        if outcome.reference:
            action.attempt_id = outcome.attempt_id
            action.save(update_fields=["attempt"])
            _decide(action, ActionStatus.SENT, now=now, decision=outcome.decision,
                    detail=outcome.reference)  # fmt: skip
            report.sent[action.action] += 1
        elif outcome.skipped.startswith("blocked:") and outcome.decision is not None:
            _decide(action, ActionStatus.BLOCKED, now=now, decision=outcome.decision,
                    detail=outcome.skipped)  # fmt: skip
            report.blocked[outcome.skipped.removeprefix("blocked:")] += 1
        else:
            _decide(action, ActionStatus.SKIPPED, now=now, decision=outcome.decision,
                    detail=outcome.skipped)  # fmt: skip
            report.skipped[outcome.skipped] += 1


def _send_letter(action: PlannedAction, template: MessageTemplate, *, as_of: date, actor: Actor,
                 now: datetime, ch: _Channels, report: SendReport) -> None:  # fmt: skip
    found = consumer_point(action.account_id, "address", as_of)
    if found is None:
        with transaction.atomic():
            _decide(action, ActionStatus.SKIPPED, now=now, detail="no_mailing_address")
        report.skipped["no_mailing_address"] += 1
        return
    _party, point = found
    posted_at = datetime.combine(as_of, POSTING_TIME, tzinfo=POSTING_ZONE)
    decision = _judge(action.account_id, Channel.LETTER, posted_at, point)
    if not decision.allowed:
        _refused(action, decision, report, now)
        return
    account = Account.objects.select_related("client").get(pk=action.account_id)
    reference = f"MSG-{action.pk}"
    try:
        head = letter_head(account, reference=reference, sent_on=as_of)
    except NoMailingAddress:  # pragma: no cover - the point was found above
        return
    extra = tuple(r.message for r in decision.requirements if r.rule_id not in MET_BY_LAYOUT)
    if extra:
        head = replace(head, disclosures=extra)
    values = account_values(account, today=as_of)
    text = core_templates.render_text(template.body, values)
    heading = core_templates.render_text(template.subject, values).strip() or template.name
    letter = CampaignLetter(head, heading, tuple(core_templates.paragraphs(text)))
    html = ch.renderer.campaign_letter_html(letter)
    key = _message_key(action.account_id, reference, "html")
    ch.store.put(key, html.encode("utf-8"))
    with transaction.atomic():
        attempt = contact_attempt_record(
            account_id=action.account_id, channel="letter", direction="outbound",
            outcome="sent", at=posted_at, actor=actor, now=max(now, posted_at),
            purpose="collection", contact_point_id=point.pk, source=SOURCE,
            key=f"msg:{reference}",
        ).attempt  # fmt: skip
        message = OutboundMessage.objects.create(
            reference=reference, account_id=action.account_id, channel="letter",
            template=template, contact_point=point, to=address_lines(point)[-1],
            status=MessageStatus.SENT, provider="print", subject=heading[:200],
            content_key=key, attempt=attempt, sent_at=posted_at, updated_at=now,
        )  # fmt: skip
        action.attempt, action.message = attempt, message
        action.save(update_fields=["attempt", "message"])
        _decide(action, ActionStatus.SENT, now=now, decision=decision, detail=reference)
    report.sent[action.action] += 1


def _mask(point: ContactPoint) -> str:
    if point.kind == "email":
        return mask_address(point.email)
    return f"***-***-{point.phone_e164[-4:]}"


def _hand_over(action: PlannedAction, template: MessageTemplate, point: ContactPoint,
               decision: Decision, *, as_of: date, actor: Actor, now: datetime,
               ch: _Channels, report: SendReport) -> None:  # fmt: skip
    """Record the message as being sent, hand it to the channel, record the answer."""
    account = Account.objects.select_related("client").get(pk=action.account_id)
    values = account_values(account, today=as_of)
    reference = f"MSG-{action.pk}"
    if action.action == StepAction.EMAIL:
        url = opt_out_url(account_id=account.pk, contact_point_id=point.pk, channel="email")
        mail = core_templates.render_email(template.subject, template.body, values, url)
        content, subject = mail.text, mail.subject
        outbound: OutboundEmail | OutboundSms = OutboundEmail(
            reference=reference, to=point.email, subject=mail.subject, text=mail.text,
            html=mail.html, opt_out_url=url,
        )  # fmt: skip
        provider = ch.email.name
    else:
        content, subject = core_templates.render_sms(template.body, values), ""
        outbound = OutboundSms(reference=reference, to=point.phone_e164, body=content)
        provider = ch.sms.name
    key = _message_key(account.pk, reference, "txt")
    ch.store.put(key, content.encode("utf-8"))
    if isinstance(outbound, OutboundEmail):
        parts = {"subject": outbound.subject, "html": outbound.html,
                 "opt_out_url": outbound.opt_out_url}  # fmt: skip
        ch.store.put(_message_key(account.pk, reference, "eml.json"), json.dumps(parts).encode())
    with transaction.atomic():
        OutboundMessage.objects.filter(reference=reference, status=MessageStatus.FAILED).delete()
        message = OutboundMessage.objects.create(
            reference=reference, account=account, channel=action.action, template=template,
            contact_point=point, to=_mask(point), status=MessageStatus.SENDING,
            provider=provider, subject=subject[:200], content_key=key, sent_at=now,
            updated_at=now,
        )  # fmt: skip
        action.message = message
        action.save(update_fields=["message"])
        _decide(action, ActionStatus.SENDING, now=now, decision=decision, detail=reference)
    crash_point(f"send.{action.action}.handing")
    if isinstance(outbound, OutboundEmail):
        result = ch.email.send(outbound)
    else:
        result = ch.sms.send(outbound)
    crash_point(f"send.{action.action}.handed")
    if result.status is SendStatus.ERROR:
        with transaction.atomic():
            message.status, message.error = MessageStatus.FAILED, result.error[:300]
            message.save(update_fields=["status", "error"])
            action.message = None
            action.save(update_fields=["message"])
            _decide(action, ActionStatus.PLANNED, now=now, decision=decision,
                    detail=f"channel error, to try again: {result.error}")  # fmt: skip
        report.waiting["channel_error"] += 1
        return
    if result.status is SendStatus.REJECTED:
        with transaction.atomic():
            message.status, message.error = MessageStatus.FAILED, result.error[:300]
            message.provider_id = result.provider_id[:200]
            message.updated_at = now
            message.save(update_fields=["status", "error", "provider_id", "updated_at"])
            _decide(action, ActionStatus.FAILED, now=now, decision=decision,
                    detail=f"refused by the channel: {result.error}")  # fmt: skip
            _mark_bad(point, why=result.error, actor=actor, now=now, account_id=account.pk)
        report.failed += 1
        return
    _record_sent(action, message, provider_id=result.provider_id, actor=actor, now=now)
    report.sent[action.action] += 1


def _mark_bad(point: ContactPoint, *, why: str, actor: Actor, now: datetime,
              account_id: int) -> None:  # fmt: skip
    if point.status == ContactStatus.BAD:
        return
    point.status = ContactStatus.BAD
    point.save(update_fields=["status"])
    audit_record(actor=actor, event="contact_point.marked_bad", account_id=account_id,
                 party_id=point.party_id, at=now,
                 details={"contact_point": point.pk, "kind": point.kind, "why": why[:200]})  # fmt: skip
    contactability_refresh([account_id], at=now)


def _record_sent(action: PlannedAction, message: OutboundMessage, *, provider_id: str,
                 actor: Actor, now: datetime, note: str = "") -> None:  # fmt: skip
    with transaction.atomic():
        attempt = contact_attempt_record(
            account_id=action.account_id, channel=action.action, direction="outbound",
            outcome="sent", at=min(message.sent_at, now), actor=actor, now=now,
            purpose="collection", contact_point_id=message.contact_point_id, source=SOURCE,
            key=f"msg:{message.reference}", already_made=True, note=note,
        ).attempt  # fmt: skip
        message.status, message.attempt = MessageStatus.SENT, attempt
        message.provider_id, message.updated_at = provider_id[:200], now
        message.error = note[:300]
        message.save(update_fields=["status", "attempt", "provider_id", "updated_at", "error"])
        action.attempt, action.status, action.decided_at = attempt, ActionStatus.SENT, now
        action.save(update_fields=["attempt", "status", "decided_at"])


def _send_electronic(action: PlannedAction, template: MessageTemplate, *, as_of: date,
                     actor: Actor, now: datetime, ch: _Channels, report: SendReport) -> None:  # fmt: skip
    kind = "email" if action.action == StepAction.EMAIL else "phone"
    found = consumer_point(action.account_id, kind, as_of)
    if found is None:
        reason = "no_email_address" if kind == "email" else "no_mobile_number"
        with transaction.atomic():
            _decide(action, ActionStatus.SKIPPED, now=now, detail=reason)
        report.skipped[reason] += 1
        return
    _party, point = found
    channel = Channel.EMAIL if kind == "email" else Channel.SMS
    decision = _judge(action.account_id, channel, now, point)
    if not decision.allowed:
        _refused(action, decision, report, now)
        return
    _hand_over(action, template, point, decision, as_of=as_of, actor=actor, now=now, ch=ch,
               report=report)  # fmt: skip


def _resume(actor: Actor, now: datetime, report: SendReport, ch: _Channels) -> None:
    """Actions a stopped run handed to the channel without recording the answer: counted as
    sent (see the module docstring) unless the channel says it never took the message, which
    is then handed over again now."""
    for action in PlannedAction.objects.filter(status=ActionStatus.SENDING).select_related(
        "message"
    ):
        message = action.message
        if message is None:  # pragma: no cover - written together
            continue
        sender = ch.email if action.action == StepAction.EMAIL else ch.sms
        asked = getattr(sender, "delivered", None)
        if asked is not None and asked(message.reference) is False:
            _hand_again(action, message, actor=actor, now=now, ch=ch, report=report)
            continue
        _record_sent(action, message, provider_id=message.provider_id, actor=actor, now=now,
                     note="the channel's answer was lost; counted as sent")  # fmt: skip
        report.resumed += 1
        report.sent[action.action] += 1


def _hand_again(action: PlannedAction, message: OutboundMessage, *, actor: Actor,
                now: datetime, ch: _Channels, report: SendReport) -> None:  # fmt: skip
    """Hand over a message the channel never took, exactly as it was rendered then."""
    point = message.contact_point
    content = ch.store.get(message.content_key).decode("utf-8")
    if action.action == StepAction.EMAIL:
        assert point is not None
        mail = ch.store.get(_message_key(action.account_id, message.reference, "eml.json"))
        parts = json.loads(mail)
        result = ch.email.send(OutboundEmail(
            reference=message.reference, to=point.email, subject=parts["subject"], text=content,
            html=parts["html"], opt_out_url=parts["opt_out_url"],
        ))  # fmt: skip
    else:
        assert point is not None
        result = ch.sms.send(OutboundSms(reference=message.reference, to=point.phone_e164,
                                         body=content))  # fmt: skip
    if result.status is SendStatus.ACCEPTED:
        _record_sent(action, message, provider_id=result.provider_id, actor=actor, now=now)
        report.resumed += 1
        report.sent[action.action] += 1
        return
    with transaction.atomic():
        message.status, message.error = MessageStatus.FAILED, result.error[:300]
        message.save(update_fields=["status", "error"])
        action.message = None
        action.save(update_fields=["message"])
        _decide(action, ActionStatus.PLANNED, now=now, detail=f"to try again: {result.error}")
    report.waiting["channel_error"] += 1


def send_run(
    *, as_of: date, actor: Actor, now: datetime, store: DocumentStore | None = None,
    renderer: LetterRenderer | None = None, email: EmailSender | None = None,
    sms: SmsSender | None = None, batcher: PrintBatcher | None = None,
    out_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SendReport:  # fmt: skip
    """Send what the strategies planned up to ``as_of`` (see the module docstring)."""
    report = SendReport(as_of=as_of)
    due = PlannedAction.objects.filter(
        status=ActionStatus.PLANNED, due_on__lte=as_of, action__in=[a.value for a in SENDABLE]
    )
    ids = list(due.order_by("id").values_list("id", flat=True))
    report.due = len(ids)
    codes = set(due.exclude(template="").values_list("template", flat=True).distinct())
    ch = _Channels(
        store=store or document_store(), renderer=renderer or letter_renderer(),
        email=email or email_sender(), sms=sms or sms_sender(), templates=templates_in_use(codes),
    )  # fmt: skip
    _resume(actor, now, report, ch)
    done = 0
    for start in range(0, len(ids), CHUNK):
        for action in PlannedAction.objects.filter(pk__in=ids[start : start + CHUNK]).order_by(
            "id"
        ):
            done += 1
            if action.status != ActionStatus.PLANNED:
                continue  # another run took it
            if action.due_on < as_of - timedelta(days=STALE_DAYS):
                with transaction.atomic():
                    _decide(action, ActionStatus.SKIPPED, now=now, detail="stale")
                report.skipped["stale"] += 1
                continue
            if action.action == StepAction.VALIDATION_NOTICE:
                _send_notice(action, as_of=as_of, actor=actor, now=now, ch=ch, report=report)
                continue
            template = ch.templates.get(action.template)
            if template is None:
                _wait(action, f"no approved version of template {action.template!r}", report,
                      "template_not_approved")  # fmt: skip
                continue
            if action.action == StepAction.LETTER:
                _send_letter(action, template, as_of=as_of, actor=actor, now=now, ch=ch,
                             report=report)  # fmt: skip
            else:
                _send_electronic(action, template, as_of=as_of, actor=actor, now=now, ch=ch,
                                 report=report)  # fmt: skip
            if progress is not None:
                progress(done, len(ids))
        crash_point("send.chunk")
    report.batches = print_batches_make(as_of=as_of, now=now, store=ch.store, batcher=batcher,
                                        out_dir=out_dir)  # fmt: skip
    if report.due or report.resumed:
        with transaction.atomic():
            audit_record(actor=actor, event="send.ran", at=now, details=report.as_dict())
    return report


def print_batches_make(*, as_of: date, now: datetime, store: DocumentStore,
                       batcher: PrintBatcher | None = None,
                       out_dir: Path | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Gather the letters sent up to ``as_of`` and not yet in a print batch into one: its PDF
    and manifest kept in the document store (and copied to ``out_dir`` when given)."""
    letters = list(
        OutboundMessage.objects.filter(
            channel="letter", batch__isnull=True, status=MessageStatus.SENT,
            sent_at__lt=datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=POSTING_ZONE),
        )
        .select_related("contact_point", "account")
        .order_by("id")
    )  # fmt: skip
    if not letters:
        return []
    batcher = batcher or print_batcher()
    made = PrintBatch.objects.filter(reference__startswith=f"PB-{as_of:%Y%m%d}-").count()
    reference = f"PB-{as_of:%Y%m%d}-{made + 1}"
    items = []
    for message in letters:
        point = message.contact_point
        party_name = _addressee(message.account_id)
        items.append(PrintLetter(
            reference=message.reference, account_id=message.account_id,
            html=store.get(message.content_key).decode("utf-8"), name=party_name,
            address_lines=address_lines(point) if point else (), zip_code=point.zip if point else "",
        ))  # fmt: skip
    printed = batcher.batch(items, reference=reference)
    pdf_key, manifest_key = f"print/{reference}.pdf", f"print/{reference}.csv"
    store.put(pdf_key, printed.pdf)
    store.put(manifest_key, printed.manifest_csv)
    store.put(f"print/{reference}.json", printed.manifest_json)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{reference}.pdf").write_bytes(printed.pdf)
        (out_dir / f"{reference}.csv").write_bytes(printed.manifest_csv)
        (out_dir / f"{reference}.json").write_bytes(printed.manifest_json)
    crash_point("send.batch.stored")
    with transaction.atomic():
        batch = PrintBatch.objects.create(
            reference=reference, as_of=as_of, letters=printed.letters, pages=printed.pages,
            sheets=printed.sheets, pdf_key=pdf_key, manifest_key=manifest_key,
            sha256=printed.sha256, created_at=now,
        )  # fmt: skip
        OutboundMessage.objects.filter(pk__in=[m.pk for m in letters]).update(batch=batch)
    return [{"reference": reference, "letters": printed.letters, "pages": printed.pages,
             "sheets": printed.sheets}]  # fmt: skip


def _addressee(account_id: int) -> str:
    link = AccountParty.objects.filter(account_id=account_id, role="primary").select_related(
        "party"
    ).first()  # fmt: skip
    return link.party.display_name if link else ""
