"""Where a consumer may be: candidate IANA time zones from address ZIP codes and phone numbers.

The law asks for a convenient time *at the consumer's location*. When the address and the phone
disagree (a Boston address, a Los Angeles mobile), every candidate zone must be convenient, so
this returns all of them. Non-geographic numbers (toll-free, and numbers whose metadata spans
many zones) say nothing about location and are ignored. Offline data only: the ``zipcodes``
package for ZIP codes, ``phonenumbers``' geocoding metadata for area codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import zipcodes
from phonenumbers import timezone as phone_timezone

# A number whose metadata names more zones than this is not a location (toll-free codes list
# every zone of the North American plan).
_MAX_ZONES_PER_NUMBER = 3


@dataclass(frozen=True)
class ZipPlace:
    state: str
    county: str
    zone: str | None


@lru_cache(maxsize=1)
def _zip_index() -> dict[str, ZipPlace]:
    """Every US ZIP code, read once (the package's own lookup scans its whole list per call)."""
    return {
        str(z["zip_code"]): ZipPlace(
            state=str(z.get("state") or ""),
            county=str(z.get("county") or ""),
            zone=str(z["timezone"]) if z.get("timezone") else None,
        )
        for z in zipcodes.list_all()
    }


def zip_place(zip_code: str) -> ZipPlace | None:
    """State, county and IANA zone of a US ZIP code (first five digits), or None when unknown."""
    return _zip_index().get(zip_code.strip()[:5])


def zip_zone(zip_code: str) -> str | None:
    """The IANA zone of a US ZIP code (first five digits), or None when unknown."""
    place = zip_place(zip_code)
    return place.zone if place else None


@lru_cache(maxsize=65536)
def phone_zones(e164: str) -> tuple[str, ...]:
    """The zones a phone number's area code points to; empty when it points nowhere in particular."""
    try:
        number = phonenumbers.parse(e164, "US")
    except phonenumbers.NumberParseException:
        return ()
    zones = tuple(z for z in phone_timezone.time_zones_for_number(number) if z != "Etc/Unknown")
    if not zones or len(zones) > _MAX_ZONES_PER_NUMBER:
        return ()
    return tuple(sorted(zones))


def candidate_zones(*, zips: Iterable[str] = (), phones: Iterable[str] = ()) -> tuple[str, ...]:
    """Every zone the consumer may be in, addresses first, without repeats, in a stable order."""
    found: list[str] = []
    for zip_code in zips:
        zone = zip_zone(zip_code)
        if zone and zone not in found:
            found.append(zone)
    for phone in phones:
        for zone in phone_zones(phone):
            if zone not in found:
                found.append(zone)
    return tuple(found)
