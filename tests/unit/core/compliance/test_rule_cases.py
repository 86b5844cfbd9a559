"""Every shipped rule, judged on cases that allow and cases that block (or require).

The table below is the evidence for each rule id; ``test_every_shipped_rule_has_both_outcomes``
fails when a rule is added to a pack without an allowing case and a blocking (or requiring)
case here. 2026-11-23 is a Monday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import pytest

from arrears.core.compliance import (
    Attempt,
    Channel,
    CollectorKind,
    ContactPointState,
    ContactRequest,
    ContactSnapshot,
    Direction,
    HoldState,
    InconvenientTime,
    Outcome,
    Purpose,
    Recipient,
    ValidationState,
    Verdict,
    judge,
)
from arrears.core.compliance.model import Effect

from .helpers import PACKS, at, calls, request, snapshot

MA = frozenset({"US", "US-MA"})
NYC = frozenset({"US", "US-NY", "US-NY-NYC"})
WA = frozenset({"US", "US-WA"})
CA = frozenset({"US", "US-CA"})
NYS = frozenset({"US", "US-NY"})


@dataclass(frozen=True)
class Case:
    name: str
    rule: str
    verdict: Verdict
    snap: ContactSnapshot
    req: ContactRequest
    until: str | None = None  # for a block: when the rule stops blocking ("never" = no end)


def hold(kind: str, start: str = "2026-11-01", end: str | None = None) -> HoldState:
    return HoldState(kind, date.fromisoformat(start), date.fromisoformat(end) if end else None)


SEVEN_CALLS = calls(*(f"2026-11-{d} 10:00" for d in (17, 18, 19, 20, 21, 22, 23)))
PASS, BLOCK, EXEMPT, REQUIRE = Verdict.PASS, Verdict.BLOCK, Verdict.EXEMPT, Verdict.REQUIRE

CASES = [
    # --- Regulation F call frequency
    Case("six calls in seven days allow a seventh", "regf.call-frequency", PASS,
         snapshot(attempts=SEVEN_CALLS[:6]), request(when="2026-11-23 11:00")),
    Case("seven calls in seven days block the eighth until the oldest leaves the window",
         "regf.call-frequency", BLOCK, snapshot(attempts=SEVEN_CALLS),
         request(when="2026-11-23 15:00"), until="2026-11-24 00:00"),
    Case("calls not connected are not counted", "regf.call-frequency", PASS,
         snapshot(attempts=calls(*(f"2026-11-{d} 10:00" for d in range(17, 24)),
                                 outcome=Outcome.NOT_CONNECTED)),
         request(when="2026-11-23 15:00")),
    Case("inbound calls are not placed calls", "regf.call-frequency", PASS,
         snapshot(attempts=calls(*(f"2026-11-{d} 10:00" for d in range(17, 24)),
                                 direction=Direction.INBOUND)),
         request(when="2026-11-23 15:00")),
    Case("a call with direct prior consent is not counted", "regf.call-frequency", EXEMPT,
         snapshot(attempts=SEVEN_CALLS, call_consent_until=at("2026-11-25 00:00")),
         request(when="2026-11-23 15:00")),
    Case("a call to the consumer's attorney is not counted", "regf.call-frequency", EXEMPT,
         snapshot(attempts=SEVEN_CALLS), request(when="2026-11-23 15:00",
                                                recipient=Recipient.ATTORNEY)),
    # --- after a conversation
    Case("a Monday conversation blocks calls until the next Monday",
         "regf.call-after-conversation", BLOCK,
         snapshot(attempts=calls("2026-11-23 09:00", outcome=Outcome.CONVERSATION)),
         request(when="2026-11-29 20:00"), until="2026-11-30 00:00"),
    Case("a conversation on an inbound call starts the quiet period too",
         "regf.call-after-conversation", BLOCK,
         snapshot(attempts=calls("2026-11-23 09:00", outcome=Outcome.CONVERSATION,
                                 direction=Direction.INBOUND)),
         request(when="2026-11-24 10:00"), until="2026-11-30 00:00"),
    Case("the following Monday a call is allowed again", "regf.call-after-conversation", PASS,
         snapshot(attempts=calls("2026-11-23 09:00", outcome=Outcome.CONVERSATION)),
         request(when="2026-11-30 09:00")),
    # --- time of day
    Case("10:00 in New York is convenient", "regf.inconvenient-time", PASS,
         snapshot(), request(when="2026-11-23 10:00")),
    Case("07:59 in New York is not", "regf.inconvenient-time", BLOCK,
         snapshot(), request(when="2026-11-23 07:59"), until="2026-11-23 08:00"),
    Case("a Los Angeles area code keeps the call until 08:00 Pacific", "regf.inconvenient-time",
         BLOCK, snapshot(zones=("America/New_York", "America/Los_Angeles")),
         request(when="2026-11-23 10:00"), until="2026-11-23 11:00"),
    Case("unknown location: every US zone must be within the window", "regf.inconvenient-time",
         BLOCK, snapshot(zones=()), request(when="2026-11-23 12:00"), until="2026-11-23 13:00"),
    Case("21:00 is already too late", "regf.inconvenient-time", BLOCK,
         snapshot(), request(when="2026-11-23 21:00"), until="2026-11-24 08:00"),
    # --- consumer-named times
    Case("the consumer said no calls before 10:00 on weekdays",
         "regf.consumer-inconvenient-time", BLOCK,
         snapshot(inconvenient=(InconvenientTime(frozenset(range(5)), time(8), time(10)),)),
         request(when="2026-11-23 09:00"), until="2026-11-23 10:00"),
    Case("the named time does not cover Saturdays", "regf.consumer-inconvenient-time", PASS,
         snapshot(inconvenient=(InconvenientTime(frozenset(range(5)), time(8), time(10)),)),
         request(when="2026-11-28 09:00")),
    # --- workplace
    Case("the employer prohibits calls at work", "regf.workplace", BLOCK,
         snapshot(no_workplace_contact=True), request(contact_point_id="p3"), until="never"),
    Case("a home number is not the workplace", "regf.workplace", PASS,
         snapshot(no_workplace_contact=True), request(contact_point_id="p2")),
    # --- holds
    Case("an attorney hold blocks calls to the consumer", "regf.attorney-representation", BLOCK,
         snapshot(holds=(hold("attorney"),)), request(), until="never"),
    Case("an attorney hold allows calls to the attorney", "regf.attorney-representation", EXEMPT,
         snapshot(holds=(hold("attorney"),)), request(recipient=Recipient.ATTORNEY)),
    Case("a cease blocks letters", "regf.cease-communication", BLOCK,
         snapshot(holds=(hold("cease"),)), request("letter"), until="never"),
    Case("a cease allows the letter saying collection ends", "regf.cease-communication", EXEMPT,
         snapshot(holds=(hold("cease"),)), request("letter", purpose=Purpose.CEASE_EXCEPTION)),
    Case("no cease hold, no block", "regf.cease-communication", PASS, snapshot(), request()),
    Case("a bankruptcy stay blocks a suit", "bankruptcy.automatic-stay", BLOCK,
         snapshot(holds=(hold("bankruptcy"),)), request("suit"), until="never"),
    Case("a dismissed bankruptcy no longer blocks", "bankruptcy.automatic-stay", PASS,
         snapshot(holds=(hold("bankruptcy", "2026-01-05", "2026-06-01"),)), request()),
    Case("a bankruptcy hold ending tomorrow blocks until then", "bankruptcy.automatic-stay",
         BLOCK, snapshot(holds=(hold("bankruptcy", "2026-11-01", "2026-11-24"),)), request(),
         until="2026-11-24 00:00"),
    Case("deceased: no call to the consumer's number", "regf.deceased-consumer", BLOCK,
         snapshot(holds=(hold("deceased"),)), request(), until="never"),
    Case("deceased: the estate's representative may be called", "regf.deceased-consumer", EXEMPT,
         snapshot(holds=(hold("deceased"),)), request(recipient=Recipient.REPRESENTATIVE)),
    Case("an open dispute hold blocks collection calls", "policy.dispute-hold", BLOCK,
         snapshot(holds=(hold("dispute"),)), request(), until="never"),
    Case("an open dispute hold lets the verification go out", "policy.dispute-hold", EXEMPT,
         snapshot(holds=(hold("dispute"),)), request("letter", purpose=Purpose.VERIFICATION)),
    Case("an identity-theft report pauses collection", "policy.identity-theft", BLOCK,
         snapshot(holds=(hold("identity_theft"),)), request("email"), until="never"),
    Case("no identity-theft report, no pause", "policy.identity-theft", PASS,
         snapshot(), request("email")),
    Case("a servicemember's debt needs review before suit", "policy.military-legal-review",
         BLOCK, snapshot(holds=(hold("military"),)), request("suit"), until="never"),
    Case("no military hold, suit not held back by it", "policy.military-legal-review", PASS,
         snapshot(), request("suit")),
    # --- validation period
    Case("a written dispute in the validation period halts collection", "regf.validation-halt",
         BLOCK, snapshot(validation=ValidationState(
             notice_sent_on=date(2026, 11, 2), period_ends_on=date(2026, 12, 9),
             disputed_on=date(2026, 11, 20), dispute_in_writing=True)),
         request(), until="never"),
    Case("a written request for the original creditor halts collection too",
         "regf.validation-halt", BLOCK, snapshot(validation=ValidationState(
             notice_sent_on=date(2026, 11, 2), period_ends_on=date(2026, 12, 9),
             original_creditor_requested_on=date(2026, 11, 20), request_in_writing=True)),
         request("email"), until="never"),
    Case("collection resumes once the verification is sent", "regf.validation-halt", PASS,
         snapshot(validation=ValidationState(
             notice_sent_on=date(2026, 11, 2), period_ends_on=date(2026, 12, 9),
             disputed_on=date(2026, 11, 20), dispute_in_writing=True,
             verification_sent_on=date(2026, 11, 22))), request()),
    Case("a dispute after the period does not halt", "regf.validation-halt", PASS,
         snapshot(validation=ValidationState(
             notice_sent_on=date(2026, 9, 1), period_ends_on=date(2026, 10, 8),
             disputed_on=date(2026, 11, 20), dispute_in_writing=True)), request()),
    # --- media and consent
    Case("an opt-out of texts blocks texts", "regf.medium-opt-out", BLOCK,
         snapshot(opted_out=frozenset({Channel.SMS})), request("sms"), until="never"),
    Case("an opt-out of texts leaves email open", "regf.medium-opt-out", PASS,
         snapshot(opted_out=frozenset({Channel.SMS})), request("email")),
    Case("one confirmation of the opt-out may be sent", "regf.medium-opt-out", EXEMPT,
         snapshot(opted_out=frozenset({Channel.SMS})),
         request("sms", purpose=Purpose.OPT_OUT_CONFIRMATION)),
    Case("texting a number with consent", "policy.sms-consent", PASS, snapshot(),
         request("sms")),
    Case("no number with consent to text", "policy.sms-consent", BLOCK,
         snapshot(contact_points=(ContactPointState("p9", "phone", "mobile"),)), request("sms"),
         until="never"),
    Case("a dialer call to a mobile without consent", "tcpa.automated-call-consent", BLOCK,
         snapshot(), request(contact_point_id="p1", automated=True), until="never"),
    Case("a dialer call to a mobile with consent", "tcpa.automated-call-consent", PASS,
         snapshot(contact_points=(ContactPointState("p1", "phone", "mobile",
                                                    autodial_consent=True),)),
         request(contact_point_id="p1", automated=True)),
    # --- content requirements
    Case("a voicemail must be a limited-content message", "regf.limited-content-message",
         REQUIRE, snapshot(), request("voicemail")),
    Case("a letter is not a voicemail", "regf.limited-content-message", PASS, snapshot(),
         request("letter")),
    Case("a text carries the opt-out notice", "regf.electronic-opt-out-notice", REQUIRE,
         snapshot(), request("sms")),
    Case("a call needs no electronic opt-out notice", "regf.electronic-opt-out-notice", PASS,
         snapshot(), request()),
    Case("a letter says it is from a debt collector", "regf.debt-collector-disclosure", REQUIRE,
         snapshot(), request("letter")),
    Case("a first-party creditor is outside the FDCPA disclosure",
         "regf.debt-collector-disclosure", PASS,
         snapshot(collector_kind=CollectorKind.FIRST_PARTY), request("letter")),
    # --- Massachusetts
    Case("MA: two calls to a mobile in 7 days allow no third", "ma.personal-phone-cap", BLOCK,
         snapshot(jurisdictions=MA, attempts=calls("2026-11-20 10:00", "2026-11-21 10:00",
                                                   phone_type="mobile")),
         request(contact_point_id="p1"), until="2026-11-27 00:00"),
    Case("MA: one call in 7 days allows a second", "ma.personal-phone-cap", PASS,
         snapshot(jurisdictions=MA, attempts=calls("2026-11-21 10:00", phone_type="home")),
         request(contact_point_id="p2")),
    Case("MA: two calls to work in 30 days allow no third", "ma.other-phone-cap", BLOCK,
         snapshot(jurisdictions=MA, attempts=calls("2026-11-02 10:00", "2026-11-16 10:00",
                                                   phone_type="work")),
         request(contact_point_id="p3"), until="2026-12-02 00:00"),
    Case("MA: calls to a mobile do not use up the work-number cap", "ma.other-phone-cap",
         EXEMPT, snapshot(jurisdictions=MA, attempts=calls("2026-11-02 10:00",
                                                           "2026-11-16 10:00",
                                                           phone_type="work")),
         request(contact_point_id="p1")),
    Case("MA: one call to work in 30 days allows a second", "ma.other-phone-cap", PASS,
         snapshot(jurisdictions=MA, attempts=calls("2026-11-02 10:00", phone_type="work")),
         request(contact_point_id="p3")),
    # --- New York City
    Case("NYC: a call, an email and a letter in 7 days allow no text", "nyc.attempt-cap", BLOCK,
         snapshot(jurisdictions=NYC, attempts=(
             Attempt(at("2026-11-18 10:00"), Channel.CALL),
             Attempt(at("2026-11-19 10:00"), Channel.EMAIL, outcome=Outcome.SENT),
             Attempt(at("2026-11-20 10:00"), Channel.LETTER, outcome=Outcome.SENT))),
         request("sms"), until="2026-11-25 00:00"),
    Case("NYC: the validation notice is not counted", "nyc.attempt-cap", PASS,
         snapshot(jurisdictions=NYC, attempts=(
             Attempt(at("2026-11-18 10:00"), Channel.CALL),
             Attempt(at("2026-11-19 10:00"), Channel.EMAIL, outcome=Outcome.SENT),
             Attempt(at("2026-11-20 10:00"), Channel.LETTER, outcome=Outcome.SENT,
                     purpose=Purpose.VALIDATION_NOTICE))),
         request("sms")),
    # --- Washington
    Case("WA: three communications this week allow no fourth", "wa.communication-cap", BLOCK,
         snapshot(jurisdictions=WA, attempts=calls("2026-11-20 10:00", "2026-11-21 10:00",
                                                   "2026-11-22 10:00")),
         request("email"), until="2026-11-27 00:00"),
    Case("WA: two communications this week allow a third", "wa.communication-cap", PASS,
         snapshot(jurisdictions=WA, attempts=calls("2026-11-21 10:00", "2026-11-22 10:00")),
         request("email")),
    Case("WA: once a week at work", "wa.workplace-cap", BLOCK,
         snapshot(jurisdictions=WA, attempts=calls("2026-11-20 10:00", phone_type="work")),
         request(contact_point_id="p3"), until="2026-11-27 00:00"),
    Case("WA: a call at home does not count against work", "wa.workplace-cap", PASS,
         snapshot(jurisdictions=WA, attempts=calls("2026-11-20 10:00", phone_type="home")),
         request(contact_point_id="p3")),
    # --- time-barred debt
    Case("NY: three years after the start, no suit", "ny.time-barred-suit", BLOCK,
         snapshot(jurisdictions=NYS, limitation_starts_on=date(2023, 11, 23)), request("suit"),
         until="never"),
    Case("NY: the day before the bar, a suit is possible", "ny.time-barred-suit", PASS,
         snapshot(jurisdictions=NYS, limitation_starts_on=date(2023, 11, 24)), request("suit")),
    Case("CA: four years after the start, no suit", "ca.time-barred-suit", BLOCK,
         snapshot(jurisdictions=CA, limitation_starts_on=date(2022, 1, 10)), request("suit"),
         until="never"),
    Case("CA: unknown limitation start blocks a suit until confirmed", "ca.time-barred-suit",
         BLOCK, snapshot(jurisdictions=CA), request("suit"), until="never"),
    Case("CA: within four years a suit is possible", "ca.time-barred-suit", PASS,
         snapshot(jurisdictions=CA, limitation_starts_on=date(2024, 1, 10)), request("suit")),
    Case("CA: a letter on a time-barred debt carries the notice", "ca.time-barred-disclosure",
         REQUIRE, snapshot(jurisdictions=CA, limitation_starts_on=date(2022, 1, 10)),
         request("letter")),
    Case("CA: a letter on a debt within the period does not", "ca.time-barred-disclosure", PASS,
         snapshot(jurisdictions=CA, limitation_starts_on=date(2024, 1, 10)), request("letter")),
]  # fmt: skip


def _reason(case: Case):  # type: ignore[no-untyped-def]
    found = [r for r in judge(PACKS, case.snap, case.req) if r.rule_id == case.rule]
    return found[0] if found else None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rule_verdict(case: Case) -> None:
    reason = _reason(case)
    if case.verdict is PASS and reason is None:
        return  # the rule does not apply to this request at all: it allows
    assert reason is not None, f"{case.rule} did not judge this request"
    assert reason.verdict is case.verdict, reason.message
    assert reason.citation and reason.message
    if case.verdict is BLOCK:
        expected = None if case.until == "never" else at(case.until or "")
        assert reason.until == expected


def test_required_wording_names_the_collector() -> None:
    snap = snapshot(jurisdictions=CA, limitation_starts_on=date(2022, 1, 10),
                    collector_name="Acme Energy")  # fmt: skip
    notice = next(r for r in judge(PACKS, snap, request("letter"))
                  if r.rule_id == "ca.time-barred-disclosure")  # fmt: skip
    assert notice.message.endswith(
        "If you do not pay the debt, Acme Energy may continue to report it to the credit "
        "reporting agencies as unpaid for as long as the law permits this reporting."
    )


def test_every_shipped_rule_has_both_outcomes() -> None:
    rules = {rule.id: rule for pack in PACKS.packs for rule in pack.rules}
    missing = []
    for rule_id, rule in rules.items():
        verdicts = {c.verdict for c in CASES if c.rule == rule_id}
        stop = REQUIRE if rule.effect is Effect.REQUIRE else BLOCK
        if stop not in verdicts:
            missing.append(f"{rule_id}: no {stop.value} case")
        if not verdicts & {PASS, EXEMPT}:
            missing.append(f"{rule_id}: no allowing case")
    assert not missing, "\n".join(missing)
    assert {c.rule for c in CASES} <= set(rules), "a case names a rule no pack ships"
