"""The trust reconciliation's two identities, as values that say how far off they are.

1. Money received = cash applied in the ledger + unapplied cash still held + unapplied cash
   given back (refunded before any account took it).
2. Opening unremitted + net collected - remitted to clients - commission taken = closing
   unremitted, where the closing figure is counted on its own (the cash entries no statement
   has taken yet), not derived from the others.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CashReceived:
    received_minor: int
    applied_minor: int
    unapplied_minor: int
    given_back_minor: int = 0

    @property
    def difference_minor(self) -> int:
        return (
            self.received_minor - self.applied_minor - self.unapplied_minor - self.given_back_minor
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "received_minor": self.received_minor,
            "applied_minor": self.applied_minor,
            "unapplied_minor": self.unapplied_minor,
            "given_back_minor": self.given_back_minor,
            "difference_minor": self.difference_minor,
        }


@dataclass(frozen=True, slots=True)
class Rollforward:
    opening_unremitted_minor: int
    net_collected_minor: int
    remitted_to_client_minor: int
    commission_retained_minor: int
    closing_unremitted_minor: int

    @property
    def expected_closing_minor(self) -> int:
        return (
            self.opening_unremitted_minor
            + self.net_collected_minor
            - self.remitted_to_client_minor
            - self.commission_retained_minor
        )

    @property
    def difference_minor(self) -> int:
        return self.closing_unremitted_minor - self.expected_closing_minor

    def __add__(self, other: Rollforward) -> Rollforward:
        return Rollforward(
            self.opening_unremitted_minor + other.opening_unremitted_minor,
            self.net_collected_minor + other.net_collected_minor,
            self.remitted_to_client_minor + other.remitted_to_client_minor,
            self.commission_retained_minor + other.commission_retained_minor,
            self.closing_unremitted_minor + other.closing_unremitted_minor,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "opening_unremitted_minor": self.opening_unremitted_minor,
            "net_collected_minor": self.net_collected_minor,
            "remitted_to_client_minor": self.remitted_to_client_minor,
            "commission_retained_minor": self.commission_retained_minor,
            "closing_unremitted_minor": self.closing_unremitted_minor,
            "difference_minor": self.difference_minor,
        }


ZERO = Rollforward(0, 0, 0, 0, 0)
