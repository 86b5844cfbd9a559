"""A letter of a collection campaign: an approved template's text in our letter layout.

The head (who writes to whom, about which account) and the disclosures are the layout's, as for
every letter; the heading and paragraphs are the template's, rendered for the account
(``arrears.core.messaging.templates``).
"""

from __future__ import annotations

from dataclasses import dataclass

from arrears.core.letters.money import LetterHead, MoneyLetterError


@dataclass(frozen=True)
class CampaignLetter:
    head: LetterHead
    heading: str
    paragraphs: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "paragraphs", tuple(self.paragraphs))
        if not self.paragraphs:
            raise MoneyLetterError("a letter needs some text")
