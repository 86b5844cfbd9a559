"""ACH debits collected on their day, and the bank's returns and notifications of change."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db.models import Sum

from arrears.core.formats.nacha import read_ach
from arrears.data.accounts.models import Account
from arrears.data.audit.models import AuditEvent
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import AchAnswer, Payment, ScheduledPayment
from arrears.data.work.models import Callback
from arrears.services.common import Actor, key_ring
from arrears.services.ledger.accrual import interest_accrue
from arrears.services.payments.ach import MalformedAchFile
from arrears.services.payments.origination import BANK_CONTEXT, ach_originate
from arrears.services.payments.posting import PaymentRefused, payment_post
from arrears.services.payments.returns import ach_returns, ach_settle, payment_return
from tests.factories import NOW, make_account, make_client
from tests.integration.test_ach_origination import EFFECTIVE, authorize, schedule

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def answer_file(path: Path, answers: list[tuple[str, str, str]], effective: str = "261127") -> Path:
    """A bank's return file: one entry per (addenda type, code, original trace), each with its
    addenda 99 (return) or 98 (change; the code's corrected data after a '|')."""
    records = [
        "101 0910000191234567890" + "2611271200A094101" + "ARREARS BANK".ljust(23)
        + "RETURNS".ljust(23) + " " * 8
    ]  # fmt: skip
    entries = []
    total = 0
    for n, (kind, code, trace) in enumerate(answers, start=1):
        code, _, corrected = code.partition("|")
        amount = 5_000
        total += amount
        entries.append(
            "626" + "02100002" + "1" + "000123456789".ljust(17) + f"{amount:010d}"
            + "RETURNED".ljust(15) + "PAT DOE".ljust(22) + "  " + "1" + f"02100002{n:07d}"
        )  # fmt: skip
        if kind == "99":
            entries.append(
                "799" + code + trace + " " * 6 + "09100001" + " " * 44 + f"02100002{n:07d}"
            )
        else:
            entries.append(
                "798" + code + trace + " " * 6 + "09100001" + corrected.ljust(29) + " " * 15
                + f"02100002{n:07d}"
            )  # fmt: skip
    count = len(entries)
    entry_hash = 2100002 * len(answers)
    records.append(
        "5225ARREARS BANK" + " " * 24 + "1234567890" + "WEB" + "RETURNS   " + " " * 6 + effective
        + "   1" + "02100002" + "0000001"
    )  # fmt: skip
    records.extend(entries)
    records.append(
        f"8225{count:06d}{entry_hash:010d}{total:012d}{0:012d}1234567890" + " " * 25
        + "02100002" + "0000001"
    )  # fmt: skip
    blocks = -(-(len(records) + 1) // 10)
    records.append(
        f"9{1:06d}{blocks:06d}{count:08d}{entry_hash:010d}{total:012d}{0:012d}" + " " * 39
    )
    records.extend(["9" * 94] * (blocks * 10 - len(records)))
    assert all(len(r) == 94 for r in records), [len(r) for r in records]
    path.write_text("\n".join(records) + "\n")
    read_ach(path.read_text())  # the file itself is well formed
    return path


def sent(tmp_path, account, amount=5_000, **auth):
    """An authorized debit, originated for EFFECTIVE and settled."""
    authorization = authorize(account, **auth)
    scheduled = schedule(authorization, amount)
    ach_originate(effective=EFFECTIVE, out=tmp_path / "out.ach", actor=ACTOR, now=NOW)
    scheduled.refresh_from_db()
    return scheduled


def ledger_sum(account, field="cash_minor"):
    return Entry.objects.filter(account=account).aggregate(s=Sum(field))["s"]


class TestSettle:
    def test_posts_each_debit_on_its_effective_day_once(self, tmp_path):
        client = make_client()
        account = make_account(client, principal=100_000)
        scheduled = sent(tmp_path, account, 5_000)

        assert ach_settle(as_of=EFFECTIVE - timedelta(days=1), actor=ACTOR, now=NOW).settled == 0
        report = ach_settle(as_of=EFFECTIVE, actor=ACTOR, now=NOW)
        again = ach_settle(as_of=EFFECTIVE, actor=ACTOR, now=NOW)

        assert report.as_dict() == {
            "as_of": "2026-11-25", "settled": 1, "posted": 1, "unapplied": 0,
            "applied_minor": 5_000, "unapplied_minor": 0,
        }  # fmt: skip
        assert again.settled == 0
        scheduled.refresh_from_db()
        payment = Payment.objects.get()
        assert (scheduled.status, scheduled.payment_id) == ("settled", payment.pk)
        assert (payment.reference, payment.method, payment.received_on, payment.applied_minor) == (
            f"ACH-{scheduled.trace}", "ach", EFFECTIVE, 5_000,
        )  # fmt: skip
        account.refresh_from_db()
        assert account.balance_minor == 95_000


class TestReturns:
    def test_an_nsf_return_reverses_charges_the_fee_retries_and_tells_the_collector(self, tmp_path):
        client = make_client()
        client.returned_payment_fee_minor = 2_500
        client.save()
        account = make_account(client, principal=100_000)
        scheduled = sent(tmp_path, account, 5_000)
        ach_settle(as_of=EFFECTIVE, actor=ACTOR, now=NOW)
        path = answer_file(tmp_path / "returns.ach", [("99", "R01", scheduled.trace)])

        report = ach_returns(path, actor=ACTOR, now=NOW)

        assert {k: v for k, v in report.as_dict().items() if k != "problem_lines"} == {
            "file": "returns.ach", "entries": 1, "returns": 1, "changes": 0, "reversed": 1,
            "reversed_minor": 5_000, "fees_charged": 1, "fee_minor": 2_500,
            "retries_scheduled": 1, "authorizations_ended": 0, "bank_details_updated": 0,
            "duplicates": 0, "problems": 0,
        }  # fmt: skip
        account.refresh_from_db()
        assert (account.principal_minor, account.fees_minor) == (100_000, 2_500)
        assert ledger_sum(account) == 0  # the cash came in and went back out
        payment = Payment.objects.get()
        assert (payment.returned_on, payment.return_code) == (date(2026, 11, 27), "R01")
        reversal = Entry.objects.get(account=account, kind="payment_reversal")
        assert (reversal.payment_id, reversal.principal_minor, reversal.cash_minor) == (
            payment.pk, 5_000, -5_000,
        )  # fmt: skip
        scheduled.refresh_from_db()
        assert (scheduled.status, scheduled.return_code) == ("returned", "R01")
        retry = ScheduledPayment.objects.get(retry_of=scheduled)
        # Returned Fri 27 Nov; the next settlement day after it is Mon 30 Nov.
        assert (retry.due_on, retry.attempt, retry.amount_minor, retry.status) == (
            date(2026, 11, 30), 2, 5_000, "scheduled",
        )  # fmt: skip
        callback = Callback.objects.get(account=account)
        assert "R01 (insufficient funds)" in callback.note and callback.status == "open"

    def test_reading_the_file_again_does_nothing(self, tmp_path):
        account = make_account(make_client(), principal=100_000)
        scheduled = sent(tmp_path, account)
        ach_settle(as_of=EFFECTIVE, actor=ACTOR, now=NOW)
        path = answer_file(tmp_path / "returns.ach", [("99", "R01", scheduled.trace)])
        ach_returns(path, actor=ACTOR, now=NOW)
        counts = (Entry.objects.count(), ScheduledPayment.objects.count(),
                  Callback.objects.count(), AchAnswer.objects.count())  # fmt: skip

        again = ach_returns(path, actor=ACTOR, now=NOW)

        assert (again.duplicates, again.reversed, again.retries_scheduled) == (1, 0, 0)
        assert counts == (Entry.objects.count(), ScheduledPayment.objects.count(),
                          Callback.objects.count(), AchAnswer.objects.count())  # fmt: skip

    def test_a_funds_return_is_tried_at_most_twice(self, tmp_path):
        account = make_account(make_client(), principal=100_000)
        scheduled = sent(tmp_path, account)
        ach_settle(as_of=EFFECTIVE, actor=ACTOR, now=NOW)
        traces = [scheduled.trace]
        day = EFFECTIVE
        for n in range(3):
            report = ach_returns(
                answer_file(tmp_path / f"r{n}.ach", [("99", "R09", traces[-1])],
                            effective=f"{day + timedelta(days=2):%y%m%d}"),
                actor=ACTOR, now=NOW,
            )  # fmt: skip
            retry = ScheduledPayment.objects.filter(status="scheduled").first()
            if n < 2:
                assert report.retries_scheduled == 1 and retry is not None
                day = retry.due_on
                ach_originate(effective=day, out=tmp_path / f"o{n}.ach", actor=ACTOR, now=NOW)
                text = (tmp_path / f"o{n}.ach").read_text()
                assert read_ach(text).batches[0].entry_description == "RETRY PYMT"
                retry.refresh_from_db()
                traces.append(retry.trace)
                ach_settle(as_of=day, actor=ACTOR, now=NOW)
            else:
                assert report.retries_scheduled == 0 and retry is None
        assert ScheduledPayment.objects.filter(retry_of=scheduled).count() == 2
        answer = AchAnswer.objects.get(original_trace=traces[-1])
        assert answer.details["retry"] == {
            "refused": "already tried again 2 times (the most allowed is 2)"
        }
        account.refresh_from_db()
        assert account.balance_minor == 100_000 and ledger_sum(account) == 0

    def test_an_unauthorized_return_ends_the_authorization_and_cancels_what_is_due(self, tmp_path):
        account = make_account(make_client(), principal=100_000)
        scheduled = sent(tmp_path, account)
        later = schedule(scheduled.authorization, 5_000, EFFECTIVE + timedelta(days=30))
        ach_settle(as_of=EFFECTIVE, actor=ACTOR, now=NOW)
        path = answer_file(tmp_path / "returns.ach", [("99", "R10", scheduled.trace)])

        report = ach_returns(path, actor=ACTOR, now=NOW)

        assert (report.authorizations_ended, report.retries_scheduled, report.fees_charged) == (
            1, 0, 0,
        )  # fmt: skip
        later.refresh_from_db()
        authorization = later.authorization
        assert later.status == "cancelled"
        assert authorization.revoked_reason.startswith("bank returned R10")
        assert authorization.keep_until == date(2028, 11, 22)

    def test_a_return_for_a_debit_not_yet_settled_posts_nothing(self, tmp_path):
        account = make_account(make_client(), principal=100_000)
        scheduled = sent(tmp_path, account)
        path = answer_file(tmp_path / "returns.ach", [("99", "R02", scheduled.trace)])

        report = ach_returns(path, actor=ACTOR, now=NOW)

        assert (report.reversed, report.authorizations_ended) == (0, 1)
        assert ach_settle(as_of=EFFECTIVE, actor=ACTOR, now=NOW).settled == 0
        assert not Payment.objects.exists()

    def test_an_unknown_trace_is_a_problem_naming_the_line_and_changes_nothing(self, tmp_path):
        account = make_account(make_client(), principal=100_000)
        sent(tmp_path, account)
        path = answer_file(tmp_path / "returns.ach", [("99", "R01", "091000019999999")])

        report = ach_returns(path, actor=ACTOR, now=NOW)

        assert report.problems == [{
            "line": 4, "trace": "091000019999999", "code": "R01",
            "reason": "no debit of ours has trace 091000019999999",
        }]  # fmt: skip
        assert not AchAnswer.objects.exists() and not Callback.objects.exists()

    def test_a_malformed_file_is_refused_naming_the_line(self, tmp_path):
        path = tmp_path / "bad.ach"
        path.write_text("101 bad\n")
        with pytest.raises(MalformedAchFile) as refused:
            ach_returns(path, actor=ACTOR, now=NOW)
        assert refused.value.line == 1


class TestNotificationOfChange:
    def test_c03_updates_the_routing_and_account_numbers(self, tmp_path):
        account = make_account(make_client(), principal=100_000)
        scheduled = sent(tmp_path, account)
        path = answer_file(
            tmp_path / "noc.ach", [("98", "C03|011000015   99887766", scheduled.trace)]
        )

        report = ach_returns(path, actor=ACTOR, now=NOW)

        assert (report.changes, report.bank_details_updated, report.problems) == (1, 1, [])
        bank = scheduled.authorization.bank_account
        bank.refresh_from_db()
        assert (bank.routing_number, bank.account_last4) == ("011000015", "7766")
        assert key_ring().decrypt(bank.account_number_encrypted, context=BANK_CONTEXT) == (
            "99887766"
        )
        event = AuditEvent.objects.get(event="ach.bank_details_changed")
        assert event.details["before"]["routing"] == "021000021"

    def test_a_correction_with_a_bad_routing_number_changes_nothing(self, tmp_path):
        account = make_account(make_client(), principal=100_000)
        scheduled = sent(tmp_path, account)
        path = answer_file(tmp_path / "noc.ach", [("98", "C02|011000016", scheduled.trace)])

        report = ach_returns(path, actor=ACTOR, now=NOW)

        assert report.problems[0]["reason"] == (
            "corrected routing number 011000016 fails its check digit"
        )
        bank = scheduled.authorization.bank_account
        bank.refresh_from_db()
        assert bank.routing_number == "021000021"
        assert not AchAnswer.objects.exists()


class TestPaymentReturn:
    def test_a_bounced_check_on_an_interest_bearing_account_owes_as_if_never_paid(self):
        client = make_client(interest=True)
        account = make_account(client, principal=10_000_000, rate_ppm=180_000)
        posted = payment_post(account_id=account.pk, amount_minor=200_000,
                              received_on=date(2026, 2, 1), source="check", actor=ACTOR,
                              reference="CHK-1", now=NOW)  # fmt: skip
        interest_accrue(as_of=date(2026, 3, 1), actor=ACTOR, now=NOW, workers=1)

        returned = payment_return(payment_id=posted.payment_id, returned_on=date(2026, 3, 3),
                                  code="nsf", reason="check bounced", actor=ACTOR,
                                  charge_fee=False, now=NOW)  # fmt: skip

        account.refresh_from_db()
        # 100,000.00 at 18 % from 1 Jan to 3 Mar (61 days): 3,008.22, as if never paid.
        assert (account.principal_minor, account.interest_minor) == (10_000_000, 300_822)
        assert account.interest_accrued_minor == 300_822
        assert (returned.reversed_minor, returned.fee_minor) == (200_000, 0)
        assert Payment.objects.get().return_code == "NSF"
        again = payment_return(payment_id=posted.payment_id, returned_on=date(2026, 3, 3),
                               code="NSF", reason="again", actor=ACTOR, charge_fee=False,
                               now=NOW)  # fmt: skip
        assert again.duplicate and Entry.objects.filter(kind="payment_reversal").count() == 1

    def test_unapplied_cash_that_bounces_leaves_the_queue(self):
        account = make_account(make_client(), principal=1_000)
        posted = payment_post(account_id=account.pk, amount_minor=1_500,
                              received_on=date(2026, 11, 20), source="check", actor=ACTOR,
                              now=NOW)  # fmt: skip
        payment_return(payment_id=posted.payment_id, returned_on=date(2026, 11, 23), code="NSF",
                       reason="check bounced", actor=ACTOR, charge_fee=False, now=NOW)  # fmt: skip
        payment = Payment.objects.get()
        assert (payment.applied_minor, payment.unapplied_minor) == (1_000, 0)
        assert Account.objects.get().balance_minor == 1_000


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"code": "bounced"}, "code"), ({"returned_on": date(2026, 11, 19)}, "returned_on")],
)
def test_a_return_with_a_bad_code_or_before_the_payment_is_refused_and_changes_nothing(
    changes, field
):
    account = make_account(make_client(), principal=10_000)
    posted = payment_post(account_id=account.pk, amount_minor=1_000,
                          received_on=date(2026, 11, 20), source="check", actor=ACTOR, now=NOW)  # fmt: skip
    entries = Entry.objects.count()
    arguments = {"returned_on": date(2026, 11, 23), "code": "NSF", **changes}
    with pytest.raises(PaymentRefused) as refused:
        payment_return(payment_id=posted.payment_id, reason="x", actor=ACTOR, charge_fee=True,
                       now=NOW, **arguments)  # fmt: skip
    assert refused.value.field == field
    assert Entry.objects.count() == entries and Payment.objects.get().returned_on is None
