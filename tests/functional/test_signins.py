"""Sign-ins, failed sign-ins and sign-outs are audit events with who, when and from where
(never a password); a user name is locked for 15 minutes after 5 failed sign-ins within 15
minutes, and a locked sign-in looks exactly like a wrong password."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from arrears.data.audit.models import AuditEvent
from arrears.data.users.models import Role, User
from tests.functional.test_api import basic

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-real-passphrase"
WRONG = "not-the-passphrase-at-all"
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
IP = "203.0.113.7"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:  # type: ignore[no-untyped-def]
    """The clock stands still at NOW until a test moves it."""
    clock = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.now)
    return clock


@pytest.fixture
def casey() -> User:
    return User.objects.create_user("casey", password=PASSWORD, role=Role.COLLECTOR)


def sign_in(client, username: str, password: str, ip: str = IP):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)  # fmt: skip


def events(name: str) -> list[tuple[datetime, int | None, str, dict]]:
    return list(
        AuditEvent.objects.filter(event=name)
        .order_by("id")
        .values_list("at", "actor_id", "actor_label", "details")
    )


def _page(response) -> str:  # type: ignore[no-untyped-def]
    """The page without its CSRF token (masked afresh on every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def refused(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 200 and b"didn't match" in response.content


class TestAudit:
    def test_a_sign_in_is_audited_with_the_user_and_address(self, client, casey, clock) -> None:
        response = sign_in(client, "casey", PASSWORD)
        assert response.status_code == 302
        assert events("auth.login") == [(NOW, casey.pk, "casey", {"username": "casey", "ip": IP})]
        event = AuditEvent.objects.get(event="auth.login")
        assert (event.account_id, event.party_id) == (None, None)

    def test_a_failed_sign_in_keeps_the_name_and_address_never_the_password(
        self, client, casey, clock
    ) -> None:
        assert refused(sign_in(client, "casey", WRONG))
        assert events("auth.login_failed") == [
            (NOW, None, "anonymous", {"username": "casey", "ip": IP, "reason": "bad_credentials"})
        ]
        stored = json.dumps(list(AuditEvent.objects.values("actor_label", "event", "details")))
        assert WRONG not in stored
        assert "_auth_user_id" not in client.session

    def test_an_unknown_user_name_is_recorded_as_tried(self, client, clock) -> None:
        assert refused(sign_in(client, "mallory", WRONG, ip="198.51.100.9"))
        assert events("auth.login_failed") == [
            (NOW, None, "anonymous",
             {"username": "mallory", "ip": "198.51.100.9", "reason": "bad_credentials"}),
        ]  # fmt: skip

    def test_a_sign_out_is_audited(self, client, casey, clock) -> None:
        sign_in(client, "casey", PASSWORD)
        later = clock.advance(minutes=5)
        response = client.post(reverse("logout"), REMOTE_ADDR=IP)
        assert response.status_code == 302 and "_auth_user_id" not in client.session
        assert events("auth.logout") == [(later, casey.pk, "casey",
                                          {"username": "casey", "ip": IP})]  # fmt: skip

    def test_a_failed_api_basic_sign_in_is_audited(self, client, casey, clock) -> None:
        response = client.get("/api/clients", REMOTE_ADDR="198.51.100.4",
                              **basic("casey", WRONG))  # fmt: skip
        assert response.status_code == 401
        assert events("auth.login_failed") == [
            (NOW, None, "anonymous",
             {"username": "casey", "ip": "198.51.100.4", "reason": "bad_credentials"}),
        ]  # fmt: skip

    def test_an_api_call_with_basic_auth_is_not_a_sign_in(self, client, casey, clock) -> None:
        assert client.get("/api/clients", **basic("casey", PASSWORD)).status_code == 200
        assert not AuditEvent.objects.filter(event__startswith="auth.").exists()


class TestLockout:
    def _fail(self, client, clock, times: int, every: timedelta = timedelta(minutes=1)) -> None:  # type: ignore[no-untyped-def]
        for _ in range(times):
            assert refused(sign_in(client, "casey", WRONG))
            clock.advance(seconds=every.total_seconds())

    def test_five_failures_lock_the_name_and_the_right_password_is_refused_alike(
        self, client, casey, clock
    ) -> None:
        self._fail(client, clock, 4)
        fifth = clock.now
        wrong = sign_in(client, "casey", WRONG)
        assert events("auth.login_locked") == [
            (fifth, None, "anonymous",
             {"username": "casey", "ip": IP, "failures": 5, "minutes": 15}),
        ]  # fmt: skip
        clock.advance(minutes=1)
        right = sign_in(client, "casey", PASSWORD)
        assert refused(right) and _page(right) == _page(wrong)  # no tell: the same page
        assert "_auth_user_id" not in client.session
        last = AuditEvent.objects.filter(event="auth.login_failed").order_by("-id").first()
        assert last is not None and last.details == {"username": "casey", "ip": IP,
                                                     "reason": "locked"}  # fmt: skip
        assert not events("auth.login")

    def test_the_lock_ends_fifteen_minutes_after_it_began(self, client, casey, clock) -> None:
        self._fail(client, clock, 5, every=timedelta(seconds=10))
        locked_at = clock.now - timedelta(seconds=10)
        clock.now = locked_at + timedelta(minutes=14, seconds=59)
        assert refused(sign_in(client, "casey", PASSWORD))
        clock.now = locked_at + timedelta(minutes=15)
        assert sign_in(client, "casey", PASSWORD).status_code == 302

    def test_trying_while_locked_does_not_make_the_lock_longer(self, client, casey, clock) -> None:
        self._fail(client, clock, 5, every=timedelta(seconds=0))
        for _ in range(10):
            clock.advance(minutes=1)
            assert refused(sign_in(client, "casey", WRONG))
        clock.now = NOW + timedelta(minutes=15)
        assert sign_in(client, "casey", PASSWORD).status_code == 302
        assert len(events("auth.login_locked")) == 1

    def test_failures_further_apart_than_the_window_do_not_lock(self, client, casey, clock) -> None:
        self._fail(client, clock, 8, every=timedelta(minutes=4))
        assert sign_in(client, "casey", PASSWORD).status_code == 302
        assert not events("auth.login_locked")

    def test_a_successful_sign_in_clears_the_failures_before_it(self, client, casey, clock) -> None:
        self._fail(client, clock, 4)
        assert sign_in(client, "casey", PASSWORD).status_code == 302
        client.post(reverse("logout"))
        self._fail(client, clock, 4)
        assert sign_in(client, "casey", PASSWORD).status_code == 302
        assert not events("auth.login_locked")

    def test_a_locked_name_is_refused_by_the_api_too(self, client, casey, clock) -> None:
        self._fail(client, clock, 5, every=timedelta(seconds=1))
        assert client.get("/api/clients", **basic("casey", PASSWORD)).status_code == 401

    def test_locking_one_name_leaves_the_others_alone(self, client, casey, clock) -> None:
        User.objects.create_user("dana", password=PASSWORD, role=Role.COLLECTOR)
        self._fail(client, clock, 5, every=timedelta(seconds=1))
        assert sign_in(client, "dana", PASSWORD).status_code == 302
