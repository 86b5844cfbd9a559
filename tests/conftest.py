"""Suite-wide rules.

- Tests marked ``postgresql`` need PostgreSQL. On SQLite they are skipped with the reason
  "needs PostgreSQL"; when ``ARREARS_REQUIRE_POSTGRESQL`` is set (``./dev test`` sets it whenever
  ARREARS_DATABASE_URL is set) the suite first asserts it really is on PostgreSQL.
- Any other skip fails the run: a skipped test proves nothing, and CI must not go green on one.
- Golden files are found through settings.ARREARS_TESTDATA; a missing folder is an error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PG_SKIP_REASON = "needs PostgreSQL"


@pytest.fixture(scope="session", autouse=True)
def _database_is_what_was_asked(django_db_setup, django_db_blocker):
    if not os.environ.get("ARREARS_REQUIRE_POSTGRESQL"):
        return
    from django.db import connection

    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", (
            f"ARREARS_REQUIRE_POSTGRESQL is set but the tests run on {connection.vendor}"
        )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests sign many users in; the production hasher's deliberate slowness (about a third of a
    second a password here) would dominate them, and proves nothing a test needs."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _documents_in_a_temporary_folder(settings, tmp_path):
    """Each test keeps its documents (notices, evidence) in its own folder, never in var/."""
    from arrears.services.common import document_store

    settings.ARREARS_DOCUMENTS_DIR = tmp_path / "documents"
    document_store.cache_clear()
    yield
    document_store.cache_clear()


@pytest.fixture(autouse=True)
def _messages_go_nowhere(settings):
    """Emails and texts a test sends go to the in-memory fakes, never to files under var/ or
    to a server; a test that wants its own sender passes one or overrides the settings."""
    from arrears.services.common import email_sender, sms_sender

    settings.ARREARS_EMAIL_SENDER = "arrears.adapters.email.fake.FakeEmailSender"
    settings.ARREARS_EMAIL_SENDER_OPTIONS = {}
    settings.ARREARS_SMS_SENDER = "arrears.adapters.sms.fake.FakeSmsSender"
    settings.ARREARS_SMS_SENDER_OPTIONS = {}
    email_sender.cache_clear()
    sms_sender.cache_clear()
    yield
    email_sender.cache_clear()
    sms_sender.cache_clear()


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if item.get_closest_marker("postgresql") and not on_pg:
            item.add_marker(pytest.mark.skip(reason=PG_SKIP_REASON))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    unexpected = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if PG_SKIP_REASON not in str(report.longrepr)
    ]
    if unexpected:
        terminalreporter.write_line(
            f"FAILED: {len(unexpected)} unexpected skip(s); a skipped test proves nothing:",
            red=True,
        )
        for report in unexpected:
            terminalreporter.write_line(f"  {report.nodeid}: {report.longrepr}")
        terminalreporter._session.exitstatus = 1


@pytest.fixture(autouse=True)
def _open_purge_gate_for_flush(request):
    """Transactional tests end with a flush (DELETE on SQLite); let it past the append-only guard.

    The gate table is not a Django model, so the flush leaves it alone; each test starts closed.
    """
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        yield
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM arrears_purge_gate")
    yield
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO arrears_purge_gate (reason) VALUES ('test flush')")


@pytest.fixture(scope="session")
def testdata() -> Path:
    """The public golden files (Metro 2, NACHA); fails loudly when they are missing."""
    from django.conf import settings

    path = Path(settings.ARREARS_TESTDATA)
    if not (path / "README.md").is_file():
        pytest.fail(
            f"golden files not found at {path}: set ARREARS_TESTDATA or put shared/ beside the repo"
        )
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
