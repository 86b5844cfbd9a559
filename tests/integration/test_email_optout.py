"""The opt-out link: a signed token of (account, contact point, channel) that never expires,
applied once as an opt-out of email on that address, which compliance honors at once (email
blocked, letters not); a second use changes nothing; a tampered token changes nothing. And the
email sender the settings name."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.urls import resolve

from arrears.adapters.email.fake import FakeEmailSender
from arrears.adapters.email.files import FileEmailSender
from arrears.core.compliance import Channel
from arrears.data.accounts.models import AccountParty
from arrears.data.audit.models import AuditEvent
from arrears.data.clients.models import Client
from arrears.data.contacts.models import Contactability, ContactRestriction
from arrears.data.parties.models import ContactPoint, Party
from arrears.interfaces.web.optout import opt_out_page
from arrears.services.common import Actor, NotFound, ServiceError, blind_indexer, email_sender
from arrears.services.compliance.preferences import (
    contact_restriction_add,
    contact_restriction_end,
)
from arrears.services.compliance.queries import contact_decisions
from arrears.services.messaging.optout import (
    SALT,
    mask_address,
    opt_out_apply,
    opt_out_preview,
    opt_out_token,
    opt_out_url,
)
from tests.factories import make_client, make_new_yorker

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 12, tzinfo=NY)
ACTOR = Actor.system("test")


def consumer_with_email(address: str = "pat.doe@example.com"):  # type: ignore[no-untyped-def]
    """A New Yorker (address and mobile), of ACME's, who also gave an email address."""
    account = make_new_yorker(Client.objects.filter(code="ACME").first() or make_client())
    party_id = AccountParty.objects.get(account=account).party_id
    point = ContactPoint.objects.create(
        party_id=party_id, kind="email", email=address, status="valid",
        value_index=blind_indexer().index("email", address), valid_from=date(2026, 1, 1),
    )  # fmt: skip
    return account, point


def blocks(account_id: int, channel: Channel) -> list[str]:
    decisions = contact_decisions(account_id, at=NOW, channels=(channel,))
    assert decisions is not None
    return [r.rule_id for r in decisions[0].blocks]


class TestTheLink:
    def test_the_url_is_the_public_base_and_the_opt_out_page(self, settings) -> None:  # type: ignore[no-untyped-def]
        settings.ARREARS_PUBLIC_BASE_URL = "https://pay.arrears.example/"
        url = opt_out_url(account_id=7, contact_point_id=31)
        token = opt_out_token(account_id=7, contact_point_id=31)
        assert url == f"https://pay.arrears.example/opt-out/{token}/"
        assert resolve(f"/opt-out/{token}/").func is opt_out_page

    def test_the_token_carries_only_ids_and_the_channel_signed_with_our_salt(self) -> None:
        token = opt_out_token(account_id=7, contact_point_id=31, channel="email")
        assert signing.Signer(salt=SALT).unsign_object(token) == [7, 31, "email"]
        with pytest.raises(signing.BadSignature):
            signing.Signer(salt="another").unsign_object(token)

    @pytest.mark.parametrize(
        ("address", "masked"),
        [("pat.doe@example.com", "p***@example.com"), ("j@x.org", "j***@x.org"), ("nope", "***")],
    )
    def test_the_address_is_masked_to_its_first_letter_and_domain(self, address, masked) -> None:  # type: ignore[no-untyped-def]
        assert mask_address(address) == masked


