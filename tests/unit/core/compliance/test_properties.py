"""Properties of the evaluator over random histories: safety, liveness and tight earliest moments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.core.compliance import (
    Attempt,
    Channel,
    ContactRequest,
    Direction,
    HoldState,
    InconvenientTime,
    Outcome,
    evaluate,
)

from .helpers import NY, PACKS, snapshot

START = datetime(2026, 11, 2, 0, 0, tzinfo=NY)  # a Monday

steps = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=36 * 60),  # minutes since the previous candidate
        st.sampled_from(list(Outcome)),
        st.booleans(),  # inbound (the consumer called us)
    ),
    min_size=1,
    max_size=120,
)


def _day(moment: datetime) -> date:
    return moment.astimezone(NY).date()


@settings(max_examples=300, deadline=None)
@given(steps)
def test_allowed_calls_never_exceed_seven_in_seven_days_nor_follow_a_conversation(plan) -> None:  # type: ignore[no-untyped-def]
    snap = snapshot()
    moment = START
    for minutes, outcome, inbound in plan:
        moment += timedelta(minutes=minutes)
        if inbound:
            snap = replace(
                snap,
                attempts=(
                    *snap.attempts,
                    Attempt(
                        at=moment,
                        channel=Channel.CALL,
                        direction=Direction.INBOUND,
                        outcome=outcome,
                    ),
                ),
            )
            continue  # fmt: skip
        if evaluate(PACKS, snap, ContactRequest(Channel.CALL, moment)).allowed:
            snap = replace(snap, attempts=(*snap.attempts, Attempt(at=moment, channel=Channel.CALL,
                                                                   outcome=outcome)))  # fmt: skip
    placed = [a for a in snap.attempts if a.direction is Direction.OUTBOUND]
    counted = [_day(a.at) for a in placed if a.outcome is not Outcome.NOT_CONNECTED]
    for day in set(counted):
        in_window = [d for d in counted if day - timedelta(days=6) <= d <= day]
        assert len(in_window) <= 7, f"{len(in_window)} counted calls in the 7 days to {day}"
    conversations = [a for a in snap.attempts if a.outcome is Outcome.CONVERSATION]
    for call in placed:
        if call.outcome is Outcome.NOT_CONNECTED:
            continue
        for talk in conversations:
            if talk.at < call.at:
                assert _day(call.at) >= _day(talk.at) + timedelta(days=7), (
                    f"call {call.at} within 7 days after the conversation {talk.at}"
                )


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=6), st.integers(min_value=0, max_value=6))
def test_a_seventh_call_is_allowed_when_nothing_else_blocks(count, first_offset) -> None:  # type: ignore[no-untyped-def]
    # ``count`` counted calls, none earlier than 6 days ago, none a conversation.
    today = datetime(2026, 11, 23, 10, 0, tzinfo=NY)
    days = sorted({(first_offset + i) % 7 for i in range(count)})
    attempts = tuple(
        Attempt(at=today - timedelta(days=d, hours=1), channel=Channel.CALL) for d in days
    )
    decision = evaluate(PACKS, snapshot(attempts=attempts), ContactRequest(Channel.CALL, today))
    assert len(attempts) <= 6
    assert decision.allowed, [r.message for r in decision.blocks]


histories = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=14 * 24 * 60),  # minutes before the request
        st.sampled_from([Outcome.NO_ANSWER, Outcome.CONVERSATION, Outcome.VOICEMAIL_LEFT]),
        st.sampled_from(["mobile", "home", "work"]),
    ),
    max_size=20,
)
zone_sets = st.sampled_from([
    ("America/New_York",), ("America/Chicago", "America/Los_Angeles"),
    ("America/New_York", "Pacific/Honolulu"), (), ("America/Phoenix", "America/Denver"),
])  # fmt: skip
holds = st.lists(
    st.tuples(
        st.sampled_from(["bankruptcy", "attorney", "dispute"]),
        st.integers(min_value=-10, max_value=10),
        st.integers(min_value=1, max_value=20),
    ),
    max_size=2,
)
windows = st.lists(
    st.tuples(st.integers(min_value=0, max_value=23), st.integers(min_value=1, max_value=6)),
    max_size=2,
)


@settings(max_examples=400, deadline=None)
@given(
    history=histories,
    zones=zone_sets,
    hold_specs=holds,
    window_specs=windows,
    channel=st.sampled_from([Channel.CALL, Channel.SMS, Channel.EMAIL, Channel.VOICEMAIL]),
    minute=st.integers(min_value=0, max_value=7 * 24 * 60),
    places=st.sampled_from([frozenset({"US"}), frozenset({"US", "US-MA"}),
                            frozenset({"US", "US-NY", "US-NY-NYC"}), frozenset({"US", "US-WA"})]),
)  # fmt: skip
def test_the_earliest_moment_is_allowed_and_the_second_before_it_is_not(
    history, zones, hold_specs, window_specs, channel, minute, places
) -> None:  # type: ignore[no-untyped-def]
    asked = datetime(2026, 11, 16, 0, 0, tzinfo=NY) + timedelta(minutes=minute)
    attempts = tuple(
        Attempt(at=asked - timedelta(minutes=m + 1), channel=Channel.CALL, outcome=o, phone_type=t)
        for m, o, t in history
    )
    today = asked.date()
    hold_states = tuple(
        HoldState(kind, today + timedelta(days=start), today + timedelta(days=start + length))
        for kind, start, length in hold_specs
    )
    inconvenient = tuple(
        InconvenientTime(frozenset(range(7)), time(h), time((h + n) % 24)) for h, n in window_specs
    )
    snap = snapshot(attempts=attempts, zones=zones, holds=hold_states, inconvenient=inconvenient,
                    jurisdictions=places)  # fmt: skip
    decision = evaluate(PACKS, snap, ContactRequest(channel, asked))
    if decision.allowed:
        assert decision.earliest == asked
        return
    assert decision.blocks and all(r.rule_id and r.citation for r in decision.blocks)
    if decision.earliest is None:
        return
    assert decision.earliest > asked
    later = evaluate(PACKS, snap, ContactRequest(channel, decision.earliest))
    assert later.allowed, [r.message for r in later.blocks]
    before = evaluate(
        PACKS, snap, ContactRequest(channel, decision.earliest - timedelta(seconds=1))
    )
    assert not before.allowed
