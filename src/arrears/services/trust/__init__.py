"""Trust accounting: commission terms, monthly remittance statements and their documents, and the
trust reconciliation (``docs/trust-accounting.md``, ADR 20)."""
