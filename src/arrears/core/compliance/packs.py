"""Rule packs: versioned TOML files of rules, each with an id, a citation and effective dates.

Every number the rules use lives in a pack, never in code. A pack names its jurisdiction
("US", "US-MA", "US-NY-NYC", or "client:CODE"); a rule names the check that implements it
(``checks.CHECKS``), the collector kinds and channels it applies to, the dates it is in force
and its parameters. A client pack may also override the parameters of another pack's rule.

    name = "us-federal"
    version = "2026.11.1"
    jurisdiction = "US"

    [[rules]]
    id = "regf.call-frequency"
    check = "call_frequency"
    citation = "12 CFR 1006.14(b)(2)(i)(A)"
    effective_from = 2021-11-30
    collectors = ["agency", "debt_buyer"]
    channels = ["call", "voicemail"]
    params = { max_calls = 7, days = 7 }

A pack may also say which fees may be charged to a consumer, and on what terms, in ``[[fees]]``
tables (read by ``fees.py``): the fee (``convenience``: a fee for paying a particular way, such
as by card), when it is ``allowed`` (``never``, or ``if_agreement``: only when the agreement
creating the debt expressly authorizes it), an optional ``cap_minor``, and ``binding = false``
for a reading of the law we have not confirmed, which is shown but blocks nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from importlib import resources
from typing import Any

from arrears.core.compliance.model import Channel, CollectorKind, Effect, Purpose, Recipient


class PackError(ValueError):
    """A rule pack that cannot be used; the message names the pack, the rule and the field."""


@dataclass(frozen=True)
class Rule:
    id: str
    check: str
    citation: str
    summary: str
    effect: Effect
    basis: str  # "law" or "policy"
    effective_from: date
    effective_to: date | None  # exclusive
    collectors: frozenset[CollectorKind]
    channels: frozenset[Channel]
    params: dict[str, Any] = field(hash=False, compare=True)

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


FEE_KINDS = ("convenience",)
FEE_ALLOWED = ("never", "if_agreement")


@dataclass(frozen=True)
class FeeRule:
    """When a fee may be charged to the consumer at all (``fees.py`` judges a fee by these)."""

    id: str
    fee: str  # one of FEE_KINDS
    allowed: str  # one of FEE_ALLOWED
    citation: str
    summary: str
    basis: str  # "law" or "policy"
    effective_from: date
    effective_to: date | None  # exclusive
    collectors: frozenset[CollectorKind]
    cap_minor: int | None = None
    binding: bool = True  # False: a reading not confirmed; reported, never a block

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


@dataclass(frozen=True)
class RulePack:
    name: str
    version: str
    jurisdiction: str
    title: str
    rules: tuple[Rule, ...]
    overrides: tuple[tuple[str, dict[str, Any]], ...] = ()
    # Numbers that are not a contact rule's parameters: the validation period's days, say.
    constants: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)
    fees: tuple[FeeRule, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


ALL_COLLECTORS = frozenset(CollectorKind)
ALL_CHANNELS = frozenset(Channel)


def _require(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise PackError(f"{where}: '{key}' is required")
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PackError(f"{where}: '{key}' must be a {kind.__name__}")
    return value


def _enum_set[E: StrEnum](values: Any, enum: type[E], where: str, key: str) -> frozenset[E]:
    if not isinstance(values, list) or not values:
        raise PackError(f"{where}: '{key}' must be a non-empty list")
    out = set()
    for value in values:
        try:
            out.add(enum(value))
        except ValueError:
            choices = ", ".join(e.value for e in enum)
            raise PackError(f"{where}: '{key}' has {value!r}; choose from {choices}") from None
    return frozenset(out)


# Parameters that name channels, purposes or recipients: checked when the pack loads, so that a
# misspelt name fails there rather than silently never matching during evaluation.
_NAMED_PARAMS: dict[str, type[StrEnum]] = {
    "count_channels": Channel,
    "exclude_purposes": Purpose,
    "except_purposes": Purpose,
    "except_recipients": Recipient,
}


def _check_params(params: dict[str, Any], where: str) -> None:
    for key, enum in _NAMED_PARAMS.items():
        if key in params:
            _enum_set(params[key], enum, where, f"params.{key}")


def load_pack(text: str, *, source: str = "pack") -> RulePack:
    """Parse and check one pack. Raises PackError naming what is wrong."""
    from arrears.core.compliance.checks import CHECKS

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{source}: not valid TOML ({exc})") from exc
    name = _require(data, "name", str, source)
    version = _require(data, "version", str, source)
    jurisdiction = _require(data, "jurisdiction", str, source)
    where = f"{source} ({name}@{version})"
    rules: list[Rule] = []
    seen: set[str] = set()
    for position, table in enumerate(data.get("rules", []), start=1):
        if not isinstance(table, dict):
            raise PackError(f"{where}: rule {position} must be a table")
        rule_id = _require(table, "id", str, f"{where} rule {position}")
        at = f"{where} rule {rule_id}"
        if rule_id in seen:
            raise PackError(f"{at}: the id is used twice")
        seen.add(rule_id)
        check = _require(table, "check", str, at)
        if check not in CHECKS:
            raise PackError(f"{at}: 'check' {check!r} is not a known check")
        effect = Effect(CHECKS[check].effect)
        effective_from = _require(table, "effective_from", date, at)
        effective_to = table.get("effective_to")
        if effective_to is not None and (
            not isinstance(effective_to, date) or effective_to <= effective_from
        ):
            raise PackError(f"{at}: 'effective_to' must be a date after 'effective_from'")
        basis = table.get("basis", "law")
        if basis not in ("law", "policy"):
            raise PackError(f"{at}: 'basis' must be 'law' or 'policy'")
        params = table.get("params", {})
        if not isinstance(params, dict):
            raise PackError(f"{at}: 'params' must be a table")
        _check_params(params, at)
        missing = [p for p in CHECKS[check].params if p not in params]
        if missing:
            raise PackError(f"{at}: params {', '.join(missing)} required by check {check!r}")
        rules.append(
            Rule(
                id=rule_id,
                check=check,
                citation=_require(table, "citation", str, at),
                summary=str(table.get("summary", "")),
                effect=effect,
                basis=basis,
                effective_from=effective_from,
                effective_to=effective_to,
                collectors=(
                    _enum_set(table["collectors"], CollectorKind, at, "collectors")
                    if "collectors" in table
                    else ALL_COLLECTORS
                ),
                channels=(
                    _enum_set(table["channels"], Channel, at, "channels")
                    if "channels" in table
                    else ALL_CHANNELS
                ),
                params=params,
            )
        )
    overrides: list[tuple[str, dict[str, Any]]] = []
    for table in data.get("overrides", []):
        target = _require(table, "rule", str, f"{where} override")
        params = _require(table, "params", dict, f"{where} override of {target}")
        _check_params(params, f"{where} override of {target}")
        overrides.append((target, params))
    constants = data.get("constants", {})
    if not isinstance(constants, dict):
        raise PackError(f"{where}: 'constants' must be a table")
    fees = data.get("fees", [])
    if not isinstance(fees, list):
        raise PackError(f"{where}: 'fees' must be an array of tables")
    return RulePack(
        name=name,
        version=version,
        jurisdiction=jurisdiction,
        title=str(data.get("title", name)),
        rules=tuple(rules),
        overrides=tuple(overrides),
        constants=constants,
        fees=tuple(_fee_rule(table, where, seen) for table in fees),
    )


def _fee_rule(table: Any, where: str, seen: set[str]) -> FeeRule:
    if not isinstance(table, dict):
        raise PackError(f"{where}: each of 'fees' must be a table")
    rule_id = _require(table, "id", str, f"{where} fee")
    at = f"{where} fee {rule_id}"
    if rule_id in seen:
        raise PackError(f"{at}: the id is used twice")
    seen.add(rule_id)
    fee = _require(table, "fee", str, at)
    if fee not in FEE_KINDS:
        raise PackError(f"{at}: 'fee' must be one of {', '.join(FEE_KINDS)}")
    allowed = _require(table, "allowed", str, at)
    if allowed not in FEE_ALLOWED:
        raise PackError(f"{at}: 'allowed' must be one of {', '.join(FEE_ALLOWED)}")
    effective_from = _require(table, "effective_from", date, at)
    effective_to = table.get("effective_to")
    if effective_to is not None and (
        not isinstance(effective_to, date) or effective_to <= effective_from
    ):
        raise PackError(f"{at}: 'effective_to' must be a date after 'effective_from'")
    basis = table.get("basis", "law")
    if basis not in ("law", "policy"):
        raise PackError(f"{at}: 'basis' must be 'law' or 'policy'")
    cap = table.get("cap_minor")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
        raise PackError(f"{at}: 'cap_minor' must be a whole number of cents, 0 or more")
    binding = table.get("binding", True)
    if not isinstance(binding, bool):
        raise PackError(f"{at}: 'binding' must be true or false")
    return FeeRule(
        id=rule_id,
        fee=fee,
        allowed=allowed,
        citation=_require(table, "citation", str, at),
        summary=str(table.get("summary", "")),
        basis=basis,
        effective_from=effective_from,
        effective_to=effective_to,
        collectors=(
            _enum_set(table["collectors"], CollectorKind, at, "collectors")
            if "collectors" in table
            else ALL_COLLECTORS
        ),
        cap_minor=cap,
        binding=binding,
    )


SHIPPED_PACK_FILES = ("us-federal.toml", "us-ma.toml", "us-ny.toml", "us-ny-nyc.toml",
                      "us-wa.toml", "us-ca.toml")  # fmt: skip


def shipped_packs() -> tuple[RulePack, ...]:
    """The packs that come with Arrears (``core/compliance/packs/``)."""
    folder = resources.files("arrears.core.compliance").joinpath("packs")
    return tuple(
        load_pack(folder.joinpath(name).read_text(encoding="utf-8"), source=name)
        for name in SHIPPED_PACK_FILES
    )


# Each applicable rule with its pack's label and the function of its check.
Plan = tuple[tuple[str, Rule, Callable[..., tuple[Any, str, Any]]], ...]


@dataclass(frozen=True)
class PackSet:
    """The packs in force for an evaluation: federal, the consumer's states, the client's."""

    packs: tuple[RulePack, ...]
    # Plans already worked out, by (jurisdictions, collector kind, channel): evaluation repeats
    # the same few combinations millions of times.
    _plans: dict[tuple[frozenset[str], CollectorKind, Channel], Plan] = field(
        default_factory=dict, compare=False, repr=False
    )

    def applicable(self, jurisdictions: frozenset[str]) -> tuple[RulePack, ...]:
        return tuple(
            p for p in self.packs if p.jurisdiction in jurisdictions or p.jurisdiction == "US"
        )

    def version_for(self, jurisdictions: frozenset[str]) -> str:
        return "+".join(p.label for p in self.applicable(jurisdictions))

    def rules_for(self, jurisdictions: frozenset[str]) -> list[tuple[RulePack, Rule]]:
        packs = self.applicable(jurisdictions)
        overrides: dict[str, dict[str, Any]] = {}
        for pack in packs:
            for target, params in pack.overrides:
                overrides.setdefault(target, {}).update(params)
        out: list[tuple[RulePack, Rule]] = []
        for pack in packs:
            for rule in pack.rules:
                if rule.id in overrides:
                    rule = _with_params(rule, {**rule.params, **overrides[rule.id]})
                out.append((pack, rule))
        return out

    def plan(
        self, jurisdictions: frozenset[str], collector: CollectorKind, channel: Channel
    ) -> Plan:
        """The rules that can apply to this channel for this collector where the consumer is,
        with the label of the pack each comes from; only effective dates remain to be checked."""
        key = (jurisdictions, collector, channel)
        found = self._plans.get(key)
        if found is None:
            from arrears.core.compliance.checks import CHECKS

            found = tuple(
                (pack.label, rule, CHECKS[rule.check].fn)
                for pack, rule in self.rules_for(jurisdictions)
                if collector in rule.collectors and channel in rule.channels
            )
            self._plans[key] = found
        return found

    def constant(self, name: str, jurisdictions: frozenset[str] = frozenset({"US"})) -> Any:
        """A pack constant where the consumer is; a state or client pack's value wins over the
        federal one. Raises PackError when no pack in force defines it."""
        found = [p.constants[name] for p in self.applicable(jurisdictions) if name in p.constants]
        if not found:
            raise PackError(f"no pack in force defines the constant {name!r}")
        return found[-1]

    def rule_ids(self) -> list[str]:
        return [rule.id for pack in self.packs for rule in pack.rules]

    def fee_rules_for(self, jurisdictions: frozenset[str]) -> list[tuple[RulePack, FeeRule]]:
        """Every fee rule of the packs in force where the consumer is, federal first."""
        return [(pack, rule) for pack in self.applicable(jurisdictions) for rule in pack.fees]


def _with_params(rule: Rule, params: dict[str, Any]) -> Rule:
    return replace(rule, params=params)
