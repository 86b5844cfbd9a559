"""Personal data on the account screen: masked by default; a reveal shows it once and is
audited with who, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from arrears.core.pii import DecryptionError
from arrears.data.accounts.models import AccountParty
from arrears.services.common import Actor, NotFound, ServiceError, audit_record, key_ring


@dataclass(frozen=True)
class Revealed:
    party_id: int
    ssn: str  # "123-45-6789", or "" when none is on file
    date_of_birth: str  # ISO date, or ""


def _ssn_text(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 9 else digits


def personal_data_reveal(
    *, account_id: int, reason: str, actor: Actor, now: datetime
) -> dict[int, Revealed]:
    """The full SSN and date of birth of each party on the account, by party id."""
    if not reason.strip():
        raise ServiceError("say why the personal data is needed", field="reason")
    links = list(AccountParty.objects.filter(account_id=account_id).select_related("party"))
    if not links:
        raise NotFound(f"no account {account_id} with a party", field="account_id")
    ring = key_ring()
    out: dict[int, Revealed] = {}
    with transaction.atomic():
        for link in links:
            party = link.party
            try:
                ssn = (
                    ring.decrypt(party.ssn_encrypted, context="party.ssn")
                    if party.ssn_encrypted
                    else ""
                )
                dob = (
                    ring.decrypt(party.dob_encrypted, context="party.dob")
                    if party.dob_encrypted
                    else ""
                )
            except DecryptionError:
                ssn, dob = "(cannot be decrypted with the keys in use)", ""
            out[party.pk] = Revealed(party_id=party.pk, ssn=_ssn_text(ssn), date_of_birth=dob)
            audit_record(
                actor=actor, event="pii.revealed", account_id=account_id, party_id=party.pk,
                at=now, details={"fields": ["ssn", "date_of_birth"], "reason": reason[:200]},
            )  # fmt: skip
    return out
