"""Web screens through Django's test client: login, the account page, the admin."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import override_settings
from django.urls import reverse

from arrears.data.users.models import Role, User
from arrears.services.common import Actor
from arrears.services.ledger.operations import hold_add
from arrears.services.payments.posting import payment_post
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector(client):
    user = User.objects.create_user("casey", password="a-long-real-passphrase", role=Role.COLLECTOR)
    client.force_login(user)
    return user


class TestLogin:
    def test_login_page_renders(self, client):
        response = client.get(reverse("login"))
        assert response.status_code == 200
        assert b"Sign in to Arrears" in response.content

    def test_pages_need_a_login(self, client):
        response = client.get(reverse("account-list"))
        assert response.status_code == 302 and "/login/" in response["Location"]

    @override_settings(DEBUG=False)
    def test_demo_password_refused_when_debug_is_off(self, client):
        User.objects.create_user("collector", password="demo-collector")
        response = client.post(
            reverse("login"), {"username": "collector", "password": "demo-collector"}
        )
        assert response.status_code == 200 and b"didn't match" in response.content
        assert "_auth_user_id" not in client.session

    @override_settings(DEBUG=True)
    def test_demo_password_accepted_in_development(self, client):
        User.objects.create_user("collector", password="demo-collector")
        response = client.post(
            reverse("login"), {"username": "collector", "password": "demo-collector"}
        )
        assert response.status_code == 302
        assert "_auth_user_id" in client.session


class TestAccountPage:
    def test_shows_balances_by_bucket_itemization_and_ledger(self, client, collector):
        account = make_account(
            make_client(granted_to=collector), principal=123_456, interest=2_000, fees=1_500
        )
        payment_post(account_id=account.pk, amount_minor=2_500, received_on=date(2026, 2, 1),
                     source="card", actor=Actor.system("test"), now=NOW)  # fmt: skip
        hold_add(account_id=account.pk, kind="dispute", starts_on=date(2026, 1, 5),
                 source="consumer letter", actor=Actor.system("test"))  # fmt: skip
        response = client.get(reverse("account-page", args=[account.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        cells = dict(
            re.findall(r"<tr><td>([A-Za-z ]+)</td><td class=\"num\">([\d,.]+)</td></tr>", html)
        )
        # 25.00 paid: fees 15.00 first, then 10.00 of the 20.00 interest; principal untouched
        assert cells["Principal"] == "1,234.56"
        assert cells["Interest"] == "10.00"
        assert cells["Fees"] == "0.00"
        assert "1,244.56" in html  # total owed now
        assert "1,269.56" in html  # owed on the itemization date
        assert "Dispute hold" in html
        assert "not on file" in html  # no SSN on file

    def test_unknown_account_is_404(self, client, collector):
        assert client.get(reverse("account-page", args=[999_999])).status_code == 404

    def test_shows_each_channel_blocked_by_a_cease_with_its_rule_and_citation(
        self, client, collector
    ):
        from arrears.data.accounts.models import Hold

        account = make_account(make_client(granted_to=collector))
        Hold.objects.create(account=account, kind="cease", starts_on=date(2020, 1, 1),
                            source="consumer letter")  # fmt: skip
        html = client.get(reverse("account-page", args=[account.pk])).content.decode()
        assert "Contact now" in html and "us-federal@2026.11.3" in html
        rows = re.findall(r'<tr class="decision (\w+)">\s*<td>(\w+)</td>', html)
        assert rows == [("blocked", "Call"), ("blocked", "SMS"), ("blocked", "Email"),
                        ("blocked", "Letter")]  # fmt: skip
        assert html.count("<strong>regf.cease-communication</strong>") == 4
        assert "12 CFR 1006.6(c); 15 U.S.C. 1692c(c)" in html

    def test_search_by_client_reference_opens_the_one_account_it_names(self, client, collector):
        account = make_account(make_client(granted_to=collector))
        response = client.get(reverse("account-list"), {"q": account.client_ref})
        assert response.status_code == 302
        assert response["Location"] == reverse("account-page", args=[account.pk])


class TestAdmin:
    @pytest.fixture
    def admin_client(self, client):
        user = User.objects.create_superuser("root", password="a-long-real-passphrase")
        client.force_login(user)
        return client

    def test_ledger_entries_are_read_only(self, admin_client):
        account = make_account(make_client())
        entry = account.entries.first()
        page = admin_client.get(f"/admin/ledger/entry/{entry.pk}/change/")
        assert page.status_code == 200
        assert b'name="principal_minor"' not in page.content
        assert admin_client.post(f"/admin/ledger/entry/{entry.pk}/delete/").status_code == 403

    def test_party_ssn_is_masked(self, admin_client):
        account = make_account(make_client())
        party = account.account_parties.first().party
        party.ssn_last4 = "6789"
        party.save()
        page = admin_client.get(f"/admin/parties/party/{party.pk}/change/").content.decode()
        assert "***-**-6789" in page
        assert "ssn_encrypted" not in page


class TestAdminAudit:
    @pytest.fixture
    def admin_client(self, client):
        user = User.objects.create_superuser("root", password="a-long-real-passphrase")
        client.force_login(user)
        return client

    def test_changing_an_account_in_the_admin_is_audited(self, admin_client):
        from arrears.data.audit.models import AuditEvent

        account = make_account(make_client())
        page = admin_client.get(f"/admin/accounts/account/{account.pk}/change/")
        form = page.context["adminform"].form
        data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
        data.update(
            {
                "status": "closed",
                "status_reason": "client instruction",
                "account_parties-TOTAL_FORMS": "0", "account_parties-INITIAL_FORMS": "0",
                "holds-TOTAL_FORMS": "0", "holds-INITIAL_FORMS": "0",
                "entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0",
            }
        )  # fmt: skip
        for key in (
            "placement",
            "charge_off_date",
            "itemization_date",
            "status_changed_on",
            "placed_on",
        ):
            value = getattr(account, key if key != "placement" else "placement_id")
            data[key] = value.isoformat() if hasattr(value, "isoformat") else (value or "")
        response = admin_client.post(f"/admin/accounts/account/{account.pk}/change/", data)
        assert response.status_code == 302, response.content[:2000]
        event = AuditEvent.objects.get(event="admin.account.changed")
        assert event.account_id == account.pk
        assert event.details["fields"]["status"] == "closed"
        assert event.actor_label == "admin:root"

    def test_creating_a_user_audits_without_the_password(self, admin_client):
        from arrears.data.audit.models import AuditEvent

        response = admin_client.post(
            "/admin/users/user/add/",
            {"username": "newbie", "password1": "Another-long-passphrase-9", "password2": "Another-long-passphrase-9",
             "usable_password": "true", "role": "collector"},
        )  # fmt: skip
        assert response.status_code == 302, response.content[:3000]
        event = AuditEvent.objects.get(event="admin.user.added")
        assert "Another-long-passphrase-9" not in str(event.details)


class TestLogContact:
    def _log(self, client, account_id, **data):
        body = {"channel": "letter", "direction": "outbound", "outcome": "sent", "note": "",
                **data}  # fmt: skip
        return client.post(reverse("contact-log", args=[account_id]), body)

    def test_a_logged_letter_appears_in_the_history(self, client, collector):
        from arrears.data.contacts.models import ContactAttempt

        account = make_account(make_client(granted_to=collector))
        response = self._log(client, account.pk, note="sent the itemized statement")
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/{account.pk}/#history"
        row = ContactAttempt.objects.get()
        assert (row.channel, row.outcome, row.allowed, row.created_by) == (
            "letter", "sent", True, collector)  # fmt: skip
        html = client.get(response["Location"]).content.decode()
        assert "Contact logged." in html
        assert re.search(r'<tr class="attempt">.*?Letter.*?Sent.*?allowed.*?casey.*?'
                         r"sent the itemized statement", html, re.S)  # fmt: skip

    def test_a_blocked_call_is_refused_with_its_rule_and_nothing_is_saved(self, client, collector):
        from arrears.data.accounts.models import Hold
        from arrears.data.contacts.models import ContactAttempt

        account = make_account(make_client(granted_to=collector))
        Hold.objects.create(account=account, kind="cease", starts_on=date(2020, 1, 1),
                            source="consumer letter")  # fmt: skip
        response = self._log(client, account.pk, channel="call", outcome="no_answer")
        assert response.status_code == 409
        html = response.content.decode()
        assert "Not logged: the rules block this call now." in html
        assert "No end is known." in html
        refusal = html[html.index('class="refusal"') : html.index("</div>\n  </div>")]
        assert "<strong>regf.cease-communication</strong>" in refusal
        assert ContactAttempt.objects.count() == 0

    def test_an_inbound_conversation_is_logged_even_under_a_cease(self, client, collector):
        from arrears.data.accounts.models import Hold
        from arrears.data.contacts.models import ContactAttempt

        account = make_account(make_client(granted_to=collector))
        Hold.objects.create(account=account, kind="cease", starts_on=date(2020, 1, 1),
                            source="consumer letter")  # fmt: skip
        response = self._log(client, account.pk, channel="call", direction="inbound",
                             outcome="conversation")  # fmt: skip
        assert response.status_code == 302
        assert ContactAttempt.objects.get().allowed is None

    def test_an_outcome_that_does_not_fit_the_channel_is_named(self, client, collector):
        from arrears.data.contacts.models import ContactAttempt

        account = make_account(make_client(granted_to=collector))
        response = self._log(client, account.pk, outcome="no_answer")
        assert response.status_code == 400
        assert "a letter can end as delivered, received, sent, undeliverable" in (
            response.content.decode())  # fmt: skip
        assert ContactAttempt.objects.count() == 0

    def test_the_accountant_may_not_log_contacts(self, client):
        from arrears.data.contacts.models import ContactAttempt

        user = User.objects.create_user("avery", password="x-long-passphrase", role=Role.ACCOUNTANT)
        client.force_login(user)
        account = make_account(make_client())
        assert self._log(client, account.pk).status_code == 403
        assert (
            "Log contact"
            not in client.get(reverse("account-page", args=[account.pk])).content.decode()
        )
        assert ContactAttempt.objects.count() == 0


def test_the_account_page_lists_validation_notices_with_their_documents(client, collector):
    from datetime import UTC, datetime

    from arrears.data.accounts.models import AccountParty
    from arrears.data.parties.models import ContactPoint
    from arrears.services.common import document_store, letter_renderer
    from arrears.services.compliance.notices import validation_notices_send

    account = make_account(make_client(granted_to=collector), itemization_date=date(2025, 1, 1))
    ContactPoint.objects.create(
        party_id=AccountParty.objects.get(account=account).party_id, kind="address",
        address1="1 Main St", city="Buffalo", state="NY", zip="14201",
        valid_from=date(2025, 1, 1), value_index="a1",
    )  # fmt: skip
    validation_notices_send(as_of=date(2025, 11, 7), actor=Actor.system("test"),
                            now=datetime(2026, 11, 23, tzinfo=UTC), store=document_store(),
                            renderer=letter_renderer())  # fmt: skip
    html = client.get(reverse("account-page", args=[account.pk])).content.decode()
    row = re.search(r'<tr class="notice">(.*?)</tr>', html, re.S)
    assert row is not None
    assert f"VN-{account.pk}-20251107" in row.group(1)
    assert "Nov 7, 2025" in row.group(1) and "Dec 17, 2025" in row.group(1)
    assert f'href="/api/validation-notices/VN-{account.pk}-20251107/pdf"' in row.group(1)
    pdf = client.get(f"/api/validation-notices/VN-{account.pk}-20251107/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


class TestDisputes:
    def test_a_collector_records_a_dispute_and_the_account_holds(self, client, collector):
        from arrears.data.cases.models import Dispute

        account = make_account(make_client(granted_to=collector))
        response = client.post(reverse("dispute-log", args=[account.pk]), {
            "dispute-kind": "dispute",
            "dispute-received_on": "2025-12-01",
            "dispute-medium": "letter",
            "dispute-reason": "amount_wrong",
            "dispute-disputed_amount": "125.40",
            "dispute-description": "wrong fee",
        })  # fmt: skip
        assert response.status_code == 302
        dispute = Dispute.objects.get()
        assert (dispute.disputed_amount_minor, dispute.reason, dispute.status) == (
            12_540, "amount_wrong", "open")  # fmt: skip
        html = client.get(response["Location"]).content.decode()
        row = re.search(r'<tr class="dispute">(.*?)</tr>', html, re.S)
        assert row is not None
        assert "The amount is wrong" in row.group(1) and "125.40" in row.group(1)
        assert '<span class="badge hold"' in html and "Dispute hold" in html

    def test_a_bad_date_is_named_and_nothing_is_recorded(self, client, collector):
        from arrears.data.cases.models import Dispute

        account = make_account(make_client(granted_to=collector))
        response = client.post(reverse("dispute-log", args=[account.pk]), {
            "dispute-kind": "dispute",
            "dispute-received_on": "2999-01-01",
            "dispute-medium": "letter",
            "dispute-reason": "other",
        })  # fmt: skip
        assert response.status_code == 400
        assert "a dispute cannot be received in the future" in response.content.decode()
        assert Dispute.objects.count() == 0

    def test_the_compliance_officer_answers_from_the_queue(self, client):
        from arrears.services.compliance.disputes import dispute_record

        officer = User.objects.create_user("carmen", password="x-long-pass", role=Role.COMPLIANCE)
        client.force_login(officer)
        account = make_account(make_client())
        dispute = dispute_record(account_id=account.pk, received_on=date(2025, 12, 1),
                                 medium="phone", reason="paid", actor=Actor.system("t"), now=NOW)  # fmt: skip
        html = client.get(reverse("compliance-queue")).content.decode()
        assert re.search(rf'<tr class="queue-item overdue">.*?#{account.pk}', html, re.S)
        assert "1 overdue" in html
        response = client.post(reverse("dispute-answer", args=[dispute.pk]),
                               {"answered_on": "2025-12-10", "note": "sent payment history"})  # fmt: skip
        assert response.status_code == 302
        dispute.refresh_from_db()
        assert (dispute.status, dispute.answered_on) == ("answered", date(2025, 12, 10))
        html = client.get(reverse("compliance-queue")).content.decode()
        assert "answered; its hold has ended" in html and "No open dispute" in html

    def test_collectors_do_not_see_the_queue(self, client, collector):
        assert client.get(reverse("compliance-queue")).status_code == 403


def test_a_collector_records_an_email_opt_out_and_the_panel_blocks_email(client, collector):
    from arrears.data.contacts.models import ContactRestriction

    account = make_account(make_client(granted_to=collector))
    response = client.post(reverse("restriction-log", args=[account.pk]), {
            "restriction-kind": "opt_out",
            "restriction-channel": "email",
            "restriction-received_on": "2026-11-01",
            "restriction-medium": "phone",
            "restriction-note": "asked on the call",
        })  # fmt: skip
    assert response.status_code == 302
    assert ContactRestriction.objects.get().channel == "email"
    html = client.get(response["Location"]).content.decode()
    assert re.search(r'<tr class="restriction">.*?Do not use this medium: Email', html, re.S)
    email = re.search(r'<tr class="decision (\w+)">\s*<td>Email</td>(.*?)</tr>', html, re.S)
    assert email is not None and email.group(1) == "blocked"
    assert "regf.medium-opt-out" in email.group(2)


def test_an_opt_out_without_a_medium_is_named_and_not_recorded(client, collector):
    from arrears.data.contacts.models import ContactRestriction

    account = make_account(make_client(granted_to=collector))
    response = client.post(reverse("restriction-log", args=[account.pk]), {
            "restriction-kind": "opt_out",
            "restriction-channel": "",
            "restriction-received_on": "2026-11-01",
            "restriction-medium": "phone",
        })  # fmt: skip
    assert response.status_code == 400
    assert "an opt-out names a medium" in response.content.decode()
    assert ContactRestriction.objects.count() == 0


def test_a_collector_keeps_a_document_and_logs_a_complaint(client, collector):
    from django.core.files.uploadedfile import SimpleUploadedFile

    account = make_account(make_client(granted_to=collector))
    response = client.post(reverse("document-upload", args=[account.pk]), {
        "document-kind": "affidavit",
        "document-received_on": "2026-11-20",
        "document-file": SimpleUploadedFile("affidavit.pdf", b"%PDF-1.7 sworn"),
    })  # fmt: skip
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    link = re.search(r'<tr class="document">.*?<a href="(/documents/\d+/)">affidavit.pdf</a>', html,
                     re.S)  # fmt: skip
    assert link is not None
    assert client.get(link.group(1)).content == b"%PDF-1.7 sworn"
    response = client.post(reverse("complaint-log", args=[account.pk]), {
        "complaint-received_on": "2026-11-02",
        "complaint-source": "cfpb",
        "complaint-category": "threats",
        "complaint-reference": "251102-000999",
    })  # fmt: skip
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    row = re.search(r'<tr class="complaint">(.*?)</tr>', html, re.S)
    assert row is not None and "CFPB portal" in row.group(1) and "Nov 17, 2026" in row.group(1)
