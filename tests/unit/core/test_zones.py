"""A consumer's candidate time zones from ZIP codes and phone numbers."""

from arrears.core.time.zones import candidate_zones, phone_zones, zip_zone


def test_zip_codes_map_to_their_zone() -> None:
    assert zip_zone("02138") == "America/New_York"
    assert zip_zone("90210-1234") == "America/Los_Angeles"
    assert zip_zone("96813") == "Pacific/Honolulu"


def test_unknown_or_malformed_zip_has_no_zone() -> None:
    assert zip_zone("00000") is None
    assert zip_zone("ABCDE") is None


def test_an_area_code_points_to_its_zone() -> None:
    assert phone_zones("+13105550100") == ("America/Los_Angeles",)


def test_a_toll_free_number_says_nothing_about_location() -> None:
    assert phone_zones("+18005550100") == ()


def test_address_and_phone_zones_are_all_candidates_address_first() -> None:
    assert candidate_zones(zips=["02138"], phones=["+13105550100", "+16175550100"]) == (
        "America/New_York",
        "America/Los_Angeles",
    )
