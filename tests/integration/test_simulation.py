"""Simulating a candidate rule pack against the contact history as recorded."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.core.compliance import load_pack
from arrears.data.accounts.models import AccountParty
from arrears.data.contacts.models import ContactAttempt
from arrears.data.parties.models import ContactPoint
from arrears.services.common import Actor
from arrears.services.compliance.operations import contact_attempt_record
from arrears.services.compliance.simulation import compliance_simulate
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
PACKS = Path(__file__).resolve().parents[2] / "src/arrears/core/compliance/packs"


def _consumer(state: str, zip_code: str, phone: str):  # type: ignore[no-untyped-def]
    from arrears.data.clients.models import Client

    client = Client.objects.filter(code="ACME").first() or make_client()
    account = make_account(client)
    party_id = AccountParty.objects.get(account=account).party_id
    ContactPoint.objects.create(party_id=party_id, kind="address", address1="1 Main St",
                                city="X", state=state, zip=zip_code, valid_from=date(2026, 1, 1),
                                value_index=f"a{account.pk}")  # fmt: skip
    mobile = ContactPoint.objects.create(party_id=party_id, kind="phone", phone_e164=phone,
                                         phone_type="mobile", valid_from=date(2026, 1, 1),
                                         value_index=f"p{account.pk}")  # fmt: skip
    return account, mobile


def _calls(account, mobile, *moments: datetime) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    for at in moments:
        recorded = contact_attempt_record(
            account_id=account.pk, channel="call", direction="outbound", outcome="no_answer",
            at=at, actor=Actor.system("test"), now=datetime(2026, 11, 23, 12, tzinfo=UTC),
            contact_point_id=mobile.pk,
        )  # fmt: skip
        ids.append(recorded.attempt.pk)
    return ids


def _tightened_ma(tmp_path: Path) -> Path:
    text = (PACKS / "us-ma.toml").read_text()
    text = text.replace('version = "2026.11.2"', 'version = "2026.12.0-draft"')
    text = text.replace("params = { max = 2, days = 7,", "params = { max = 1, days = 7,")
    path = tmp_path / "us-ma-draft.toml"
    path.write_text(text)
    return path


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=NY)


@pytest.fixture
def history():  # type: ignore[no-untyped-def]
    """A Boston consumer called Mon 2, Tue 3, Tue 10 and Mon 16 November (two per seven days
    at most, as the shipped MA pack allows), and a New Yorker called on the same days."""
    boston, boston_mobile = _consumer("MA", "02138", "+16175550100")
    ny, ny_mobile = _consumer("NY", "14201", "+17165550100")
    days = (_at(2), _at(3), _at(10), _at(16))
    return _calls(boston, boston_mobile, *days), _calls(ny, ny_mobile, *days), boston


def test_tightening_the_massachusetts_cap_reports_exactly_the_attempts_it_blocks(
    history, tmp_path
) -> None:
    boston_ids, _ny_ids, boston = history
    candidate = load_pack(_tightened_ma(tmp_path).read_text(), source="draft")
    report = compliance_simulate(candidate=candidate, start=_at(1, 0), end=_at(30, 0))
    assert report.replaces == "us-ma@2026.11.2"
    assert report.attempts == 8
    # One call per 7 days: Tue 3 (Mon 2 in its window) and Mon 16 (Tue 10 in its window);
    # Tue 10's window, Wed 4 to Tue 10, holds no earlier call. The New Yorker is untouched.
    assert [(c.attempt_id, c.change, c.rules) for c in report.changes] == [
        (boston_ids[1], "newly_blocked", ("ma.personal-phone-cap",)),
        (boston_ids[3], "newly_blocked", ("ma.personal-phone-cap",)),
    ]
    assert report.by_rule() == {"ma.personal-phone-cap": {"newly_blocked": 2, "newly_allowed": 0}}
    assert {c.account_id for c in report.changes} == {boston.pk}


def test_loosening_the_cap_reports_a_call_made_while_blocked_as_newly_allowed(
    history, tmp_path
) -> None:
    _boston_ids, _ny_ids, boston = history
    mobile = ContactPoint.objects.get(party__account_parties__account=boston, kind="phone")
    third = contact_attempt_record(
        account_id=boston.pk, channel="call", direction="outbound", outcome="no_answer",
        at=_at(4), actor=Actor.system("dialer"), now=datetime(2026, 11, 23, 12, tzinfo=UTC),
        contact_point_id=mobile.pk, already_made=True,
    ).attempt  # fmt: skip
    assert third.allowed is False
    text = (
        (PACKS / "us-ma.toml")
        .read_text()
        .replace("params = { max = 2, days = 7,", "params = { max = 3, days = 7,")
    )
    candidate = load_pack(text.replace('version = "2026.11.2"', 'version = "x"'), source="t")
    report = compliance_simulate(candidate=candidate, start=_at(1, 0), end=_at(30, 0))
    assert [(c.attempt_id, c.change, c.rules) for c in report.changes] == [
        (third.pk, "newly_allowed", ("ma.personal-phone-cap",))
    ]


def test_the_period_limits_what_is_replayed(history, tmp_path) -> None:
    boston_ids, _, _ = history
    candidate = load_pack(_tightened_ma(tmp_path).read_text(), source="draft")
    report = compliance_simulate(candidate=candidate, start=_at(10, 0), end=_at(30, 0))
    assert report.attempts == 4
    assert [c.attempt_id for c in report.changes] == [boston_ids[3]]


def test_the_command_reports_by_rule_and_writes_nothing(history, tmp_path) -> None:
    boston_ids, _, _ = history
    before = list(ContactAttempt.objects.order_by("id").values_list("id", "allowed", "reasons"))
    out, err = StringIO(), StringIO()
    call_command("compliance-simulate", "--pack", str(_tightened_ma(tmp_path)), "--from",
                 "2026-11-01", "--to", "2026-12-01", "--json", stdout=out, stderr=err)  # fmt: skip
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert report["candidate"] == "us-ma@2026.12.0-draft"
    assert (report["attempts"], report["newly_blocked"], report["newly_allowed"]) == (8, 2, 0)
    assert [c["attempt"] for c in report["changes"]] == [boston_ids[1], boston_ids[3]]
    assert report["changes"][0]["at"] == "2026-11-03T15:00:00+00:00"
    after = list(ContactAttempt.objects.order_by("id").values_list("id", "allowed", "reasons"))
    assert after == before

    out = StringIO()
    call_command("compliance-simulate", "--pack", str(_tightened_ma(tmp_path)), "--from",
                 "2026-11-01", "--to", "2026-12-01", stdout=out, stderr=StringIO())  # fmt: skip
    text = out.getvalue()
    assert "8 outbound attempts replayed; 2 newly blocked, 0 newly allowed." in text
    assert "ma.personal-phone-cap: 2 newly blocked, 0 newly allowed" in text


def test_a_broken_pack_is_a_usage_error_naming_the_field(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "us-ma"\nversion = "1"\n')
    with pytest.raises(CommandError, match="'jurisdiction' is required") as refused:
        call_command("compliance-simulate", "--pack", str(bad), "--from", "2026-11-01",
                     "--to", "2026-12-01")  # fmt: skip
    assert refused.value.returncode == 2


def test_a_missing_pack_file_is_unreadable(tmp_path) -> None:
    with pytest.raises(CommandError, match="cannot read") as refused:
        call_command("compliance-simulate", "--pack", str(tmp_path / "none.toml"), "--from",
                     "2026-11-01", "--to", "2026-12-01")  # fmt: skip
    assert refused.value.returncode == 3
