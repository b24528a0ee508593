from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Schema
from pydantic import Field

from umis.core.schemas import SafeStr

BIRTH_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"


class NameIn(Schema):
    script: SafeStr = Field(max_length=4, description="ISO 15924 code: Latn, Cyrl, Arab, ...")
    family_name: SafeStr = Field(min_length=1, max_length=150)
    given_names: SafeStr = Field("", max_length=150)
    patronymic: SafeStr = Field("", max_length=150)
    source: SafeStr = Field("registry", max_length=30)


class NameOut(Schema):
    script: str
    family_name: str
    given_names: str
    patronymic: str
    source: str


class NationalityIn(Schema):
    country: SafeStr = Field(
        min_length=1, max_length=3, description="ISO 3166-1 alpha-3; XXA for a stateless person"
    )
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class NationalityOut(Schema):
    id: int
    country: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class AddressIn(Schema):
    region: SafeStr = Field(max_length=20, description="Region code from the reference list")
    city: SafeStr = Field(max_length=30, description="City code from the reference list")
    street: SafeStr = Field(min_length=1, max_length=300)
    valid_from: dt.date | None = None


class AddressOut(Schema):
    id: int
    region: str
    city: str
    street: str
    valid_from: dt.date
    valid_to: dt.date | None
    is_current: bool


class PersonIn(Schema):
    family_name: SafeStr = Field(min_length=1, max_length=150, description="Latin form")
    given_names: SafeStr = Field("", max_length=150)
    patronymic: SafeStr = Field("", max_length=150)
    sex: Literal["M", "F", "X"]
    birth_date: SafeStr = Field(
        pattern=BIRTH_DATE_PATTERN, description="YYYY, YYYY-MM or YYYY-MM-DD (partial dates)"
    )
    place_of_birth: SafeStr = Field("", max_length=200)
    birth_country: SafeStr = Field("", max_length=3)
    nationalities: list[NationalityIn] = Field(min_length=1, max_length=10)
    names: list[NameIn] = Field(default_factory=list, max_length=20)
    phone: SafeStr = Field("", max_length=40, description="Any format; stored as E.164")
    email: SafeStr = Field("", max_length=254)
    address: AddressIn | None = None


class PersonPatch(Schema):
    version: int = Field(ge=1, description="The version you read; a stale one gets 409")
    family_name: SafeStr | None = Field(None, min_length=1, max_length=150)
    given_names: SafeStr | None = Field(None, max_length=150)
    patronymic: SafeStr | None = Field(None, max_length=150)
    sex: Literal["M", "F", "X"] | None = None
    birth_date: SafeStr | None = Field(None, pattern=BIRTH_DATE_PATTERN)
    place_of_birth: SafeStr | None = Field(None, max_length=200)
    birth_country: SafeStr | None = Field(None, max_length=3)
    phone: SafeStr | None = Field(None, max_length=40)
    email: SafeStr | None = Field(None, max_length=254)


class PersonSummaryOut(Schema):
    id: uuid.UUID
    personal_number: str
    family_name: str
    given_names: str
    patronymic: str
    sex: str
    birth_date: str
    nationalities: list[str]
    status: str


class MatchedOut(Schema):
    field: str = Field(
        description="family_name, given_names, patronymic, names, birth_date, sex, "
        "nationality or document"
    )
    level: str = Field(description="How it compared, e.g. exact, variant, partial, swapped")


class PersonSearchHitOut(Schema):
    person: PersonSummaryOut
    score: float = Field(description="Probability (0..1) that this is the person searched for")
    matched: list[MatchedOut] = Field(description="What matched, strongest evidence first")


class PersonSearchOut(Schema):
    items: list[PersonSearchHitOut]


class PersonOut(Schema):
    id: uuid.UUID
    personal_number: str
    family_name: str
    given_names: str
    patronymic: str
    sex: str
    birth_date: str
    place_of_birth: str
    birth_country: str | None
    nationalities: list[NationalityOut]
    names: list[NameOut]
    phone: str
    email: str
    office: str | None
    status: str
    version: int
    addresses: list[AddressOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class PersonPageOut(Schema):
    items: list[PersonSummaryOut]
    count: int
    page: int
    page_size: int


class DocumentIn(Schema):
    document_type: SafeStr = Field(
        "",
        max_length=40,
        description="passport, national_id, travel_document, "
        "refugee_travel_document, residence_card; may come from mrz",
    )
    number: SafeStr = Field("", max_length=30)
    issuing_state: SafeStr = Field("", max_length=3)
    issue_date: dt.date | None = None
    expiry_date: dt.date | None = None
    mrz: SafeStr = Field(
        "",
        max_length=200,
        description="ICAO 9303 TD1 or TD3 lines; validated and used to prefill empty fields",
    )


class DocumentOut(Schema):
    id: uuid.UUID
    document_type: str
    number: str
    issuing_state: str
    issue_date: dt.date | None
    expiry_date: dt.date | None
    mrz: str
    status: str
    status_reason: str


class DocumentFlagIn(Schema):
    status: Literal["valid", "lost", "stolen", "invalid"]
    reason: SafeStr = Field("", max_length=300)


class MrzIn(Schema):
    mrz: SafeStr = Field(min_length=1, max_length=200)


class MrzOut(Schema):
    document_type: str
    number: str
    issuing_state: str
    expiry_date: dt.date
    family_name: str
    given_names: str
    nationality: str
    birth_date: str
    sex: str
    personal_number: str
    mrz: str


class HistoryEntryOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    changes: dict[str, list[object]]


class PhotoOut(Schema):
    id: int
    content_type: str
    width: int
    height: int
    size: int
    sha256: str


class OrganisationIn(Schema):
    tax_number: SafeStr = Field(max_length=20, description="VÖEN: 10 digits")
    name: SafeStr = Field(min_length=1, max_length=300)
    category: Literal["hotel", "landlord", "company", "entrepreneur", "public_body", "other"]
    is_host: bool = False
    is_employer: bool = False
    region: SafeStr = Field("", max_length=20)
    city: SafeStr = Field("", max_length=30)
    street: SafeStr = Field("", max_length=300)
    phone: SafeStr = Field("", max_length=40)
    email: SafeStr = Field("", max_length=254)


class OrganisationOut(Schema):
    id: uuid.UUID
    tax_number: str
    name: str
    category: str
    is_host: bool
    is_employer: bool
    region: str | None
    city: str | None
    street: str
    phone: str
    email: str


class OrganisationPageOut(Schema):
    items: list[OrganisationOut]
    count: int
    page: int
    page_size: int
