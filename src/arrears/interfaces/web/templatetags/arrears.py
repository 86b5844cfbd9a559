from typing import Any

from django import template

from arrears.core.money import format_minor

register = template.Library()


@register.filter
def money(minor: int | None, currency: str = "USD") -> str:
    """Integer minor units as an amount: 123456 -> '1,234.56'."""
    if minor is None:
        return ""
    return format_minor(int(minor), currency or "USD")


@register.filter
def rate(ppm: int | None) -> str:
    """A rate in parts per million as a percent: 189900 -> '18.99 %'."""
    if ppm is None:
        return "none"
    text = f"{ppm / 10_000:.4f}".rstrip("0").rstrip(".")
    return f"{text} %"


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """``mapping|get_item:key``: a dict's value in a template (None when absent)."""
    return (mapping or {}).get(key)
