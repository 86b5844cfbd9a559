"""The search box through the web, the API and the command line: what it finds, how it shows
it, and what it audits."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from arrears.data.audit.models import AuditEvent
from arrears.data.clients.models import Client
from arrears.data.users.models import Role, User
from tests.factories import grant_clients
from tests.functional.test_api import basic
from tests.functional.test_cli import arrears
from tests.integration.test_search import book  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector(client, book):  # noqa: F811
    """Casey, a collector signed in, granted both of the book's clients."""
    user = User.objects.create_user("casey", password="a-long-real-passphrase", role=Role.COLLECTOR)
    grant_clients(user, *Client.objects.filter(code__in=["ACME", "BETA"]))
    client.force_login(user)
    return user


def rows(html: str) -> list[tuple[str, str]]:
    """(name, matched by) of each result row."""
    names = re.findall(r'<td class="hit-name">([^<]*)</td>', html)
    readings = re.findall(r'<td class="hit-by">([^<]*?)(?: <span|</td>)', html)
    return list(zip(names, readings, strict=True))


class TestSearchPage:
    def test_a_misspelled_name_lists_the_person_first(self, client, collector, book):  # noqa: F811
        response = client.get(reverse("account-list"), {"q": "Jonh Smiht"})
        html = response.content.decode()
        assert response.status_code == 200
        assert rows(html)[:2] == [("John Smith", "name"), ("John Smith", "name")]
        assert "Read as: client reference, name." not in html
        assert "Read as: name." in html

    def test_one_exact_hit_opens_the_account(self, client, collector, book):  # noqa: F811
        response = client.get(reverse("account-list"), {"q": "(716) 555-0103"})
        assert response.status_code == 302
        assert response["Location"] == reverse("account-page", args=[book["ACME/A-3"]])

    def test_a_name_with_one_hit_still_lists_it(self, client, collector, book):  # noqa: F811
        response = client.get(reverse("account-list"), {"q": "Lopes"})
        assert response.status_code == 200
        assert rows(response.content.decode()) == [("Maria Lopez", "name")]

    def test_nothing_found_says_so(self, client, collector, book):  # noqa: F811
        html = client.get(reverse("account-list"), {"q": "Zyxwv"}).content.decode()
        assert "Nothing matches “Zyxwv”." in html

    def test_an_ssn_search_is_audited_as_the_user(self, client, collector, book):  # noqa: F811
        client.get(reverse("account-list"), {"q": "ssn:6789"})
        event = AuditEvent.objects.get(event="pii.searched")
        assert (event.actor_id, event.details) == (
            collector.pk,
            {"by": "ssn_last4", "accounts_found": 3},
        )

    def test_without_a_query_the_book_is_listed(self, client, collector, book):  # noqa: F811
        response = client.get(reverse("account-list"))
        assert response.context["page"].paginator.count == 7


