from datetime import date

import pytest

from arrears.core.formats.placements import (
    DEFAULT_HEADER,
    Mapping,
    PlacementRow,
    Reject,
    load_mapping,
    person_key,
    validate_row,
)
from tests.unit.formats.helpers import BOUND, GOOD, TODAY, ok, rejected


class TestValidRowIsParsed:
    def test_parses_every_field_of_a_full_person_row(self) -> None:
        row = ok(
            principal="$1,234.56", interest="45.10", fees="35", costs="0.5",
            last_payment_date="2023-10-01", interest_rate="18.99",
            interest_day_count="Actual/360", middle_name="M", suffix="Jr", state="ma",
            zip="02108-1234", phone2="617.555.0199", phone2_type="HOME",
            email="Grace.Hopper@Example.COM", address2="Apt 4B",
        )  # fmt: skip
        assert row == PlacementRow(
            client_account_ref="R-1",
            original_creditor="Cedar Valley Bank",
            original_account_number="5500123412341234",
            creditor_classification="08",
            currency="USD",
            principal_minor=123_456,
            interest_minor=4_510,
            fees_minor=3_500,
            costs_minor=50,
            charge_off_date=date(2024, 3, 31),
            charge_off_amount_minor=82_000,
            date_of_first_delinquency=date(2023, 11, 15),
            itemization_date=date(2024, 3, 31),
            itemization_basis="charge_off",
            last_payment_date=date(2023, 10, 1),
            interest_rate_ppm=189_900,
            interest_day_count="actual/360",
            party_type="person",
            first_name="Grace",
            middle_name="M",
            last_name="Hopper",
            suffix="Jr",
            business_name=None,
            ssn="123456789",
            date_of_birth=date(1985, 2, 14),
            address1="1 Main St",
            address2="Apt 4B",
            city="Boston",
            state="MA",
            zip="021081234",
            phones=(("+16175550123", "mobile"), ("+16175550199", "home")),
            email="Grace.Hopper@example.com",
            line=7,
        )
        assert row.balance_minor == 131_516

    def test_applies_layout_defaults_to_empty_fields(self) -> None:
        row = ok(currency="", itemization_basis="", interest_day_count="", party_type="",
                 phone1_type="")  # fmt: skip
        assert (row.currency, row.interest_minor, row.fees_minor, row.costs_minor) == (
            "USD",
            0,
            0,
            0,
        )
        assert row.itemization_basis == "charge_off"
        assert row.interest_day_count == "actual/365"
        assert row.party_type == "person"
        assert row.phones == (("+16175550123", "mobile"),)

    def test_strips_whitespace_and_treats_blank_as_absent(self) -> None:
        row = ok(client_account_ref="  R-9 ", middle_name="   ", ssn=" ", email="  ")
        assert (row.client_account_ref, row.middle_name, row.ssn, row.email) == (
            "R-9",
            None,
            None,
            None,
        )

    def test_accepts_a_business_without_person_names(self) -> None:
        row = ok(party_type="business", first_name="", last_name="", ssn="", date_of_birth="",
                 business_name="Golden Ridge Plumbing LLC")  # fmt: skip
        assert row.party_type == "business"
        assert row.business_name == "Golden Ridge Plumbing LLC"
        assert row.first_name is None

    @pytest.mark.parametrize(
        ("text", "e164"),
        [
            ("(617) 555-0123", "+16175550123"),
            ("617-555-0123", "+16175550123"),
            ("617.555.0123", "+16175550123"),
            ("6175550123", "+16175550123"),
            ("1-617-555-0123", "+16175550123"),
            ("+1 (617) 555-0123", "+16175550123"),
            ("(907) 555-0100", "+19075550100"),
            ("787-555-0100", "+17875550100"),
        ],
    )
    def test_normalises_phones_to_e164(self, text: str, e164: str) -> None:
        assert ok(phone1=text).phones == ((e164, "mobile"),)

    def test_drops_a_second_phone_equal_to_the_first(self) -> None:
        assert ok(phone2="617 555 0123").phones == (("+16175550123", "mobile"),)

    def test_single_digit_creditor_classification_is_zero_padded(self) -> None:
        assert ok(creditor_classification="2").creditor_classification == "02"

    @pytest.mark.parametrize("zip_text", ["02108", "02108-1234", "021081234"])
    def test_accepts_zip_and_zip_plus_four(self, zip_text: str) -> None:
        assert ok(zip=zip_text).zip == zip_text.replace("-", "")

    @pytest.mark.parametrize("state", ["DC", "PR", "VI", "GU", "AS", "MP", "AA", "AE", "AP", "wy"])
    def test_accepts_dc_territories_and_military_states(self, state: str) -> None:
        assert ok(state=state).state == state.upper()

    def test_accepts_dates_on_today(self) -> None:
        assert ok(last_payment_date="2025-06-30").last_payment_date == TODAY


