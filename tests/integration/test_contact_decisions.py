"""Contact decisions for an account in the book: snapshot from the database, judged by the packs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from arrears.core.compliance import Channel
from arrears.data.accounts.models import AccountParty, Hold
from arrears.data.parties.models import ContactPoint
from arrears.services.compliance.queries import contact_decisions
from arrears.services.compliance.snapshots import contact_snapshot
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db

NOON_NY = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Monday 12:00 in New York


def _add_points(account, *, zip_code: str, state: str, phone: str, consent: str = "") -> None:  # type: ignore[no-untyped-def]
    party_id = AccountParty.objects.get(account=account).party_id
    common = {"party_id": party_id, "valid_from": date(2026, 1, 1), "value_index": ""}
    ContactPoint.objects.create(kind="address", address1="1 Main St", city="X", state=state,
                                zip=zip_code, **{**common, "value_index": f"a{zip_code}"})  # fmt: skip
    ContactPoint.objects.create(kind="phone", phone_e164=phone, phone_type="mobile",
                                consent_source=consent, **{**common, "value_index": phone})  # fmt: skip


def _by_channel(decisions):  # type: ignore[no-untyped-def]
    return {d.channel: d for d in decisions}


def test_massachusetts_address_brings_the_state_pack_and_its_zone() -> None:
    account = make_account(make_client())
    _add_points(account, zip_code="02138", state="MA", phone="+16175550100")
    snap = contact_snapshot(account.pk, at=NOON_NY)
    assert snap is not None
    assert snap.jurisdictions == frozenset({"US", "US-MA", "client:ACME"})
    assert snap.zones == ("America/New_York",)
    assert snap.limitation_starts_on == date(2026, 1, 1)
    decision = _by_channel(contact_decisions(account.pk, at=NOON_NY))[Channel.CALL]
    assert decision.allowed
    assert decision.pack_version == "us-federal@2026.11.3+us-ma@2026.11.2"
    assert "ma.personal-phone-cap" in [r.rule_id for r in decision.reasons]


def test_a_brooklyn_zip_is_new_york_city() -> None:
    account = make_account(make_client())
    _add_points(account, zip_code="11201", state="NY", phone="+17185550100")
    snap = contact_snapshot(account.pk, at=NOON_NY)
    assert snap is not None and "US-NY-NYC" in snap.jurisdictions


def test_an_open_bankruptcy_blocks_every_channel_with_no_end() -> None:
    account = make_account(make_client())
    _add_points(account, zip_code="02138", state="MA", phone="+16175550100")
    Hold.objects.create(account=account, kind="bankruptcy", starts_on=date(2026, 11, 1),
                        source="court notice")  # fmt: skip
    decisions = contact_decisions(account.pk, at=NOON_NY)
    assert decisions is not None
    for d in decisions:
        assert not d.allowed and d.earliest is None
        assert "bankruptcy.automatic-stay" in [r.rule_id for r in d.blocks]
    assert [r.rule_id for r in _by_channel(decisions)[Channel.CALL].blocks] == [
        "bankruptcy.automatic-stay"
    ]


def test_a_los_angeles_mobile_keeps_a_boston_consumer_waiting_until_eight_pacific() -> None:
    account = make_account(make_client())
    _add_points(account, zip_code="02138", state="MA", phone="+13105550100")
    early = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 09:00 Boston, 06:00 Los Angeles
    call = _by_channel(contact_decisions(account.pk, at=early))[Channel.CALL]
    assert not call.allowed
    assert call.earliest == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    assert [r.rule_id for r in call.blocks] == ["regf.inconvenient-time"]


def test_texting_needs_the_consumers_own_consent() -> None:
    without = make_account(make_client())
    _add_points(without, zip_code="02138", state="MA", phone="+16175550100",
                consent="provided_to_creditor")  # fmt: skip
    sms = _by_channel(contact_decisions(without.pk, at=NOON_NY))[Channel.SMS]
    assert [r.rule_id for r in sms.blocks] == ["policy.sms-consent"]
    with_consent = make_account(make_client("BETA"))
    _add_points(with_consent, zip_code="02138", state="MA", phone="+16175550101",
                consent="consumer_sms_opt_in")  # fmt: skip
    assert _by_channel(contact_decisions(with_consent.pk, at=NOON_NY))[Channel.SMS].allowed


def test_unknown_account_has_no_decisions() -> None:
    assert contact_decisions(987654, at=NOON_NY) is None
