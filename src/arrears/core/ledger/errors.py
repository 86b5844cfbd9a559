"""Ledger refusals. All are ValueErrors, so callers may catch them broadly."""


class LedgerError(ValueError):
    """An operation the ledger refuses; nothing was posted."""


class AlreadyReversed(LedgerError):
    """The entry has already been reversed (or, for a payment, refunded)."""


class NothingOwed(LedgerError):
    """The operation needs a positive balance and there is none."""


class InvalidAmount(LedgerError):
    """An amount is zero, negative where it must be positive, or too large."""