class TestRejectCodes:
    @pytest.mark.parametrize(
        ("changes", "field", "code"),
        [
            ({"client_account_ref": ""}, "client_account_ref", "missing_required"),
            ({"original_creditor": " "}, "original_creditor", "missing_required"),
            ({"principal": ""}, "principal", "missing_required"),
            ({"date_of_first_delinquency": ""}, "date_of_first_delinquency", "missing_required"),
            ({"itemization_date": ""}, "itemization_date", "missing_required"),
            ({"first_name": ""}, "first_name", "missing_required"),
            ({"last_name": ""}, "last_name", "missing_required"),
            ({"party_type": "business"}, "business_name", "missing_required"),
            ({"address1": ""}, "address1", "missing_required"),
            ({"city": ""}, "city", "missing_required"),
            ({"state": ""}, "state", "missing_required"),
            ({"zip": ""}, "zip", "missing_required"),
            ({"date_of_birth": "1985-02-30"}, "date_of_birth", "invalid_date"),
            ({"charge_off_date": "03/31/2024"}, "charge_off_date", "invalid_date"),
            ({"last_payment_date": "2024-1-5"}, "last_payment_date", "invalid_date"),
            ({"itemization_date": "soon"}, "itemization_date", "invalid_date"),
            ({"charge_off_date": "2025-07-01"}, "charge_off_date", "future_date"),
            ({"date_of_birth": "2030-01-01"}, "date_of_birth", "future_date"),
            (
                {"date_of_first_delinquency": "2024-04-01"},
                "date_of_first_delinquency",
                "date_order",
            ),
            ({"itemization_date": "2023-11-14"}, "itemization_date", "date_order"),
            ({"principal": "12.345"}, "principal", "invalid_amount"),
            ({"principal": "-5.00"}, "principal", "invalid_amount"),
            ({"fees": "ten"}, "fees", "invalid_amount"),
            ({"charge_off_amount": "1,00"}, "charge_off_amount", "invalid_amount"),
            ({"principal": "0.00"}, "principal", "zero_balance"),
            ({"currency": "EURO"}, "currency", "invalid_currency"),
            ({"currency": "XAU"}, "currency", "invalid_currency"),
            ({"state": "XX"}, "state", "invalid_state"),
            ({"zip": "2108"}, "zip", "invalid_zip"),
            ({"zip": "02108-12"}, "zip", "invalid_zip"),
            ({"phone1": "555-0123"}, "phone1", "invalid_phone"),
            ({"phone1": "(123) 456-7890"}, "phone1", "invalid_phone"),
            ({"phone1": "+44 20 7946 0958"}, "phone1", "invalid_phone"),
            ({"phone2": "617-055-0123"}, "phone2", "invalid_phone"),
            ({"phone1": "1-800-FLOWERS"}, "phone1", "invalid_phone"),
            ({"email": "grace@example"}, "email", "invalid_email"),
            ({"email": "grace@@example.com"}, "email", "invalid_email"),
            ({"email": "grace hopper@example.com"}, "email", "invalid_email"),
            ({"email": "grace@-example.com"}, "email", "invalid_email"),
            ({"email": "g" * 65 + "@example.com"}, "email", "invalid_email"),
            ({"ssn": "000-12-3456"}, "ssn", "invalid_ssn"),
            ({"ssn": "666-12-3456"}, "ssn", "invalid_ssn"),
            ({"ssn": "900-12-3456"}, "ssn", "invalid_ssn"),
            ({"ssn": "123-00-4567"}, "ssn", "invalid_ssn"),
            ({"ssn": "123-45-0000"}, "ssn", "invalid_ssn"),
            ({"ssn": "12345678"}, "ssn", "invalid_ssn"),
            ({"interest_rate": "100.01"}, "interest_rate", "invalid_rate"),
            ({"interest_rate": "-1"}, "interest_rate", "invalid_rate"),
            ({"interest_rate": "18.99999"}, "interest_rate", "invalid_rate"),
            ({"party_type": "individual"}, "party_type", "invalid_choice"),
            ({"phone1_type": "cell"}, "phone1_type", "invalid_choice"),
            ({"interest_day_count": "act/365"}, "interest_day_count", "invalid_choice"),
            ({"itemization_basis": "statement"}, "itemization_basis", "invalid_choice"),
            ({"creditor_classification": "16"}, "creditor_classification", "invalid_choice"),
            ({"client_account_ref": "R" * 51}, "client_account_ref", "too_long"),
            ({"original_creditor": "C" * 101}, "original_creditor", "too_long"),
            ({"first_name": "G" * 61}, "first_name", "too_long"),
            ({"address1": "1" * 101}, "address1", "too_long"),
            ({"city": "B" * 61}, "city", "too_long"),
            ({"email": "g" * 250 + "@example.com"}, "email", "too_long"),
        ],
    )
    def test_names_field_and_code_of_the_defect(
        self, changes: dict[str, str], field: str, code: str
    ) -> None:
        reject = rejected(**changes)
        assert (reject.line, reject.field, reject.code) == (7, field, code)

    def test_reports_only_the_first_defect_in_canonical_order(self) -> None:
        reject = rejected(email="bad", state="XX", principal="abc", date_of_birth="1985-02-30")
        assert (reject.field, reject.code) == ("principal", "invalid_amount")

    def test_wrong_field_count_is_a_reject_for_the_whole_row(self) -> None:
        values = [GOOD[name] for name in DEFAULT_HEADER][:-1]
        assert validate_row(values, 12, BOUND, today=TODAY) == Reject(
            12, "*", "wrong_field_count", "the line has 34 fields but the header has 35"
        )


