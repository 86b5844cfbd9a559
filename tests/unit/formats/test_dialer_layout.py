"""The dialer's two files as spec tables: the call list's columns and cells, and the
dispositions' header binding and row checks, field by field."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from arrears.core.compliance import Outcome, Recipient
from arrears.core.formats import dialer as layout
from arrears.core.formats.dialer import (
    RESULTS,
    CallListRow,
    CallMode,
    DialerResult,
    DispositionReject,
    DispositionRow,
)

NY = ZoneInfo("America/New_York")
ROW = CallListRow(
    rank=3, account_id=42, client_code="ACME", client_ref="R000042", priority=1,
    phone="+17165550100", phone_type="mobile", contact_point_id=7,
    time_zone="America/New_York", zones=("America/New_York",),
    windows=((datetime(2026, 11, 2, 8, tzinfo=NY), datetime(2026, 11, 2, 12, tzinfo=NY)),
             (datetime(2026, 11, 2, 13, tzinfo=NY), datetime(2026, 11, 2, 21, tzinfo=NY))),
)  # fmt: skip


class TestCallList:
    def test_the_header_is_the_spec_tables_names_in_order(self) -> None:
        assert layout.CALL_LIST_HEADER == (
            "rank", "account", "client", "client_ref", "priority", "phone", "phone_type",
            "contact_point", "time_zone", "zones", "window_count", "windows_utc", "windows_local",
        )  # fmt: skip

    def test_a_row_with_two_windows_writes_each_cell(self) -> None:
        cells = dict(zip(layout.CALL_LIST_HEADER, layout.call_list_cells(ROW), strict=True))
        assert cells == {
            "rank": "3", "account": "42", "client": "ACME", "client_ref": "R000042",
            "priority": "1", "phone": "+17165550100", "phone_type": "mobile",
            "contact_point": "7", "time_zone": "America/New_York", "zones": "America/New_York",
            "window_count": "2",
            "windows_utc": "2026-11-02T13:00:00Z/2026-11-02T17:00:00Z;"
                           "2026-11-02T18:00:00Z/2026-11-03T02:00:00Z",
            "windows_local": "2026-11-02T08:00:00-05:00/2026-11-02T12:00:00-05:00;"
                             "2026-11-02T13:00:00-05:00/2026-11-02T21:00:00-05:00",
        }  # fmt: skip

    def test_the_json_form_gives_each_window_in_utc_and_local_time(self) -> None:
        assert layout.call_list_json(ROW)["windows"][1] == {
            "start_utc": "2026-11-02T18:00:00Z", "end_utc": "2026-11-03T02:00:00Z",
            "start_local": "2026-11-02T13:00:00-05:00", "end_local": "2026-11-02T21:00:00-05:00",
        }  # fmt: skip


GOOD = {"call_id": "C-1", "account": "#42", "phone": "(716) 555-0100",
        "started_at": "2026-11-02T10:15:00-05:00", "result": "voicemail_left"}  # fmt: skip


class TestDispositions:
    def test_the_header_binds_in_any_order_and_case(self) -> None:
        positions = layout.bind_header(["Result", "Started At", "phone", "CALL-ID", "memo"])
        assert positions == {"result": 0, "started_at": 1, "phone": 2, "call_id": 3}

    def test_a_header_without_a_required_column_is_refused_naming_it(self) -> None:
        with pytest.raises(layout.LayoutError, match=r"lacks the required column\(s\) started_at"):
            layout.bind_header(["call_id", "phone", "result"])

    def test_a_good_row_is_read_field_by_field(self) -> None:
        row = layout.parse_disposition(GOOD, 2)
        assert row == DispositionRow(
            line=2, call_id="C-1", account_id=42, client="", client_ref="", phone="+17165550100",
            started_at=datetime(2026, 11, 2, 10, 15, tzinfo=row.started_at.tzinfo),
            result=DialerResult.VOICEMAIL_LEFT, agent="", mode=CallMode.PREDICTIVE,
        )  # fmt: skip
        assert row.key == "dialer:C-1"
        assert row.started_at.utcoffset().total_seconds() == -5 * 3600  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("change", "field", "code"),
        [
            ({"call_id": ""}, "call_id", "missing"),
            ({"call_id": "x" * 74}, "call_id", "too_long"),
            ({"account": "", "client_ref": ""}, "account", "missing"),
            ({"account": "A-42"}, "account", "invalid_account"),
            ({"phone": "555"}, "phone", "invalid_phone"),
            ({"started_at": "2026-11-02T10:15:00"}, "started_at", "invalid_moment"),
            ({"started_at": "yesterday"}, "started_at", "invalid_moment"),
            ({"result": "HUNG_UP"}, "result", "invalid_result"),
            ({"mode": "robot"}, "mode", "invalid_mode"),
        ],
    )
    def test_a_bad_row_is_rejected_naming_its_field(self, change, field, code) -> None:  # type: ignore[no-untyped-def]
        reject = layout.parse_disposition({**GOOD, **change}, 5)
        assert isinstance(reject, DispositionReject)
        assert (reject.line, reject.field, reject.code) == (5, field, code)

    def test_a_client_reference_stands_for_the_account_number(self) -> None:
        row = layout.parse_disposition({**GOOD, "account": "", "client": "acme",
                                        "client_ref": "R000042"}, 3)  # fmt: skip
        assert isinstance(row, DispositionRow)
        assert (row.account_id, row.client, row.client_ref) == (None, "ACME", "R000042")

    def test_each_result_means_an_outcome_the_rules_know(self) -> None:
        assert {r: (m.outcome, m.recipient, m.marks_bad) for r, m in RESULTS.items()} == {
            DialerResult.ANSWERED_RIGHT_PARTY: (Outcome.CONVERSATION, Recipient.CONSUMER, False),
            DialerResult.ANSWERED_THIRD_PARTY: (Outcome.CONVERSATION, Recipient.THIRD_PARTY,
                                                False),
            DialerResult.NO_ANSWER: (Outcome.NO_ANSWER, Recipient.CONSUMER, False),
            DialerResult.BUSY: (Outcome.NOT_CONNECTED, Recipient.CONSUMER, False),
            DialerResult.VOICEMAIL_LEFT: (Outcome.VOICEMAIL_LEFT, Recipient.CONSUMER, False),
            DialerResult.DISCONNECTED: (Outcome.NOT_CONNECTED, Recipient.CONSUMER, True),
            DialerResult.WRONG_NUMBER: (Outcome.WRONG_PARTY, Recipient.CONSUMER, True),
            DialerResult.ABANDONED: (Outcome.NO_ANSWER, Recipient.CONSUMER, False),
        }  # fmt: skip
