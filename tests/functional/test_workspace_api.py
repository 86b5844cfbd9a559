"""The workspace through the API: define and build a queue, take the next account, log a call
with its promise, and the refusals that name the field and save nothing."""

from __future__ import annotations

from datetime import UTC

import pytest

from arrears.data.contacts.models import ContactAttempt
from arrears.data.users.models import Role, User
from arrears.data.work.models import Note, Promise, WorkQueue
from tests.factories import make_client, make_new_yorker
from tests.functional.test_api import basic
from tests.functional.test_workspace_web import MONDAY
from tests.functional.test_workspace_web import monday as monday

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def people():  # type: ignore[no-untyped-def]
    User.objects.create_user("sam", password="a-long-real-passphrase", role=Role.SUPERVISOR)
    User.objects.create_user("casey", password="a-long-real-passphrase", role=Role.COLLECTOR)
    User.objects.create_user("ada", password="a-long-real-passphrase", role=Role.ACCOUNTANT)
    return (basic("sam", "a-long-real-passphrase"), basic("casey", "a-long-real-passphrase"),
            basic("ada", "a-long-real-passphrase"))  # fmt: skip


@pytest.fixture
def built(client, people, monday):  # type: ignore[no-untyped-def]
    sam, _, _ = people
    acme = make_client(granted_to="casey")
    accounts = [make_new_yorker(acme, 30_000), make_new_yorker(acme, 90_000)]
    body = {"code": "ny", "name": "New York", "filters": {"states": ["NY"]},
            "order": "balance_high", "mode": "pooled", "members": ["casey"]}  # fmt: skip
    assert client.post("/api/queues", body, content_type=JSON, **sam).status_code == 200
    built = client.post("/api/queues/ny/build", content_type=JSON, **sam).json()
    assert (built["queue"], built["accounts"]) == ("ny", 2)
    return accounts


def test_a_collector_takes_the_next_account_and_logs_a_promise(client, people, built) -> None:
    _, casey, _ = people
    listed = client.get("/api/queues", **casey).json()
    assert [(q["code"], q["size"], q["available"]) for q in listed] == [("ny", 2, 2)]
    pick = client.post("/api/queues/ny/next", **casey)
    assert pick.status_code == 200
    assert pick.json()["account_id"] == built[1].pk  # 900.00 before 300.00
    assert pick.json()["lease_until"] == "2026-11-02T15:15:00Z"
    call = client.post(f"/api/accounts/{built[1].pk}/calls",
                       {"disposition": "promise", "promise_amount": "250.00",
                        "promise_due_on": "2026-11-16", "key": "dialer-77"},
                       content_type=JSON, **casey)  # fmt: skip
    assert call.status_code == 201
    assert call.json()["allowed"] is True and call.json()["promise_id"] is not None
    again = client.post(f"/api/accounts/{built[1].pk}/calls",
                        {"disposition": "promise", "promise_amount": "250.00",
                         "promise_due_on": "2026-11-16", "key": "dialer-77"},
                        content_type=JSON, **casey)  # fmt: skip
    assert again.status_code == 200
    assert Promise.objects.get().amount_minor == 25_000 and ContactAttempt.objects.count() == 1
    items = client.get(f"/api/accounts/{built[1].pk}/timeline", **casey).json()
    assert "Promise to pay 250.00 by 16 Nov 2026" in [i["title"] for i in items]


def test_a_blocked_call_answers_409_with_the_decision_and_saves_nothing(
    client, people, built
) -> None:
    _, casey, _ = people
    account = built[0]
    first = client.post(f"/api/accounts/{account.pk}/calls", {"disposition": "right_party"},
                        content_type=JSON, **casey)  # fmt: skip
    assert first.status_code == 201
    blocked = client.post(f"/api/accounts/{account.pk}/calls",
                          {"disposition": "callback",
                           "callback_at": MONDAY.replace(hour=15).astimezone(UTC).isoformat()},
                          content_type=JSON, **casey)  # fmt: skip
    assert blocked.status_code == 409
    body = blocked.json()
    assert body["field"] == "channel" and body["decision"]["allowed"] is False
    assert "regf.call-after-conversation" in [
        r["rule"] for r in body["decision"]["reasons"] if r["verdict"] == "block"
    ]
    assert ContactAttempt.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"disposition": "promise", "promise_due_on": "2026-11-16"}, "promise_amount"),
        ({"disposition": "promise", "promise_amount": "ten", "promise_due_on": "2026-11-16"},
         "promise_amount"),
        ({"disposition": "shouted"}, "disposition"),
        ({"disposition": "callback", "callback_at": "2026-11-03T10:00:00"}, "callback_at"),
        ({"disposition": "no_answer", "direction": "inbound"}, "disposition"),
    ],
)  # fmt: skip
def test_bad_call_input_is_a_4xx_naming_the_field(client, people, built, body, field) -> None:
    _, casey, _ = people
    response = client.post(f"/api/accounts/{built[0].pk}/calls", body, content_type=JSON,
                           **casey)  # fmt: skip
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not ContactAttempt.objects.exists() and not Promise.objects.exists()


def test_a_queue_definition_that_would_not_build_is_refused(client, people) -> None:
    sam, _, _ = people
    response = client.post("/api/queues", {"code": "x", "name": "X", "filters": {"states": ["ZZ"]}},
                           content_type=JSON, **sam)  # fmt: skip
    assert response.status_code == 400 and response.json()["field"] == "filters.states"
    assert not WorkQueue.objects.exists()