class TestRejectReasons:
    def test_invalid_date_reason_names_value_and_expected_form(self) -> None:
        assert rejected(date_of_birth="1985-02-30").reason == (
            "date_of_birth '1985-02-30' is not a real date (expected YYYY-MM-DD)"
        )

    def test_badly_shaped_date_reason(self) -> None:
        assert rejected(date_of_birth="02/14/1985").reason == (
            "date_of_birth '02/14/1985' is not a date (expected YYYY-MM-DD)"
        )

    def test_future_date_reason_gives_today(self) -> None:
        assert rejected(charge_off_date="2025-07-01").reason == (
            "charge_off_date '2025-07-01' is in the future (today is 2025-06-30)"
        )

    def test_date_order_reason_names_both_dates(self) -> None:
        assert rejected(date_of_first_delinquency="2024-04-01").reason == (
            "date_of_first_delinquency '2024-04-01' is after charge_off_date '2024-03-31'"
        )

    def test_negative_amount_reason(self) -> None:
        assert rejected(principal="-5.00").reason == (
            "principal '-5.00' is negative; amounts must be 0 or more"
        )

    def test_missing_required_reason(self) -> None:
        assert rejected(city="").reason == "city is required but empty"

    def test_too_long_reason_gives_length_and_limit(self) -> None:
        assert rejected(city="B" * 61).reason == (
            f"city '{'B' * 39}…' is 61 characters long; at most 60 are allowed"
        )


class TestCustomDateFormat:
    def test_mapping_date_format_is_used_and_iso_still_accepted(self) -> None:
        mapping = load_mapping(
            '[columns]\n' + "\n".join(f'{n} = "{n}"' for n in DEFAULT_HEADER)
            + '\n[formats]\ndate = "%m/%d/%Y"\n'
        )  # fmt: skip
        bound = mapping.bind(list(DEFAULT_HEADER))
        row = {**GOOD, "date_of_birth": "02/14/1985", "charge_off_date": "03/31/2024",
               "date_of_first_delinquency": "11/15/2023"}  # fmt: skip
        result = validate_row([row[n] for n in DEFAULT_HEADER], 2, bound, today=TODAY)
        assert isinstance(result, PlacementRow)
        assert (result.date_of_birth, result.itemization_date) == (
            date(1985, 2, 14),
            date(2024, 3, 31),
        )
        bad = {**row, "date_of_birth": "02/30/1985"}
        reject = validate_row([bad[n] for n in DEFAULT_HEADER], 2, bound, today=TODAY)
        assert reject == Reject(
            2, "date_of_birth", "invalid_date",
            "date_of_birth '02/30/1985' is not a real date (expected MM/DD/YYYY)",
        )  # fmt: skip


class TestPersonKey:
    def test_folds_accents_case_punctuation_and_suffixes(self) -> None:
        row = ok(first_name="María-José", last_name="Núñez O'Brien Jr.", date_of_birth="1985-02-14")
        assert person_key(row) == ("nunezobrien", "mariajose", date(1985, 2, 14))

    def test_same_person_written_differently_has_the_same_key(self) -> None:
        a = ok(first_name="JOSE", last_name="GARCIA-LOPEZ")
        b = ok(first_name="José", last_name="García López", suffix="Sr")
        assert person_key(a) == person_key(b)

    def test_none_without_date_of_birth(self) -> None:
        assert person_key(ok(date_of_birth="")) is None

    def test_none_for_a_business(self) -> None:
        row = ok(party_type="business", business_name="Acme Co", date_of_birth="1985-02-14")
        assert person_key(row) is None


class TestDefaultMappingUsedByHelpers:
    def test_default_mapping_reads_the_default_header(self) -> None:
        assert Mapping.default().bind(list(DEFAULT_HEADER)).position("email") == 34
