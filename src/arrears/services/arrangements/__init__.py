"""Arrangements: plans sized from income and expenditure, settlements within authority, the
approval queue for what goes beyond it, and the nightly judgement of what was agreed."""
