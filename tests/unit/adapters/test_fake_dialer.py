"""The offline dialer: it answers as a dialer would, deterministically, and keeps what it placed."""

from __future__ import annotations

from arrears.adapters.dialer.fake import FakeDialer
from arrears.core.work.dialing import DialStatus, mask_phone, phone_priority


def test_a_call_is_placed_with_an_id_made_from_our_reference() -> None:
    dialer = FakeDialer()
    first = dialer.place_call(agent="casey", to="+17165550100", reference="arrears:1:2:x")
    again = FakeDialer().place_call(agent="casey", to="+17165550100", reference="arrears:1:2:x")
    assert first.status is DialStatus.PLACED and first.placed
    assert first.call_id == again.call_id and first.call_id.startswith("fake-")
    assert [(c.agent, c.to) for c in dialer.placed] == [("casey", "+17165550100")]


def test_a_number_ending_0000_fails_and_nothing_is_placed() -> None:
    dialer = FakeDialer()
    result = dialer.place_call(agent="casey", to="+17165550000", reference="r")
    assert (result.status, result.placed, dialer.placed) == (DialStatus.FAILED, False, [])
    assert "no line" in result.detail


def test_a_number_is_masked_to_its_area_code_and_last_four() -> None:
    assert mask_phone("+17165550100") == "+1 716 ***-0100"
    assert mask_phone("+447700900123") == "+44 ***0123"


def test_numbers_sort_verified_mobile_with_consent_first_and_work_last() -> None:
    numbers = {
        "work": phone_priority(status="valid", phone_type="work", consent=True, pk=1),
        "home": phone_priority(status="valid", phone_type="home", consent=False, pk=2),
        "mobile": phone_priority(status="valid", phone_type="mobile", consent=False, pk=3),
        "mobile+consent": phone_priority(status="valid", phone_type="mobile", consent=True, pk=4),
        "unverified mobile": phone_priority(
            status="unverified", phone_type="mobile", consent=True, pk=5
        ),
    }
    assert sorted(numbers, key=numbers.__getitem__) == [
        "mobile+consent", "mobile", "home", "work", "unverified mobile"]  # fmt: skip