class TestOptOutApply:
    def test_records_an_email_opt_out_on_that_address_received_today_by_email_link(self) -> None:
        account, point = consumer_with_email()
        token = opt_out_token(account_id=account.pk, contact_point_id=point.pk)

        result = opt_out_apply(token=token, now=NOW)

        restriction = ContactRestriction.objects.get()
        assert (result.restriction_id, result.created, result.masked_address) == (
            restriction.pk, True, "p***@example.com")  # fmt: skip
        assert (restriction.party_id, restriction.kind, restriction.channel,
                restriction.contact_point_id, restriction.received_on, restriction.medium,
                restriction.ended_on, restriction.created_by_id) == (
            point.party_id, "opt_out", "email", point.pk, date(2026, 11, 23), "email link",
            None, None)  # fmt: skip
        event = AuditEvent.objects.get(event="contact_restriction.added")
        assert (event.actor_label, event.account_id, event.party_id) == (
            "consumer:opt-out link", account.pk, point.party_id)  # fmt: skip

    def test_compliance_then_blocks_email_but_not_letters_for_the_account(self) -> None:
        account, point = consumer_with_email()
        assert blocks(account.pk, Channel.EMAIL) == []

        opt_out_apply(token=opt_out_token(account_id=account.pk, contact_point_id=point.pk),
                      now=NOW)  # fmt: skip

        assert blocks(account.pk, Channel.EMAIL) == ["regf.medium-opt-out"]
        assert blocks(account.pk, Channel.LETTER) == []
        state = Contactability.objects.get(account=account, channel="email")
        assert (state.no_end, state.next_at) == (True, None)

    def test_applying_twice_changes_nothing(self) -> None:
        account, point = consumer_with_email()
        token = opt_out_token(account_id=account.pk, contact_point_id=point.pk)
        first = opt_out_apply(token=token, now=NOW)
        events = AuditEvent.objects.count()

        again = opt_out_apply(token=token, now=NOW)

        assert (again.restriction_id, again.created) == (first.restriction_id, False)
        assert ContactRestriction.objects.count() == 1
        assert AuditEvent.objects.count() == events

    def test_an_opt_out_of_all_email_already_in_force_covers_the_address(self) -> None:
        account, point = consumer_with_email()
        whole = contact_restriction_add(account_id=account.pk, kind="opt_out", channel="email",
                                        received_on=date(2026, 11, 2), medium="phone",
                                        actor=ACTOR, now=NOW)  # fmt: skip

        result = opt_out_apply(token=opt_out_token(account_id=account.pk,
                                                   contact_point_id=point.pk), now=NOW)  # fmt: skip

        assert (result.restriction_id, result.created) == (whole.pk, False)
        assert ContactRestriction.objects.count() == 1

    def test_after_the_consumer_lifted_it_the_link_opts_out_again(self) -> None:
        account, point = consumer_with_email()
        token = opt_out_token(account_id=account.pk, contact_point_id=point.pk)
        first = opt_out_apply(token=token, now=datetime(2026, 11, 2, 12, tzinfo=NY))
        contact_restriction_end(restriction_id=first.restriction_id, ended_on=date(2026, 11, 10),
                                actor=ACTOR, now=NOW)  # fmt: skip

        again = opt_out_apply(token=token, now=NOW)

        assert again.created is True
        assert ContactRestriction.objects.count() == 2

    def test_a_tampered_token_is_refused_on_the_token_and_changes_nothing(self) -> None:
        account, point = consumer_with_email()
        token = opt_out_token(account_id=account.pk, contact_point_id=point.pk)
        other = opt_out_token(account_id=account.pk, contact_point_id=point.pk + 1)
        forged = other.split(":")[0] + ":" + token.split(":")[1]  # another payload, our signature

        for bad in (forged, token[:-3], "not-a-token", ""):
            with pytest.raises(ServiceError) as refused:
                opt_out_apply(token=bad, now=NOW)
            assert (refused.value.field, refused.value.message) == (
                "token", "This link is not valid. It may have been copied incompletely.")  # fmt: skip
        assert ContactRestriction.objects.count() == 0

    def test_an_address_no_longer_the_consumers_is_not_found(self) -> None:
        account, point = consumer_with_email()
        someone_else = Party.objects.create(first_name="Sam", last_name="Roe")
        ContactPoint.objects.filter(pk=point.pk).update(party=someone_else)

        with pytest.raises(NotFound) as refused:
            opt_out_apply(token=opt_out_token(account_id=account.pk, contact_point_id=point.pk),
                          now=NOW)  # fmt: skip

        assert (refused.value.field, refused.value.message) == (
            "token", "This link no longer matches an address we hold.")  # fmt: skip
        assert ContactRestriction.objects.count() == 0

    def test_a_preview_says_what_would_stop_and_changes_nothing(self) -> None:
        account, point = consumer_with_email()
        token = opt_out_token(account_id=account.pk, contact_point_id=point.pk)

        before = opt_out_preview(token=token, today=date(2026, 11, 23))
        opt_out_apply(token=token, now=NOW)
        after = opt_out_preview(token=token, today=date(2026, 11, 23))

        assert (before.account_id, before.contact_point_id, before.channel,
                before.masked_address, before.stopped) == (
            account.pk, point.pk, "email", "p***@example.com", False)  # fmt: skip
        assert after.stopped is True


class TestTheSettingsSender:
    @pytest.fixture(autouse=True)
    def _fresh(self):  # type: ignore[no-untyped-def]
        email_sender.cache_clear()
        yield
        email_sender.cache_clear()

    def test_is_the_file_sender_under_var_outbox_by_default(self, settings) -> None:  # type: ignore[no-untyped-def]
        # The suite sends to the fake (tests/conftest.py); the settings module's own default is
        # what a fresh checkout uses.
        from arrears.config import settings as defaults

        settings.ARREARS_EMAIL_SENDER = defaults.ARREARS_EMAIL_SENDER
        settings.ARREARS_EMAIL_SENDER_OPTIONS = defaults.ARREARS_EMAIL_SENDER_OPTIONS
        email_sender.cache_clear()
        sender = email_sender()
        assert isinstance(sender, FileEmailSender)
        assert sender.directory == settings.VAR_DIR / "outbox"

    def test_is_the_one_the_settings_name_with_its_options(self, settings) -> None:  # type: ignore[no-untyped-def]
        settings.ARREARS_EMAIL_SENDER = "arrears.adapters.email.fake.FakeEmailSender"
        settings.ARREARS_EMAIL_SENDER_OPTIONS = {"rejecting": ["gone@example.com"]}

        sender = email_sender()

        assert isinstance(sender, FakeEmailSender)
        assert sender.rejecting == {"gone@example.com"}
        assert email_sender() is sender  # made once
