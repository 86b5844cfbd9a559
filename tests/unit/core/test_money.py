from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.core.money import (
    CurrencyMismatch,
    Money,
    allocate_minor,
    format_minor,
    minor_exponent,
    parse_amount_to_minor,
)

USD = "USD"


def usd(text: str) -> Money:
    return Money.of(text, USD)


class TestMinorExponent:
    @pytest.mark.parametrize(
        ("currency", "exponent"),
        [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3), ("CLF", 4)],
    )
    def test_reads_iso_minor_units(self, currency: str, exponent: int) -> None:
        assert minor_exponent(currency) == exponent

    @pytest.mark.parametrize("currency", ["ZZZ", "usd", "", "US", "DOLLAR"])
    def test_rejects_unknown_codes(self, currency: str) -> None:
        with pytest.raises(ValueError, match="unknown currency"):
            minor_exponent(currency)


class TestMoneyConstruction:
    def test_rejects_float_amount(self) -> None:
        with pytest.raises(TypeError, match="float"):
            Money(0.1, USD)  # type: ignore[arg-type]

    def test_rejects_str_amount_in_constructor(self) -> None:
        with pytest.raises(TypeError):
            Money("1.00", USD)  # type: ignore[arg-type]

    def test_rejects_unknown_currency(self) -> None:
        with pytest.raises(ValueError, match="unknown currency"):
            Money(Decimal("1.00"), "XYZ")

    @pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
    def test_rejects_non_finite_amounts(self, amount: Decimal) -> None:
        with pytest.raises(ValueError, match="finite"):
            Money(amount, USD)

    def test_int_amount_becomes_decimal(self) -> None:
        money = Money(5, USD)  # type: ignore[arg-type]
        assert money.amount == Decimal(5)
        assert isinstance(money.amount, Decimal)

    def test_of_parses_text(self) -> None:
        assert Money.of("125.40", USD).amount == Decimal("125.40")
        assert Money.of("1,234.5", USD).amount == Decimal("1234.5")
        assert Money.of("-3", "JPY").amount == Decimal(-3)
        assert Money.of(7, USD).amount == Decimal(7)
        assert Money.of(Decimal("0.1"), USD).amount == Decimal("0.1")

    @pytest.mark.parametrize("text", ["", "abc", "1e3", "NaN", "1.", ".5", "1,23", "$5"])
    def test_of_rejects_garbage(self, text: str) -> None:
        with pytest.raises(ValueError, match="not an amount"):
            Money.of(text, USD)

    def test_of_rejects_float(self) -> None:
        with pytest.raises(TypeError):
            Money.of(1.5, USD)  # type: ignore[arg-type]

    def test_zero(self) -> None:
        assert Money.zero(USD).is_zero()
        assert str(Money.zero(USD)) == "USD 0.00"
        assert str(Money.zero("JPY")) == "JPY 0"

    def test_from_minor(self) -> None:
        assert Money.from_minor(12540, USD).amount == Decimal("125.40")
        assert Money.from_minor(-5, "KWD").amount == Decimal("-0.005")
        assert Money.from_minor(1200, "JPY").amount == Decimal(1200)


class TestMoneyMinor:
    def test_minor_of_exact_amounts(self) -> None:
        assert usd("125.4").minor == 12540
        assert usd("-0.01").minor == -1
        assert Money.of("12", "JPY").minor == 12
        assert Money.of("1.234", "KWD").minor == 1234

    def test_minor_refuses_sub_cent_amounts(self) -> None:
        with pytest.raises(ValueError, match="more precision"):
            _ = usd("0.005").minor

    def test_minor_round_trips_from_minor(self) -> None:
        assert Money.from_minor(987654321, USD).minor == 987654321


class TestMoneyArithmetic:
    def test_adds_and_subtracts(self) -> None:
        assert usd("1.10") + usd("2.25") == usd("3.35")
        assert usd("1.10") - usd("2.25") == usd("-1.15")

    def test_negation_and_abs(self) -> None:
        assert -usd("1.10") == usd("-1.10")
        assert abs(usd("-1.10")) == usd("1.10")

    def test_multiplies_by_int_and_decimal(self) -> None:
        assert usd("1.10") * 3 == usd("3.30")
        assert 3 * usd("1.10") == usd("3.30")
        assert (usd("125.40") * Decimal("0.1899")).amount == Decimal("23.813460")

    def test_refuses_float_factor(self) -> None:
        with pytest.raises(TypeError, match="float"):
            _ = usd("1.10") * 1.5

    def test_arithmetic_is_exact_beyond_default_decimal_precision(self) -> None:
        big = Money.of("12345678901234567890123456789.01", USD)
        assert (big + usd("0.01")).amount == Decimal("12345678901234567890123456789.02")

    @pytest.mark.parametrize(
        "operation",
        [
            lambda a, b: a + b,
            lambda a, b: a - b,
            lambda a, b: a < b,
            lambda a, b: a <= b,
            lambda a, b: a > b,
            lambda a, b: a >= b,
            lambda a, b: a == b,
        ],
    )
    def test_refuses_mixing_currencies(self, operation) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(CurrencyMismatch):
            operation(usd("1.00"), Money.of("1.00", "EUR"))

    def test_currency_mismatch_is_a_value_error(self) -> None:
        assert issubclass(CurrencyMismatch, ValueError)

    def test_compares_within_a_currency(self) -> None:
        assert usd("1.00") < usd("1.01")
        assert usd("1.01") >= usd("1.01")
        assert usd("1.0") == usd("1.00")
        assert hash(usd("1.0")) == hash(usd("1.00"))
        assert usd("1.00") != Decimal("1.00")


