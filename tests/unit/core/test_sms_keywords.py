"""Replies to our texts: the FCC's revocation words alone are an opt-out whatever their case,
spacing or punctuation; START/UNSTOP/YES opt back in; HELP/INFO ask for help; anything else is
an ordinary reply, flagged for a person when it carries an opt-out word."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.messaging.keywords import (
    HELP_WORDS,
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    Reply,
    classify_reply,
    mentions_opt_out,
)

# The words of 47 CFR 64.1200(a)(10), and the carriers' STOPALL/OPTOUT.
FCC_WORDS = ["stop", "quit", "end", "revoke", "opt out", "cancel", "unsubscribe"]
ALL_OPT_OUTS = ["STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
                "OPTOUT", "OPT OUT", "OPT-OUT"]  # fmt: skip
SURROUNDINGS = st.text(alphabet=" \t\n\r.,!?;:'\"()-*~…¡¿“”🛑🙏", max_size=6)


def _recase(word: str, flips: list[bool]) -> str:
    return "".join(c.upper() if f else c.lower() for c, f in zip(word, flips + [False] * len(word),
                                                                    strict=False))  # fmt: skip


class TestWordsAlone:
    @pytest.mark.parametrize("body", ALL_OPT_OUTS)
    def test_each_opt_out_word_alone_is_an_opt_out(self, body: str) -> None:
        assert classify_reply(body) is Reply.OPT_OUT

    def test_the_fcc_words_are_all_opt_out_words(self) -> None:
        assert set(FCC_WORDS) <= OPT_OUT_WORDS

    @pytest.mark.parametrize(
        ("body", "kind"),
        [("START", Reply.OPT_IN), ("unstop", Reply.OPT_IN), ("Yes", Reply.OPT_IN),
         ("HELP", Reply.HELP), ("info", Reply.HELP), ("Info?", Reply.HELP)],
    )  # fmt: skip
    def test_opt_in_and_help_words(self, body: str, kind: Reply) -> None:
        assert classify_reply(body) is kind

    @pytest.mark.parametrize(
        "body",
        ["Stop.", " stop ", "STOP!!!", "'Stop'", "opt-out", "Opt_Out", "stop   all", "Stop All!",
         "\uff33\uff54\uff4f\uff50", "S.T.O.P", "\nUNSUBSCRIBE\n", "🛑 STOP 🛑"],
    )  # fmt: skip
    def test_case_spacing_punctuation_and_full_width_letters_do_not_matter(self, body: str) -> None:
        assert classify_reply(body) is Reply.OPT_OUT

    @pytest.mark.parametrize(
        "body",
        ["", "   ", "!!", "I can pay $50 on Friday", "stop texting me", "Don't stop", "stopped",
         "yes I will pay", "help me understand this", "weekend", "cancellation", "STOP 2"],
    )  # fmt: skip
    def test_anything_else_is_an_ordinary_reply(self, body: str) -> None:
        assert classify_reply(body) is Reply.OTHER

    @given(
        word=st.sampled_from(ALL_OPT_OUTS),
        flips=st.lists(st.booleans(), max_size=12),
        before=SURROUNDINGS,
        after=SURROUNDINGS,
    )
    def test_any_casing_and_any_punctuation_around_an_opt_out_word_is_an_opt_out(
        self, word: str, flips: list[bool], before: str, after: str
    ) -> None:
        assert classify_reply(before + _recase(word, flips) + after) is Reply.OPT_OUT

    @given(body=st.text(max_size=40), before=SURROUNDINGS, after=SURROUNDINGS)
    def test_what_surrounds_a_reply_never_changes_its_kind(
        self, body: str, before: str, after: str
    ) -> None:
        assert classify_reply(before + body + after) is classify_reply(body)

    @given(body=st.text(alphabet="abcdfghjklmnwxz ", max_size=30))
    def test_a_reply_of_other_words_is_never_a_keyword(self, body: str) -> None:
        # None of the keywords can be spelled from these letters (no e, i, o, p, q, r, s, t, u, y).
        assert classify_reply(body) is Reply.OTHER
        assert not mentions_opt_out(body)

    def test_no_word_is_of_two_kinds(self) -> None:
        assert not (OPT_OUT_WORDS & OPT_IN_WORDS or OPT_OUT_WORDS & HELP_WORDS
                    or OPT_IN_WORDS & HELP_WORDS)  # fmt: skip


class TestLongerReplies:
    @pytest.mark.parametrize(
        "body",
        ["Please stop texting me", "STOP calling and texting", "I want to opt out", "opt-out pls",
         "Unsubscribe me now", "stop all of it", "Can I cancel?", "end these messages"],
    )  # fmt: skip
    def test_a_longer_reply_with_an_opt_out_word_is_flagged_for_a_person(self, body: str) -> None:
        assert classify_reply(body) is Reply.OTHER
        assert mentions_opt_out(body)

    @pytest.mark.parametrize(
        "body", ["I can pay $50 on Friday", "who is this", "stopped by the bank", "weekend?"]
    )
    def test_an_ordinary_reply_is_not_flagged(self, body: str) -> None:
        assert not mentions_opt_out(body)
