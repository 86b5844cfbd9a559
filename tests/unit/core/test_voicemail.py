"""The limited-content voicemail (12 CFR 1006.2(j)): the fixed script with its slots, and the
refusals that name the slot at fault."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from arrears.core.work.voicemail import (
    VoicemailError,
    VoicemailScript,
    debt_word,
    validate,
    voicemail_text,
)

NY = ZoneInfo("America/New_York")
SCRIPT = VoicemailScript(business_name="ABC, Inc.", persons=("Robin Smith",),
                         phones=("1-800-555-1212",))  # fmt: skip


class TestText:
    def test_the_required_content_alone_reads_as_the_cfpb_example(self) -> None:
        assert voicemail_text(SCRIPT) == (
            "This is Robin Smith calling from ABC, Inc. Please call me back at 1-800-555-1212."
        )

    def test_every_optional_slot_filled_reads_in_the_fixed_order(self) -> None:
        script = replace(
            SCRIPT, persons=("Robin Smith", "Jim Johnson"), salutation="Hello",
            left_at=datetime(2026, 9, 2, 16, 15, tzinfo=NY),
            reply_times="weekdays from 8:00 AM to 6:00 PM Eastern", any_representative=True,
        )  # fmt: skip
        assert voicemail_text(script) == (
            "Hello. This is Robin Smith calling from ABC, Inc. "
            "It is 4:15 PM EDT on Wednesday, September 2. "
            "Please call me, Jim Johnson or any of our representatives back at 1-800-555-1212. "
            "You can reach us weekdays from 8:00 AM to 6:00 PM Eastern."
        )

    def test_a_morning_message_in_winter_says_am_and_est(self) -> None:
        text = voicemail_text(replace(SCRIPT, left_at=datetime(2026, 11, 2, 9, 5, tzinfo=NY)))
        assert "It is 9:05 AM EST on Monday, November 2." in text

    def test_the_script_has_no_slot_for_the_consumer_the_creditor_or_the_debt(self) -> None:
        # Someone other than the consumer may hear the message: nothing may name them or a debt.
        slots = {f.name for f in fields(VoicemailScript)}
        assert slots == {"business_name", "persons", "phones", "salutation", "left_at",
                         "reply_times", "any_representative"}  # fmt: skip


class TestRefusals:
    @pytest.mark.parametrize(
        ("name", "word"),
        [
            ("Ficus Debt Collection Services", "Debt"),
            ("Northside Collections LLC", "Collections"),
            ("Arrears Recovery Services", "Arrears"),
            ("Second Chance Recovery", "Recovery"),
            ("Past-Due Partners", "Past-Due"),
            ("Receivables Management Inc", "Receivables"),
        ],
    )
    def test_a_business_name_that_says_debt_collection_is_refused_naming_the_slot(
        self, name: str, word: str
    ) -> None:
        with pytest.raises(VoicemailError) as refused:
            voicemail_text(replace(SCRIPT, business_name=name))
        assert refused.value.slot == "business_name"
        assert f"says {word!r}" in str(refused.value)
        assert str(refused.value).startswith("business_name: ")

    @pytest.mark.parametrize("name", ["ABC, Inc.", "ARS", "Acme Bank", "Owen & Levy Partners",
                                      "Credit Union of Buffalo"])  # fmt: skip
    def test_a_neutral_business_name_is_accepted(self, name: str) -> None:
        assert validate(replace(SCRIPT, business_name=name)).business_name == name

    def test_a_salutation_naming_the_consumer_is_refused(self) -> None:
        with pytest.raises(VoicemailError) as refused:
            validate(replace(SCRIPT, salutation="Hello Pat Doe"))
        assert refused.value.slot == "salutation"

    def test_reply_times_that_mention_the_debt_are_refused(self) -> None:
        with pytest.raises(VoicemailError) as refused:
            validate(replace(SCRIPT, reply_times="today, about your overdue balance"))
        assert refused.value.slot == "reply_times"

    @pytest.mark.parametrize(
        ("changes", "slot"),
        [
            ({"business_name": "  "}, "business_name"),
            ({"persons": ()}, "persons"),
            ({"persons": ("casey_1",)}, "persons"),
            ({"persons": ("Debt Collector",)}, "persons"),
            ({"phones": ()}, "phones"),
            ({"phones": ("call us",)}, "phones"),
            ({"left_at": datetime(2026, 11, 2, 9, 5)}, "left_at"),
        ],
    )
    def test_each_missing_or_wrong_slot_is_named(self, changes: dict, slot: str) -> None:
        with pytest.raises(VoicemailError) as refused:
            validate(replace(SCRIPT, **changes))
        assert refused.value.slot == slot

    def test_debt_words_match_whole_words_and_stems_only(self) -> None:
        assert debt_word("Owen Smith") is None
        assert debt_word("what is owed") == "owed"
        assert debt_word("collector") == "collector"
