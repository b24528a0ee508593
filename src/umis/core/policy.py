"""The policy pack: every country rule UMIS applies, as dated data with its legal reference.

A pack is one TOML file (``src/umis/policy/packs/az.toml`` is the default, Azerbaijan). It has
three parts:

* ``[pack]`` - the country, its time zone, currency, languages and holiday calendar;
* ``[[rule]]`` - one dated *version* of one rule: ``key``, ``value``, ``unit``,
  ``effective_from``, ``legal_ref``, ``description`` (optionally ``effective_to``, ``verify``,
  ``source``). A key written several times with different ``effective_from`` dates is that
  rule's history; :meth:`PolicyPack.rule` returns the version in force on a given day;
* ``[[service]]`` - the e-services catalogue. Services refer to rules by key (fees,
  processing times, refusal grounds); every reference is checked when the pack is loaded.

A rule change is therefore an edit to the data file - add a new dated version, never rewrite an
old one - and not a release. The file format is described for administrators in
``docs/policy-pack.md``.

This module is pure Python (``tomllib``); the only Django touch is :func:`get_policy`, which
reads ``settings.UMIS_POLICY_PACK`` lazily. Loading validates everything and reports *all*
problems at once, each naming the file, the entry (``rule #12 'fees.trp.adult.standard'``,
``service 'work_permit'``) and the reason.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
import threading
import tomllib
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

__all__ = [
    "AUDIENCES",
    "BASE_UNITS",
    "DURATION_UNITS",
    "FeeTier",
    "PolicyKeyError",
    "PolicyPack",
    "PolicyPackError",
    "PolicyProblem",
    "ProcessingTime",
    "RequiredDocument",
    "Rule",
    "Service",
    "default_pack_path",
    "get_policy",
    "load_pack",
    "loads_pack",
    "reset_policy_cache",
    "thaw",
]

# --- vocabulary ---------------------------------------------------------------------------

DURATION_UNITS: Final = frozenset({"days", "working_days", "months", "years"})
"""Units a processing time or any other period may have."""

INTEGER_UNITS: Final = DURATION_UNITS | {"count"}
BASE_UNITS: Final = INTEGER_UNITS | {"percent", "bool", "text", "list"}
"""Every unit except money; the money unit of a pack is its ``[pack] currency`` (e.g. AZN)."""

AUDIENCES: Final = frozenset({"foreigner", "host", "employer", "any"})

PACK_FIELDS: Final = {
    "required": (
        "country",
        "name",
        "version",
        "timezone",
        "currency",
        "languages",
        "holiday_calendar",
    ),
    "optional": ("description",),
}
RULE_FIELDS: Final = {
    "required": ("key", "value", "unit", "effective_from", "legal_ref", "description"),
    "optional": ("effective_to", "verify", "verify_note", "source"),
}
SERVICE_FIELDS: Final = {
    "required": (
        "code",
        "case_prefix",
        "names",
        "who_may_apply",
        "required_documents",
        "legal_basis",
        "online",
        "audience",
    ),
    "optional": ("fee", "fee_tiers", "processing_time", "refusal_grounds", "description"),
}
DOCUMENT_FIELDS: Final = {"required": ("code", "name"), "optional": ("optional",)}
TIER_FIELDS: Final = {
    "required": ("code", "amount"),
    "optional": ("processing", "default_variant"),
}
TOP_LEVEL: Final = ("pack", "rule", "service")

KEY_RE: Final = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
CODE_RE: Final = re.compile(r"^[a-z][a-z0-9_]*$")
PREFIX_RE: Final = re.compile(r"^[A-Z]{2,5}$")
LANG_RE: Final = re.compile(r"^[a-z]{2}$")
ALPHA3_RE: Final = re.compile(r"^[A-Z]{3}$")
HOLIDAY_CODE_RE: Final = re.compile(r"^[A-Z]{2,3}(-[A-Z0-9]{1,3})?$")
TRANSLATED_ITEM_FIELDS: Final = ("text", "name")


# --- errors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with a pack: which entry, where, and why."""

    entry: str
    reason: str
    line: int | None = None

    def render(self, path: str) -> str:
        where = f"{self.entry} (line {self.line})" if self.line else self.entry
        return f"{path}: {where}: {self.reason}"


