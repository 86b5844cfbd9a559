"""What a consumer's text back to us asks for: to stop texts, to have them again, or help.

The FCC's 2024 revocation rule (47 CFR 64.1200(a)(10), in force since 2025-04-11) names the
words a reply may use to revoke consent to texts: "stop", "quit", "end", "revoke", "opt out",
"cancel" and "unsubscribe"; carriers and Twilio also take STOPALL and OPTOUT. Sent alone they
are a revocation, whatever the case, the spacing or the punctuation around them ("Stop.",
" STOP ALL ", "opt-out!"). START, UNSTOP and YES ask for texts again; HELP and INFO ask who we
are. Everything else is an ordinary reply.

A longer message is judged by a person, not by this module: the rule honors any wording a
reasonable person would read as "stop" ("please stop texting me"), and no list of phrases
catches them all. ``mentions_opt_out`` says when a longer reply carries one of the words, so
that it is flagged for a person to read rather than left as one more line of history.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from itertools import pairwise


class Reply(StrEnum):
    OPT_OUT = "opt_out"  # stop texting this number
    OPT_IN = "opt_in"  # texts are welcome again
    HELP = "help"  # who are you, how do I stop
    OTHER = "other"  # an ordinary reply, for a person to read


# Each phrase is written as its words separated by one space; a reply matches when its words,
# joined by a space or run together, are one of them ("opt out", "opt-out", "OPTOUT").
OPT_OUT_WORDS = frozenset({"stop", "stop all", "unsubscribe", "cancel", "end", "quit", "revoke",
                           "opt out"})  # fmt: skip
OPT_IN_WORDS = frozenset({"start", "unstop", "yes"})
HELP_WORDS = frozenset({"help", "info"})


def _by_phrase() -> dict[str, Reply]:
    kinds: dict[str, Reply] = {}
    for phrases, kind in ((OPT_OUT_WORDS, Reply.OPT_OUT), (OPT_IN_WORDS, Reply.OPT_IN),
                          (HELP_WORDS, Reply.HELP)):  # fmt: skip
        for phrase in phrases:
            kinds[phrase] = kinds[phrase.replace(" ", "")] = kind
    return kinds


_KINDS = _by_phrase()

_WORD = re.compile(r"[^\W_]+")  # letters and digits, in any script


def words(body: str) -> list[str]:
    """The reply's words, compared the way a person would: compatibility forms folded
    (full-width letters become plain ones), case folded, punctuation, symbols and spacing
    dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", body).casefold())


def classify_reply(body: str) -> Reply:
    """What a text back to us asks for, when it is one of the words alone; else ``OTHER``."""
    said = words(body)
    if not said:
        return Reply.OTHER
    return _KINDS.get(" ".join(said)) or _KINDS.get("".join(said)) or Reply.OTHER


def mentions_opt_out(body: str) -> bool:
    """Whether a reply that is not a keyword alone still carries an opt-out word ("please
    STOP texting me"): a person reads it and decides, as a reasonable person would."""
    said = words(body)
    pairs = {f"{a} {b}" for a, b in pairwise(said)}
    return any(w in OPT_OUT_WORDS or _KINDS.get(w) is Reply.OPT_OUT for w in said) or bool(
        pairs & OPT_OUT_WORDS
    )
