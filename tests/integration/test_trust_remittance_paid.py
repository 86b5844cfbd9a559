"""Recording a remittance statement paid to its client: issued -> paid with the day, the check or
wire number and who recorded it, audited; every refusal (paid before, a day in the future or
before the statement, no reference, a role that does not pay, a client not granted, nothing
due) names its field and changes nothing; the database refuses a paid statement without its
payment."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from arrears.data.audit.models import AuditEvent
from arrears.data.trust.models import Remittance
from arrears.data.users.models import Role, User
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.ledger.operations import payment_reverse
from arrears.services.payments.posting import payment_post
from arrears.services.trust.operations import (
    PayingForbidden,
    RemittanceAlreadyPaid,
    commission_terms_set,
    remit,
    remittance_mark_paid,
)
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
OCTOBER = date(2026, 10, 1)
ISSUED_ON = NOW.date()  # 2026-11-23: remitted at NOW
LATER = NOW + timedelta(days=3)


def state() -> tuple[object, ...]:
    rows = list(Remittance.objects.order_by("id").values_list(
        "id", "status", "paid_on", "paid_reference", "paid_by_id", "paid_at"))  # fmt: skip
    return rows, AuditEvent.objects.count()


def user(name: str, role: str) -> User:
    return User.objects.create_user(name, password="a-long-real-passphrase", role=role)


@pytest.fixture
def statement(tmp_path) -> Remittance:
    """ACME's October statement: 200.00 collected at 25 %, 150.00 due to the client."""
    acme = make_client("ACME")
    commission_terms_set(client_id=acme.pk, default_rate_ppm=250_000, actor=Actor("t"), now=NOW)
    account = make_account(acme, principal=100_000)
    payment_post(account_id=account.pk, amount_minor=20_000, received_on=date(2026, 10, 9),
                 source="check", actor=Actor("t"), now=NOW)  # fmt: skip
    remit(period=OCTOBER, actor=Actor("t"), now=NOW, out=tmp_path)
    return Remittance.objects.get(client=acme)


def mark(statement: Remittance, by: User | None, **kw: object) -> Remittance:
    args: dict[str, object] = {"paid_on": ISSUED_ON, "reference": "CHK 10422", "now": LATER}
    args.update(kw)
    actor = Actor(label=by.username if by else "cli", user_id=by.pk if by else None)
    return remittance_mark_paid(remittance_id=statement.pk, actor=actor, by=by, **args)  # type: ignore[arg-type]


class TestMarkPaid:
    def test_an_accountant_records_the_statement_paid(self, statement) -> None:
        alex = user("alex", Role.ACCOUNTANT)

        done = mark(statement, alex, reference="  WIRE   2026-1101 ")

        statement.refresh_from_db()
        assert (statement.status, statement.paid_on, statement.paid_reference,
                statement.paid_by_id, statement.paid_at, statement.due_to_client_minor) == (
            "paid", ISSUED_ON, "WIRE 2026-1101", alex.pk, LATER, 15_000,
        )  # fmt: skip
        assert done.pk == statement.pk
        event = AuditEvent.objects.get(event="remittance.paid")
        assert (event.actor_id, event.at, event.details) == (alex.pk, LATER, {
            "remittance": statement.pk, "number": "REM-ACME-2026-10", "client": "ACME",
            "currency": "USD", "due_to_client_minor": 15_000, "paid_on": "2026-11-23",
            "reference": "WIRE 2026-1101", "paid_by": "alex",
        })  # fmt: skip

    def test_an_administrator_may_too(self, statement) -> None:
        root = user("root", Role.ADMIN)
        mark(statement, root, paid_on=ISSUED_ON + timedelta(days=1))
        statement.refresh_from_db()
        assert (statement.status, statement.paid_on, statement.paid_by_id) == (
            "paid", date(2026, 11, 24), root.pk,
        )  # fmt: skip

    def test_the_operator_records_it_without_a_user(self, statement) -> None:
        mark(statement, None)
        statement.refresh_from_db()
        assert (statement.status, statement.paid_by_id) == ("paid", None)
        assert AuditEvent.objects.get(event="remittance.paid").details["paid_by"] is None

    def test_a_second_identical_request_is_refused_and_changes_nothing(self, statement) -> None:
        alex = user("alex", Role.ACCOUNTANT)
        mark(statement, alex)
        before = state()

        with pytest.raises(RemittanceAlreadyPaid) as refused:
            mark(statement, alex, now=LATER + timedelta(minutes=1))

        assert (refused.value.field, refused.value.code, refused.value.message) == (
            "remittance_id", "already_paid",
            "REM-ACME-2026-10 was marked paid on 2026-11-23 (reference CHK 10422) by alex; "
            "nothing was changed",
        )  # fmt: skip
        assert state() == before


