"""Search on the database: every reading of the text through its index, best first."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrears.core.money import Money
from arrears.data.accounts.models import Account
from arrears.data.audit.models import AuditEvent
from arrears.data.clients.models import Client
from arrears.data.parties.models import Party
from arrears.services.accounts.search import search_accounts
from arrears.services.common import Actor
from arrears.services.placements.operations import placement_import
from tests.factories import make_client
from tests.placement_files import ANCHOR

pytestmark = pytest.mark.django_db

HEADER = (
    "client_account_ref,original_creditor,principal,interest,fees,costs,charge_off_date,"
    "date_of_first_delinquency,itemization_date,first_name,last_name,ssn,date_of_birth,"
    "address1,city,state,zip,phone1,email,interest_rate"
)
PEOPLE = [
    # ref, first, last, ssn, zip, phone, email, principal
    ("A-1", "John", "Smith", "123-45-6789", "14201", "(716) 555-0101", "john@example.com", "900.00"),
    ("A-2", "Jane", "Smith", "223-45-6781", "14202", "(716) 555-0102", "jane@example.com", "800.00"),
    ("A-3", "Joan", "Smyth", "323-45-6782", "14201", "(716) 555-0103", "joan@example.com", "700.00"),
    ("A-4", "John", "Schmidt", "423-45-6783", "02108", "(617) 555-0104", "js@example.com", "600.00"),
    ("A-5", "Maria", "Lopez", "523-45-6789", "02108", "(617) 555-0105", "ml@example.com", "500.00"),
    ("A-6", "Hohn", "Smith", "623-45-6784", "10001", "(212) 555-0106", "hs@example.com", "400.00"),
]  # fmt: skip


@pytest.fixture
def book(tmp_path: Path) -> dict[str, int]:
    """Six people on six accounts of ACME, and a second account of John Smith's at BETA."""
    make_client("ACME")
    make_client("BETA")

    def line(ref, first, last, ssn, zip_code, phone, email, principal):
        return (
            f"{ref},Big Bank,{principal},0,0,0,2025-06-30,2025-03-01,2025-06-30,{first},{last},"
            f"{ssn},1980-05-17,1 Main St,Buffalo,NY,{zip_code},{phone},{email},"
        )

    acme = tmp_path / "acme.csv"
    acme.write_text(HEADER + "\n" + "\n".join(line(*p) for p in PEOPLE) + "\n", encoding="utf-8")
    beta = tmp_path / "beta.csv"
    beta.write_text(HEADER + "\n" + line("B-1", *PEOPLE[0][1:]) + "\n", encoding="utf-8")
    for code, path in (("ACME", acme), ("BETA", beta)):
        placement_import(client_code=code, path=path, actor=Actor.system("test"), today=ANCHOR)
    return {
        f"{a.client.code}/{a.client_ref}": a.pk for a in Account.objects.select_related("client")
    }


def refs(result) -> list[tuple[str, str]]:
    return [(f"{h.client_code}/{h.client_ref}", h.matched_by) for h in result.hits]


class TestNames:
    def test_a_misspelled_name_finds_the_person_first(self, book):
        result = search_accounts("Jonh Smiht")
        assert refs(result)[:2] == [("ACME/A-1", "name"), ("BETA/B-1", "name")]
        assert result.hits[0].party_name == "John Smith"
        assert result.hits[0].balance == Money.of("900.00", "USD")

    def test_near_namesakes_follow_by_similarity(self, book):
        names = [h.party_name for h in search_accounts("Jonh Smiht").hits]
        assert names[:2] == ["John Smith", "John Smith"]
        # Schmidt has a class Smith lacks (c): another key, not a namesake.
        assert set(names[2:]) == {"Jane Smith", "Joan Smyth", "Hohn Smith"}
        assert "Maria Lopez" not in names

    def test_last_name_first_with_a_comma(self, book):
        assert refs(search_accounts("Smith, John"))[:2] == [
            ("ACME/A-1", "name"),
            ("BETA/B-1", "name"),
        ]

    def test_a_typo_in_the_first_letter_is_caught_by_the_other_name(self, book):
        hits = search_accounts("Gohn Smith").hits
        assert {h.party_name for h in hits[:3]} >= {"John Smith", "Hohn Smith"}

    def test_one_word_searches_last_names(self, book):
        assert [h.party_name for h in search_accounts("Lopes").hits] == ["Maria Lopez"]


