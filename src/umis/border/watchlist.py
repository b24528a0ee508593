"""Entry bans and invalid (lost, stolen, revoked, forged) documents: the lists a border
check consults.

Contract:
- Every write needs `Perm.WATCHLIST_MANAGE` and is audited; reads need `WATCHLIST_VIEW`,
  and a list that shows persons is itself an audited read.
- An entry ban's natural key is its target (person, document issuing state and number),
  its legal basis (compared without case or extra spaces) and its first day. Creating or
  importing a ban whose key exists stores nothing new, so re-sending a file or a request
  duplicates nothing; a lifted ban stays lifted. Ban writes are serialised (an advisory
  lock on PostgreSQL; SQLite has one writer anyway), so concurrent imports cannot race.
- The legal basis is chosen from the policy pack's `border.entry_ban.legal_grounds`
  (a `legal_ground` code; the ground's legal_ref becomes the legal basis, optional text is
  kept after it) or, for decisions under other acts, given as free text.
- Invalid documents are unique by (issuing state, number): loading a list again updates a
  changed reason and changes nothing else. A document that is found again is removed
  with a reason (the audit entry keeps what was removed).
- Bad rows are reported per row (index, status, field errors); good rows are stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from umis.border.constants import InvalidReason
from umis.border.models import EntryBan, InvalidDocument
from umis.core.audit import audit_record, snapshot
from umis.core.constants import AuditAction
from umis.core.errors import FieldError, NotFound, ValidationFailed
from umis.core.models import Country, User
from umis.core.pagination import Page, paginate
from umis.core.permissions import Perm, require
from umis.core.policy import get_policy
from umis.identity.received import document_number_error
from umis.registry.models import Person
from umis.registry.rules import document_number_normalize, fin_normalize
from umis.registry.selectors import person_ids_by_document

BAN_FIELDS = (
    "person",
    "document_issuing_state",
    "document_number",
    "legal_basis",
    "authority",
    "valid_from",
    "valid_to",
    "lifted_at",
    "lifted_reason",
)
INVALID_DOCUMENT_FIELDS = ("issuing_state", "number", "reason", "reported_on", "source")
MAX_BATCH = 10_000
LEGAL_GROUNDS_KEY = "border.entry_ban.legal_grounds"
# Ban states as the back office filters them.
BAN_STATUSES = ("in_force", "future", "expired", "lifted")
BAN_KINDS = ("person", "document")
_BAN_LOCK = zlib.crc32(b"umis.border.entryban")


def _country_ok(code: str) -> bool:
    return Country.objects.filter(pk=code, is_active=True).exists()


def _active_countries() -> set[str]:
    return set(Country.objects.filter(is_active=True).values_list("pk", flat=True))


def _squash(value: object) -> str:
    return " ".join(str(value or "").split())


def _unknown_country(field: str, code: str) -> FieldError:
    return FieldError(
        field,
        "unknown_country",
        _("'%(code)s' is not a known ISO 3166-1 alpha-3 country code.") % {"code": code},
    )


def _lock_ban_writes() -> None:
    """Serialise ban writes for the rest of the transaction, so two requests or imports
    of the same ban cannot both find it missing and both create it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_BAN_LOCK])


# --- legal grounds (policy pack) --------------------------------------------------------


@dataclass(frozen=True)
class LegalGround:
    code: str
    legal_ref: str
    text: str  # in the active language
    years: int | None  # fixed length of a ban on this ground, if the law sets one


def entry_ban_legal_grounds(*, on: dt.date | None = None) -> list[LegalGround]:
    """The grounds in the policy pack on `on` (today), texts in the active language; an
    empty list when the pack has none (free-text legal bases only)."""
    pack = get_policy()
    if LEGAL_GROUNDS_KEY not in pack:
        return []
    language = (translation.get_language() or pack.languages[0])[:2]
    grounds = []
    for item in pack.value(LEGAL_GROUNDS_KEY, on=on):
        texts = item.get("text") or {}
        text = texts.get(language) or texts.get(pack.languages[0]) or item["code"]
        years = item.get("years")
        grounds.append(
            LegalGround(
                code=str(item["code"]),
                legal_ref=str(item.get("legal_ref") or pack.rule(LEGAL_GROUNDS_KEY).legal_ref),
                text=str(text),
                years=int(years) if years else None,
            )
        )
    return grounds


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- entry bans --------------------------------------------------------------------------


