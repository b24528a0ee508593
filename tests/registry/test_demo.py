"""Synthetic demo population (`umis demo_data`): shape, validity and determinism."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import phonenumbers
import pytest
from django.core.management import call_command

from umis.core.models import AuditEntry
from umis.core.reference import reference_load
from umis.registry.constants import STATELESS, DocumentStatus
from umis.registry.demo import (
    DEFAULT_PERSONS,
    DemoGenerator,
    DemoReference,
    demo_data_generate,
    mrz_name,
)
from umis.registry.models import (
    Address,
    IdentityDocument,
    Nationality,
    Organisation,
    Person,
    PersonName,
)
from umis.registry.mrz import parse_mrz
from umis.registry.names import fold, name_key
from umis.registry.rules import fin_is_valid, voen_is_valid

pytestmark = pytest.mark.django_db

SEED = 42
PERSONS = 300


@pytest.fixture
def population() -> Any:
    reference_load()
    # Batches of 120: two full ones and a partial one.
    return demo_data_generate(PERSONS, seed=SEED, batch_size=120)


def _wipe() -> None:
    IdentityDocument.objects.all().delete()  # PROTECT from Person
    Person.objects.all().delete()
    Organisation.objects.all().delete()


def test_counts(population: Any) -> None:
    assert population.persons == Person.objects.count() == PERSONS
    assert population.names == PersonName.objects.count() >= 2 * PERSONS
    assert population.nationalities == Nationality.objects.count() >= PERSONS
    assert population.documents == IdentityDocument.objects.count() >= PERSONS
    assert population.addresses == Address.objects.count() >= PERSONS
    assert population.organisations == Organisation.objects.count() == 10
    assert Address.objects.filter(is_current=True).count() == PERSONS
    for person in Person.objects.prefetch_related("nationalities", "documents", "names"):
        assert person.nationalities.exists()
        assert person.documents.exists()
        assert person.names.exists()
        assert person.office_id is not None


def test_one_audit_entry(population: Any) -> None:
    entries = AuditEntry.objects.filter(object_type="registry.demo_data")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.action == "create"
    assert entry.actor_id is None
    assert entry.changes == {"persons": [None, PERSONS]}


def test_name_key_is_set_with_name_key(population: Any) -> None:
    for person in Person.objects.all():
        assert person.name_key == name_key(person.family_name, person.given_names)


def test_fins_are_unique_and_valid(population: Any) -> None:
    fins = list(Person.objects.values_list("personal_number", flat=True))
    assert len(set(fins)) == len(fins) == PERSONS
    assert all(fin_is_valid(fin) for fin in fins)


def test_every_mrz_parses_and_matches_the_document(population: Any) -> None:
    documents = IdentityDocument.objects.select_related("person").prefetch_related(
        "person__nationalities", "person__names"
    )
    layouts: Counter[str] = Counter()
    for doc in documents:
        data = parse_mrz(doc.mrz)
        person = doc.person
        layouts[data.layout] += 1
        assert data.document_number == doc.number
        assert {"D": "DEU"}.get(data.issuing_state, data.issuing_state) == doc.issuing_state_id
        assert data.expiry_date == doc.expiry_date
        assert doc.issue_date is not None and doc.issue_date <= doc.expiry_date
        assert (data.birth_year, data.birth_month, data.birth_day) == (
            person.birth_year,
            person.birth_month,
            person.birth_day,
        )
        assert data.sex == person.sex
        nationality = {"D": "DEU"}.get(data.nationality, data.nationality)
        assert nationality in {n.country_id for n in person.nationalities.all()}
        if doc.document_type_id == "national_id":
            assert data.layout == "TD1" and data.document_code.startswith("I")
        else:
            assert data.layout == "TD3" and data.document_code.startswith("P")
        # The MRZ name is the person's Latin name as some source (the border) recorded it.
        latin = [n for n in person.names.all() if n.script == "Latn"]
        assert fold(data.surname) in {fold(n.family_name) for n in latin}
        assert any(fold(n.given_names).startswith(fold(data.given_names)) for n in latin)
    assert layouts["TD3"] >= PERSONS
    assert layouts["TD1"] > 0


def test_stateless_persons_travel_on_azerbaijani_documents(population: Any) -> None:
    stateless = Person.objects.filter(nationalities__country_id=STATELESS)
    assert stateless.exists()
    for person in stateless:
        for doc in person.documents.all():
            assert doc.issuing_state_id == "AZE"
            assert doc.document_type_id in ("travel_document", "refugee_travel_document")
            assert parse_mrz(doc.mrz).nationality == STATELESS


def test_mix_of_nationalities_and_scripts(population: Any) -> None:
    nationalities = Counter(Nationality.objects.values_list("country_id", flat=True))
    assert STATELESS in nationalities
    assert len(nationalities) >= 15
    assert nationalities.most_common(1)[0][0] == "RUS"
    scripts = set(PersonName.objects.values_list("script", flat=True))
    assert {"Latn", "Cyrl", "Geor", "Arab", "Hani"} <= scripts
    sources = set(PersonName.objects.values_list("source", flat=True))
    assert {"passport", "border", "stay_registration", "tax"} <= sources
    # Russian-style patronymics.
    assert Person.objects.filter(patronymic__endswith="ovich").exists()
    assert PersonName.objects.filter(script="Cyrl", patronymic__endswith="вна").exists()


def test_azerbaijani_names_come_in_their_variants(population: Any) -> None:
    # An ethnic Azerbaijani: natural Latin on Person, Cyrillic and folded forms as names.
    diacritics = set("əıöüğşçƏİÖÜĞŞÇ")
    found = False
    for person in Person.objects.filter(names__script="Cyrl").distinct():
        if not diacritics & set(person.family_name + person.given_names):
            continue
        latin = {n.family_name for n in person.names.all() if n.script == "Latn"}
        if latin - {person.family_name}:
            found = True
            break
    assert found


def test_phones_are_valid_e164(population: Any) -> None:
    phones = [p for p in Person.objects.values_list("phone", flat=True) if p]
    phones += [p for p in Organisation.objects.values_list("phone", flat=True) if p]
    assert len(phones) > PERSONS // 2
    for phone in phones:
        number = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(number), phone
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
    assert any(p.startswith("+99450") or p.startswith("+99455") for p in phones)


def test_emails_and_addresses(population: Any) -> None:
    emails = [e for e in Person.objects.values_list("email", flat=True) if e]
    assert emails
    assert all(e.split("@")[1].rsplit(".", 2)[-2] == "example" for e in emails)
    for address in Address.objects.select_related("city"):
        assert address.city.region_id == address.region_id
        assert address.street
    assert Address.objects.filter(street__contains="mənzil").exists()


def test_organisations_have_valid_voens(population: Any) -> None:
    for org in Organisation.objects.all():
        assert voen_is_valid(org.tax_number), org.tax_number
        assert org.is_host or org.is_employer
        expected_kind = "2" if org.category in ("landlord", "entrepreneur") else "1"
        assert org.tax_number[-1] == expected_kind


def test_deterministic_for_a_seed(population: Any) -> None:
    def snapshot() -> set[tuple[Any, ...]]:
        return set(
            Person.objects.values_list(
                "personal_number",
                "family_name",
                "given_names",
                "birth_year",
                "birth_month",
                "birth_day",
                "phone",
            )
        ) | set(IdentityDocument.objects.values_list("number", "mrz"))

    first = snapshot()
    _wipe()
    demo_data_generate(PERSONS, seed=SEED, batch_size=77)  # the batch size does not matter
    assert snapshot() == first
    _wipe()
    demo_data_generate(PERSONS, seed=SEED + 1)
    assert snapshot() != first


def test_generator_records_are_deterministic() -> None:
    reference_load()
    reference = DemoReference.load()

    def records(seed: int) -> list[Any]:
        generator = DemoGenerator(seed, reference)
        return [generator.person() for _ in range(200)]

    assert records(7) == records(7)
    assert records(7) != records(8)


def test_distributions_over_a_larger_sample() -> None:
    reference_load()
    generator = DemoGenerator(3, DemoReference.load())
    people = [generator.person() for _ in range(4000)]
    year_only = sum(p.birth_month is None for p in people) / len(people)
    year_month = sum(p.birth_month is not None and p.birth_day is None for p in people)
    assert 0.01 < year_only < 0.05
    assert 0.003 < year_month / len(people) < 0.03
    documents = [d for p in people for d in p.documents]
    flagged = sum(d.status in (DocumentStatus.LOST, DocumentStatus.STOLEN) for d in documents)
    assert 0.002 < flagged / len(documents) < 0.03
    renewed = sum(
        sum(d.document_type == "passport" for d in p.documents) > len(p.nationalities)
        for p in people
    )
    assert renewed > 0.1 * len(people)
    firsts = Counter(p.nationalities[0] for p in people)
    assert 0.15 < firsts["RUS"] / len(people) < 0.25
    assert 0.1 < firsts["TUR"] / len(people) < 0.18
    assert 0.015 < firsts[STATELESS] / len(people) < 0.05
    assert any(len(p.nationalities) > 1 for p in people)
    assert any(p.patronymic.endswith("oğlu") for p in people)


def test_mrz_name_transliterates_per_issuer() -> None:
    assert mrz_name("Müller", "DEU") == "MUELLER"
    assert mrz_name("Müller", "AUT") == "MUELLER"
    assert mrz_name("Öztürk", "TUR") == "OZTURK"
    assert mrz_name("Məmmədov", "AZE") == "MAMMADOV"
    assert mrz_name("O'Brien", "GBR") == "OBRIEN"


def test_taken_fins_and_document_numbers_are_replaced() -> None:
    reference_load()
    reference = DemoReference.load()
    first = DemoGenerator(SEED, reference, id_salt="0").person()
    demo_data_generate(1, seed=SEED + 100)  # unrelated person to hold the taken values
    holder = Person.objects.get()
    Person.objects.filter(pk=holder.pk).update(personal_number=first.personal_number)
    doc = first.documents[0]
    held = IdentityDocument.objects.filter(person=holder).first()
    assert held is not None
    IdentityDocument.objects.filter(pk=held.pk).update(
        issuing_state_id=doc.issuing_state, number=doc.number
    )
    demo_data_generate(20, seed=SEED)
    assert Person.objects.filter(personal_number=first.personal_number).count() == 1
    assert (
        IdentityDocument.objects.filter(
            issuing_state_id=doc.issuing_state, number=doc.number
        ).count()
        == 1
    )
    # The generated twin of the holder's values got fresh ones, with a matching MRZ.
    twin = Person.objects.get(
        family_name=first.family_name,
        given_names=first.given_names,
        birth_year=first.birth_year,
        birth_month=first.birth_month,
        birth_day=first.birth_day,
    )
    assert twin.personal_number != first.personal_number
    twin_doc = twin.documents.get(
        document_type_id=doc.document_type,
        issuing_state_id=doc.issuing_state,
        issue_date=doc.issue_date,
    )
    assert twin_doc.number != doc.number
    assert parse_mrz(twin_doc.mrz).document_number == twin_doc.number


def test_loading_the_same_seed_twice_works() -> None:
    reference_load()
    demo_data_generate(50, seed=1)
    demo_data_generate(50, seed=1)
    assert Person.objects.count() == 100
    fins = list(Person.objects.values_list("personal_number", flat=True))
    assert len(set(fins)) == 100


def test_command(capsys: pytest.CaptureFixture[str]) -> None:
    reference_load()
    out = io.StringIO()
    call_command("demo_data", persons=40, seed=5, no_progress=True, stdout=out)
    assert "40 persons" in out.getvalue()
    assert Person.objects.count() == 40
    from umis.registry.management.commands.demo_data import Command

    parser = Command().create_parser("umis", "demo_data")
    assert parser.parse_args([]).persons == DEFAULT_PERSONS == 2000


def test_command_needs_reference_data() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load_reference"):
        call_command("demo_data", persons=5, no_progress=True, stdout=io.StringIO())
