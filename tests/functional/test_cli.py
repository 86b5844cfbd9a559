"""The `arrears` command line: the --json contract, exit codes, and the batch commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.data.accounts.models import Account
from arrears.data.clients.models import Client
from arrears.data.ledger.models import Entry

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def arrears(*args: str) -> dict:
    out, err = StringIO(), StringIO()
    call_command(*args, "--json", stdout=out, stderr=err)
    return json.loads(out.getvalue().strip().splitlines()[-1])


class TestAddClient:
    def test_adds_a_client(self):
        assert arrears("add-client", "ACME", "--name", "Acme Bank")["client"] == "ACME"
        assert Client.objects.get().name == "Acme Bank"

    def test_bad_code_exits_2_and_adds_nothing(self):
        with pytest.raises(CommandError) as caught:
            call_command("add-client", "bad code", "--name", "X")
        assert caught.value.returncode == 2 and Client.objects.count() == 0


class TestGenerateAndImport:
    def test_generate_then_import_then_rerun(self, tmp_path):
        out = tmp_path / "p.csv"
        generated = arrears("gen-placements", "--accounts", "400", "--seed", "9",
                            "--bad-fraction", "0.05", "--out", str(out))  # fmt: skip
        manifest = json.loads(Path(generated["manifest"]).read_text())
        assert generated["rows"] == manifest["rows"] == 400
        arrears("add-client", "ACME", "--name", "Acme Bank")
        first = arrears("import-placements", str(out), "--client", "ACME", "--as-of", "2026-11-01")
        assert first["rows"] == 400
        assert first["rejected"] == len(manifest["bad_lines"])
        assert first["loaded"] + first["rejected"] == 400
        assert first["parties"] == manifest["parties"]
        second = arrears("import-placements", str(out), "--client", "ACME", "--as-of", "2026-11-01")
        assert second["loaded"] == 0 and second["duplicates"] == first["loaded"]
        assert Account.objects.count() == first["loaded"]

    def test_same_seed_same_bytes(self, tmp_path):
        for name in ("a.csv", "b.csv"):
            arrears("gen-placements", "--accounts", "200", "--seed", "4", "--bad-fraction", "0.1",
                    "--out", str(tmp_path / name))  # fmt: skip
        assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
        assert (tmp_path / "a.csv.manifest.json").read_text() == (
            tmp_path / "b.csv.manifest.json"
        ).read_text()

    def test_unreadable_file_exits_3(self, tmp_path):
        Client.objects.create(code="ACME", name="Acme")
        bad = tmp_path / "x.csv"
        bad.write_bytes(b"\x00\xff\xfe\x00")
        with pytest.raises(CommandError) as caught:
            call_command("import-placements", str(bad), "--client", "ACME")
        assert caught.value.returncode == 3

    def test_unknown_client_exits_2(self, tmp_path):
        path = tmp_path / "x.csv"
        path.write_text("a\n1\n")
        with pytest.raises(CommandError) as caught:
            call_command("import-placements", str(path), "--client", "NOPE")
        assert caught.value.returncode == 2


class TestAccrue:
    def test_accrue_json_counts_and_rerun_is_a_reported_no_op(self):
        from tests.factories import make_account, make_client

        make_account(make_client(interest=True), rate_ppm=100_000)
        first = arrears("accrue", "--as-of", "2026-03-01")
        assert (first["accounts"], first["entries"]) == (1, 1)
        out, err = StringIO(), StringIO()
        call_command("accrue", "--as-of", "2026-02-01", "--json", stdout=out, stderr=err)
        again = json.loads(out.getvalue().strip().splitlines()[-1])
        assert (again["accounts"], again["entries"]) == (0, 0)
        assert "already accrued through 2026-03-01" in err.getvalue()
        assert Entry.objects.filter(kind="interest").count() == 1


class TestUsage:
    def test_missing_required_option_exits_2(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "arrears.config.settings"}
        proc = subprocess.run(
            [sys.executable, "-m", "arrears.interfaces.cli.entry", "import-placements", "x.csv"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert proc.returncode == 2
        assert "--client" in proc.stderr


FIXTURES = ROOT / "tests" / "fixtures" / "placements"


class TestOtherFormats:
    def test_xlsx_file_imports_like_csv(self, tmp_path):
        out = tmp_path / "p.xlsx"
        generated = arrears("gen-placements", "--accounts", "150", "--seed", "12",
                            "--bad-fraction", "0.04", "--out", str(out))  # fmt: skip
        manifest = json.loads(Path(generated["manifest"]).read_text())
        arrears("add-client", "ACME", "--name", "Acme Bank")
        report = arrears("import-placements", str(out), "--client", "ACME", "--as-of", "2026-11-01")
        assert report["rows"] == 150
        assert report["rejected"] == len(manifest["bad_lines"])
        assert report["loaded"] == Account.objects.count() == 150 - len(manifest["bad_lines"])

    def test_mapping_file_reads_a_client_layout(self, tmp_path):
        arrears("add-client", "ACME", "--name", "Acme Bank")
        report = arrears(
            "import-placements", str(FIXTURES / "other_layout.csv"), "--client", "ACME",
            "--mapping", str(FIXTURES / "other_layout.toml"), "--as-of", "2026-11-01",
            "--rejects", str(tmp_path / "rejects.csv"), "--ack", str(tmp_path / "ack.csv"),
        )  # fmt: skip
        assert (report["rows"], report["loaded"], report["rejected"]) == (3, 2, 1)
        rejects = (tmp_path / "rejects.csv").read_text()
        assert "date_of_birth '02/30/1980' is not a real date (expected MM/DD/YYYY)" in rejects
        first = Account.objects.get(client_ref="X-100")
        assert first.principal_minor == 150_000
        assert first.date_of_first_delinquency.isoformat() == "2023-08-01"
        assert first.charge_off_date.isoformat() == "2024-02-28"


class TestComplianceRefresh:
    def test_works_out_every_account_then_only_missing_ones(self):
        from arrears.data.contacts.models import Contactability
        from tests.factories import make_account, make_client

        client = make_client()
        first, second = make_account(client), make_account(client)
        report = arrears("compliance-refresh", "--at", "2026-11-23T20:00:00+00:00")
        assert report == {"accounts": 2, "at": "2026-11-23T20:00:00+00:00"}
        assert Contactability.objects.filter(account__in=[first, second]).count() == 8
        third = make_account(client)
        assert arrears("compliance-refresh", "--missing")["accounts"] == 1
        assert Contactability.objects.filter(account=third).count() == 4

    def test_a_moment_without_offset_is_a_usage_error(self):
        with pytest.raises(CommandError, match="needs its UTC offset"):
            call_command("compliance-refresh", "--at", "2026-11-23T20:00")


class TestLoadDemo:
    def test_loads_a_small_portfolio_with_judged_contact_history(self):
        from arrears.data.contacts.models import Contactability, ContactAttempt

        report = arrears("load-demo", "--accounts", "60", "--as-of", "2026-11-23")
        assert report["loaded"] is True
        assert report["accounts"] == 60
        attempts = ContactAttempt.objects.count()
        assert report["validation_notices"] > 0
        assert attempts == report["contact_attempts"] + report["validation_notices"]
        assert report["contact_attempts"] > 0
        from arrears.data.cases.models import Dispute

        assert Dispute.objects.count() == report["disputes"] == 2  # one in 30 of 60 accounts
        assert not ContactAttempt.objects.filter(direction="outbound", allowed=False).exists()
        assert Contactability.objects.count() == 60 * 4
        from arrears.data.arrangements.models import ApprovalRequest, Arrangement

        assert (report["plans"], report["approvals_waiting"]) == (1, 1)
        assert sorted(Arrangement.objects.values_list("kind", "status")) == [
            ("plan", "active"), ("settlement", "pending")]  # fmt: skip
        assert ApprovalRequest.objects.get().requested_by.username == "collector"
        assert arrears("load-demo", "--accounts", "60") == {"loaded": False}
        assert ContactAttempt.objects.count() == attempts
        from arrears.data.users.models import User
        from arrears.services.accounts.access import visible_accounts

        collector = User.objects.get(username="collector")  # works every demo client
        assert sorted(collector.client_grants.values_list("client__code", flat=True)) == [
            "MVH", "NBK", "OWN"]  # fmt: skip
        assert visible_accounts(collector, Account.objects.all()).count() == 60


class TestGrantClients:
    @pytest.fixture
    def casey(self):  # type: ignore[no-untyped-def]
        from arrears.data.users.models import User
        from tests.factories import make_client

        make_client("ACME"), make_client("BETA")
        return User.objects.create_user("casey", password="x")

    def test_grants_then_revokes_and_audits_each(self, casey):
        from arrears.data.audit.models import AuditEvent

        granted = arrears("grant-clients", "casey", "acme", "BETA")
        assert granted == {"user": "casey", "changed": ["ACME", "BETA"], "unchanged": [],
                           "clients": ["ACME", "BETA"]}  # fmt: skip
        again = arrears("grant-clients", "casey", "ACME")
        assert (again["changed"], again["unchanged"]) == ([], ["ACME"])
        revoked = arrears("grant-clients", "casey", "ACME", "--revoke")
        assert (revoked["changed"], revoked["clients"]) == (["ACME"], ["BETA"])
        events = list(AuditEvent.objects.filter(event__startswith="access.").order_by("id")
                      .values_list("event", "actor_label", "details"))  # fmt: skip
        assert events == [
            ("access.clients_granted", "cli:grant-clients",
             {"user": "casey", "clients": ["ACME", "BETA"], "holds": ["ACME", "BETA"]}),
            ("access.clients_revoked", "cli:grant-clients",
             {"user": "casey", "clients": ["ACME"], "holds": ["BETA"]}),
        ]  # fmt: skip

    def test_says_what_it_did_without_json(self, casey):
        out = StringIO()
        call_command("grant-clients", "casey", "ACME", stdout=out)
        assert out.getvalue().strip() == "ACME granted to casey; casey now holds ACME."

    @pytest.mark.parametrize(
        ("args", "message"),
        [(("nobody", "ACME"), "no user 'nobody'"), (("casey", "ACME", "NOPE"), "no client NOPE")],
    )
    def test_an_unknown_user_or_client_exits_2_and_grants_nothing(self, casey, args, message):
        from arrears.data.clients.models import ClientGrant

        with pytest.raises(CommandError) as refused:
            call_command("grant-clients", *args, stdout=StringIO(), stderr=StringIO())
        assert (refused.value.returncode, str(refused.value)) == (2, message)
        assert not ClientGrant.objects.exists()


class TestQueues:
    def test_define_then_build_reports_the_accounts_ranked(self):
        from arrears.data.users.models import User
        from arrears.data.work.models import QueueEntry
        from tests.factories import make_account, make_client

        acme = make_client()
        accounts = [make_account(acme, principal=p) for p in (5_000, 9_000)]
        User.objects.create_user("casey", password="x")
        defined = arrears("queue-define", "acme-all", "--name", "ACME, all",
                          "--filters", '{"clients": ["ACME"]}', "--member", "casey")  # fmt: skip
        assert defined["queue"] == "acme-all" and defined["members"] == ["casey"]
        built = arrears("queues-build", "--queue", "acme-all")
        assert (built["queues"], built["accounts"]) == (1, 2)
        assert built["built"][0]["judged"] == 2  # never judged before: worked out now
        ranked = list(QueueEntry.objects.order_by("rank").values_list("account_id", flat=True))
        assert ranked == [accounts[1].pk, accounts[0].pk]

    def test_a_bad_definition_exits_2_and_defines_nothing(self):
        from arrears.data.work.models import WorkQueue

        with pytest.raises(CommandError) as refused:
            call_command("queue-define", "x", "--name", "X", "--filters", '{"hold": "nap"}')
        assert refused.value.returncode == 2 and "filters.hold must be empty" in str(refused.value)
        assert not WorkQueue.objects.exists()