@dataclass
class EntryBanData:
    """One ban as a caller gives it. The target is a person (`person_id` or
    `personal_number`), a document (`document_issuing_state` + `document_number`), or
    both. `legal_ground` is a code from the policy pack; `legal_basis` is free text (or
    details appended to the ground's reference)."""

    legal_basis: str = ""
    authority: str = ""
    valid_from: dt.date | str | None = None
    valid_to: dt.date | str | None = None
    person_id: uuid.UUID | str | None = None
    document_issuing_state: str = ""
    document_number: str = ""
    personal_number: str = ""
    legal_ground: str = ""


@dataclass(frozen=True)
class _Ban:
    """A validated ban, ready to store."""

    person_id: uuid.UUID | None
    document_issuing_state: str
    document_number: str
    legal_basis: str
    legal_ground: str
    authority: str
    valid_from: dt.date
    valid_to: dt.date | None

    @property
    def key(self) -> tuple[Any, ...]:
        return _ban_key(
            self.person_id,
            self.document_issuing_state,
            self.document_number,
            self.legal_basis,
            self.valid_from,
        )


def _ban_key(
    person_id: uuid.UUID | None, state: str, number: str, basis: str, valid_from: dt.date
) -> tuple[Any, ...]:
    return (person_id, state, number, _squash(basis).casefold(), valid_from)


