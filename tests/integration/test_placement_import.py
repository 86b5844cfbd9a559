"""Placement import on the database: rejects with line and reason, idempotent re-runs, resume
after a crash, party linkage, recall and re-placement."""

from __future__ import annotations

import csv
import os
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from django.db.models import Sum

from arrears.data.accounts.models import Account, AccountParty, Placement
from arrears.data.audit.models import AuditEvent
from arrears.data.imports.models import ImportReject, ImportRun
from arrears.data.ledger.models import Entry
from arrears.data.parties.models import ContactPoint, Party, PartyLinkReview
from arrears.services.accounts.operations import recall_file
from arrears.services.common import Actor, key_ring
from arrears.services.placements import operations as importer
from arrears.services.placements.operations import InputUnreadable, placement_import
from tests.factories import make_client
from tests.placement_files import ANCHOR, write_generated

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
# The acceptance size: a generated 100k-row file with 1 % bad rows.
ACCEPTANCE_ROWS = int(os.environ.get("ARREARS_ACCEPTANCE_ROWS", "100000"))

HEADER = (
    "client_account_ref,original_creditor,principal,interest,fees,costs,charge_off_date,"
    "date_of_first_delinquency,itemization_date,first_name,last_name,ssn,date_of_birth,"
    "address1,city,state,zip,phone1,email,interest_rate"
)


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def row(ref: str, first: str = "Ann", last: str = "Lee", ssn: str = "123-45-6789",
        dob: str = "1980-05-17", principal: str = "1000.00", rate: str = "") -> str:  # fmt: skip
    return (
        f"{ref},Big Bank,{principal},0,0,0,2025-06-30,2025-03-01,2025-06-30,{first},{last},{ssn},"
        f"{dob},1 Main St,Boston,MA,02108,(617) 555-0123,ann@example.com,{rate}"
    )


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Account, Party, ContactPoint, AccountParty, Entry, Placement, PartyLinkReview)
    }


def ledger_sums() -> dict[str, int | None]:
    return Entry.objects.aggregate(
        p=Sum("principal_minor"), i=Sum("interest_minor"), f=Sum("fees_minor"), c=Sum("costs_minor")
    )


def run(path: Path, client: str = "ACME", **kwargs):
    return placement_import(client_code=client, path=path, actor=ACTOR, today=ANCHOR, **kwargs)


class TestGeneratedFile:
    def test_rejects_match_the_manifest_and_a_second_run_changes_nothing(self, tmp_path):
        make_client("ACME")
        path, manifest = write_generated(
            tmp_path, accounts=ACCEPTANCE_ROWS, seed=11, bad_fraction=0.01
        )
        first = run(path)
        with open(first.rejects_path, newline="", encoding="utf-8") as fh:
            rejects = [(int(r["line"]), r["code"]) for r in csv.DictReader(fh)]
        assert rejects == [(b["line"], b["defect"]) for b in manifest["bad_lines"]]
        assert first.rows == manifest["rows"] == ACCEPTANCE_ROWS
        assert first.loaded + first.rejected == first.rows
        assert first.loaded == Account.objects.count()
        assert first.parties == manifest["parties"] == Party.objects.count()
        assert ImportReject.objects.count() == first.rejected

        counts, sums = table_counts(), ledger_sums()
        placed = Account.objects.aggregate(t=Sum("balance_minor"))["t"]
        assert sums["p"] + sums["i"] + sums["f"] + sums["c"] == placed

        second = run(path)
        assert (second.loaded, second.duplicates, second.rejected) == (
            0,
            first.loaded,
            first.rejected,
        )
        assert second.parties == first.parties
        assert table_counts() == counts and ledger_sums() == sums
        assert ImportReject.objects.count() == first.rejected
        assert ImportRun.objects.get().runs == 2


