"""Passwords: a forgotten one is reset through a one-time link sent by email, a signed-in user
changes theirs; both respect the password validators and are audited, and the reset form never
tells whether an address has an account."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from arrears.data.audit.models import AuditEvent
from arrears.data.users.models import Role, User
from tests.functional.test_signins import IP, NOW, PASSWORD, WRONG, events
from tests.functional.test_signins import clock as clock

pytestmark = pytest.mark.django_db
NEW = "quiet-harbour-lantern-42"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def casey() -> User:
    return User.objects.create_user("casey", email="casey@example.com", password=PASSWORD,
                                    role=Role.COLLECTOR, first_name="Casey")  # fmt: skip


def _ask(client, email: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=IP)


def _link(mail) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r"http://testserver(/password/reset/[^/\s]+/[^/\s]+/)", mail.body)
    assert found is not None, mail.body
    return found.group(1)


def _set(client, link: str, first: str, second: str | None = None):  # type: ignore[no-untyped-def]
    """Open the emailed link (Django moves the token into the session and redirects), then
    post the new password on the page it lands on."""
    opened = client.get(link)
    assert opened.status_code == 302
    return client.post(opened["Location"], {"new_password1": first,
                                            "new_password2": second or first}, REMOTE_ADDR=IP)  # fmt: skip


class TestReset:
    def test_the_login_page_offers_the_reset(self, client) -> None:
        html = client.get(reverse("login")).content.decode()
        assert f'<a href="{reverse("password_reset")}">Forgot your password?</a>' in html

    def test_an_emailed_link_sets_a_new_password(self, client, casey, mailoutbox, clock) -> None:
        asked = _ask(client, "casey@example.com")
        assert asked.status_code == 302 and asked["Location"] == reverse("password_reset_done")
        assert len(mailoutbox) == 1
        mail = mailoutbox[0]
        assert (mail.to, mail.subject) == (["casey@example.com"], "Arrears: choose a new password")
        assert mail.from_email == "Arrears <no-reply@localhost>"
        assert "Hello Casey," in mail.body and '"casey"' in mail.body
        done = _set(client, _link(mail), NEW)
        assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
        casey.refresh_from_db()
        assert casey.check_password(NEW) and not casey.check_password(PASSWORD)
        assert events("auth.password_reset_requested") == [
            (NOW, None, "anonymous",
             {"email": "casey@example.com", "ip": IP, "sent_to": ["casey"]}),
        ]  # fmt: skip
        assert events("auth.password_reset") == [
            (NOW, casey.pk, "casey", {"username": "casey", "ip": IP})
        ]
        signed = Client().post(reverse("login"), {"username": "casey", "password": NEW})
        assert signed.status_code == 302

    def test_the_link_works_once(self, client, casey, mailoutbox) -> None:
        _ask(client, "casey@example.com")
        link = _link(mailoutbox[0])
        _set(client, link, NEW)
        again = Client().get(link, follow=True)
        assert b"This link no longer works" in again.content
        assert AuditEvent.objects.filter(event="auth.password_reset").count() == 1

    def test_an_unknown_address_sees_the_same_page_and_no_mail_goes(
        self, client, casey, mailoutbox, clock
    ) -> None:
        known = _ask(Client(), "casey@example.com")
        unknown = _ask(client, "nobody@example.com")
        assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
        page = client.get(unknown["Location"]).content
        assert page == Client().get(known["Location"]).content
        assert b"If an account uses that address" in page
        assert [m.to for m in mailoutbox] == [["casey@example.com"]]
        assert events("auth.password_reset_requested")[-1] == (
            NOW, None, "anonymous", {"email": "nobody@example.com", "ip": IP, "sent_to": []})  # fmt: skip

    def test_an_inactive_user_is_sent_nothing(self, client, casey, mailoutbox) -> None:
        User.objects.filter(pk=casey.pk).update(is_active=False)
        assert _ask(client, "casey@example.com").status_code == 302
        assert mailoutbox == []

    @pytest.mark.parametrize(
        ("first", "second", "message"),
        [("12345678901", None, "This password is entirely numeric."),
         ("password123", None, "This password is too common."),
         ("short1", None, "This password is too short."),
         ("casey123", None, "The password is too similar to the username."),
         (NEW, NEW + "x", "The two password fields didn\u2019t match.")],
    )  # fmt: skip
    def test_a_password_the_validators_refuse_changes_nothing(
        self, client, casey, mailoutbox, first, second, message
    ) -> None:
        _ask(client, "casey@example.com")
        refused = _set(client, _link(mailoutbox[0]), first, second)
        assert refused.status_code == 200
        assert message in refused.content.decode()
        casey.refresh_from_db()
        assert casey.check_password(PASSWORD)
        assert not AuditEvent.objects.filter(event="auth.password_reset").exists()

    def test_a_reset_signs_out_every_other_session(self, client, casey, mailoutbox) -> None:
        elsewhere = Client()
        elsewhere.force_login(casey)
        assert elsewhere.get(reverse("account-list")).status_code == 200
        _ask(client, "casey@example.com")
        _set(client, _link(mailoutbox[0]), NEW)
        assert elsewhere.get(reverse("account-list")).status_code == 302

    def test_a_reset_lifts_a_lock_on_the_name(self, client, casey, mailoutbox, clock) -> None:
        for _ in range(5):
            client.post(reverse("login"), {"username": "casey", "password": WRONG})
        assert AuditEvent.objects.filter(event="auth.login_locked").count() == 1
        _ask(client, "casey@example.com")
        clock.advance(seconds=1)
        _set(client, _link(mailoutbox[0]), NEW)
        clock.advance(seconds=1)
        signed = client.post(reverse("login"), {"username": "casey", "password": NEW})
        assert signed.status_code == 302


class TestChange:
    def test_a_signed_in_user_changes_their_password_and_stays_signed_in(
        self, client, casey, clock
    ) -> None:
        client.force_login(casey)
        page = client.get(reverse("password_change"))
        assert page.status_code == 200 and b"Change your password" in page.content
        done = client.post(reverse("password_change"), {"old_password": PASSWORD,
                           "new_password1": NEW, "new_password2": NEW}, REMOTE_ADDR=IP)  # fmt: skip
        assert done.status_code == 302 and done["Location"] == reverse("password_change_done")
        casey.refresh_from_db()
        assert casey.check_password(NEW)
        assert client.get(reverse("account-list")).status_code == 200  # still signed in
        assert events("auth.password_changed") == [
            (NOW, casey.pk, "casey", {"username": "casey", "ip": IP})
        ]

    def test_a_wrong_current_password_is_refused_and_nothing_changes(self, client, casey) -> None:
        client.force_login(casey)
        refused = client.post(reverse("password_change"), {"old_password": WRONG,
                              "new_password1": NEW, "new_password2": NEW})  # fmt: skip
        assert refused.status_code == 200
        assert "Your old password was entered incorrectly." in refused.content.decode()
        casey.refresh_from_db()
        assert casey.check_password(PASSWORD)
        assert not AuditEvent.objects.filter(event="auth.password_changed").exists()

    def test_a_common_new_password_is_refused(self, client, casey) -> None:
        client.force_login(casey)
        refused = client.post(reverse("password_change"), {"old_password": PASSWORD,
                              "new_password1": "password123", "new_password2": "password123"})  # fmt: skip
        assert "This password is too common." in refused.content.decode()
        casey.refresh_from_db()
        assert casey.check_password(PASSWORD)

    def test_changing_needs_a_sign_in(self, client) -> None:
        response = client.get(reverse("password_change"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    def test_every_page_links_to_the_change(self, client, casey) -> None:
        client.force_login(casey)
        html = client.get(reverse("account-list")).content.decode()
        assert f'href="{reverse("password_change")}"' in html


@pytest.mark.parametrize(
    ("env", "backend", "options"),
    [({"ARREARS_SMTP_HOST": "smtp.example.com", "ARREARS_SMTP_USER": "arrears",
       "ARREARS_SMTP_PASSWORD": "s3cret"},
      "django.core.mail.backends.smtp.EmailBackend",
      {"host": "smtp.example.com", "port": 587, "username": "arrears", "password": "s3cret",
       "use_ssl": False, "use_tls": True, "timeout": 20}),
     ({"ARREARS_SMTP_HOST": "smtp.example.com", "ARREARS_SMTP_PORT": "465",
       "ARREARS_SMTP_SSL": "1"},
      "django.core.mail.backends.smtp.EmailBackend",
      {"host": "smtp.example.com", "port": 465, "username": "", "password": "",
       "use_ssl": True, "use_tls": False, "timeout": 20}),
     ({"ARREARS_DEBUG": "1"}, "django.core.mail.backends.console.EmailBackend", None),
     ({}, "django.core.mail.backends.dummy.EmailBackend", None)],
    ids=["smtp-starttls", "smtp-ssl", "development", "production-without-smtp"],
)  # fmt: skip
def test_mail_goes_where_the_environment_says(env, backend, options) -> None:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("ARREARS_SMTP_", "ARREARS_DEBUG"))}  # fmt: skip
    code = ("import json; from django.conf import settings; "
            "print(json.dumps(settings.MAILERS['default']))")  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "arrears.config.settings"},
    )  # fmt: skip
    import json

    mailer = json.loads(out.stdout)
    assert mailer["BACKEND"] == backend
    assert mailer.get("OPTIONS") == options
