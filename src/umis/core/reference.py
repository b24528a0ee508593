"""Shared reference data: countries, regions, cities, offices, crossing points, document types.

The data ships with the code: JSON files in ``umis/core/reference/`` (package data) and,
for countries, ISO 3166-1 from ``pycountry`` with its Azerbaijani and Russian translations,
plus the ICAO Doc 9303 codes that are not countries (stateless, refugee, UN, ...).

``reference_load`` is idempotent and safe to run at every deployment: it creates the rows
that are missing and, by default, leaves existing rows alone so that administrators' edits
(made in the admin, audited through ``reference_save``) survive. ``update=True`` brings the
existing rows back in line with the files (names and descriptive fields; never
``is_active``, which is the administrators' switch).
"""

from __future__ import annotations

import gettext
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import pycountry
from django.db import models, transaction

from umis.core.audit import audit_record, diff, snapshot
from umis.core.constants import AuditAction
from umis.core.icao_codes import ICAO_SPECIAL
from umis.core.models import AuditEntry, City, Country, CrossingPoint, Office, Region, User

DATA_DIR = Path(__file__).resolve().with_name("reference")
LANGUAGES = ("az", "en", "ru")

# Azerbaijani and Russian names where pycountry's translation is missing, still English, or
# not the form used in Azerbaijan. Everything else comes from the iso3166-1 catalogues.
_NAME_OVERRIDES: dict[str, dict[str, str]] = {
    "az": {
        "ALA": "Aland adaları",
        "ATF": "Fransanın Cənub əraziləri",
        "BFA": "Burkina-Faso",
        "COD": "Konqo Demokratik Respublikası",
        "CPV": "Kabo-Verde",
        "CZE": "Çexiya",
        "FSM": "Mikroneziya",
        "GBR": "Birləşmiş Krallıq",
        "GIB": "Cəbəllütariq",
        "IMN": "Men adası",
        "IRN": "İran",
        "KEN": "Keniya",
        "KNA": "Sent-Kits və Nevis",
        "KOR": "Cənubi Koreya",
        "LAO": "Laos",
        "LBY": "Liviya",
        "LCA": "Sent-Lüsiya",
        "MDA": "Moldova",
        "MDV": "Maldiv",
        "MKD": "Şimali Makedoniya",
        "MMR": "Myanma",
        "MNE": "Monteneqro",
        "MUS": "Mavriki",
        "PRK": "Şimali Koreya",
        "PSE": "Fələstin",
        "ROU": "Rumıniya",
        "SAU": "Səudiyyə Ərəbistanı",
        "SMR": "San-Marino",
        "SRB": "Serbiya",
        "SSD": "Cənubi Sudan",
        "SWZ": "Esvatini",
        "SYR": "Suriya",
        "TLS": "Şərqi Timor",
        "TZA": "Tanzaniya",
        "USA": "Amerika Birləşmiş Ştatları",
        "VAT": "Vatikan",
        "VCT": "Sent-Vinsent və Qrenadinlər",
        "VEN": "Venesuela",
        "VNM": "Vyetnam",
    },
    "ru": {
        "CAF": "Центральноафриканская Республика",
        "DOM": "Доминиканская Республика",
        "GBR": "Великобритания",
        "MDA": "Молдова",
        "USA": "Соединённые Штаты Америки",
    },
}

_NAMES = ("name_az", "name_en", "name_ru")


class _Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


# --- Reading the sources ------------------------------------------------------------------


def _read(name: str) -> list[dict[str, Any]]:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        rows = json.load(fh)
    if not isinstance(rows, list):
        raise ValueError(f"{name}: expected a JSON list")
    return rows


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def _translated(lang: str, msgids: Iterable[str]) -> str | None:
    catalogue = _catalogue(lang)
    for msgid in msgids:
        text = catalogue.gettext(msgid)
        if text != msgid:
            return text
    return None


