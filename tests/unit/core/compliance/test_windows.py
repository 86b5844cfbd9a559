"""The allowed windows of a day, found by walking the evaluator at the moments a verdict can
change: exact intervals, few evaluations."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from arrears.core.compliance import HoldState, InconvenientTime
from arrears.core.compliance.windows import Window, allowed_windows, boundaries, merged
from tests.unit.core.compliance.helpers import PACKS, at, calls, request, snapshot

MIDNIGHT = "2026-11-23 00:00"  # a Monday
END = at("2026-11-24 00:00")
LA = ZoneInfo("America/Los_Angeles")


def _hours(windows) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(f"{w.start.astimezone(at(MIDNIGHT).tzinfo):%H:%M}",
             f"{w.end.astimezone(at(MIDNIGHT).tzinfo):%H:%M}") for w in windows]  # fmt: skip


class TestAllowedWindows:
    def test_a_new_yorker_weekday_is_eight_to_nine_in_three_evaluations(self) -> None:
        found = allowed_windows(PACKS, snapshot(), request(when=MIDNIGHT), end=END)
        assert found.windows == (Window(at("2026-11-23 08:00"), at("2026-11-23 21:00")),)
        assert (found.evaluations, found.closed_by) == (3, ())

    def test_an_inconvenient_lunch_hour_splits_the_window(self) -> None:
        lunch = InconvenientTime(weekdays=frozenset({0}), start=time(12), end=time(13))
        found = allowed_windows(PACKS, snapshot(inconvenient=(lunch,)), request(when=MIDNIGHT),
                                end=END)  # fmt: skip
        assert _hours(found.windows) == [("08:00", "12:00"), ("13:00", "21:00")]

    def test_two_zones_leave_the_hours_both_allow(self) -> None:
        found = allowed_windows(
            PACKS, snapshot(zones=("America/New_York", "America/Los_Angeles")),
            request(when=MIDNIGHT), end=END,
        )  # fmt: skip
        # 08:00 in Los Angeles is 11:00 in New York; 21:00 in New York closes the day.
        assert _hours(found.windows) == [("11:00", "21:00")]

    def test_seven_calls_in_seven_days_close_the_day_by_that_rule_alone(self) -> None:
        # Seven counted calls in the seven days to Monday (Tuesday 17 to Sunday 22, two on
        # Sunday): an eighth on Monday would be presumed a violation.
        week = calls(*(f"2026-11-{d} 10:00" for d in range(17, 23)), "2026-11-22 15:00")
        found = allowed_windows(PACKS, snapshot(attempts=week), request(when=MIDNIGHT), end=END)
        assert found.windows == ()
        assert found.rule_ids == ("regf.call-frequency",)
        assert found.evaluations == 1  # the block's end is after the day: nothing more to ask

    def test_a_cease_closes_the_day_with_no_end(self) -> None:
        cease = HoldState(kind="cease", starts_on=at(MIDNIGHT).date().replace(day=1))
        found = allowed_windows(PACKS, snapshot(holds=(cease,)), request(when=MIDNIGHT), end=END)
        assert found.windows == ()
        assert found.rule_ids == ("regf.cease-communication",)

    def test_a_call_placed_in_the_day_closes_the_rest_of_it_from_that_moment(self) -> None:
        week = calls(*(f"2026-11-{d} 10:00" for d in range(17, 24)))  # the seventh at 10:00
        found = allowed_windows(PACKS, snapshot(attempts=week), request(when=MIDNIGHT), end=END)
        assert _hours(found.windows) == [("08:00", "10:00")]

    def test_a_start_in_the_afternoon_lists_what_is_left(self) -> None:
        found = allowed_windows(PACKS, snapshot(), request(when="2026-11-23 15:30"), end=END)
        assert _hours(found.windows) == [("15:30", "21:00")]


class TestBoundaries:
    def test_the_moments_are_midnight_and_the_rules_hours_in_the_consumers_zone(self) -> None:
        moments = boundaries(PACKS, snapshot(), request(when=MIDNIGHT), at(MIDNIGHT), END)
        assert [m.strftime("%H:%M") for m in moments] == ["08:00", "21:00"]

    def test_the_moments_hold_in_every_candidate_zone(self) -> None:
        snap = snapshot(zones=("America/New_York", "America/Los_Angeles"))
        moments = boundaries(PACKS, snap, request(when=MIDNIGHT), at(MIDNIGHT), END)
        assert at("2026-11-23 11:00") in moments  # 08:00 in Los Angeles
        assert at("2026-11-23 03:00") in moments  # midnight in Los Angeles


def test_merged_joins_overlapping_and_touching_windows() -> None:
    a, b, c = (Window(at("2026-11-23 08:00"), at("2026-11-23 12:00")),
               Window(at("2026-11-23 12:00"), at("2026-11-23 14:00")),
               Window(at("2026-11-23 16:00"), at("2026-11-23 21:00")))  # fmt: skip
    assert merged([c, b, a]) == (Window(a.start, b.end), c)
