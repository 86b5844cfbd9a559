"""ACH authorizations, scheduled debits and arrears ach-originate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from arrears.core.formats.nacha import read_ach
from arrears.data.parties.models import BankAccount
from arrears.data.payments.models import AchAuthorization, AchOrigination, ScheduledPayment
from arrears.services.common import Actor, ServiceError
from arrears.services.ledger.operations import account_recall, hold_add
from arrears.services.payments import origination
from arrears.services.payments.origination import (
    ach_authorize,
    ach_originate,
    ach_revoke,
    payment_schedule,
)
from tests.factories import NOW, make_account, make_client
from tests.unit.formats.test_nacha_writer import recompute

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
EFFECTIVE = date(2026, 11, 25)  # a Wednesday


def authorize(account, routing="021000021", number="000123456789", kind="checking", sec="WEB",
              recurring=True):  # fmt: skip
    return ach_authorize(
        account_id=account.pk, routing=routing, account_number=number, account_type=kind,
        sec=sec, evidence="web form, session 7f3a, 2026-11-20 14:03 ET", recurring=recurring,
        actor=ACTOR, now=NOW,
    )  # fmt: skip


def schedule(authorization, amount=5_000, due=EFFECTIVE):
    return payment_schedule(authorization_id=authorization.pk, amount_minor=amount, due_on=due,
                            actor=ACTOR, now=NOW)  # fmt: skip


class TestAuthorize:
    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"routing": "021000022"}, "routing", "fails its check digit"),
            ({"routing": "12345"}, "routing", "nine digits"),
            ({"number": "12"}, "account_number", "4 to 17"),
            ({"kind": "brokerage"}, "account_type", "checking or savings"),
            ({"sec": "CCD"}, "sec", "PPD, WEB, TEL"),
        ],
    )
    def test_refuses_bad_details_and_records_nothing(self, changes, field, message):
        account = make_account(make_client())
        with pytest.raises(ServiceError) as refused:
            authorize(account, **changes)
        assert refused.value.field == field and message in refused.value.message
        assert (AchAuthorization.objects.count(), BankAccount.objects.count()) == (0, 0)

    def test_keeps_the_account_number_encrypted_and_the_evidence(self):
        account = make_account(make_client())
        found = authorize(account)
        bank = found.bank_account
        assert bank.account_last4 == "6789" and "000123456789" not in bank.account_number_encrypted
        assert found.evidence.startswith("web form") and found.keep_until is None

    def test_revoking_cancels_what_is_scheduled_and_keeps_it_two_years(self):
        account = make_account(make_client())
        found = authorize(account)
        first, second = schedule(found), schedule(found, due=EFFECTIVE + timedelta(days=30))
        assert ach_revoke(authorization_id=found.pk, reason="consumer called", actor=ACTOR,
                          now=NOW) == 2  # fmt: skip
        found.refresh_from_db()
        assert found.keep_until == date(2028, 11, 22)
        assert set(ScheduledPayment.objects.values_list("status", flat=True)) == {"cancelled"}
        with pytest.raises(ServiceError):
            schedule(found)
        assert {first.pk, second.pk} == set(ScheduledPayment.objects.values_list("id", flat=True))


class TestOriginate:
    def test_writes_the_due_debits_and_holds_what_cannot_be_collected(self, tmp_path, settings):
        client = make_client()
        web = make_account(client, principal=100_000)
        ppd = make_account(client, principal=100_000)
        disputed = make_account(client, principal=100_000)
        small = make_account(client, principal=3_000)
        recalled = make_account(client, principal=100_000)
        web_auth = authorize(web)
        ppd_auth = authorize(ppd, routing="011000015", number="55501234", kind="savings",
                             sec="PPD", recurring=False)  # fmt: skip
        schedule(web_auth, 5_000, EFFECTIVE - timedelta(days=1))
        schedule(web_auth, 7_500, EFFECTIVE)
        schedule(web_auth, 9_999, EFFECTIVE + timedelta(days=1))  # not due yet
        schedule(ppd_auth, 12_345)
        schedule(authorize(disputed), 1_000)
        schedule(authorize(small), 5_000)
        schedule(authorize(recalled), 1_000)
        hold_add(account_id=disputed.pk, kind="dispute", starts_on=date(2026, 11, 23),
                 source="letter", actor=ACTOR)  # fmt: skip
        account_recall(account_id=recalled.pk, on=date(2026, 11, 23), reason="client",
                       actor=ACTOR)  # fmt: skip
        out = tmp_path / "debits.ach"

        report = ach_originate(effective=EFFECTIVE, out=out, actor=ACTOR, now=NOW)

        assert report.as_dict() == {
            "effective": "2026-11-25", "file": str(out), "entries": 3, "batches": 2,
            "blocks": 1, "debit_total_minor": 5_000 + 7_500 + 12_345,
            "entry_hash": 2100002 * 2 + 1100001,
            "held": {"account recalled": 1, "debt disputed": 1, "owes less than the amount": 1},
        }  # fmt: skip
        text = out.read_text()
        again = recompute(text)
        assert (again["entries"], again["debit"], again["hash"]) == (3, 24_845, 5300005)
        read = read_ach(text)
        assert [b.sec for b in read.batches] == ["PPD", "WEB"]
        ppd_entry = read.batches[0].entries[0]
        assert (ppd_entry.transaction_code, ppd_entry.rdfi, ppd_entry.account.strip(),
                ppd_entry.amount_minor, ppd_entry.individual_id.strip(),
                ppd_entry.name.strip()) == ("37", "01100001", "55501234", 12_345, str(ppd.pk),
                                            "PAT DOE")  # fmt: skip
        assert [e.discretionary for e in read.batches[1].entries] == ["R", "R"]
        sent = ScheduledPayment.objects.filter(status="originated").order_by("id")
        assert [s.trace for s in sent] == [f"09100001{s.pk:07d}" for s in sent]
        assert sorted(e.trace for b in read.batches for e in b.entries) == sorted(
            s.trace for s in sent
        )
        assert ScheduledPayment.objects.filter(status="scheduled").count() == 1
        assert AchOrigination.objects.get().entries == 3

    def test_a_second_run_for_the_day_writes_nothing(self, tmp_path):
        account = make_account(make_client())
        schedule(authorize(account))
        ach_originate(effective=EFFECTIVE, out=tmp_path / "a.ach", actor=ACTOR, now=NOW)
        report = ach_originate(effective=EFFECTIVE, out=tmp_path / "b.ach", actor=ACTOR, now=NOW)
        assert (report.file, report.entries) == (None, 0)
        assert not (tmp_path / "b.ach").exists()
        assert AchOrigination.objects.count() == 1

    def test_refuses_a_day_the_federal_reserve_is_closed(self, tmp_path):
        account = make_account(make_client())
        schedule(authorize(account))
        with pytest.raises(ServiceError) as refused:
            ach_originate(effective=date(2026, 11, 26), out=tmp_path / "x.ach", actor=ACTOR,
                          now=NOW)  # fmt: skip
        assert refused.value.field == "effective"
        assert "the next one is 2026-11-27" in refused.value.message
        assert ScheduledPayment.objects.get().status == "scheduled"

    def test_a_run_that_fails_before_its_commit_is_written_again_the_same(
        self, tmp_path, monkeypatch
    ):
        accounts = [make_account(make_client(f"C{i}")) for i in range(3)]
        for account in accounts:
            schedule(authorize(account))
        out = tmp_path / "debits.ach"

        def fail(**kwargs):
            raise RuntimeError("power cut")

        monkeypatch.setattr(origination, "audit_record", fail)
        with pytest.raises(RuntimeError):
            ach_originate(effective=EFFECTIVE, out=out, actor=ACTOR, now=NOW)
        assert set(ScheduledPayment.objects.values_list("status", flat=True)) == {"scheduled"}
        assert not out.exists()
        monkeypatch.undo()

        report = ach_originate(effective=EFFECTIVE, out=out, actor=ACTOR, now=NOW)

        assert report.entries == 3
        assert set(ScheduledPayment.objects.values_list("status", flat=True)) == {"originated"}
        assert len({e.trace for b in read_ach(out.read_text()).batches for e in b.entries}) == 3


def test_a_payment_cannot_be_scheduled_in_the_past():
    account = make_account(make_client())
    with pytest.raises(ServiceError) as refused:
        schedule(authorize(account), due=timezone.localdate(NOW) - timedelta(days=1))
    assert refused.value.field == "due_on"
    assert ScheduledPayment.objects.count() == 0


class TestRetention:
    def test_a_purged_party_keeps_a_live_authorizations_bank_details_and_loses_old_ones(self):
        from arrears.services.compliance.retention import _purge_parties

        account = make_account(make_client())
        live = authorize(account)
        old = authorize(account, number="44445555")
        ach_revoke(authorization_id=old.pk, reason="consumer", actor=ACTOR, now=NOW)
        spare = BankAccount.objects.create(party_id=live.bank_account.party_id,
                                           routing_number="021000021",
                                           account_number_encrypted="x", account_last4="1111",
                                           account_type="checking")  # fmt: skip

        _purge_parties([live.bank_account.party_id], as_of=date(2029, 1, 1), actor=ACTOR, now=NOW)

        live.bank_account.refresh_from_db()
        old.bank_account.refresh_from_db()
        assert live.bank_account.account_last4 == "6789"  # no end yet: kept
        assert (old.bank_account.account_number_encrypted, old.bank_account.account_last4) == (
            "", "",
        )  # fmt: skip
        assert not BankAccount.objects.filter(pk=spare.pk).exists()
        assert AchAuthorization.objects.count() == 2
