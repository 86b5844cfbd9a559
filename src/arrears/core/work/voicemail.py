"""The limited-content message (12 CFR 1006.2(j)): the only voicemail a collector leaves.

A voicemail that is a limited-content message is an attempt to communicate, not a
communication: it conveys nothing about a debt, so a third party who hears it (a spouse at the
answering machine, a shared mailbox) learns nothing, and it needs no debt-collector disclosure.
It stays one only if it holds the content the rule lists and *nothing else* (comment 2(j)-1; the
CFPB's FAQ: not even content a state requires). So it is built here as one fixed script whose
only variable parts are the rule's slots; there is no free text to add to it.

The content of 1006.2(j), checked against the rule text as the CFPB's small entity guide and FAQ
quote it (2026-11):

Required, all four:
  (1)(i)   a business name for the debt collector that does not indicate that the debt
           collector is in the debt collection business -> ``business_name``
  (1)(ii)  a request that the consumer reply to the message -> fixed wording ("Please call ...
           back"), always present
  (1)(iii) the name or names of one or more natural persons whom the consumer can contact to
           reply -> ``persons`` (the first is the caller: "This is ... calling from ...")
  (1)(iv)  a telephone number or numbers that the consumer can use to reply -> ``phones``
Optional, any of:
  (2)(i)   a salutation -> ``salutation``, one of ``SALUTATIONS``
  (2)(ii)  the date and time of the message -> ``left_at``
  (2)(iii) suggested dates and times for the consumer to reply -> ``reply_times``
  (2)(iv)  a statement that, if the consumer replies, the consumer may speak to any of the
           debt collector's representatives or associates -> ``any_representative``

The 2019 proposal also allowed "a generic statement that the message relates to an account" and
a statement that the consumer may reply by email or text with an opt-out; the final rule (85 FR
76734, 2020-11-30) dropped both, so they are not slots here (docs/dialer.md).

There is deliberately no slot for the consumer's name, the creditor's name, an amount or an
account reference: the message may be heard by someone other than the consumer, and any of them
would tell that listener about a debt (and make the voicemail a communication). A message
knowingly left for anyone other than the consumer is not a limited-content message at all
(comment 2(j)-2): the collector leaves it only on the consumer's own voicemail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# (2)(i): the greetings a script may open with. A closed list: a free-text salutation is where
# a consumer's name ("Hello, Pat Doe") would slip in.
SALUTATIONS = ("Hello", "Hi", "Good morning", "Good afternoon", "Good evening")

# Words that say, or strongly suggest, debt collection. A business name holding one fails
# (1)(i): the CFPB's own example of a name that fails is "Ficus Debt Collection Services". Any
# other slot holding one would be content the rule does not allow. Stems match with any ending
# (collect, collects, collection, collector ...); short words match whole, so that a person
# named Owen is not refused for "owe".
DEBT_STEMS = (
    "collect", "recover", "delinquen", "receivable", "repossess", "garnish", "bankrupt",
    "judgment", "judgement",
)  # fmt: skip
DEBT_WORDS = (
    "debt", "debts", "owe", "owed", "owes", "owing", "arrear", "arrears", "overdue", "past due",
    "payoff", "default", "defaulted", "charge off", "charge-off", "chargeoff",
)  # fmt: skip


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in words)


_DEBT = re.compile(
    rf"\b(?:(?:{_alternatives(DEBT_STEMS)})\w*|(?:{_alternatives(DEBT_WORDS)}))\b",
    re.IGNORECASE,
)
_PERSON = re.compile(r"[^\W\d_]+(?:[ .'-]+[^\W\d_]+)*\.?")
_PHONE = re.compile(r"\+?[0-9() .-]{7,24}")
_REPLY_TIMES = re.compile(r"[\w ,.:;/&()'-]+")
MAX_NAME = 80
MAX_PERSONS = 3
MAX_PHONES = 2
MAX_REPLY_TIMES = 120


class VoicemailError(ValueError):
    """A slot holds what a limited-content message may not say; ``slot`` names it."""

    def __init__(self, slot: str, message: str) -> None:
        super().__init__(f"{slot}: {message}")
        self.slot = slot
        self.message = message


@dataclass(frozen=True)
class VoicemailScript:
    """The slots of a limited-content message, and nothing else (see the module's docstring)."""

    business_name: str
    persons: tuple[str, ...]
    phones: tuple[str, ...]
    salutation: str = ""
    left_at: datetime | None = None  # shown in its own zone: pass it in the consumer's
    reply_times: str = ""  # e.g. "Monday to Friday, 8 am to 8 pm Eastern"
    any_representative: bool = False


def debt_word(text: str) -> str | None:
    """The first word of ``text`` that suggests debt collection, as written; None if none."""
    found = _DEBT.search(text)
    return found.group(0) if found else None


def _no_debt_words(slot: str, text: str) -> None:
    word = debt_word(text)
    if word is not None:
        raise VoicemailError(
            slot,
            f"{text!r} says {word!r}: a limited-content message may not indicate debt "
            "collection (12 CFR 1006.2(j))",
        )


def validate(script: VoicemailScript) -> VoicemailScript:
    """The script when every slot holds only what 1006.2(j) allows; else VoicemailError naming
    the first slot at fault."""
    name = script.business_name.strip()
    if not name:
        raise VoicemailError("business_name", "a limited-content message names the business")
    if len(name) > MAX_NAME:
        raise VoicemailError("business_name", f"at most {MAX_NAME} characters")
    _no_debt_words("business_name", name)
    if not script.persons:
        raise VoicemailError("persons", "name at least one person the consumer can call back")
    if len(script.persons) > MAX_PERSONS:
        raise VoicemailError("persons", f"at most {MAX_PERSONS} people")
    for person in script.persons:
        text = person.strip()
        if not text or len(text) > MAX_NAME or _PERSON.fullmatch(text) is None:
            raise VoicemailError("persons", f"{person!r} is not a person's name")
        _no_debt_words("persons", text)
    if not script.phones:
        raise VoicemailError("phones", "give a number the consumer can call back")
    if len(script.phones) > MAX_PHONES:
        raise VoicemailError("phones", f"at most {MAX_PHONES} numbers")
    for phone in script.phones:
        digits = sum(c.isdigit() for c in phone)
        if _PHONE.fullmatch(phone.strip()) is None or not 7 <= digits <= 15:
            raise VoicemailError("phones", f"{phone!r} is not a telephone number")
    if script.salutation and script.salutation not in SALUTATIONS:
        raise VoicemailError("salutation", f"one of {', '.join(SALUTATIONS)}, or none")
    if script.left_at is not None and script.left_at.tzinfo is None:
        raise VoicemailError("left_at", "the moment needs its time zone")
    times = script.reply_times.strip()
    if times:
        if len(times) > MAX_REPLY_TIMES or _REPLY_TIMES.fullmatch(times) is None:
            raise VoicemailError("reply_times", "days and hours only, e.g. 'weekdays 8 am to 8 pm'")
        _no_debt_words("reply_times", times)
    return script


def _either(items: tuple[str, ...]) -> str:
    items = tuple(i.strip() for i in items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _moment(at: datetime) -> str:
    """'It is 10:05 AM EST on Monday, November 2.' in the moment's own zone."""
    clock = f"{at.hour % 12 or 12}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"
    zone = f" {at.tzname()}" if at.tzname() else ""
    return f"It is {clock}{zone} on {at:%A}, {at:%B} {at.day}."


def voicemail_text(script: VoicemailScript) -> str:
    """The words to leave, in the script's fixed order; refused (VoicemailError) when a slot
    holds what the rule does not allow."""
    validate(script)
    caller, others = script.persons[0].strip(), script.persons[1:]
    parts: list[str] = []
    if script.salutation:
        parts.append(f"{script.salutation}.")
    business = script.business_name.strip()
    parts.append(f"This is {caller} calling from {business.removesuffix('.')}.")
    if script.left_at is not None:
        parts.append(_moment(script.left_at))
    whom = ["me", *(p.strip() for p in others)]
    if script.any_representative:
        whom.append("any of our representatives")
    parts.append(f"Please call {_either(tuple(whom))} back at {_either(script.phones)}.")
    if script.reply_times.strip():
        parts.append(f"You can reach us {script.reply_times.strip()}.")
    return " ".join(parts)
