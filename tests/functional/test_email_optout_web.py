"""The public opt-out page, as a consumer (signed out, no CSRF cookie) uses it: a GET only shows
the masked address and a button, so link scanners stop nothing; the button's POST applies; a mail
client's RFC 8058 one-click POST applies too; a bad link says so plainly."""

from __future__ import annotations

import pytest
from django.test import Client

from arrears.data.contacts.models import ContactRestriction
from arrears.data.parties.models import ContactPoint
from arrears.services.messaging.optout import opt_out_token
from tests.integration.test_email_optout import consumer_with_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def link():  # type: ignore[no-untyped-def]
    account, point = consumer_with_email("jane.roe@example.com")
    token = opt_out_token(account_id=account.pk, contact_point_id=point.pk)
    return {"url": f"/opt-out/{token}/", "account": account, "point": point}


@pytest.fixture
def consumer() -> Client:
    """A browser or mail client: signed out, and refusing requests without a CSRF token."""
    return Client(enforce_csrf_checks=True)


def test_a_get_shows_the_masked_address_and_a_button_and_stops_nothing(consumer, link) -> None:  # type: ignore[no-untyped-def]
    response = consumer.get(link["url"])

    html = response.content.decode()
    assert response.status_code == 200
    assert "Stop emails about this account to <strong>j***@example.com</strong>?" in html
    assert '<button type="submit" name="confirm" value="yes">Stop emails</button>' in html
    assert ContactRestriction.objects.count() == 0
    assert (response["Cache-Control"], response["Referrer-Policy"]) == ("no-store", "no-referrer")


def test_the_page_shows_no_personal_data_beyond_the_masked_address(consumer, link) -> None:  # type: ignore[no-untyped-def]
    html = consumer.get(link["url"]).content.decode()

    for secret in ("jane.roe", "Pat", "Doe", link["account"].client_ref, "Buffalo", "716"):
        assert secret not in html, secret


def test_the_buttons_post_stops_emails_to_that_address(consumer, link) -> None:  # type: ignore[no-untyped-def]
    response = consumer.post(link["url"], {"confirm": "yes"})

    assert response.status_code == 200
    assert "We will no longer email <strong>j***@example.com</strong>." in response.content.decode()
    restriction = ContactRestriction.objects.get()
    assert (restriction.kind, restriction.channel, restriction.contact_point_id,
            restriction.medium) == ("opt_out", "email", link["point"].pk, "email link")  # fmt: skip


def test_a_mail_clients_one_click_post_stops_emails_without_a_csrf_token(consumer, link) -> None:  # type: ignore[no-untyped-def]
    response = consumer.post(link["url"], "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")  # fmt: skip

    assert response.status_code == 200
    assert ContactRestriction.objects.filter(contact_point=link["point"], channel="email",
                                             kind="opt_out").count() == 1  # fmt: skip


def test_a_second_post_says_it_was_already_stopped_and_adds_nothing(consumer, link) -> None:  # type: ignore[no-untyped-def]
    consumer.post(link["url"], "List-Unsubscribe=One-Click",
                  content_type="application/x-www-form-urlencoded")  # fmt: skip

    again = consumer.post(link["url"], {"confirm": "yes"})
    page = consumer.get(link["url"])

    assert "Emails to <strong>j***@example.com</strong> were already stopped." in (
        again.content.decode())  # fmt: skip
    assert "Emails already stopped" in page.content.decode()
    assert ContactRestriction.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_a_400_that_says_so_and_stops_nothing(consumer, link, method) -> None:  # type: ignore[no-untyped-def]
    tampered = link["url"][:-4] + "xyz/"

    response = getattr(consumer, method)(tampered)

    assert response.status_code == 400
    html = response.content.decode()
    assert "This link does not work" in html
    assert "This link is not valid. It may have been copied incompletely." in html
    assert "call us at (800) 555-0142" in html
    assert ContactRestriction.objects.count() == 0


def test_a_link_to_an_address_we_no_longer_hold_is_a_404(consumer, link) -> None:  # type: ignore[no-untyped-def]
    ContactPoint.objects.filter(pk=link["point"].pk).delete()

    response = consumer.post(link["url"], {"confirm": "yes"})

    assert response.status_code == 404
    assert "This link no longer matches an address we hold." in response.content.decode()
    assert ContactRestriction.objects.count() == 0


def test_other_methods_are_not_allowed(consumer, link) -> None:  # type: ignore[no-untyped-def]
    assert consumer.put(link["url"]).status_code == 405
    assert ContactRestriction.objects.count() == 0


def test_a_signed_in_collector_opening_the_link_changes_nothing_either(client, link) -> None:  # type: ignore[no-untyped-def]
    from arrears.data.users.models import User

    client.force_login(User.objects.create_user("casey", password="a-long-real-passphrase"))
    assert client.get(link["url"]).status_code == 200
    assert ContactRestriction.objects.count() == 0