class TestMoneyRounding:
    def test_rounds_half_even_by_default(self) -> None:
        assert usd("0.125").rounded() == usd("0.12")
        assert usd("0.135").rounded() == usd("0.14")

    def test_rounds_with_named_mode(self) -> None:
        assert usd("0.125").rounded(ROUND_HALF_UP) == usd("0.13")
        assert usd("-0.129").rounded(ROUND_DOWN) == usd("-0.12")

    def test_rounds_to_currency_precision(self) -> None:
        assert Money.of("1.5", "JPY").rounded() == Money.of("2", "JPY")
        assert Money.of("1.2345", "KWD").rounded() == Money.of("1.234", "KWD")

    def test_refuses_unknown_mode(self) -> None:
        with pytest.raises(ValueError, match="rounding"):
            usd("1").rounded("ROUND_SOMETIMES")


class TestMoneyStr:
    @pytest.mark.parametrize(
        ("money", "text"),
        [
            (Money.of("125.4", "USD"), "USD 125.40"),
            (Money.of("-3", "USD"), "USD -3.00"),
            (Money.of("1234567.891", "USD"), "USD 1234567.891"),
            (Money.of("1200", "JPY"), "JPY 1200"),
            (Money.of("0.5", "KWD"), "KWD 0.500"),
            (Money(Decimal("-0.00"), "USD"), "USD 0.00"),
        ],
    )
    def test_formats_code_and_amount(self, money: Money, text: str) -> None:
        assert str(money) == text


class TestMoneyAllocate:
    def test_splits_evenly_with_remainder_to_first(self) -> None:
        assert usd("10.00").allocate([1, 1, 1]) == [usd("3.34"), usd("3.33"), usd("3.33")]

    def test_splits_by_decimal_ratios(self) -> None:
        assert usd("100.00").allocate([Decimal("0.7"), Decimal("0.3")]) == [usd("70"), usd("30")]

    def test_negative_amount_splits_symmetrically(self) -> None:
        assert usd("-10.00").allocate([1, 1, 1]) == [usd("-3.34"), usd("-3.33"), usd("-3.33")]

    def test_zero_ratio_gets_nothing(self) -> None:
        assert usd("0.05").allocate([0, 1, 1]) == [usd("0"), usd("0.03"), usd("0.02")]

    def test_refuses_amount_finer_than_minor_units(self) -> None:
        with pytest.raises(ValueError, match="precision"):
            usd("0.005").allocate([1, 1])

    @pytest.mark.parametrize("ratios", [[], [0, 0], [1, -1]])
    def test_refuses_bad_ratios(self, ratios: list[int]) -> None:
        with pytest.raises(ValueError):
            usd("1.00").allocate(ratios)

    def test_refuses_float_ratios(self) -> None:
        with pytest.raises(TypeError):
            usd("1.00").allocate([0.5, 0.5])  # type: ignore[list-item]


class TestAllocateMinor:
    def test_largest_remainder_gets_the_leftover_cent(self) -> None:
        # exact shares 1.75, 5.25 -> floors 1, 5; remainders 0.75, 0.25
        assert allocate_minor(7, [1, 3]) == [2, 5]

    def test_ties_go_to_earlier_parts(self) -> None:
        assert allocate_minor(2, [1, 1, 1]) == [1, 1, 0]

    def test_single_ratio_takes_all(self) -> None:
        assert allocate_minor(-12345, [9]) == [-12345]

    def test_refuses_non_int_ratios(self) -> None:
        with pytest.raises(TypeError):
            allocate_minor(10, [Decimal(1)])  # type: ignore[list-item]


CURRENCIES = st.sampled_from(["USD", "JPY", "KWD", "CLF"])