def country_rows() -> list[dict[str, Any]]:
    """Every ISO 3166-1 country from pycountry plus the ICAO special codes."""
    rows: list[dict[str, Any]] = []
    for country in pycountry.countries:
        alpha3 = country.alpha_3
        common = getattr(country, "common_name", None)
        name_en = common or country.name
        msgids = [m for m in (common, country.name) if m]
        row = {
            "alpha3": alpha3,
            "alpha2": country.alpha_2,
            "numeric": getattr(country, "numeric", "") or "",
            "is_icao_special": False,
            "name_en": name_en,
        }
        for lang in ("az", "ru"):
            row[f"name_{lang}"] = (
                _NAME_OVERRIDES[lang].get(alpha3) or _translated(lang, msgids) or name_en
            )
        rows.append(row)
    known = {row["alpha3"] for row in rows}
    for alpha3, name_az, name_en, name_ru in ICAO_SPECIAL:
        if alpha3 in known:  # should pycountry ever adopt one of them
            continue
        rows.append(
            {
                "alpha3": alpha3,
                "alpha2": "",
                "numeric": "",
                "is_icao_special": True,
                "name_az": name_az,
                "name_en": name_en,
                "name_ru": name_ru,
            }
        )
    return rows


# --- Loading --------------------------------------------------------------------------------


def _names(row: Mapping[str, Any], source: str) -> dict[str, str]:
    out = {}
    for field in _NAMES:
        value = str(row.get(field) or "").strip()
        if not value:
            raise ValueError(f"{source}: {row.get('code') or row.get('alpha3')!r} has no {field}")
        out[field] = value
    return out


def _lookup(mapping: Mapping[str, Any], code: str | None, what: str, source: str) -> Any:
    if code is None:
        return None
    try:
        return mapping[code]
    except KeyError:
        raise ValueError(f"{source}: unknown {what} {code!r}") from None


def _sync(
    model: type[models.Model],
    key: str,
    rows: list[dict[str, Any]],
    *,
    update: bool,
) -> tuple[int, int]:
    """Create missing rows; with ``update`` also rewrite the file's fields of existing ones.
    Returns (created, updated)."""
    existing = {getattr(obj, key): obj for obj in model._default_manager.all()}
    to_create = []
    to_update = []
    fields: set[str] = set()
    seen: set[str] = set()
    for row in rows:
        code = row[key]
        if code in seen:
            raise ValueError(f"{model._meta.label}: {key} {code!r} appears twice")
        seen.add(code)
        obj = existing.get(code)
        if obj is None:
            to_create.append(model(**row))
            continue
        if not update:
            continue
        changed = False
        for field, value in row.items():
            if field == key:
                continue
            attname = getattr(model._meta.get_field(field), "attname", field)
            current = getattr(obj, attname)
            new = value.pk if isinstance(value, models.Model) else value
            if current != new:
                setattr(obj, field, value)
                fields.add(field)
                changed = True
        if changed:
            to_update.append(obj)
    if to_create:
        for obj in to_create:
            obj.full_clean(validate_unique=False, validate_constraints=False)
        model._default_manager.bulk_create(to_create, batch_size=500)
    if to_update:
        model._default_manager.bulk_update(to_update, sorted(fields), batch_size=500)
    return len(to_create), len(to_update)