class TestSuggestions:
    """What htmx asks for while the user types: a short list, never an SSN look-up."""

    HTMX = {"HTTP_HX_REQUEST": "true"}

    def test_typing_a_misspelled_name_suggests_the_person(self, client, collector, book):  # noqa: F811
        response = client.get(reverse("account-list"), {"q": "Jonh Smiht"}, **self.HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert re.findall(r"<strong>([^<]+)</strong>", html)[:2] == ["John Smith", "John Smith"]

    def test_digits_typed_are_not_looked_up_as_an_ssn(self, client, collector, book):  # noqa: F811
        response = client.get(reverse("account-list"), {"q": "6789"}, **self.HTMX)
        assert "Nothing matches yet; Enter searches SSNs too." in response.content.decode()
        assert not AuditEvent.objects.filter(event="pii.searched").exists()

    def test_an_emptied_box_suggests_nothing(self, client, collector, book):  # noqa: F811
        response = client.get(reverse("account-list"), {"q": ""}, **self.HTMX)
        assert (response.status_code, response.content.strip()) == (200, b"")


class TestSearchApi:
    @pytest.fixture
    def casey(self, book):  # noqa: F811
        user = User.objects.create_user("casey", password="a-long-real-passphrase",
                                        role=Role.COLLECTOR)  # fmt: skip
        grant_clients(user, *Client.objects.filter(code__in=["ACME", "BETA"]))
        return basic("casey", "a-long-real-passphrase")

    def test_a_misspelled_name_comes_back_best_first_with_exact_money(self, client, casey, book):  # noqa: F811
        response = client.get("/api/search", {"q": "Jonh Smiht", "limit": 2}, **casey)
        assert response.status_code == 200
        body = response.json()
        assert (body["query"], body["read_as"]) == ("Jonh Smiht", ["name"])
        assert [(h["client"], h["client_ref"], h["name"], h["balance"], h["matched_by"])
                for h in body["hits"]] == [
            ("ACME", "A-1", "John Smith", "900.00", "name"),
            ("BETA", "B-1", "John Smith", "900.00", "name"),
        ]  # fmt: skip

    def test_an_email_finds_its_account(self, client, casey, book):  # noqa: F811
        body = client.get("/api/search", {"q": "email:js@example.com"}, **casey).json()
        assert [(h["client_ref"], h["matched_by"], h["score"]) for h in body["hits"]] == [
            ("A-4", "email", 1.0)
        ]

    @pytest.mark.parametrize(
        ("params", "field"),
        [({"q": "  "}, "q"), ({"q": "Smith", "limit": 0}, "limit"),
         ({"q": "Smith", "limit": 101}, "limit"), ({"q": "Smith", "limit": "many"}, "limit"),
         ({}, "q")],
    )  # fmt: skip
    def test_bad_input_is_a_400_naming_the_field(self, client, casey, book, params, field):  # noqa: F811
        response = client.get("/api/search", params, **casey)
        # 400 for a value the search refuses, 422 for one that is not even the right type.
        assert response.status_code in (400, 422)
        assert response.json()["field"] == field

    def test_a_search_needs_a_login(self, client, book):  # noqa: F811
        assert client.get("/api/search", {"q": "Smith"}).status_code == 401


class TestSearchCli:
    def test_a_misspelled_name_prints_the_person_first(self, book):  # noqa: F811
        found = arrears("search", "Jonh", "Smiht", "--limit", "2")
        assert found["read_as"] == ["name"]
        assert [(h["client_ref"], h["name"], h["balance"]) for h in found["hits"]] == [
            ("A-1", "John Smith", "900.00"), ("B-1", "John Smith", "900.00"),
        ]  # fmt: skip

    def test_a_bad_limit_exits_2(self, book):  # noqa: F811
        with pytest.raises(CommandError) as refused:
            call_command("search", "Smith", "--limit", "0")
        assert refused.value.returncode == 2 and "limit must be between 1 and 1000" in str(
            refused.value
        )


class TestSearchHonoursGrants:
    """A collector granted ACME alone: BETA's account of John Smith is never found, suggested
    or returned, whatever the text."""

    @pytest.fixture
    def acme_only(self, client, book):  # noqa: F811
        user = User.objects.create_user("dana", password="a-long-real-passphrase",
                                        role=Role.COLLECTOR)  # fmt: skip
        grant_clients(user, Client.objects.get(code="ACME"))
        client.force_login(user)
        return user

    def test_the_search_page_lists_only_granted_accounts(self, client, acme_only, book):  # noqa: F811
        html = client.get(reverse("account-list"), {"q": "Jonh Smiht"}).content.decode()
        assert f'href="/accounts/{book["BETA/B-1"]}/"' not in html
        assert f'href="/accounts/{book["ACME/A-1"]}/"' in html

    def test_an_exact_identifier_of_an_ungranted_account_finds_nothing(
        self,
        client,
        acme_only,
        book,  # noqa: F811
    ) -> None:
        for text in (str(book["BETA/B-1"]), "B-1", "ref:B-1"):
            response = client.get(reverse("account-list"), {"q": text})
            assert response.status_code == 200, text  # no redirect to the account
            assert f"/accounts/{book['BETA/B-1']}/" not in response.content.decode()

    def test_suggestions_leave_ungranted_accounts_out(self, client, acme_only, book):  # noqa: F811
        html = client.get(reverse("account-list"), {"q": "Jonh Smiht"},
                          HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
        assert f"/accounts/{book['BETA/B-1']}/" not in html
        assert f"/accounts/{book['ACME/A-1']}/" in html

    def test_the_api_returns_only_granted_accounts(self, client, acme_only, book):  # noqa: F811
        auth = basic("dana", "a-long-real-passphrase")
        body = client.get("/api/search", {"q": "Jonh Smiht"}, **auth).json()
        assert {h["client"] for h in body["hits"]} == {"ACME"}
        assert client.get("/api/search", {"q": "B-1"}, **auth).json()["hits"] == []

    def test_a_collector_without_grants_finds_nothing(self, client, book):  # noqa: F811
        User.objects.create_user("erin", password="a-long-real-passphrase", role=Role.COLLECTOR)
        body = client.get("/api/search", {"q": "Smith"},
                          **basic("erin", "a-long-real-passphrase")).json()  # fmt: skip
        assert body["hits"] == []
