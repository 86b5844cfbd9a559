import csv
import io
from collections import Counter
from datetime import date
from typing import Any, NamedTuple

import pytest

from arrears.core.formats.placements import (
    DEFAULT_HEADER,
    Mapping,
    PlacementRow,
    Reject,
    fold_name,
    normalise_phone,
    person_key,
    validate_row,
)
from arrears.core.synthetic import DEFECTS, generate_placements
from arrears.core.synthetic._data import CITIES, FIRST_NAMES, LAST_NAMES

TODAY = date(2025, 6, 30)


def _csv_bytes(seed: int, accounts: int = 2_000, bad_fraction: float = 0.05) -> bytes:
    generated = generate_placements(
        accounts=accounts, seed=seed, bad_fraction=bad_fraction, today=TODAY
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(generated.header)
    writer.writerows(generated.rows)
    return out.getvalue().encode()


def _party_key(row: PlacementRow) -> tuple[object, ...]:
    """An independent linkage: SSN, else normalised name + dob, else business name + ZIP."""
    if row.ssn:
        return ("ssn", row.ssn)
    key = person_key(row)
    if key is not None:
        return ("person", *key)
    return ("business", fold_name(row.business_name or ""), row.zip[:5])


class Outcome(NamedTuple):
    manifest: dict[str, Any]
    good: list[PlacementRow]
    rejects: list[dict[str, object]]


@pytest.fixture(scope="module")
def outcome() -> Outcome:
    """20k rows, 2 % bad, validated as the import does (duplicates by a seen-set)."""
    generated = generate_placements(accounts=20_000, seed=20250630, bad_fraction=0.02, today=TODAY)
    bound = Mapping.default().bind(generated.header)
    seen: set[str] = set()
    good: list[PlacementRow] = []
    rejects: list[dict[str, object]] = []
    for index, values in enumerate(generated.rows):
        line = index + 2
        result = validate_row(values, line, bound, today=TODAY)
        if isinstance(result, Reject):
            rejects.append({"line": result.line, "defect": result.code})
        elif result.client_account_ref in seen:
            rejects.append({"line": line, "defect": "duplicate_reference"})
        else:
            seen.add(result.client_account_ref)
            good.append(result)
    return Outcome(generated.manifest(), good, rejects)


class TestGeneratedFileMatchesItsManifest:
    def test_rejects_are_exactly_the_manifest_bad_lines(self, outcome: Outcome) -> None:
        manifest, good, rejects = outcome
        assert manifest["rows"] == 20_000
        assert rejects == manifest["bad_lines"]
        assert len(good) + len(rejects) == 20_000
        assert 300 <= len(rejects) <= 500

    def test_every_defect_kind_occurs(self, outcome: Outcome) -> None:
        manifest, _good, _rejects = outcome
        assert set(Counter(b["defect"] for b in manifest["bad_lines"])) == set(DEFECTS)

    def test_party_count_matches_an_independent_linkage(self, outcome: Outcome) -> None:
        manifest, good, _rejects = outcome
        assert len({_party_key(row) for row in good}) == manifest["parties"]

    def test_has_repeat_debtors_twins_and_businesses(self, outcome: Outcome) -> None:
        _manifest, good, _rejects = outcome
        per_party = Counter(_party_key(row) for row in good)
        repeaters = sum(1 for count in per_party.values() if count > 1)
        assert 0.08 < repeaters / len(per_party) < 0.25
        ssns_by_name_dob: dict[object, set[str]] = {}
        for row in good:
            key = person_key(row)
            if key is not None and row.ssn:
                ssns_by_name_dob.setdefault(key, set()).add(row.ssn)
        twins = sum(1 for ssns in ssns_by_name_dob.values() if len(ssns) > 1)
        assert twins >= 20
        businesses = sum(1 for row in good if row.party_type == "business")
        assert 0.03 < businesses / len(good) < 0.08
        people = [row for row in good if row.party_type == "person"]
        with_ssn = sum(1 for row in people if row.ssn)
        assert 0.80 < with_ssn / len(people) < 0.92

    def test_is_realistic_across_time_zones_and_amounts(self, outcome: Outcome) -> None:
        _manifest, good, _rejects = outcome
        states = {row.state for row in good}
        assert {"NY", "IL", "CO", "AZ", "CA", "AK", "HI", "PR"} <= states
        balances = [row.principal_minor for row in good]
        assert min(balances) >= 5_000
        assert max(balances) <= 2_500_000
        assert all(row.itemization_date == row.charge_off_date for row in good)
        rated = sum(1 for row in good if row.interest_rate_ppm is not None)
        assert 0.5 < rated / len(good) < 0.65  # at least half bear a rate (benchmarks rely on it)
        assert all(row.phones or row.party_type == "person" for row in good)


class TestDeterminism:
    def test_same_seed_gives_the_same_bytes(self) -> None:
        assert _csv_bytes(7) == _csv_bytes(7)

    def test_different_seed_gives_different_bytes(self) -> None:
        assert _csv_bytes(7) != _csv_bytes(8)

    def test_header_is_the_default_layout(self) -> None:
        generated = generate_placements(accounts=1, seed=1, today=TODAY)
        assert generated.header == list(DEFAULT_HEADER)


class TestManifest:
    def test_is_refused_before_all_rows_are_read(self) -> None:
        generated = generate_placements(accounts=10, seed=1, today=TODAY)
        next(generated.rows)
        with pytest.raises(RuntimeError, match="read every row"):
            generated.manifest()

    def test_clean_file_has_no_bad_lines(self) -> None:
        generated = generate_placements(accounts=500, seed=3, today=TODAY)
        rows = list(generated.rows)
        manifest = generated.manifest()
        assert (len(rows), manifest["rows"], manifest["bad_lines"]) == (500, 500, [])
        assert 0 < manifest["parties"] <= 500

    def test_rejects_bad_arguments(self) -> None:
        with pytest.raises(ValueError, match="bad_fraction"):
            generate_placements(accounts=1, seed=1, bad_fraction=1.5, today=TODAY)
        with pytest.raises(ValueError, match="accounts"):
            generate_placements(accounts=-1, seed=1, today=TODAY)


class TestReferenceData:
    def test_name_lists_are_large_and_fold_distinctly(self) -> None:
        assert len(FIRST_NAMES) >= 300
        assert len(LAST_NAMES) >= 300
        assert len({fold_name(n) for n in FIRST_NAMES}) == len(FIRST_NAMES)

    def test_every_city_area_code_gives_valid_numbers(self) -> None:
        assert len(CITIES) >= 100
        for city, _state, _zip, codes in CITIES:
            for npa in codes:
                assert normalise_phone(f"{npa}2345678") == f"+1{npa}2345678", (city, npa)
