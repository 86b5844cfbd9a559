"""Remittance statements on the web: the month's statements (the latest month by default, a month
picker), each with its figures, its documents made on request and, while issued, a form to
record it paid; the trust reconciliation below; who may see and who may record; refusals shown
with nothing changed."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from arrears.data.audit.models import AuditEvent
from arrears.data.trust.models import Remittance
from arrears.data.users.models import Role, User
from arrears.services.common import Actor
from arrears.services.payments.posting import payment_post
from arrears.services.trust.operations import commission_terms_set, remit
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Today is 23 November 2026."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))


@pytest.fixture
def book(tmp_path) -> dict[str, Remittance]:
    """September and October remitted. October: ACME (25 %, net) 200.00 collected, 150.00 due;
    ZETA (20 %, gross) 123.45 collected, all due and 24.69 invoiced."""
    acme = make_client("ACME")
    commission_terms_set(client_id=acme.pk, default_rate_ppm=250_000, actor=ACTOR, now=NOW)
    zeta = make_client("ZETA")
    commission_terms_set(client_id=zeta.pk, default_rate_ppm=200_000, remit_mode="gross",
                         actor=ACTOR, now=NOW)  # fmt: skip
    a, z = make_account(acme, principal=100_000), make_account(zeta, principal=100_000)
    for account, amount, on in ((a, 4_000, date(2026, 9, 8)), (a, 20_000, date(2026, 10, 9)),
                                (z, 12_345, date(2026, 10, 12))):  # fmt: skip
        payment_post(account_id=account.pk, amount_minor=amount, received_on=on,
                     source="check", actor=ACTOR, now=NOW)  # fmt: skip
    remit(period=date(2026, 9, 1), actor=ACTOR, now=NOW, out=tmp_path)
    remit(period=date(2026, 10, 1), actor=ACTOR, now=NOW, out=tmp_path)
    return {r.number: r for r in Remittance.objects.all()}


def sign_in(client, role: str, username: str | None = None) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.create_user(username or role, password="a-long-real-passphrase",
                                    role=role)  # fmt: skip
    client.force_login(user)
    return user


def text(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def rows(html: str) -> list[str]:
    return [text(r) for r in re.findall(r'<tr class="remittance"[^>]*>(.*?)</tr>', html, re.S)]


def table(html: str, table_id: str) -> list[str]:
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert found is not None, table_id
    body = found.group(1).split("</thead>", 1)[-1]
    return [text(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def paid_state() -> list[tuple[object, ...]]:
    return list(Remittance.objects.order_by("id").values_list(
        "status", "paid_on", "paid_reference", "paid_by_id"))  # fmt: skip


class TestTheList:
    def test_shows_the_latest_month_with_its_statements_and_reconciliation(self, client, book):
        sign_in(client, Role.ACCOUNTANT)

        response = client.get(reverse("remittances"))

        html = response.content.decode()
        assert response.status_code == 200
        assert "Remittances · October 2026, 2 statements" in text(html)
        assert rows(html) == [
            "ACME ACME Bank REM-ACME-2026-10 net · 1 line · USD 200.00 50.00 150.00 Issued "
            "Statement PDF · Lines XLSX · Invoice PDF",
            "ZETA ZETA Bank REM-ZETA-2026-10 gross · 1 line · USD 123.45 24.69 invoiced 123.45 "
            "Issued Statement PDF · Lines XLSX · Invoice PDF",
        ]
        acme = book["REM-ACME-2026-10"]
        assert f'href="{reverse("remittance-document", args=[acme.pk, "statement"])}"' in html
        assert f'href="{reverse("remittance-document", args=[acme.pk, "lines"])}"' in html
        assert html.count('aria-label="Record REM-') == 2
        assert f'action="{reverse("remittance-paid", args=[acme.pk])}"' in html
        assert "Trust reconciliation 2026-10 Balanced" in text(html)
        assert table(html, "cash-received") == [
            "USD 323.45 323.45 0.00 0.00 0.00",
        ]
        assert table(html, "rollforward") == [
            "ACME USD 0.00 200.00 150.00 50.00 0.00 0.00",
            "ZETA USD 0.00 123.45 123.45 0.00 0.00 0.00",
        ]
        assert f'href="{reverse("remittances")}">Remittances</a>' in html  # the header link

    def test_the_month_picker_shows_another_month(self, client, book):
        sign_in(client, Role.SUPERVISOR)

        html = client.get(reverse("remittances"), {"period": "2026-09"}).content.decode()

        assert rows(html) == [
            "ACME ACME Bank REM-ACME-2026-09 net · 1 line · USD 40.00 10.00 30.00 Issued "
            "Statement PDF · Lines XLSX · Invoice PDF",
            "ZETA ZETA Bank REM-ZETA-2026-09 gross · 0 lines · USD 0.00 0.00 0.00 Issued nothing "
            "due Statement PDF · Lines XLSX · Invoice PDF",
        ]
        assert 'value="2026-09"' in html
        assert 'aria-label="Record REM-' not in html  # a supervisor does not record payments

    def test_a_period_that_is_not_a_month_is_said_and_the_latest_shown(self, client, book):
        sign_in(client, Role.ACCOUNTANT)

        response = client.get(reverse("remittances"), {"period": "2026-13"})

        assert response.status_code == 400
        assert "'2026-13' is not a month (YYYY-MM, such as 2026-10)" in text(
            response.content.decode()
        )
        assert len(rows(response.content.decode())) == 2

    @pytest.mark.parametrize("role", [Role.COLLECTOR, Role.COMPLIANCE])
    def test_collectors_and_compliance_are_refused(self, client, book, role):
        sign_in(client, role)
        assert client.get(reverse("remittances")).status_code == 403
        assert ">Remittances</a>" not in client.get(reverse("home"), follow=True).content.decode()


class TestDocuments:
    def test_the_statement_invoice_and_lines_are_made_from_the_stored_statement(self, client, book):
        sign_in(client, Role.SUPERVISOR)
        acme = book["REM-ACME-2026-10"]

        pdf = client.get(reverse("remittance-document", args=[acme.pk, "statement"]))
        invoice = client.get(reverse("remittance-document", args=[acme.pk, "invoice"]))
        lines = client.get(reverse("remittance-document", args=[acme.pk, "lines"]))

        assert (pdf.status_code, pdf["Content-Type"], pdf["Content-Disposition"]) == (
            200, "application/pdf", 'attachment; filename="REM-ACME-2026-10.pdf"',
        )  # fmt: skip
        assert pdf.content.startswith(b"%PDF")
        assert invoice["Content-Disposition"] == 'attachment; filename="INV-ACME-2026-10.pdf"'
        assert lines["Content-Disposition"] == 'attachment; filename="REM-ACME-2026-10.xlsx"'
        sheet = load_workbook(BytesIO(lines.content), read_only=True)["Lines"]
        (row,) = list(sheet.iter_rows(min_row=2, values_only=True))
        assert (row[2], str(row[5]), str(row[7]), str(row[8])) == ("payment", "200", "50", "150")

    def test_an_unknown_document_is_404(self, client, book):
        sign_in(client, Role.ACCOUNTANT)
        acme = book["REM-ACME-2026-10"]
        assert client.get(f"/trust/remittances/{acme.pk}/receipt/").status_code == 404
        assert client.get("/trust/remittances/987654/statement/").status_code == 404


class TestRecordingPaid:
    def test_an_accountant_records_a_statement_paid(self, client, book):
        alex = sign_in(client, Role.ACCOUNTANT, "alex")
        acme = book["REM-ACME-2026-10"]

        response = client.post(reverse("remittance-paid", args=[acme.pk]),
                               {"paid_on": "2026-11-23", "reference": "CHK 10422"})  # fmt: skip

        assert response.status_code == 302
        assert response["Location"] == reverse("remittances") + "?period=2026-10"
        acme.refresh_from_db()
        assert (acme.status, acme.paid_on, acme.paid_reference, acme.paid_by_id) == (
            "paid", date(2026, 11, 23), "CHK 10422", alex.pk,
        )  # fmt: skip
        page = client.get(response["Location"]).content.decode()
        assert ("REM-ACME-2026-10 recorded paid: 150.00 USD on 2026-11-23, reference CHK 10422."
                in text(page))  # fmt: skip
        assert rows(page)[0] == (
            "ACME ACME Bank REM-ACME-2026-10 net · 1 line · USD 200.00 50.00 150.00 Paid "
            "Nov 23, 2026 · CHK 10422 · alex Statement PDF · Lines XLSX · Invoice PDF"
        )
        assert page.count('aria-label="Record REM-') == 1  # only ZETA's is left to pay

    def test_a_second_identical_request_is_refused_and_changes_nothing(self, client, book):
        sign_in(client, Role.ADMIN, "root")
        acme = book["REM-ACME-2026-10"]
        url = reverse("remittance-paid", args=[acme.pk])
        client.post(url, {"paid_on": "2026-11-23", "reference": "CHK 10422"})
        before = (paid_state(), AuditEvent.objects.count())

        again = client.post(url, {"paid_on": "2026-11-23", "reference": "CHK 10422"})

        assert again.status_code == 409
        assert ("REM-ACME-2026-10 was marked paid on 2026-11-23 (reference CHK 10422) by root; "
                "nothing was changed") in text(again.content.decode())  # fmt: skip
        assert (paid_state(), AuditEvent.objects.count()) == before

    @pytest.mark.parametrize(("data", "message"), [
        ({"paid_on": "2026-11-24", "reference": "CHK 1"},
         "2026-11-24 is in the future: record a payment once it is made"),
        ({"paid_on": "2026-11-22", "reference": "CHK 1"},
         "REM-ACME-2026-10 was issued on 2026-11-23; it cannot have been paid on 2026-11-22"),
        ({"paid_on": "2026-11-23", "reference": ""}, "This field is required."),
        ({"paid_on": "23/11/2026", "reference": "CHK 1"}, "Enter a valid date."),
    ])  # fmt: skip
    def test_a_refusal_is_shown_on_the_form_and_nothing_changes(self, client, book, data,
                                                                message):  # fmt: skip
        sign_in(client, Role.ACCOUNTANT)
        acme = book["REM-ACME-2026-10"]
        before = (paid_state(), AuditEvent.objects.count())

        response = client.post(reverse("remittance-paid", args=[acme.pk]), data)

        assert response.status_code == 400
        form = re.search(r'aria-label="Record REM-ACME-2026-10 paid">(.*?)</form>',
                         response.content.decode(), re.S)  # fmt: skip
        assert form is not None and message in text(form.group(1))
        assert (paid_state(), AuditEvent.objects.count()) == before

    def test_a_supervisor_may_not_record_a_payment(self, client, book):
        sign_in(client, Role.SUPERVISOR)
        acme = book["REM-ACME-2026-10"]
        response = client.post(reverse("remittance-paid", args=[acme.pk]),
                               {"paid_on": "2026-11-23", "reference": "CHK 1"})  # fmt: skip
        assert response.status_code == 403
        assert [s[0] for s in paid_state()] == ["issued"] * 4
