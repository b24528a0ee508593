"""Fixtures shared by the whole suite: reference data, staff of every role, API clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "correct-horse-battery-2026"


@pytest.fixture
def reference(db: Any) -> None:
    """The real reference data (countries, regions, cities, offices, document types)."""
    from umis.core.reference import reference_is_loaded, reference_load

    if not reference_is_loaded():
        reference_load()


def _office(kind: str) -> Any:
    from umis.core.models import Office

    office = Office.objects.filter(kind=kind, is_active=True).order_by("code").first()
    assert office is not None, f"reference data has no office of kind {kind}"
    return office


@pytest.fixture
def make_staff(reference: None) -> Callable[..., Any]:
    from umis.core.models import User

    counter = {"n": 0}

    def make(
        role: str,
        *,
        office_kind: str | None = None,
        office: Any = None,
        mfa: bool = True,
        username: str | None = None,
    ) -> Any:
        counter["n"] += 1
        kind = office_kind or {
            "border_officer": "border",
            "administrator": "headquarters",
            "analyst": "headquarters",
        }.get(role, "one_stop_shop")
        user = User.objects.create_user(
            username=username or f"{role}{counter['n']}",
            password=PASSWORD,
            role=role,
            office=office or _office(kind),
            is_staff=role == "administrator",
            is_superuser=role == "administrator",
        )
        if mfa:
            TOTP.activate(user, TOTP_SECRET)
        return user

    return make


@pytest.fixture
def officer(make_staff: Callable[..., Any]) -> Any:
    return make_staff("officer")


@pytest.fixture
def supervisor(make_staff: Callable[..., Any]) -> Any:
    return make_staff("supervisor")


@pytest.fixture
def administrator(make_staff: Callable[..., Any]) -> Any:
    return make_staff("administrator")


def totp_now() -> str:
    return pyotp.TOTP(TOTP_SECRET).now()


@pytest.fixture
def session_client() -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def token_client(db: Any) -> Callable[..., Client]:
    from umis.core.tokens import token_create

    def make(user: Any, scopes: list[str] | None = None) -> Client:
        _, secret = token_create(
            actor=user, name="test", scopes=scopes or ["persons:read", "persons:write"]
        )
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


@pytest.fixture
def person_payload() -> dict[str, Any]:
    return {
        "family_name": "Hüseynov",
        "given_names": "Elçin",
        "patronymic": "Rauf oğlu",
        "sex": "M",
        "birth_date": "1984-03-17",
        "place_of_birth": "Derbent",
        "birth_country": "RUS",
        "nationalities": [{"country": "RUS"}],
        "names": [
            {
                "script": "Cyrl",
                "family_name": "Гусейнов",
                "given_names": "Эльчин",
                "patronymic": "Рауфович",
                "source": "passport",
            }
        ],
        "phone": "+994 50 123 45 67",
        "email": "elchin@example.org",
    }


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate limits, lock-outs and used TOTP codes live in the cache: no test inherits
    another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sandbox(settings: Any) -> Iterator[Any]:
    """The tax registry and SMS gateway sandbox on a free port, with the adapters
    pointed at it."""
    from umis.exchange.sandbox import start_sandbox

    box = start_sandbox(port=0)
    settings.UMIS_TAX_REGISTRY_URL = box.url
    settings.UMIS_SMS_URL = box.url
    try:
        yield box
    finally:
        box.stop()