@dataclass
class _Lookups:
    """What validating a batch of bans needs from the database, read once per batch."""

    countries: set[str]
    grounds: dict[str, LegalGround]
    person_ids: set[uuid.UUID]
    by_fin: dict[str, uuid.UUID]

    @classmethod
    def for_rows(cls, rows: Sequence[Mapping[str, Any]]) -> _Lookups:
        ids: set[uuid.UUID] = set()
        fins: set[str] = set()
        for row in rows:
            raw = row.get("person_id")
            if raw:
                with contextlib.suppress(ValueError):
                    ids.add(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
            fin = fin_normalize(str(row.get("personal_number") or ""))
            if fin:
                fins.add(fin)
        persons = Person.objects.exclude(status="merged")
        by_fin: dict[str, uuid.UUID] = {}
        if fins:
            by_fin = dict(
                persons.filter(personal_number__in=fins).values_list("personal_number", "pk")
            )
        return cls(
            countries=_active_countries(),
            grounds={g.code: g for g in entry_ban_legal_grounds()},
            person_ids=set(persons.filter(pk__in=ids).values_list("pk", flat=True))
            if ids
            else set(),
            by_fin=by_fin,
        )


def _date(value: Any, field: str, errors: list[FieldError]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.append(FieldError(field, "invalid_date", _("Use a date as YYYY-MM-DD.")))
        return None


def _parse_ban(row: Mapping[str, Any], lookups: _Lookups) -> tuple[_Ban | None, list[FieldError]]:
    errors: list[FieldError] = []
    person_id: uuid.UUID | None = None
    raw_id = row.get("person_id")
    if raw_id:
        try:
            candidate = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id))
        except ValueError:
            errors.append(FieldError("person_id", "invalid", _("Not a valid person id.")))
        else:
            if candidate in lookups.person_ids:
                person_id = candidate
            else:
                errors.append(FieldError("person_id", "not_found", _("No such person.")))
    fin = fin_normalize(str(row.get("personal_number") or ""))
    if fin:
        found = lookups.by_fin.get(fin)
        if found is None:
            errors.append(
                FieldError(
                    "personal_number",
                    "not_found",
                    _("No person of the registry has this personal number."),
                )
            )
        elif person_id is not None and found != person_id:
            errors.append(
                FieldError(
                    "personal_number",
                    "mismatch",
                    _("This personal number belongs to another person than the person id."),
                )
            )
        else:
            person_id = found
    state = _squash(row.get("document_issuing_state")).upper()
    number = document_number_normalize(row.get("document_number"))
    if state and state not in lookups.countries:
        errors.append(_unknown_country("document_issuing_state", state))
    if number and (not number.isalnum() or len(number) > 30):
        errors.append(
            FieldError(
                "document_number", "invalid", _("A document number has letters and digits only.")
            )
        )
    if bool(state) != bool(number):
        missing = "document_number" if state else "document_issuing_state"
        errors.append(
            FieldError(
                missing,
                "required",
                _("Give both the issuing state and the number of the document."),
            )
        )
    if (
        not person_id
        and not (state and number)
        and not any(e.field in {"person_id", "personal_number"} for e in errors)
    ):
        errors.append(
            FieldError(
                "document_number",
                "required",
                _("Name a person of the registry or a document (issuing state and number)."),
            )
        )
    code = _squash(row.get("legal_ground"))
    text = _squash(row.get("legal_basis"))
    ground = lookups.grounds.get(code) if code else None
    if code and ground is None:
        errors.append(
            FieldError(
                "legal_ground",
                "invalid_choice",
                _("Use one of %(choices)s.") % {"choices": ", ".join(lookups.grounds) or "-"},
            )
        )
    if ground is not None:
        ref = ground.legal_ref
        basis = ref if not text or text.casefold() == ref.casefold() else f"{ref}; {text}"
    else:
        basis = text
    if not basis and not code:
        errors.append(FieldError("legal_basis", "required", _("Give the legal basis.")))
    elif len(basis) > 300:
        errors.append(FieldError("legal_basis", "too_long", _("At most 300 characters, please.")))
    authority = _squash(row.get("authority"))
    if not authority:
        errors.append(
            FieldError("authority", "required", _("Give the authority that decided the ban."))
        )
    elif len(authority) > 200:
        errors.append(FieldError("authority", "too_long", _("At most 200 characters, please.")))
    valid_from = _date(row.get("valid_from"), "valid_from", errors)
    valid_to = _date(row.get("valid_to"), "valid_to", errors)
    if valid_from is None and not any(e.field == "valid_from" for e in errors):
        errors.append(
            FieldError("valid_from", "required", _("Give the first day the ban applies."))
        )
    if valid_from and valid_to is None and ground is not None and ground.years:
        # The law fixes the length (e.g. five years): the last day is the day before the
        # anniversary.
        valid_to = _add_years(valid_from, ground.years) - dt.timedelta(days=1)
    if valid_from and valid_to and valid_to < valid_from:
        errors.append(FieldError("valid_to", "invalid_range", _("Ends before it starts.")))
    if errors or valid_from is None:
        return None, errors
    return (
        _Ban(
            person_id=person_id,
            document_issuing_state=state if number else "",
            document_number=number if state else "",
            legal_basis=basis,
            legal_ground=ground.code if ground else "",
            authority=authority,
            valid_from=valid_from,
            valid_to=valid_to,
        ),
        [],
    )


def _ban_audit(
    actor: User,
    ban: EntryBan,
    action: AuditAction,
    changes: dict[str, list[Any]],
    ground: str = "",
) -> None:
    if ground:
        changes = {**changes, "legal_ground": [None, ground]}
    audit_record(
        actor=actor,
        action=action,
        object_type="border.entryban",
        object_id=ban.pk,
        person_id=ban.person_id,
        changes=changes,
    )


@dataclass(frozen=True)
class BanResult:
    index: int
    status: str  # created | updated | unchanged | rejected
    ban: EntryBan | None = None
    errors: tuple[FieldError, ...] = ()