def test_roles_the_collector_cannot_define_queues_the_accountant_cannot_act(
    client, people, built
) -> None:
    _, casey, ada = people
    assert client.post("/api/queues", {"code": "y", "name": "Y"}, content_type=JSON,
                       **casey).status_code == 403  # fmt: skip
    assert client.post(f"/api/accounts/{built[0].pk}/notes", {"text": "hi"}, content_type=JSON,
                       **ada).status_code == 403  # fmt: skip
    assert client.post("/api/queues/ny/next", **ada).status_code == 403
    assert not Note.objects.exists()


def test_nothing_left_to_offer_answers_204(client, people, built) -> None:
    _, casey, _ = people
    assert client.post("/api/queues/ny/next", **casey).status_code == 200
    assert client.post("/api/queues/ny/next", **casey).status_code == 200
    assert client.post("/api/queues/ny/next", **casey).status_code == 204


# --- a promise on several dates (ADR 25) ----------------------------------------------------------

TWO_DATES = [{"amount": "100.00", "due_on": "2026-11-13"},
             {"amount": "150.25", "due_on": "2026-11-27"}]  # fmt: skip


def test_a_call_logs_a_promise_on_two_dates(client, people, built) -> None:
    _, casey, _ = people
    call = client.post(f"/api/accounts/{built[1].pk}/calls",
                       {"disposition": "promise", "promises": TWO_DATES, "note": "paydays"},
                       content_type=JSON, **casey)  # fmt: skip
    assert call.status_code == 201
    body = call.json()
    first, second = Promise.objects.order_by("due_on")
    assert body["promise_id"] == first.pk and second.first_id == first.pk
    assert body["promise_dates"] == [
        {"id": first.pk, "amount": "100.00", "due_on": "2026-11-13", "status": "open"},
        {"id": second.pk, "amount": "150.25", "due_on": "2026-11-27", "status": "open"},
    ]  # fmt: skip
    items = client.get(f"/api/accounts/{built[1].pk}/timeline", **casey).json()
    assert "Promise to pay 100.00 by 13 Nov 2026 and 150.25 by 27 Nov 2026" in [
        i["title"] for i in items]  # fmt: skip


def test_a_promise_outside_a_call_on_two_dates_and_on_one_as_before(client, people, built):  # type: ignore[no-untyped-def]
    _, casey, _ = people
    several = client.post(f"/api/accounts/{built[1].pk}/promises", {"promises": TWO_DATES},
                          content_type=JSON, **casey)  # fmt: skip
    assert several.status_code == 201
    first, second = Promise.objects.order_by("due_on")
    assert several.json() == {"id": first.pk, "total": "250.25", "dates": [
        {"id": first.pk, "amount": "100.00", "due_on": "2026-11-13", "status": "open"},
        {"id": second.pk, "amount": "150.25", "due_on": "2026-11-27", "status": "open"},
    ]}  # fmt: skip
    one = client.post(f"/api/accounts/{built[0].pk}/promises",
                      {"amount": "75.00", "due_on": "2026-11-20"}, content_type=JSON, **casey)  # fmt: skip
    assert one.status_code == 201
    made = Promise.objects.get(account=built[0])
    assert one.json() == {"id": made.pk, "total": "75.00", "dates": [
        {"id": made.pk, "amount": "75.00", "due_on": "2026-11-20", "status": "open"}]}  # fmt: skip


@pytest.mark.parametrize(
    ("promises", "status", "field"),
    [
        ([{"amount": "100.00", "due_on": "2026-11-13"}, {"amount": "100.00",
          "due_on": "2026-11-13"}], 400, "promises[1].due_on"),
        ([{"amount": "100.00", "due_on": "2026-11-13"}, {"amount": "ten",
          "due_on": "2026-11-27"}], 400, "promises[1].amount"),
        ([{"amount": "0.00", "due_on": "2026-11-13"}], 400, "promises[0].amount"),
        ([{"amount": "100.00", "due_on": "2026-11-01"}], 400, "promises[0].due_on"),
        ([{"amount": "1", "due_on": f"2026-11-{10 + n}"} for n in range(7)], 400, "promises"),
        ([], 400, "promises"),
        ([{"amount": "200.00", "due_on": "2026-11-13"}, {"amount": "100.01",
          "due_on": "2026-11-27"}], 400, "promises"),
        ([{"amount": "100.00", "due_on": "13/11/2026"}], 422, "promises.0.due_on"),
        ([{"amount": "100.00"}], 422, "promises.0.due_on"),
    ],
)  # fmt: skip
def test_bad_dates_are_a_4xx_naming_the_field_and_save_nothing(  # type: ignore[no-untyped-def]
    client, people, built, promises, status, field
):
    _, casey, _ = people
    account = built[0]  # owes 300.00
    for path, body in ((f"/api/accounts/{account.pk}/calls",
                        {"disposition": "promise", "promises": promises}),
                       (f"/api/accounts/{account.pk}/promises", {"promises": promises})):  # fmt: skip
        response = client.post(path, body, content_type=JSON, **casey)
        assert (response.status_code, response.json()["field"]) == (status, field)
    assert not ContactAttempt.objects.exists() and not Promise.objects.exists()


def test_one_amount_and_a_list_at_once_is_refused(client, people, built) -> None:
    _, casey, _ = people
    response = client.post(f"/api/accounts/{built[0].pk}/calls",
                           {"disposition": "promise", "promise_amount": "50.00",
                            "promise_due_on": "2026-11-13", "promises": TWO_DATES},
                           content_type=JSON, **casey)  # fmt: skip
    assert (response.status_code, response.json()["field"]) == (400, "promises")
    assert not ContactAttempt.objects.exists() and not Promise.objects.exists()
