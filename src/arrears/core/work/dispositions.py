"""Call dispositions: what a collector says a call came to, and what that means for the record.

A disposition is the collector's word; the contact record keeps the outcome and recipient the
rules understand, and some dispositions need a follow-up recorded with them (the promise, the
callback, the dispute), or change a contact point (a wrong number is marked bad).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from arrears.core.compliance.model import Outcome, Recipient


class Disposition(StrEnum):
    RIGHT_PARTY = "right_party"
    THIRD_PARTY = "third_party"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"
    REFUSED_TO_PAY = "refused_to_pay"
    DISPUTE = "dispute"
    PROMISE = "promise"
    CALLBACK = "callback"


class FollowUp(StrEnum):
    NONE = "none"
    PROMISE = "promise"  # an amount and a date
    CALLBACK = "callback"  # a moment to call again
    DISPUTE = "dispute"  # recorded as an oral dispute
    MARK_BAD = "mark_bad"  # the number reached someone else: it is not the consumer's


@dataclass(frozen=True)
class DispositionRule:
    label: str
    outcome: Outcome
    recipient: Recipient
    right_party: bool  # a conversation with the consumer (the right-party contact rate counts it)
    follow_up: FollowUp
    inbound: bool  # may close an inbound call too


DISPOSITION_RULES: dict[Disposition, DispositionRule] = {
    Disposition.RIGHT_PARTY: DispositionRule(
        "Right party contact", Outcome.CONVERSATION, Recipient.CONSUMER, True, FollowUp.NONE, True
    ),
    Disposition.THIRD_PARTY: DispositionRule(
        "Third party", Outcome.CONVERSATION, Recipient.THIRD_PARTY, False, FollowUp.NONE, True
    ),
    Disposition.NO_ANSWER: DispositionRule(
        "No answer", Outcome.NO_ANSWER, Recipient.CONSUMER, False, FollowUp.NONE, False
    ),
    Disposition.VOICEMAIL: DispositionRule(
        "Voicemail left", Outcome.VOICEMAIL_LEFT, Recipient.CONSUMER, False, FollowUp.NONE, False
    ),
    Disposition.WRONG_NUMBER: DispositionRule(
        "Wrong number", Outcome.WRONG_PARTY, Recipient.CONSUMER, False, FollowUp.MARK_BAD, True
    ),
    Disposition.REFUSED_TO_PAY: DispositionRule(
        "Refused to pay", Outcome.CONVERSATION, Recipient.CONSUMER, True, FollowUp.NONE, True
    ),
    Disposition.DISPUTE: DispositionRule(
        "Dispute", Outcome.CONVERSATION, Recipient.CONSUMER, True, FollowUp.DISPUTE, True
    ),
    Disposition.PROMISE: DispositionRule(
        "Promise to pay", Outcome.CONVERSATION, Recipient.CONSUMER, True, FollowUp.PROMISE, True
    ),
    Disposition.CALLBACK: DispositionRule(
        "Callback", Outcome.CONVERSATION, Recipient.CONSUMER, True, FollowUp.CALLBACK, True
    ),
}

RIGHT_PARTY_DISPOSITIONS = frozenset(d for d, r in DISPOSITION_RULES.items() if r.right_party)

# A right-party contact as the contact record keeps it: a conversation with the consumer. Every
# right-party disposition records exactly this pair and no other disposition does, so contacts
# recorded without a disposition (through the API, from a dialer) count the same way.
RIGHT_PARTY_CONTACT = (Outcome.CONVERSATION, Recipient.CONSUMER)