def _store_bans(actor: User, parsed: list[tuple[int, _Ban]]) -> dict[int, BanResult]:
    """Create the bans whose natural key is new; for a known ban that is not lifted,
    update the authority and last day if they changed. One transaction, the caller's."""
    if not parsed:
        return {}
    _lock_ban_writes()
    person_ids = {b.person_id for _, b in parsed if b.person_id}
    numbers = {b.document_number for _, b in parsed if b.document_number}
    starts = {b.valid_from for _, b in parsed}
    known: dict[tuple[Any, ...], EntryBan] = {}
    candidates = EntryBan.objects.filter(
        Q(person_id__in=person_ids) | Q(document_number__in=numbers), valid_from__in=starts
    )
    for ban in candidates:
        known.setdefault(
            _ban_key(
                ban.person_id,
                ban.document_issuing_state,
                ban.document_number,
                ban.legal_basis,
                ban.valid_from,
            ),
            ban,
        )
    out: dict[int, BanResult] = {}
    for index, data in parsed:
        existing = known.get(data.key)
        if existing is None:
            ban = EntryBan.objects.create(
                person_id=data.person_id,
                document_issuing_state=data.document_issuing_state,
                document_number=data.document_number,
                legal_basis=data.legal_basis,
                authority=data.authority,
                valid_from=data.valid_from,
                valid_to=data.valid_to,
                created_by=actor,
            )
            known[data.key] = ban
            _ban_audit(
                actor,
                ban,
                AuditAction.CREATE,
                {k: [None, v] for k, v in snapshot(ban, BAN_FIELDS).items() if v},
                data.legal_ground,
            )
            out[index] = BanResult(index, "created", ban)
            continue
        if existing.lifted_at is None and (
            existing.authority != data.authority or existing.valid_to != data.valid_to
        ):
            before = snapshot(existing, BAN_FIELDS)
            existing.authority, existing.valid_to = data.authority, data.valid_to
            existing.save(update_fields=["authority", "valid_to"])
            after = snapshot(existing, BAN_FIELDS)
            _ban_audit(
                actor,
                existing,
                AuditAction.UPDATE,
                {k: [before[k], after[k]] for k in after if before[k] != after[k]},
            )
            out[index] = BanResult(index, "updated", existing)
        else:
            out[index] = BanResult(index, "unchanged", existing)
    return out


def _data_row(data: EntryBanData) -> dict[str, Any]:
    return dict(vars(data))


@transaction.atomic
def entry_ban_record(
    *, actor: User, data: EntryBanData, ban_holder: bool = False
) -> tuple[EntryBan, bool]:
    """Record one ban; (ban, created). A ban with the same natural key is returned as it
    is (or with its authority and last day updated), never duplicated. With `ban_holder`
    and no person named, the ban is on the registry's holder of the document (and the
    document)."""
    require(actor, Perm.WATCHLIST_MANAGE)
    row = _data_row(data)
    if ban_holder and not row.get("person_id") and not _squash(row.get("personal_number")):
        holders = person_ids_by_document(
            issuing_state=_squash(row.get("document_issuing_state")).upper(),
            number=document_number_normalize(row.get("document_number")),
        )
        if len(holders) != 1:
            raise ValidationFailed(
                [
                    FieldError(
                        "document_number",
                        "no_holder",
                        _("No person of the registry holds this document."),
                    )
                ]
            )
        row["person_id"] = holders[0]
    parsed, errors = _parse_ban(row, _Lookups.for_rows([row]))
    if parsed is None:
        raise ValidationFailed(errors)
    result = _store_bans(actor, [(0, parsed)])[0]
    assert result.ban is not None
    return result.ban, result.status == "created"


def entry_ban_create(*, actor: User, data: EntryBanData) -> EntryBan:
    return entry_ban_record(actor=actor, data=data)[0]


def entry_bans_import(*, actor: User, rows: Sequence[Mapping[str, Any]]) -> list[BanResult]:
    """Record a batch of bans (at most MAX_BATCH): a result per row, in order. Rows are
    mappings with EntryBanData's field names (strings are fine: dates as YYYY-MM-DD).
    Idempotent: importing the same rows again creates nothing."""
    require(actor, Perm.WATCHLIST_MANAGE)
    if len(rows) > MAX_BATCH:
        raise ValidationFailed(
            [
                FieldError(
                    "bans",
                    "too_many",
                    _("At most %(n)d bans in one batch.") % {"n": MAX_BATCH},
                )
            ]
        )
    lookups = _Lookups.for_rows(rows)
    results: dict[int, BanResult] = {}
    good: list[tuple[int, _Ban]] = []
    for index, row in enumerate(rows):
        parsed, errors = _parse_ban(row, lookups)
        if parsed is None:
            results[index] = BanResult(index, "rejected", None, tuple(errors))
        else:
            good.append((index, parsed))
    with transaction.atomic():
        results.update(_store_bans(actor, good))
    return [results[i] for i in range(len(rows))]


