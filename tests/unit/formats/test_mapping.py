import pytest

from arrears.core.formats.placements import (
    DEFAULT_HEADER,
    HeaderError,
    Mapping,
    MappingError,
    load_mapping,
)
from tests.unit.formats.helpers import FIXTURES

MINIMAL = """
[columns]
client_account_ref = "Acct No"
original_creditor = "Creditor"
principal = "Balance"
date_of_first_delinquency = "DOFD"
itemization_date = "Item Date"
first_name = "First"
last_name = "Last"
address1 = "Street"
city = "City"
state = "ST"
zip = "Zip"
"""


class TestLoadMapping:
    def test_reads_columns_formats_and_defaults(self) -> None:
        mapping = load_mapping((FIXTURES / "other_layout.toml").read_text(encoding="utf-8"))
        assert mapping.columns["client_account_ref"] == "Acct No"
        assert mapping.columns["itemization_date"] == "Charge Off Date"
        assert mapping.date_format == "%m/%d/%Y"
        assert mapping.defaults == {"currency": "USD", "itemization_basis": "charge_off"}

    def test_rejects_unknown_field_names_naming_them(self) -> None:
        with pytest.raises(MappingError, match="unknown field\\(s\\) in the mapping: balance, dob"):
            load_mapping(MINIMAL + 'balance = "Bal"\ndob = "DOB"\n')

    def test_rejects_unknown_defaults_field(self) -> None:
        with pytest.raises(MappingError, match="colour"):
            load_mapping(MINIMAL + '[defaults]\ncolour = "red"\n')

    def test_rejects_required_fields_with_neither_column_nor_default(self) -> None:
        text = MINIMAL.replace('principal = "Balance"\n', "").replace('city = "City"\n', "")
        with pytest.raises(
            MappingError,
            match="required field\\(s\\) have neither a column nor a default: principal, city",
        ):
            load_mapping(text)

    def test_a_default_makes_a_required_field_reachable(self) -> None:
        text = MINIMAL.replace('state = "ST"\n', "") + '[defaults]\nstate = "TX"\n'
        assert load_mapping(text).defaults == {"state": "TX"}

    def test_business_only_file_needs_no_person_names(self) -> None:
        text = (
            MINIMAL.replace('first_name = "First"\n', "").replace('last_name = "Last"\n', "")
            + 'business_name = "Company"\n[defaults]\nparty_type = "business"\n'
        )
        assert load_mapping(text).columns["business_name"] == "Company"

    def test_rejects_bad_toml(self) -> None:
        with pytest.raises(MappingError, match="not valid TOML"):
            load_mapping("[columns\n")

    def test_rejects_unknown_sections_and_format_keys(self) -> None:
        with pytest.raises(MappingError, match="unknown section"):
            load_mapping(MINIMAL + "[options]\nx = 1\n")
        with pytest.raises(MappingError, match="unknown \\[formats\\] key"):
            load_mapping(MINIMAL + '[formats]\namount = "x"\n')

    def test_rejects_date_format_without_year_month_day(self) -> None:
        with pytest.raises(MappingError, match="year, a month and a day"):
            load_mapping(MINIMAL + '[formats]\ndate = "%m/%d"\n')

    def test_rejects_non_string_values(self) -> None:
        with pytest.raises(MappingError, match="must be a string"):
            load_mapping(MINIMAL + "[defaults]\ninterest = 0\n")


class TestBind:
    def test_default_mapping_binds_the_default_header(self) -> None:
        bound = Mapping.default().bind(list(DEFAULT_HEADER))
        assert bound.position("client_account_ref") == 0
        assert bound.position("email") == len(DEFAULT_HEADER) - 1
        assert bound.pad is False

    def test_header_matching_ignores_case_and_spacing(self) -> None:
        header = [" CLIENT_ACCOUNT_REF ", *DEFAULT_HEADER[1:]]
        assert Mapping.default().bind(header).position("client_account_ref") == 0

    def test_optional_columns_may_be_absent(self) -> None:
        header = [h for h in DEFAULT_HEADER if h not in ("email", "ssn", "phone2")]
        bound = Mapping.default().bind(header)
        assert (bound.position("email"), bound.position("ssn")) == (None, None)
        assert bound.pad is True

    def test_missing_required_columns_is_a_header_error_listing_them(self) -> None:
        header = [h for h in DEFAULT_HEADER if h not in ("principal", "zip")]
        with pytest.raises(HeaderError) as info:
            Mapping.default().bind(header)
        assert str(info.value) == "the header row lacks required column(s): principal, zip"
        assert info.value.missing == ("principal", "zip")

    def test_missing_mapped_column_names_their_header(self) -> None:
        mapping = load_mapping(MINIMAL)
        header = ["Acct No", "Creditor", "DOFD", "Item Date", "First", "Last", "Street", "City",
                  "ST", "Zip"]  # fmt: skip
        with pytest.raises(HeaderError, match="principal \\('Balance'\\)"):
            mapping.bind(header)

    def test_a_mapped_column_repeated_in_the_header_is_ambiguous(self) -> None:
        header = [*DEFAULT_HEADER, "principal"]
        with pytest.raises(HeaderError, match="repeats"):
            Mapping.default().bind(header)