class PolicyPackError(Exception):
    """A pack that cannot be used, or a question the pack cannot answer.

    ``str(error)`` names the file, the entry and the reason; ``problems`` lists every problem
    found when a pack fails validation (they are all reported at once).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        problems: Sequence[PolicyProblem] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_problems(cls, path: str, problems: Sequence[PolicyProblem]) -> PolicyPackError:
        lines = [p.render(path) for p in problems]
        if len(lines) == 1:
            message = lines[0]
        else:
            message = f"{path}: {len(lines)} problems in the policy pack:\n" + "\n".join(
                f"  - {line}" for line in lines
            )
        return cls(message, path=path, problems=problems)


class PolicyKeyError(PolicyPackError, KeyError):
    """A rule, service, fee tier or variant the pack does not have (or not on that day)."""

    def __init__(self, message: str, *, path: str | None = None, key: str = "") -> None:
        super().__init__(message, path=path)
        self.key = key

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return self.message


# --- data ---------------------------------------------------------------------------------


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain ``dict``/``list`` copy of a rule value (values in a loaded pack are read-only)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def _translated(names: Mapping[str, str], lang: str) -> str:
    for candidate in (lang, "az", "en"):
        text = names.get(candidate)
        if text:
            return text
    return next(iter(names.values()), "")


@dataclass(frozen=True)
class Rule:
    """One version of one rule. ``effective_to`` is the last day it applies (inclusive):
    the day before the next version, an explicit sunset, or ``None`` (open-ended)."""

    key: str
    value: Any = field(hash=False)
    unit: str
    effective_from: date
    legal_ref: str
    description: str
    effective_to: date | None = None
    verify: bool = False
    source: str = ""
    verify_note: str = ""
    number: int = field(default=0, compare=False)
    """Position of the ``[[rule]]`` entry in the file (1-based), for messages."""
    line: int | None = field(default=None, compare=False)

    def applies_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @property
    def variants(self) -> tuple[str, ...]:
        """Keys of a table value (``()`` for a plain value)."""
        return tuple(self.value) if isinstance(self.value, Mapping) else ()

    def pick(self, variant: str | None = None) -> Any:
        """The value for one variant of a table value (a nationality, a permit term, ...).

        A plain value applies to every variant. A table gives ``value[variant]``, else its
        ``default`` entry; with neither, :class:`PolicyKeyError` lists the variants it has.
        """
        if not isinstance(self.value, Mapping):
            return self.value
        if variant is not None and variant in self.value:
            return self.value[variant]
        if "default" in self.value:
            return self.value["default"]
        asked = f"variant '{variant}'" if variant is not None else "a variant"
        raise PolicyKeyError(
            f"rule '{self.key}' (version from {self.effective_from.isoformat()}) needs {asked}: "
            f"it has {', '.join(self.variants)} and no 'default'",
            key=self.key,
        )

    def label(self) -> str:
        return f"rule #{self.number} '{self.key}'"


@dataclass(frozen=True)
class RequiredDocument:
    code: str
    names: Mapping[str, str] = field(hash=False)
    optional: bool = False

    def name(self, lang: str = "az") -> str:
        return _translated(self.names, lang)


@dataclass(frozen=True)
class FeeTier:
    """One way of paying for a service: an amount rule and a processing time.

    ``processing_key`` names a duration rule; ``processing_working_days`` is a literal number
    of working days; with neither, the service's ``processing_time_key`` applies."""

    code: str
    amount_key: str
    processing_key: str | None = None
    processing_working_days: int | None = None
    default_variant: str | None = None


@dataclass(frozen=True)
class Service:
    code: str
    case_prefix: str
    names: Mapping[str, str] = field(hash=False)
    who_may_apply: Mapping[str, str] = field(hash=False)
    required_documents: tuple[RequiredDocument, ...]
    fee_tiers: tuple[FeeTier, ...]
    processing_time_key: str | None
    legal_basis: str
    online: bool
    audience: str
    refusal_grounds_key: str | None = None
    descriptions: Mapping[str, str] = field(default_factory=dict, hash=False)

    def name(self, lang: str = "az") -> str:
        """The name in ``lang``, falling back to Azerbaijani, then English."""
        return _translated(self.names, lang)

    def who(self, lang: str = "az") -> str:
        return _translated(self.who_may_apply, lang)

    def description(self, lang: str = "az") -> str:
        return _translated(self.descriptions, lang) if self.descriptions else ""

    @property
    def default_tier(self) -> FeeTier:
        return self.fee_tiers[0]

    def tier(self, code: str | None = None) -> FeeTier:
        if code is None:
            return self.default_tier
        for tier in self.fee_tiers:
            if tier.code == code:
                return tier
        raise PolicyKeyError(
            f"service '{self.code}' has no fee tier '{code}' "
            f"(it has {', '.join(t.code for t in self.fee_tiers)})",
            key=code,
        )


@dataclass(frozen=True)
class ProcessingTime:
    """How long a service (tier) may take: ``amount`` of ``unit`` (working_days, days, ...).

    ``rule`` is the rule version it came from (``None`` for a literal in the service entry)."""

    amount: int
    unit: str
    rule: Rule | None


