"""Sessions end after ARREARS_SESSION_IDLE_MINUTES without a request, on the web and for the
API's session authentication; the end is audited; an active session is written at most once a
minute."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from arrears.data.audit.models import AuditEvent
from arrears.interfaces.web.sessions import SEEN
from tests.functional.test_api import basic
from tests.functional.test_signins import NOW, PASSWORD
from tests.functional.test_signins import casey as casey
from tests.functional.test_signins import clock as clock

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def signed_in(client, casey, clock):  # type: ignore[no-untyped-def]
    """Casey signed in at NOW; the default 30 idle minutes."""
    client.force_login(casey)
    return client


def _page(client):  # type: ignore[no-untyped-def]
    return client.get(reverse("account-list"))


class TestWeb:
    def test_requests_within_the_idle_time_keep_the_session_alive(self, signed_in, clock) -> None:
        for _ in range(3):  # 87 minutes signed in, never idle for 30
            clock.advance(minutes=29)
            assert _page(signed_in).status_code == 200
        assert not AuditEvent.objects.filter(event="auth.session_expired").exists()

    def test_a_request_after_the_idle_time_goes_to_the_login_page(
        self,
        signed_in,
        casey,
        clock,
    ) -> None:
        clock.advance(minutes=10)
        assert _page(signed_in).status_code == 200  # the last request
        last = clock.now
        clock.advance(minutes=30)
        response = _page(signed_in)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={reverse('account-list')}"
        assert "_auth_user_id" not in signed_in.session
        event = AuditEvent.objects.get(event="auth.session_expired")
        assert (event.at, event.actor_id, event.actor_label, event.details) == (
            last + timedelta(minutes=30), casey.pk, "casey",
            {"username": "casey", "ip": "127.0.0.1", "idle_minutes": 30,
             "last_seen": last.isoformat()},
        )  # fmt: skip
        assert _page(signed_in).status_code == 302  # still signed out; nothing more recorded
        assert AuditEvent.objects.filter(event="auth.session_expired").count() == 1

    def test_one_minute_short_of_the_idle_time_is_still_alive(self, signed_in, clock) -> None:
        clock.advance(minutes=29, seconds=59)
        assert _page(signed_in).status_code == 200

    def test_the_idle_minutes_are_a_setting(self, signed_in, clock, settings) -> None:
        settings.ARREARS_SESSION_IDLE_MINUTES = 5
        clock.advance(minutes=4)
        assert _page(signed_in).status_code == 200
        clock.advance(minutes=5)
        assert _page(signed_in).status_code == 302

    def test_a_session_is_written_at_most_once_a_minute(self, signed_in, clock) -> None:
        seen = signed_in.session[SEEN]
        assert seen == int(NOW.timestamp())  # the sign-in started the clock
        clock.advance(seconds=40)
        with CaptureQueriesContext(connection) as queries:
            assert _page(signed_in).status_code == 200
        writes = [q["sql"] for q in queries if "django_session" in q["sql"]
                  and not q["sql"].lstrip().upper().startswith("SELECT")]  # fmt: skip
        assert writes == [] and signed_in.session[SEEN] == seen
        clock.advance(seconds=20)  # a minute since the last write
        _page(signed_in)
        assert signed_in.session[SEEN] == seen + 60


class TestApi:
    def test_a_session_used_by_the_api_ends_too_with_401(self, signed_in, clock) -> None:
        assert signed_in.get("/api/clients").status_code == 200
        clock.advance(minutes=29)
        assert signed_in.get("/api/clients").status_code == 200
        clock.advance(minutes=30, seconds=1)
        assert signed_in.get("/api/clients").status_code == 401
        assert AuditEvent.objects.filter(event="auth.session_expired").count() == 1

    def test_basic_auth_has_no_session_to_end(self, client, casey, clock) -> None:
        auth = basic("casey", PASSWORD)
        assert client.get("/api/clients", **auth).status_code == 200
        clock.advance(hours=3)
        assert client.get("/api/clients", **auth).status_code == 200


def test_the_idle_minutes_come_from_the_environment() -> None:
    env = {**os.environ, "ARREARS_SESSION_IDLE_MINUTES": "7",
           "DJANGO_SETTINGS_MODULE": "arrears.config.settings"}  # fmt: skip
    code = "from django.conf import settings; print(settings.ARREARS_SESSION_IDLE_MINUTES)"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "7"
