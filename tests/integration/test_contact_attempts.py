"""Recording contact attempts: judged by the packs, kept with their Decision, and each account's
next contactable moment kept up to date for the queues."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from arrears.core.compliance import Channel
from arrears.data.accounts.models import AccountParty
from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import Contactability, ContactAttempt
from arrears.data.parties.models import ContactPoint
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.compliance.operations import (
    ContactBlocked,
    contact_attempt_record,
    contactability_refresh,
)
from arrears.services.compliance.queries import contact_history, contactable_accounts
from arrears.services.ledger.operations import hold_add, hold_end
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
ACTOR = Actor.system("test")
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=NY)  # Monday 2 November 2026, 10:00 in New York


def _new_yorker(client_code: str = "ACME"):  # type: ignore[no-untyped-def]
    """An account whose consumer lives in Buffalo with a 716 mobile: one zone, New York's."""
    from arrears.data.clients.models import Client

    client = Client.objects.filter(code=client_code).first() or make_client(client_code)
    account = make_account(client)
    party_id = AccountParty.objects.get(account=account).party_id
    ContactPoint.objects.create(party_id=party_id, kind="address", address1="1 Main St",
                                city="Buffalo", state="NY", zip="14201",
                                valid_from=date(2026, 1, 1), value_index=f"a{account.pk}")  # fmt: skip
    phone = ContactPoint.objects.create(party_id=party_id, kind="phone", phone_e164="+17165550100",
                                        phone_type="mobile", valid_from=date(2026, 1, 1),
                                        value_index=f"p{account.pk}")  # fmt: skip
    return account, phone


def _call(account_id: int, at: datetime, outcome: str = "no_answer", **kw):  # type: ignore[no-untyped-def]
    now = kw.pop("now", at + timedelta(minutes=1))
    return contact_attempt_record(account_id=account_id, channel=kw.pop("channel", "call"),
                                  direction=kw.pop("direction", "outbound"), outcome=outcome,
                                  at=at, actor=ACTOR, now=now, **kw)  # fmt: skip


def _state(account_id: int, channel: str) -> Contactability:
    return Contactability.objects.get(account_id=account_id, channel=channel)


class TestRecording:
    def test_an_allowed_call_is_kept_with_its_decision_and_pack_version(self) -> None:
        account, phone = _new_yorker()
        recorded = _call(account.pk, MONDAY, contact_point_id=phone.pk)
        row = ContactAttempt.objects.get()
        assert recorded.created is True
        assert (row.channel, row.direction, row.outcome, row.phone_type) == (
            "call", "outbound", "no_answer", "mobile")  # fmt: skip
        assert row.allowed is True
        assert row.pack_version == "us-federal@2026.11.3+us-ny@2026.11.2"
        assert {r["rule"] for r in row.reasons} >= {"regf.call-frequency", "regf.inconvenient-time"}

    def test_the_eighth_call_in_seven_days_is_refused_and_nothing_is_written(self) -> None:
        account, _ = _new_yorker()
        for day in range(7):
            _call(account.pk, MONDAY + timedelta(days=day // 2, hours=day % 2))
        with pytest.raises(ContactBlocked) as refused:
            _call(account.pk, MONDAY + timedelta(days=4))
        decision = refused.value.decision
        assert [r.rule_id for r in decision.blocks] == ["regf.call-frequency"]
        # Calls on Mon, Mon, Tue, Tue, Wed, Wed, Thu: the window loses the first Monday call
        # seven days later, on Monday 9 November, and calling starts at 08:00 in New York.
        assert decision.earliest == datetime(2026, 11, 9, 8, 0, tzinfo=NY)
        assert refused.value.field == "channel"
        assert ContactAttempt.objects.count() == 7

    def test_a_conversation_on_an_inbound_call_closes_the_phone_for_seven_days(self) -> None:
        account, _ = _new_yorker()
        _call(account.pk, MONDAY, "conversation", direction="inbound")
        row = ContactAttempt.objects.get()
        assert row.allowed is None and row.reasons == [] and row.pack_version == ""
        state = _state(account.pk, "call")
        assert state.next_at == datetime(2026, 11, 9, 8, 0, tzinfo=NY)
        assert state.blocking_rules == "regf.call-after-conversation"
        assert _state(account.pk, "letter").next_at == MONDAY + timedelta(minutes=1)
        with pytest.raises(ContactBlocked):
            _call(account.pk, datetime(2026, 11, 8, 20, 59, tzinfo=NY))
        _call(account.pk, datetime(2026, 11, 9, 9, 0, tzinfo=NY))  # the following Monday
        assert ContactAttempt.objects.count() == 2

    def test_a_contact_already_made_is_recorded_with_its_block_and_audited(self) -> None:
        account, _ = _new_yorker()
        late = datetime(2026, 11, 2, 21, 30, tzinfo=NY)
        recorded = _call(account.pk, late, already_made=True, source="dialer")
        assert recorded.attempt.allowed is False
        assert recorded.decision is not None
        assert [r.rule_id for r in recorded.decision.blocks] == ["regf.inconvenient-time"]
        event = AuditEvent.objects.get(event="contact.made_while_blocked")
        assert event.details == {
            "attempt": recorded.attempt.pk,
            "rules": ["regf.inconvenient-time"],
        }

    def test_the_same_reference_twice_records_once(self) -> None:
        account, _ = _new_yorker()
        first = _call(account.pk, MONDAY, key="DIALER-1")
        again = _call(account.pk, MONDAY, key="DIALER-1")
        assert (first.created, again.created) == (True, False)
        assert again.attempt.pk == first.attempt.pk
        assert ContactAttempt.objects.count() == 1

    def test_a_reference_used_for_another_account_is_refused(self) -> None:
        account, _ = _new_yorker()
        other, _ = _new_yorker()
        _call(account.pk, MONDAY, key="DIALER-1")
        with pytest.raises(ServiceError) as refused:
            _call(other.pk, MONDAY, key="DIALER-1")
        assert refused.value.field == "key"
        assert ContactAttempt.objects.filter(account=other).count() == 0

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"channel": "fax"}, "channel"),
            ({"outcome": "sent"}, "outcome"),  # a call is not "sent"
            ({"direction": "inbound", "outcome": "no_answer"}, "outcome"),
            ({"recipient": "neighbour"}, "recipient"),
            ({"purpose": "chat"}, "purpose"),
            ({"at": datetime(2026, 11, 2, 10, 0)}, "at"),  # no offset
            ({"now": MONDAY - timedelta(hours=1)}, "at"),  # in the future
            ({"contact_point_id": 999_999}, "contact_point_id"),
        ],
    )  # fmt: skip
    def test_bad_input_is_refused_naming_the_field_and_nothing_changes(
        self, changes: dict, field: str
    ) -> None:
        account, _ = _new_yorker()
        at = changes.pop("at", MONDAY)
        with pytest.raises(ServiceError) as refused:
            _call(account.pk, at, **{"outcome": "no_answer", **changes})
        assert refused.value.field == field
        assert ContactAttempt.objects.count() == 0
        assert Contactability.objects.count() == 0

    def test_another_accounts_contact_point_is_refused(self) -> None:
        account, _ = _new_yorker()
        _other, other_phone = _new_yorker()
        with pytest.raises(ServiceError) as refused:
            _call(account.pk, MONDAY, contact_point_id=other_phone.pk)
        assert refused.value.field == "contact_point_id"
        assert ContactAttempt.objects.count() == 0

    def test_an_unknown_account_is_not_found(self) -> None:
        with pytest.raises(NotFound):
            _call(999_999, MONDAY)


