"""Fixtures of the portal's application pages: a public account, its client, files and
signing keys in a temporary directory."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from umis.core.models import User


@pytest.fixture(autouse=True)
def _files(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.UMIS_SIGNING_KEY_DIR = str(tmp_path / "keys")


@pytest.fixture
def applicant(reference: None) -> User:
    return User.objects.create_user(
        username="petra", password="Petra-portal-2026!", email="petra@example.org"
    )


@pytest.fixture
def client_for(applicant: User) -> Client:
    client = Client()
    client.force_login(applicant)
    return client
