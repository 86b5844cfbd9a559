"""The public golden files are found through settings.ARREARS_TESTDATA (default ../shared/testdata)."""

from pathlib import Path


def test_golden_files_are_found_through_the_setting(testdata: Path):
    assert (testdata / "metro2" / "base_segment.dat").is_file()
    assert (testdata / "ach" / "ppd-debit.ach").is_file()
