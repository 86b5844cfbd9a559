import pytest

from arrears.core.formats.placements import parse_minor, parse_rate_ppm


class TestParseMinor:
    @pytest.mark.parametrize(
        ("text", "cents"),
        [
            ("0", 0),
            ("7", 700),
            ("1234", 123_400),
            ("1234.5", 123_450),
            ("1234.56", 123_456),
            ("0.07", 7),
            ("1,234.56", 123_456),
            ("1,234,567.89", 123_456_789),
            ("$1,234.56", 123_456),
            ("$5", 500),
            ("-12.00", -1200),
            ("-$12.00", -1200),
            ("$-12.00", -1200),
        ],
    )
    def test_accepts_strict_decimal_text_as_integer_cents(self, text: str, cents: int) -> None:
        assert parse_minor(text) == cents

    @pytest.mark.parametrize(
        "text",
        [
            "", "abc", "12.345", "1,23.00", "12,34", "1234,567.00", ",123", "12.", ".50",
            "1.2.3", "1e3", "12 50", "--5", "-$-5", "$$5", "5$", "+5", "١٢٣", "12.5a", "NaN",
        ],
    )  # fmt: skip
    def test_rejects_anything_else(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_minor(text)


class TestParseRatePpm:
    @pytest.mark.parametrize(
        ("text", "ppm"),
        [("18.99", 189_900), ("0", 0), ("100", 1_000_000), ("7.1234", 71_234), ("5%", 50_000)],
    )
    def test_parses_percent_to_parts_per_million(self, text: str, ppm: int) -> None:
        assert parse_rate_ppm(text) == ppm

    @pytest.mark.parametrize("text", ["-1", "abc", "18.99999", "12,5", "", "1e2"])
    def test_rejects_non_rates(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_rate_ppm(text)
