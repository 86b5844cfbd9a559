"""Splitting an integer amount by ratios without creating or losing a unit."""

from collections.abc import Sequence


def allocate_minor(total: int, ratios: Sequence[int]) -> list[int]:
    """Split `total` minor units in proportion to `ratios` (largest remainder).

    Each part gets the floor of its exact share; the units left over go one each
    to the parts with the largest remainders (ties: earlier part first). The parts
    always sum to `total`. A negative total is split like its absolute value and
    negated, so the result is symmetric. Ratios must be non-negative integers, not
    all zero.
    """
    if isinstance(total, bool) or not isinstance(total, int):
        raise TypeError(f"total must be an int, not {type(total).__name__}")
    if not ratios:
        raise ValueError("at least one ratio is required")
    weight = 0
    for ratio in ratios:
        if isinstance(ratio, bool) or not isinstance(ratio, int):
            raise TypeError(f"ratios must be ints, not {type(ratio).__name__}")
        if ratio < 0:
            raise ValueError(f"ratios must not be negative: {ratio}")
        weight += ratio
    if weight == 0:
        raise ValueError("ratios must not all be zero")
    if total < 0:
        return [-part for part in allocate_minor(-total, ratios)]
    parts: list[int] = []
    remainders: list[int] = []
    for ratio in ratios:
        share, remainder = divmod(total * ratio, weight)
        parts.append(share)
        remainders.append(remainder)
    left = total - sum(parts)
    if left:
        # Stable sort on remainder (descending) keeps ties in original order.
        order = sorted(range(len(parts)), key=lambda i: -remainders[i])
        for i in order[:left]:
            parts[i] += 1
    return parts