class TestRejects:
    def test_bad_rows_go_to_rejects_with_original_columns_and_good_rows_load(self, tmp_path):
        make_client("ACME")
        path = write_csv(
            tmp_path / "p.csv",
            row("A1"),
            row("A2", dob="1980-02-30"),
            row("A3", principal="12.3.4"),
            row("A1", first="Bob", ssn="234-56-7890"),
        )
        report = run(path)
        assert (report.rows, report.loaded, report.rejected) == (4, 1, 3)
        with open(report.rejects_path, newline="", encoding="utf-8") as fh:
            lines = list(csv.reader(fh))
        assert lines[0] == [*HEADER.split(","), "line", "field", "code", "reason"]
        assert [(r[0], r[-4], r[-3], r[-2]) for r in lines[1:]] == [
            ("A2", "3", "date_of_birth", "invalid_date"),
            ("A3", "4", "principal", "invalid_amount"),
            ("A1", "5", "client_account_ref", "duplicate_reference"),
        ]
        assert "1980-02-30" in lines[1][-1]
        with open(report.ack_path, newline="", encoding="utf-8") as fh:
            ack = [(r["line"], r["result"], r["code"]) for r in csv.DictReader(fh)]
        assert sorted(ack) == [
            ("2", "loaded", ""), ("3", "rejected", "invalid_date"),
            ("4", "rejected", "invalid_amount"), ("5", "rejected", "duplicate_reference"),
        ]  # fmt: skip

    def test_unreadable_file_creates_nothing(self, tmp_path):
        make_client("ACME")
        path = tmp_path / "bad.csv"
        path.write_bytes(b"\xff\xfe\x00garbage\x00\x00")
        before = table_counts()
        with pytest.raises(InputUnreadable):
            run(path)
        assert table_counts() == before and ImportRun.objects.count() == 0

    def test_missing_required_column_is_unreadable(self, tmp_path):
        make_client("ACME")
        path = tmp_path / "p.csv"
        path.write_text("client_account_ref,principal\nA1,10\n", encoding="utf-8")
        with pytest.raises(InputUnreadable) as caught:
            run(path)
        assert "original_creditor" in caught.value.message
        assert ImportRun.objects.count() == 0

    def test_dry_run_writes_nothing_but_reports(self, tmp_path):
        make_client("ACME")
        path = write_csv(
            tmp_path / "p.csv", row("A1"), row("A2", ssn="234-56-7890"), row("A3", dob="x")
        )
        before = table_counts()
        report = run(path, dry_run=True)
        assert (report.loaded, report.rejected, report.parties) == (2, 1, 2)
        assert table_counts() == before and ImportRun.objects.count() == 0


class TestResume:
    def test_crash_mid_file_resumes_without_doubling(self, tmp_path, monkeypatch):
        make_client("ACME")
        path, manifest = write_generated(tmp_path, accounts=3000, seed=5, bad_fraction=0.01)
        real_flush = importer._Importer.flush
        calls = {"n": 0}

        def crashing_flush(self, batch, rejects):
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("power cut")
            return real_flush(self, batch, rejects)

        monkeypatch.setattr(importer._Importer, "flush", crashing_flush)
        with pytest.raises(RuntimeError):
            run(path, batch_size=500)
        partial = Account.objects.count()
        assert partial == 1000  # two batches committed, the third rolled back
        monkeypatch.setattr(importer._Importer, "flush", real_flush)
        report = run(path, batch_size=500)
        good = manifest["rows"] - len(manifest["bad_lines"])
        assert report.loaded == good - partial and report.duplicates == partial
        assert Account.objects.count() == good
        assert Entry.objects.count() == good
        assert Party.objects.count() == manifest["parties"]


class TestParties:
    def test_same_ssn_is_one_party_across_files_and_clients(self, tmp_path):
        make_client("ACME")
        make_client("BETA")
        run(write_csv(tmp_path / "a.csv", row("A1"), row("A2", first="ANN ")))
        run(write_csv(tmp_path / "b.csv", row("B1", first="Annie")), client="BETA")
        assert Party.objects.count() == 1
        assert AccountParty.objects.values("party").distinct().count() == 1
        assert ContactPoint.objects.count() == 3  # one phone, one email, one address

    def test_name_and_birth_date_link_when_ssn_is_absent(self, tmp_path):
        make_client("ACME")
        run(
            write_csv(
                tmp_path / "a.csv", row("A1", ssn=""), row("A2", first="ann", last="LEE", ssn="")
            )
        )
        assert Party.objects.count() == 1

    def test_same_name_and_birth_date_with_different_ssns_are_queued_for_review(self, tmp_path):
        make_client("ACME")
        report = run(write_csv(tmp_path / "a.csv", row("A1"), row("A2", ssn="587-65-4320")))
        assert Party.objects.count() == 2 and report.parties == 2
        review = PartyLinkReview.objects.get()
        assert review.reason == "same name and date of birth, different SSN"
        assert {review.party_id, review.candidate_id} == set(
            Party.objects.values_list("id", flat=True)
        )

    def test_ssn_and_birth_date_are_encrypted_at_rest(self, tmp_path):
        make_client("ACME")
        run(write_csv(tmp_path / "a.csv", row("A1")))
        party = Party.objects.get()
        assert "123456789" not in party.ssn_encrypted and party.ssn_last4 == "6789"
        assert key_ring().decrypt(party.ssn_encrypted, context="party.ssn") == "123456789"
        assert key_ring().decrypt(party.dob_encrypted, context="party.dob") == "1980-05-17"


