"""The database's choices for contacts are the compliance core's values: they must not drift."""

from __future__ import annotations

import pytest

from arrears.core import compliance as core
from arrears.data.contacts import models as data


@pytest.mark.parametrize(
    ("stored", "judged", "only_in_core"),
    [
        (data.Channel, core.Channel, {"suit"}),  # legal action is judged, never recorded
        (data.Direction, core.Direction, set()),
        (data.Outcome, core.Outcome, set()),
        (data.Recipient, core.Recipient, set()),
        (data.Purpose, core.Purpose, set()),
    ],
)
def test_every_stored_choice_is_a_value_the_rules_know(stored, judged, only_in_core) -> None:
    assert set(stored.values) == {e.value for e in judged} - only_in_core
