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


def test_queue_choices_and_filters_match_the_work_core() -> None:
    from arrears.core import work
    from arrears.core.work.queues import HOLD_KINDS
    from arrears.data.accounts.models import AccountStatus, HoldKind
    from arrears.data.work import models as stored

    assert set(stored.QueueOrder.values) == {o.value for o in work.QueueOrder}
    assert set(stored.QueueMode.values) == {m.value for m in work.QueueMode}
    assert set(AccountStatus.values) == set(work.ACCOUNT_STATUSES)
    assert set(HoldKind.values) == set(HOLD_KINDS)