class TestRecallAndReplacement:
    def test_recalled_account_placed_again_is_reopened_with_its_history(self, tmp_path):
        make_client("ACME")
        run(write_csv(tmp_path / "a.csv", row("A1"), row("A2", ssn="234-56-7890")))
        recalls = tmp_path / "recall.csv"
        recalls.write_text("client_account_ref,reason\nA1,sold\nZZ9,unknown\n", encoding="utf-8")
        result = recall_file(client_code="ACME", path=recalls, actor=ACTOR, on=date(2026, 11, 5))
        assert (result.recalled, result.rejected) == (1, 1)
        again = recall_file(client_code="ACME", path=recalls, actor=ACTOR, on=date(2026, 11, 6))
        assert (again.recalled, again.already_recalled) == (0, 1)

        account = Account.objects.get(client_ref="A1")
        assert account.status == "recalled" and account.balance_minor == 0
        report = run(write_csv(tmp_path / "b.csv", row("A1", principal="900.00")))
        assert (report.loaded, report.reopened) == (0, 1)
        account.refresh_from_db()
        assert account.status == "active" and account.balance_minor == 90_000
        assert Account.objects.filter(client_ref="A1").count() == 1
        kinds = list(
            Entry.objects.filter(account=account).order_by("id").values_list("kind", flat=True)
        )
        assert kinds == ["placement", "recall", "placement"]
        assert AuditEvent.objects.filter(event="account.reopened", account_id=account.pk).exists()


def batch_refs(path, manifest, batch: int, size: int) -> set[str]:
    """The client references of the good rows the import puts in its ``batch``-th batch."""
    bad = {b["line"] for b in manifest["bad_lines"]}
    with open(path, newline="", encoding="utf-8") as fh:
        good = [r["client_account_ref"] for n, r in enumerate(csv.DictReader(fh), start=2)
                if n not in bad]  # fmt: skip
    return set(good[(batch - 1) * size : batch * size])


def client_refs(rows) -> tuple[list, set[str]]:
    rows = list(rows)
    at = importer.ACCOUNT_FIELDS.index("client_ref")
    return rows, {row[at] for row in rows}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
class TestPipelinedImport:
    """On PostgreSQL outside a transaction, a writer thread commits while the next batch is read."""

    def test_pipelined_import_matches_the_manifest_and_reruns_to_nothing(self, tmp_path):
        make_client("ACME")
        path, manifest = write_generated(tmp_path, accounts=4000, seed=21, bad_fraction=0.02)
        first = run(path, batch_size=300)
        with open(first.rejects_path, newline="", encoding="utf-8") as fh:
            rejects = [(int(r["line"]), r["code"]) for r in csv.DictReader(fh)]
        assert rejects == [(b["line"], b["defect"]) for b in manifest["bad_lines"]]
        assert first.loaded == Account.objects.count() == manifest["rows"] - len(rejects)
        assert first.parties == manifest["parties"] == Party.objects.count()
        assert ImportReject.objects.count() == len(rejects)
        counts, sums = table_counts(), ledger_sums()
        second = run(path, batch_size=300)
        assert second.loaded == 0 and table_counts() == counts and ledger_sums() == sums

    def test_a_later_batch_failing_first_does_not_roll_back_an_earlier_one(
        self, tmp_path, monkeypatch
    ):
        make_client("ACME")
        path, manifest = write_generated(tmp_path, accounts=2000, seed=22, bad_fraction=0.01)
        second, third = (batch_refs(path, manifest, n, 400) for n in (2, 3))
        real_write = importer.TableWriter.write

        def slow_then_failing(self, rows):
            if self.table == "accounts_account":
                rows, refs = client_refs(rows)
                if refs & second:
                    time.sleep(0.5)  # batch 2 is still writing when batch 3 fails
                if refs & third:
                    raise RuntimeError("disk full")
            return real_write(self, rows)

        monkeypatch.setattr(importer.TableWriter, "write", slow_then_failing)
        with pytest.raises(RuntimeError, match="disk full"):
            run(path, batch_size=400)
        assert Account.objects.count() == 800  # batches 1 and 2 committed, 3 and later not

    def test_writer_failure_surfaces_and_a_rerun_completes(self, tmp_path, monkeypatch):
        make_client("ACME")
        path, manifest = write_generated(tmp_path, accounts=2000, seed=22, bad_fraction=0.01)
        third = batch_refs(path, manifest, 3, 400)
        real_write = importer.TableWriter.write
        threads: set[str] = set()

        def failing_write(self, rows):
            threads.add(threading.current_thread().name)
            if self.table == "accounts_account":
                rows, refs = client_refs(rows)
                if refs & third:  # by content: the writers may reach batches 2 and 3 in any order
                    raise RuntimeError("disk full")
            return real_write(self, rows)

        monkeypatch.setattr(importer.TableWriter, "write", failing_write)
        with pytest.raises(RuntimeError, match="disk full"):
            run(path, batch_size=400)
        assert {t.rsplit("-", 1)[0] for t in threads} == {"import-writer"}  # the writers ran them
        assert Account.objects.count() == 800  # two batches committed, the failed one not
        assert not (tmp_path / "placements.csv.ack.csv").exists()
        monkeypatch.setattr(importer.TableWriter, "write", real_write)
        report = run(path, batch_size=400)
        good = manifest["rows"] - len(manifest["bad_lines"])
        assert (report.loaded, report.duplicates) == (good - 800, 800)
        assert Account.objects.count() == Entry.objects.count() == good
        assert Party.objects.count() == manifest["parties"]