class TestIdentifiers:
    def test_account_number(self, book):
        account_id = book["ACME/A-5"]
        result = search_accounts(str(account_id))
        assert refs(result)[0] == ("ACME/A-5", "account number")

    def test_client_reference_across_clients(self, book):
        assert refs(search_accounts("B-1")) == [("BETA/B-1", "client reference")]

    def test_full_ssn_finds_every_account_of_the_person(self, book):
        assert sorted(refs(search_accounts("123-45-6789"))) == [
            ("ACME/A-1", "SSN"), ("BETA/B-1", "SSN"),
        ]  # fmt: skip

    def test_ssn_last_four_through_its_blind_index(self, book):
        found = refs(search_accounts("ssn:6789"))
        assert sorted(found) == [("ACME/A-1", "SSN last 4"), ("ACME/A-5", "SSN last 4"),
                                 ("BETA/B-1", "SSN last 4")]  # fmt: skip

    def test_an_ssn_search_is_audited_without_the_digits(self, book):
        search_accounts("123456789", actor=Actor(user_id=None, label="ann"))
        event = AuditEvent.objects.get(event="pii.searched")
        assert event.details == {"by": "ssn", "accounts_found": 2}
        assert "6789" not in str(event.details)

    def test_phone_in_another_format_than_stored(self, book):
        assert refs(search_accounts("716.555.0103")) == [("ACME/A-3", "phone")]

    @pytest.mark.postgresql
    def test_phone_and_email_look_ups_use_the_hash_index_of_phones_and_emails(self, book):
        from django.db import connection

        from arrears.data.parties.models import ContactKind, ContactPoint

        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'contact_value_idx'")
            (definition,) = cursor.fetchone()
            assert "USING hash (value_index)" in definition
            assert "WHERE ((kind)::text = ANY" in definition
            cursor.execute("SET LOCAL enable_seqscan = off")
            for kind in (ContactKind.PHONE, ContactKind.EMAIL):
                query = ContactPoint.objects.filter(kind=kind, value_index="0" * 32)
                assert "contact_value_idx" in query.explain()

    def test_email_in_any_case(self, book):
        assert refs(search_accounts("JS@Example.com")) == [("ACME/A-4", "email")]

    def test_zip_finds_the_accounts_of_people_living_there(self, book):
        assert sorted(refs(search_accounts("zip 02108"))) == [
            ("ACME/A-4", "ZIP"),
            ("ACME/A-5", "ZIP"),
        ]

    def test_hits_of_one_reading_are_ordered_by_balance(self, book):
        # "14201" is an account number (none), a reference (none) and a ZIP (three accounts).
        assert refs(search_accounts("14201")) == [
            ("ACME/A-1", "ZIP"), ("BETA/B-1", "ZIP"), ("ACME/A-3", "ZIP"),
        ]  # fmt: skip


class TestLimits:
    def test_only_the_clients_given_are_searched(self, book):
        beta = Client.objects.get(code="BETA").pk
        assert refs(search_accounts("John Smith", client_ids=[beta])) == [("BETA/B-1", "name")]
        assert refs(search_accounts("123-45-6789", client_ids=[])) == []

    def test_nothing_found_is_an_empty_list(self, book):
        assert search_accounts("Zyxwv Qqq").hits == []
        assert search_accounts("").hits == []

    def test_a_purged_party_is_no_longer_found_by_name(self, book):
        Party.objects.filter(first_name="Maria").update(
            first_name="", last_name="", name_key_last="", name_key_first=""
        )
        assert search_accounts("Maria Lopez").hits == []

    def test_keys_follow_a_name_change(self, book):
        party = Party.objects.get(first_name="Maria")
        party.last_name = "Garcia"
        party.save(update_fields=["last_name"])
        assert [h.party_name for h in search_accounts("Maria Garsia").hits] == ["Maria Garcia"]