class PolicyPack:
    """A loaded, validated pack. Immutable; share it freely (see :func:`get_policy`)."""

    def __init__(
        self,
        *,
        path: str,
        digest: str,
        country: str,
        name: str,
        version: str,
        timezone: str,
        currency: str,
        languages: tuple[str, ...],
        holiday_calendar: str,
        description: str,
        rules: Mapping[str, tuple[Rule, ...]],
        services: tuple[Service, ...],
    ) -> None:
        self.path = path
        self.digest = digest
        """SHA-256 of the file: record it with a decision to know exactly which rules applied."""
        self.country = country
        self.name = name
        self.version = version
        self.timezone = timezone
        self.currency = currency
        self.languages = languages
        self.holiday_calendar = holiday_calendar
        self.description = description
        self._rules = MappingProxyType(dict(rules))
        self.services = services
        self._services = {s.code: s for s in services}

    def __repr__(self) -> str:
        return f"<PolicyPack {self.country} {self.version} ({len(self._rules)} rules, {self.path})>"

    # --- rules ----------------------------------------------------------------------------

    def today(self) -> date:
        """Today in the pack's time zone (the default ``on`` of every lookup)."""
        try:
            return datetime.now(zoneinfo.ZoneInfo(self.timezone)).date()
        except zoneinfo.ZoneInfoNotFoundError:  # no tz database on this machine
            return date.today()

    def keys(self) -> list[str]:
        return sorted(self._rules)

    def __contains__(self, key: object) -> bool:
        return key in self._rules

    def history(self, key: str) -> list[Rule]:
        """Every version of ``key``, oldest first."""
        return list(self._versions(key))

    def rule(self, key: str, *, on: date | None = None) -> Rule:
        """The version of ``key`` in force on ``on`` (default: today in the pack's time zone)."""
        day = on if on is not None else self.today()
        versions = self._versions(key)
        for version in reversed(versions):
            if version.effective_from <= day:
                if version.applies_on(day):
                    return version
                assert version.effective_to is not None
                raise PolicyKeyError(
                    f"{self.path}: rule '{key}' is not in force on {day.isoformat()}: "
                    f"the version from {version.effective_from.isoformat()} ended on "
                    f"{version.effective_to.isoformat()} and no later version applies",
                    path=self.path,
                    key=key,
                )
        raise PolicyKeyError(
            f"{self.path}: rule '{key}' is not in force on {day.isoformat()}: "
            f"its first version applies from {versions[0].effective_from.isoformat()}",
            path=self.path,
            key=key,
        )

    def value(self, key: str, *, on: date | None = None, variant: str | None = None) -> Any:
        """The value of ``key`` on ``on``; for a table value, the entry for ``variant``
        (falling back to ``default``) - see :meth:`Rule.pick`."""
        rule = self.rule(key, on=on)
        return rule.pick(variant) if variant is not None else rule.value

    def amount(self, key: str, *, on: date | None = None, variant: str | None = None) -> Decimal:
        """A money value as :class:`~decimal.Decimal` (``variant`` picks from a table)."""
        rule = self.rule(key, on=on)
        if rule.unit != self.currency:
            raise PolicyKeyError(
                f"{self.path}: rule '{key}' is in '{rule.unit}', not money ({self.currency})",
                path=self.path,
                key=key,
            )
        picked = rule.pick(variant)
        if not isinstance(picked, Decimal):
            raise PolicyKeyError(
                f"{self.path}: rule '{key}' has no single amount for "
                f"{'variant ' + repr(variant) if variant else 'that request'}: {thaw(picked)!r}",
                path=self.path,
                key=key,
            )
        return picked

    def rules_to_verify(self) -> list[Rule]:
        """Rule versions marked ``verify = true`` (the legal department's to-do list)."""
        return [r for key in self.keys() for r in self._rules[key] if r.verify]

    def _versions(self, key: str) -> tuple[Rule, ...]:
        try:
            return self._rules[key]
        except KeyError:
            close = difflib.get_close_matches(key, self._rules.keys(), n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise PolicyKeyError(
                f"{self.path}: the policy pack has no rule '{key}'{hint}",
                path=self.path,
                key=key,
            ) from None

    # --- services -------------------------------------------------------------------------

    def service(self, code: str) -> Service:
        try:
            return self._services[code]
        except KeyError:
            close = difflib.get_close_matches(code, self._services.keys(), n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise PolicyKeyError(
                f"{self.path}: the policy pack has no service '{code}'{hint}",
                path=self.path,
                key=code,
            ) from None

    def service_by_prefix(self, case_prefix: str) -> Service:
        for service in self.services:
            if service.case_prefix == case_prefix:
                return service
        raise PolicyKeyError(
            f"{self.path}: no service has the case prefix '{case_prefix}'",
            path=self.path,
            key=case_prefix,
        )

    def fee_for(
        self,
        service_code: str,
        tier_code: str | None = None,
        *,
        on: date | None = None,
        variant: str | None = None,
    ) -> tuple[Decimal, Rule]:
        """The fee for one tier of a service, with the rule version (and so the legal
        reference) it comes from. ``variant`` picks from a fee table (e.g. a permit term
        ``"1y"``); without it the tier's ``default_variant`` applies."""
        service = self.service(service_code)
        tier = service.tier(tier_code)
        rule = self.rule(tier.amount_key, on=on)
        chosen = variant if variant is not None else tier.default_variant
        try:
            amount = rule.pick(chosen)
        except PolicyKeyError as exc:
            raise PolicyKeyError(
                f"{self.path}: service '{service.code}' tier '{tier.code}': {exc}",
                path=self.path,
                key=tier.amount_key,
            ) from None
        if not isinstance(amount, Decimal):  # a range [min, max] is not a fee
            raise PolicyKeyError(
                f"{self.path}: service '{service.code}' tier '{tier.code}': rule "
                f"'{rule.key}' gives {thaw(amount)!r}, not a single amount",
                path=self.path,
                key=tier.amount_key,
            )
        return amount, rule

    def processing_time(
        self, service_code: str, tier_code: str | None = None, *, on: date | None = None
    ) -> ProcessingTime:
        """The processing time of a service tier (default tier when ``tier_code`` is None)."""
        service = self.service(service_code)
        tier = service.tier(tier_code)
        if tier.processing_working_days is not None:
            return ProcessingTime(tier.processing_working_days, "working_days", None)
        key = tier.processing_key or service.processing_time_key
        if key is None:
            raise PolicyKeyError(
                f"{self.path}: service '{service.code}' tier '{tier.code}' has no processing time",
                path=self.path,
                key=service.code,
            )
        rule = self.rule(key, on=on)
        value = rule.value if isinstance(rule.value, int) else rule.pick(None)
        return ProcessingTime(int(value), rule.unit, rule)


# --- loading ------------------------------------------------------------------------------


def default_pack_path() -> Path:
    """The Azerbaijan pack shipped with UMIS."""
    return Path(str(resources.files("umis.policy").joinpath("packs").joinpath("az.toml")))


def load_pack(path: str | Path) -> PolicyPack:
    """Read and validate a pack file; raises :class:`PolicyPackError` listing every problem."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyPackError(
            f"{name}: cannot read the policy pack: {exc.strerror or exc}", path=name
        ) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyPackError(
            f"{name}: the policy pack is not UTF-8 text (byte {exc.start})", path=name
        ) from exc
    return loads_pack(text, source=name)


def loads_pack(text: str, *, source: str = "<string>") -> PolicyPack:
    """Validate a pack given as TOML text (``source`` names it in messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyPackError(f"{source}: TOML syntax error: {exc}", path=source) from exc
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _Builder(source, data, text, digest).build()


_MISSING: Final = object()


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "date-time"
    if isinstance(value, date):
        return "date"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _header_lines(text: str, table: str) -> list[int]:
    pattern = re.compile(rf"^\s*\[\[\s*{table}\s*\]\]", re.MULTILINE)
    return [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]


class _Builder:
    """Validates the parsed TOML and builds a :class:`PolicyPack` (or collects problems)."""

    def __init__(self, path: str, data: dict[str, Any], text: str, digest: str) -> None:
        self.path = path
        self.data = data
        self.digest = digest
        self.problems: list[PolicyProblem] = []
        self.rule_lines = _header_lines(text, "rule")
        self.service_lines = _header_lines(text, "service")
        self.currency = "AZN"
        self.languages: tuple[str, ...] = ("az", "en", "ru")

    def problem(self, entry: str, reason: str, line: int | None = None) -> None:
        self.problems.append(PolicyProblem(entry, reason, line))

    # --- the whole file -------------------------------------------------------------------

    def build(self) -> PolicyPack:
        for name in self.data:
            if name not in TOP_LEVEL:
                self.problem(
                    "file",
                    f"unknown top-level entry '{name}' (expected {', '.join(TOP_LEVEL)})",
                )
        pack = self.pack_header()
        rules = self.rules()
        services = self.services(rules)
        if self.problems:
            raise PolicyPackError.from_problems(self.path, self.problems)
        return PolicyPack(
            path=self.path,
            digest=self.digest,
            rules=rules,
            services=services,
            **pack,
        )

    def fields(
        self,
        entry: str,
        table: Mapping[str, Any],
        spec: Mapping[str, Sequence[str]],
        line: int | None,
    ) -> bool:
        known = set(spec["required"]) | set(spec["optional"])
        ok = True
        for name in spec["required"]:
            if name not in table:
                self.problem(entry, f"missing required field '{name}'", line)
                ok = False
        for name in table:
            if name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.problem(entry, f"unknown field '{name}'{hint}", line)
                ok = False
        return ok

    def text_field(
        self,
        entry: str,
        table: Mapping[str, Any],
        name: str,
        line: int | None = None,
        *,
        required: bool = True,
    ) -> str:
        value = table.get(name, _MISSING)
        if value is _MISSING:
            return ""
        if not isinstance(value, str):
            self.problem(entry, f"'{name}' must be a string, got {_type_name(value)}", line)
            return ""
        if required and not value.strip():
            self.problem(entry, f"'{name}' must not be empty", line)
        return value.strip()

    def translations(
        self, entry: str, value: Any, what: str, line: int | None = None
    ) -> Mapping[str, str]:
        if not isinstance(value, dict):
            self.problem(
                entry,
                f"'{what}' must be a table of translations "
                f"{{{', '.join(self.languages)}}}, got {_type_name(value)}",
                line,
            )
            return MappingProxyType({})
        for lang in self.languages:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.problem(entry, f"'{what}' is missing the '{lang}' translation", line)
        for lang in value:
            if lang not in self.languages:
                self.problem(
                    entry,
                    f"'{what}' has unknown language '{lang}' "
                    f"(the pack declares {', '.join(self.languages)})",
                    line,
                )
        return MappingProxyType(
            {k: v.strip() for k, v in value.items() if isinstance(v, str) and v.strip()}
        )

    # --- [pack] -----------------------------------------------------------------------------

    def pack_header(self) -> dict[str, Any]:
        entry = "[pack]"
        header = self.data.get("pack")
        result: dict[str, Any] = {
            "country": "",
            "name": "",
            "version": "",
            "timezone": "UTC",
            "currency": "AZN",
            "languages": self.languages,
            "holiday_calendar": "",
            "description": "",
        }
        if not isinstance(header, dict):
            self.problem(entry, "the file must start with a [pack] table")
            return result
        self.fields(entry, header, PACK_FIELDS, None)
        for name in ("country", "name", "version", "timezone", "currency", "holiday_calendar"):
            result[name] = self.text_field(entry, header, name)
        result["description"] = self.text_field(entry, header, "description", required=False)
        if result["country"] and not ALPHA3_RE.match(result["country"]):
            self.problem(
                entry,
                f"country must be an ISO 3166-1 alpha-3 code such as 'AZE', "
                f"got {result['country']!r}",
            )
        if result["currency"] and not ALPHA3_RE.match(result["currency"]):
            self.problem(
                entry,
                f"currency must be an ISO 4217 code such as 'AZN', got {result['currency']!r}",
            )
        elif result["currency"]:
            self.currency = result["currency"]
            if self.currency in BASE_UNITS:
                self.problem(entry, f"currency {self.currency!r} clashes with a unit name")
        if result["holiday_calendar"] and not HOLIDAY_CODE_RE.match(result["holiday_calendar"]):
            self.problem(
                entry,
                "holiday_calendar must be a `holidays` country code such as "
                f"'AZ', got {result['holiday_calendar']!r}",
            )
        timezone = result["timezone"]
        if timezone:
            available = zoneinfo.available_timezones()
            if available and timezone not in available:
                self.problem(
                    entry, f"unknown time zone {timezone!r} (use an IANA name such as 'Asia/Baku')"
                )
        languages = header.get("languages", _MISSING)
        if languages is not _MISSING:
            if (
                not isinstance(languages, list)
                or not languages
                or not all(isinstance(x, str) and LANG_RE.match(x) for x in languages)
            ):
                self.problem(
                    entry,
                    "languages must be a non-empty list of two-letter codes "
                    f'such as ["az", "en", "ru"], got {_show(languages)}',
                )
            elif len(set(languages)) != len(languages):
                self.problem(entry, "languages lists a language twice")
            else:
                self.languages = tuple(languages)
                result["languages"] = self.languages
        return result

    # --- [[rule]] ---------------------------------------------------------------------------

    def rules(self) -> dict[str, tuple[Rule, ...]]:
        raw = self.data.get("rule", [])
        if not isinstance(raw, list):
            self.problem("file", "'rule' must be an array of tables: write each as [[rule]]")
            return {}
        lines = self.rule_lines if len(self.rule_lines) == len(raw) else []
        by_key: dict[str, list[Rule]] = {}
        explicit_end: set[int] = set()
        for index, table in enumerate(raw, start=1):
            line = lines[index - 1] if lines else None
            rule = self.rule_entry(index, table, line)
            if rule is None:
                continue
            if isinstance(table, dict) and "effective_to" in table:
                explicit_end.add(index)
            by_key.setdefault(rule.key, []).append(rule)
        result: dict[str, tuple[Rule, ...]] = {}
        for key, versions in by_key.items():
            result[key] = self.history(key, versions, explicit_end)
        return result

    def rule_entry(self, index: int, table: Any, line: int | None) -> Rule | None:
        if not isinstance(table, dict):
            self.problem(f"rule #{index}", f"must be a table, got {_type_name(table)}", line)
            return None
        key = table.get("key")
        entry = f"rule #{index} '{key}'" if isinstance(key, str) else f"rule #{index}"
        before = len(self.problems)
        self.fields(entry, table, RULE_FIELDS, line)
        if isinstance(key, str) and not KEY_RE.match(key):
            self.problem(
                entry,
                "key must be lower-case dotted words such as 'stays.registration.deadline_days'",
                line,
            )
        elif key is not None and not isinstance(key, str):
            self.problem(entry, f"key must be a string, got {_type_name(key)}", line)
        unit = table.get("unit")
        if unit is not None and (not isinstance(unit, str) or not self.known_unit(unit)):
            units = ", ".join(sorted(BASE_UNITS | {self.currency}))
            self.problem(entry, f"unknown unit {_show(unit)} (expected one of {units})", line)
            unit = None
        start = self.date_field(entry, table, "effective_from", line)
        end = self.date_field(entry, table, "effective_to", line)
        if start and end and end < start:
            self.problem(
                entry,
                f"effective_to {end.isoformat()} is before effective_from {start.isoformat()}",
                line,
            )
        legal_ref = self.text_field(entry, table, "legal_ref", line)
        description = self.text_field(entry, table, "description", line)
        source = self.text_field(entry, table, "source", line, required=False)
        verify = table.get("verify", False)
        if not isinstance(verify, bool):
            self.problem(entry, f"verify must be true or false, got {_show(verify)}", line)
            verify = False
        verify_note = self.text_field(entry, table, "verify_note", line)
        if verify_note and not verify:
            self.problem(entry, "verify_note is only meaningful with verify = true", line)
        value: Any = _MISSING
        if "value" in table and isinstance(unit, str):
            value = self.check_value(entry, table["value"], unit, line)
        if len(self.problems) > before or value is _MISSING or start is None:
            return None
        assert isinstance(key, str) and isinstance(unit, str)
        return Rule(
            key=key,
            value=_freeze(value),
            unit=unit,
            effective_from=start,
            legal_ref=legal_ref,
            description=description,
            effective_to=end,
            verify=verify,
            source=source,
            verify_note=verify_note,
            number=index,
            line=line,
        )

    def known_unit(self, unit: str) -> bool:
        return unit in BASE_UNITS or unit == self.currency

    def date_field(
        self, entry: str, table: Mapping[str, Any], name: str, line: int | None
    ) -> date | None:
        value = table.get(name, _MISSING)
        if value is _MISSING:
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            hint = (
                f" (write {name} = {value} without quotes)"
                if re.match(r"^\d{4}-\d{2}-\d{2}$", value)
                else ""
            )
            self.problem(
                entry,
                f"{name} must be a TOML date such as 2013-08-01, got string {value!r}{hint}",
                line,
            )
        else:
            self.problem(
                entry,
                f"{name} must be a TOML date such as 2013-08-01, "
                f"got {_type_name(value)} {_show(value)}",
                line,
            )
        return None

    def history(self, key: str, versions: list[Rule], explicit_end: set[int]) -> tuple[Rule, ...]:
        versions.sort(key=lambda r: r.effective_from)
        first = versions[0]
        for rule in versions[1:]:
            if rule.unit != first.unit:
                self.problem(
                    rule.label(),
                    f"unit '{rule.unit}' differs from '{first.unit}' in {first.label()} "
                    "(all versions of a key share one unit)",
                    rule.line,
                )
        chained: list[Rule] = []
        for position, rule in enumerate(versions):
            following = versions[position + 1] if position + 1 < len(versions) else None
            if following is not None and following.effective_from == rule.effective_from:
                self.problem(
                    following.label(),
                    f"duplicate version: {rule.label()} already applies from "
                    f"{rule.effective_from.isoformat()} (add a version with a later "
                    "effective_from instead)",
                    following.line,
                )
                continue
            end = rule.effective_to
            if following is not None:
                day_before = following.effective_from - timedelta(days=1)
                if rule.number in explicit_end and end is not None and end > day_before:
                    self.problem(
                        rule.label(),
                        f"effective_to {end.isoformat()} overlaps {following.label()}, which "
                        f"applies from {following.effective_from.isoformat()}",
                        rule.line,
                    )
                if end is None or end > day_before:
                    end = day_before
            chained.append(rule if end == rule.effective_to else replace(rule, effective_to=end))
        return tuple(chained)

    # --- values -----------------------------------------------------------------------------

    def check_value(self, entry: str, value: Any, unit: str, line: int | None) -> Any:
        """The value converted for its unit (money to Decimal), or ``_MISSING`` if invalid."""
        if unit == "list":
            return self.check_list(entry, value, line)
        if unit == "bool":
            if isinstance(value, bool):
                return value
            self.problem(
                entry,
                f"unit 'bool' needs true or false, got {_type_name(value)} {_show(value)}",
                line,
            )
            return _MISSING
        if isinstance(value, dict):
            if not value:
                self.problem(entry, "a table value must not be empty", line)
                return _MISSING
            result = {}
            for variant, item in value.items():
                checked = self.check_scalar(entry, item, unit, line, variant=variant)
                if checked is _MISSING:
                    return _MISSING
                result[variant] = checked
            return result
        if isinstance(value, list) and unit in INTEGER_UNITS:
            if not value:
                self.problem(entry, "a list of options must not be empty", line)
                return _MISSING
            options = [self.check_scalar(entry, item, unit, line) for item in value]
            return _MISSING if _MISSING in options else options
        return self.check_scalar(entry, value, unit, line)

    def check_scalar(
        self, entry: str, value: Any, unit: str, line: int | None, *, variant: str | None = None
    ) -> Any:
        where = f" (variant '{variant}')" if variant is not None else ""
        got = f"got {_type_name(value)} {_show(value)}"
        if unit in INTEGER_UNITS:
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return value
            what = (
                "a non-negative whole number of " + unit
                if unit != "count"
                else ("a non-negative whole number")
            )
            self.problem(entry, f"unit '{unit}' needs {what}{where}, {got}", line)
            return _MISSING
        if unit == self.currency:
            if isinstance(value, list):
                if len(value) == 2:
                    low = self.money(value[0])
                    high = self.money(value[1])
                    if low is not None and high is not None and low <= high:
                        return (low, high)
                self.problem(
                    entry,
                    f"unit '{unit}' range must be [min, max] with 0 <= min <= max{where}, {got}",
                    line,
                )
                return _MISSING
            amount = self.money(value)
            if amount is None:
                self.problem(
                    entry,
                    f"unit '{unit}' needs a non-negative amount (a number, or a "
                    f"[min, max] range){where}, {got}",
                    line,
                )
                return _MISSING
            return amount
        if unit == "percent":
            amount = self.money(value)
            if amount is None or amount > 100:
                self.problem(
                    entry, f"unit 'percent' needs a number from 0 to 100{where}, {got}", line
                )
                return _MISSING
            return amount
        if unit == "text":
            if isinstance(value, str) and value.strip():
                return value
            self.problem(entry, f"unit 'text' needs a non-empty string{where}, {got}", line)
            return _MISSING
        self.problem(entry, f"unit '{unit}' cannot hold {_type_name(value)}{where}", line)
        return _MISSING

    @staticmethod
    def money(value: Any) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        if isinstance(value, float) and not math.isfinite(value):
            return None
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        if not amount.is_finite() or amount < 0:
            return None
        return amount

    def check_list(self, entry: str, value: Any, line: int | None) -> Any:
        if not isinstance(value, list):
            self.problem(entry, f"unit 'list' needs an array, got {_type_name(value)}", line)
            return _MISSING
        before = len(self.problems)
        codes: set[str] = set()
        for position, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                continue
            where = f"item #{position}"
            code = item.get("code", _MISSING)
            if code is not _MISSING:
                if not isinstance(code, str) or not code.strip():
                    self.problem(entry, f"{where}: code must be a non-empty string", line)
                elif code in codes:
                    self.problem(entry, f"{where}: duplicate code '{code}'", line)
                else:
                    codes.add(code)
                    where = f"item '{code}'"
            for name in TRANSLATED_ITEM_FIELDS:
                if name in item:
                    self.translations(f"{entry} {where}", item[name], name, line)
            if "legal_ref" in item and (
                not isinstance(item["legal_ref"], str) or not item["legal_ref"].strip()
            ):
                self.problem(entry, f"{where}: legal_ref must be a non-empty string", line)
        return value if len(self.problems) == before else _MISSING

    # --- [[service]] ------------------------------------------------------------------------

    def services(self, rules: Mapping[str, tuple[Rule, ...]]) -> tuple[Service, ...]:
        raw = self.data.get("service", [])
        if not isinstance(raw, list):
            self.problem("file", "'service' must be an array of tables: write each as [[service]]")
            return ()
        lines = self.service_lines if len(self.service_lines) == len(raw) else []
        services: list[Service] = []
        by_code: dict[str, str] = {}
        by_prefix: dict[str, str] = {}
        for index, table in enumerate(raw, start=1):
            line = lines[index - 1] if lines else None
            service = self.service_entry(index, table, rules, line)
            if service is None:
                continue
            entry = f"service '{service.code}'"
            if service.code in by_code:
                self.problem(entry, f"duplicate service code (also {by_code[service.code]})", line)
            if service.case_prefix in by_prefix:
                self.problem(
                    entry,
                    f"case prefix '{service.case_prefix}' is already used by "
                    f"{by_prefix[service.case_prefix]}",
                    line,
                )
            by_code.setdefault(service.code, f"service #{index}")
            by_prefix.setdefault(service.case_prefix, entry)
            services.append(service)
        return tuple(services)

    def service_entry(
        self, index: int, table: Any, rules: Mapping[str, tuple[Rule, ...]], line: int | None
    ) -> Service | None:
        if not isinstance(table, dict):
            self.problem(f"service #{index}", f"must be a table, got {_type_name(table)}", line)
            return None
        code = table.get("code")
        entry = f"service '{code}'" if isinstance(code, str) else f"service #{index}"
        before = len(self.problems)
        self.fields(entry, table, SERVICE_FIELDS, line)
        if isinstance(code, str) and not CODE_RE.match(code):
            self.problem(entry, "code must be lower-case snake_case such as 'work_permit'", line)
        elif code is not None and not isinstance(code, str):
            self.problem(entry, f"code must be a string, got {_type_name(code)}", line)
        prefix = table.get("case_prefix")
        if prefix is not None and (not isinstance(prefix, str) or not PREFIX_RE.match(prefix)):
            self.problem(
                entry,
                f"case_prefix must be 2-5 capital letters such as 'TRP', got {_show(prefix)}",
                line,
            )
        names = (
            self.translations(entry, table.get("names", {}), "names", line)
            if ("names" in table)
            else MappingProxyType({})
        )
        who = (
            self.translations(entry, table["who_may_apply"], "who_may_apply", line)
            if ("who_may_apply" in table)
            else MappingProxyType({})
        )
        descriptions: Mapping[str, str] = MappingProxyType({})
        if "description" in table:
            descriptions = self.translations(entry, table["description"], "description", line)
        legal_basis = self.text_field(entry, table, "legal_basis", line)
        online = table.get("online", False)
        if not isinstance(online, bool):
            self.problem(entry, f"online must be true or false, got {_show(online)}", line)
        audience = table.get("audience")
        if audience is not None and audience not in AUDIENCES:
            self.problem(
                entry,
                f"audience must be one of {', '.join(sorted(AUDIENCES))}, got {_show(audience)}",
                line,
            )
        documents = self.documents(entry, table.get("required_documents", []), line)
        processing_key = self.reference(
            entry,
            table.get("processing_time"),
            "processing_time",
            rules,
            line,
            units=DURATION_UNITS,
        )
        refusal_key = self.reference(
            entry, table.get("refusal_grounds"), "refusal_grounds", rules, line, units={"list"}
        )
        tiers = self.tiers(entry, table, rules, processing_key, line)
        if len(self.problems) > before:
            return None
        assert isinstance(code, str) and isinstance(prefix, str) and isinstance(audience, str)
        return Service(
            code=code,
            case_prefix=prefix,
            names=names,
            who_may_apply=who,
            required_documents=documents,
            fee_tiers=tiers,
            processing_time_key=processing_key,
            legal_basis=legal_basis,
            online=bool(online),
            audience=audience,
            refusal_grounds_key=refusal_key,
            descriptions=descriptions,
        )

    def reference(
        self,
        entry: str,
        key: Any,
        what: str,
        rules: Mapping[str, tuple[Rule, ...]],
        line: int | None,
        *,
        units: Iterable[str],
    ) -> str | None:
        if key is None:
            return None
        if not isinstance(key, str):
            self.problem(
                entry, f"'{what}' must be a rule key (a string), got {_type_name(key)}", line
            )
            return None
        if key not in rules:
            if any(p.entry.startswith("rule") and f"'{key}'" in p.entry for p in self.problems):
                reason = f"'{what}' refers to rule '{key}', which has errors of its own"
            else:
                close = difflib.get_close_matches(key, rules.keys(), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                reason = f"'{what}' refers to missing rule '{key}'{hint}"
            self.problem(entry, reason, line)
            return None
        allowed = set(units)
        unit = rules[key][0].unit
        if unit not in allowed:
            expected = " or ".join(sorted(allowed))
            self.problem(
                entry, f"'{what}' refers to rule '{key}' in '{unit}', expected {expected}", line
            )
            return None
        if allowed <= DURATION_UNITS:
            for rule in rules[key]:
                value = rule.value
                if isinstance(value, Mapping):
                    value = value.get("default")
                if not isinstance(value, int):
                    self.problem(
                        entry,
                        f"'{what}' refers to rule '{key}', whose version from "
                        f"{rule.effective_from.isoformat()} is not a single "
                        "period (give one number, or a table with 'default')",
                        line,
                    )
                    return None
        return key

    def documents(self, entry: str, raw: Any, line: int | None) -> tuple[RequiredDocument, ...]:
        if not isinstance(raw, list):
            self.problem(
                entry,
                "required_documents must be an array of tables ([[service.required_documents]])",
                line,
            )
            return ()
        documents: list[RequiredDocument] = []
        seen: set[str] = set()
        for position, item in enumerate(raw, start=1):
            where = f"{entry} document #{position}"
            if not isinstance(item, dict):
                self.problem(where, f"must be a table, got {_type_name(item)}", line)
                continue
            code = item.get("code")
            if isinstance(code, str):
                where = f"{entry} document '{code}'"
            if not self.fields(where, item, DOCUMENT_FIELDS, line):
                continue
            if not isinstance(code, str) or not CODE_RE.match(code):
                self.problem(where, "code must be lower-case snake_case", line)
                continue
            if code in seen:
                self.problem(where, "duplicate document code", line)
            seen.add(code)
            optional = item.get("optional", False)
            if not isinstance(optional, bool):
                self.problem(where, "optional must be true or false", line)
                optional = False
            names = self.translations(where, item["name"], "name", line)
            documents.append(RequiredDocument(code=code, names=names, optional=optional))
        return tuple(documents)

    def tiers(
        self,
        entry: str,
        table: Mapping[str, Any],
        rules: Mapping[str, tuple[Rule, ...]],
        processing_key: str | None,
        line: int | None,
    ) -> tuple[FeeTier, ...]:
        money = {self.currency}
        if "fee" in table and "fee_tiers" in table:
            self.problem(entry, "give either 'fee' (one rule key) or 'fee_tiers', not both", line)
            return ()
        if "fee" in table:
            key = self.reference(entry, table["fee"], "fee", rules, line, units=money)
            if key is None:
                return ()
            tier = FeeTier(code="standard", amount_key=key)
            self.check_variants(entry, tier, rules, line)
            if processing_key is None:
                self.problem(entry, "has no processing time: add 'processing_time'", line)
            return (tier,)
        raw = table.get("fee_tiers")
        if raw is None:
            self.problem(
                entry,
                "missing 'fee' or 'fee_tiers' (a free service points 'fee' at "
                "a rule whose value is 0)",
                line,
            )
            return ()
        if not isinstance(raw, list) or not raw:
            self.problem(
                entry, "fee_tiers must be a non-empty array of tables ([[service.fee_tiers]])", line
            )
            return ()
        tiers: list[FeeTier] = []
        seen: set[str] = set()
        for position, item in enumerate(raw, start=1):
            where = f"{entry} fee tier #{position}"
            if not isinstance(item, dict):
                self.problem(where, f"must be a table, got {_type_name(item)}", line)
                continue
            code = item.get("code")
            if isinstance(code, str):
                where = f"{entry} fee tier '{code}'"
            if not self.fields(where, item, TIER_FIELDS, line):
                continue
            if not isinstance(code, str) or not CODE_RE.match(code):
                self.problem(where, "code must be lower-case snake_case", line)
                continue
            if code in seen:
                self.problem(where, "duplicate fee tier code", line)
            seen.add(code)
            amount_key = self.reference(where, item["amount"], "amount", rules, line, units=money)
            processing = item.get("processing")
            processing_tier_key: str | None = None
            processing_days: int | None = None
            if isinstance(processing, int) and not isinstance(processing, bool):
                if processing < 0:
                    self.problem(where, "processing must not be negative", line)
                processing_days = processing
            elif processing is not None:
                processing_tier_key = self.reference(
                    where, processing, "processing", rules, line, units=DURATION_UNITS
                )
            elif processing_key is None:
                self.problem(
                    where,
                    "has no processing time: give 'processing' (a rule key or "
                    "a number of working days) or the service's "
                    "'processing_time'",
                    line,
                )
            default_variant = item.get("default_variant")
            if default_variant is not None and not isinstance(default_variant, str):
                self.problem(where, "default_variant must be a string", line)
                default_variant = None
            if amount_key is None:
                continue
            tier = FeeTier(
                code=code,
                amount_key=amount_key,
                processing_key=processing_tier_key,
                processing_working_days=processing_days,
                default_variant=default_variant,
            )
            self.check_variants(where, tier, rules, line)
            tiers.append(tier)
        return tuple(tiers)

    def check_variants(
        self, entry: str, tier: FeeTier, rules: Mapping[str, tuple[Rule, ...]], line: int | None
    ) -> None:
        """Every version of a tiered fee table must resolve without an explicit variant."""
        for rule in rules[tier.amount_key]:
            if not isinstance(rule.value, Mapping):
                if isinstance(rule.value, tuple):
                    self.problem(
                        entry,
                        f"fee rule '{rule.key}' (version from "
                        f"{rule.effective_from.isoformat()}) is a range, not "
                        "an amount",
                        line,
                    )
                continue
            if tier.default_variant is None:
                if "default" not in rule.value:
                    self.problem(
                        entry,
                        f"fee rule '{rule.key}' is a table "
                        f"({', '.join(rule.value)}): give default_variant",
                        line,
                    )
                    return
            elif tier.default_variant not in rule.value and "default" not in rule.value:
                self.problem(
                    entry,
                    f"default_variant '{tier.default_variant}' is not in fee "
                    f"rule '{rule.key}' (version from "
                    f"{rule.effective_from.isoformat()} has "
                    f"{', '.join(rule.value)})",
                    line,
                )
                return


# --- the process-wide pack ------------------------------------------------------------------

_lock = threading.Lock()
_cached: PolicyPack | None = None


def _configured_path() -> Path:
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:  # pragma: no cover - Django is a dependency
        return default_pack_path()
    try:
        configured = getattr(settings, "UMIS_POLICY_PACK", None)
    except ImproperlyConfigured:  # no settings at all (scripts, Django-free tests)
        configured = None
    return Path(configured) if configured else default_pack_path()


def get_policy() -> PolicyPack:
    """The pack named by ``settings.UMIS_POLICY_PACK`` (default: the packaged az.toml),
    loaded once per process."""
    global _cached
    pack = _cached
    if pack is not None:
        return pack
    with _lock:
        if _cached is None:
            _cached = load_pack(_configured_path())
        return _cached


def reset_policy_cache() -> None:
    """Forget the loaded pack (tests; or after an administrator changed the file)."""
    global _cached
    with _lock:
        _cached = None
