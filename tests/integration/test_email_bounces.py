"""Bounces: a hard one makes the address bad on every consumer who gave it (found through the
email blind index), audited per party, and email is then blocked for their accounts; a soft one
is only recorded; the same bounce again changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from arrears.core.compliance import Channel
from arrears.data.accounts.models import AccountParty
from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import Contactability
from arrears.data.parties.models import ContactPoint
from arrears.services.common import Actor, ServiceError, blind_indexer
from arrears.services.messaging.bounces import email_bounce_record
from tests.integration.test_email_optout import blocks, consumer_with_email

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 12, tzinfo=ZoneInfo("America/New_York"))
ACTOR = Actor.system("test:bounces")


def bounce(address: str = "pat.doe@example.com", kind: str = "hard", **more):  # type: ignore[no-untyped-def]
    fields: dict[str, Any] = {"bounced_on": date(2026, 11, 22), "reference": "MSG-000042",
                              "reason": "550 5.1.1 User unknown"} | more  # fmt: skip
    return email_bounce_record(address=address, kind=kind, actor=ACTOR, now=NOW, **fields)


def status(point: ContactPoint) -> str:
    point.refresh_from_db()
    return point.status


class TestAHardBounce:
    def test_marks_the_address_bad_and_works_out_the_accounts_contactability_again(self) -> None:
        account, point = consumer_with_email()
        assert not Contactability.objects.filter(account=account).exists()

        result = bounce()

        assert (result.kind, result.contact_points, result.marked_bad, result.recorded) == (
            "hard", (point.pk,), (point.pk,), 1)  # fmt: skip
        assert status(point) == "bad"
        assert set(Contactability.objects.filter(account=account).values_list(
            "computed_at", flat=True)) == {NOW}  # fmt: skip

    def test_is_audited_once_per_party_with_what_the_server_said(self) -> None:
        _, point = consumer_with_email()

        bounce()

        event = AuditEvent.objects.get(event="contact_point.bounced")
        assert (event.actor_label, event.party_id, event.account_id, event.details) == (
            "test:bounces", point.party_id, None,
            {"contact_point": point.pk, "kind": "hard", "bounced_on": "2026-11-22",
             "reference": "MSG-000042", "reason": "550 5.1.1 User unknown",
             "marked_bad": True},
        )  # fmt: skip

    def test_reaches_every_consumer_who_gave_the_address(self) -> None:
        _, mine = consumer_with_email("shared@example.com")
        _, theirs = consumer_with_email("shared@example.com")
        _, other = consumer_with_email("other@example.com")

        result = bounce("shared@example.com")

        assert set(result.marked_bad) == {mine.pk, theirs.pk}
        assert (status(mine), status(theirs), status(other)) == ("bad", "bad", "valid")
        assert AuditEvent.objects.filter(event="contact_point.bounced").count() == 2

    def test_finds_the_address_however_the_provider_cases_it(self) -> None:
        _, point = consumer_with_email("Pat.Doe@example.com")  # kept as the client sent it

        result = bounce("  PAT.DOE@EXAMPLE.COM ")

        assert result.marked_bad == ()  # "Pat.Doe" is not "pat.doe" to the index
        assert status(point) == "valid"
        assert bounce("Pat.Doe@EXAMPLE.com").marked_bad == (point.pk,)

    def test_the_same_bounce_again_changes_nothing(self) -> None:
        _, point = consumer_with_email()
        bounce()
        events = AuditEvent.objects.count()
        ContactPoint.objects.filter(pk=point.pk).update(status="valid")  # a collector checked it

        again = bounce()

        assert (again.contact_points, again.marked_bad, again.recorded) == ((point.pk,), (), 0)
        assert status(point) == "valid"
        assert AuditEvent.objects.count() == events

    def test_on_an_address_already_bad_is_recorded_but_marks_nothing(self) -> None:
        _, point = consumer_with_email()
        ContactPoint.objects.filter(pk=point.pk).update(status="bad")

        result = bounce()

        assert (result.marked_bad, result.recorded) == ((), 1)
        assert AuditEvent.objects.get(event="contact_point.bounced").details["marked_bad"] is False


class TestASoftBounce:
    def test_is_only_recorded_the_address_stays_usable(self) -> None:
        account, point = consumer_with_email()

        result = bounce(kind="soft", reason="452 4.2.2 Mailbox full")

        assert (result.marked_bad, result.recorded) == ((), 1)
        assert status(point) == "valid"
        assert blocks(account.pk, Channel.EMAIL) == []
        event = AuditEvent.objects.get(event="contact_point.bounced")
        assert (event.details["kind"], event.details["reason"]) == (
            "soft",
            "452 4.2.2 Mailbox full",
        )

    def test_the_same_soft_bounce_again_is_not_recorded_twice(self) -> None:
        consumer_with_email()
        bounce(kind="soft")
        assert bounce(kind="soft").recorded == 0
        assert AuditEvent.objects.filter(event="contact_point.bounced").count() == 1


class TestRefusals:
    def test_an_address_we_do_not_hold_is_no_error_and_matches_nothing(self) -> None:
        consumer_with_email()
        result = bounce("stranger@example.com")
        assert (result.matched, result.contact_points, result.recorded) == (False, (), 0)
        assert not AuditEvent.objects.filter(event="contact_point.bounced").exists()

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"address": "not an address"}, "address", "'not an address' is not an email address"),
            ({"kind": "warm"}, "kind", "kind must be one of hard, soft"),
            ({"bounced_on": date(2026, 11, 24)}, "bounced_on", "a bounce cannot come from the future"),
        ],
    )  # fmt: skip
    def test_bad_input_names_the_field_and_changes_nothing(self, changes, field, message) -> None:  # type: ignore[no-untyped-def]
        _, point = consumer_with_email()
        with pytest.raises(ServiceError) as refused:
            bounce(**changes)
        assert (refused.value.field, refused.value.message) == (field, message)
        assert status(point) == "valid"
        assert not AuditEvent.objects.filter(event="contact_point.bounced").exists()

    def test_a_phone_with_the_same_index_is_never_touched(self) -> None:
        account, point = consumer_with_email()
        party = AccountParty.objects.get(account=account).party_id
        # An index collision across kinds is impossible (kinds key differently); a phone row
        # carrying an email's index proves the kind filter anyway.
        phone = ContactPoint.objects.get(party_id=party, kind="phone")
        ContactPoint.objects.filter(pk=phone.pk).update(
            value_index=blind_indexer().index("email", "pat.doe@example.com"))  # fmt: skip

        assert bounce().marked_bad == (point.pk,)
        assert status(phone) == "unverified"
