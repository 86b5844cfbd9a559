"""Kill tests: ``arrears nightly`` and ``arrears send`` killed (SIGKILL, as a power cut) at each
of their crash points, then run again, end exactly as one clean run: the same ledger entries,
attempts, actions, messages, queue, and nothing handed to the channel twice.

Each run is a real ``arrears`` process on its own SQLite file, copied from one migrated book.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.crash_helpers import DAY0

ROOT = Path(__file__).resolve().parents[2]
ARREARS = str(Path(sys.executable).parent / "arrears")
NIGHTLY_POINTS = [
    "accrual.done", "accrual.recorded", "promises.done", "arrangements.recorded",
    "strategies.routed", "strategies.done", "queues.done", "queues.recorded",
]  # fmt: skip
SEND_POINTS = ["send.email.handing", "send.email.handed", "send.chunk", "send.batch.stored"]


def _env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARREARS_", "DJANGO_"))}
    env.update({
        "ARREARS_DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "ARREARS_VAR_DIR": str(folder / "var"),
        "ARREARS_DOCUMENTS_DIR": str(folder / "var" / "documents"),
        "ARREARS_DEBUG": "1",
        "ARREARS_FAKE_NOW": f"{DAY0.isoformat()}T15:00:00+00:00",  # 10:00 in New York
        "ARREARS_EMAIL_SENDER": "tests.crash_helpers.LoggingEmailSender",
        "ARREARS_PRINT_BATCHER": "arrears.adapters.letters.fake_print.FakePrintBatcher",
        "ARREARS_TEST_SENT_LOG": str(folder / "sent.log"),
        "DJANGO_SETTINGS_MODULE": "arrears.config.settings",
        "PYTHONPATH": str(ROOT),
    })  # fmt: skip
    return env


def _run(folder: Path, *args: str, crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = _env(folder)
    if crash:
        env["ARREARS_CRASH_AT"] = crash
    return subprocess.run([ARREARS, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


def _python(folder: Path, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code], cwd=ROOT,
        env=_env(folder), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _snapshot(folder: Path) -> dict[str, object]:
    out = _python(folder, "import json\nfrom tests.crash_helpers import snapshot\n"
                          "print(json.dumps(snapshot()))")  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crash-book")
    migrated = _run(folder, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    _python(folder, "from tests.crash_helpers import build_book\nbuild_book()")
    return folder


@pytest.fixture(scope="module")
def clean(book, tmp_path_factory) -> dict[str, dict[str, object]]:
    """The book after one clean nightly run, and after one clean send."""
    folder = _copy(book, tmp_path_factory.mktemp("clean") / "book")
    day = DAY0.isoformat()
    assert _run(folder, "nightly", "--as-of", day).returncode == 0
    after_nightly = _snapshot(folder)
    assert _run(folder, "send", "--as-of", day).returncode == 0
    return {"nightly": after_nightly, "send": _snapshot(folder)}


class TestNightlyKilled:
    def test_the_clean_run_did_each_phase_real_work(self, clean):
        state = clean["nightly"]
        assert any(kind == "interest" for _, kind, *_ in state["entries"])
        assert [status for _, status in state["promises"]] == ["broken"]
        assert len(state["enrollments"]) == 4
        assert {step for _, step, _, _ in state["actions"]} == {"mail", "note", "calls"}
        assert state["queue"], "the routed call queue was built"

    @pytest.mark.parametrize("point", NIGHTLY_POINTS)
    def test_killed_and_run_again_ends_as_one_clean_run(self, book, clean, tmp_path, point):
        folder = _copy(book, tmp_path / "book")
        day = DAY0.isoformat()
        killed = _run(folder, "nightly", "--as-of", day, crash=point)
        assert killed.returncode == -signal.SIGKILL
        again = _run(folder, "nightly", "--as-of", day)
        assert again.returncode == 0, again.stderr[-3000:]
        assert _snapshot(folder) == clean["nightly"]
        twice = _run(folder, "nightly", "--as-of", day, "--json")
        assert json.loads(twice.stdout.splitlines()[-1])["already_done"] is True
        assert _snapshot(folder) == clean["nightly"]


class TestSendKilled:
    def test_the_clean_send_sent_emails_and_a_print_batch(self, clean):
        state = clean["send"]
        assert len(state["sent"]) == 4  # one email per account, whatever the variant
        assert [letters for _, letters in state["batches"]] == [
            sum(1 for _, step, _, _ in state["actions"] if step == "note")
        ]

    @pytest.mark.parametrize("point", SEND_POINTS)
    def test_killed_and_run_again_sends_nothing_twice(self, book, clean, tmp_path, point):
        folder = _copy(book, tmp_path / "book")
        day = DAY0.isoformat()
        assert _run(folder, "nightly", "--as-of", day).returncode == 0
        killed = _run(folder, "send", "--as-of", day, crash=point)
        assert killed.returncode == -signal.SIGKILL
        again = _run(folder, "send", "--as-of", day)
        assert again.returncode == 0, again.stderr[-3000:]
        assert _snapshot(folder) == clean["send"]
        assert _run(folder, "send", "--as-of", day).returncode == 0
        assert _snapshot(folder) == clean["send"]