class TestContactability:
    def test_a_cease_closes_every_channel_with_no_end_and_its_end_reopens_them(self) -> None:
        account, _ = _new_yorker()
        hold = hold_add(account_id=account.pk, kind="cease", starts_on=date(2026, 11, 2),
                        source="consumer letter", actor=ACTOR, now=MONDAY)  # fmt: skip
        states = {c.channel: c for c in Contactability.objects.filter(account=account)}
        assert set(states) == {"call", "sms", "email", "letter"}
        assert all(s.no_end and s.next_at is None for s in states.values())
        assert "regf.cease-communication" in states["call"].blocking_rules.split(",")
        hold_end(hold_id=hold.pk, ends_on=date(2026, 11, 20), actor=ACTOR, now=MONDAY)
        call = _state(account.pk, "call")
        assert (call.no_end, call.next_at) == (False, datetime(2026, 11, 20, 8, 0, tzinfo=NY))

    def test_queues_see_only_accounts_whose_moment_has_come(self) -> None:
        open_account, _ = _new_yorker()
        talked_to, _ = _new_yorker()
        never_worked_out, _ = _new_yorker()
        _call(talked_to.pk, MONDAY, "conversation")
        contactability_refresh([open_account.pk], at=MONDAY)
        assert contactable_accounts(Channel.CALL, at=MONDAY + timedelta(hours=1)) == [
            open_account.pk
        ]
        later = datetime(2026, 11, 9, 9, 0, tzinfo=NY)
        assert contactable_accounts(Channel.CALL, at=later) == [open_account.pk, talked_to.pk]
        assert never_worked_out.pk not in contactable_accounts(Channel.CALL, at=later)

    def test_refreshing_again_changes_nothing(self) -> None:
        account, _ = _new_yorker()
        _call(account.pk, MONDAY, "conversation")
        before = list(Contactability.objects.values_list("channel", "next_at", "blocking_rules"))
        contactability_refresh([account.pk], at=MONDAY + timedelta(minutes=1))
        after = list(Contactability.objects.values_list("channel", "next_at", "blocking_rules"))
        assert before == after
        assert Contactability.objects.count() == 4

    def test_history_lists_newest_first(self) -> None:
        account, _ = _new_yorker()
        _call(account.pk, MONDAY)
        _call(account.pk, MONDAY + timedelta(hours=2), "voicemail_left")
        rows = contact_history(account.pk)
        assert rows is not None
        assert [r.outcome for r in rows] == ["voicemail_left", "no_answer"]
        assert contact_history(999_999) is None
        assert contact_history(account.pk, start=MONDAY + timedelta(hours=1)) == rows[:1]
        assert rows[0].at.astimezone(UTC) == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
