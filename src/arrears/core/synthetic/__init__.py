"""Deterministic synthetic data for demos, load tests and end-to-end checks (pure)."""

from arrears.core.synthetic.generator import DEFECTS, Generated, generate_placements

__all__ = ["DEFECTS", "Generated", "generate_placements"]
