"""Strategy paths as the editor saves them, and the stable assignment of accounts to variants."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.core.strategies import (
    ALL_BP,
    MAX_ACCOUNT_ID,
    MAX_SEED,
    StepAction,
    bucket,
    bucket_ranges,
    check_shares,
    choose_variant,
    parse_path,
)
from arrears.core.work import SpecError

PATH = [
    {"day": 10, "action": "queue", "queue": "calls"},
    {"day": 0, "action": "validation_notice"},
    {"day": 5, "action": "email", "template": "Reminder", "when": {"balance_min": "50.00"}},
]


class TestParsePath:
    def test_reads_steps_in_the_order_they_fall_due_with_default_keys(self):
        steps = parse_path(PATH)
        assert [(s.key, s.day, s.action) for s in steps] == [
            ("s2", 0, StepAction.VALIDATION_NOTICE),
            ("s3", 5, StepAction.EMAIL),
            ("s1", 10, StepAction.QUEUE),
        ]
        assert steps[1].template == "reminder"
        assert steps[1].when is not None and steps[1].when.balance_min_minor == 5000
        # A condition tests only what it names: no default status or hold.
        assert steps[1].when.statuses == () and steps[1].when.hold is None
        assert steps[2].queue == "calls"

    def test_round_trips_through_its_stored_form(self):
        steps = parse_path(PATH)
        assert parse_path([s.as_json() for s in steps]) == steps

    @pytest.mark.parametrize(
        ("raw", "field", "message"),
        [
            ("x", "steps", "must be a list of steps"),
            ([{"day": 0}], "steps[0].action", "must be one of validation_notice, letter, "
                                              "email, sms, queue"),
            ([{"day": -1, "action": "letter", "template": "a"}], "steps[0].day",
             "must be a whole number of days from 0 to 3650"),
            ([{"day": 1, "action": "email"}], "steps[0].template",
             "a email step names its template"),
            ([{"day": 1, "action": "queue"}], "steps[0].queue", "a queue step names its work queue"),
            ([{"day": 1, "action": "queue", "queue": "q", "template": "t"}], "steps[0].template",
             "a queue step has no template"),
            ([{"day": 1, "action": "sms", "template": "t", "colour": "red"}], "steps[0].colour",
             "is not a step field"),
            ([{"key": "a", "day": 1, "action": "validation_notice"},
              {"key": "a", "day": 2, "action": "validation_notice"}], "steps[1].key",
             "'a' is used by another step"),
            ([{"day": 1, "action": "sms", "template": "t", "when": {"balance_min": "lots"}}],
             "steps[0].when.balance_min", "'lots' is not an amount in dollars and cents"),
            ([{"day": 1, "action": "sms", "template": "t", "when": {"routed": True}}],
             "steps[0].when.routed", "is a queue's filter, not a condition"),
        ],
    )  # fmt: skip
    def test_refuses_a_bad_path_naming_the_field(self, raw, field, message):
        with pytest.raises(SpecError) as caught:
            parse_path(raw)
        assert (caught.value.field, caught.value.message) == (field, message)


class TestShares:
    def test_ranges_follow_the_codes_order(self):
        assert bucket_ranges([("b", 2500), ("a", 7500)]) == [("a", 0, 7500), ("b", 7500, 10000)]

    @pytest.mark.parametrize(
        ("shares", "field"),
        [
            ([], "variants"),
            ([("a", 6000), ("b", 3000)], "shares"),
            ([("a", 10_001)], "variants.a.share"),
            ([("a", 5000), ("a", 5000)], "variants"),
        ],
    )
    def test_refuses_shares_that_do_not_cover_everything_once(self, shares, field):
        with pytest.raises(SpecError) as caught:
            check_shares(shares)
        assert caught.value.field == field


class TestAssignment:
    def test_a_bucket_is_knuths_hash_scaled_to_ten_thousand(self):
        # (42 + 7) * 2654435761 = 130067352289; mod 2^32 = 1218333409; * 10000 // 2^32 = 2836.
        assert bucket(7, 42) == 2836

    @given(st.integers(0, MAX_SEED - 1), st.integers(1, MAX_ACCOUNT_ID - 1))
    def test_a_bucket_is_stable_and_in_range(self, seed, account_id):
        assert bucket(seed, account_id) == bucket(seed, account_id)
        assert 0 <= bucket(seed, account_id) < ALL_BP

    @given(
        st.integers(0, MAX_SEED - 1),
        st.integers(1, MAX_ACCOUNT_ID - 1),
        st.lists(st.integers(0, ALL_BP), min_size=1, max_size=4),
    )
    @settings(max_examples=300)
    def test_the_variant_is_the_one_whose_range_holds_the_bucket(self, seed, account_id, cuts):
        edges = sorted({0, ALL_BP, *cuts})
        shares = [(f"v{i}", hi - lo) for i, (lo, hi) in enumerate(pairwise(edges))]
        chosen = choose_variant(shares, seed, account_id)
        b = bucket(seed, account_id)
        assert [code for code, lo, hi in bucket_ranges(shares) if lo <= b < hi] == [chosen]

    @pytest.mark.parametrize("seed", [0, 1, 987_654, MAX_SEED - 1])
    @pytest.mark.parametrize("shares", [[("a", 5000), ("b", 5000)],
                                        [("a", 8000), ("b", 1500), ("c", 500)]])  # fmt: skip
    def test_each_variant_gets_its_share_within_one_point_over_100k_accounts(self, seed, shares):
        got = Counter(choose_variant(shares, seed, account_id) for account_id in range(1, 100_001))
        for code, share in shares:
            assert abs(got[code] / 100_000 - share / ALL_BP) < 0.01, (code, got)

    def test_a_share_change_moves_no_account_that_keeps_its_first_assignment(self):
        # Assignment is made once and stored: an account entering before the change keeps the
        # variant it got; only accounts entering after it use the new shares.
        before = {a: choose_variant([("a", 5000), ("b", 5000)], 11, a) for a in range(1, 1001)}
        after = {a: choose_variant([("a", 2000), ("b", 8000)], 11, a) for a in range(1, 1001)}
        # With the new shares some accounts would land elsewhere, which is why it is stored.
        assert any(before[a] != after[a] for a in before)
        # A share change only ever moves accounts from the shrinking variant to the growing one.
        assert all(after[a] == "b" for a in before if before[a] == "b")

    def test_refuses_an_id_or_seed_the_sql_form_cannot_compute_exactly(self):
        with pytest.raises(ValueError):
            bucket(MAX_SEED, 1)
        with pytest.raises(ValueError):
            bucket(0, MAX_ACCOUNT_ID)
