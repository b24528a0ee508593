"""Online matching: a source record links to the person it is (in any script), goes to the
review queue in the grey zone, or becomes a new person; twins are never linked."""

from __future__ import annotations

from typing import Any

import pytest

from umis.core.errors import FieldError
from umis.core.permissions import Perm
from umis.identity.matching import ExactMatcher, ScoredMatcher, SourceIdentity, get_matcher
from umis.identity.models import CandidateOrigin, DuplicateCandidate
from umis.identity.received import received_identity_clean, received_identity_link, received_lookups
from umis.registry.constants import NameSource, PersonStatus
from umis.registry.models import Person
from umis.registry.services import NameData, NationalityData, PersonData, person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(reference: None, make_staff: Any) -> dict[str, Any]:
    officer = make_staff("officer")

    def make(family: str, given: str, born: str, *, names: list[NameData] | None = None) -> Person:
        return person_create(
            actor=officer,
            data=PersonData(
                family_name=family,
                given_names=given,
                sex="M",
                birth_date=born,
                nationalities=[NationalityData("AZE")],
                names=names or [],
            ),
        )

    return {
        "huseynov": make(
            "Hüseynov",
            "Rəşad",
            "1985-03-14",
            names=[NameData("Cyrl", "Гусейнов", "Рашад", source="passport")],
        ),
        "twin": make("Aliyev", "Kamran", "2001-05-05"),
        "border": make_staff("border_officer"),
    }


def _link(registry: dict[str, Any], **fields: str) -> tuple[Any, str, float]:
    item = {
        "document_type": "passport",
        "document_number": "P1234567",
        "document_issuing_state": "AZE",
        "nationality": "AZE",
        "sex": "M",
        **fields,
    }
    errors: list[FieldError] = []
    identity = received_identity_clean(item, received_lookups(), errors)
    assert errors == []
    return received_identity_link(
        actor=registry["border"],
        permission=Perm.BORDER_EVENT_INGEST,
        identity=identity,
        name_source=NameSource.BORDER,
    )


def test_the_scored_matcher_is_the_default() -> None:
    assert isinstance(get_matcher(), ScoredMatcher)


def test_a_russian_spelling_links_to_the_person(registry: dict[str, Any]) -> None:
    person_id, method, score = _link(
        registry, family_name="GUSEINOV", given_names="RASHAD", birth_date="1985-03-14"
    )
    assert person_id == registry["huseynov"].pk
    assert method == "scored" and score >= 0.97
    # The old exact matcher could not see it: the folded names differ.
    exact = ExactMatcher().match(
        SourceIdentity("GUSEINOV", "RASHAD", "1985-03-14", "M", "AZE", "P1234567", "AZE")
    )
    assert exact.person_id is None


def test_the_grey_zone_creates_a_person_and_a_review_pair(registry: dict[str, Any]) -> None:
    # Same name, birth year only: could be him, an officer decides.
    person_id, method, _ = _link(
        registry, family_name="HUSEYNOV", given_names="RASHAD", birth_date="1985"
    )
    assert method == "new_provisional"
    new = Person.objects.get(pk=person_id)
    assert new.status == PersonStatus.PROVISIONAL
    pair = DuplicateCandidate.objects.get()
    assert {pair.person_a_id, pair.person_b_id} == {new.pk, registry["huseynov"].pk}
    assert pair.origin == CandidateOrigin.ONLINE
    assert 0.5 <= pair.score < 0.97
    assert {e["field"] for e in pair.evidence} >= {"family_name", "birth_date"}


def test_a_twin_is_not_linked_to_the_other(registry: dict[str, Any]) -> None:
    person_id, method, _ = _link(
        registry, family_name="ALIYEV", given_names="IMRAN", birth_date="2001-05-05"
    )
    assert person_id != registry["twin"].pk
    assert method == "new_provisional"


def test_nobody_alike_is_a_new_person_with_nothing_to_review(registry: dict[str, Any]) -> None:
    person_id, method, _ = _link(
        registry, family_name="SMITH", given_names="JOHN", birth_date="1970-01-01"
    )
    assert method == "new_provisional"
    assert person_id not in {registry["huseynov"].pk, registry["twin"].pk}
    assert not DuplicateCandidate.objects.exists()


def test_the_second_record_with_the_document_links_by_document(registry: dict[str, Any]) -> None:
    first, _, _ = _link(registry, family_name="SMITH", given_names="JOHN", birth_date="1970-01-01")
    again, method, _ = _link(
        registry, family_name="SMYTH", given_names="JON", birth_date="1970-01-01"
    )
    assert (again, method) == (first, "document")


def test_an_application_with_a_renewed_passport_joins_the_known_person(
    reference: None, make_staff: Any
) -> None:
    """The applicant's new passport is unknown; her name (written the Turkish way and
    the ICAO way) and birth date are: the case is hers, and the passport is added."""
    from tests.permits.test_services import apply_trp, identity

    from umis.core.models import User
    from umis.registry.models import IdentityDocument
    from umis.registry.services import DocumentData, document_add

    officer = make_staff("officer")
    known = person_create(
        actor=officer,
        data=PersonData(
            family_name="Yılmaz",
            given_names="Ayşe",
            sex="F",
            birth_date="1991-03-09",
            nationalities=[NationalityData("TUR")],
        ),
    )
    document_add(
        actor=officer,
        person_id=known.pk,
        data=DocumentData(document_type="passport", number="U00000001", issuing_state="TUR"),
    )
    user = User.objects.create_user(username="ayse", password="x-Secret-2026!")
    case = apply_trp(user, identity=identity(family_name="YILMAZ", given_names="AYSE"))
    assert case.person_id == known.pk
    assert set(IdentityDocument.objects.filter(person=known).values_list("number", flat=True)) == {
        "U00000001",
        "U12345678",
    }
    assert Person.objects.count() == 1