@transaction.atomic
def entry_ban_lift(*, actor: User, ban_id: uuid.UUID, reason: str) -> EntryBan:
    require(actor, Perm.WATCHLIST_MANAGE)
    ban = EntryBan.objects.select_for_update().filter(pk=ban_id).first()
    if ban is None:
        raise NotFound("Entry ban", _("Entry ban not found"))
    reason = _squash(reason)
    if not reason:
        raise ValidationFailed([FieldError("reason", "required", _("Say why the ban is lifted."))])
    if len(reason) > 300:
        raise ValidationFailed(
            [FieldError("reason", "too_long", _("At most 300 characters, please."))]
        )
    if ban.lifted_at is None:
        before = snapshot(ban, BAN_FIELDS)
        ban.lifted_at, ban.lifted_reason = timezone.now(), reason
        ban.save(update_fields=["lifted_at", "lifted_reason"])
        after = snapshot(ban, BAN_FIELDS)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="border.entryban",
            object_id=ban.pk,
            person_id=ban.person_id,
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
    return ban


def entry_bans_in_force(
    *, person_id: uuid.UUID | None, issuing_state: str, number: str, on: dt.date
) -> list[EntryBan]:
    """Bans that apply on `on` to the person or to the document (system use: the border
    check is authorised by its caller)."""
    match = Q(
        document_issuing_state=issuing_state, document_number=document_number_normalize(number)
    )
    if person_id:
        match |= Q(person_id=person_id)
    return list(
        EntryBan.objects.filter(match, lifted_at__isnull=True, valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    )


def ban_status(ban: EntryBan, on: dt.date) -> str:
    """in_force | future | expired | lifted, on the day `on`."""
    if ban.lifted_at is not None:
        return "lifted"
    if ban.valid_from > on:
        return "future"
    if ban.valid_to is not None and ban.valid_to < on:
        return "expired"
    return "in_force"


def _status_filter(qs: QuerySet[EntryBan], status: str, on: dt.date) -> QuerySet[EntryBan]:
    if status == "lifted":
        return qs.filter(lifted_at__isnull=False)
    qs = qs.filter(lifted_at__isnull=True)
    if status == "future":
        return qs.filter(valid_from__gt=on)
    if status == "expired":
        return qs.filter(valid_to__lt=on)
    # in force
    return qs.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def entry_ban_list(
    *,
    actor: User,
    person_id: uuid.UUID | None = None,
    in_force_only: bool = True,
    status: str = "",
    kind: str = "",
    nationality: str = "",
    on: dt.date | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page[EntryBan]:
    """Bans, newest first. `status` (in_force | future | expired | lifted, on the day
    `on`, default today) replaces `in_force_only` (= not lifted) when given; `kind`
    person | document; `nationality` matches the document's issuing state or a current
    nationality of the person. Listing bans on persons is an audited read."""
    require(actor, Perm.WATCHLIST_VIEW)
    errors: list[FieldError] = []
    if status and status not in BAN_STATUSES:
        errors.append(
            FieldError(
                "status",
                "invalid_choice",
                _("Use one of %(choices)s.") % {"choices": ", ".join(BAN_STATUSES)},
            )
        )
    if kind and kind not in BAN_KINDS:
        errors.append(
            FieldError(
                "kind",
                "invalid_choice",
                _("Use one of %(choices)s.") % {"choices": ", ".join(BAN_KINDS)},
            )
        )
    code = nationality.strip().upper()
    if code and (len(code) != 3 or not code.isalpha()):
        errors.append(
            FieldError(
                "nationality", "invalid", _("Use an ISO 3166-1 alpha-3 code such as RUS or XXA.")
            )
        )
    if errors:
        raise ValidationFailed(errors)
    day = on or timezone.localdate()
    qs = EntryBan.objects.select_related("person")
    if person_id:
        qs = qs.filter(person_id=person_id)
    if status:
        qs = _status_filter(qs, status, day)
    elif in_force_only:
        qs = qs.filter(lifted_at__isnull=True)
    if kind == "person":
        qs = qs.filter(person__isnull=False)
    elif kind == "document":
        qs = qs.filter(person__isnull=True)
    if code:
        qs = qs.filter(
            Q(document_issuing_state=code)
            | Q(
                person__in=Person.objects.filter(
                    nationalities__country_id=code, nationalities__valid_to__isnull=True
                ).values("pk")
            )
        )
    result = paginate(qs.order_by("-valid_from", "id"), page, page_size)
    shown = sorted({str(b.person_id) for b in result.items if b.person_id})
    if shown:
        audit_record(
            actor=actor,
            action=AuditAction.SEARCH,
            object_type="border.entryban",
            person_id=person_id,
            changes={"shown_persons": [None, shown]},
        )
    return result


def entry_ban_get(*, actor: User, ban_id: uuid.UUID | str) -> EntryBan:
    """One ban (with its person); a ban on a person is an audited read of that person."""
    require(actor, Perm.WATCHLIST_VIEW)
    ban = EntryBan.objects.select_related("person", "created_by").filter(pk=ban_id).first()
    if ban is None:
        raise NotFound("Entry ban", _("Entry ban not found"))
    if ban.person_id:
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="border.entryban",
            object_id=ban.pk,
            person_id=ban.person_id,
        )
    return ban


# --- invalid documents -------------------------------------------------------------------


@dataclass(frozen=True)
class RowResult:
    index: int
    status: str  # created | unchanged | updated | rejected
    errors: tuple[FieldError, ...] = ()


def _parse_invalid(
    row: Mapping[str, Any], countries: set[str], today: dt.date
) -> tuple[tuple[str, str, str, dt.date] | None, list[FieldError]]:
    errors: list[FieldError] = []
    state = _squash(row.get("issuing_state")).upper()
    number = document_number_normalize(row.get("number"))
    reason = _squash(row.get("reason")).lower()
    if state not in countries:
        errors.append(_unknown_country("issuing_state", state))
    if not number or not number.isalnum() or len(number) > 30:
        errors.append(document_number_error("number"))
    if reason not in InvalidReason.values:
        errors.append(
            FieldError(
                "reason",
                "invalid_choice",
                _("Use one of %(choices)s.") % {"choices": ", ".join(InvalidReason.values)},
            )
        )
    reported = _date(row.get("reported_on"), "reported_on", errors) or today
    if reported > today:
        errors.append(
            FieldError("reported_on", "in_future", _("The report date cannot be in the future."))
        )
    if errors:
        return None, errors
    return (state, number, reason, reported), []


def invalid_documents_load(
    *, actor: User, rows: Sequence[Mapping[str, Any]], source: str
) -> list[RowResult]:
    """Load reports of invalid documents (at most MAX_BATCH rows); a document already
    listed is updated only if the reason changed. Bad rows are reported, good rows stored.
    A fixed number of queries per batch: one read, one insert, one update, one audit
    entry naming the documents that changed."""
    require(actor, Perm.WATCHLIST_MANAGE)
    if len(rows) > MAX_BATCH:
        raise ValidationFailed(
            [
                FieldError(
                    "documents",
                    "too_many",
                    _("At most %(n)d documents in one batch.") % {"n": MAX_BATCH},
                )
            ]
        )
    source = _squash(source)[:100]
    if not source:
        raise ValidationFailed(
            [FieldError("source", "required", _("Say who reported the documents."))]
        )
    countries = _active_countries()
    today = timezone.localdate()
    parsed: list[tuple[int, tuple[str, str, str, dt.date]]] = []
    results: dict[int, RowResult] = {}
    for index, row in enumerate(rows):
        values, errors = _parse_invalid(row, countries, today)
        if values is None:
            results[index] = RowResult(index, "rejected", tuple(errors))
        else:
            parsed.append((index, values))
    with transaction.atomic():
        numbers = {number for _, (_, number, _, _) in parsed}
        known: dict[tuple[str, str], InvalidDocument] = {
            (d.issuing_state, d.number): d
            for d in InvalidDocument.objects.filter(number__in=numbers)
        }
        new: dict[tuple[str, str], InvalidDocument] = {}
        changed: dict[tuple[str, str], InvalidDocument] = {}
        for index, (state, number, reason, reported) in parsed:
            key = (state, number)
            doc = new.get(key) or known.get(key)
            if doc is None:
                new[key] = InvalidDocument(
                    issuing_state=state,
                    number=number,
                    reason=reason,
                    reported_on=reported,
                    source=source,
                )
                results[index] = RowResult(index, "created")
            elif doc.reason != reason:
                doc.reason, doc.reported_on = reason, reported
                if key not in new:
                    changed[key] = doc
                results[index] = RowResult(index, "updated")
            else:
                results[index] = RowResult(index, "unchanged")
        if new:
            # A document listed meanwhile by a concurrent load is skipped, not duplicated.
            InvalidDocument.objects.bulk_create(list(new.values()), ignore_conflicts=True)
        if changed:
            InvalidDocument.objects.bulk_update(list(changed.values()), ["reason", "reported_on"])
        touched = sorted(f"{s} {n}" for s, n in (*new, *changed))
        if touched:
            audit_record(
                actor=actor,
                action=AuditAction.CREATE if new else AuditAction.UPDATE,
                object_type="border.invaliddocument",
                object_id=touched[0] if len(touched) == 1 else f"batch:{len(touched)}",
                changes={
                    "source": [None, source],
                    "created": [None, len(new)],
                    "updated": [None, len(changed)],
                    "documents": [None, touched],
                },
            )
    return [results[i] for i in range(len(rows))]


def invalid_document_find(*, issuing_state: str, number: str) -> InvalidDocument | None:
    return InvalidDocument.objects.filter(
        issuing_state=issuing_state, number=document_number_normalize(number)
    ).first()


@transaction.atomic
def invalid_document_remove(
    *, actor: User, issuing_state: str, number: str, reason: str
) -> InvalidDocument:
    """Take a document off the list (found again, reported in error); the audit entry
    keeps what was listed and why it was removed."""
    require(actor, Perm.WATCHLIST_MANAGE)
    reason = _squash(reason)
    if not reason:
        raise ValidationFailed(
            [FieldError("reason", "required", _("Say why the document is taken off the list."))]
        )
    if len(reason) > 300:
        raise ValidationFailed(
            [FieldError("reason", "too_long", _("At most 300 characters, please."))]
        )
    doc = (
        InvalidDocument.objects.select_for_update()
        .filter(
            issuing_state=_squash(issuing_state).upper(),
            number=document_number_normalize(number),
        )
        .first()
    )
    if doc is None:
        raise NotFound("Invalid document", _("This document is not on the list."))
    before = snapshot(doc, INVALID_DOCUMENT_FIELDS)
    pk = doc.pk
    doc.delete()
    doc.pk = pk
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        object_type="border.invaliddocument",
        object_id=pk,
        changes={**{k: [v, None] for k, v in before.items()}, "removal_reason": [None, reason]},
    )
    return doc