class TestAllocationNeverLosesACent:
    @settings(max_examples=1500)
    @given(
        total=st.integers(min_value=-(10**15), max_value=10**15),
        ratios=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(
            any
        ),
    )
    def test_minor_parts_sum_to_total_and_stay_within_one_unit(
        self, total: int, ratios: list[int]
    ) -> None:
        parts = allocate_minor(total, ratios)
        assert sum(parts) == total
        weight = sum(ratios)
        for part, ratio in zip(parts, ratios, strict=True):
            # |part - exact share| < 1 unit, i.e. |part * weight - total * ratio| < weight
            assert abs(part * weight - total * ratio) < weight

    @settings(max_examples=1000)
    @given(
        minor=st.integers(min_value=-(10**12), max_value=10**12),
        currency=CURRENCIES,
        ratios=st.lists(
            st.one_of(
                st.integers(min_value=0, max_value=1000),
                st.decimals(min_value=0, max_value=100, places=3),
            ),
            min_size=1,
            max_size=8,
        ).filter(any),
    )
    def test_money_parts_sum_to_whole(
        self, minor: int, currency: str, ratios: list[int | Decimal]
    ) -> None:
        whole = Money.from_minor(minor, currency)
        parts = whole.allocate(ratios)
        assert len(parts) == len(ratios)
        assert all(part.currency == currency for part in parts)
        assert sum(part.minor for part in parts) == minor
        total = Money.zero(currency)
        for part in parts:
            total += part
        assert total == whole


class TestParseAmountToMinor:
    @pytest.mark.parametrize(
        ("text", "currency", "minor"),
        [
            ("1234.5", "USD", 123450),
            ("1,234.50", "USD", 123450),
            ("1,234,567.89", "USD", 123456789),
            ("-3.10", "USD", -310),
            ("$12", "USD", 1200),
            ("-$1,000.01", "USD", -100001),
            ("$-5", "USD", -500),
            ("+7.5", "USD", 750),
            ("  42.00 ", "USD", 4200),
            ("0", "USD", 0),
            ("-0.00", "USD", 0),
            ("007.05", "USD", 705),
            ("1.500", "USD", 150),
            ("1200", "JPY", 1200),
            ("1.234", "KWD", 1234),
            ("1.5", "KWD", 1500),
            ("99999999999999999.99", "USD", 9999999999999999999),
        ],
    )
    def test_parses_exactly(self, text: str, currency: str, minor: int) -> None:
        assert parse_amount_to_minor(text, currency) == minor

    @pytest.mark.parametrize(
        "text",
        [
            "",
            " ",
            "-",
            "$",
            ".",
            "1.",
            ".5",
            "1.2.3",
            "1,23",
            "12,3456",
            ",123",
            "1,234,56",
            "1 000",
            "--1",
            "+-1",
            "-$-1",
            "1-",
            "1e3",
            "1E3",
            "NaN",
            "nan",
            "inf",
            "-Infinity",
            "0x10",
            "1_000",
            "١٢٣",
            "12.3a",
            "(3.10)",
            "USD 5",
        ],
    )
    def test_rejects_garbage(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_amount_to_minor(text)

    @pytest.mark.parametrize(
        ("text", "currency"),
        [("1.234", "USD"), ("1.001", "USD"), ("5.5", "JPY"), ("1.0001", "KWD")],
    )
    def test_rejects_more_decimals_than_the_currency_has(self, text: str, currency: str) -> None:
        with pytest.raises(ValueError, match="decimal places"):
            parse_amount_to_minor(text, currency)

    def test_rejects_unknown_currency(self) -> None:
        with pytest.raises(ValueError, match="unknown currency"):
            parse_amount_to_minor("1.00", "ABC")

    @settings(max_examples=1000)
    @given(minor=st.integers(min_value=-(10**15), max_value=10**15), currency=CURRENCIES)
    def test_agrees_with_decimal_and_reads_its_own_format(self, minor: int, currency: str) -> None:
        plain = str(Money.from_minor(minor, currency).amount)
        assert parse_amount_to_minor(plain, currency) == minor
        assert parse_amount_to_minor(format_minor(minor, currency), currency) == minor


class TestFormatMinor:
    @pytest.mark.parametrize(
        ("minor", "currency", "text"),
        [
            (123450, "USD", "1,234.50"),
            (5, "USD", "0.05"),
            (-123456789, "USD", "-1,234,567.89"),
            (0, "USD", "0.00"),
            (1234, "JPY", "1,234"),
            (-5, "KWD", "-0.005"),
            (10**20, "USD", "1,000,000,000,000,000,000.00"),
        ],
    )
    def test_formats_grouped_and_exact(self, minor: int, currency: str, text: str) -> None:
        assert format_minor(minor, currency) == text
