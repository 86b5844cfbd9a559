"""What the consumer asked about contact, honored at once on every debt they owe."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from arrears.core.compliance import Channel
from arrears.data.accounts.models import AccountParty
from arrears.data.contacts.models import Contactability, ContactRestriction
from arrears.data.parties.models import ContactPoint
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.compliance.preferences import (
    contact_restriction_add,
    contact_restriction_end,
)
from arrears.services.compliance.queries import contact_decisions
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
NY = ZoneInfo("America/New_York")
MONDAY_NOON = datetime(2026, 11, 23, 12, tzinfo=NY)
NOW = MONDAY_NOON


def _consumer():  # type: ignore[no-untyped-def]
    account = make_account(make_client())
    party_id = AccountParty.objects.get(account=account).party_id
    common = {"party_id": party_id, "valid_from": date(2026, 1, 1)}
    ContactPoint.objects.create(kind="address", address1="1 Main St", city="Buffalo", state="NY",
                                zip="14201", value_index=f"a{party_id}", **common)  # fmt: skip
    mobile = ContactPoint.objects.create(kind="phone", phone_e164="+17165550100",
                                         phone_type="mobile", consent_source="consumer_sms_opt_in",
                                         value_index=f"m{party_id}", **common)  # fmt: skip
    work = ContactPoint.objects.create(kind="phone", phone_e164="+17165550199", phone_type="work",
                                       value_index=f"w{party_id}", **common)  # fmt: skip
    ContactPoint.objects.create(kind="email", email="pat@example.net", value_index=f"e{party_id}",
                                **common)  # fmt: skip
    return account, mobile, work


def _blocks(account_id: int, channel: Channel, at: datetime = NOW) -> list[str]:
    decisions = contact_decisions(account_id, at=at, channels=(channel,))
    assert decisions is not None
    return [r.rule_id for r in decisions[0].blocks]


def test_an_email_opt_out_is_honored_at_once_and_lifted_when_ended() -> None:
    account, _, _ = _consumer()
    assert _blocks(account.pk, Channel.EMAIL) == []
    restriction = contact_restriction_add(account_id=account.pk, kind="opt_out", channel="email",
                                          received_on=date(2026, 11, 23), medium="phone",
                                          actor=ACTOR, now=NOW)  # fmt: skip
    assert _blocks(account.pk, Channel.EMAIL) == ["regf.medium-opt-out"]
    assert _blocks(account.pk, Channel.CALL) == []
    state = Contactability.objects.get(account=account, channel="email")
    assert (state.no_end, state.blocking_rules) == (True, "regf.medium-opt-out")
    contact_restriction_end(restriction_id=restriction.pk, ended_on=date(2026, 11, 24),
                            actor=ACTOR, now=NOW)  # fmt: skip
    assert _blocks(account.pk, Channel.EMAIL, datetime(2026, 11, 24, 12, tzinfo=NY)) == []


def test_stop_on_one_number_blocks_texts_to_it_only() -> None:
    account, mobile, _ = _consumer()
    assert _blocks(account.pk, Channel.SMS) == []
    contact_restriction_add(account_id=account.pk, kind="opt_out", channel="sms",
                            contact_point_id=mobile.pk, received_on=date(2026, 11, 23),
                            medium="sms reply STOP", actor=ACTOR, now=NOW)  # fmt: skip
    # The only number with consent to text has opted out: texting is blocked.
    assert "policy.sms-consent" in _blocks(account.pk, Channel.SMS)


def test_a_named_inconvenient_time_blocks_calls_then() -> None:
    account, _, _ = _consumer()
    contact_restriction_add(account_id=account.pk, kind="inconvenient_time", weekdays="0,1,2,3,4",
                            starts_at=time(9), ends_at=time(17), received_on=date(2026, 11, 20),
                            medium="phone", actor=ACTOR, now=NOW)  # fmt: skip
    assert _blocks(account.pk, Channel.CALL) == ["regf.consumer-inconvenient-time"]
    decisions = contact_decisions(account.pk, at=NOW, channels=(Channel.CALL,))
    assert decisions is not None and decisions[0].earliest == datetime(2026, 11, 23, 17, tzinfo=NY)
    assert _blocks(account.pk, Channel.CALL, datetime(2026, 11, 23, 18, tzinfo=NY)) == []


def test_no_contact_at_work_blocks_the_work_number() -> None:
    from arrears.core.compliance import ContactRequest, evaluate
    from arrears.services.compliance.snapshots import contact_snapshot, packs_in_force

    account, _, work = _consumer()
    contact_restriction_add(account_id=account.pk, kind="no_workplace", received_on=date(2026, 11, 1),
                            medium="letter", actor=ACTOR, now=NOW)  # fmt: skip
    snap = contact_snapshot(account.pk, at=NOW)
    assert snap is not None and snap.no_workplace_contact
    decision = evaluate(packs_in_force(), snap, ContactRequest(
        channel=Channel.CALL, at=NOW, contact_point_id=str(work.pk)))  # fmt: skip
    assert [r.rule_id for r in decision.blocks] == ["regf.workplace"]


def test_it_covers_every_debt_the_consumer_owes() -> None:
    account, _, _ = _consumer()
    other = make_account(account.client)
    AccountParty.objects.filter(account=other).update(
        party=AccountParty.objects.get(account=account).party
    )
    contact_restriction_add(account_id=account.pk, kind="opt_out", channel="letter",
                            received_on=date(2026, 11, 23), medium="letter", actor=ACTOR, now=NOW)  # fmt: skip
    assert _blocks(other.pk, Channel.LETTER) == ["regf.medium-opt-out"]
    assert Contactability.objects.get(account=other, channel="letter").no_end is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "never"}, "kind"),
        ({"channel": ""}, "channel"),
        ({"channel": "fax"}, "channel"),
        ({"medium": " "}, "medium"),
        ({"received_on": date(2026, 11, 24)}, "received_on"),
        ({"contact_point_id": 999_999}, "contact_point_id"),
        ({"kind": "inconvenient_time", "weekdays": "0,9", "starts_at": time(9),
          "ends_at": time(17)}, "weekdays"),
        ({"kind": "inconvenient_time", "weekdays": "0", "starts_at": time(9)}, "ends_at"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(changes, field) -> None:
    account, _, _ = _consumer()
    args = {"account_id": account.pk, "kind": "opt_out", "channel": "email",
            "received_on": date(2026, 11, 23), "medium": "phone", "actor": ACTOR, "now": NOW,
            **changes}  # fmt: skip
    with pytest.raises(ServiceError) as refused:
        contact_restriction_add(**args)
    assert refused.value.field == field
    assert ContactRestriction.objects.count() == 0


def test_ending_is_checked() -> None:
    account, _, _ = _consumer()
    restriction = contact_restriction_add(account_id=account.pk, kind="opt_out", channel="email",
                                          received_on=date(2026, 11, 23), medium="phone",
                                          actor=ACTOR, now=NOW)  # fmt: skip
    with pytest.raises(NotFound):
        contact_restriction_end(restriction_id=999_999, ended_on=date(2026, 11, 24), actor=ACTOR,
                                now=NOW)  # fmt: skip
    with pytest.raises(ServiceError) as refused:
        contact_restriction_end(restriction_id=restriction.pk, ended_on=date(2026, 11, 23),
                                actor=ACTOR, now=NOW)  # fmt: skip
    assert refused.value.field == "ended_on"
    restriction.refresh_from_db()
    assert restriction.ended_on is None
