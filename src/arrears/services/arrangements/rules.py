"""Settlement floors from the rule packs.

A pack may set the constant ``settlement_minimum_ppm``: the least share of the balance a
settlement may be agreed for where the consumer lives (a state pack) or for a client (a client
pack). The packs in force for the account are those of its consumer's addresses and its client,
as for every contact decision; the highest floor among them binds. No shipped pack sets one
today: no state statute we have confirmed sets a settlement floor for collectors, so the floor
is the packs' to set when one is found, never a number in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from arrears.data.accounts.models import Account
from arrears.services.compliance.snapshots import contact_snapshot, packs_in_force

CONSTANT = "settlement_minimum_ppm"


@dataclass(frozen=True)
class SettlementMinimum:
    ppm: int
    pack: str  # the pack and version that set it

    def as_dict(self) -> dict[str, object]:
        return {"ppm": self.ppm, "pack": self.pack}


def state_settlement_minimum(account: Account, *, at: datetime) -> SettlementMinimum | None:
    snapshot = contact_snapshot(account.pk, at=at)
    jurisdictions = snapshot.jurisdictions if snapshot is not None else frozenset({"US"})
    found = [
        SettlementMinimum(int(pack.constants[CONSTANT]), pack.label)
        for pack in packs_in_force().applicable(jurisdictions)
        if CONSTANT in pack.constants
    ]
    return max(found, key=lambda minimum: minimum.ppm, default=None)
