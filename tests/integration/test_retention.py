"""Retention: after a purge the expired party's personal data cannot be read back from the
database or the document store, and not a cent of the ledger moves."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from arrears.data.accounts.models import Account, AccountParty
from arrears.data.contacts.models import ValidationNotice
from arrears.data.ledger.models import Entry
from arrears.data.parties.models import BankAccount, ContactPoint, Party
from arrears.services.common import (
    Actor,
    blind_indexer,
    document_store,
    key_ring,
    letter_renderer,
)
from arrears.services.compliance.disputes import dispute_record
from arrears.services.compliance.notices import validation_notices_send
from arrears.services.compliance.operations import contact_attempt_record
from arrears.services.compliance.retention import retention_purge
from arrears.services.payments.posting import payment_post
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
AS_OF = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SECRETS = ("Zebulon", "Quixote", "5550199", "zebulon@example.net", "078-05-1120", "078051120",
           "Windmill Lane", "4929000011112222", "021000021", "1957-03-04")  # fmt: skip


def _person(account: Account, first: str, last: str, *, ssn: str = "", phone: str = "",
            email: str = "", street: str = "") -> Party:  # fmt: skip
    party = AccountParty.objects.get(account=account).party
    ring, index = key_ring(), blind_indexer()
    party.first_name, party.last_name = first, last
    if ssn:
        digits = ssn.replace("-", "")
        party.ssn_encrypted = ring.encrypt(digits, context="party.ssn")
        party.ssn_last4 = digits[-4:]
        party.ssn_index = index.index("ssn", digits)
        party.ssn_last4_index = index.index("ssn4", digits[-4:])
        party.dob_encrypted = ring.encrypt("1957-03-04", context="party.dob")
    party.save()
    common = {"party": party, "valid_from": date(2021, 1, 1)}
    if phone:
        ContactPoint.objects.create(kind="phone", phone_e164=phone, phone_type="mobile",
                                    value_index=index.index("phone", phone), **common)  # fmt: skip
    if email:
        ContactPoint.objects.create(kind="email", email=email, value_index=f"e{party.pk}",
                                    **common)  # fmt: skip
    if street:
        ContactPoint.objects.create(kind="address", address1=street, city="Boston", state="MA",
                                    zip="02108", value_index=f"a{party.pk}", **common)  # fmt: skip
    return party


@pytest.fixture
def book():  # type: ignore[no-untyped-def]
    """Zebulon's debt, closed in June 2022 after a notice, a payment, calls and a dispute; and
    Keeper's debt, still active."""
    client = make_client()
    old = make_account(client, principal=150_000, itemization_date=date(2021, 6, 1))
    old.original_account_number = "4929000011112222"
    old.save(update_fields=["original_account_number"])
    zebulon = _person(old, "Zebulon", "Quixote", ssn="078-05-1120", phone="+16175550199",
                      email="zebulon@example.net", street="12 Windmill Lane")  # fmt: skip
    BankAccount.objects.create(party=zebulon, routing_number="021000021",
                               account_number_encrypted=key_ring().encrypt("99887766",
                                                                           context="bank"),
                               account_last4="7766")  # fmt: skip
    validation_notices_send(as_of=date(2021, 6, 7), actor=ACTOR, now=NOW, store=document_store(),
                            renderer=letter_renderer())  # fmt: skip
    contact_attempt_record(account_id=old.pk, channel="call", direction="inbound",
                           outcome="conversation", at=datetime(2022, 3, 1, 15, tzinfo=UTC),
                           actor=ACTOR, now=NOW, note="Zebulon Quixote called from 617-555-0199")  # fmt: skip
    dispute_record(account_id=old.pk, received_on=date(2022, 3, 2), medium="letter",
                   reason="amount_wrong", description="Zebulon writes from 12 Windmill Lane",
                   actor=ACTOR, now=NOW)  # fmt: skip
    from arrears.services.compliance.cases import complaint_record, document_add

    document_add(account_id=old.pk, kind="dispute_evidence", file_name="Quixote-statement.txt",
                 content=b"Statement of Zebulon Quixote, 12 Windmill Lane",
                 content_type="text/plain", received_on=date(2022, 3, 2), actor=ACTOR, now=NOW,
                 store=document_store())  # fmt: skip
    complaint_record(account_id=old.pk, received_on=date(2022, 3, 3), source="cfpb",
                     category="communication", description="Zebulon says we called at night",
                     actor=ACTOR, now=NOW)  # fmt: skip
    payment_post(account_id=old.pk, amount_minor=20_000, received_on=date(2022, 4, 1),
                 source="card", consumer_directed=True, actor=ACTOR, now=NOW)  # fmt: skip
    Account.objects.filter(pk=old.pk).update(status="closed", status_changed_on=date(2022, 6, 1))
    active = make_account(client, principal=80_000, itemization_date=date(2021, 6, 1))
    keeper = _person(active, "Keeper", "Stillowes", phone="+16175550123", street="1 Main St")
    return old, zebulon, active, keeper


