"""Texts back to us: a reply is found by its number through the blind index and recorded on each
of the consumer's open debts once, however often the webhook comes; STOP becomes an SMS opt-out
on that phone that blocks texts and nothing else, START lifts it; a delivery report that says
the number can never get a text marks the phone bad."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from arrears.core.compliance import Channel
from arrears.core.messaging.keywords import Reply
from arrears.data.accounts.models import Account, AccountParty, AccountStatus
from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import Contactability, ContactAttempt, ContactRestriction
from arrears.data.parties.models import ContactPoint, Party
from arrears.services.common import Actor, ServiceError, blind_indexer
from arrears.services.compliance.queries import contact_decisions
from arrears.services.messaging.sms import (
    InboundSms,
    SmsStatus,
    sms_inbound_record,
    sms_status_record,
)
from tests.factories import make_account, make_client, make_new_yorker

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("twilio webhook")
NY = ZoneInfo("America/New_York")
MONDAY_NOON = datetime(2026, 11, 23, 12, tzinfo=NY)
MOBILE = "+17165550100"
OURS = "+17165550142"


def _consumer() -> tuple[Account, Account, ContactPoint]:
    """A Buffalo consumer with two open debts and a paid one, and a mobile they agreed to be
    texted on, indexed as an import would."""
    client = make_client()
    account = make_new_yorker(client)
    party = AccountParty.objects.get(account=account).party
    phone = ContactPoint.objects.get(party=party, kind="phone")
    phone.value_index = blind_indexer().index("phone", MOBILE)
    phone.consent_source = "consumer_sms_opt_in"
    phone.save(update_fields=["value_index", "consent_source"])
    other = make_account(client, principal=30_000)
    paid = make_account(client, principal=10_000)
    AccountParty.objects.filter(account__in=[other, paid]).update(party=party)
    Account.objects.filter(pk=paid.pk).update(status=AccountStatus.PAID)
    return account, other, phone


def _blocks(account_id: int, channel: Channel, at: datetime = MONDAY_NOON) -> list[str]:
    decisions = contact_decisions(account_id, at=at, channels=(channel,))
    assert decisions is not None
    return [r.rule_id for r in decisions[0].blocks]


def _reply(body: str, sid: str = "SM9f8e7d6c5b4a39281706f5e4d3c2b1a0", *,
           at: datetime = MONDAY_NOON, number: str = MOBILE, keyword: str = "") -> InboundSms:  # fmt: skip
    return sms_inbound_record(from_number=number, to_number=OURS, body=body, provider_id=sid,
                              received_at=at, actor=ACTOR, now=at + timedelta(seconds=1),
                              provider_keyword=keyword)  # fmt: skip


def _state() -> tuple[object, ...]:
    return (
        list(ContactAttempt.objects.order_by("pk").values_list("pk", "account_id", "key")),
        list(ContactRestriction.objects.order_by("pk").values_list("pk", "ended_on")),
        AuditEvent.objects.count(),
        list(ContactPoint.objects.order_by("pk").values_list("pk", "status")),
    )


class TestStop:
    def test_stop_is_recorded_on_each_open_debt_and_blocks_texts_there_but_not_calls_or_letters(
        self,
    ) -> None:
        account, other, phone = _consumer()
        assert _blocks(account.pk, Channel.SMS) == []
        calls, letters = _blocks(account.pk, Channel.CALL), _blocks(account.pk, Channel.LETTER)

        result = _reply("Stop")

        attempts = list(ContactAttempt.objects.order_by("account_id"))
        assert [(a.account_id, a.channel, a.direction, a.outcome, a.contact_point_id, a.key,
                 a.note, a.allowed) for a in attempts] == [
            (account.pk, "sms", "inbound", "received", phone.pk,
             f"sms-in:SM9f8e7d6c5b4a39281706f5e4d3c2b1a0:{account.pk}", "Stop", None),
            (other.pk, "sms", "inbound", "received", phone.pk,
             f"sms-in:SM9f8e7d6c5b4a39281706f5e4d3c2b1a0:{other.pk}", "Stop", None),
        ]  # fmt: skip
        restriction = ContactRestriction.objects.get()
        assert (restriction.party_id, restriction.kind, restriction.channel,
                restriction.contact_point_id, restriction.received_on, restriction.medium,
                restriction.ended_on) == (
            phone.party_id, "opt_out", "sms", phone.pk, date(2026, 11, 23), "reply STOP", None,
        )  # fmt: skip
        assert result == InboundSms(
            provider_id="SM9f8e7d6c5b4a39281706f5e4d3c2b1a0", reply=Reply.OPT_OUT,
            contact_points=(phone.pk,), attempts=tuple(a.pk for a in attempts),
            restrictions_added=(restriction.pk,),
        )  # fmt: skip
        for debt in (account, other):
            assert "regf.medium-opt-out" in _blocks(debt.pk, Channel.SMS)
            assert Contactability.objects.get(account=debt, channel="sms").no_end is True
        assert _blocks(account.pk, Channel.CALL) == calls
        assert _blocks(account.pk, Channel.LETTER) == letters

    def test_a_stop_just_before_midnight_blocks_a_text_read_in_any_zone_after_it(self) -> None:
        account, _, _ = _consumer()
        late = datetime(2026, 11, 23, 23, 50, tzinfo=NY)  # 04:50 UTC on the 24th
        _reply("STOP", at=late)
        assert ContactRestriction.objects.get().received_on == date(2026, 11, 23)
        for zone in (NY, ZoneInfo("UTC"), ZoneInfo("Pacific/Honolulu")):
            after = (late + timedelta(minutes=5)).astimezone(zone)
            assert "regf.medium-opt-out" in _blocks(account.pk, Channel.SMS, after), zone

    @pytest.mark.parametrize(
        ("body", "medium"),
        [("UNSUBSCRIBE", "reply UNSUBSCRIBE"), ("stop all", "reply STOP ALL"),
         ("Opt-Out!", "reply OPT OUT"), ("  quit. ", "reply QUIT")],
    )  # fmt: skip
    def test_every_opt_out_word_is_an_opt_out(self, body: str, medium: str) -> None:
        _consumer()
        assert _reply(body).reply is Reply.OPT_OUT
        assert ContactRestriction.objects.get().medium == medium

    def test_the_providers_own_stop_keyword_is_honored_too(self) -> None:
        account, _, _ = _consumer()
        result = _reply("Arrêtez", keyword="STOP")
        assert result.reply is Reply.OPT_OUT
        assert ContactRestriction.objects.get().medium == "reply ARRÊTEZ"
        assert "regf.medium-opt-out" in _blocks(account.pk, Channel.SMS)

    def test_a_second_stop_adds_no_second_opt_out(self) -> None:
        _consumer()
        _reply("STOP", "SM1")
        again = _reply("stop", "SM2")
        assert (again.restrictions_added, len(again.attempts)) == ((), 2)
        assert ContactRestriction.objects.count() == 1
        assert ContactAttempt.objects.count() == 4

    def test_a_number_two_consumers_share_is_opted_out_for_both(self) -> None:
        account, _, _ = _consumer()
        spouse = make_new_yorker(account.client)
        theirs = ContactPoint.objects.get(party__account_parties__account=spouse, kind="phone")
        theirs.value_index = blind_indexer().index("phone", MOBILE)
        theirs.consent_source = "consumer_sms_opt_in"
        theirs.save(update_fields=["value_index", "consent_source"])

        result = _reply("STOP")

        assert len(result.contact_points) == 2
        assert len(result.restrictions_added) == 2
        assert "regf.medium-opt-out" in _blocks(spouse.pk, Channel.SMS)

    def test_a_phone_of_no_debts_consumer_is_reported_not_kept(self) -> None:
        account, _, _ = _consumer()
        co_signer = Party.objects.create(first_name="Sam", last_name="Doe")
        AccountParty.objects.create(account=account, party=co_signer, role="co_signer")
        theirs = ContactPoint.objects.create(
            party=co_signer, kind="phone", phone_e164="+17165550199", phone_type="mobile",
            valid_from=date(2026, 1, 1), value_index=blind_indexer().index("phone", "+17165550199"),
        )  # fmt: skip

        result = _reply("STOP", number="(716) 555-0199")

        assert (result.contact_points, result.not_kept, result.restrictions_added) == (
            (theirs.pk,), (theirs.pk,), (),
        )  # fmt: skip
        assert len(result.attempts) == 1  # the co-signer's text is still on the debt's record


class TestStart:
    def test_start_the_next_day_lifts_the_opt_out_from_that_day(self) -> None:
        account, _, _ = _consumer()
        _reply("STOP", "SM1")
        tuesday = MONDAY_NOON + timedelta(days=1)

        result = _reply("START", "SM2", at=tuesday)

        restriction = ContactRestriction.objects.get()
        assert result.restrictions_ended == (restriction.pk,)
        assert restriction.ended_on == date(2026, 11, 24)
        assert _blocks(account.pk, Channel.SMS, tuesday + timedelta(minutes=1)) == []
        assert Contactability.objects.get(account=account, channel="sms").no_end is False

    def test_start_the_same_day_lifts_it_from_the_next(self) -> None:
        account, _, _ = _consumer()
        _reply("STOP", "SM1")
        _reply("unstop", "SM2", at=MONDAY_NOON + timedelta(hours=1))
        assert ContactRestriction.objects.get().ended_on == date(2026, 11, 24)
        assert "regf.medium-opt-out" in _blocks(account.pk, Channel.SMS,
                                                MONDAY_NOON + timedelta(hours=2))  # fmt: skip
        assert _blocks(account.pk, Channel.SMS, MONDAY_NOON + timedelta(days=1)) == []

    def test_stop_after_start_opts_out_again(self) -> None:
        account, _, _ = _consumer()
        _reply("STOP", "SM1")
        _reply("START", "SM2", at=MONDAY_NOON + timedelta(days=1))
        _reply("STOP", "SM3", at=MONDAY_NOON + timedelta(days=2))
        assert ContactRestriction.objects.filter(ended_on__isnull=True).count() == 1
        assert "regf.medium-opt-out" in _blocks(account.pk, Channel.SMS,
                                                MONDAY_NOON + timedelta(days=2, hours=1))  # fmt: skip

    def test_start_with_nothing_to_lift_only_records_the_text(self) -> None:
        _consumer()
        result = _reply("YES")
        assert (result.reply, result.restrictions_ended, len(result.attempts)) == (
            Reply.OPT_IN, (), 2,
        )  # fmt: skip


class TestOtherReplies:
    def test_a_replayed_webhook_records_nothing_new(self) -> None:
        _consumer()
        first = _reply("STOP")
        before = _state()

        again = _reply("STOP")

        assert _state() == before
        assert again == InboundSms(provider_id=first.provider_id, reply=Reply.OPT_OUT,
                                   contact_points=first.contact_points, replayed=True)  # fmt: skip

    def test_an_unknown_number_is_recorded_nowhere_but_reported(self) -> None:
        _consumer()
        before = _state()
        for number in ("+12125550123", "12345", "+447700900123"):
            result = _reply("STOP", number=number)
            assert (result.known, result.reply, result.attempts) == (False, Reply.OPT_OUT, ())
        assert _state() == before

    def test_a_longer_reply_with_an_opt_out_word_is_flagged_for_a_person_not_honored_alone(
        self,
    ) -> None:
        account, other, _ = _consumer()

        result = _reply("please stop texting me, I will call you")

        assert (result.reply, result.to_read, result.restrictions_added) == (Reply.OTHER, True, ())
        flagged = AuditEvent.objects.filter(event="sms.reply_to_read").order_by("account_id")
        assert [e.account_id for e in flagged] == [account.pk, other.pk]
        assert _blocks(account.pk, Channel.SMS) == []

    def test_an_ordinary_reply_is_recorded_with_its_words(self) -> None:
        account, _, _ = _consumer()
        result = _reply("I can pay $50 on Friday")
        assert (result.reply, result.to_read) == (Reply.OTHER, False)
        assert ContactAttempt.objects.get(account=account).note == "I can pay $50 on Friday"
        assert not ContactRestriction.objects.exists()

    @pytest.mark.parametrize(
        ("changes", "field"),
        [({"sid": ""}, "provider_id"), ({"sid": "SM" + "0" * 70}, "provider_id"),
         ({"at": datetime(2026, 11, 23, 12)}, "received_at")],
    )  # fmt: skip
    def test_a_reply_without_its_id_or_moment_is_refused_and_nothing_changes(
        self, changes: dict[str, object], field: str
    ) -> None:
        _consumer()
        before = _state()
        with pytest.raises(ServiceError) as refused:
            _reply("STOP", **changes)  # type: ignore[arg-type]
        assert refused.value.field == field
        assert _state() == before


class TestDeliveryReports:
    def _report(self, status: str, code: str = "", to: str = MOBILE) -> SmsStatus:
        return sms_status_record(provider_id="SM0a1b2c3d4e5f60718293a4b5c6d7e8f9", status=status,
                                 error_code=code, at=MONDAY_NOON, actor=ACTOR, now=MONDAY_NOON,
                                 to_number=to, reference="MSG-42-1")  # fmt: skip

    @pytest.mark.parametrize("code", ["30003", "30005", "30006"])
    def test_a_number_that_can_never_get_a_text_is_marked_bad_with_its_audit(self, code) -> None:  # type: ignore[no-untyped-def]
        account, other, phone = _consumer()
        assert _blocks(account.pk, Channel.SMS) == []

        result = self._report("undelivered", code)

        assert result == SmsStatus(provider_id="SM0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                                   status="undelivered", error_code=code, permanent=True,
                                   marked_bad=(phone.pk,))  # fmt: skip
        phone.refresh_from_db()
        assert phone.status == "bad"
        events = AuditEvent.objects.filter(event="contact_point.marked_bad").order_by("account_id")
        paid = AccountParty.objects.filter(party_id=phone.party_id).exclude(
            account__in=[account, other]).get().account_id  # fmt: skip
        assert [e.account_id for e in events] == sorted([account.pk, other.pk, paid])
        assert events[0].details["contact_point"] == phone.pk
        assert events[0].details["reference"] == "MSG-42-1"
        assert events[0].details["reason"].startswith(f"text undeliverable: error {code}")
        assert _blocks(account.pk, Channel.SMS) != []
        assert Contactability.objects.get(account=account, channel="sms").computed_at == MONDAY_NOON

    def test_the_same_report_again_changes_nothing(self) -> None:
        _consumer()
        self._report("failed", "30005")
        before = _state()
        assert self._report("failed", "30005").marked_bad == ()
        assert _state() == before

    @pytest.mark.parametrize(
        ("status", "code"),
        [("delivered", ""), ("sent", ""), ("undelivered", "30007"), ("failed", "30008"),
         ("delivered", "30005")],
    )  # fmt: skip
    def test_anything_but_a_permanent_failure_changes_nothing(self, status, code) -> None:  # type: ignore[no-untyped-def]
        _consumer()
        before = _state()
        assert self._report(status, code).permanent is False
        assert _state() == before

    def test_a_permanent_failure_without_its_number_is_refused(self) -> None:
        _consumer()
        with pytest.raises(ServiceError) as refused:
            self._report("undelivered", "30005", to="")
        assert refused.value.field == "to_number"

    def test_a_number_we_do_not_know_marks_nothing(self) -> None:
        _consumer()
        before = _state()
        assert self._report("undelivered", "30005", to="+12125550123").marked_bad == ()
        assert _state() == before