def reference_load(*, update: bool = False, stdout: _Writer | None = None) -> dict[str, int]:
    """Load (or, with ``update``, refresh) all reference tables in one transaction.

    Returns ``{"<table>_created": n, "<table>_updated": m, ...}``. One audit entry
    (reference_change, object_type "reference") records the counts when anything changed;
    a run that changes nothing writes nothing.
    """
    from umis.registry.models import DocumentType

    countries = country_rows()
    region_rows = _read("regions.json")
    city_rows = _read("cities.json")
    crossing_rows = _read("crossing_points.json")
    office_rows = _read("offices.json")
    doctype_rows = _read("document_types.json")

    counts: dict[str, int] = {}

    def record(table: str, result: tuple[int, int]) -> None:
        counts[f"{table}_created"], counts[f"{table}_updated"] = result

    with transaction.atomic():
        record("countries", _sync(Country, "alpha3", countries, update=update))
        record(
            "regions",
            _sync(
                Region,
                "code",
                [{"code": r["code"], **_names(r, "regions.json")} for r in region_rows],
                update=update,
            ),
        )

        regions = {r.code: r for r in Region.objects.all()}
        country_by_code = {c.alpha3: c for c in Country.objects.all()}

        record(
            "cities",
            _sync(
                City,
                "code",
                [
                    {
                        "code": r["code"],
                        "region": _lookup(regions, r["region"], "region", "cities.json"),
                        **_names(r, "cities.json"),
                    }
                    for r in city_rows
                ],
                update=update,
            ),
        )
        record(
            "crossing_points",
            _sync(
                CrossingPoint,
                "code",
                [
                    {
                        "code": r["code"],
                        "kind": r["kind"],
                        "region": _lookup(
                            regions, r.get("region"), "region", "crossing_points.json"
                        ),
                        "neighbour_country": _lookup(
                            country_by_code,
                            r.get("neighbour_country"),
                            "country",
                            "crossing_points.json",
                        ),
                        **_names(r, "crossing_points.json"),
                    }
                    for r in crossing_rows
                ],
                update=update,
            ),
        )
        record(
            "offices",
            _sync(
                Office,
                "code",
                [
                    {
                        "code": r["code"],
                        "kind": r["kind"],
                        "region": _lookup(regions, r.get("region"), "region", "offices.json"),
                        "address": r.get("address", ""),
                        **_names(r, "offices.json"),
                    }
                    for r in office_rows
                ],
                update=update,
            ),
        )
        record(
            "document_types",
            _sync(
                DocumentType,
                "code",
                [
                    {
                        "code": r["code"],
                        "icao_codes": r.get("icao_codes", ""),
                        "mrz_layouts": r.get("mrz_layouts", ""),
                        **_names(r, "document_types.json"),
                    }
                    for r in doctype_rows
                ],
                update=update,
            ),
        )

        if any(counts.values()):
            audit_record(
                actor=None,
                action=AuditAction.REFERENCE_CHANGE,
                object_type="reference",
                object_id="update" if update else "load",
                changes=counts,
            )

    if stdout is not None:
        for table in (
            "countries",
            "regions",
            "cities",
            "crossing_points",
            "offices",
            "document_types",
        ):
            stdout.write(
                f"{table}: {counts[f'{table}_created']} created, "
                f"{counts[f'{table}_updated']} updated\n"
            )
    return counts


def reference_is_loaded() -> bool:
    """True when every reference table has rows (the loader has run at least once)."""
    from umis.registry.models import DocumentType

    tables: tuple[type[models.Model], ...] = (
        Country,
        Region,
        City,
        Office,
        CrossingPoint,
        DocumentType,
    )
    return all(model._default_manager.exists() for model in tables)


# --- Administrators' edits --------------------------------------------------------------


def _audited_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


def reference_save(
    *,
    actor: User | None,
    instance: models.Model,
    form_changed_fields: Iterable[str] | None = None,
    action: AuditAction | str = AuditAction.REFERENCE_CHANGE,
    fields: Iterable[str] | None = None,
) -> AuditEntry | None:
    """Save a created or edited reference row and audit it, in one transaction.

    The audit entry holds the diff between the stored row and the saved one
    (``{field: [before, after]}``; a new row has ``None`` before), taken from the database
    rather than from the form, so it also covers values that ``save()`` derives. When the
    form reports no change and the row is not new, nothing is written at all; when the
    saved row equals the stored one, no entry is written. ``fields`` narrows what is
    compared and recorded (the user admin leaves out the password hash).
    """
    model = type(instance)
    names = list(fields) if fields is not None else _audited_fields(model)
    adding = instance._state.adding
    if not adding and form_changed_fields is not None and not list(form_changed_fields):
        return None
    with transaction.atomic():
        if adding:
            before: dict[str, Any] = dict.fromkeys(names)
        else:
            stored = model._default_manager.select_for_update().get(pk=instance.pk)
            before = snapshot(stored, names)
        instance.save()
        after = snapshot(instance, names)
        changes = diff(before, after)
        if not changes:
            return None
        return audit_record(
            actor=actor,
            action=action,
            object_type=model._meta.label_lower,
            object_id=instance.pk,
            changes=changes,
        )
