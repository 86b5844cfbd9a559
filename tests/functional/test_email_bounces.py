"""Bounces from a file (`arrears email-bounces`: the --json contract, the rejects file, the exit
codes) and from the mail provider's webhook (`POST /api/email/bounces`: administrators only, one
bounce or a list, a 4xx naming the field and nothing recorded on bad input)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.data.audit.models import AuditEvent
from arrears.data.parties.models import ContactPoint
from arrears.data.users.models import Role, User
from tests.functional.test_api import basic
from tests.integration.test_email_optout import consumer_with_email

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-real-passphrase"


def statuses(*points: ContactPoint) -> list[str]:
    return [ContactPoint.objects.get(pk=p.pk).status for p in points]


def bounced() -> int:
    return AuditEvent.objects.filter(event="contact_point.bounced").count()


# --- the command -------------------------------------------------------------------------------


def run(path: Path, *args: str) -> tuple[dict[str, Any], str]:
    out, err = StringIO(), StringIO()
    call_command("email-bounces", str(path), "--json", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue().strip().splitlines()[-1]), err.getvalue()


@pytest.fixture
def points():  # type: ignore[no-untyped-def]
    return {name: consumer_with_email(f"{name}@example.com")[1] for name in ("gone", "full")}


def test_marks_hard_bounces_bad_records_soft_ones_and_rejects_a_bad_row(tmp_path, points) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bounces.csv"
    path.write_text(
        "address,bounced_on,kind,reason,reference\n"
        "gone@example.com,2026-11-20,hard,550 5.1.1 User unknown,MSG-1\n"
        "full@example.com,2026-11-20,soft,452 4.2.2 Mailbox full,MSG-2\n"
        "stranger@example.com,2026-11-20,hard,550 no such user,MSG-3\n"
        "full@example.com,20/11/2026,hard,550 5.1.1,MSG-4\n"
    )

    report, err = run(path)

    assert report == {"file": "bounces.csv", "rows": 4, "hard": 2, "soft": 1, "marked_bad": 1,
                      "unmatched": 1, "repeated": 0, "rejected": 1}  # fmt: skip
    assert statuses(points["gone"], points["full"]) == ["bad", "valid"]
    assert bounced() == 2
    assert "line 5: bounced_on: '20/11/2026' is not a date (YYYY-MM-DD)" in err
    rejects = (tmp_path / "bounces.csv.rejects.csv").read_text().splitlines()
    assert rejects == [
        "address,bounced_on,kind,reason,reference,line,field,reason",
        "full@example.com,20/11/2026,hard,550 5.1.1,MSG-4,5,bounced_on,"
        "'20/11/2026' is not a date (YYYY-MM-DD)",
    ]


def test_a_second_run_changes_nothing(tmp_path, points) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bounces.csv"
    path.write_text("address,bounced_on,kind\ngone@example.com,2026-11-20,hard\n"
                    "full@example.com,2026-11-20,soft\n")  # fmt: skip
    run(path)
    before = bounced()

    report, _ = run(path)

    assert (report["marked_bad"], report["repeated"]) == (0, 2)
    assert bounced() == before
    assert statuses(points["gone"], points["full"]) == ["bad", "valid"]


def test_the_rejects_file_goes_where_it_is_told(tmp_path, points) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bounces.csv"
    path.write_text("address,bounced_on,kind\nnot-an-address,2026-11-20,hard\n"
                    "gone@example.com,2026-11-20,lukewarm\n")  # fmt: skip

    report, err = run(path, "--rejects", str(tmp_path / "bad.csv"))

    assert report["rejected"] == 2
    assert "line 2: address: 'not-an-address' is not an email address" in err
    assert "line 3: kind: kind must be one of hard, soft" in err
    assert len((tmp_path / "bad.csv").read_text().splitlines()) == 3
    assert statuses(points["gone"]) == ["valid"]


def test_a_file_without_the_required_columns_exits_3_and_records_nothing(tmp_path, points) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bounces.csv"
    path.write_text("email,date\ngone@example.com,2026-11-20\n")
    with pytest.raises(CommandError) as refused:
        run(path)
    assert refused.value.returncode == 3
    assert str(refused.value) == (
        "the header lacks address, bounced_on, kind "
        "(columns: address, bounced_on, kind, reason, reference)"
    )
    assert bounced() == 0


def test_a_missing_file_exits_3(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError) as refused:
        run(tmp_path / "nowhere.csv")
    assert refused.value.returncode == 3


# --- the API -----------------------------------------------------------------------------------


@pytest.fixture
def admin():  # type: ignore[no-untyped-def]
    User.objects.create_user("ops", password=PASSWORD, role=Role.ADMIN, is_staff=True)
    return basic("ops", PASSWORD)


def post(client, body: object, auth: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post("/api/email/bounces", json.dumps(body), content_type="application/json",
                       **auth)  # fmt: skip


HARD = {"address": "gone@example.com", "bounced_on": "2026-11-20", "kind": "hard",
        "reason": "550 5.1.1 User unknown", "reference": "MSG-1"}  # fmt: skip
SOFT = {"address": "full@example.com", "bounced_on": "2026-11-20", "kind": "soft"}


def test_one_hard_bounce_marks_the_address_bad(client, admin, points) -> None:  # type: ignore[no-untyped-def]
    response = post(client, HARD, admin)

    assert response.status_code == 200
    assert response.json() == {"bounces": 1, "marked_bad": 1, "unmatched": 0, "results": [
        {"kind": "hard", "matched": 1, "marked_bad": 1, "repeated": False}]}  # fmt: skip
    assert statuses(points["gone"]) == ["bad"]
    assert AuditEvent.objects.get(event="contact_point.bounced").actor_label == "api:ops"


def test_a_list_records_each_and_posting_it_again_changes_nothing(client, admin, points) -> None:  # type: ignore[no-untyped-def]
    unknown = {**HARD, "address": "stranger@example.com"}
    first = post(client, [HARD, SOFT, unknown], admin)
    again = post(client, [HARD, SOFT, unknown], admin)

    assert first.json() == {"bounces": 3, "marked_bad": 1, "unmatched": 1, "results": [
        {"kind": "hard", "matched": 1, "marked_bad": 1, "repeated": False},
        {"kind": "soft", "matched": 1, "marked_bad": 0, "repeated": False},
        {"kind": "hard", "matched": 0, "marked_bad": 0, "repeated": False}]}  # fmt: skip
    assert [r["repeated"] for r in again.json()["results"]] == [True, True, False]
    assert statuses(points["gone"], points["full"]) == ["bad", "valid"]
    assert bounced() == 2


@pytest.mark.parametrize(
    ("body", "status", "field", "detail"),
    [
        ({**HARD, "kind": "warm"}, 400, "kind", "kind must be one of hard, soft"),
        ({**HARD, "address": "nope"}, 400, "address", "'nope' is not an email address"),
        ({**HARD, "bounced_on": "20/11/2026"}, 422, "bounced_on", None),
        ({"bounced_on": "2026-11-20", "kind": "hard"}, 422, "address", "Field required"),
        ([HARD, {**SOFT, "kind": "warm"}], 400, "1.kind", "bounce 2: kind must be one of hard, soft"),
        ([HARD, {**SOFT, "bounced_on": "soon"}], 422, "1.bounced_on", None),
    ],
)  # fmt: skip
def test_bad_input_is_a_4xx_naming_the_field_and_records_nothing(  # type: ignore[no-untyped-def]
    client, admin, points, body, status, field, detail
) -> None:
    response = post(client, body, admin)

    assert (response.status_code, response.json()["field"]) == (status, field)
    if detail is not None:
        assert response.json()["detail"] == detail
    assert statuses(points["gone"], points["full"]) == ["valid", "valid"]
    assert bounced() == 0


def test_a_body_that_is_not_json_is_a_422(client, admin) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/email/bounces", "address=x", content_type="text/plain", **admin)
    assert (response.status_code, response.json()["detail"]) == (422, "the body is not JSON")


@pytest.mark.parametrize(
    "role", [Role.COLLECTOR, Role.SUPERVISOR, Role.COMPLIANCE, Role.ACCOUNTANT]
)
def test_only_administrators_may_post_bounces(client, points, role) -> None:  # type: ignore[no-untyped-def]
    User.objects.create_user("someone", password=PASSWORD, role=role)

    response = post(client, HARD, basic("someone", PASSWORD))

    assert response.status_code == 403
    assert statuses(points["gone"]) == ["valid"]


def test_without_credentials_it_is_a_401(client, points) -> None:  # type: ignore[no-untyped-def]
    assert post(client, HARD, {}).status_code == 401
    assert statuses(points["gone"]) == ["valid"]