def _database_text() -> str:
    """Every row of every table, as text."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out)


def _store_text() -> str:
    from django.conf import settings

    root = Path(settings.ARREARS_DOCUMENTS_DIR)
    return "\n".join(p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file())


def _ledger() -> dict[str, int]:
    sums = Entry.objects.aggregate(p=Sum("principal_minor"), i=Sum("interest_minor"),
                                   f=Sum("fees_minor"), c=Sum("costs_minor"), k=Sum("cash_minor"))  # fmt: skip
    balances = dict(Account.objects.values_list("id", "balance_minor"))
    return {**sums, "balances": balances}  # type: ignore[dict-item]


def test_after_a_purge_the_expired_partys_data_cannot_be_read_back(book) -> None:
    old, zebulon, _active, keeper = book
    before = _database_text()
    assert all(secret in before or secret in _store_text() for secret in
               ("Zebulon", "Quixote", "5550199", "Windmill Lane", "4929000011112222"))  # fmt: skip
    assert "Quixote" in _store_text()  # the notice names him
    ledger = _ledger()

    report = retention_purge(as_of=AS_OF, actor=ACTOR, now=NOW, store=document_store())

    assert (report.accounts, report.parties, report.contact_points, report.bank_accounts,
            report.documents) == (1, 1, 3, 1, 3)  # fmt: skip
    text = _database_text()
    store = _store_text()
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} is still in the database"
        assert secret not in store, f"{secret!r} is still in the document store"
    zebulon.refresh_from_db()
    assert (zebulon.ssn_encrypted, zebulon.ssn_last4, zebulon.ssn_index, zebulon.dob_encrypted,
            zebulon.purged_on) == ("", "", None, "", AS_OF)  # fmt: skip
    assert _ledger() == ledger
    notice = ValidationNotice.objects.get(account=old)
    assert (notice.current_minor, notice.amount_then_minor) == (150_000, 150_000)  # kept
    # Keeper's debt is still being collected: nothing of his is touched.
    assert "Stillowes" in text and "5550123" in text
    keeper.refresh_from_db()
    assert keeper.purged_on is None


def test_a_dry_run_counts_and_changes_nothing(book) -> None:
    before = _database_text()
    report = retention_purge(as_of=AS_OF, actor=ACTOR, now=NOW, store=document_store(),
                             dry_run=True)  # fmt: skip
    assert (report.accounts, report.parties, report.documents, report.dry_run) == (1, 1, 3, True)
    assert _database_text() == before
    assert "Quixote" in _store_text()


def test_running_it_again_changes_nothing(book) -> None:
    retention_purge(as_of=AS_OF, actor=ACTOR, now=NOW, store=document_store())
    after = _database_text()
    again = retention_purge(as_of=AS_OF, actor=ACTOR, now=NOW, store=document_store())
    assert (again.accounts, again.parties, again.documents) == (0, 0, 0)
    assert _database_text() == after


def test_nothing_goes_before_three_years_after_the_last_activity(book) -> None:
    _old, *_ = book
    report = retention_purge(as_of=date(2025, 5, 31), actor=ACTOR, now=NOW,
                             store=document_store())  # fmt: skip
    assert report.accounts == 0
    assert retention_purge(as_of=date(2025, 6, 1), actor=ACTOR, now=NOW, store=document_store(),
                           dry_run=True).accounts == 1  # fmt: skip


def test_a_party_who_still_owes_another_debt_keeps_its_data(book) -> None:
    old, zebulon, active, _keeper = book
    AccountParty.objects.create(account=active, party=zebulon, role="co_signer")
    report = retention_purge(as_of=AS_OF, actor=ACTOR, now=NOW, store=document_store())
    assert (report.accounts, report.parties, report.parties_kept_for_other_debts) == (1, 0, 1)
    zebulon.refresh_from_db()
    assert (zebulon.first_name, zebulon.purged_on) == ("Zebulon", None)
    from arrears.data.cases.models import Dispute

    assert Dispute.objects.get(account=old).description == ""  # the debt's own text goes
    old.refresh_from_db()
    assert old.purged_on == AS_OF and old.original_account_number == ""


def test_the_command_reports_in_json(book) -> None:
    out = StringIO()
    call_command("purge", "--as-of", "2026-11-23", "--dry-run", "--json", stdout=out,
                 stderr=StringIO())  # fmt: skip
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert report == {"as_of": "2026-11-23", "retention_years": 3, "dry_run": True,
                      "accounts": 1, "parties": 1, "parties_kept_for_other_debts": 0,
                      "contact_points": 3, "bank_accounts": 1, "documents": 3,
                      "placement_files": 0}  # fmt: skip


def test_a_placement_file_goes_once_every_account_it_placed_is_purged(book, settings, tmp_path):
    from arrears.data.accounts.models import Placement
    from arrears.services.placements.uploads import upload_dir

    old, _zebulon, active, _keeper = book
    settings.MEDIA_ROOT = tmp_path / "media"
    sha = "ab" * 32
    placement = Placement.objects.create(client=old.client, reference="file", file_sha256=sha,
                                         placed_on=date(2021, 6, 1))  # fmt: skip
    Account.objects.filter(pk__in=[old.pk, active.pk]).update(placement=placement)
    folder = upload_dir(old.client.code)
    folder.mkdir(parents=True)
    (folder / f"{sha}.csv").write_text("client_ref,first_name\nR1,Zebulon\n")
    assert retention_purge(as_of=AS_OF, actor=ACTOR, now=NOW,
                           store=document_store()).placement_files == 0  # fmt: skip
    assert (folder / f"{sha}.csv").exists()  # the active account came in the same file
    Account.objects.filter(pk=active.pk).update(status="recalled",
                                                status_changed_on=date(2022, 6, 1))  # fmt: skip
    assert (
        retention_purge(as_of=AS_OF, actor=ACTOR, now=NOW, store=document_store()).placement_files
        == 1
    )
    assert not (folder / f"{sha}.csv").exists()