class TestRefusals:
    @pytest.mark.parametrize(("kw", "field", "message"), [
        ({"paid_on": date(2026, 11, 27)}, "paid_on",
         "2026-11-27 is in the future: record a payment once it is made"),
        ({"paid_on": date(2026, 11, 22)}, "paid_on",
         "REM-ACME-2026-10 was issued on 2026-11-23; it cannot have been paid on 2026-11-22"),
        ({"reference": "   "}, "reference", "give the check or wire number of the payment"),
        ({"reference": "x" * 81}, "reference", "the reference is at most 80 characters"),
    ])  # fmt: skip
    def test_bad_input_names_its_field_and_changes_nothing(
        self, statement, kw, field, message
    ) -> None:
        alex = user("alex", Role.ACCOUNTANT)
        before = state()

        with pytest.raises(ServiceError) as refused:
            mark(statement, alex, **kw)

        assert (refused.value.field, refused.value.message) == (field, message)
        assert state() == before

    @pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.COMPLIANCE])
    def test_a_role_that_does_not_pay_clients_is_refused(self, statement, role) -> None:
        before = state()
        with pytest.raises(PayingForbidden) as refused:
            mark(statement, user("sam", role))
        assert (refused.value.field, refused.value.message) == (
            "paid_by", "only accountants and administrators record a remittance paid",
        )  # fmt: skip
        assert state() == before

    def test_a_collector_not_granted_the_client_is_told_it_does_not_exist(self, statement) -> None:
        casey = user("casey", Role.COLLECTOR)
        before = state()
        with pytest.raises(NotFound) as refused:
            mark(statement, casey)
        assert (refused.value.field, refused.value.message) == (
            "remittance_id", f"no remittance {statement.pk}",
        )  # fmt: skip
        assert state() == before

    def test_a_statement_with_nothing_due_to_the_client_is_not_paid(self, tmp_path) -> None:
        acme = make_client("ACME")
        commission_terms_set(client_id=acme.pk, default_rate_ppm=250_000, actor=Actor("t"),
                             now=NOW)  # fmt: skip
        account = make_account(acme, principal=100_000)
        entry = payment_post(account_id=account.pk, amount_minor=8_000,
                             received_on=date(2026, 9, 9), source="check", actor=Actor("t"),
                             now=NOW).entry_id  # fmt: skip
        assert entry is not None
        remit(period=date(2026, 9, 1), actor=Actor("t"), now=NOW, out=tmp_path)
        payment_reverse(entry_id=entry, on=date(2026, 10, 2), reason="NSF", actor=Actor("t"),
                        now=NOW)  # fmt: skip
        remit(period=OCTOBER, actor=Actor("t"), now=NOW, out=tmp_path)
        october = Remittance.objects.get(period_start=OCTOBER)
        before = state()

        with pytest.raises(ServiceError) as refused:
            mark(october, None)

        assert october.due_to_client_minor == -6_000
        assert (refused.value.field, refused.value.message) == (
            "remittance_id",
            "REM-ACME-2026-10 has nothing to pay to the client: the client owes 60.00",
        )  # fmt: skip
        assert state() == before

    def test_the_database_refuses_a_paid_statement_without_its_payment(self, statement) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            Remittance.objects.filter(pk=statement.pk).update(status="paid")
        with pytest.raises(IntegrityError), transaction.atomic():
            Remittance.objects.filter(pk=statement.pk).update(
                status="paid", paid_on=ISSUED_ON, paid_at=LATER, paid_reference=""
            )
        statement.refresh_from_db()
        assert statement.status == "issued"