def invalid_document_get(*, actor: User, document_id: int) -> InvalidDocument:
    require(actor, Perm.WATCHLIST_VIEW)
    doc = InvalidDocument.objects.filter(pk=document_id).first()
    if doc is None:
        raise NotFound("Invalid document", _("This document is not on the list."))
    return doc


def invalid_document_list(
    *,
    actor: User,
    number: str = "",
    issuing_state: str = "",
    reason: str = "",
    page: int = 1,
    page_size: int = 50,
) -> Page[InvalidDocument]:
    """Listed documents, newest report first; `number` matches the beginning of the
    number (spaces and hyphens ignored)."""
    require(actor, Perm.WATCHLIST_VIEW)
    qs = InvalidDocument.objects.all()
    number = document_number_normalize(number)
    if number:
        qs = qs.filter(number__startswith=number)
    if issuing_state.strip():
        qs = qs.filter(issuing_state=issuing_state.strip().upper())
    if reason:
        if reason not in InvalidReason.values:
            raise ValidationFailed(
                [
                    FieldError(
                        "reason",
                        "invalid_choice",
                        _("Use one of %(choices)s.") % {"choices": ", ".join(InvalidReason.values)},
                    )
                ]
            )
        qs = qs.filter(reason=reason)
    return paginate(qs.order_by("-reported_on", "-id"), page, page_size)
