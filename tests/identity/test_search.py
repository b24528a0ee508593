"""Ranked person search on name keys: cross-script, swapped and partial queries find the
person; close relatives are ranked apart; bad input names the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from umis.core.constants import AuditAction
from umis.core.errors import Forbidden, ValidationFailed
from umis.core.models import AuditEntry
from umis.identity import scoring
from umis.identity.keys import namekeys_refresh
from umis.identity.search import parse_birth_date, person_candidates, person_search
from umis.registry import services
from umis.registry.models import Person

pytestmark = pytest.mark.django_db


def _person(
    officer: Any,
    family: str,
    given: str,
    birth: str,
    *,
    sex: str = "M",
    nationality: str = "AZE",
    names: tuple[tuple[str, str, str], ...] = (),
    document: str = "",
) -> Person:
    person = services.person_create(
        actor=officer,
        data=services.PersonData(
            family_name=family,
            given_names=given,
            sex=sex,
            birth_date=birth,
            nationalities=[services.NationalityData(nationality)],
            names=[services.NameData(script, f, g) for script, f, g in names],
        ),
    )
    if document:
        services.document_add(
            actor=officer,
            person_id=person.pk,
            data=services.DocumentData(
                document_type="passport", number=document, issuing_state=nationality
            ),
        )
    return person


@pytest.fixture
def rashad(officer: Any) -> Person:
    return _person(officer, "HUSEYNOV", "RASHAD", "1985-03-14", document="C01234567")


@pytest.fixture
def crowd(officer: Any, rashad: Person) -> dict[str, Person]:
    """Persons a careless search would confuse with Rashad Huseynov."""
    return {
        # Twin: same family name, birth date and nationality, another given name.
        "twin": _person(officer, "HUSEYNOV", "RAMIL", "1985-03-14"),
        # Father: same names, another generation.
        "father": _person(officer, "HUSEYNOV", "RASHAD", "1958-11-02"),
        # Close but different surname.
        "hasanov": _person(officer, "HASANOV", "RASHAD", "1985-03-14"),
        "stranger": _person(officer, "MAMMADOV", "ELVIN", "1992-01-01"),
    }


def _ids(hits: list[Any]) -> list[Any]:
    return [h.person_id for h in hits]


@pytest.mark.parametrize(
    "name",
    [
        "HUSEYNOV RASHAD",
        "Гусейнов Рашад",  # Russian passport of an Azerbaijani name
        "RASHAD HUSEYNOV",  # fields swapped
        "Hüseynov, Rəşad",  # Azerbaijani letters, comma-separated
        "GUSEINOV RASHAD",  # old Soviet transliteration
    ],
)
def test_any_script_and_order_finds_the_person_first(
    name: str, rashad: Person, crowd: dict[str, Person]
) -> None:
    hits = person_search(name=name, birth_date="1985-03-14")
    assert hits[0].person_id == rashad.pk
    assert hits[0].personal_number == rashad.personal_number
    assert crowd["stranger"].pk not in _ids(hits)
    fields = {m["field"] for m in hits[0].matched}
    assert {"family_name", "birth_date"} <= fields


def test_name_only_finds_father_and_son_above_everyone_else(
    rashad: Person, crowd: dict[str, Person]
) -> None:
    hits = person_search(name="Гусейнов Рашад")
    assert set(_ids(hits[:2])) == {rashad.pk, crowd["father"].pk}
    assert crowd["stranger"].pk not in _ids(hits)


@pytest.mark.parametrize("birth_date", ["1985", "1985-03", "1985-03-14", "14.03.1985"])
def test_partial_or_typed_birth_date_ranks_the_right_generation_first(
    birth_date: str, rashad: Person, crowd: dict[str, Person]
) -> None:
    hits = person_search(name="HUSEYNOV RASHAD", birth_date=birth_date)
    ids = _ids(hits)
    assert ids[0] == rashad.pk
    if crowd["father"].pk in ids:
        assert ids.index(crowd["father"].pk) > 0
        assert hits[ids.index(crowd["father"].pk)].score < hits[0].score


def test_twin_and_close_surname_rank_below_the_person(
    rashad: Person, crowd: dict[str, Person]
) -> None:
    hits = person_search(name="HUSEYNOV RASHAD", birth_date="1985-03-14", limit=10)
    ids = _ids(hits)
    assert ids[0] == rashad.pk
    for other in ("twin", "hasanov"):
        if crowd[other].pk in ids:
            assert hits[ids.index(crowd[other].pk)].score < hits[0].score
    given = next(
        m for m in hits[ids.index(crowd["twin"].pk)].matched if m["field"] == "given_names"
    )
    assert given["level"] == "different"


def test_document_alone_finds_the_holder_after_normalisation(
    rashad: Person, crowd: dict[str, Person]
) -> None:
    hits = person_search(document="c01 234-567")
    assert _ids(hits) == [rashad.pk]
    assert {"field": "document", "level": "equal"} in hits[0].matched
    assert person_search(document="C01234568") == []


def test_a_lost_document_still_names_its_holder(officer: Any, rashad: Person) -> None:
    doc = rashad.documents.get()
    services.document_flag(actor=officer, document_id=doc.pk, status="lost", reason="test")
    hits = person_search(document="C01234567")
    assert _ids(hits) == [rashad.pk]
    assert hits[0].matched[0] == {"field": "document", "level": "equal"}


def test_birth_date_or_nationality_alone(officer: Any, rashad: Person, crowd: Any) -> None:
    by_date = person_search(birth_date="14.03.1985")
    assert set(_ids(by_date)) == {rashad.pk, crowd["twin"].pk, crowd["hasanov"].pk}
    _person(officer, "IVANOV", "IVAN", "1980", nationality="RUS")
    by_country = person_search(nationality="rus")
    assert [h.family_name for h in by_country] == ["IVANOV"]


def test_a_name_in_another_script_stored_as_a_spelling_is_found(officer: Any) -> None:
    # Only the Georgian spelling says who this is; the Latin one is the officer's guess.
    person = _person(
        officer, "BERIDZE", "GIORGI", "1979-06-01", names=(("Geor", "ბერიძე", "გიორგი"),)
    )
    assert person_search(name="ბერიძე გიორგი")[0].person_id == person.pk


def test_merged_persons_are_never_found(rashad: Person) -> None:
    # Stale keys must not matter: the status is checked when candidates are loaded.
    Person.objects.filter(pk=rashad.pk).update(status="merged")
    assert rashad.pk not in _ids(person_search(name="HUSEYNOV RASHAD"))
    assert rashad.pk not in _ids(person_search(document="C01234567"))
    namekeys_refresh([rashad.pk])
    assert not rashad.name_keys.exists()


def test_person_candidates_is_the_same_ranking_with_scores(
    rashad: Person, crowd: dict[str, Person]
) -> None:
    identity = scoring.Identity(
        family_name="Гусейнов",
        given_names="Рашад",
        sex="M",
        birth_year=1985,
        birth_month=3,
        birth_day=14,
        nationality="AZE",
        documents=(("AZE", "C01234567"),),
    )
    candidates = person_candidates(identity, limit=3)
    assert candidates[0][0] == rashad.pk
    best = candidates[0][1]
    assert best.probability >= scoring.link_at()
    assert len(candidates) <= 3
    assert all(best.weight >= s.weight for _pid, s in candidates)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "X", "birth_date": "1990-13-40"}, "birth_date"),
        ({"name": "X", "birth_date": "31.02.1990"}, "birth_date"),
        ({"name": "X", "nationality": "RU"}, "nationality"),
        ({"name": "X", "nationality": "QQQ"}, "nationality"),
        ({"name": "X", "limit": 0}, "limit"),
        ({"name": "X", "limit": 51}, "limit"),
        ({"document": "AB/12"}, "document"),
        ({}, "name"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_input_names_the_field(reference: None, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        person_search(**kwargs)
    assert [e.field for e in exc.value.field_errors] == [field]


def test_typed_dates() -> None:
    assert str(parse_birth_date("4.3.1985")) == "1985-03-04"
    assert str(parse_birth_date("04/03/1985")) == "1985-03-04"
    assert str(parse_birth_date(" 1985-03 ")) == "1985-03"


def test_search_is_permission_checked_and_audited_without_the_values(
    officer: Any, make_staff: Any, rashad: Person
) -> None:
    with pytest.raises(Forbidden):
        person_search(actor=make_staff("analyst"), name="HUSEYNOV")
    hits = person_search(actor=officer, name="HUSEYNOV RASHAD", birth_date="1985")
    entry = AuditEntry.objects.filter(action=AuditAction.SEARCH, actor=officer).latest("id")
    assert entry.changes["filters"][1] == ["birth_date", "name"]
    assert entry.changes["shown"][1] == [str(h.person_id) for h in hits]
    assert "HUSEYNOV" not in str(entry.changes)


def test_query_count_does_not_grow_with_candidates(officer: Any, rashad: Person) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            hits = person_search(name="HUSEYNOV RASHAD", birth_date="1985")
        assert hits
        return len(ctx.captured_queries)

    few = count()
    for i in range(12):
        _person(officer, "HUSEYNOV", "RASHAD", f"19{60 + i}", document=f"X{i:08d}")
    assert count() == few


def test_back_office_search_shows_ranked_results_with_what_matched(
    officer: Any, session_client: Any, rashad: Person, crowd: dict[str, Person]
) -> None:
    from django.urls import reverse

    response = session_client(officer).post(
        reverse("backoffice:person_search"),
        {"purpose": "counter", "name": "Гусейнов Рашад", "birth_date": "14.03.1985"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="ranked-results"' in html
    rows = html.split("<tbody>", 1)[1].split("<tr>")[1:]
    assert rashad.personal_number in rows[0]  # best match first
    assert "%" in rows[0] and "birth date: exact" in rows[0]
    assert crowd["stranger"].personal_number not in html


def test_back_office_keeps_the_exact_personal_number_lookup(
    officer: Any, session_client: Any, rashad: Person, crowd: dict[str, Person]
) -> None:
    from django.urls import reverse

    response = session_client(officer).post(
        reverse("backoffice:person_search"),
        {"purpose": "counter", "personal_number": rashad.personal_number},
    )
    html = response.content.decode()
    assert 'id="ranked-results"' not in html
    assert rashad.personal_number in html
    assert crowd["father"].personal_number not in html


def test_a_name_in_chinese_characters_is_found_by_its_pinyin(officer: Any) -> None:
    person = _person(
        officer, "ZHANG", "LEI", "1988-02-23", nationality="CHN", names=(("Hani", "张", "磊"),)
    )
    _person(officer, "ZHANG", "WEI", "1988-02-23", nationality="CHN", names=(("Hani", "张", "伟"),))
    hits = person_search(name="张 磊", birth_date="23.02.1988")
    assert _ids(hits)[0] == person.pk
    assert {"field": "given_names", "level": "exact"} in hits[0].matched
    assert len(hits) == 1 or hits[1].score < hits[0].score
    assert _ids(person_search(name="磊 张"))[0] == person.pk  # order-free


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the plan is PostgreSQL's; SQLite has no such scan"
)
def test_key_lookup_reads_person_ids_from_the_index_alone() -> None:
    """The candidate query must be answerable from the (key, person) index: a search
    reads thousands of key rows, and fetching a heap page for each was most of a
    cold-cache search's time at a million persons."""
    from umis.identity.models import NameKey

    table = NameKey._meta.db_table
    with connection.cursor() as cursor:
        # Force an index path on the small test table; the question is which index and
        # whether it needs the heap.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            f"EXPLAIN SELECT person_id, key FROM {table} WHERE key = %s LIMIT 200",
            ["fg:HUSAINAV|RASAD"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using namekey_key_person_idx" in plan, plan
